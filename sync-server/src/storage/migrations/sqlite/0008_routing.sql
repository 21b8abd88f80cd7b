-- Configurable, explainable routing (issue 13): HQ's routing configuration, versioned
-- (every change is a new version; decisions name the one they used), one explanation per
-- routing decision, the count of fulfillment orders routed to a node per local day (the
-- daily-capacity filter), and what a held or campaign order needs to be routed later.

CREATE TABLE routing_config (
    version INTEGER PRIMARY KEY,
    document TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);

CREATE TABLE routing_decision (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL REFERENCES orders (id),
    config_version INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT,
    explanation TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX routing_decision_order ON routing_decision (order_id, id);

CREATE TABLE node_daily_routed (
    node_code TEXT NOT NULL,
    local_day TEXT NOT NULL,
    routed INTEGER NOT NULL,
    PRIMARY KEY (node_code, local_day)
);

ALTER TABLE orders ADD COLUMN campaign TEXT;
ALTER TABLE orders ADD COLUMN held_reason TEXT;
CREATE INDEX orders_status ON orders (status, created_ms);

-- Aged stock: when a node last sold a SKU.
CREATE INDEX stock_movement_sold ON stock_movement (sku_code, reason, node_code, at_ms);

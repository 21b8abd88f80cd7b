-- Promotion locks, presale quotas, clearance channels and hold expiry (issue 13, H3).

-- A campaign or live stream and its window; closed_ms is set once, when the remainder of
-- its lock goes back to the pool (early = 1 when HQ released it before the end).
CREATE TABLE campaign (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    starts_ms BIGINT NOT NULL,
    ends_ms BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    closed_ms BIGINT,
    early BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX campaign_open ON campaign (ends_ms) WHERE closed_ms IS NULL;

-- What a campaign locked at one balance: locked = left + sold + released - returned draws.
CREATE TABLE campaign_lock (
    campaign_code TEXT NOT NULL REFERENCES campaign (code),
    node_code TEXT NOT NULL,
    sku_code TEXT NOT NULL,
    locked BIGINT NOT NULL CHECK (locked > 0),
    left_qty BIGINT NOT NULL CHECK (left_qty >= 0),
    sold BIGINT NOT NULL DEFAULT 0 CHECK (sold >= 0),
    released BIGINT NOT NULL DEFAULT 0 CHECK (released >= 0),
    PRIMARY KEY (campaign_code, node_code, sku_code)
);
CREATE INDEX campaign_lock_balance ON campaign_lock (node_code, sku_code);

-- The locked layer's ledger: stock_balance.locked is the sum of its lock movements (the
-- audit checks it). Reasons: lock, draw, return, release, shrink.
CREATE TABLE lock_movement (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    node_code TEXT NOT NULL,
    sku_code TEXT NOT NULL,
    delta BIGINT NOT NULL,
    reason TEXT NOT NULL,
    campaign_code TEXT NOT NULL,
    reference TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX lock_movement_balance ON lock_movement (node_code, sku_code);

-- Reservations made from a lock: released while the campaign runs, the units go back to it.
CREATE TABLE lock_draw (
    reservation_id TEXT PRIMARY KEY,
    campaign_code TEXT NOT NULL,
    node_code TEXT NOT NULL,
    sku_code TEXT NOT NULL,
    qty BIGINT NOT NULL
);

CREATE TABLE presale (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    node_code TEXT NOT NULL REFERENCES node (code),
    promise_ms BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE presale_line (
    presale_code TEXT NOT NULL REFERENCES presale (code),
    sku_code TEXT NOT NULL REFERENCES sku (code),
    expected BIGINT NOT NULL CHECK (expected > 0),
    quota BIGINT NOT NULL CHECK (quota >= 0),
    sold BIGINT NOT NULL DEFAULT 0 CHECK (sold >= 0 AND sold <= quota),
    PRIMARY KEY (presale_code, sku_code)
);

-- Orders waiting in a presale, routed first come first served (by seq).
CREATE TABLE presale_order (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL UNIQUE,
    presale_code TEXT NOT NULL,
    accepted_ms BIGINT NOT NULL,
    routed_ms BIGINT
);
CREATE INDEX presale_order_waiting ON presale_order (presale_code, seq) WHERE routed_ms IS NULL;

-- Versioned HQ configuration of this module (stock-control policy, employee price list):
-- each PUT stores version n+1; decisions record the version they used.
CREATE TABLE stock_control_version (
    name TEXT NOT NULL,
    version BIGINT NOT NULL,
    value TEXT NOT NULL,
    set_ms BIGINT NOT NULL,
    PRIMARY KEY (name, version)
);

-- Channel holds expire: the sweeper releases active holds past expires_ms.
ALTER TABLE reservation ADD COLUMN expires_ms BIGINT;
CREATE INDEX reservation_expiry ON reservation (expires_ms) WHERE status = 'active' AND expires_ms IS NOT NULL;

-- Employee store: the price list in force, and what each employee bought per period.
CREATE TABLE employee_price (
    sku_code TEXT PRIMARY KEY,
    price BIGINT NOT NULL CHECK (price >= 0)
);
CREATE TABLE employee_usage (
    employee_id TEXT NOT NULL,
    period_start_ms BIGINT NOT NULL,
    units BIGINT NOT NULL DEFAULT 0,
    spend BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (employee_id, period_start_ms)
);
CREATE TABLE employee_sku_usage (
    employee_id TEXT NOT NULL,
    period_start_ms BIGINT NOT NULL,
    sku_code TEXT NOT NULL,
    units BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (employee_id, period_start_ms, sku_code)
);
CREATE TABLE employee_purchase (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id TEXT NOT NULL,
    channel_order_id TEXT NOT NULL,
    period_start_ms BIGINT NOT NULL,
    units BIGINT NOT NULL,
    spend BIGINT NOT NULL,
    policy_version BIGINT NOT NULL,
    prices_version BIGINT NOT NULL,
    at_ms BIGINT NOT NULL
);

-- Each directed allocation of slow movers to the outlet channel, as HQ made it.
CREATE TABLE outlet_direction (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    skus TEXT NOT NULL,
    policy_version BIGINT NOT NULL,
    at_ms BIGINT NOT NULL
);

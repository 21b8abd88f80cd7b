-- Version 5: the endless aisle.
-- Each order this device placed for a customer: what was ordered and for whom (json, the
-- phone masked), whether HQ confirmed or refused it (state, code, message) and its latest
-- status from HQ (status_json, read at status_ms), until it is closed.
CREATE TABLE placed_order (
    order_id TEXT PRIMARY KEY,
    op_id TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    json TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    code TEXT,
    message TEXT,
    answered_ms INTEGER,
    status_json TEXT,
    status_ms INTEGER,
    closed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX placed_order_created ON placed_order (created_ms);
-- The aisle's grid reads a style's SKUs.
CREATE INDEX sku_style ON sku (style_code);

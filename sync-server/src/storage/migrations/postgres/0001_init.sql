-- Master data -------------------------------------------------------------------------
CREATE TABLE node (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    city TEXT NOT NULL,
    lat_e6 BIGINT NOT NULL,
    lon_e6 BIGINT NOT NULL,
    can_ship BIGINT NOT NULL,
    can_pickup BIGINT NOT NULL,
    can_same_city BIGINT NOT NULL,
    opening_hours TEXT NOT NULL,
    daily_capacity BIGINT NOT NULL,
    handling_cost_fen BIGINT NOT NULL
);

CREATE TABLE style (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    list_price_fen BIGINT NOT NULL
);

CREATE TABLE sku (
    code TEXT PRIMARY KEY,
    style_code TEXT NOT NULL REFERENCES style (code),
    barcode TEXT NOT NULL UNIQUE,
    colour TEXT NOT NULL,
    size TEXT NOT NULL,
    list_price_fen BIGINT NOT NULL
);

CREATE TABLE bundle_component (
    bundle_sku TEXT NOT NULL REFERENCES sku (code),
    component_sku TEXT NOT NULL REFERENCES sku (code),
    qty BIGINT NOT NULL CHECK (qty > 0),
    PRIMARY KEY (bundle_sku, component_sku)
);

CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    store_code TEXT NOT NULL REFERENCES node (code),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    pin_hash TEXT NOT NULL,
    active BIGINT NOT NULL
);
CREATE INDEX staff_store ON staff (store_code);

-- Stock pool --------------------------------------------------------------------------
CREATE TABLE stock_balance (
    node_code TEXT NOT NULL REFERENCES node (code),
    sku_code TEXT NOT NULL REFERENCES sku (code),
    quality TEXT NOT NULL,
    on_hand BIGINT NOT NULL DEFAULT 0,
    reserved BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    safety BIGINT NOT NULL DEFAULT 0 CHECK (safety >= 0),
    locked BIGINT NOT NULL DEFAULT 0 CHECK (locked >= 0),
    PRIMARY KEY (node_code, sku_code, quality)
);
CREATE INDEX stock_balance_sku ON stock_balance (sku_code, quality);

-- Append-only ledger: on_hand of a balance is the sum of its movements.
CREATE TABLE stock_movement (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    node_code TEXT NOT NULL,
    sku_code TEXT NOT NULL,
    quality TEXT NOT NULL,
    delta BIGINT NOT NULL,
    reason TEXT NOT NULL,
    reference TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX stock_movement_balance ON stock_movement (node_code, sku_code, quality);

-- reserved of a balance is the sum of its active reservations.
CREATE TABLE reservation (
    id TEXT PRIMARY KEY,
    reference TEXT UNIQUE,
    node_code TEXT NOT NULL,
    sku_code TEXT NOT NULL,
    qty BIGINT NOT NULL CHECK (qty > 0),
    status TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    closed_ms BIGINT
);
CREATE INDEX reservation_balance ON reservation (node_code, sku_code, status);

CREATE TABLE adjustment_batch (
    batch_id TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    applied_ms BIGINT NOT NULL
);

-- Orders ------------------------------------------------------------------------------
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    channel_order_id TEXT NOT NULL,
    fulfillment TEXT NOT NULL,
    status TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    customer_phone TEXT NOT NULL,
    customer_address TEXT NOT NULL,
    lat_e6 BIGINT,
    lon_e6 BIGINT,
    pickup_store TEXT,
    associate_id TEXT,
    placed_at_store TEXT,
    digest TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    UNIQUE (channel, channel_order_id)
);

CREATE TABLE order_line (
    order_id TEXT NOT NULL REFERENCES orders (id),
    line_no BIGINT NOT NULL,
    sku_code TEXT NOT NULL,
    qty BIGINT NOT NULL,
    unit_price_fen BIGINT NOT NULL,
    discount_fen BIGINT NOT NULL,
    unrouted_qty BIGINT NOT NULL DEFAULT 0,
    returned_qty BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE fulfillment_order (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    node_code TEXT NOT NULL REFERENCES node (code),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    pickup_code_hash TEXT,
    pickup_expires_ms BIGINT,
    reject_reason TEXT,
    carrier TEXT,
    tracking_no TEXT,
    flagged BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX fulfillment_order_node ON fulfillment_order (node_code, state);
CREATE INDEX fulfillment_order_order ON fulfillment_order (order_id);

CREATE TABLE fulfillment_line (
    fulfillment_order_id TEXT NOT NULL REFERENCES fulfillment_order (id),
    line_no BIGINT NOT NULL,
    order_line_no BIGINT NOT NULL,
    sku_code TEXT NOT NULL,
    qty BIGINT NOT NULL,
    picked_qty BIGINT,
    reservation_id TEXT,
    PRIMARY KEY (fulfillment_order_id, line_no)
);

-- Every hand-over fact, including ones that conflict.
CREATE TABLE handover (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fulfillment_order_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    method TEXT NOT NULL,
    verified BIGINT NOT NULL,
    at_ms BIGINT NOT NULL
);

CREATE TABLE return_receipt (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    store_code TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    approved_by TEXT,
    refund_fen BIGINT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE return_line (
    return_id TEXT NOT NULL REFERENCES return_receipt (id),
    line_no BIGINT NOT NULL,
    sku_code TEXT NOT NULL,
    qty BIGINT NOT NULL,
    condition TEXT NOT NULL,
    refund_fen BIGINT NOT NULL,
    PRIMARY KEY (return_id, line_no)
);

-- Sales credit and fees; returns add negative entries.
CREATE TABLE attribution (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id TEXT NOT NULL,
    party_kind TEXT NOT NULL,
    party TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    reason TEXT NOT NULL,
    reference TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX attribution_order ON attribution (order_id);

-- Customer notifications (SMS / mini-program). Claimed once by the sender.
CREATE TABLE notification (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id TEXT NOT NULL,
    fulfillment_order_id TEXT,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    body TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    claimed_ms BIGINT
);

-- Conflicts and alerts for HQ to follow up.
CREATE TABLE flagged_conflict (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_code TEXT,
    device_id TEXT,
    op_id TEXT,
    order_id TEXT,
    fulfillment_order_id TEXT,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    resolved_ms BIGINT
);

-- Devices and sync -------------------------------------------------------------------
CREATE TABLE enrollment_code (
    code_hash TEXT PRIMARY KEY,
    store_code TEXT NOT NULL REFERENCES node (code),
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    used_ms BIGINT,
    device_id TEXT
);

CREATE TABLE device (
    id TEXT PRIMARY KEY,
    store_code TEXT NOT NULL REFERENCES node (code),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT,
    last_seq BIGINT NOT NULL DEFAULT 0,
    last_seen_ms BIGINT
);

-- Each op is applied once; its result is kept for replays.
CREATE TABLE applied_op (
    device_id TEXT NOT NULL,
    device_seq BIGINT NOT NULL,
    op_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    device_time_ms BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    applied_ms BIGINT NOT NULL,
    PRIMARY KEY (device_id, device_seq)
);

-- What changed in whose scope ('*' = every store). Several writers commit in an order
-- unrelated to `seq`, so each row also carries its transaction id: a reader serves only
-- rows of transactions older than every running one (below the snapshot's xmin), ordered
-- by (tx, seq), and so never moves its cursor past a change that is not visible yet.
CREATE TABLE change_log (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    scope TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL
);
CREATE INDEX change_log_scope ON change_log (scope, tx, seq);

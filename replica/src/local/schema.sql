-- The device's replica of its store's scope. Server-owned state arrives by pull; the
-- *_local tables are that state with the device's unacknowledged operations applied on top.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE node (code TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE style (code TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE sku (code TEXT PRIMARY KEY, barcode TEXT NOT NULL, style_code TEXT NOT NULL, json TEXT NOT NULL);
CREATE INDEX sku_barcode ON sku (barcode);
CREATE TABLE bundle (sku_code TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE staff (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, pin_hash TEXT NOT NULL, active INTEGER NOT NULL);

CREATE TABLE stock_server (sku_code TEXT NOT NULL, quality TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (sku_code, quality));
CREATE TABLE stock_local (sku_code TEXT NOT NULL, quality TEXT NOT NULL, on_hand INTEGER NOT NULL, reserved INTEGER NOT NULL, lease INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY (sku_code, quality));

CREATE TABLE fulfillment_server (id TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE fulfillment_local (id TEXT PRIMARY KEY, state TEXT NOT NULL, kind TEXT NOT NULL, created_ms INTEGER NOT NULL, json TEXT NOT NULL);
CREATE INDEX fulfillment_local_state ON fulfillment_local (state);

-- Every action not yet answered by the server, in device order. Answered ops leave: the
-- server's state, pulled after the push, includes them.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    op_id TEXT NOT NULL UNIQUE,
    staff_id TEXT NOT NULL,
    device_time TEXT NOT NULL,
    op TEXT NOT NULL,
    fulfillment_order_id TEXT
);

-- Rejections and conflicts for the associate to read.
CREATE TABLE inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    fulfillment_order_id TEXT,
    created_ms INTEGER NOT NULL,
    read INTEGER NOT NULL DEFAULT 0
);

-- Counter-side attempt limits per order, and per staff PIN.
CREATE TABLE attempts (subject TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until_ms INTEGER);

-- Network availability per SKU for endless aisle, with the time the snapshot was taken.
CREATE TABLE availability (sku_code TEXT PRIMARY KEY, available INTEGER NOT NULL, as_of_ms INTEGER NOT NULL);

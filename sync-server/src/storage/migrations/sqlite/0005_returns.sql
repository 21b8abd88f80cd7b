-- Returns and exchanges of any-channel orders at any store (issue 11).

-- The shipping fee the customer paid, which returns refund by HQ's return policy.
ALTER TABLE orders ADD COLUMN shipping_fee_fen INTEGER NOT NULL DEFAULT 0;
-- The return counter looks orders up by the channel number alone (any channel) and by the
-- customer's name (with the phone's last digits checked on the rows found).
CREATE INDEX orders_channel_order_id ON orders (channel_order_id);
CREATE INDEX orders_customer_name ON orders (customer_name, created_ms);

-- A return receipt: the order is NULL when the return matched none (an offline return
-- against a receipt HQ does not know), with what the device said in order_ref_*. goods_fen
-- and shipping_fen make up refund_fen, refund_lines is the refund per order line as booked
-- (`[QuotedLine]` JSON, what a held refund's instruction carries when HQ releases it);
-- problem is the first conflict code HQ follows up.
-- SQLite cannot drop NOT NULL from order_id in place: the two tables are rebuilt (children
-- first, so the foreign key of return_line follows the rename).
CREATE TABLE return_receipt_v5 (
    id TEXT PRIMARY KEY,
    order_id TEXT,
    order_ref_channel TEXT,
    order_ref_id TEXT,
    store_code TEXT NOT NULL,
    device_id TEXT,
    op_id TEXT,
    staff_id TEXT NOT NULL,
    approved_by TEXT,
    goods_fen INTEGER NOT NULL DEFAULT 0,
    shipping_fen INTEGER NOT NULL DEFAULT 0,
    refund_fen INTEGER NOT NULL,
    refund_lines TEXT NOT NULL DEFAULT '[]',
    problem TEXT,
    created_ms INTEGER NOT NULL
);
INSERT INTO return_receipt_v5 (id, order_id, store_code, staff_id, approved_by, goods_fen, refund_fen, created_ms)
    SELECT id, order_id, store_code, staff_id, approved_by, refund_fen, refund_fen, created_ms FROM return_receipt;

-- A return line: the order line it was matched to (NULL when none), the units refunded
-- (at most qty) and why the customer brought it back.
CREATE TABLE return_line_v5 (
    return_id TEXT NOT NULL REFERENCES return_receipt_v5 (id),
    line_no INTEGER NOT NULL,
    sku_code TEXT NOT NULL,
    qty INTEGER NOT NULL,
    condition TEXT NOT NULL,
    order_line_no INTEGER,
    refund_qty INTEGER NOT NULL DEFAULT 0,
    refund_fen INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT 'other',
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (return_id, line_no)
);
INSERT INTO return_line_v5 (return_id, line_no, sku_code, qty, condition, refund_fen)
    SELECT return_id, line_no, sku_code, qty, condition, refund_fen FROM return_line;
DROP TABLE return_line;
DROP TABLE return_receipt;
ALTER TABLE return_receipt_v5 RENAME TO return_receipt;
ALTER TABLE return_line_v5 RENAME TO return_line;
CREATE INDEX return_receipt_order ON return_receipt (order_id);
CREATE INDEX return_receipt_store ON return_receipt (store_code, created_ms);
-- HQ finds the return an op booked when it releases a held refund.
CREATE INDEX return_receipt_op ON return_receipt (op_id);

-- Refund instructions for the channels: one per return that refunds anything, written in
-- the return's transaction; claimed with a lease and acknowledged by return id.
CREATE TABLE refund_instruction (
    return_id TEXT PRIMARY KEY REFERENCES return_receipt (id),
    order_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    channel_order_id TEXT NOT NULL,
    store_code TEXT NOT NULL,
    lines TEXT NOT NULL,
    goods_fen INTEGER NOT NULL,
    shipping_fen INTEGER NOT NULL,
    amount_fen INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    claimed_ms INTEGER,
    acked_ms INTEGER
);
CREATE INDEX refund_instruction_pending ON refund_instruction (acked_ms, claimed_ms);

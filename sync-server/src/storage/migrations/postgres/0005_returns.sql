-- Returns and exchanges of any-channel orders at any store (issue 11).

-- The shipping fee the customer paid, which returns refund by HQ's return policy.
ALTER TABLE orders ADD COLUMN shipping_fee_fen BIGINT NOT NULL DEFAULT 0;
-- The return counter looks orders up by the channel number alone (any channel) and by the
-- customer's name (with the phone's last digits checked on the rows found).
CREATE INDEX orders_channel_order_id ON orders (channel_order_id);
CREATE INDEX orders_customer_name ON orders (customer_name, created_ms);

-- A return receipt: the order is NULL when the return matched none (an offline return
-- against a receipt HQ does not know), with what the device said in order_ref_*. goods_fen
-- and shipping_fen make up refund_fen, refund_lines is the refund per order line as booked
-- (`[QuotedLine]` JSON, what a held refund's instruction carries when HQ releases it);
-- problem is the first conflict code HQ follows up.
ALTER TABLE return_receipt ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE return_receipt ADD COLUMN order_ref_channel TEXT;
ALTER TABLE return_receipt ADD COLUMN order_ref_id TEXT;
ALTER TABLE return_receipt ADD COLUMN device_id TEXT;
ALTER TABLE return_receipt ADD COLUMN op_id TEXT;
ALTER TABLE return_receipt ADD COLUMN goods_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE return_receipt ADD COLUMN shipping_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE return_receipt ADD COLUMN refund_lines TEXT NOT NULL DEFAULT '[]';
ALTER TABLE return_receipt ADD COLUMN problem TEXT;
UPDATE return_receipt SET goods_fen = refund_fen;
CREATE INDEX return_receipt_order ON return_receipt (order_id);
CREATE INDEX return_receipt_store ON return_receipt (store_code, created_ms);
-- HQ finds the return an op booked when it releases a held refund.
CREATE INDEX return_receipt_op ON return_receipt (op_id);

-- A return line: the order line it was matched to (NULL when none), the units refunded
-- (at most qty) and why the customer brought it back.
ALTER TABLE return_line ADD COLUMN order_line_no BIGINT;
ALTER TABLE return_line ADD COLUMN refund_qty BIGINT NOT NULL DEFAULT 0;
ALTER TABLE return_line ADD COLUMN reason TEXT NOT NULL DEFAULT 'other';
ALTER TABLE return_line ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- Refund instructions for the channels: one per return that refunds anything, written in
-- the return's transaction; claimed with a lease and acknowledged by return id.
CREATE TABLE refund_instruction (
    return_id TEXT PRIMARY KEY REFERENCES return_receipt (id),
    order_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    channel_order_id TEXT NOT NULL,
    store_code TEXT NOT NULL,
    lines TEXT NOT NULL,
    goods_fen BIGINT NOT NULL,
    shipping_fen BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    claimed_ms BIGINT,
    acked_ms BIGINT
);
CREATE INDEX refund_instruction_pending ON refund_instruction (acked_ms, claimed_ms);

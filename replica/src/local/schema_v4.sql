-- Version 4: returns at the counter.
-- Orders looked up at HQ for a return, as HQ answered (the refund is quoted from these).
CREATE TABLE return_order (
    order_id TEXT PRIMARY KEY,
    json TEXT NOT NULL,
    shipping_refund TEXT NOT NULL,
    fetched_ms INTEGER NOT NULL
);
-- Each return this device made: its lines and refund quoted (in json), and how its refund
-- stands at HQ (refund_state NULL until HQ was asked).
CREATE TABLE return_record (
    return_id TEXT PRIMARY KEY,
    op_id TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    json TEXT NOT NULL,
    refund_booked INTEGER,
    refund_state TEXT,
    problem TEXT,
    checked_ms INTEGER
);
CREATE INDEX return_record_created ON return_record (created_ms);

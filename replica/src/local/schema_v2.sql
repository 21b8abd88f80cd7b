-- Version 2: units scanned per line while picking, kept until the pick is confirmed so an
-- app restart in the middle of a pick loses nothing.
CREATE TABLE pick_progress (
    fulfillment_order_id TEXT NOT NULL,
    line_no INTEGER NOT NULL,
    scanned INTEGER NOT NULL,
    PRIMARY KEY (fulfillment_order_id, line_no)
);

-- Facts a device sends under an id of its own (a stock count's count_id, a return's
-- return_id): what arrived under the id and the outcome it got, so the same fact sent again
-- under a new op id gets that outcome back and changes nothing, and other content under a
-- known id is flagged instead of applied a second time.
CREATE TABLE device_fact (
    kind TEXT NOT NULL,
    fact_id TEXT NOT NULL,
    store_code TEXT NOT NULL REFERENCES node (code),
    digest TEXT NOT NULL,
    outcome TEXT NOT NULL,
    op_id TEXT NOT NULL,
    recorded_ms BIGINT NOT NULL,
    PRIMARY KEY (kind, fact_id)
);

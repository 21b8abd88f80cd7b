-- A manager's approval carries a proof keyed by a second key derived from their PIN: the
-- salt goes to the devices with the staff record, the key stays here (see shared::approval).
-- Staff imported before this migration have neither until HQ sets their PIN again; their
-- approvals are recorded as unproven and flagged.
ALTER TABLE staff ADD COLUMN approval_salt TEXT NOT NULL DEFAULT '';
ALTER TABLE staff ADD COLUMN approval_key TEXT NOT NULL DEFAULT '';

-- HQ's signing keys: `pickup_pass` signs the customers' pickup QR codes, which devices check
-- with the public half. Created once, on first use, by whichever instance needs it first.
CREATE TABLE hq_key (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    public TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

-- A notification's text with its secrets (the pickup code, the pass) left out: what the row
-- keeps once the gateway has acknowledged taking the plain text. Unacknowledged ones are
-- handed out again after their claim's lease.
ALTER TABLE notification ADD COLUMN redacted_body TEXT;
ALTER TABLE notification ADD COLUMN acked_ms BIGINT;
UPDATE notification SET redacted_body = body;

-- HQ resolves a conflict with a note; the store's devices show it resolved in their inbox.
ALTER TABLE flagged_conflict ADD COLUMN resolution_note TEXT;
CREATE INDEX flagged_conflict_resolved ON flagged_conflict (store_code, resolved_ms, id);

-- HQ settings that are business rules, changed through the API (e.g. the PIN policy).
CREATE TABLE hq_setting (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_ms BIGINT NOT NULL
);

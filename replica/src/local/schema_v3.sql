-- Version 3: each staff member's approval salt, so a manager's approval carries a proof the
-- server checks (the key is derived from the PIN the manager types; see shared::approval).
ALTER TABLE staff ADD COLUMN approval_salt TEXT NOT NULL DEFAULT '';

-- HQ's resolution of a conflict in the inbox, from GET /api/v1/sync/resolutions.
ALTER TABLE inbox ADD COLUMN resolved_ms INTEGER;
ALTER TABLE inbox ADD COLUMN resolution_note TEXT;

-- Lockouts since the last right PIN or code: each one lasts twice as long as the one before.
ALTER TABLE attempts ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;

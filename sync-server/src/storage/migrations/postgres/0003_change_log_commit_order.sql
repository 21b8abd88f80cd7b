-- Change-log positions in commit order of this database alone.
--
-- Until now a row's `tx` was its writer's transaction id, and readers served only rows
-- below the oldest transaction still running on the whole PostgreSQL server, so one idle
-- transaction in any database stalled every device's pull. Now rows are written without a
-- position; right after its commit the writer (or, if it died, the periodic sweep) gives
-- every committed row without one the next number of `change_log_commit`, under a lock held
-- until that small transaction commits. A reader sees a prefix of those numbers, so it
-- serves every positioned row and can never skip one.
ALTER TABLE change_log ALTER COLUMN tx DROP DEFAULT;
ALTER TABLE change_log ALTER COLUMN tx DROP NOT NULL;
CREATE SEQUENCE change_log_commit AS BIGINT;
-- Numbers go on above every transaction id a cursor may already hold; a marker row (in no
-- store's scope) keeps those cursors at or behind the end of the log.
SELECT setval('change_log_commit',
    GREATEST(pg_current_xact_id()::text::bigint, (SELECT COALESCE(MAX(tx), 1) FROM change_log)));
INSERT INTO change_log (tx, scope, entity, entity_key) VALUES ((SELECT last_value FROM change_log_commit), '', 'node', '');
CREATE INDEX change_log_unpositioned ON change_log (seq) WHERE tx IS NULL;
CREATE INDEX change_log_position ON change_log (tx, seq);

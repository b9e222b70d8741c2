-- pgbench script (-D k=…): claim up to :k jobs with one SKIP LOCKED UPDATE,
-- then mark them done in a second transaction.
WITH claimed AS (
    UPDATE jobs SET state = 'running', updated_at = now()
    WHERE id IN (SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT :k FOR UPDATE SKIP LOCKED)
    RETURNING id
)
SELECT COALESCE(array_agg(id), '{}')::text AS ids FROM claimed \gset
UPDATE jobs SET state = 'done', updated_at = now() WHERE id = ANY(':ids'::bigint[]);

-- The raw SKIP LOCKED baseline's table (queue_raw.py runs this before each measurement).
-- queue_raw.py expects this file as queue/raw_setup.sql next to it; the shared
-- bench folder does not ship it, so run.sh copies this one there.
DROP TABLE IF EXISTS jobs;
CREATE TABLE jobs (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    state      text        NOT NULL DEFAULT 'queued',
    payload    jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz
);
CREATE INDEX jobs_queued ON jobs (id) WHERE state = 'queued';

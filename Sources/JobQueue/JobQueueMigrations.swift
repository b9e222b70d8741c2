import Postgres

/// The versioned schema of the queue (component `jobqueue`), applied with
/// ``PostgresMigrator``. Every object lives in the queue's schema, so a test
/// can run a whole queue in a schema of its own.
enum JobQueueMigrations {
    static let component = "jobqueue"

    /// The notification channel dispatchers listen on: `<schema>.jobs`.
    static func channel(schema: String) -> String { "\(schema).jobs" }

    static func all(schema: String) -> [PostgresMigration] {
        let jobs = PostgresConnection.quoteQualified(schema, "jobs")
        let schedules = PostgresConnection.quoteQualified(schema, "schedules")
        let notifyFunction = PostgresConnection.quoteQualified(schema, "jobs_notify")
        let channel = PostgresConnection.quoteLiteral(channel(schema: schema))
        let states = JobState.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return [
            PostgresMigration(version: 1, name: "jobs and schedules", sql: """
                CREATE TABLE \(jobs) (
                    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    kind             text        NOT NULL CHECK (kind <> ''),
                    arguments        jsonb       NOT NULL DEFAULT '{}',
                    state            text        NOT NULL DEFAULT 'available' CHECK (state IN (\(states))),
                    priority         smallint    NOT NULL DEFAULT 0,
                    attempt          integer     NOT NULL DEFAULT 0 CHECK (attempt >= 0),
                    max_attempts     integer     NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
                    scheduled_at     timestamptz NOT NULL DEFAULT now(),
                    unique_key       text,
                    created_at       timestamptz NOT NULL DEFAULT now(),
                    claimed_at       timestamptz,
                    started_at       timestamptz,
                    finished_at      timestamptz,
                    heartbeat_at     timestamptz,
                    launch_token     text,
                    task_id          text,
                    dispatcher       text,
                    progress         double precision,
                    progress_message text,
                    result           jsonb,
                    last_error       text,
                    attempts         jsonb       NOT NULL DEFAULT '[]'
                );
                -- A second enqueue with the same key returns the existing job.
                CREATE UNIQUE INDEX jobs_unique_key ON \(jobs) (unique_key) WHERE unique_key IS NOT NULL;
                -- The claim: highest priority, then oldest, among claimable jobs.
                CREATE INDEX jobs_claim ON \(jobs) (priority DESC, scheduled_at, id)
                    WHERE state IN ('available', 'scheduled', 'retryable');
                -- Rescue and reconciliation look at in-flight jobs only.
                CREATE INDEX jobs_in_flight ON \(jobs) (state, heartbeat_at) WHERE state IN ('launching', 'running');
                -- Pruning finished jobs after the retention.
                CREATE INDEX jobs_finished ON \(jobs) (finished_at) WHERE state IN ('completed', 'discarded', 'cancelled');

                -- Wake dispatchers once per INSERT statement (not per row).
                CREATE FUNCTION \(notifyFunction)() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify(\(channel), 'enqueued');
                    RETURN NULL;
                END $$;
                CREATE TRIGGER jobs_notify AFTER INSERT ON \(jobs)
                    FOR EACH STATEMENT EXECUTE FUNCTION \(notifyFunction)();

                CREATE TABLE \(schedules) (
                    name         text        PRIMARY KEY,
                    cron         text        NOT NULL,
                    time_zone    text        NOT NULL DEFAULT 'UTC',
                    kind         text        NOT NULL,
                    arguments    jsonb       NOT NULL DEFAULT '{}',
                    priority     smallint    NOT NULL DEFAULT 0,
                    max_attempts integer     NOT NULL DEFAULT 3,
                    enabled      boolean     NOT NULL DEFAULT true,
                    next_slot    timestamptz,
                    last_slot    timestamptz,
                    last_job_id  bigint,
                    created_at   timestamptz NOT NULL DEFAULT now(),
                    updated_at   timestamptz NOT NULL DEFAULT now()
                );
                -- The first schedule: the nightly snapshot at 02:00 UTC.
                INSERT INTO \(schedules) (name, cron, time_zone, kind)
                    VALUES ('nightly-snapshot', '0 2 * * *', 'UTC', 'snapshot');
                """),
            PostgresMigration(version: 2, name: "the current attempt in the row's columns; no index for pruning", sql: """
                -- The record of the current attempt once it has ended; moved to
                -- attempts when the job is claimed again, so finishing an
                -- attempt no longer rewrites the attempts array.
                ALTER TABLE \(jobs)
                    ADD COLUMN outcome       text,
                    ADD COLUMN exit_code     integer,
                    ADD COLUMN signal        integer,
                    ADD COLUMN stop_reason   text,
                    ADD COLUMN attempt_error text;
                -- Every completion inserted into this index; the leader prunes
                -- once a minute, and a scan of the table is cheap at that rate.
                DROP INDEX IF EXISTS \(PostgresConnection.quoteQualified(schema, "jobs_finished"));
                """),
        ]
    }
}

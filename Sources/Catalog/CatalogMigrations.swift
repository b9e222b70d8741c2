public import Postgres

extension Catalog {
    /// The catalog's migrations (component `catalog` of the catalog schema).
    /// Version 1 creates every table; later changes are new versions, never
    /// edits of old ones.
    public static func migrations(_ schemas: CatalogSchemas) -> [PostgresMigration] {
        let c = PostgresConnection.quoteIdentifier(schemas.catalog)
        let d = PostgresConnection.quoteIdentifier(schemas.data)
        return [
            PostgresMigration(version: 1, name: "datasets, versions, artifacts, report requests, audit log", sql: """
                CREATE SCHEMA IF NOT EXISTS \(d);

                CREATE TABLE \(c).datasets (
                    id          bigserial   PRIMARY KEY,
                    department  text        NOT NULL,
                    name        text        NOT NULL,
                    -- the per-dataset view in the data schema (see TableNaming)
                    view_name   text        NOT NULL UNIQUE,
                    created_at  timestamptz NOT NULL DEFAULT now(),
                    UNIQUE (department, name)
                );

                CREATE TABLE \(c).dataset_versions (
                    id            bigserial   PRIMARY KEY,
                    dataset_id    bigint      NOT NULL REFERENCES \(c).datasets (id),
                    -- NULL for failed attempts: they never consume a number
                    version       integer,
                    status        text        NOT NULL CHECK (status IN ('loading', 'committed', 'failed')),
                    source_uri    text        NOT NULL,
                    store         text,
                    bucket        text,
                    key           text,
                    etag          text,
                    sha256        text,
                    sheet         text,
                    row_count     bigint,
                    -- [{name, type, source_column, non_null, nulls, errors, kinds}]
                    columns       jsonb,
                    -- {code, file, sheet, cell, message, …}
                    error         jsonb,
                    -- {download_s, parse_infer_s, copy_s, total_s}
                    timings       jsonb,
                    table_name    text,
                    created_by    text,
                    created_at    timestamptz NOT NULL DEFAULT now(),
                    committed_at  timestamptz,
                    UNIQUE (dataset_id, version),
                    CHECK ((status = 'failed') = (version IS NULL))
                );
                CREATE INDEX dataset_versions_source ON \(c).dataset_versions (store, key, etag) WHERE status = 'committed';
                CREATE INDEX dataset_versions_sha256 ON \(c).dataset_versions (dataset_id, sha256) WHERE status = 'committed';

                CREATE TABLE \(c).artifacts (
                    id          bigserial   PRIMARY KEY,
                    kind        text        NOT NULL,
                    key         text        NOT NULL,
                    bytes       bigint,
                    sha256      text,
                    job_id      bigint,
                    version_id  bigint      REFERENCES \(c).dataset_versions (id),
                    filters     jsonb,
                    created_at  timestamptz NOT NULL DEFAULT now()
                );

                CREATE TABLE \(c).report_requests (
                    id          bigserial   PRIMARY KEY,
                    dataset_id  bigint      NOT NULL REFERENCES \(c).datasets (id),
                    format      text        NOT NULL,
                    options     jsonb       NOT NULL DEFAULT '{}',
                    created_at  timestamptz NOT NULL DEFAULT now()
                );

                CREATE TABLE \(c).audit_log (
                    id          bigserial   PRIMARY KEY,
                    at          timestamptz NOT NULL DEFAULT now(),
                    who         text        NOT NULL,
                    what        text        NOT NULL,
                    outcome     text        NOT NULL,
                    detail      jsonb
                );
                """),
            PostgresMigration(version: 2, name: "notes on a version (sheets skipped, numbers rounded)", sql: """
                -- ["sheet \"Chart1\" skipped: a chart sheet", …]: what the ingest
                -- did that a person should know, beside the rows it landed
                ALTER TABLE \(c).dataset_versions ADD COLUMN notes jsonb;
                """),
            PostgresMigration(version: 3, name: "revert, archive, delete (names unique among datasets not deleted)", sql: """
                -- archived: hidden from lists unless asked for, kept in snapshots;
                -- deleted: gone from every list and show at once, its tables
                -- dropped by the next snapshot prune (purged_at)
                ALTER TABLE \(c).datasets ADD COLUMN archived_at timestamptz,
                                          ADD COLUMN deleted_at timestamptz,
                                          ADD COLUMN purged_at timestamptz;
                -- a deleted dataset's name is free again; its view name stays
                -- taken (its tables, named after it, live until the prune)
                ALTER TABLE \(c).datasets DROP CONSTRAINT datasets_department_name_key;
                CREATE UNIQUE INDEX datasets_live_name ON \(c).datasets (department, name) WHERE deleted_at IS NULL;
                -- a revert: a new version on the table of the version it names
                ALTER TABLE \(c).dataset_versions ADD COLUMN reverted_from bigint REFERENCES \(c).dataset_versions (id);
                """),
            PostgresMigration(version: 4, name: "a dataset's ingest settings (sheet, header row, range, totals)", sql: """
                -- {"sheet": "Stock", "header_row": 4, "range": "A4:F1004", "keep_totals": true}:
                -- how every drop of the dataset is read where detection gets it wrong
                ALTER TABLE \(c).datasets ADD COLUMN ingest_settings jsonb;
                """),
            PostgresMigration(version: 5, name: "who asked for a report", sql: """
                -- the job's requestedBy, for the reports pages (jobs are pruned, artifacts kept)
                ALTER TABLE \(c).artifacts ADD COLUMN requested_by text;
                """),
        ]
    }
}

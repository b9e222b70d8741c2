public import Postgres

extension Accounts {
    /// The accounts' migrations (component `accounts` of the catalog schema).
    /// Version 1 creates every table; later changes are new versions.
    public static func migrations(schema: String) -> [PostgresMigration] {
        let s = PostgresConnection.quoteIdentifier(schema)
        return [
            PostgresMigration(version: 1, name: "users, grants, sessions, API tokens, login attempts", sql: """
                CREATE TABLE \(s).users (
                    id            bigserial   PRIMARY KEY,
                    username      text        NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9._@-]{1,64}$'),
                    -- bcrypt ($2b$, cost 12)
                    password_hash text        NOT NULL,
                    -- admin of every department, present and future
                    is_admin      boolean     NOT NULL DEFAULT false,
                    disabled_at   timestamptz,
                    created_at    timestamptz NOT NULL DEFAULT now()
                );

                CREATE TABLE \(s).department_grants (
                    user_id     bigint      NOT NULL REFERENCES \(s).users (id) ON DELETE CASCADE,
                    department  text        NOT NULL,
                    role        text        NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
                    granted_at  timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (user_id, department)
                );

                CREATE TABLE \(s).sessions (
                    -- hex SHA-256 of the cookie's value: the value itself is never stored
                    id            text        PRIMARY KEY,
                    user_id       bigint      NOT NULL REFERENCES \(s).users (id) ON DELETE CASCADE,
                    csrf_token    text        NOT NULL,
                    client        text,
                    created_at    timestamptz NOT NULL DEFAULT now(),
                    last_seen_at  timestamptz NOT NULL DEFAULT now(),
                    expires_at    timestamptz NOT NULL,
                    revoked_at    timestamptz
                );
                CREATE INDEX sessions_user ON \(s).sessions (user_id);

                CREATE TABLE \(s).api_tokens (
                    id            bigserial   PRIMARY KEY,
                    user_id       bigint      NOT NULL REFERENCES \(s).users (id) ON DELETE CASCADE,
                    name          text        NOT NULL,
                    -- hex SHA-256 of the token: the token itself is shown once, never stored
                    token_hash    text        NOT NULL UNIQUE,
                    scope         text        NOT NULL CHECK (scope IN ('read', 'write')),
                    created_at    timestamptz NOT NULL DEFAULT now(),
                    last_used_at  timestamptz,
                    revoked_at    timestamptz,
                    UNIQUE (user_id, name)
                );

                CREATE TABLE \(s).login_attempts (
                    id        bigserial   PRIMARY KEY,
                    at        timestamptz NOT NULL DEFAULT now(),
                    username  text        NOT NULL,
                    client    text        NOT NULL,
                    succeeded boolean     NOT NULL
                );
                CREATE INDEX login_attempts_username ON \(s).login_attempts (username, at);
                CREATE INDEX login_attempts_client ON \(s).login_attempts (client, at);
                """),
        ]
    }
}

// The Postgres module: the only code in Pyramydal that touches libpq.

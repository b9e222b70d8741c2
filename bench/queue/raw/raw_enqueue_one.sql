-- pgbench script: one job per transaction.
INSERT INTO jobs (payload) VALUES ('{"task": "noop"}');

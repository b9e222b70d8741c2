// Configuration and the embedded stack shared by the CLI and the workers.

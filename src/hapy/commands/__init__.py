"""Library commands shared by the CLI, the web UI and the HTTP API."""

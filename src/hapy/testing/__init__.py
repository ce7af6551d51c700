"""Tools for testing a real hapy cluster from the outside (integration tests,
benchmarks): watching the agents' own state, a randomised soak."""

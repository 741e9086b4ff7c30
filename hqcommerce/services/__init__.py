"""Business logic. One module per job; admin, API, tasks and commands only call these."""

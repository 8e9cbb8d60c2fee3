"""Journey workflows: deterministic orchestration only; all I/O is in ``activities``."""

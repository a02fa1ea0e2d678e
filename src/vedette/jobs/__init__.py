"""Background jobs: an in-process scheduler by default (Celery on Redis when configured, later)."""

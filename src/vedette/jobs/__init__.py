"""Background jobs: an in-process scheduler by default, Celery on Redis when ``broker_url`` is set."""

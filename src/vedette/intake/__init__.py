"""Intake: sources (files, URLs, feeds, API posts) and the extraction pipeline."""

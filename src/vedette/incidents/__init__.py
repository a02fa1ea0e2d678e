"""Incidents: the structured, dated, geolocated events extracted from documents."""

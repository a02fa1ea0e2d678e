"""Risk picture: advisories (levels and indicators), later scores and escalation."""

"""Alerts and accountability (issue 16): rules, alerts, the transactional outbox, channels, feeds."""

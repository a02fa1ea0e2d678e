"""Vedette: software for crisis-response and travel-risk operations centres."""

__version__ = "0.1.0"

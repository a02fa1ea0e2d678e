"""Bundled demo data: short reports written for Vedette replaying Mali, February to April 2012."""

from pathlib import Path

DEMO_DIR = Path(__file__).with_name("data")

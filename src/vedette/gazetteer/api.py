"""HTTP routes of the gazetteer domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

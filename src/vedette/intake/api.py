"""HTTP routes of the intake domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

"""HTTP routes of the incidents domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

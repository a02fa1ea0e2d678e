"""The gazetteer extraction and shared views use: the built file with the deployment's own places overlaid.

Places loaded from GeoNames dumps (``vedette gazetteer load``) and places added for the whole deployment
(``vedette gazetteer add`` without ``--org``) live in the store. They must place incidents just as the
built file's places do, so the shared instance overlays them, and notices when they change: it compares a
cheap version of the store's shared places (row count and highest id) at most every ``CHECK_EVERY_S``
seconds, or at once after ``invalidate()``, which the commands and routes that add places call. An
organisation's private places are never overlaid here: they serve that organisation's own views
(``service.gazetteer_for``), never the shared picture.
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

from vedette.gazetteer.resolver import Gazetteer
from vedette.gazetteer.resolver import get_gazetteer as bundled

CHECK_EVERY_S = 5.0

_lock = threading.Lock()
_state: dict = {"gaz": None, "key": None, "checked": -math.inf}


def invalidate() -> None:
    """Look at the store again on the next call (after places were added and committed)."""
    _state["checked"] = -math.inf


def _store_url() -> str | None:
    """The store's URL, or None when there is no store yet (a fresh machine: don't create a file)."""
    from vedette.config import get_settings

    url = get_settings().effective_database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if not path or path == ":memory:" or not Path(path).exists():
            return None
    return url


def _load(url: str) -> tuple[tuple, list[dict]]:
    from vedette.gazetteer.repository import shared_place_rows, shared_places_version

    return shared_places_version(url), shared_place_rows(url)


def _version(url: str) -> tuple:
    from vedette.gazetteer.repository import shared_places_version

    return shared_places_version(url)


def get_gazetteer() -> Gazetteer:
    """The shared gazetteer: the built file, plus the store's deployment-wide places when there are any."""
    now = time.monotonic()
    gaz = _state["gaz"]
    if gaz is not None and now - _state["checked"] < CHECK_EVERY_S:
        return gaz
    with _lock:
        url = _store_url()
        version = _version(url) if url else (0, None)
        key = (url, version)
        if _state["gaz"] is None or _state["key"] != key:
            if not version[0]:
                _state["gaz"] = bundled()
            else:
                version, rows = _load(url)
                key = (url, version)
                overlaid = Gazetteer(bundled().path)
                overlaid.add_places(rows)
                _state["gaz"] = overlaid
            _state["key"] = key
        _state["checked"] = time.monotonic()
        return _state["gaz"]

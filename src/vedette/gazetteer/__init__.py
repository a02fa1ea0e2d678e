"""Places: the bundled offline gazetteer, loaded GeoNames files, analysts' own places."""

from vedette.gazetteer.resolver import (
    Gazetteer,
    Mention,
    PlaceMatch,
    ResolveContext,
    haversine_km,
)
from vedette.gazetteer.shared import get_gazetteer

__all__ = ["Gazetteer", "Mention", "PlaceMatch", "ResolveContext", "get_gazetteer", "haversine_km"]

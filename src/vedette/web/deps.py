"""Moved to ``vedette.store.deps`` (routers import it from there); kept until every router is switched."""

from vedette.store.deps import get_session

__all__ = ["get_session"]

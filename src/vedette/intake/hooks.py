"""The seam between intake and extraction: every newly stored document is handed to these hooks.

The extraction pipeline registers itself here (``register_document_hook``); intake never imports
extraction, so lower layers stay independent of higher ones.

A hook may come in two parts: ``prepare(draft)``, the slow part that needs no store (extraction), which
intake runs before its write transaction, and the hook itself, which stores what was prepared inside the
transaction and is then called as ``hook(session, document, prepared)``. Without a prepared value (a
re-extraction, a caller that did not prepare) the hook is called as ``hook(session, document)`` and does
all the work itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from vedette.intake.models import Document

DocumentHook = Callable[..., None]


@dataclass(frozen=True)
class DocumentDraft:
    """A document about to be stored, as its hooks will see it (the same text, name, date and language)."""

    text: str
    name: str
    published_at: datetime | None
    language: str | None


Preparer = Callable[[DocumentDraft], Any]
_hooks: dict[str, tuple[DocumentHook, Preparer | None]] = {}


def register_document_hook(name: str, hook: DocumentHook, *, prepare: Preparer | None = None) -> None:
    _hooks[name] = (hook, prepare)


def unregister_document_hook(name: str) -> None:
    _hooks.pop(name, None)


def document_hooks() -> list[DocumentHook]:
    return [hook for hook, _ in _hooks.values()]


def prepare_document_hooks(draft: DocumentDraft) -> dict[str, Any]:
    """Run every hook's ``prepare`` (no store, no transaction); an exception is the caller's to report."""
    return {name: prepare(draft) for name, (_, prepare) in list(_hooks.items()) if prepare is not None}


def run_document_hooks(session: Session, document: Document, prepared: Mapping[str, Any] | None = None) -> None:
    """Run each hook inside the caller's transaction, so a document and its incidents land together."""
    for name, (hook, _) in list(_hooks.items()):
        if prepared is not None and name in prepared:
            hook(session, document, prepared[name])
        else:
            hook(session, document)

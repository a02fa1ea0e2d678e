"""The seam between intake and extraction: every newly stored document is handed to these hooks.

The extraction pipeline registers itself here (``register_document_hook``); intake never imports
extraction, so lower layers stay independent of higher ones.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from vedette.intake.models import Document

DocumentHook = Callable[[Session, Document], None]
_hooks: dict[str, DocumentHook] = {}


def register_document_hook(name: str, hook: DocumentHook) -> None:
    _hooks[name] = hook


def unregister_document_hook(name: str) -> None:
    _hooks.pop(name, None)


def document_hooks() -> list[DocumentHook]:
    return list(_hooks.values())


def run_document_hooks(session: Session, document: Document) -> None:
    """Run each hook inside the caller's transaction, so a document and its incidents land together."""
    for hook in document_hooks():
        hook(session, document)

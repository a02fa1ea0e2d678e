"""Document language (English or French), unless the caller already knows it."""

from __future__ import annotations

from vedette.intake.language import detect_language
from vedette.intake.pipeline import Component, Doc, component


@component("language")
class Language(Component):
    requires = ("text",)
    assigns = ("lang",)

    def __call__(self, doc: Doc) -> Doc:
        if doc.lang not in ("en", "fr"):
            doc.lang = detect_language(doc.text) or "en"
        return doc

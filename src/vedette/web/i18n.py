"""The interface's languages: message catalogues in gettext ``.po`` files, read with Babel.

Templates and scripts call ``_("English text")``; ``translations/<lang>.po`` gives the other language.
The catalogues are read once from their ``.po`` text (no compiled ``.mo`` file to build or commit). A
user's language is their own setting; before signing in, the ``lang`` cookie, then the browser's
``Accept-Language``, then English.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("en", "fr")
DEFAULT = "en"
HERE = Path(__file__).with_name("translations")


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(lang: str) -> dict[str, str]:
    """msgid -> msgstr for ``lang`` (empty for English, the source language)."""
    path = HERE / f"{lang}.po"
    if lang == DEFAULT or not path.exists():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        cat = read_po(fh, locale=lang)
    return {m.id: m.string for m in cat if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def translator(lang: str) -> Callable[..., str]:
    """``_(text, **values)``: the text in ``lang`` (the English text when untranslated), formatted."""
    table = catalogue(lang if lang in LANGUAGES else DEFAULT)

    def _(text: str, **values: object) -> str:
        out = table.get(text)
        if out is None:  # a key such as "armed_conflict" reads "armed conflict" when no catalogue names it
            out = text.replace("_", " ") if "_" in text and " " not in text else text
        return out.format(**values) if values else out

    return _


def choose(user_lang: str | None, cookie: str | None, accept: str | None) -> str:
    for candidate in (user_lang, cookie):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    for part in (accept or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT

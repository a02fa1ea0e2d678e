"""Language identification, English and French, with lingua restricted to those two.

Restricting the detector keeps it fast and small (all-language preload costs seconds and >1 GB).
"""

from __future__ import annotations

import re
from functools import lru_cache

SUPPORTED = ("en", "fr")
_FR_HINTS = re.compile(r"\b(le|la|les|des|du|une|est|dans|pour|avec|sont|été|qui|au|aux)\b", re.I)
_EN_HINTS = re.compile(r"\b(the|and|of|was|were|is|in|for|with|that|has|have|on)\b", re.I)


@lru_cache(maxsize=1)
def _detector():  # noqa: ANN202 - lingua type
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.FRENCH).build()


def detect_language(text: str, sample: int = 1500) -> str | None:
    """'en' or 'fr' (None when the text is too short to tell). Clear cases skip the model."""
    head = text[:sample]
    fr, en = len(_FR_HINTS.findall(head)), len(_EN_HINTS.findall(head))
    if fr + en >= 12 and (fr >= 3 * en or en >= 3 * fr):
        return "fr" if fr > en else "en"
    if len(head.strip()) < 3:
        return None
    found = _detector().detect_language_of(head)
    if found is None:
        return None
    return found.iso_code_639_1.name.lower()

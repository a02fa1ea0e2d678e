"""Name keys: accent-folded, lower-case, punctuation-light, so 'Ségou', 'SEGOU' and 'Segou' meet."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"[\s\-‐‑–—_/]+")
_DROP = re.compile(r"[.’'`´ʼ\"“”(),]")


@lru_cache(maxsize=200_000)
def fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = _DROP.sub("", text)
    return _SPACES.sub(" ", text).strip()


def is_latin(name: str) -> bool:
    """True when every letter is Latin script (keeps EN/FR/ASCII variants, drops Cyrillic, Arabic...)."""
    return not any(ch.isalpha() and ord(ch) > 0x24F for ch in name)

"""Public entry point of extraction: text (or a file) in, SCHEMA.md incident records out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from vedette.errors import BadInput
from vedette.intake.pipeline import Doc, ExtractionTimedOut, Pipeline

EXTRACTOR = "intake.extract.v1"
# Document.extractor of a document whose extraction ran past extract_timeout_s: stored, no incidents, for review
TIMED_OUT = f"{EXTRACTOR}:timed-out"
__all__ = ["EXTRACTOR", "TIMED_OUT", "ExtractionTimedOut", "IncidentRecord", "extract_doc", "extract_path",
           "extract_text"]
SCHEMA_KEYS = (
    "doc",
    "published",
    "date",
    "time",
    "place",
    "admin1",
    "country",
    "lat",
    "lon",
    "category",
    "killed",
    "injured",
    "hostages_or_kidnapped",
    "actors",
    "evidence",
)


@dataclass
class IncidentRecord:
    doc: str
    published: str | None
    date: str | None
    date_certain: bool
    time: str | None
    place: str | None
    place_id: str | None
    admin1: str | None
    country: str | None
    lat: float | None
    lon: float | None
    category: str
    category_cue: str | None
    killed: int | None
    injured: int | None
    hostages_or_kidnapped: int | None
    actors: list[str] = field(default_factory=list)
    evidence: str = ""
    span: tuple[int, int] = (0, 0)
    provenance: dict[str, dict] = field(default_factory=dict)
    severity: int = 1

    def as_schema(self) -> dict:
        return {k: getattr(self, k) for k in SCHEMA_KEYS}


@lru_cache(maxsize=1)
def default_pipeline() -> Pipeline:
    return Pipeline()


def _timeout_s() -> float:
    from vedette.config import get_settings

    return get_settings().extract_timeout_s


def extract_doc(
    text: str,
    name: str,
    published: date | datetime | None = None,
    lang: str | None = None,
    timeout_s: float | None = None,
) -> Doc:
    """The pipeline run over ``text``. Raises ``BadInput`` for an empty text and ``ExtractionTimedOut`` past
    ``timeout_s`` seconds (default: the ``extract_timeout_s`` setting; 0: no limit)."""
    if not text or not text.strip():
        raise BadInput("empty document: nothing to extract", item=name)
    if isinstance(published, datetime):
        published = published.date()
    doc = Doc(raw=text, name=name, published=published, lang=lang)
    if published is not None:
        doc.meta["published_rule"] = "metadata"
    limit = _timeout_s() if timeout_s is None else timeout_s
    try:
        return default_pipeline()(doc, timeout_s=limit)
    except ExtractionTimedOut as exc:
        if exc.item is None:  # raised by the watchdog while the pipeline was finishing
            raise ExtractionTimedOut(
                f"extraction took longer than {limit:g} s (extract_timeout_s): stored for review",
                item=name,
                limit_s=limit,
            ) from None
        raise


def extract_text(
    text: str,
    name: str,
    published: date | datetime | None = None,
    lang: str | None = None,
    timeout_s: float | None = None,
) -> list[IncidentRecord]:
    """Incidents in ``text``; ``name`` is the document's file name (SCHEMA ``doc``). Past ``timeout_s``
    (default: setting ``extract_timeout_s``) raises ``ExtractionTimedOut``: store the document marked
    ``TIMED_OUT`` for review."""
    return extract_doc(text, name, published, lang, timeout_s).records


def extract_path(path: str | Path) -> list[IncidentRecord]:
    """Incidents in a file (any format the intake readers know; plain UTF-8 text without them).

    Raises ``BadInput`` for empty, unreadable or malformed documents."""
    path = Path(path)
    try:
        from vedette.intake.readers import read_path
    except ImportError:  # pragma: no cover - readers ship with the package
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"cannot read document: {exc}", item=path.name) from exc
        return extract_text(text, path.name)
    read = read_path(path)
    published = read.published if isinstance(read.published, date | datetime) else None
    return extract_text(read.text, path.name, published, read.language)

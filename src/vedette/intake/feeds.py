"""RSS/Atom feeds: safe parsing (no DTDs or entities) and entry extraction with feedparser."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from vedette.errors import BadInput

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
)


@dataclass
class FeedEntry:
    title: str
    link: str | None
    content: str | None
    published: datetime | None
    entry_id: str


def looks_like_feed(raw: bytes, media_type: str | None = None) -> bool:
    head = raw[:2048].lstrip().lower()
    if media_type and media_type.split(";")[0].strip().lower() in FEED_TYPES[:2]:
        return True
    if head.startswith(b"<?xml"):
        head = head.split(b"?>", 1)[-1].lstrip()
    while head.startswith(b"<!--"):
        head = head.split(b"-->", 1)[-1].lstrip()
    return head.startswith((b"<rss", b"<feed", b"<rdf:rdf"))


def parse_feed(raw: bytes, url: str) -> list[FeedEntry]:
    """Parse a feed after a defusedxml pass refuses DTDs, entity expansion and non-XML."""
    import feedparser
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadInput(f"unsafe feed XML refused ({type(exc).__name__})", item=url) from exc
    except Exception as exc:  # ParseError and friends
        raise BadInput(f"not a feed: the answer is not well-formed XML ({exc})", item=url) from exc
    tag = root.tag.rsplit("}", 1)[-1].lower()
    if tag not in ("rss", "feed", "rdf"):
        raise BadInput(f"not a feed: XML root is <{tag}>, expected <rss> or <feed>", item=url)
    parsed = feedparser.parse(raw)
    entries = []
    for e in parsed.entries:
        content = None
        if e.get("content"):
            content = e["content"][0].get("value")
        elif e.get("summary"):
            content = e["summary"]
        published = None
        stamp = e.get("published_parsed") or e.get("updated_parsed")
        if stamp:
            published = datetime(*stamp[:6], tzinfo=UTC)
        link = _entry_link(e)
        entries.append(
            FeedEntry(
                title=e.get("title", ""),
                link=link,
                content=content,
                published=published,
                entry_id=e.get("id") or link or e.get("title", ""),
            )
        )
    return entries


def _entry_link(entry: dict) -> str | None:
    """The entry's http(s) page. feedparser falls back to the entry id (often a ``urn:``) for
    ``link``; such an entry has no page, and its own content is used instead."""
    for candidate in [entry.get("link")] + [
        lk.get("href") for lk in entry.get("links") or [] if lk.get("rel", "alternate") == "alternate"
    ]:
        if candidate and candidate.startswith(("http://", "https://")):
            return candidate
    return None

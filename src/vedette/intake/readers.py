"""Turn raw bytes (text, Markdown, HTML, PDF) into normalised text with a few facts about it.

Every refusal is a :class:`~vedette.errors.BadInput` naming the item and what is wrong, so a batch
can report it and go on.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from vedette.config import get_settings
from vedette.errors import BadInput
from vedette.intake.language import detect_language

TEXT_TYPES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
}
HTML_TYPES = {".html": "text/html", ".htm": "text/html", ".xhtml": "text/html"}
PDF_TYPES = {".pdf": "application/pdf"}
_DATE_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?!\d)")
_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")
_VOID = {
    b"area",
    b"base",
    b"br",
    b"col",
    b"embed",
    b"hr",
    b"img",
    b"input",
    b"link",
    b"meta",
    b"param",
    b"source",
    b"track",
    b"wbr",
    b"p",
    b"li",
    b"td",
    b"tr",
    b"th",
    b"option",
    b"dt",
    b"dd",
}


@dataclass
class Extracted:
    text: str
    media_type: str
    title: str | None = None
    published: datetime | None = None
    language: str | None = None


def guess_media_type(name: str, raw: bytes) -> str:
    suffix = Path(name.split("?", 1)[0]).suffix.lower()
    for table in (TEXT_TYPES, HTML_TYPES, PDF_TYPES):
        if suffix in table:
            return table[suffix]
    head = raw[:1024].lstrip().lower()
    if head.startswith(b"%pdf"):
        return "application/pdf"
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "text/html"
    if head.startswith(b"<?xml") or head.startswith((b"<rss", b"<feed")):
        return "application/xml"
    return "text/plain"


def date_from_name(name: str) -> datetime | None:
    m = _DATE_IN_NAME.search(name)
    if not m:
        return None
    try:
        return datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=UTC)
    except ValueError:
        return None


def decode_text(raw: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) first, then Windows-1252, then Latin-1 (never fails)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise BadInput(f"invalid UTF-16 text ({exc.reason})", item=name) from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def check_not_binary(raw: bytes, name: str) -> None:
    sample = raw[:8192]
    if b"\x00" in sample:
        raise BadInput("binary content (NUL bytes), not a text document", item=name)
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if sample and controls / len(sample) > 0.05:
        raise BadInput(f"binary content ({controls} control bytes in the first {len(sample)})", item=name)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    return re.sub(r"[ \t]+\n", "\n", text).strip()


def html_depth(raw: bytes, limit: int) -> int:
    """Deepest element nesting, by a linear scan; stops counting once past ``limit``."""
    depth = deepest = 0
    for m in _TAG.finditer(raw):
        closing, tag, selfclosing = m.group(1), m.group(2).lower(), m.group(3)
        if closing:
            depth = max(0, depth - 1)
        elif not selfclosing and tag not in _VOID:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
    return deepest


def _html_meta(html: str) -> tuple[str | None, datetime | None]:
    title = None
    m = re.search(r"<title[^>]*>(.*?)</title>", html, re.S | re.I)
    if m:
        title = re.sub(r"\s+", " ", m.group(1)).strip() or None
    published = None
    m = re.search(
        r"<meta[^>]+(?:property|name)=[\"'](?:article:published_time|date|dc\.date|pubdate)[\"'][^>]*"
        r"content=[\"'](\d{4}-\d\d-\d\d)",
        html,
        re.I,
    )
    if m:
        published = date_from_name(m.group(1))
    return title, published


_BLOCK = re.compile(r"</?(?:p|div|br|h[1-6]|li|tr|article|section|header|footer|blockquote)\b[^>]*>", re.I)
_DROP = re.compile(r"<(script|style|nav|noscript|template)\b.*?</\1>", re.S | re.I)


def _visible_text(html: str) -> str:
    import html as htmllib

    html = _DROP.sub(" ", html)
    html = _BLOCK.sub("\n\n", html)
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", html))
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text)


def read_html(raw: bytes, name: str) -> Extracted:
    settings = get_settings()
    depth = html_depth(raw, settings.max_html_depth)
    if depth > settings.max_html_depth:
        raise BadInput(
            f"HTML nested deeper than {settings.max_html_depth} elements (max_html_depth)", item=name
        )
    html = decode_text(raw, name)
    title, published = _html_meta(html)
    import trafilatura

    text = trafilatura.extract(
        html, include_comments=False, include_tables=True, favor_recall=True, deduplicate=False, fast=True
    )
    visible = _visible_text(html)
    if not text or len(text) < 0.3 * len(visible.strip()):
        text = visible
    return Extracted(text=normalise(text), media_type="text/html", title=title, published=published)


def read_pdf(raw: bytes, name: str) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if b"%%EOF" not in raw[-2048:]:
        raise BadInput("truncated PDF (no end-of-file marker)", item=name)
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise BadInput("encrypted PDF: cannot read its text without the password", item=name)
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
    except BadInput:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise BadInput(f"unreadable PDF ({exc})", item=name) from exc
    title = published = None
    if meta:
        title = (meta.title or None) if isinstance(meta.title, str) else None
        try:
            published = meta.creation_date
        except (ValueError, TypeError):
            published = None
    return Extracted(
        text=normalise("\n\n".join(pages)), media_type="application/pdf", title=title, published=published
    )


def read_bytes(raw: bytes, name: str, media_type: str | None = None) -> Extracted:
    """Read one document. Raises BadInput naming ``name`` when it cannot be taken in."""
    limit = get_settings().max_document_bytes
    if len(raw) > limit:
        raise BadInput(f"too large: {len(raw)} bytes, the limit is {limit} (max_document_bytes)", item=name)
    if not raw.strip():
        raise BadInput("empty document", item=name)
    media_type = (media_type or "").split(";")[0].strip().lower() or guess_media_type(name, raw)
    if media_type == "application/pdf":
        result = read_pdf(raw, name)
    else:
        check_not_binary(raw, name)
        if media_type in ("text/html", "application/xhtml+xml"):
            result = read_html(raw, name)
        else:
            kind = media_type if media_type in ("text/plain", "text/markdown") else "text/plain"
            result = Extracted(text=normalise(decode_text(raw, name)), media_type=kind)
    if not result.text.strip():
        raise BadInput(f"no text could be read from this {result.media_type} document", item=name)
    if result.published is None:
        result.published = date_from_name(name)
    if result.title is None:
        first = result.text.lstrip("# ").split("\n", 1)[0].strip()
        result.title = first[:200] or None
    result.language = detect_language(result.text)
    return result


def read_path(path: str | Path) -> Extracted:
    path = Path(path)
    limit = get_settings().max_document_bytes
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise BadInput(f"cannot read file ({exc.strerror})", item=str(path)) from exc
    if size > limit:
        raise BadInput(f"too large: {size} bytes, the limit is {limit} (max_document_bytes)", item=str(path))
    return read_bytes(path.read_bytes(), path.name)

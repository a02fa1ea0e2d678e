"""Turn raw bytes (text, Markdown, HTML, PDF) into normalised text with a few facts about it.

Every refusal is a :class:`~vedette.errors.BadInput` naming the item and what is wrong, so a batch
can report it and go on.
"""

from __future__ import annotations

import codecs
import io
import re
import signal
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
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
# [^<>]* (not [^>]*): a tag that never closes stops at the next "<", so the scan stays linear.
_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*?(/?)>")
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


def charset_of(media_type: str | None) -> str | None:
    """The ``charset=`` parameter of a Content-Type, when it names a codec Python knows."""
    m = re.search(r"charset=[\"']?([\w.:-]+)", media_type or "", re.I)
    if not m:
        return None
    try:
        return codecs.lookup(m.group(1)).name
    except LookupError:
        return None


def decode_text(raw: bytes, name: str, declared: str | None = None) -> str:
    """BOM, then UTF-8, then the declared charset, then Windows-1252, then Latin-1 (never fails).

    Strict UTF-8 succeeding is strong evidence, so it wins over a (often wrong) declaration.
    """
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
    if declared and declared not in ("utf-8", "ascii"):
        try:
            return raw.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def check_not_binary(raw: bytes, name: str) -> None:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 text is full of NUL bytes; decode_text checks it
    sample = raw[:8192]
    if b"\x00" in sample:
        raise BadInput("binary content (NUL bytes), not a text document", item=name)
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if sample and controls / len(sample) > 0.05:
        raise BadInput(f"binary content ({controls} control bytes in the first {len(sample)})", item=name)


# C0 controls other than tab/newline, DEL, and lone surrogates: PostgreSQL refuses NUL in text, and
# none of them carry meaning in a report (PDF text layers and stray bytes deep in a file produce them).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ud800-\udfff]")


def normalise(text: str) -> str:
    """NFC, ``\\n`` newlines, no control characters or trailing spaces; the line structure is kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n\n")
    text = _CONTROLS.sub("", text)
    text = unicodedata.normalize("NFC", text)
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
    for pattern in _META_DATES:
        m = pattern.search(html)
        if m and (published := date_from_name(m.group(1))):
            break
    return title, published


_DATE_KEYS = (
    r"(?:article:published_time|og:published_time|datePublished|date|dc\.date|dcterms\.date|pubdate"
    r"|publish[_-]?date)"
)
_META_DATES = [
    re.compile(
        rf"<meta[^<>]+(?:property|name|itemprop)=[\"']{_DATE_KEYS}[\"'][^<>]*content=[\"'](\d{{4}}-\d\d-\d\d)", re.I
    ),
    re.compile(
        rf"<meta[^<>]+content=[\"'](\d{{4}}-\d\d-\d\d)[^<>]*(?:property|name|itemprop)=[\"']{_DATE_KEYS}[\"']", re.I
    ),
    re.compile(r"<time[^<>]+datetime=[\"'](\d{4}-\d\d-\d\d)", re.I),
]


_BLOCK = re.compile(r"</?(?:p|div|br|h[1-6]|li|tr|article|section|header|footer|blockquote)\b[^<>]*>", re.I)
_DROP_OPEN = re.compile(r"<(script|style|nav|noscript|template)\b", re.I)
_ANY_TAG = re.compile(r"<[^<>]*>")
_HEAD = 65536  # title and dates are looked for in the first 64 KB only


def _drop_blocks(html: str) -> str:
    """Cut script/style/nav blocks. Linear: each opening tag looks once for its closing tag."""
    out, pos, low = [], 0, None
    for m in _DROP_OPEN.finditer(html):
        if m.start() < pos:
            continue
        if low is None:
            low = html.lower()
        end = low.find(f"</{m.group(1).lower()}", m.end())
        out.append(html[pos : m.start()])
        pos = len(html) if end < 0 else end
    out.append(html[pos:])
    return " ".join(out)


def _visible_text(html: str) -> str:
    import html as htmllib

    html = _BLOCK.sub("\n\n", _drop_blocks(html))
    text = htmllib.unescape(_ANY_TAG.sub(" ", html))
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text)


def read_html(raw: bytes, name: str, declared: str | None = None) -> Extracted:
    """Main text by trafilatura; the full visible text when trafilatura keeps too little of it."""
    settings = get_settings()
    depth = html_depth(raw, settings.max_html_depth)
    if depth > settings.max_html_depth:
        raise BadInput(
            f"HTML nested deeper than {settings.max_html_depth} elements (max_html_depth)", item=name
        )
    if declared is None:
        m = re.search(rb"<meta[^<>]+charset=[\"']?([\w.:-]+)", raw[:4096], re.I)
        declared = charset_of(f"charset={m.group(1).decode('ascii', 'replace')}") if m else None
    html = decode_text(raw, name, declared)
    title, published = _html_meta(html[:_HEAD])
    import trafilatura

    text = trafilatura.extract(
        html, include_comments=False, include_tables=True, favor_recall=True, deduplicate=False, fast=True
    )
    visible = _visible_text(html)
    # trafilatura puts one element (paragraph, heading, list item) per line: make those paragraphs
    text = visible if not text or len(text) < 0.3 * len(visible.strip()) else re.sub(r"\n+", "\n\n", text)
    return Extracted(text=normalise(text), media_type="text/html", title=title, published=published)


def read_pdf(raw: bytes, name: str, deadline: float | None = None) -> Extracted:
    """Text layer by pypdf. Encrypted files open only when the empty user password works."""
    from pypdf import PdfReader

    if b"%PDF" not in raw[:1024]:
        raise BadInput("not a PDF (no %PDF header)", item=name)
    if b"%%EOF" not in raw[-2048:]:
        raise BadInput("truncated PDF (no end-of-file marker): the file was cut short", item=name)
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # pypdf raises several types here (missing AES backend, bad keys)
                opened = 0
            if not opened:
                raise BadInput("encrypted PDF: cannot read its text without the password", item=name)
        pages = []
        for page in reader.pages:
            if deadline is not None and time.monotonic() > deadline:
                raise ParseTimeout()
            pages.append(page.extract_text() or "")
        meta = reader.metadata
    except (BadInput, ParseTimeout):
        raise
    except RecursionError as exc:
        raise BadInput("unreadable PDF (object structure nested too deep)", item=name) from exc
    except Exception as exc:  # pypdf surfaces damage as many exception types; all mean "cannot read"
        raise BadInput(f"unreadable PDF ({type(exc).__name__}: {exc})", item=name) from exc
    title = published = None
    if meta:
        try:
            title = meta.title.strip() or None if isinstance(meta.title, str) else None
            published = meta.creation_date
        except Exception:  # malformed metadata is not a reason to refuse the text
            published = None
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return Extracted(
        text=normalise("\n\n".join(pages)), media_type="application/pdf", title=title, published=published
    )


class ParseTimeout(BaseException):
    """Raised inside a reader when ``parse_timeout_s`` has passed.

    A BaseException so that libraries' broad ``except Exception`` (trafilatura has several) cannot
    swallow it and carry on past the deadline.
    """


@contextmanager
def time_limit(seconds: float) -> Iterator[float]:
    """Yield a monotonic deadline; in the main thread, also interrupt the parse with SIGALRM.

    Threads cannot be interrupted in Python, so elsewhere (web workers) only readers that check the
    deadline themselves (PDF, page by page) stop early.
    """
    deadline = time.monotonic() + seconds
    use_alarm = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0  # never steal someone else's timer
    )
    if not use_alarm:
        yield deadline
        return

    def _on_alarm(_signum: int, _frame: object) -> None:
        raise ParseTimeout()

    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield deadline
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_FEED_ROOT = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(rss|feed|rdf:RDF)\b", re.S | re.I)
XML_TYPES = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml", "application/rdf+xml")


def _read(raw: bytes, name: str, media_type: str | None, deadline: float) -> Extracted:
    declared = charset_of(media_type)
    kind = (media_type or "").split(";")[0].strip().lower() or guess_media_type(name, raw)
    if kind == "application/pdf" or (kind == "application/octet-stream" and raw[:5] == b"%PDF-"):
        return read_pdf(raw, name, deadline)
    if kind.startswith(("image/", "audio/", "video/", "font/")) or kind in _BINARY_TYPES:
        raise BadInput(f"unsupported document type {kind}", item=name)
    check_not_binary(raw, name)
    if kind in ("text/html", "application/xhtml+xml"):
        return read_html(raw, name, declared)
    if kind in XML_TYPES or kind.endswith("+xml"):
        if _FEED_ROOT.match(raw[:4096]):
            raise BadInput("this is an RSS/Atom feed, not a document: ingest it by URL as a feed", item=name)
        raise BadInput(f"unsupported document type {kind} (XML that is not a feed)", item=name)
    kind = kind if kind in ("text/plain", "text/markdown") else "text/plain"
    return Extracted(text=normalise(decode_text(raw, name, declared)), media_type=kind)


def _needs_isolation(raw: bytes, name: str, media_type: str | None, seconds: float) -> bool:
    """HTML read outside the main thread (a web request) goes to a killable worker process."""
    if seconds <= 0 or threading.current_thread() is threading.main_thread():
        return False
    kind = (media_type or "").split(";")[0].strip().lower() or guess_media_type(name, raw)
    return kind in ("text/html", "application/xhtml+xml")


def _read_in_worker(raw: bytes, name: str, media_type: str | None, seconds: float) -> Extracted:
    with time_limit(seconds) as deadline:  # the worker's main thread: SIGALRM works there
        return _read(raw, name, media_type, deadline)


def _read_isolated(raw: bytes, name: str, media_type: str | None, seconds: float) -> Extracted:
    from vedette.intake.isolation import IsolatedTimeout, run_isolated

    try:
        return run_isolated(_read_in_worker, raw, name, media_type, seconds, timeout=seconds + 0.5)
    except IsolatedTimeout:
        raise ParseTimeout() from None


_BINARY_TYPES = {"application/zip", "application/gzip", "application/x-tar", "application/msword",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def read_bytes(raw: bytes, name: str, media_type: str | None = None) -> Extracted:
    """Read one document. Raises BadInput naming ``name`` when it cannot be taken in.

    ``media_type`` (a Content-Type, charset allowed) wins over the file name's suffix.
    """
    settings = get_settings()
    limit = settings.max_document_bytes
    if len(raw) > limit:
        raise BadInput(f"too large: {len(raw)} bytes, the limit is {limit} (max_document_bytes)", item=name)
    if not raw.strip():
        raise BadInput("empty document (no content)", item=name)
    try:
        if _needs_isolation(raw, name, media_type, settings.parse_timeout_s):
            result = _read_isolated(raw, name, media_type, settings.parse_timeout_s)
        else:
            with time_limit(settings.parse_timeout_s) as deadline:
                result = _read(raw, name, media_type, deadline)
    except ParseTimeout:
        raise BadInput(
            f"parsing took longer than {settings.parse_timeout_s:g} s (parse_timeout_s)", item=name
        ) from None
    except RecursionError:
        raise BadInput("document structure nested too deep to parse", item=name) from None
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
    """Read a file; its size is checked against ``max_document_bytes`` before any byte is read."""
    path = Path(path)
    limit = get_settings().max_document_bytes
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise BadInput(f"cannot read file ({exc.strerror})", item=str(path)) from exc
    if size > limit:
        raise BadInput(f"too large: {size} bytes, the limit is {limit} (max_document_bytes)", item=str(path))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read file ({exc.strerror})", item=str(path)) from exc
    return read_bytes(raw, path.name)

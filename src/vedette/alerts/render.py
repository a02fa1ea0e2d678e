"""Message templates (Jinja2): one file per event kind and language, ``templates/<kind>.<lang>.txt``.

Each file defines four blocks: ``subject``, ``text`` (plain mail), ``html`` (mail, autoescaped) and ``sms``
(one short message). The same file is loaded twice: once without escaping (subject, text, sms) and once with
it (html), so nothing a report says can inject markup into the HTML part.

Context: ``alert`` (msg_type, all_clear, severity, note, thread_key), ``event`` (the event's snapshot: see
flows.py), ``person`` ({name, language} or None for the preview), ``reason`` (why this person), ``org``
(slug), plus whatever payload hooks add (the check-ins code adds ``checkin_url`` and ``sms_keywords``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, TemplateNotFound

from vedette.errors import BadInput

TEMPLATES = Path(__file__).with_name("templates")
LANGUAGES = ("en", "fr")
PARTS = ("subject", "text", "html", "sms")
SMS_MAX = 480  # three concatenated SMS segments


@lru_cache(maxsize=2)
def _env(html: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def template_names() -> list[str]:
    return sorted({p.name.split(".")[0] for p in TEMPLATES.glob("*.txt")})


def _block(env: Environment, name: str, block: str, ctx: dict) -> str:
    tmpl = env.get_template(name)
    return "".join(tmpl.blocks[block](tmpl.new_context(ctx))).strip()


def render(template: str, language: str, ctx: dict) -> dict[str, str]:
    """The four parts of a message in ``language`` (falls back to English when the template has no such
    language)."""
    lang = language if language in LANGUAGES else "en"
    name = f"{template}.{lang}.txt"
    try:
        _env(False).get_template(name)
    except TemplateNotFound:
        name = f"{template}.en.txt"
        try:
            _env(False).get_template(name)
        except TemplateNotFound:
            raise BadInput(f"no template '{template}'", item="template") from None
    ctx = {"checkin_url": None, "sms_keywords": None, "person": None, "reason": None, **ctx}
    out = {part: _block(_env(part == "html"), name, part, ctx) for part in PARTS}
    out["subject"] = " ".join(out["subject"].split())[:200]
    sms = " ".join(out["sms"].split())
    out["sms"] = sms if len(sms) <= SMS_MAX else sms[: SMS_MAX - 1] + "…"
    out["language"] = lang
    return out

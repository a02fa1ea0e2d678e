"""Regular-expression helpers shared by the pipeline's components.

``compile`` is ``re.compile`` with a cache of compiled programs on disk: the pipeline's few hundred
patterns (some of them alternations of dozens of cues) take a few tenths of a second to parse and compile,
every time a process starts (``vedette extract ONE_FILE``). The cache holds what ``re`` itself computes
(the program of each pattern, keyed by its source and flags), in a file named after the interpreter's
version and its regular-expression engine's, beside the built gazetteer; the pattern objects made from it
are the ones ``re.compile`` makes. Anything unexpected (another interpreter, an unreadable file) falls back
to ``re.compile``.
"""

from __future__ import annotations

import atexit
import hashlib
import marshal
import os
import re
import sys
import threading
from pathlib import Path
from typing import Any

_LOCK = threading.Lock()
_PROGRAMS: dict[tuple[str, int], tuple] | None = None  # (source, flags) -> arguments of _sre.compile
_FIRST: dict[str, list[str] | None] = {}  # source -> first_chars() (sorted), cached with the programs
_STATE = {"dirty": False, "saving": False}
_MAX_ENTRIES = 20000  # past this, a stale cache starts afresh


def _cache_path() -> Path | None:
    try:
        import _sre

        from vedette.gazetteer.datafile import cache_dir

        build = hashlib.sha256(sys.version.encode()).hexdigest()[:8]
        return cache_dir() / f"regex-{sys.implementation.cache_tag}-{build}-{_sre.MAGIC}-{_sre.CODESIZE}.marshal"
    except Exception:  # noqa: BLE001 - no cache: compile as usual
        return None


def _load() -> dict[tuple[str, int], tuple]:
    global _PROGRAMS
    if _PROGRAMS is None:
        with _LOCK:
            if _PROGRAMS is None:
                programs: dict = {}
                path = _cache_path()
                try:
                    data = marshal.loads(path.read_bytes()) if path is not None else {}
                    if isinstance(data, dict) and data.get("format") == 1:
                        programs = data["programs"]
                        _FIRST.update(data["first"])
                except (OSError, EOFError, ValueError, TypeError, KeyError):
                    programs = {}
                _PROGRAMS = programs
    return _PROGRAMS


def save_cache() -> None:
    """Write the compiled programs learnt by this process (atomically; a no-op when nothing is new)."""
    if not _STATE["dirty"] or _PROGRAMS is None:
        return
    path = _cache_path()
    if path is None:
        return
    with _LOCK:
        data = {"format": 1, "programs": dict(_PROGRAMS), "first": dict(_FIRST)}
        _STATE["dirty"] = False
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(marshal.dumps(data))
        os.replace(tmp, path)
    except (OSError, ValueError):
        tmp.unlink(missing_ok=True)


def _learnt() -> None:
    if not _STATE["dirty"]:
        _STATE["dirty"] = True
        if not _STATE["saving"]:
            _STATE["saving"] = True
            atexit.register(save_cache)


def _program(pattern: str, flags: int) -> tuple[Any, ...]:
    """What ``re`` computes for ``pattern`` (as ``re._compiler.compile`` does), for ``_sre.compile``."""
    from re import _compiler, _parser

    p = _parser.parse(pattern, flags)
    code = [int(c) for c in _compiler._code(p, flags)]  # plain ints (some are named constants)
    groupindex = dict(p.state.groupdict)
    indexgroup = [None] * p.state.groups
    for k, i in groupindex.items():
        indexgroup[i] = k
    return (flags | p.state.flags, code, p.state.groups - 1, groupindex, tuple(indexgroup))


def compile(pattern: str, flags: int = 0) -> re.Pattern[str]:  # noqa: A001 - re.compile's drop-in
    """``re.compile(pattern, flags)``, from the on-disk cache of compiled programs when it has it."""
    flags = int(flags)
    if flags & (re.DEBUG | re.TEMPLATE):
        return re.compile(pattern, flags)
    try:
        import _sre

        programs = _load()
        args = programs.get((pattern, flags))
        if args is None:
            args = _program(pattern, flags)
            if len(programs) < _MAX_ENTRIES:
                programs[(pattern, flags)] = args
            else:  # pragma: no cover - a long-lived cache full of patterns no longer used: start afresh
                programs.clear()
            _learnt()
        return _sre.compile(pattern, *args)
    except re.error:
        raise
    except Exception:  # noqa: BLE001 - another interpreter's internals: the ordinary way
        return re.compile(pattern, flags)


def first_chars(pattern: str) -> frozenset[str] | None:
    """Lower-case characters a match of ``pattern`` can start with, or None when that is not known.

    Read from the parsed regular expression (literals, classes, alternations, groups, optional and
    repeated items); lets the category pass try at each position only the cues that can start there.
    Cached with the compiled programs.
    """
    _load()
    if pattern in _FIRST:
        known = _FIRST[pattern]
        return None if known is None else frozenset(known)
    got = _first_chars(pattern)
    _FIRST[pattern] = None if got is None else sorted(got)
    _learnt()
    return got


def _first_chars(pattern: str) -> frozenset[str] | None:
    from re import _constants as C  # noqa: N812 - the stdlib parser's opcodes
    from re import _parser

    def first(items) -> tuple[set[str], bool] | None:  # noqa: ANN001 - (characters, may match empty) or unknown
        out: set[str] = set()
        for op, av in items:
            if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
                continue  # \b, anchors and look-arounds take no character
            if op is C.LITERAL:
                return out | {chr(av).lower()}, False
            if op is C.IN:
                chars = set()
                for kind, val in av:
                    if kind is C.LITERAL:
                        chars.add(chr(val).lower())
                    elif kind is C.RANGE and val[1] - val[0] < 128:
                        chars |= {chr(c).lower() for c in range(val[0], val[1] + 1)}
                    elif kind is C.CATEGORY and val is C.CATEGORY_DIGIT:
                        chars |= set("0123456789") | {"\\d"}  # the class itself too: other scripts' digits
                    elif kind is C.CATEGORY and val is C.CATEGORY_SPACE:
                        chars |= set(" \t\n\r\f\v") | {"\\s"}
                    else:
                        return None
                return out | chars, False
            if op is C.BRANCH:
                nullable = False
                for branch in av[1]:
                    f = first(branch)
                    if f is None:
                        return None
                    out |= f[0]
                    nullable |= f[1]
                if not nullable:
                    return out, False
                continue
            if op is C.SUBPATTERN:
                f = first(av[-1])
                if f is None:
                    return None
                out |= f[0]
                if not f[1]:
                    return out, False
                continue
            if op in (C.MAX_REPEAT, C.MIN_REPEAT):
                lo, _hi, sub = av
                f = first(sub)
                if f is None:
                    return None
                out |= f[0]
                if lo > 0 and not f[1]:
                    return out, False
                continue
            return None
        return out, True

    try:
        got = first(_parser.parse(pattern, re.IGNORECASE))
    except (re.error, AttributeError, TypeError):  # pragma: no cover - other Python versions
        return None
    if got is None or got[1] or not got[0]:
        return None  # unknown, or the pattern may match the empty string anywhere
    return frozenset(got[0])


_GATED: dict[re.Pattern[str], re.Pattern[str]] = {}


def gated(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` behind a look-ahead for the characters its matches can start with.

    Python's ``re`` scans for a leading character class quickly but tries a pattern that opens with
    ``\\b`` and an alternation at every position; the look-ahead gives it the class (two to three
    times faster over text, same matches). Patterns whose first character is not known come back as they are.
    """
    out = _GATED.get(pattern)
    if out is None:
        chars = first_chars(pattern.pattern)
        out = pattern
        if chars and len(chars) <= 80:
            both = sorted({c for ch in chars if len(ch) == 1 for c in (ch, ch.upper()) if len(c) == 1})
            lead = re.match(r"\(\?[aiLmsux]+\)", pattern.pattern)  # global flags must stay in front
            head, rest = (lead.group(0), pattern.pattern[lead.end() :]) if lead else ("", pattern.pattern)
            gate = "(?=[" + "".join(re.escape(c) for c in both) + "".join(c for c in chars if len(c) > 1) + "])"
            try:
                out = compile(f"{head}{gate}(?:{rest})", pattern.flags)
            except re.error:  # pragma: no cover - a construct the wrapping does not allow: ungated
                out = pattern
        _GATED[pattern] = out
    return out

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


def _fresh_lock() -> None:  # a child forked while another thread loaded the cache must not inherit its lock
    global _LOCK
    _LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_lock)
_PROGRAMS: dict[tuple[str, int], tuple] | None = None  # (source, flags) -> arguments of _sre.compile
_FIRST: dict[str, list[str] | None] = {}  # source -> first_chars() (sorted), cached with the programs
_NEEDED: dict[str, list[str] | None] = {}  # "flags:source" -> needed_literals() (sorted), cached likewise
_STATE = {"dirty": False, "saving": False}
# ids of the patterns made by compile(): the pipeline's own, kept for the process. What is learnt about other
# patterns (made per document, such as the acronyms a text defines) is kept in memory only, and not for long.
_STATIC: set[int] = set()
_VOLATILE_MAX = 2048
_MAX_ENTRIES = 20000  # past this, a stale cache starts afresh
_FORMAT = 2  # of the file: bumped when what is kept for a pattern changes


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
                    if isinstance(data, dict) and data.get("format") == _FORMAT:
                        programs = data["programs"]
                        _FIRST.update(data["first"])
                        _NEEDED.update(data.get("needed", {}))
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
        data = {"format": _FORMAT, "programs": dict(_PROGRAMS), "first": dict(_FIRST), "needed": dict(_NEEDED)}
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
        out = _sre.compile(pattern, *args)
        _STATIC.add(id(out))
        return out
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
        static = id(pattern) in _STATIC
        chars = first_chars(pattern.pattern) if static else _first_chars(pattern.pattern)
        out = pattern
        if chars and len(chars) <= 80:
            both = sorted({c for ch in chars if len(ch) == 1 for c in (ch, ch.upper()) if len(c) == 1})
            lead = re.match(r"\(\?[aiLmsux]+\)", pattern.pattern)  # global flags must stay in front
            head, rest = (lead.group(0), pattern.pattern[lead.end() :]) if lead else ("", pattern.pattern)
            gate = "(?=[" + "".join(re.escape(c) for c in both) + "".join(c for c in chars if len(c) > 1) + "])"
            try:
                out = (compile if static else re.compile)(f"{head}{gate}(?:{rest})", pattern.flags)
            except re.error:  # pragma: no cover - a construct the wrapping does not allow: ungated
                out = pattern
        if len(_GATED) >= _VOLATILE_MAX:
            _GATED.clear()  # patterns made per document come and go: the pipeline's own are soon back
        _GATED[pattern] = out
    return out


# --- literals a match must contain: a pattern that cannot match a text is not run over it ---------------------
_SMALL = 64  # largest set of strings followed through a pattern
_NEED_MAX = 16  # beyond this many strings, looking for each costs more than running the pattern


def _literal_sets(items, depth: int = 0) -> tuple[frozenset[str] | None, frozenset[str] | None]:  # noqa: ANN001, C901, PLR0912
    """(exact, needed) for a parsed sequence: ``exact`` the lower-cased strings it matches, when few; ``needed``
    strings one of which every match contains (lower-cased), or None when nothing is known."""
    from re import _constants as C  # noqa: N812 - the stdlib parser's opcodes

    if depth > 50:
        return None, None
    run: set[str] | None = {""}  # the exact strings of the current run of exact items
    candidates: list[frozenset[str]] = []
    whole_exact = True

    def flush() -> None:
        if run and "" not in run:
            candidates.append(frozenset(run))

    for op, av in items:
        ex: frozenset[str] | None = None
        need: frozenset[str] | None = None
        if op is C.LITERAL:
            ex = frozenset({chr(av).lower()})
        elif op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            ex = frozenset({""})  # takes no character
        elif op is C.IN:
            chars = [chr(v).lower() for kind, v in av if kind is C.LITERAL]
            if chars and len(chars) == len(av) and len(chars) <= 8:
                ex = frozenset(chars)
        elif op is C.SUBPATTERN:
            ex, need = _literal_sets(av[-1], depth + 1)
        elif op is getattr(C, "ATOMIC_GROUP", None):
            ex, need = _literal_sets(av, depth + 1)
        elif op is C.BRANCH:
            parts = [_literal_sets(b, depth + 1) for b in av[1]]
            if all(e is not None for e, _ in parts) and sum(len(e) for e, _ in parts) <= _SMALL:
                ex = frozenset().union(*(e for e, _ in parts))
            needs = [n if n is not None else (e if e is not None and "" not in e else None) for e, n in parts]
            if all(n is not None for n in needs):
                need = frozenset().union(*needs)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)):
            lo, hi, sub = av
            sub_ex, sub_need = _literal_sets(sub, depth + 1)
            if sub_ex is not None and lo == 0 and hi == 1:
                ex = sub_ex | {""}
            elif sub_ex is not None and lo == hi == 1:
                ex = sub_ex
            if lo >= 1:
                need = sub_need if sub_need is not None else (sub_ex if sub_ex and "" not in sub_ex else None)
        if ex is not None and run is not None and len(run) * len(ex) <= _SMALL:
            run = {a + b for a in run for b in ex}
            continue
        whole_exact = False
        flush()
        if ex is not None:
            run = set(ex)
        else:
            run = {""}
            if need is not None and "" not in need:
                candidates.append(need)
    flush()
    exact = frozenset(run) if whole_exact and run is not None else None
    best = max(candidates, key=lambda s: (len(s) <= _NEED_MAX, min(map(len, s)), -len(s)), default=None)
    return exact, best


def needed_literals(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Lower-cased strings one of which every match of ``pattern`` contains (None: not known). Cached."""
    key = f"{flags}:{pattern}"
    _load()
    if key in _NEEDED:
        known = _NEEDED[key]
        return None if known is None else frozenset(known)
    got = _needed_literals(pattern, flags)
    _NEEDED[key] = None if got is None else sorted(got)
    _learnt()
    return got


def _needed_literals(pattern: str, flags: int) -> frozenset[str] | None:
    from re import _parser

    try:
        exact, need = _literal_sets(_parser.parse(pattern, flags))
    except (re.error, RecursionError, AttributeError, TypeError, ValueError):  # pragma: no cover
        exact, need = None, None
    if exact is not None and "" not in exact and len(exact) <= _NEED_MAX and (
        need is None or len(need) > _NEED_MAX or min(map(len, exact)) >= min(map(len, need))
    ):
        need = exact
    return None if need is None or "" in need or len(need) > _NEED_MAX else need


_SAFE: dict[str, bool] = {}


def _safe_char(c: str) -> bool:
    """Whether ``c.lower()`` is what the regular-expression engine compares when ignoring case (one
    character, no extra case equivalence such as 'ſ' for 's' or 'ı' for 'i')."""
    ok = _SAFE.get(c)
    if ok is None:
        low = c.lower()
        try:
            import _sre
            from re._casefix import _EXTRA_CASES

            ok = len(low) == 1 and _sre.unicode_tolower(ord(c)) == ord(low) and ord(low) not in _EXTRA_CASES
        except (ImportError, AttributeError):  # pragma: no cover - other interpreters
            ok = False
        _SAFE[c] = ok
    return ok


def lowered(text: str) -> str | None:
    """``text.lower()`` when it can stand for the text in literal tests (every character lower-cases to one
    the engine agrees with), else None (then every pattern is run)."""
    if text.isascii():
        return text.lower()
    if all(_safe_char(c) for c in set(text) if not c.isascii()):
        return text.lower()
    return None


def may_match(pattern: re.Pattern[str], low: str | None, memo: dict | None = None) -> bool:
    """False only when ``pattern`` cannot match the text whose ``lowered()`` form is ``low``. ``memo``, one
    per text, keeps the answer for each set of strings (patterns share them: month names, weekdays)."""
    if low is None:
        return True
    need = _NEED_BY_PATTERN.get(pattern, False)
    if need is False:
        flags = pattern.flags & ~re.UNICODE
        static = id(pattern) in _STATIC
        need = (needed_literals if static else _needed_literals)(pattern.pattern, flags)
        if len(_NEED_BY_PATTERN) >= _VOLATILE_MAX:
            _NEED_BY_PATTERN.clear()
        _NEED_BY_PATTERN[pattern] = need
    if need is None:
        return True
    if memo is None:
        return any(s in low for s in need)
    found = memo.get(need)
    if found is None:
        found = memo[need] = any(s in low for s in need)
    return found


_NEED_BY_PATTERN: dict[re.Pattern[str], frozenset[str] | None] = {}

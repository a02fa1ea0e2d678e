"""Walking a folder that may be hostile: every entry is either a regular file to read or a named reason.

Unreadable folders and files, symbolic link loops, broken links and special files (FIFOs, sockets, devices)
are reported one by one and the walk goes on. Names that are not valid UTF-8 are kept, their bytes escaped
(``caf\\xe9.txt``), so they can always be printed and stored. A file is opened without blocking and checked
to be a regular file on the open descriptor, so a FIFO swapped in after the walk cannot hang the reader.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from vedette.errors import BadInput

_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(32), 127]}
_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}

Entry = Path | tuple[str, str]


def printable(text: str) -> str:
    """``text`` with the bytes that were not UTF-8 (kept by Python as lone surrogates) written ``\\xNN``."""
    try:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def shown(path: str | os.PathLike[str]) -> str:
    """A path as one printable, storable line: undecodable bytes and control characters escaped."""
    return printable(os.fspath(path)).translate(_CONTROLS)


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _rejected(path: str | os.PathLike[str], reason: str) -> tuple[str, str]:
    name = shown(path)
    return (name, f"{name}: {reason}")


def not_a_file(path: Path) -> str | None:
    """Why ``path`` (given alone) cannot be read as a file, or None when it is a regular file."""
    try:
        st = path.stat()
    except OSError as exc:
        if path.is_symlink():
            return _link_reason(path, exc)
        if exc.errno == errno.ENOENT:
            return "no such file, folder or URL"
        return f"cannot read ({_why(exc)})"
    if stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISDIR(st.st_mode):
        return "a folder"
    return f"not a regular file: {_KINDS.get(stat.S_IFMT(st.st_mode), 'a special file')}, not read"


def _link_reason(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (the link leads back to itself)"
    if exc.errno == errno.ENOENT:
        try:
            target = shown(os.readlink(path))
        except OSError:
            target = "?"
        return f"broken symbolic link (its target {target} does not exist)"
    return f"cannot follow symbolic link ({_why(exc)})"


def walk(folder: Path) -> Iterator[Entry]:
    """Regular files under ``folder`` (recursive, sorted by name, hidden names skipped), and a rejection
    ``(shown path, "shown path: reason")`` for every entry that cannot be read. Folder symbolic links are
    followed, except one that leads back to a folder being walked (a loop, reported); a folder reached
    twice by links is walked once."""
    try:
        st = folder.stat()
    except OSError as exc:
        yield _rejected(folder, f"cannot read this folder ({_why(exc)})")
        return
    yield from _walk(folder, ((st.st_dev, st.st_ino),), {(st.st_dev, st.st_ino)})


def _walk(folder: Path, ancestors: tuple[tuple[int, int], ...], seen: set[tuple[int, int]]) -> Iterator[Entry]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        yield _rejected(folder, f"cannot list this folder ({_why(exc)})")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            st = path.stat()  # follows links
        except OSError as exc:
            yield _rejected(path, _link_reason(path, exc) if entry.is_symlink() else f"cannot read ({_why(exc)})")
            continue
        if stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in ancestors:
                yield _rejected(
                    path, f"symbolic link loop: it leads back to {shown(path.resolve())}, a folder being read"
                )
            elif key not in seen:
                seen.add(key)
                yield from _walk(path, (*ancestors, key), seen)
        elif stat.S_ISREG(st.st_mode):
            yield path
        else:
            kind = _KINDS.get(stat.S_IFMT(st.st_mode), "a special file")
            yield _rejected(path, f"not a regular file: {kind}, not read")


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them (``BadInput`` past that, before a
    byte is read when its size says so). Never blocks on a FIFO or device: opened non-blocking and checked
    on the descriptor."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with open(fd, "rb", buffering=0, closefd=True) as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = _KINDS.get(stat.S_IFMT(st.st_mode), "a special file")
            raise BadInput(f"not a regular file: {kind}, not read", item=shown(path))
        if st.st_size > limit:
            raise BadInput(
                f"too large: {st.st_size} bytes, the limit is {limit} (max_document_bytes)", item=shown(path)
            )
        chunks, size = [], 0
        while chunk := fh.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise BadInput(f"too large: more than {limit} bytes (max_document_bytes)", item=shown(path))
            chunks.append(chunk)
        return b"".join(chunks)

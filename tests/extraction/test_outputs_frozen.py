"""Extraction outputs are frozen: `vedette extract --jsonl` records (and `--advisories` records) for the corpus,
tests/extraction/docs and every held-out batch must stay byte-identical to the files under expected/.

Speed work must never change outputs. The expected files are our own output (never corpus text); when a rule
change is meant to change outputs, rewrite them on purpose and review the diff:

    .venv/bin/python tests/extraction/test_outputs_frozen.py --write
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXPECTED = HERE / "expected"
CORPUS = REPO.parent / "shared" / "corpus"
DOCS = HERE / "docs"
HELDOUT = HERE / "heldout"


def _line(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False) + "\n"  # exactly as `vedette extract --jsonl` writes it


def incident_sets() -> dict[str, tuple[Path, list[Path]]]:
    """Group -> (folder of expected files, documents). Held-out: every batch folder, each .txt in it."""
    sets = {"corpus": (EXPECTED / "corpus", sorted(CORPUS.glob("*.txt"))),
            "docs": (EXPECTED / "docs", sorted(DOCS.glob("*.txt")))}
    for batch in sorted(p for p in HELDOUT.iterdir() if p.is_dir()):
        sets[f"heldout/{batch.name}"] = (EXPECTED / "heldout" / batch.name, sorted(batch.glob("*.txt")))
    return sets


def advisory_docs() -> list[Path]:
    return sorted((HELDOUT / "c_advisories").glob("*.txt")) + sorted(CORPUS.glob("*advisory*.txt"))


def incidents_of(path: Path) -> str:
    from vedette.intake.extract import extract_path

    return "".join(_line(r.as_schema()) for r in extract_path(path))


def advisory_of(path: Path) -> str:
    from vedette.risk.advisories import extract_advisory_path

    return _line(extract_advisory_path(path))


def expected_files() -> dict[Path, tuple[Path, str]]:
    """Expected file -> (document, kind)."""
    out: dict[Path, tuple[Path, str]] = {}
    for folder, docs in incident_sets().values():
        for d in docs:
            out[folder / f"{d.stem}.jsonl"] = (d, "incidents")
    for d in advisory_docs():
        out[EXPECTED / "advisories" / f"{d.stem}.jsonl"] = (d, "advisory")
    return out


def write_expected() -> None:
    if not CORPUS.is_dir():
        raise SystemExit(f"missing {CORPUS}: the corpus's expected records cannot be written without it")
    for target, (doc, kind) in expected_files().items():
        target.parent.mkdir(parents=True, exist_ok=True)
        text = incidents_of(doc) if kind == "incidents" else advisory_of(doc)
        target.write_bytes(text.encode("utf-8"))
        print(f"{target.relative_to(REPO)}: {text.count(chr(10))} records")


def _corpus_present() -> None:
    if not CORPUS.is_dir() or not any(CORPUS.glob("*.txt")):
        pytest.fail(f"../shared/corpus is missing ({CORPUS} has no .txt documents): the corpus outputs "
                    "cannot be compared with tests/extraction/expected/corpus; restore the shared corpus")


def _compare(docs: list[Path], folder: Path, kind: str) -> None:
    assert docs, f"no documents for {folder}"
    changed = []
    for doc in docs:
        expected = folder / f"{doc.stem}.jsonl"
        assert expected.exists(), f"no frozen records for {doc.name} (expected {expected})"
        got = incidents_of(doc) if kind == "incidents" else advisory_of(doc)
        if got.encode("utf-8") != expected.read_bytes():
            changed.append(doc.name)
    assert not changed, f"extraction outputs changed for {changed} (compare with {folder})"


def test_corpus_outputs_are_frozen() -> None:
    _corpus_present()
    folder, docs = incident_sets()["corpus"]
    assert len(docs) == len(list(folder.glob("*.jsonl"))), "corpus documents and frozen files differ in number"
    _compare(docs, folder, "incidents")


def test_own_documents_outputs_are_frozen() -> None:
    folder, docs = incident_sets()["docs"]
    _compare(docs, folder, "incidents")


@pytest.mark.parametrize("batch", sorted(p.name for p in HELDOUT.iterdir() if p.is_dir()))
def test_held_out_outputs_are_frozen(batch: str) -> None:
    folder, docs = incident_sets()[f"heldout/{batch}"]
    _compare(docs, folder, "incidents")


def test_advisory_outputs_are_frozen() -> None:
    _corpus_present()
    _compare(advisory_docs(), EXPECTED / "advisories", "advisory")


def test_every_frozen_file_has_its_document() -> None:
    """A frozen file whose document went away (or a new document without a frozen file) is noticed."""
    _corpus_present()
    known = set(expected_files())
    on_disk = set(EXPECTED.rglob("*.jsonl"))
    assert on_disk == known, f"stale: {sorted(map(str, on_disk - known))}, missing: {sorted(map(str, known - on_disk))}"


def test_a_missing_corpus_fails_and_says_what_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    me = sys.modules[__name__]  # this module, pointed at a corpus that is not there
    monkeypatch.setattr(me, "CORPUS", tmp_path / "shared" / "corpus")
    with pytest.raises(pytest.fail.Exception, match=r"\.\./shared/corpus is missing .*shared/corpus"):
        me._corpus_present()


def test_the_command_line_writes_the_same_bytes() -> None:
    """The real `vedette extract --jsonl` in a fresh process, over our own documents, gives the frozen bytes."""
    folder, docs = incident_sets()["docs"]
    exe = Path(sys.executable).with_name("vedette")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "vedette.cli"]
    run = subprocess.run([*cmd, "extract", *map(str, docs), "--jsonl"], capture_output=True, check=False)
    assert run.returncode == 0, run.stderr.decode("utf-8", "replace")
    assert run.stdout == b"".join((folder / f"{d.stem}.jsonl").read_bytes() for d in docs)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit(__doc__)
    write_expected()

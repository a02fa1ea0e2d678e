"""Every web asset is served locally, pinned and checked; /docs and /redoc work offline."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import vedette.web

STATIC = Path(vedette.web.__file__).parent / "static"
VENDOR = STATIC / "vendor"
TEMPLATES = Path(vedette.web.__file__).parent / "templates"
# src/href/action attributes and CSS url(...) that leave the server (protocol-relative included)
_ATTR = re.compile(r"""(?:src|href|action|srcset)\s*=\s*["']([^"']+)["']""", re.I)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)""", re.I)


def _remote(ref: str) -> bool:
    ref = ref.strip()
    if ref.startswith(("data:", "#", "/", "blob:")) and not ref.startswith("//"):
        return False
    return bool(re.match(r"(?:[a-z][a-z0-9+.-]*:)?//", ref, re.I))


def remote_refs(text: str, css: bool = False) -> list[str]:
    refs = _ATTR.findall(text) + (_CSS_URL.findall(text) if css else [])
    return [r for r in refs if _remote(r) and not r.startswith(("http://127.0.0.1", "http://localhost"))]


def test_vendored_files_match_their_checksums() -> None:
    manifest = json.loads((VENDOR / "VENDOR.json").read_text(encoding="utf-8"))
    listed = set()
    for name, pkg in manifest["packages"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", pkg["version"]), name
        for rel, digest in pkg["files"].items():
            listed.add(rel)
            assert hashlib.sha256((VENDOR / rel).read_bytes()).hexdigest() == digest, f"{name}: {rel} changed"
    on_disk = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file() and p.name != "VENDOR.json"}
    assert on_disk == listed, f"files not in VENDOR.json: {sorted(on_disk - listed)}"


def test_no_template_or_stylesheet_references_a_remote_url() -> None:
    found = {}
    for path in [*TEMPLATES.rglob("*.html"), *STATIC.rglob("*.css")]:
        refs = remote_refs(path.read_text(encoding="utf-8"), css=path.suffix == ".css")
        if refs:
            found[str(path)] = refs
    assert found == {}


def test_docs_pages_load_only_local_assets(client) -> None:
    for page in ("/docs", "/redoc"):
        r = client.get(page)
        assert r.status_code == 200, page
        assert "<script>" not in r.text  # no inline script: the CSP allows none
        assert remote_refs(r.text) == [], page
        for ref in _ATTR.findall(r.text):
            if ref.startswith("/static/"):
                asset = client.get(ref)
                assert asset.status_code == 200, ref
                assert len(asset.content) > 100, ref
    spec = client.get("/openapi.json")
    assert spec.status_code == 200 and spec.json()["info"]["title"] == "Vedette"


def test_remote_ref_detector_catches_what_it_must() -> None:
    """The check above is only as good as this detector."""
    html = '<script src="https://cdn.example/x.js"></script><link href="//fonts.example/f.css"><a href="/api">'
    assert remote_refs(html) == ["https://cdn.example/x.js", "//fonts.example/f.css"]
    assert remote_refs("a { background: url(https://x.example/i.png) }", css=True) == ["https://x.example/i.png"]
    assert remote_refs('<img src="data:image/png;base64,AAA"><img src="/static/a.png">') == []

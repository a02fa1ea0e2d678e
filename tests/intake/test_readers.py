"""Readers: every supported format gives its text; every kind of bad input a clear, named error."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter

from helpers import make_pdf
from vedette.errors import BadInput
from vedette.intake.readers import html_depth, read_bytes, read_path


def test_plain_markdown_and_dates_from_name(settings_env) -> None:
    r = read_bytes(b"# Heading\n\nProtesters blocked the bridge in the morning.", "2019-05-04_note.md")
    assert r.media_type == "text/markdown"
    assert "blocked the bridge" in r.text
    assert r.published is not None and r.published.date().isoformat() == "2019-05-04"
    assert r.language == "en"


def test_html_main_text_title_and_meta_date(settings_env) -> None:
    html = (
        "<html><head><title>Road closed near the port</title>"
        "<meta property='article:published_time' content='2021-09-14T08:00:00Z'></head><body>"
        "<nav>Home | World | Sport</nav><article><p>Les autorités ont fermé la route nationale après des "
        "affrontements entre des manifestants et la police dans la ville portuaire.</p>"
        "<p>Plusieurs véhicules ont été incendiés pendant la nuit.</p></article></body></html>"
    ).encode()
    r = read_bytes(html, "page.html")
    assert r.media_type == "text/html"
    assert r.title == "Road closed near the port"
    assert "véhicules ont été incendiés" in r.text
    assert r.published.date().isoformat() == "2021-09-14"
    assert r.language == "fr"


def test_pdf_text_layer(settings_env) -> None:
    r = read_bytes(
        make_pdf("Gunmen attacked a convoy near the river crossing.\nTwo drivers were injured."), "report.pdf"
    )
    assert r.media_type == "application/pdf"
    assert "convoy near the river crossing" in r.text


def test_windows_1252_and_invalid_utf8_are_read(settings_env) -> None:
    cp = "Les manifestants se sont dispersés à Ségou après l'arrivée des gendarmes.".encode("cp1252")
    assert "dispersés à Ségou" in read_bytes(cp, "cp.txt").text
    broken = b"Valid start \xff\xfe\xfa then more text about a curfew in the capital."
    assert "curfew in the capital" in read_bytes(broken, "broken.txt").text


@pytest.mark.parametrize(
    ("raw", "name", "reason"),
    [
        (b"", "empty.txt", "empty"),
        (b"   \n\t  ", "blank.txt", "empty"),
        (bytes(range(256)) * 40, "junk.bin", "binary"),
        (make_pdf("A short report.")[:300], "truncated.pdf", "truncated PDF"),
        (b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000, "deep.html", "nested deeper"),
    ],
)
def test_bad_items_are_named(settings_env, raw: bytes, name: str, reason: str) -> None:
    with pytest.raises(BadInput) as exc:
        read_bytes(raw, name)
    assert name in str(exc.value) and reason in str(exc.value)


def test_encrypted_pdf_is_refused(settings_env) -> None:
    w = PdfWriter()
    w.add_blank_page(200, 200)
    w.encrypt("secret-password")
    buf = io.BytesIO()
    w.write(buf)
    with pytest.raises(BadInput, match="encrypted PDF"):
        read_bytes(buf.getvalue(), "locked.pdf")


def test_size_limit_is_checked_before_reading(settings_env, tmp_path, monkeypatch) -> None:
    from vedette.config import get_settings

    big = tmp_path / "huge.txt"
    with big.open("wb") as fh:
        fh.seek(60 * 1024 * 1024)
        fh.write(b"x")
    with pytest.raises(BadInput, match="too large"):
        read_path(big)  # the default limit (50 MB) refuses 60 MB without reading it
    monkeypatch.setenv("VEDETTE_MAX_DOCUMENT_BYTES", "100")
    get_settings.cache_clear()
    with pytest.raises(BadInput, match="limit is 100"):
        read_bytes(b"y" * 101, "small-but-over.txt")


def test_html_depth_scan_is_linear_and_ignores_void_tags() -> None:
    assert html_depth(b"<html><body><p>a<br>b<img src=x></p></body></html>", 100) == 2
    assert html_depth(b"<div>" * 5000, 100) == 101

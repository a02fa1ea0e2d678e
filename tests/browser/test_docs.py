"""The API documentation renders offline in a real browser, under the server's security headers."""

from __future__ import annotations


def test_swagger_ui_renders_offline(live_server: str, page) -> None:  # noqa: ANN001
    page.page.goto(f"{live_server}/docs")
    page.page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = page.page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/incidents" in p for p in paths)
    assert page.remote == []
    assert page.errors == []
    assert page.screenshot("docs-swagger").stat().st_size > 10_000


def test_redoc_renders_offline(live_server: str, page) -> None:  # noqa: ANN001
    page.page.goto(f"{live_server}/redoc")
    page.page.wait_for_selector("h1", timeout=20_000)
    assert "Vedette" in page.page.locator("h1").first.inner_text()
    assert page.remote == []
    page.screenshot("docs-redoc")

"""Settings come from VEDETTE_* variables and an optional vedette.toml; the environment wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from vedette.config import Settings


def test_defaults_to_sqlite_under_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VEDETTE_DATABASE_URL", raising=False)
    monkeypatch.delenv("VEDETTE_VAR_DIR", raising=False)
    s = Settings()
    assert s.effective_database_url == f"sqlite:///{tmp_path / 'var' / 'vedette.sqlite'}"


def test_toml_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VEDETTE_DATABASE_URL", raising=False)
    (tmp_path / "vedette.toml").write_text(
        'database_url = "postgresql+psycopg://ops@db.internal/vedette"\nfetch_timeout_s = 3.5\n'
    )
    s = Settings()
    assert s.effective_database_url == "postgresql+psycopg://ops@db.internal/vedette"
    assert s.fetch_timeout_s == 3.5
    monkeypatch.setenv("VEDETTE_FETCH_TIMEOUT_S", "7")
    assert Settings().fetch_timeout_s == 7.0


def test_secret_key_is_not_printed() -> None:
    s = Settings(secret_key="very-secret-value")
    assert "very-secret-value" not in repr(s)
    assert "very-secret-value" not in str(s.model_dump())


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [f"VEDETTE_{name.upper()}" for name in Settings.model_fields if f"VEDETTE_{name.upper()}" not in readme]
    assert missing == [], f"settings missing from README: {missing}"

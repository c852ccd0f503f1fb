"""Settings come from CALLPOP_* variables, then the TOML config file, then defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from console.cli import main
from console.config import load_settings


def test_defaults_put_sqlite_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLPOP_DATA_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'callpop.db'}"


def test_toml_file_then_environment_then_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('default_region = "de"\nextension = "201"\noperator = "marco"\n', encoding="utf-8")
    monkeypatch.setenv("CALLPOP_CONFIG", str(config))
    settings = load_settings()
    assert (settings.default_region, settings.extension, settings.operator) == ("DE", "201", "marco")
    monkeypatch.setenv("CALLPOP_EXTENSION", "305")
    assert load_settings().extension == "305"
    assert (
        load_settings(database_url="sqlite:///elsewhere.db").resolved_database_url == "sqlite:///elsewhere.db"
    )


def test_db_upgrade_verb_migrates_then_reports_up_to_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert main(["db", "upgrade", "--database", url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("applied: ") and "0001_foundation" in out
    assert main(["db", "status", "--database", url]) == 0
    assert capsys.readouterr().out.strip() == "up to date"


def test_config_verb_hides_the_api_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CALLPOP_API_TOKEN", "s3cret-token")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "s3cret-token" not in out and "api_token = (set)" in out


def test_config_verb_masks_the_database_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: `callpop config` printed the PostgreSQL password. You should see it starred."""
    monkeypatch.setenv(
        "CALLPOP_DATABASE_URL", "postgresql+psycopg://callpop:pa55-w0rd@db.example:5432/callpop"
    )
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "pa55-w0rd" not in out and "callpop:***@db.example" in out


def test_database_errors_never_carry_the_sql_parameters(engine: Engine) -> None:
    """Regression: a failing statement's error (logged, shown in a toast) carried the customer
    data it was bound to. You should see the parameters hidden, on both databases."""
    with pytest.raises(sa.exc.DBAPIError) as failed, engine.connect() as connection:
        connection.execute(sa.text("SELECT :card FROM no_such_table"), {"card": "secret-4111"})
    assert "secret-4111" not in str(failed.value) and "hidden" in str(failed.value)

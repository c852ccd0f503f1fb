"""Every mistake on the command line is one line and exit status 2, never a traceback; something
that is not there (a server, a database) is one line and exit status 1. Through `console.cli.main`."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
import sqlalchemy as sa

from console.cli import main
from store.db import make_engine
from tests.factories import make_customer


def _one_line(capsys: pytest.CaptureFixture[str], verb: str) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"callpop {verb}: "), err
    assert "Traceback" not in err
    return err


@pytest.fixture
def migrated(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "callpop.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nonsense", "not a SQLAlchemy URL"),
        ("nosuch://host/db", "unknown kind of database"),
        ("mysql://user:s3cret@127.0.0.1/db", "no driver installed"),
    ],
)
def test_a_bad_database_url(url: str, says: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: a bad --database URL ended in a traceback (NoSuchModuleError, ModuleNotFoundError).
    You should see one line saying what is wrong with it, the password never shown."""
    assert main(["find", "Rossi", "--database", url]) == 2
    line = _one_line(capsys, "find")
    assert says in line and "s3cret" not in line


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        ("extension = [", "is not valid TOML"),
        ('api_port = "eighty"', "api_port: Input should be a valid integer"),
        ('extention = "201"', "extention: Extra inputs are not permitted"),
        ('default_region = "ZZ"', "default_region"),
    ],
)
def test_a_malformed_config_file_or_value(
    toml: str, says: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: a config file with a syntax error or a wrong value printed a traceback, and a
    misspelt key was silently ignored. You should see one line naming the file and the setting."""
    config = tmp_path / "config.toml"
    config.write_text(toml + "\n", encoding="utf-8")
    monkeypatch.setenv("CALLPOP_CONFIG", str(config))
    assert main(["config"]) == 2
    line = _one_line(capsys, "config")
    assert says in line and str(config) in line


def test_a_config_file_that_is_not_utf8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(b'operator = "\xff"\n')
    monkeypatch.setenv("CALLPOP_CONFIG", str(config))
    assert main(["config"]) == 2
    assert "is not UTF-8 text" in _one_line(capsys, "config")


def test_a_bad_environment_value(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CALLPOP_API_PORT", "eighty")
    assert main(["config"]) == 2
    assert "api_port" in _one_line(capsys, "config")


@pytest.mark.parametrize("argv", [["find", "Rossi"], ["db", "upgrade"], ["demo", "--customers", "5"]])
def test_a_corrupted_sqlite_file(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: a file that is not a SQLite database raised DatabaseError with a traceback.
    You should see one line saying the database cannot be used, and the file left as it was."""
    path = tmp_path / "callpop.db"
    junk = b"this is not a database, it is a shopping list\n" * 40
    path.write_bytes(junk)
    assert main([*argv, "--database", f"sqlite:///{path}"]) == 2
    assert "cannot be used (file is not a database)" in _one_line(capsys, argv[0])
    assert path.read_bytes() == junk


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--today", "9999-12-31"], "--today: must be between 2000-01-01 and 2100-12-31"),
        (["--today", "2026-13-01"], "--today: a date like 2026-06-15 is needed"),
        (["--customers", "1000000000"], "--customers: must be at least 1 and at most 1,000,000"),
        (["--customers", "0"], "--customers: must be at least 1"),
        (["--customers", "many"], "--customers: a whole number is needed"),
    ],
)
def test_demo_arguments_out_of_bounds(
    argv: list[str], says: str, migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: `demo --today 9999-12-31` died in an OverflowError traceback and any --customers
    was accepted. You should see one line (not the usage) with the bounds."""
    with pytest.raises(SystemExit) as exited:
        main(["demo", *argv, "--database", migrated])
    assert exited.value.code == 2
    assert says in _one_line(capsys, "demo")


def test_demo_append_that_would_repeat_a_key(migrated: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: `demo --append` onto customers whose account numbers the demo would make again
    (an import using C + 8 digits) failed half-way with an IntegrityError traceback. You should see
    one line naming the key, and nothing added."""
    engine = make_engine(migrated)
    make_customer(engine, "Ada", "Imported", external_id="C00000007")
    assert main(["demo", "--append", "--customers", "20", "--database", migrated]) == 2
    assert "customer.external_id 'C00000007'" in _one_line(capsys, "demo")
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT COUNT(*) FROM customer")) == 1
    engine.dispose()


def test_an_unknown_region(migrated: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: `--region ZZ` was accepted as a country. You should see one line asking for a real one."""
    assert main(["find", "333 123 4567", "--region", "ZZ", "--database", migrated]) == 2
    assert "'ZZ' is not a country code" in _one_line(capsys, "find")


def test_ring_with_no_server_is_unavailable_not_a_mistake(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: `ring` with no API server exited 2, the status of a typing mistake. You should
    see exit status 1 and a line asking whether `callpop serve` is running."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CALLPOP_API_TOKEN", "t" * 32)
    assert main(["ring", "100", "+39 333 123 4567", "--url", f"http://127.0.0.1:{port}/calls"]) == 1
    assert "is `callpop serve` running?" in _one_line(capsys, "ring")


def test_an_unreachable_database_is_unavailable(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://callpop:s3cret@127.0.0.1:{port}/callpop"
    assert main(["find", "Rossi", "--database", url]) == 1
    line = _one_line(capsys, "find")
    assert "is unavailable" in line and "s3cret" not in line

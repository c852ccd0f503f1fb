"""`callpop doctor`: one line per check, what to fix, exit 0 only when every check passes."""

from __future__ import annotations

import os
import secrets
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from console.benchmarks.pty_terminal import PtySession
from console.config import load_settings
from console.doctor import (
    Verdict,
    api_token_finding,
    colours_finding,
    data_dir_finding,
    database_findings,
    locale_finding,
    terminal_size_finding,
)
from tests.conftest import POSTGRES_ONLY


def _database(url: str, **settings: object) -> dict[str, tuple[Verdict, str]]:
    findings = database_findings(load_settings(database_url=url, **settings))
    return {finding.check: (finding.verdict, finding.detail) for finding in findings}


def _private_data_dir(tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    return data_dir


def test_a_healthy_seat_passes_every_check_and_exits_0(database_url: str, tmp_path: Path) -> None:
    """Regression: there was no way to check a host before operators sat down. You should see one
    `ok` line per check, on a real terminal, and exit status 0 (both databases)."""
    env = {
        **os.environ,
        "CALLPOP_DATABASE_URL": database_url,
        "CALLPOP_DATA_DIR": str(_private_data_dir(tmp_path)),
        "CALLPOP_API_TOKEN": secrets.token_urlsafe(32),
        "TERM": "xterm-256color",
        "LC_ALL": "C.UTF-8",
    }
    with PtySession([sys.executable, "-m", "console.cli", "doctor"], env, columns=100, lines=30) as session:
        code = session.process.wait(timeout=60)
        session.wait_for_text(b"API token")
        lines = session.output.decode().splitlines()
    assert code == 0, lines
    checks = [line.split(":")[0] for line in lines if line.strip()]
    assert checks == [
        "ok    database reachable",
        "ok    database migrated",
        "ok    database grants",
        "ok    clock skew",
        "ok    data dir",
        "ok    terminal size",
        "ok    terminal colours",
        "ok    locale",
        "ok    API token",
    ]
    assert env["CALLPOP_API_TOKEN"] not in session.output.decode()


def test_one_failing_check_makes_the_exit_status_1(sqlite_template: Path, tmp_path: Path) -> None:
    """Regression: a failing check must not be a pass with a warning. You should see exit status 1
    and the failing line naming the fix, the other checks still reported."""
    env = {
        **os.environ,
        "CALLPOP_DATABASE_URL": f"sqlite:///{sqlite_template}",
        "CALLPOP_DATA_DIR": str(_private_data_dir(tmp_path)),
        "CALLPOP_API_TOKEN": "letmein",
        "TERM": "xterm-256color",
    }
    with PtySession([sys.executable, "-m", "console.cli", "doctor"], env) as session:
        code = session.process.wait(timeout=60)
        session.wait_for_text(b"API token")
        text = session.output.decode()
    assert code == 1
    assert "FAIL  API token: weak" in text and "secrets.token_urlsafe" in text
    assert "letmein" not in text
    assert "ok    database migrated" in text


def test_an_unreachable_database_fails_and_skips_what_depends_on_it() -> None:
    """Regression: a database that does not answer. You should see `database reachable` fail with the
    URL (password hidden) and the reason, and migrated/grants/clock skipped, not crashed."""
    found = _database("postgresql+psycopg://callpop:hunter2@127.0.0.1:1/nowhere?connect_timeout=3")
    verdict, detail = found["database reachable"]
    assert verdict is Verdict.FAIL and "127.0.0.1:1" in detail and "hunter2" not in detail
    assert {found[check][0] for check in ("database migrated", "database grants", "clock skew")} == {
        Verdict.SKIP
    }


def test_a_database_that_is_not_migrated_says_run_db_upgrade(tmp_path: Path) -> None:
    """Regression: an empty database. You should see `database migrated` fail naming `callpop db upgrade`."""
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    verdict, detail = _database(f"sqlite:///{path}")["database migrated"]
    assert verdict is Verdict.FAIL and "callpop db upgrade" in detail


def test_migrated_database_passes(database_url: str) -> None:
    found = _database(database_url)
    assert found["database reachable"][0] is Verdict.PASS
    assert found["database migrated"] == (Verdict.PASS, "schema is current")


@pytest.fixture
def read_only_role(postgres_database_url: str) -> Iterator[str]:
    """A PostgreSQL login role that may only SELECT from callpop's tables; its URL."""
    name = f"callpop_ro_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN')
        connection.exec_driver_sql(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{name}"')
    try:
        yield (
            sa.make_url(postgres_database_url)
            .set(username=name, password=None)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP OWNED BY "{name}"')
            connection.exec_driver_sql(f'DROP ROLE "{name}"')
        admin.dispose()


def test_a_role_without_write_grants_fails_naming_what_it_lacks(read_only_role: str) -> None:
    """Regression: a role that can connect but not save a wrap-up. You should see `database grants`
    fail naming the missing privileges; the owner's role passes (below)."""
    verdict, detail = _database(read_only_role)["database grants"]
    assert verdict is Verdict.FAIL
    assert "INSERT on address" in detail and "more" in detail and "DEPLOY.md" in detail


def test_the_owner_role_has_every_grant(database_url: str) -> None:
    assert _database(database_url)["database grants"][0] is Verdict.PASS


@POSTGRES_ONLY
def test_a_clock_off_by_a_minute_fails(database_url: str) -> None:
    """Regression: the host's clock a minute behind the database's. You should see `clock skew`
    fail saying the database is ahead and to run NTP; the real clock passes."""
    settings = load_settings(database_url=database_url)
    skewed = {f.check: f for f in database_findings(settings, local_clock=lambda: time.time() - 60)}
    assert skewed["clock skew"].verdict is Verdict.FAIL
    assert "60.0 s ahead of" in skewed["clock skew"].detail and "NTP" in skewed["clock skew"].detail
    assert _database(database_url)["clock skew"][0] is Verdict.PASS


def test_data_dir_must_exist_be_private_and_hold_private_files(tmp_path: Path) -> None:
    """Regression: drafts (customer notes) in a folder others can read. You should see the data dir
    check fail for a missing folder, a 0755 one and a 0644 file, each with the command to fix it."""
    data_dir = tmp_path / "data"
    missing = data_dir_finding(data_dir)
    assert missing.verdict is Verdict.FAIL and f"mkdir -m 700 {data_dir}" in missing.detail
    data_dir.mkdir(mode=0o700)
    assert data_dir_finding(data_dir).verdict is Verdict.PASS
    data_dir.chmod(0o755)
    open_folder = data_dir_finding(data_dir)
    assert open_folder.verdict is Verdict.FAIL and "0755" in open_folder.detail
    data_dir.chmod(0o700)
    (data_dir / "local.db").write_text("", encoding="utf-8")
    (data_dir / "local.db").chmod(0o644)
    loose = data_dir_finding(data_dir)
    assert loose.verdict is Verdict.FAIL and "local.db" in loose.detail and "chmod 600" in loose.detail


def test_terminal_must_be_at_least_80_by_24() -> None:
    """Regression: a 79-column window cuts the key bar. You should see it fail, 80x24 pass, and
    no terminal at all fail."""
    assert terminal_size_finding(os.terminal_size((79, 24))).verdict is Verdict.FAIL
    assert terminal_size_finding(os.terminal_size((80, 23))).verdict is Verdict.FAIL
    assert terminal_size_finding(os.terminal_size((80, 24))).verdict is Verdict.PASS
    assert terminal_size_finding(None).verdict is Verdict.FAIL


@pytest.mark.parametrize(
    ("environ", "verdict", "shown"),
    [
        ({"TERM": "dumb"}, Verdict.FAIL, "TERM is dumb"),
        ({}, Verdict.FAIL, "TERM is unset"),
        ({"TERM": "xterm"}, Verdict.PASS, "16 colours"),
        ({"TERM": "xterm-256color"}, Verdict.PASS, "256 colours"),
        ({"TERM": "xterm-256color", "COLORTERM": "truecolor"}, Verdict.PASS, "truecolor"),
    ],
)
def test_terminal_colours(environ: dict[str, str], verdict: Verdict, shown: str) -> None:
    finding = colours_finding(environ)
    assert (finding.verdict, shown in finding.detail) == (verdict, True)


def test_locale_must_exist_and_be_utf8() -> None:
    """Regression: a seat whose LANG names a locale the host lacks, or an ASCII one. You should see
    the locale check fail saying to generate it or pick a UTF-8 one; C.UTF-8 passes."""
    missing = locale_finding({"LANG": "xx_ZZ.UTF-8"})
    assert missing.verdict is Verdict.FAIL and "locale-gen" in missing.detail
    ascii_only = locale_finding({"LC_ALL": "C"})
    assert ascii_only.verdict is Verdict.FAIL and "not UTF-8" in ascii_only.detail
    assert locale_finding({"LC_ALL": "C.UTF-8", "LANG": "xx_ZZ"}).verdict is Verdict.PASS


@pytest.mark.parametrize("token", ["", "letmein", "Password123!", "a" * 80, "0123456789abcdef"])
def test_weak_or_missing_api_tokens_fail(token: str) -> None:
    """Regression: a short, repetitive or dictionary-like bearer token guards the call-event API.
    You should see the API token check fail, without the token in the line."""
    finding = api_token_finding(token)
    assert finding.verdict is Verdict.FAIL
    assert not token or token not in finding.detail


def test_a_generated_token_passes() -> None:
    assert api_token_finding(secrets.token_urlsafe(32)).verdict is Verdict.PASS
    assert api_token_finding(secrets.token_hex(32)).verdict is Verdict.PASS


@POSTGRES_ONLY
def test_a_read_replica_that_is_down_or_not_a_standby_fails(database_url: str) -> None:
    down = _database(database_url, read_database_url="postgresql+psycopg://postgres@127.0.0.1:18099/x")
    assert down["read replica"][0] is Verdict.FAIL and "primary meanwhile" in down["read replica"][1]
    primary = _database(database_url, read_database_url=database_url)  # the primary is no standby
    assert primary["read replica"][0] is Verdict.FAIL and "not a standby" in primary["read replica"][1]


@POSTGRES_ONLY
def test_a_streaming_standby_passes(database_url: str) -> None:
    standby = os.environ.get("CALLPOP_TEST_STANDBY_URL")
    if not standby:
        pytest.skip("read-replica leg: run .ci/standby.sh and set CALLPOP_TEST_STANDBY_URL to run it")
    same_database = sa.make_url(standby).set(database=sa.make_url(database_url).database)
    found = _database(database_url, read_database_url=same_database.render_as_string(hide_password=False))
    assert found["read replica"][0] is Verdict.PASS and "bytes of WAL behind" in found["read replica"][1]

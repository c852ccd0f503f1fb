"""`callpop --help` and `callpop find` load only what they use; `callpop` alone opens the console."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from console.acting import os_account
from console.cli import build_parser, with_default_verb
from store.db import make_engine
from store.models import AuditRecord
from tests.harness import operator_row

RUNNER = Path(__file__).with_name("cli_runner.py")
HEAVY = {"textual", "uvicorn", "faker", "starlette", "httpx", "alembic", "screens"}
"""What the console, the API server and the demo generator need, and no quick verb does."""
NOT_FOR_FIND = {
    "argon2",  # passwords: `find` acts as the OS account
    "babel",  # the translation tools: CLI messages are English
    "cryptography",  # the search's audit row is about no customer: nothing to seal
    "rich",  # the table is plain aligned text (console.text_table)
    "sqlalchemy.dialects.postgresql",  # on a SQLite file
    "store.profile",  # the customer 360
    "store.models.balances",  # tables a search never reads
    "store.models.callbacks",
    "store.models.campaigns",
    "store.models.data",
    "store.models.events",
    "store.models.offers",
    "store.models.outbox",
    "store.models.ticket_events",
    "store.models.warranties",
    "store.models.segments",  # only a `segment:` filter reads them
    "store.models.sessions",  # find signs in as the OS account, without a console session
}
"""What `find` on a SQLite file has no use for, each a measurable share of its start-up."""


def _run(tmp_path: Path, *argv: str) -> dict[str, Any]:
    """What `callpop ARGV` did in a fresh interpreter: its exit status, modules, configured mappers."""
    report = tmp_path / "report.json"
    subprocess.run(
        [sys.executable, str(RUNNER), str(report), *argv], check=False, capture_output=True, timeout=60
    )
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return result


def _imported(tmp_path: Path, *argv: str) -> tuple[int, set[str], set[str]]:
    """The exit status of `callpop ARGV` in a fresh interpreter, its top-level packages and modules."""
    result = _run(tmp_path, *argv)
    modules = set(result["modules"])
    return result["exit"], {name.split(".")[0] for name in modules}, modules


def test_help_imports_no_database_ui_or_server_code(tmp_path: Path) -> None:
    """Regression: every verb imported every benchmark, Textual, uvicorn and Faker before parsing
    its arguments (1.6 s of CPU for `--help`). You should see `--help` load only argparse-level code."""
    code, packages, _ = _imported(tmp_path, "--help")
    assert code == 0
    assert not packages & (HEAVY | {"sqlalchemy", "sqlmodel", "pydantic", "rich", "store"})


def test_find_imports_the_search_and_nothing_heavier(tmp_path: Path, sqlite_template: Path) -> None:
    """Regression: `callpop find` imported Textual, uvicorn, Faker and Alembic, then argon2 (and
    hashed a password at import), PostgreSQL's dialect on a SQLite file, the customer 360 and all
    36 table models: 2.1 s where `import sqlalchemy` took 0.5 s. You should see it load the search
    (SQLAlchemy, the store, its tables) and none of those, and still write its audit row."""
    database = tmp_path / "callpop.db"
    shutil.copyfile(sqlite_template, database)
    engine = make_engine(f"sqlite:///{database}")
    operator_row(engine, os_account())  # find acts as the OS account's operator row
    code, packages, modules = _imported(tmp_path, "find", "Rossi", "--database", f"sqlite:///{database}")
    assert code == 1  # no customers: nobody matches
    assert {"sqlalchemy", "store"} <= packages
    assert {"store.search.lookup", "store.models.customers", "store.models.auth"} <= modules
    assert not packages & HEAVY
    assert not modules & NOT_FOR_FIND
    with engine.connect() as connection:
        searched = connection.execute(sa.select(AuditRecord.actor).where(AuditRecord.action == "search"))
        assert list(searched.scalars()) == [os_account()]
    engine.dispose()


@pytest.mark.parametrize("query", ["Rossi", "+39 06 1234 5678", "maria@example.com", "TK-1234"])
def test_find_configures_no_mapper(tmp_path: Path, sqlite_template: Path, query: str) -> None:
    """Regression: signing in loaded an ORM object and the audit row was flushed as one, which
    configured every loaded mapper (~10 ms of find's start-up for 12 tables). You should see the
    sign-in, the audit row and each kind of search (name, number, e-mail, key) run as Core
    statements on the tables, configuring none."""
    database = tmp_path / "callpop.db"
    shutil.copyfile(sqlite_template, database)
    engine = make_engine(f"sqlite:///{database}")
    operator_row(engine, os_account())
    engine.dispose()
    result = _run(tmp_path, "find", query, "--database", f"sqlite:///{database}")
    assert result["exit"] == 1  # no customers: nobody matches, and the search ran
    assert result["configured"] == []


def test_version_prints_the_installed_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "console.cli", "--version"], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout) == (0, f"callpop {version('callpop')}\n")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ["run"]),
        (["--operator", "sofia"], ["run", "--operator", "sofia"]),
        (["find", "x"], ["find", "x"]),
    ],
)
def test_no_verb_means_run(argv: list[str], expected: list[str]) -> None:
    """Regression: `callpop` alone was a usage error. You should see it open the console (`run`),
    options included, while a verb, `--help` and `--version` are left as they are."""
    words = with_default_verb(argv)
    assert words == expected
    args = build_parser().parse_args(words)
    assert args.verb == expected[0] and args.handler.__module__ == f"console.commands.{expected[0]}"


def _verbs(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


def test_a_verb_parses_alone_as_it_does_among_all() -> None:
    """Running a verb builds only its own sub-command when its module is named after it (26 verb
    modules were imported and built for any one of them). You should see every verb's help,
    options and usage exactly as in the full parser, and a verb whose module has another name
    (`journal`) still found."""
    every = _verbs(build_parser())
    assert {"journal", "import", "returned-mail"} <= set(every)
    for verb, parser in every.items():
        alone = _verbs(build_parser(verb))
        assert alone[verb].format_help() == parser.format_help(), verb
    assert list(_verbs(build_parser("find"))) == ["find"]

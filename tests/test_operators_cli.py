"""`callpop operators|sessions|demo|run` as a newcomer and an admin use them, acting as the OS
account's operator row."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from console.acting import os_account
from console.cli import main
from store.db import make_engine
from store.identity import operator_row
from store.migrate import upgrade
from store.models import OperatorStatus, Role
from tests.harness import operator_row as seat_row

ME = os_account()


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ops.db'}"


def _engine(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def test_first_admin_then_operators_managed_by_it(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: no way to make operators, roles or passwords. You should see the first add
    insist on an admin, then the admin add, list, promote, set a password and disable."""
    assert main(["operators", "add", ME, "--role", "operator", "--database", url]) == 2
    assert "first operator must be --role admin" in capsys.readouterr().err
    assert main(["operators", "add", ME, "--role", "admin", "--extension", "100", "--database", url]) == 0
    assert "the first admin" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("bob has a long password\n"))
    args = ["operators", "add", "bob", "--role", "operator", "--extension", "101", "--name", "Bob B"]
    assert main([*args, "--password-stdin", "--database", url]) == 0
    assert main(["operators", "role", "bob", "supervisor", "--database", url]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["operators", "passwd", "bob", "--password-stdin", "--database", url]) == 2
    assert "at least 12" in capsys.readouterr().err
    assert main(["operators", "disable", ME, "--database", url]) == 2
    assert "no active admin" in capsys.readouterr().err
    assert main(["operators", "disable", "bob", "--database", url]) == 0
    capsys.readouterr()
    assert main(["operators", "list", "--database", url]) == 0
    listing = capsys.readouterr().out
    assert "bob" in listing and "supervisor" in listing and "disabled" in listing and "Bob B" in listing
    bob = operator_row(_engine(url), "bob")
    assert bob is not None and bob.role == Role.SUPERVISOR and bob.status == OperatorStatus.DISABLED


def test_verbs_refuse_an_os_account_without_the_role(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: every CLI verb ran with full rights for anyone. You should see a stranger
    refused customer data and an operator refused admin verbs, each told what to do."""
    assert main(["operators", "add", "boss", "--role", "admin", "--database", url]) == 0
    assert main(["find", "rossi", "--database", url]) == 2
    assert f"callpop operators add {ME}" in capsys.readouterr().err
    seat_row(_engine(url), ME, extension="150")
    for verb in (
        ["operators", "list"],
        ["sessions", "list"],
        ["audit", "verify"],
        ["demo", "--customers", "1"],
    ):
        assert main([*verb, "--database", url]) == 2
        assert "is operator" in capsys.readouterr().err
    assert main(["find", "rossi", "--database", url]) == 1  # allowed: nobody matches


def test_run_refuses_another_seats_extension(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: `callpop run --extension 200` listened to another seat. You should see it refused."""
    engine = _engine(url)
    seat_row(engine, ME, extension="100")
    seat_row(engine, "sofia", extension="200")
    assert main(["run", "--extension", "200", "--database", url]) == 2
    assert "Extension 200 is not yours (yours is 100)" in capsys.readouterr().err


def test_demo_makes_its_loader_an_admin_at_extension_100(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--customers", "3", "--database", url]) == 0
    assert f"{ME} is an admin of this data at extension 100" in capsys.readouterr().out
    engine = _engine(url)
    me, anna = operator_row(engine, ME), operator_row(engine, "anna")
    assert me is not None and (me.role, me.extension) == (Role.ADMIN, "100")
    assert anna is not None and anna.extension not in ("100", "")
    assert main(["sessions", "list", "--database", url]) == 0
    assert "no open sessions" in capsys.readouterr().out
    assert main(["sessions", "end", "42", "--database", url]) == 2


def test_teams_are_set_at_add_and_changed_by_an_admin(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: no way to put operators in teams. You should see `add --team`, `team` and the
    TEAM column of `list`, and a bad team name refused."""
    assert main(["operators", "add", ME, "--role", "admin", "--database", url]) == 0
    assert main(["operators", "add", "bob", "--role", "operator", "--team", "north", "--database", url]) == 0
    assert main(["operators", "team", "bob", "south", "--database", url]) == 0
    assert "bob: team south" in capsys.readouterr().out
    assert main(["operators", "team", "bob", "no way", "--database", url]) == 2
    assert "a team is" in capsys.readouterr().err
    assert main(["operators", "list", "--database", url]) == 0
    listing = capsys.readouterr().out
    assert "TEAM" in listing.splitlines()[0] and "south" in listing
    bob = operator_row(_engine(url), "bob")
    assert bob is not None and bob.team == "south"

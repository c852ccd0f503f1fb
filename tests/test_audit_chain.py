"""The audit log: hash-chained, append-only on both databases, verified end to end, and written
in the same transaction as what it records."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from console.cli import main
from store import audit
from store.audit import APPEND_ONLY_DDL
from store.db import write_session
from store.models import Role
from store.policy import Actor
from tests.conftest import POSTGRES_ONLY
from tests.harness import operator_row

ADMIN = Actor("root-admin", Role.ADMIN)


def _write(engine: Engine, n: int) -> None:
    for i in range(n):
        with write_session(engine) as session:
            audit.record(session, "anna", "search", detail={"query": f"rossi {i}"}, where="tty test")


@contextmanager
def _unguarded(engine: Engine) -> Iterator[None]:
    """What someone with the table owner's rights could do: remove the append-only triggers (put
    back afterwards: the PostgreSQL database is shared by the whole test session)."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER auditlog_no_update")
            connection.exec_driver_sql("DROP TRIGGER auditlog_no_delete")
        else:
            connection.exec_driver_sql("DROP TRIGGER auditlog_append_only ON auditlog")
    try:
        yield
    finally:
        with engine.begin() as connection:
            for statement in APPEND_ONLY_DDL[engine.dialect.name]:
                if statement.startswith("CREATE TRIGGER"):
                    connection.exec_driver_sql(statement)


def test_an_intact_chain_verifies(engine: Engine) -> None:
    _write(engine, 5)
    assert audit.verify(engine) == (5, None)


def test_update_and_delete_are_refused_by_the_database(engine: Engine) -> None:
    """Regression: audit rows were ordinary rows anyone could edit. You should see the database
    itself refuse an UPDATE and a DELETE of an audit row."""
    _write(engine, 2)
    for statement in ("UPDATE auditlog SET actor = 'mallory'", "DELETE FROM auditlog"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.exec_driver_sql(statement)
    assert audit.verify(engine) == (2, None)


@pytest.mark.parametrize(
    ("tamper", "why"),
    [
        ('UPDATE auditlog SET detail = \'{"query": "nothing"}\' WHERE seq = 3', "changed"),
        ("DELETE FROM auditlog WHERE seq = 3", "missing"),
        ("UPDATE auditlog SET at = at - INTERVAL '1 hour' WHERE seq = 3", "changed"),
    ],
    ids=["edited", "deleted", "backdated"],
)
def test_tampering_names_the_first_broken_row(engine: Engine, tamper: str, why: str) -> None:
    """Regression: nothing could tell an edited audit trail from a true one. You should see
    `verify` name row 3 (the first one touched) once the triggers are dropped and it is changed."""
    _write(engine, 6)
    if engine.dialect.name == "sqlite":
        tamper = tamper.replace("at - INTERVAL '1 hour'", "datetime(at, '-1 hour')")
    with _unguarded(engine), engine.begin() as connection:
        connection.exec_driver_sql(tamper)
    checked, broken = audit.verify(engine)
    assert broken is not None and checked == 2
    assert why in broken.why and broken.seq in (3, 4)  # a deleted row 3: row 4 is where it shows
    assert broken.seq == 3 or why == "missing"


def test_audit_verify_cli_exits_1_on_a_broken_chain(
    database_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: the operator-facing check. You should see exit 0 then, after an edit, exit 1
    and the row named."""
    from console.acting import os_account

    operator_row(engine, os_account(), extension="999", role=Role.ADMIN)
    _write(engine, 3)
    assert main(["audit", "verify", "--database", database_url]) == 0
    assert "intact" in capsys.readouterr().out
    with _unguarded(engine), engine.begin() as connection:
        connection.exec_driver_sql("UPDATE auditlog SET actor = 'mallory' WHERE seq = 2")
    assert main(["audit", "verify", "--database", database_url]) == 1
    assert "seq 2" in capsys.readouterr().out


def test_audit_show_lists_what_an_operator_did_as_json(
    database_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    from console.acting import os_account

    operator_row(engine, os_account(), extension="999", role=Role.SUPERVISOR)
    _write(engine, 2)
    assert main(["audit", "show", "--operator", "anna", "--json", "--database", database_url]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["detail"]["query"] for row in rows] == ["rossi 0", "rossi 1"]
    assert audit.search(engine, ADMIN, actor_name=os_account())[-1].action == "audit.read"


def test_an_act_whose_audit_row_fails_does_not_happen(engine: Engine) -> None:
    """Regression: an audit row written after (and apart from) its act. You should see a failed
    audit write roll back the act it records."""
    with pytest.raises(Exception), write_session(engine) as session:  # noqa: B017
        session.execute(sa.text("UPDATE operator SET display_name = 'changed'"))
        audit.record(session, "x" * 64, "search", detail={"big": object()}, where="t")
        raise RuntimeError("the audit write failed")
    assert audit.verify(engine) == (0, None)


@POSTGRES_ONLY
def test_db_grants_leave_the_console_role_insert_and_select_on_the_audit_log(
    database_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: the console's database role could rewrite history. You should see, after
    `callpop db grants`, that role read and append audit rows but not UPDATE, DELETE or TRUNCATE."""
    from console.acting import os_account

    operator_row(engine, os_account(), extension="999", role=Role.ADMIN)
    role = f"callpop_console_{uuid.uuid4().hex[:8]}"
    with engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{role}" NOLOGIN')
    try:
        assert main(["db", "grants", "--role", role, "--database", database_url]) == 0
        assert "auditlog INSERT and SELECT only" in capsys.readouterr().out
        with engine.begin() as connection:
            connection.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
            with Session(bind=connection) as session:
                audit.record(session, "anna", "search", detail={"query": "ok"}, where="t")
            connection.exec_driver_sql("SELECT count(*) FROM auditlog")
        for statement in ("UPDATE auditlog SET actor = 'x'", "DELETE FROM auditlog", "TRUNCATE auditlog"):
            with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as connection:
                connection.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
                connection.exec_driver_sql(statement)
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f'DROP OWNED BY "{role}"')
            connection.exec_driver_sql(f'DROP ROLE "{role}"')

"""Operators, credentials and sessions in the store: bootstrap, argon2id, throttling, seats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from store import passwords, sessions
from store.db import read_session
from store.identity import (
    FREE_FAILURES,
    IdentityError,
    SignInRefused,
    add_operator,
    authenticate,
    change_operator,
    operator_row,
    seat_extension,
)
from store.models import OperatorStatus, Role
from store.models.auth import AuditRecord
from store.sessions import SessionState

PASSWORD = "a long enough passphrase"


def _admin(engine: Engine):  # noqa: ANN202
    return add_operator(engine, None, "root-admin", role=Role.ADMIN, extension="900", password=PASSWORD)


def _actions(engine: Engine) -> list[str]:
    with read_session(engine) as session:
        return [row.action for row in session.exec(select(AuditRecord).order_by(AuditRecord.seq))]


def test_the_first_operator_must_be_an_admin_and_only_admins_add_more(engine: Engine) -> None:
    """Regression: anyone could claim any role. You should see the first `add` without an admin
    refused unless it makes an admin, and later adds need one."""
    with pytest.raises(IdentityError, match="first operator must be --role admin"):
        add_operator(engine, None, "anna", role=Role.OPERATOR)
    admin = _admin(engine)
    with pytest.raises(IdentityError, match="only an admin"):
        add_operator(engine, None, "mallory", role=Role.ADMIN)
    add_operator(engine, admin, "anna", role=Role.OPERATOR, extension="100")
    row = operator_row(engine, "root-admin")
    assert row is not None and row.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert _actions(engine) == ["operator.add", "operator.add"]


def test_bad_names_extensions_and_passwords_are_refused(engine: Engine) -> None:
    admin = _admin(engine)
    for bad in ("", "-rf", "a b", "x" * 65, "anna\x1b[2J"):
        with pytest.raises(IdentityError, match="username"):
            add_operator(engine, admin, bad, role=Role.OPERATOR)
    with pytest.raises(IdentityError, match="extension"):
        add_operator(engine, admin, "anna", role=Role.OPERATOR, extension="12a")
    with pytest.raises(IdentityError, match="already root-admin's"):
        add_operator(engine, admin, "anna", role=Role.OPERATOR, extension="900")
    with pytest.raises(IdentityError, match="at least 12"):
        add_operator(engine, admin, "anna", role=Role.OPERATOR, password="short")


def test_the_last_admin_can_be_neither_disabled_nor_demoted(engine: Engine) -> None:
    admin = _admin(engine)
    for change in ({"status": OperatorStatus.DISABLED}, {"role": Role.SUPERVISOR}):
        with pytest.raises(IdentityError, match="no active admin"):
            change_operator(engine, admin, "root-admin", **change)  # type: ignore[arg-type]
    assert operator_row(engine, "root-admin").role == Role.ADMIN  # type: ignore[union-attr]


def test_failed_passwords_are_logged_and_throttle_the_account(engine: Engine) -> None:
    """Regression: unlimited password guesses. You should see each failure audited and, after
    five in a row, even the right password refused for a while."""
    _admin(engine)
    for _ in range(FREE_FAILURES):
        with pytest.raises(SignInRefused, match="Wrong username or password"):
            authenticate(engine, "root-admin", "guess guess guess")
    with pytest.raises(SignInRefused, match="Too many failed attempts"):
        authenticate(engine, "root-admin", PASSWORD)
    row = operator_row(engine, "root-admin")
    assert row is not None and row.failed_signins == FREE_FAILURES and row.locked_until is not None
    assert _actions(engine).count("signin.failed") == FREE_FAILURES + 1


def test_a_good_password_resets_the_count_and_unknown_or_disabled_names_fail_alike(engine: Engine) -> None:
    admin = _admin(engine)
    add_operator(engine, admin, "anna", role=Role.OPERATOR, password=PASSWORD)
    with pytest.raises(SignInRefused):
        authenticate(engine, "anna", "wrong wrong wrong")
    assert authenticate(engine, "anna", PASSWORD).role == Role.OPERATOR
    assert operator_row(engine, "anna").failed_signins == 0  # type: ignore[union-attr]
    change_operator(engine, admin, "anna", status=OperatorStatus.DISABLED)
    messages = set()
    for name in ("anna", "nobody"):
        with pytest.raises(SignInRefused) as refused:
            authenticate(engine, name, PASSWORD)
        messages.add(str(refused.value))
    assert messages == {"Wrong username or password."}


def test_no_stored_hash_never_matches_even_the_dummy_hashs_own_text() -> None:
    """An operator with no password (or no operator) is checked against a dummy hash made on the
    first check, for the time it takes; you should see no text at all get in that way."""
    assert not passwords.verify("", "callpop: equal time for unknown names")
    assert not passwords.verify("", PASSWORD)
    hashed = passwords.hash_password(PASSWORD)
    assert passwords.verify(hashed, PASSWORD) and not passwords.verify(hashed, PASSWORD + "!")
    assert not passwords.needs_rehash(hashed)


def test_a_console_listens_only_to_its_own_extension(engine: Engine) -> None:
    """Regression: `--extension 200` at any seat received another seat's pops. You should see
    another operator's extension refused and the own one granted."""
    admin = _admin(engine)
    anna = add_operator(engine, admin, "anna", role=Role.OPERATOR, extension="100")
    add_operator(engine, admin, "sofia", role=Role.SUPERVISOR, extension="200")
    assert seat_extension(engine, anna) == seat_extension(engine, anna, "100") == "100"
    with pytest.raises(SignInRefused, match="Extension 200 is not yours"):
        seat_extension(engine, anna, "200")


def test_sessions_end_by_admin_by_lifetime_and_when_the_operator_changes(engine: Engine) -> None:
    admin = _admin(engine)
    anna = add_operator(engine, admin, "anna", role=Role.OPERATOR, extension="100")
    first = sessions.start(engine, anna, method="os", lifetime=timedelta(hours=1), where="tty test")
    assert sessions.state(engine, first) is SessionState.ACTIVE
    assert [s.username for s in sessions.list_open(engine, admin)] == ["anna"]
    assert sessions.end(engine, admin, first.session_id or 0)
    assert sessions.state(engine, first) is SessionState.ENDED
    short = sessions.start(engine, anna, method="os", lifetime=timedelta(microseconds=1), where="t")
    assert sessions.state(engine, short) is SessionState.EXPIRED
    third = sessions.start(engine, anna, method="os", lifetime=timedelta(hours=1), where="t")
    change_operator(engine, admin, "anna", role=Role.SUPERVISOR)
    assert sessions.state(engine, third) is SessionState.ENDED
    assert sessions.list_open(engine, admin) == []

"""Operators and their credentials: who may sit at a console, with which role and extension.

Passwords are argon2id hashes (store.passwords, imported only by the functions that hash or check
one: looking up the OS account's operator row loads no argon2).
Failed password sign-ins are counted per operator: after `FREE_FAILURES` in a row the account
refuses password sign-in for a doubling delay (30 s, 1 min, ... at most 15 min); every attempt,
good or bad, is in the audit log, written in the same transaction as the counter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from store import audit
from store.db import read_session, write_session
from store.messages import N_
from store.models import Operator, OperatorStatus, Role
from store.models.base import table_of
from store.policy import Action, Actor, require
from store.sanitize import clean_line
from store.timeutil import utcnow

MIN_PASSWORD_LENGTH = 12
FREE_FAILURES = 5
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(minutes=15)
_USERNAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
_EXTENSION = re.compile(r"[0-9]{2,8}")
_TEAM = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,39}")


class IdentityError(ValueError):
    """A request about operators that cannot be done; the message says why, nothing changed."""


class SignInRefused(PermissionError):
    """Sign-in failed; the message is safe to show (it never says which part was wrong)."""


@dataclass(frozen=True)
class OperatorView:
    """An operator row as `callpop operators list` shows it (never the hash)."""

    username: str
    display_name: str
    role: Role
    extension: str
    status: OperatorStatus
    has_password: bool
    team: str = ""


def check_password_strength(password: str, username: str) -> None:
    """Refuse passwords too short to resist guessing, or that are the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise IdentityError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip().lower() == username.lower():
        raise IdentityError("the password may not be the username")


def _row(session: Session, username: str) -> Operator | None:
    return session.exec(select(Operator).where(Operator.username == username)).first()


def _actor(row: Operator | sa.Row[Any, Any, Any, Any], session_id: int | None = None) -> Actor:
    """An operator row (an ORM object or the columns `actor_for` reads) as an actor."""
    return Actor(row.username, Role(row.role), row.id, session_id, row.team)


def has_admin(engine: Engine) -> bool:
    """Whether an active admin exists (if not, the first `operators add` makes one)."""
    with read_session(engine) as session:
        return _active_admins(session) > 0


def _active_admins(session: Session) -> int:
    query = (
        select(func.count())
        .select_from(Operator)
        .where(Operator.role == Role.ADMIN, Operator.status == OperatorStatus.ACTIVE)
    )
    return int(session.exec(query).one())


def actor_for(engine: Engine, username: str) -> Actor | None:
    """The active operator row of `username` as an actor; None without one (no row, no access).
    The columns alone, not an ORM object: loading one configures every loaded mapper, ~10 ms
    of `callpop find`'s start-up, which needs none (tests/test_cli_startup.py)."""
    o = table_of(Operator).c
    query = sa.select(o.username, o.role, o.id, o.team).where(
        o.username == username, o.status == OperatorStatus.ACTIVE
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else _actor(row)


def operator_row(engine: Engine, username: str) -> Operator | None:
    with read_session(engine) as session:
        return _row(session, username)


def add_operator(
    engine: Engine,
    actor: Actor | None,
    username: str,
    *,
    role: Role,
    extension: str = "",
    display_name: str = "",
    password: str = "",
    team: str = "",
) -> Actor:
    """Create an operator. `actor` must be an admin, except for the first admin of a database
    (then `actor` is None and `role` must be admin)."""
    _check_team(team)
    if not _USERNAME.fullmatch(username):
        raise IdentityError(
            "a username is 1-64 letters, digits, '.', '_' or '-', not starting with '.' or '-'"
        )
    if extension and not _EXTENSION.fullmatch(extension):
        raise IdentityError(f"an extension is 2-8 digits, not {clean_line(extension)!r}")
    if password:
        check_password_strength(password, username)
    hashed = _hash(password) if password else ""
    with write_session(engine) as session:
        if actor is None:
            if _active_admins(session):
                raise IdentityError("only an admin may add operators")
            if role != Role.ADMIN:
                raise IdentityError("this database has no admin yet: the first operator must be --role admin")
        else:
            require(actor, Action.MANAGE_OPERATORS)
        if _row(session, username) is not None:
            raise IdentityError(f"operator {username} already exists")
        _check_extension_free(session, extension, username)
        row = Operator(
            username=username,
            display_name=clean_line(display_name)[:120] or username,
            role=role,
            extension=extension,
            password_hash=hashed,
            team=team,
        )
        session.add(row)
        session.flush()
        detail = {"role": role.value, "extension": extension, "team": team}
        audit.record(
            session, actor.username if actor else username, "operator.add", target=username, detail=detail
        )
        return _actor(row)


def _check_team(team: str) -> None:
    """A team is a short name (letters, digits, "_", ".", "-"), or empty: none."""
    if team and not _TEAM.fullmatch(team):
        raise IdentityError(f"a team is 1-40 letters, digits, '_', '.' or '-', not {clean_line(team)!r}")


def _check_extension_free(session: Session, extension: str, username: str) -> None:
    if not extension:
        return
    holder = session.exec(
        select(Operator.username).where(
            Operator.extension == extension,
            Operator.status == OperatorStatus.ACTIVE,
            Operator.username != username,
        )
    ).first()
    if holder:
        raise IdentityError(f"extension {extension} is already {holder}'s")


def list_operators(engine: Engine, actor: Actor) -> list[OperatorView]:
    require(actor, Action.MANAGE_OPERATORS)
    with read_session(engine) as session:
        rows = session.exec(select(Operator).order_by(col(Operator.username))).all()
    return [
        OperatorView(
            r.username,
            r.display_name,
            Role(r.role),
            r.extension,
            OperatorStatus(r.status),
            bool(r.password_hash),
            r.team,
        )
        for r in rows
    ]


def change_operator(
    engine: Engine,
    actor: Actor,
    username: str,
    *,
    status: OperatorStatus | None = None,
    role: Role | None = None,
    password: str | None = None,
    extension: str | None = None,
    team: str | None = None,
) -> None:
    """Enable/disable, change the role, the password, the extension or the team of `username`
    (admin only). The last active admin can be neither disabled nor demoted."""
    require(actor, Action.MANAGE_OPERATORS)
    if team is not None:
        _check_team(team)
    if password is not None:
        check_password_strength(password, username)
    if extension and not _EXTENSION.fullmatch(extension):
        raise IdentityError(f"an extension is 2-8 digits, not {clean_line(extension)!r}")
    hashed = _hash(password) if password is not None else None
    with write_session(engine) as session:
        row = _row(session, username)
        if row is None:
            raise IdentityError(f"no operator {clean_line(username)}")
        detail: dict[str, str] = {}
        if status is not None and status != row.status:
            detail["status"] = f"{row.status} -> {status}"
            row.status = status
        if role is not None and role != row.role:
            detail["role"] = f"{row.role} -> {role}"
            row.role = role
        if extension is not None and extension != row.extension:
            _check_extension_free(session, extension, username)
            detail["extension"] = f"{row.extension or '-'} -> {extension or '-'}"
            row.extension = extension
        if team is not None and team != row.team:
            detail["team"] = f"{row.team or '-'} -> {team or '-'}"
            row.team = team
        if hashed is not None:
            detail["password"] = "set"
            row.password_hash, row.failed_signins, row.locked_until = hashed, 0, None
        session.add(row)
        session.flush()
        if not _active_admins(session):
            raise IdentityError("that would leave no active admin: make another admin first")
        if detail:
            audit.record(session, actor.username, "operator.change", target=username, detail=detail)


def authenticate(engine: Engine, username: str, password: str, *, where: str | None = None) -> Actor:
    """The actor for a correct username + password of an active operator; SignInRefused otherwise.
    Every attempt is audited; repeated failures throttle the account."""
    from store import passwords

    now = utcnow()
    with read_session(engine) as session:
        row = _row(session, username)
    if row is None or not row.password_hash or row.status != OperatorStatus.ACTIVE:
        passwords.verify("", password)  # the same time for a name that cannot sign in
        _log_failure(engine, username, "no such active operator with a password", where)
        raise SignInRefused(N_("Wrong username or password."))
    if row.locked_until is not None and row.locked_until > now:
        wait = int((row.locked_until - now).total_seconds()) + 1
        _log_failure(engine, username, "throttled", where)
        raise SignInRefused(N_("Too many failed attempts: try again in {wait} s.", wait=wait))
    if not passwords.verify(row.password_hash, password):
        _count_failure(engine, username, where)
        raise SignInRefused(N_("Wrong username or password."))
    with write_session(engine) as session:
        fresh = _row(session, username)
        assert fresh is not None
        fresh.failed_signins, fresh.locked_until = 0, None
        if passwords.needs_rehash(fresh.password_hash):
            fresh.password_hash = passwords.hash_password(password)
        session.add(fresh)
        audit.record(session, username, "signin.password.ok", target=username, where=where)
        return _actor(fresh)


def _hash(password: str) -> str:
    from store.passwords import hash_password

    return hash_password(password)


def _count_failure(engine: Engine, username: str, where: str | None) -> None:
    with write_session(engine) as session:
        row = _row(session, username)
        assert row is not None
        row.failed_signins += 1
        beyond = row.failed_signins - FREE_FAILURES
        if beyond >= 0:
            row.locked_until = utcnow() + min(FIRST_DELAY * (2**beyond), LONGEST_DELAY)
        session.add(row)
        detail = {"reason": "wrong password", "failures": row.failed_signins}
        audit.record(session, username, "signin.failed", target=username, detail=detail, where=where)


def _log_failure(engine: Engine, username: str, reason: str, where: str | None) -> None:
    with write_session(engine) as session:
        name = clean_line(username)[:64] or "?"
        audit.record(session, name, "signin.failed", target=name, detail={"reason": reason}, where=where)


def seat_extension(engine: Engine, actor: Actor, requested: str = "") -> str:
    """The extension this operator's console listens to: their own. Asking for another seat's
    extension is refused; an operator with none assigned gets a console that no call pops on."""
    with read_session(engine) as session:
        row = session.get(Operator, actor.operator_id)
    own = row.extension if row is not None else ""
    if requested and requested != own:
        asked = clean_line(requested)[:16]
        if own:
            raise SignInRefused(
                N_(
                    "Extension {asked} is not yours (yours is {own}); an admin assigns seats.",
                    asked=asked,
                    own=own,
                )
            )
        raise SignInRefused(
            N_(
                "Extension {asked} is not yours (none is assigned to you); an admin assigns seats.",
                asked=asked,
            )
        )
    return own


def seat_demo_admin(engine: Engine, username: str, extension: str = "100") -> None:
    """Make `username` an active admin at `extension` in demo data (`callpop demo`), so whoever
    loaded it can use every verb and the console; a demo agent sitting there moves to a free one."""
    with write_session(engine) as session:
        taken = set(session.exec(select(Operator.extension)).all())
        holder = session.exec(
            select(Operator).where(Operator.extension == extension, Operator.username != username)
        ).first()
        if holder is not None:
            holder.extension = next(str(n) for n in range(110, 10_000) if str(n) not in taken)
            session.add(holder)
        row = _row(session, username) or Operator(username=username, display_name=username)
        row.role, row.status, row.extension = Role.ADMIN, OperatorStatus.ACTIVE, extension
        session.add(row)
        session.flush()
        detail = {"role": "admin", "extension": extension, "moved": holder.username if holder else ""}
        audit.record(session, username, "operator.demo_admin", target=username, detail=detail)

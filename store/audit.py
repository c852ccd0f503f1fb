"""The audit log: who did what, to which customer, from where, append-only and hash-chained.

Every row carries the SHA-256 of the row before it and of its own fields, so a changed, inserted
or deleted row breaks the chain from that row on, and `verify` names it. Rows are written in the
caller's transaction (`record(session, ...)`): if the audit write fails, the act does not happen.
Appends are serialised (an advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite) and
`prev_hash` is unique, so two writers can never fork the chain. Triggers refuse UPDATE and DELETE
on both databases; `grant_statements` leave the console's PostgreSQL role only INSERT and SELECT.
A row about a customer stores its target and detail sealed with that customer's key, so an
erasure can shred them (store.audit_seal); `opened` is how every reader gets them back.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store import audit_seal
from store.db import read_session, write_session
from store.models.auth import AuditRecord
from store.models.base import table_of
from store.policy import Action, Actor, require
from store.sanitize import clean_line
from store.timeutil import utcnow

GENESIS = "0" * 64
"""The `prev_hash` of the first row."""
_ADVISORY_LOCK_KEY = 0x63616C6C  # "call": one chain, one appender at a time on PostgreSQL
_VERIFY_BATCH = 2_000

APPEND_ONLY_DDL = {
    "sqlite": [
        "CREATE TRIGGER auditlog_no_update BEFORE UPDATE ON auditlog "
        "BEGIN SELECT RAISE(ABORT, 'auditlog is append-only'); END",
        "CREATE TRIGGER auditlog_no_delete BEFORE DELETE ON auditlog "
        "BEGIN SELECT RAISE(ABORT, 'auditlog is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION auditlog_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'auditlog is append-only'; END $$",
        "CREATE TRIGGER auditlog_append_only BEFORE UPDATE OR DELETE ON auditlog "
        "FOR EACH ROW EXECUTE FUNCTION auditlog_append_only()",
    ],
}
"""Run by migration 0008_auth: no UPDATE or DELETE of an audit row, whoever asks."""


def origin() -> str:
    """Where this process is used from: the SSH client's address and port, else the terminal."""
    ssh = os.environ.get("SSH_CONNECTION", "").split()
    if len(ssh) >= 2:
        return clean_line(f"ssh {ssh[0]}:{ssh[1]}")[:120]
    try:
        return clean_line(f"tty {os.ttyname(0)}")[:120]
    except OSError:
        return "local"


def _digest(prev_hash: str, seq: int, at: datetime, fields: Mapping[str, Any]) -> str:
    body = json.dumps(
        [
            prev_hash,
            seq,
            at.astimezone(UTC).isoformat(timespec="microseconds"),
            fields["actor"],
            fields["action"],
            fields["customer_id"],
            fields["target"],
            fields["detail"],
            fields["origin"],
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _fields(
    actor: str,
    action: str,
    customer_id: int | None,
    target: str,
    detail: Mapping[str, Any] | None,
    where: str,
) -> dict[str, Any]:
    text = json.dumps(dict(detail or {}), default=str, ensure_ascii=False, sort_keys=True)
    return {
        "actor": clean_line(actor)[:64],
        "action": action[:40],
        "customer_id": customer_id,
        "target": clean_line(target)[:200],
        "detail": text[:4000],
        "origin": where[:120],
    }


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    customer_id: int | None = None,
    target: str = "",
    detail: Mapping[str, Any] | None = None,
    where: str | None = None,
) -> None:
    """Append one row to the chain inside `session`'s transaction, after the session's pending
    changes. The row goes in as an INSERT, not an ORM object, whose flush would configure every
    loaded mapper (~10 ms of `callpop find`'s start-up, which needs none)."""
    session.flush()
    fields = _fields(actor, action, customer_id, target, detail, origin() if where is None else where)
    _append(session.connection(), [fields])


def record_many(
    bind: sa.Connection,
    actor: str,
    action: str,
    entries: Iterable[tuple[int | None, Mapping[str, Any]]],
) -> int:
    """Append one row per (customer_id, detail) in `bind`'s transaction, chained after the last
    row and inserted in one statement: a bulk import audits each customer it changed without a
    round trip per row. Returns how many rows were written."""
    where = origin()
    rows = [_fields(actor, action, customer_id, "", detail, where) for customer_id, detail in entries]
    _append(bind, rows)
    return len(rows)


def _append(bind: sa.Connection, entries: list[dict[str, Any]]) -> None:
    """Chain `entries` (`_fields` each) after the last row, sealed, in one INSERT."""
    customer_ids = {fields["customer_id"] for fields in entries if fields["customer_id"] is not None}
    keys = audit_seal.keys_for(bind, customer_ids)  # before the lock
    seq, prev_hash = _head(bind)
    at, rows = utcnow(), []
    for fields in entries:
        sealed = audit_seal.seal_fields(fields, seq, keys)
        row_hash = _digest(prev_hash, seq, at, sealed)
        rows.append({"seq": seq, "at": at, "prev_hash": prev_hash, "row_hash": row_hash, **sealed})
        seq, prev_hash = seq + 1, row_hash
    if rows:
        bind.execute(sa.insert(table_of(AuditRecord)), rows)


def _head(bind: sa.Connection) -> tuple[int, str]:
    """The next row's seq and prev_hash, holding the appenders' lock for the transaction."""
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
    log = table_of(AuditRecord).c
    newest = sa.select(log.seq, log.row_hash).order_by(log.seq.desc())
    last = bind.execute(newest.limit(1)).first()
    return (last[0] + 1, last[1]) if last else (1, GENESIS)


def chain_rows(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The customer-edit rows of schema 0004 as chained audit rows (migration 0008_auth)."""
    rows, prev_hash = [], GENESIS
    for seq, entry in enumerate(entries, start=1):
        at = entry["at"] if isinstance(entry["at"], datetime) else datetime.fromisoformat(str(entry["at"]))
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        detail = {k: entry[k] for k in ("entity", "entity_id", "field", "old_value", "new_value")}
        fields = _fields(entry["operator"], "customer.edit", entry["customer_id"], "", detail, "")
        row_hash = _digest(prev_hash, seq, at, fields)
        rows.append({"seq": seq, "at": at, "prev_hash": prev_hash, "row_hash": row_hash, **fields})
        prev_hash = row_hash
    return rows


@dataclass(frozen=True)
class Broken:
    """The first row at which the chain does not hold, and why."""

    seq: int
    row_id: int | None
    why: str


def verify(engine: Engine) -> tuple[int, Broken | None]:
    """Check the whole chain; returns how many rows were checked and the first broken one."""
    checked, prev_hash, expected_seq = 0, GENESIS, 1
    for row in _all_rows(engine):
        fields = {
            name: getattr(row, name)
            for name in ("actor", "action", "customer_id", "target", "detail", "origin")
        }
        if row.seq != expected_seq:
            return checked, Broken(row.seq, row.id, f"row {expected_seq} is missing")
        if row.prev_hash != prev_hash:
            return checked, Broken(row.seq, row.id, "it does not follow the row before it")
        if _digest(prev_hash, row.seq, row.at, fields) != row.row_hash:
            return checked, Broken(row.seq, row.id, "its contents were changed after it was written")
        checked, prev_hash, expected_seq = checked + 1, row.row_hash, expected_seq + 1
    return checked, None


def _all_rows(engine: Engine) -> Iterator[AuditRecord]:
    last = 0
    while True:
        with read_session(engine) as session:
            batch = session.exec(
                select(AuditRecord)
                .where(AuditRecord.seq > last)
                .order_by(col(AuditRecord.seq))
                .limit(_VERIFY_BATCH)
            ).all()
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def search(
    engine: Engine,
    actor: Actor,
    *,
    customer_id: int | None = None,
    actor_name: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1_000,
) -> list[AuditRecord]:
    """Audit rows about one customer or by one operator, oldest first (`callpop audit show`);
    the reading is itself audited, in the same transaction."""
    require(actor, Action.READ_AUDIT)
    query = select(AuditRecord)
    if customer_id is not None:
        query = query.where(AuditRecord.customer_id == customer_id)
    if actor_name is not None:
        query = query.where(AuditRecord.actor == actor_name)
    if since is not None:
        query = query.where(col(AuditRecord.at) >= since)
    if until is not None:
        query = query.where(col(AuditRecord.at) < until)
    with write_session(engine) as session:
        rows = opened(session.connection(), session.exec(query.order_by(col(AuditRecord.seq)).limit(limit)))
        about = {"customer": customer_id} if customer_id is not None else {"operator": actor_name or ""}
        record(session, actor.username, "audit.read", customer_id=customer_id, detail=about)
    return rows


def opened(bind: sa.Connection, rows: Iterable[AuditRecord]) -> list[AuditRecord]:
    """Audit rows as they were written, for reading (`audit show`, a GDPR export): sealed fields
    opened with their keys, `[erased]` where the key is gone. Detached copies: the stored rows
    (what the chain hashes) are never changed."""
    rows = list(rows)
    keys = audit_seal.load_keys(
        bind, audit_seal.key_ids([getattr(row, name) for row in rows for name in audit_seal.SEALED_FIELDS])
    )
    shown = []
    for row in rows:
        values = row.model_dump()
        for name in audit_seal.SEALED_FIELDS:
            values[name] = audit_seal.open_field(values[name], values, name, keys)
        shown.append(AuditRecord(**values))
    return shown


def grant_statements(role: str) -> list[str]:
    """PostgreSQL grants for the console's role: everything it needs, and on the audit log only
    INSERT and SELECT (no UPDATE, DELETE or TRUNCATE)."""
    quoted = '"' + role.replace('"', '""') + '"'
    return [
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON auditlog FROM {quoted}",
        f"GRANT SELECT, INSERT ON auditlog TO {quoted}",
    ]

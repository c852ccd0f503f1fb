"""Everything stored about one person, as JSON-ready data (GDPR art. 15, the right of access).

Every table that points at the customer is read, whatever its owner (a table added later with a
foreign key to `customer` is included without a change here), and the rows that hang off those
(a holding's warranties, a call's e-mail); plus the audit log's rows about them (under their id
or a merged one), opened with their keys (`store.audit.opened`), never the keys themselves.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store import audit
from store.db import read_session, write_session
from store.models import AuditRecord, Customer, every_table
from store.models.base import table_of
from store.models.data import CustomerAlias
from store.policy import Action, Actor, require
from store.relations import INDEX_TABLES, KEY_TABLES, customer_references


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _rows(connection: sa.Connection, query: sa.Select) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in connection.execute(query)]


def subject_access(engine: Engine, customer_id: int, *, actor: Actor) -> dict[str, Any] | None:
    """Everything about `customer_id` by table name; None when there is no such customer."""
    require(actor, Action.SUBJECT_ACCESS)
    customers = table_of(Customer)
    with read_session(engine) as session:
        connection = session.connection()
        profile = _rows(connection, sa.select(customers).where(customers.c.id == customer_id))
        if not profile:
            return None
        found: dict[str, Any] = {"customer": profile[0]}
        for column in customer_references():
            if column.table.name in KEY_TABLES:
                continue
            rows = _rows(connection, sa.select(column.table).where(column == customer_id))
            if rows:
                found.setdefault(column.table.name, []).extend(rows)
        _children(connection, found)
        found["auditlog"] = _audit_rows(session, customer_id)
    with write_session(engine) as session:
        audit.record(session, actor.username, Action.SUBJECT_ACCESS, customer_id=customer_id)
    return found


def _audit_rows(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """The audit log's rows about the person, under their id or one merged into it, oldest first."""
    merged = select(CustomerAlias.old_customer_id).where(CustomerAlias.customer_id == customer_id)
    query = (
        select(AuditRecord)
        .where(sa.or_(col(AuditRecord.customer_id) == customer_id, col(AuditRecord.customer_id).in_(merged)))
        .order_by(col(AuditRecord.seq))
    )
    fields = ("seq", "at", "actor", "action", "customer_id", "target", "detail", "origin")
    rows = audit.opened(session.connection(), session.exec(query))
    return [{name: _plain(getattr(row, name)) for name in fields} for row in rows]


def _children(connection: sa.Connection, found: dict[str, Any]) -> None:
    """Rows of tables pointing at rows already found (warranties of holdings, a call's e-mail)."""
    for table in every_table().sorted_tables:
        if table.name in found or table.name in INDEX_TABLES:
            continue
        for fk in table.foreign_keys:
            parent = fk.column.table.name
            if parent == "customer" or parent not in found or not isinstance(found[parent], list):
                continue
            ids = [row[fk.column.name] for row in found[parent]]
            rows = _rows(connection, sa.select(table).where(fk.parent.in_(ids))) if ids else []
            if rows:
                found.setdefault(table.name, []).extend(rows)

"""The new customers of an import, written by set operations straight from `importstaged`.

A first load of 1,000,000 customers spent most of its apply step reading each staged row back
into Python (JSON, dicts, bind conversion) to hand it to the database again. Here each table gets
ONE `INSERT ... SELECT` that reads the staged JSON in the database (SQLite's json_extract and
json_each, PostgreSQL's jsonb), the database handing out the ids. The rows are the ones
`customer_upsert` would write for a new customer, column for column; the staged rows written are
then removed, leaving the known customers (and the merged ones' old ids) to the per-row upsert.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from store.bulk import lookup_indexes_deferred, new_customer_row
from store.imports.types import ApplyContext
from store.models import Address, AddressKind, Customer, Email, Phone, PhoneKind
from store.models.base import table_of
from store.timeutil import utcnow

_SORT_MEMORY_MB = 256
"""PostgreSQL's work_mem for this transaction only (SET LOCAL): the server's default, 4 MB, sent
each `ORDER BY s.line` of a 100,000-row load to disk."""
_BOOLEAN = frozenset(("consent_voice", "consent_email", "consent_sms", "consent_post", "vip"))
_FROM_PAYLOAD = _BOOLEAN | {"status", "segment", "preferred_language"}
"""Customer columns a mapped extra column sets; absent from the payload, the default stays."""


class _Sql:
    """The dialect's spelling of a staged payload's fields and of its phone list."""

    def __init__(self, dialect: str) -> None:
        self.postgresql = dialect == "postgresql"

    def source(self) -> str:
        """The staged rows of the run, each with its payload readable as `p`."""
        if self.postgresql:  # OFFSET 0: parse each payload once, not once per field it is read for
            return "importstaged s CROSS JOIN LATERAL (SELECT s.payload::jsonb AS p OFFSET 0) j"
        return "importstaged s"

    def text(self, name: str) -> str:
        return f"(j.p ->> '{name}')" if self.postgresql else f"json_extract(s.payload, '$.{name}')"

    def typed(self, name: str, sql_type: str) -> str:
        return f"{self.text(name)}::{sql_type}" if self.postgresql else self.text(name)

    def phones(self) -> str:
        """The phone list as rows (value, position from 0)."""
        if self.postgresql:
            elements = "jsonb_array_elements_text(j.p -> 'phones')"
            return f"CROSS JOIN LATERAL {elements} WITH ORDINALITY AS ph(value, n)"
        return ", json_each(s.payload, '$.phones') AS ph"

    def inserted(self, join: str = "") -> str:
        """FROM the staged rows of the customers just inserted (their ids past `:before`)."""
        customer = "JOIN customer c ON c.external_id = s.key AND c.id > :before"
        return f"FROM {self.source()} {customer} {join} WHERE s.run_id = :run"

    def position(self) -> str:
        return "ph.n - 1" if self.postgresql else "ph.key"


def insert_new_customers(context: ApplyContext, run_id: int) -> set[int]:
    """Insert every staged customer whose external id callpop does not know (nor a merged
    customer's), with phones, e-mail and home address; count them new; unstage them. Returns
    their ids (the ones whose search index must be written)."""
    connection = context.connection
    sql = _Sql(connection.dialect.name)
    if sql.postgresql:  # the file-order sorts of 1,000,000 rows in memory, not in temp files
        connection.exec_driver_sql(f"SET LOCAL work_mem = '{_SORT_MEMORY_MB}MB'")
    before = connection.scalar(sa.select(sa.func.coalesce(sa.func.max(table_of(Customer).c.id), 0)))
    now = utcnow()
    params: dict[str, Any] = {"run": run_id, "before": before, "now": now, "today": context.today}
    types: dict[str, sa.types.TypeEngine[Any]] = {
        "now": table_of(Customer).c.created_at.type,
        "today": table_of(Address).c.valid_from.type,
    }
    inserted = _execute(connection, _customers(sql, params, types, now), params, types).rowcount
    with _deferred_lookups(connection, inserted):
        params["mobile"] = PhoneKind.MOBILE.value
        params["home"] = AddressKind.HOME.value
        _execute(
            connection,
            f"INSERT INTO phone (customer_id, e164, kind, is_primary) "
            f"SELECT c.id, ph.value, :mobile, {sql.position()} = 0 "
            f"{sql.inserted(sql.phones())} "
            f"ORDER BY s.line, {sql.position()}",
            params,
            types,
        )
        email = sql.text("email")
        _execute(
            connection,
            "INSERT INTO email (customer_id, address, is_primary) "
            f"SELECT c.id, {email}, {_true(sql)} {sql.inserted()} AND {email} <> '' ORDER BY s.line",
            params,
            types,
        )
        fields = [sql.text(name) for name in ("street", "city", "postal_code", "country")]
        any_field = " OR ".join(f"{field} <> ''" for field in fields)
        _execute(
            connection,
            "INSERT INTO address (customer_id, kind, line1, line2, city, postcode, region, country, "
            "undeliverable, undeliverable_on, undeliverable_reason, valid_from, valid_to, created_at, "
            "updated_at) "
            f"SELECT c.id, :home, {fields[0]}, '', {fields[1]}, {fields[2]}, '', {fields[3]}, "
            f"{_false(sql)}, NULL, '', :today, NULL, :now, NULL {sql.inserted()} "
            f"AND ({any_field}) ORDER BY s.line",
            params,
            types,
        )
    ids = _inserted_ids(connection, sql, params, types)
    assert len(ids) == inserted  # every inserted customer is found again
    _unstage(connection, inserted, params, types)
    context.tally.new += inserted
    return ids


@contextmanager
def _deferred_lookups(connection: sa.Connection, adding: int) -> Iterator[None]:
    """Phones by number and e-mails by address indexed once after the bulk insert, not row by
    row in random key order (what most of those two inserts' time went to at 1,000,000)."""
    with (
        lookup_indexes_deferred(connection, table_of(Phone), ("ix_phone_e164",), adding),
        lookup_indexes_deferred(connection, table_of(Email), ("ix_email_address",), adding),
    ):
        yield


def _inserted_ids(
    connection: sa.Connection, sql: _Sql, params: dict[str, Any], types: dict[str, Any]
) -> set[int]:
    """The ids of the customers just inserted. On SQLite every id past `:before` (the import holds
    the write lock: nobody else can have added one), without joining 1,000,000 staged keys
    again; on PostgreSQL a console may have created a prospect meanwhile, so by staged key."""
    if sql.postgresql:
        return set(_execute(connection, f"SELECT c.id {sql.inserted()}", params, types).scalars())
    return set(connection.execute(sa.text("SELECT id FROM customer WHERE id > :before"), params).scalars())


def _unstage(connection: sa.Connection, inserted: int, params: dict[str, Any], types: dict[str, Any]) -> None:
    """Remove the staged rows just inserted. When they are every row staged (a first load, and
    no other run waiting: the inserted rows are staged rows of this run, so equal counts mean
    the same rows), one DELETE without WHERE, which SQLite does by dropping the table's pages
    instead of deleting 1,000,000 rows one by one from it and its key index."""
    if connection.scalar(sa.text("SELECT count(*) FROM importstaged")) == inserted:
        connection.execute(sa.text("DELETE FROM importstaged"))
        return
    _execute(
        connection,
        "DELETE FROM importstaged WHERE run_id = :run AND key IN "
        "(SELECT external_id FROM customer WHERE id > :before)",
        params,
        types,
    )


def _customers(sql: _Sql, params: dict[str, Any], types: dict[str, Any], now: Any) -> str:
    """The customer INSERT ... SELECT of the staged rows whose key is new, in file order."""
    table = table_of(Customer)
    columns = {"external_id": "s.key", "birth_date": sql.typed("birth_date", "date")}
    columns["points_expire_on"] = "NULL"
    given, family = sql.text("given_name"), sql.text("family_name")
    columns["given_name"], columns["family_name"] = given, family
    space = "btrim" if sql.postgresql else "trim"
    columns["display_name"] = f"{space}({given} || ' ' || {family}, ' ')"
    for name, value in new_customer_row(now).items():
        if name in ("created_at", "updated_at"):
            columns[name] = ":now"
            continue
        params[f"d_{name}"] = value
        types[f"d_{name}"] = table.c[name].type
        default = f":d_{name}"
        if name in _FROM_PAYLOAD:
            own = sql.typed(name, "boolean") if name in _BOOLEAN else sql.text(name)
            default = f"coalesce({own}, {default})"
        columns[name] = default
    alias = "SELECT 1 FROM customeralias a WHERE a.old_external_id = s.key"
    known = "SELECT 1 FROM customer k WHERE k.external_id = s.key"
    return (
        f"INSERT INTO customer ({', '.join(columns)}) SELECT {', '.join(columns.values())} "
        f"FROM {sql.source()} WHERE s.run_id = :run AND NOT EXISTS ({known}) AND NOT EXISTS ({alias}) "
        "ORDER BY s.line"
    )


def _true(sql: _Sql) -> str:
    return "true" if sql.postgresql else "1"


def _false(sql: _Sql) -> str:
    return "false" if sql.postgresql else "0"


def _execute(
    connection: sa.Connection, statement: str, params: dict[str, Any], types: dict[str, Any]
) -> sa.CursorResult[Any]:
    """`statement` with its parameters converted by their columns' types (dates, enums as stored)."""
    used = {name: value for name, value in params.items() if f":{name}" in statement}
    binds = [sa.bindparam(name, type_=types[name]) for name in used if name in types]
    return connection.execute(sa.text(statement).bindparams(*binds), used)

"""Migration 0008_auth moves the customer-edit trail into the hash-chained audit log."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from store import audit
from store.db import make_engine
from store.migrate import alembic_config, upgrade
from store.models import Role
from store.policy import Actor


def test_existing_edit_rows_move_into_an_intact_chain(tmp_path: Path) -> None:
    """Regression: the old `auditentry` rows would be lost or left outside the chain. You should
    see them, oldest first, as `customer.edit` rows that `verify` accepts, and the old table gone."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007_linear")
    with engine.begin() as connection:
        for n, (field, old, new) in enumerate([("email", "", "a@b.it"), ("mobile", "+391", "+392")]):
            connection.execute(
                sa.text(
                    "INSERT INTO auditentry (at, operator, customer_id, entity, entity_id, field, old_value,"
                    " new_value) VALUES (:at, 'anna', 7, 'phone', 3, :field, :old, :new)"
                ),
                {"at": f"2026-11-2{n} 10:00:00.000000", "field": field, "old": old, "new": new},
            )
    upgrade(engine)
    assert "auditentry" not in sa.inspect(engine).get_table_names()
    assert audit.verify(engine) == (2, None)
    rows = audit.search(engine, Actor("boss", Role.ADMIN), customer_id=7)
    assert [(r.actor, r.action, json.loads(r.detail)["field"]) for r in rows] == [
        ("anna", "customer.edit", "email"),
        ("anna", "customer.edit", "mobile"),
    ]
    assert audit.verify(engine) == (3, None)  # the search above was itself audited, in the chain
    engine.dispose()

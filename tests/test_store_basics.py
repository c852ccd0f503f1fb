"""The foundation of the store: migrations, engine settings, round-trips on both backends."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select

from store.db import make_engine, read_session, write_session
from store.migrate import pending_revisions, table_names
from store.models import Call, Customer
from tests.factories import make_customer


def test_migrated_schema_has_every_table(engine: Engine) -> None:
    assert pending_revisions(engine) == []
    assert {
        "customer",
        "phone",
        "email",
        "address",
        "product",
        "holding",
        "warranty",
        "ticket",
        "interaction",
        "call",
        "operator",
        "campaign",
        "campaigncontact",
    } <= table_names(engine)


def test_customer_round_trip_keeps_accents_and_utc(engine: Engine) -> None:
    created = make_customer(engine, "José", "García Núñez", phones=("+390612345678",))
    with read_session(engine) as session:
        loaded = session.get(Customer, created.id)
    assert loaded is not None
    assert loaded.display_name == "José García Núñez"
    assert loaded.created_at.tzinfo is not None
    assert abs((loaded.created_at - datetime.now(UTC)).total_seconds()) < 60


def test_failed_write_rolls_back(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="boom"), write_session(engine) as session:
        session.add(Call(call_id="c-1", extension="100"))
        session.flush()
        raise RuntimeError("boom")
    with read_session(engine) as session:
        assert session.exec(select(Call)).all() == []


def test_sqlite_pragmas(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_sqlite_concurrent_writers_wait_instead_of_failing(sqlite_engine: Engine) -> None:
    """Regression: a deferred BEGIN fails at once with "database is locked". You should see every
    write from 4 threads x 50 transactions land, none lost and no error."""
    url = sqlite_engine.url.render_as_string(hide_password=False)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        engine = make_engine(url)
        try:
            for i in range(50):
                with write_session(engine) as session:
                    count = session.exec(select(sa.func.count()).select_from(Call)).one()
                    session.add(Call(call_id=f"w{n}-{i}-{count}", extension=str(n)))
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with read_session(sqlite_engine) as session:
        assert session.exec(select(sa.func.count()).select_from(Call)).one() == 200

"""The change feed on both backends: delivery on commit only, topic filtering, resync."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.db import is_sqlite, write_session
from store.notify import ChangeFeed, prune, publish
from tests.conftest import POSTGRES_ONLY


def _publish(engine: Engine, topic: str, key: str) -> None:
    with write_session(engine) as session:
        publish(session, topic, key)


def test_feed_sees_only_its_topics_committed_after_it_started(engine: Engine) -> None:
    _publish(engine, "ring:100", "before")
    with ChangeFeed(engine, {"ring:100", "customer"}) as feed:
        _publish(engine, "ring:100", "c-1")
        _publish(engine, "ring:200", "c-2")
        _publish(engine, "customer", "42")
        events = feed.wait(2.0)
        if len(events) < 2:
            events += feed.wait(2.0)
        assert [(e.topic, e.key) for e in events] == [("ring:100", "c-1"), ("customer", "42")]
        assert events[0].id < events[1].id
        assert events[0].created_at.tzinfo is not None
        assert feed.wait(0.3) == []


def test_rolled_back_event_is_never_delivered(engine: Engine) -> None:
    with ChangeFeed(engine, {"ticket"}) as feed:
        with pytest.raises(RuntimeError), write_session(engine) as session:
            publish(session, "ticket", "T-1")
            raise RuntimeError("writer failed")
        _publish(engine, "ticket", "T-2")
        assert [e.key for e in feed.wait(2.0)] == ["T-2"]


def test_wait_wakes_when_another_thread_publishes(engine: Engine) -> None:
    with ChangeFeed(engine, {"ring:7"}, poll_interval=0.05) as feed:
        feed.wait(0.1)  # settle: the listener (PostgreSQL) is connected after the first wait
        timer = threading.Timer(0.3, _publish, args=(engine, "ring:7", "late"))
        timer.start()
        started = time.monotonic()
        events = feed.wait(10.0)
        timer.join()
    assert [e.key for e in events] == ["late"]
    assert time.monotonic() - started < 9.0, "wait should return when the event lands, not at timeout"


def test_feed_resyncs_after_losing_its_connection(engine: Engine) -> None:
    """Regression: a console whose listening connection dropped must not miss the ring that
    happened meanwhile. You should see the event after the feed reconnects."""
    with ChangeFeed(engine, {"ring:100"}) as feed:
        feed.wait(0.1)
        if is_sqlite(engine):
            feed.close()
        else:
            with engine.connect() as connection:
                killed = connection.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND query LIKE 'LISTEN%' "
                        "AND pid <> pg_backend_pid()"
                    )
                ).all()
            assert killed, "the feed's LISTEN connection should have been found"
        _publish(engine, "ring:100", "while-away")
        deadline = time.monotonic() + 5
        events = []
        while not events and time.monotonic() < deadline:
            events = feed.wait(1.0)
        assert [e.key for e in events] == ["while-away"]


@POSTGRES_ONLY
def test_late_commit_of_a_lower_id_is_still_delivered(engine: Engine) -> None:
    """Regression: on PostgreSQL ids can commit out of order. You should see the earlier id's
    event once its transaction commits, after the later one was already delivered."""
    with ChangeFeed(engine, {"customer"}) as feed:
        slow = write_session(engine)
        session = slow.__enter__()
        publish(session, "customer", "slow")
        _publish(engine, "customer", "fast")
        assert [e.key for e in feed.wait(2.0)] == ["fast"]
        slow.__exit__(None, None, None)
        assert [e.key for e in feed.wait(3.0)] == ["slow"]


def test_prune_removes_only_old_events(engine: Engine) -> None:
    _publish(engine, "call", "old")
    with write_session(engine) as session:
        session.execute(sa.text("UPDATE change_event SET created_at = :t"), {"t": "2000-01-01 00:00:00"})
    _publish(engine, "call", "new")
    with write_session(engine) as session:
        assert prune(session, timedelta(hours=1)) == 1
    with engine.connect() as connection:
        keys = connection.execute(sa.text("SELECT key FROM change_event")).scalars().all()
    assert keys == ["new"]


def test_topic_and_key_are_bounded(engine: Engine) -> None:
    with pytest.raises(ValueError), write_session(engine) as session:
        publish(session, "x" * 81, "k")

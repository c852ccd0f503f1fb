"""The change feed: writers publish inside their transaction, consoles wait for what concerns them.

The `change_event` table is the truth; a row appears exactly when its writer commits. PostgreSQL
also gets `NOTIFY callpop` so a listening console wakes at once, but a notification is only a
hint: a console that lost its connection reads the table from its last seen id and misses
nothing. SQLite has no notifications; a feed polls `PRAGMA data_version` (which changes only
when another connection commits) and reads the table only then.

Ids come from a sequence, so on PostgreSQL a transaction can commit id 7 after id 8 is visible.
A feed remembers such holes for `HOLE_PATIENCE_S` and picks the late row up when it lands.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.db import is_sqlite
from store.models.events import ChangeEventRecord
from store.timeutil import utcnow

CHANNEL = "callpop"
KEEP_FOR = timedelta(days=1)
PRUNE_EVERY = 256
"""Every this many events, the publisher deletes those older than `KEEP_FOR`."""
HOLE_PATIENCE_S = 10.0
"""How long a missing id is awaited: longer than any writer keeps a transaction open."""
MAX_HOLES = 1000
PG_RESYNC_S = 1.0
"""On PostgreSQL the table is re-read at least this often, even without a notification."""
MAX_POLL_S = 0.25

_table = ChangeEventRecord.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ChangeEvent:
    """A committed change, detached from any session."""

    id: int
    topic: str
    key: str
    created_at: datetime


def publish(session: Session, topic: str, key: str) -> None:
    """Record that `key` of `topic` changed, as part of the caller's open write transaction."""
    if not topic or len(topic) > 80 or len(key) > 120:
        raise ValueError(f"change event topic/key too long or empty: {topic[:90]!r}")
    record = ChangeEventRecord(topic=topic, key=key)
    session.add(record)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_notify(:channel, :topic)"), {"channel": CHANNEL, "topic": topic})
    if record.id is not None and record.id % PRUNE_EVERY == 0:
        prune(session)


def prune(session: Session, older_than: timedelta = KEEP_FOR) -> int:
    """Delete events older than `older_than`; returns how many went."""
    result = session.execute(sa.delete(_table).where(_table.c.created_at < utcnow() - older_than))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class ChangeFeed:
    """Blocking reader of the events of some topics, for one thread (a Textual thread worker).

    It starts after the newest event that exists when it is created.
    """

    def __init__(self, engine: Engine, topics: Collection[str], *, poll_interval: float = 0.2) -> None:
        self._engine = engine
        self._topics = frozenset(topics)
        self._poll = min(max(poll_interval, 0.005), MAX_POLL_S)
        self._sqlite = is_sqlite(engine)
        self._raw: Any = None  # SQLite: connection for data_version; PostgreSQL: the LISTEN one
        self._data_version: int | None = None
        self._high = self._newest_id()
        self._holes: dict[int, float] = {}

    def wait(self, timeout: float) -> list[ChangeEvent]:
        """Events of our topics committed since the last call, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if self._maybe_changed():
                events = self._fetch()
                if events:
                    return events
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._sleep(remaining)

    def close(self) -> None:
        """Release the feed's own connection."""
        self._data_version = None  # per connection: a new one starts its own count
        if self._raw is not None:
            try:
                self._raw.close()
            finally:
                self._raw = None

    def __enter__(self) -> ChangeFeed:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- reading the table -------------------------------------------------------------------

    def _newest_id(self) -> int:
        with self._engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.max(_table.c.id))).scalar() or 0)

    def _fetch(self) -> list[ChangeEvent]:
        """New rows since the high-water mark, plus late rows filling remembered holes."""
        now = time.monotonic()
        self._holes = {i: t for i, t in self._holes.items() if now - t < HOLE_PATIENCE_S}
        low = min(self._holes) if self._holes else self._high + 1
        with self._engine.connect() as connection:
            rows = connection.execute(sa.select(_table).where(_table.c.id >= low).order_by(_table.c.id)).all()
        fresh = [row for row in rows if row.id > self._high or self._holes.pop(row.id, None) is not None]
        new_ids = {row.id for row in fresh if row.id > self._high}
        if new_ids:
            top = max(new_ids)
            if top - self._high <= MAX_HOLES:
                for missing in range(self._high + 1, top):
                    if missing not in new_ids:
                        self._holes[missing] = now
            self._high = top
        return [
            ChangeEvent(id=row.id, topic=row.topic, key=row.key, created_at=row.created_at)
            for row in fresh
            if row.topic in self._topics
        ]

    # --- waiting for a change ----------------------------------------------------------------

    def _maybe_changed(self) -> bool:
        """SQLite: did another connection commit since the last look? PostgreSQL: always read."""
        if not self._sqlite or self._holes:
            return True
        if self._raw is None:
            self._raw = self._own_connection()
        cursor = self._raw.cursor()
        try:
            version = int(cursor.execute("PRAGMA data_version").fetchone()[0])
        finally:
            cursor.close()
        changed, self._data_version = version != self._data_version, version
        return changed

    def _own_connection(self) -> Any:
        """A driver connection of the engine's kind, taken out of its pool for good."""
        pooled = self._engine.raw_connection()
        connection = pooled.driver_connection
        pooled.detach()
        return connection

    def _sleep(self, remaining: float) -> None:
        if self._sqlite:
            time.sleep(min(remaining, self._poll))
            return
        self._listen(min(remaining, self._poll if self._holes else PG_RESYNC_S))

    def _listen(self, seconds: float) -> None:
        """Block until a NOTIFY arrives or `seconds` pass; a broken connection is dropped and
        re-opened on the next call (the table read after it is the resync)."""
        import psycopg  # only PostgreSQL feeds need it

        try:
            if self._raw is None:
                self._raw = self._own_connection()
                self._raw.autocommit = True
                self._raw.execute(f"LISTEN {CHANNEL}")
                return  # (re)connected: read the table before sleeping
            for _notify in self._raw.notifies(timeout=seconds, stop_after=1):
                pass
        except (psycopg.Error, sa.exc.DBAPIError):
            self.close()
            time.sleep(min(seconds, self._poll))

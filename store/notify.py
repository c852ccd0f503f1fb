"""The change feed: writers publish inside their transaction, consoles wait for what concerns them.

The `change_event` table is the truth; a row appears exactly when its writer commits. Every event
has a *subject*: `ring:<extension>`, `customer:<id>`, `call:<call_id>`, `ticket:<id>`,
`floor:<session id>` (an operator's presence state, store.presence). PostgreSQL also gets
`NOTIFY callpop, '<subject>'`, so a listening feed wakes only for the subjects it follows (a ring
at another extension, an edit of another customer cost it nothing); a notification is only a
hint: a feed that lost its connection reads the table from its last seen id and misses nothing.
SQLite has no notifications; a feed polls `PRAGMA data_version` (which changes only when another
connection commits) and reads the table only then.

Ids come from a sequence, so on PostgreSQL a transaction can commit id 7 after id 8 is visible.
A feed remembers such holes for `HOLE_PATIENCE_S` and picks the late row up when it lands (its
own notification wakes the feed).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.db import is_sqlite
from store.models.base import table_of
from store.models.events import ChangeEventRecord
from store.timeutil import utcnow

CHANNEL = "callpop"
KEEP_FOR = timedelta(days=1)
PRUNE_EVERY = 256
"""Every this many events, the publisher deletes those older than `KEEP_FOR`."""
HOLE_PATIENCE_S = 10.0
"""How long a missing id is awaited: longer than any writer keeps a transaction open."""
MAX_HOLES = 1000
PG_RESYNC_S = 5.0
"""On PostgreSQL the table is re-read at least this often even without a notification for us,
so the high-water mark keeps up with other consoles' traffic (and the read after a wake is short)."""
MAX_POLL_S = 0.25

_table = table_of(ChangeEventRecord)


def subject_of(topic: str, key: str) -> str:
    """The subject of an event: a ring's topic already names its extension (`ring:100`, the key
    is the call id); other topics name the thing by its key (`customer:42`, `call:c-1`)."""
    return topic if ":" in topic else f"{topic}:{key}"


def customer_subject(customer_id: int) -> str:
    """What a screen showing customer `customer_id` follows."""
    return subject_of("customer", str(customer_id))


def customer_of(subject: str) -> int | None:
    """The customer id a `customer:<id>` subject names, else None."""
    topic, _, key = subject.partition(":")
    return int(key) if topic == "customer" and key.isdigit() else None


def call_subject(call_id: str) -> str:
    """What a screen showing call `call_id` follows."""
    return subject_of("call", call_id)


TICKETS = "ticket"
"""The topic of ticket changes: a queue follows it whole, a review follows `ticket:<id>`."""


def ticket_subject(ticket_id: int) -> str:
    """What a screen showing ticket `ticket_id` follows."""
    return subject_of(TICKETS, str(ticket_id))


FLOOR_TOPIC = "floor"
"""What a floor screen follows (with the whole `call` topic): every console's presence."""


def floor_subject(session_id: int) -> str:
    """The subject of console session `session_id`'s presence changes."""
    return subject_of(FLOOR_TOPIC, str(session_id))


def ring_subject(extension: str) -> str:
    """What the console at `extension` follows to pop its calls."""
    return f"ring:{extension}"


@dataclass(frozen=True)
class ChangeEvent:
    """A committed change, detached from any session."""

    id: int
    topic: str
    key: str
    created_at: datetime

    @property
    def subject(self) -> str:
        return subject_of(self.topic, self.key)


def publish(session: Session, topic: str, key: str) -> None:
    """Record that `key` of `topic` changed, as part of the caller's open write transaction."""
    if not topic or len(topic) > 80 or len(key) > 120:
        raise ValueError(f"change event topic/key too long or empty: {topic[:90]!r}")
    record = ChangeEventRecord(topic=topic, key=key)
    session.add(record)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        payload = subject_of(topic, key)
        session.execute(
            sa.text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
        )
    if record.id is not None and record.id % PRUNE_EVERY == 0:
        prune(session)


def prune(session: Session, older_than: timedelta = KEEP_FOR) -> int:
    """Delete events older than `older_than`; returns how many went."""
    result = session.execute(sa.delete(_table).where(_table.c.created_at < utcnow() - older_than))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class ChangeFeed:
    """Blocking reader of the events of some subjects, for one thread (a Textual thread worker).

    It starts after the newest event that exists when it is created. A followed name is a
    subject (`customer:42`) or a whole topic (`customer`: every customer). `follow` may be
    called from any thread; the next wait uses the new set.
    """

    def __init__(self, engine: Engine, subjects: Collection[str] = (), *, poll_interval: float = 0.2) -> None:
        self._engine = engine
        self._subjects = frozenset(subjects)
        self._poll = min(max(poll_interval, 0.005), MAX_POLL_S)
        self._sqlite = is_sqlite(engine)
        self._raw: Any = None  # SQLite: connection for data_version; PostgreSQL: the LISTEN one
        self._data_version: int | None = None
        self._due = True
        """PostgreSQL: a notification for us arrived (or we reconnected): read the table."""
        self._last_read = 0.0
        self._high = self._newest_id()
        self._holes: dict[int, float] = {}
        self.reads = 0
        """How many times the table was read (what a wake costs); tests and benchmarks look."""

    @property
    def subjects(self) -> frozenset[str]:
        return self._subjects

    def follow(self, subjects: Collection[str]) -> None:
        """Follow exactly `subjects` from now on."""
        self._subjects = frozenset(subjects)

    def wait(self, timeout: float) -> list[ChangeEvent]:
        """Events of our subjects committed since the last call, waiting up to `timeout` seconds."""
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
        """Release the feed's own connection (the next wait opens a new one and resyncs)."""
        self._data_version = None  # per connection: a new one starts its own count
        self._due = True
        if self._raw is not None:
            try:
                self._raw.close()
            except Exception:  # noqa: BLE001  (a broken connection may fail to close; it is dropped)
                pass
            finally:
                self._raw = None

    def __enter__(self) -> ChangeFeed:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _wanted(self, subject: str) -> bool:
        subjects = self._subjects
        return subject in subjects or subject.partition(":")[0] in subjects

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
        self.reads += 1
        self._last_read = now
        fresh = [row for row in rows if row.id > self._high or self._holes.pop(row.id, None) is not None]
        new_ids = {row.id for row in fresh if row.id > self._high}
        if new_ids:
            top = max(new_ids)
            if top - self._high <= MAX_HOLES:
                for missing in range(self._high + 1, top):
                    if missing not in new_ids:
                        self._holes[missing] = now
            self._high = top
        events = [
            ChangeEvent(id=row.id, topic=row.topic, key=row.key, created_at=row.created_at) for row in fresh
        ]
        return [event for event in events if self._wanted(event.subject)]

    # --- waiting for a change ----------------------------------------------------------------

    def _maybe_changed(self) -> bool:
        """SQLite: did another connection commit since the last look? PostgreSQL: did a
        notification for us arrive, or is the periodic resync due?"""
        if not self._sqlite:
            due = self._due or time.monotonic() - self._last_read >= PG_RESYNC_S
            self._due = False
            return due
        if self._holes:
            return True
        try:
            if self._raw is None:
                self._raw = self._own_connection()
            cursor = self._raw.cursor()
            try:
                version = int(cursor.execute("PRAGMA data_version").fetchone()[0])
            finally:
                cursor.close()
        except sqlite3.Error as error:
            self.close()
            raise sa.exc.OperationalError("PRAGMA data_version", None, error) from error
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
        resync_in = max(PG_RESYNC_S - (time.monotonic() - self._last_read), 0.0)
        self._listen(min(remaining, resync_in))

    def _listen(self, seconds: float) -> None:
        """Block until a notification for one of our subjects arrives or `seconds` pass; others
        are read and dropped. A broken connection is dropped and re-opened on the next call (the
        table read after it is the resync)."""
        import psycopg  # only PostgreSQL feeds need it

        deadline = time.monotonic() + seconds
        try:
            if self._raw is None:
                self._raw = self._own_connection()
                self._raw.autocommit = True
                self._raw.execute(f"LISTEN {CHANNEL}")
                self._due = True  # (re)connected: read the table before sleeping
                return
            while (left := deadline - time.monotonic()) > 0:
                for notify in self._raw.notifies(timeout=left, stop_after=1):
                    if self._wanted(notify.payload):
                        self._due = True
                        return
        except (psycopg.Error, sa.exc.DBAPIError):
            self.close()
            time.sleep(min(seconds, self._poll))

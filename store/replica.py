"""Which engine a read goes to: the primary, or a hot standby (read replica) that may lag.

`Engines` is the one owner of that choice. Writes, the change feed and anything read right after
a write (the editing console's reload) use `primary`; reads that may lag a little (search, the
first load of a profile, its extra pages, reports, the queue) go through `read`, which runs them
on `reader`. Without a read URL, `reader` is `primary` and nothing changes.

A standby that cannot be reached must never stop the console: `read` runs the query on the
primary instead, says so once in the log, and leaves the standby alone for `RETRY_AFTER_S`
before trying it again (so an outage costs one connect timeout, not one per keystroke).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.db import make_engine

RETRY_AFTER_S = 30.0
READER_CONNECT_TIMEOUT_S = 3
T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class _Health:
    """When the standby last failed; guarded by a lock (screens read from worker threads)."""

    down_since: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class Engines:
    """The primary and the reader of one console or verb (the same engine without a read URL)."""

    primary: Engine
    reader: Engine
    _health: _Health = field(default_factory=_Health, compare=False, repr=False)

    @classmethod
    def single(cls, engine: Engine) -> Engines:
        """Every read on `engine` (no standby)."""
        return cls(engine, engine)

    @property
    def replicated(self) -> bool:
        return self.reader is not self.primary

    def read(self, query: Callable[[Engine], T]) -> T:
        """`query(reader)`; the primary's answer when the standby cannot be reached."""
        if not self.replicated or self._resting():
            return query(self.primary)
        try:
            result = query(self.reader)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
            self._failed(error)
            return query(self.primary)
        self._answered()
        return result

    def _resting(self) -> bool:
        with self._health.lock:
            since = self._health.down_since
            return since is not None and time.monotonic() - since < RETRY_AFTER_S

    def _failed(self, error: Exception) -> None:
        with self._health.lock:
            first = self._health.down_since is None
            self._health.down_since = time.monotonic()
        if first:
            reason = str(getattr(error, "orig", error)).strip().splitlines()[0:1] or ["no reason"]
            log.warning("read replica unreachable, reading from the primary: %s", reason[0][:200])

    def _answered(self) -> None:
        with self._health.lock:
            was_down, self._health.down_since = self._health.down_since is not None, None
        if was_down:
            log.warning("read replica answers again: reads go back to it")


def make_reader_engine(url: str, *, connections: int | None = None) -> Engine:
    """An engine for a hot standby: every transaction read-only (a write sent to it by mistake
    fails here, not only on a real standby) and a short connect timeout (a standby that is down
    is noticed quickly and the primary takes the read). `connections` caps its pool (make_engine)."""
    if sa.make_url(url).get_backend_name() != "sqlite":
        options = "-c default_transaction_read_only=on"
        return make_engine(
            url,
            connections=connections,
            connect_args={"connect_timeout": READER_CONNECT_TIMEOUT_S, "options": options},
        )
    engine = make_engine(url)

    @sa.event.listens_for(engine, "connect")
    def _query_only(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA query_only=ON")

    return engine

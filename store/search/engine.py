"""The name engine: a tantivy index of `search_name` on disk, the first stage of a name search.

It is a derived cache under the cache dir (one directory per database), never the source of
truth: every customer it proposes is scored again from the database's current name
(`names._score`), so a renamed or erased customer it still holds is dropped there, and the
customers written since its stamp (`search_name.changed`, database time, minus `GRACE` for
transactions in flight) are read from the database beside its answers (`Serving.delta`). Only
a process that takes the directory's lock builds or updates it, in a background thread; the
others reload their reader when the stamp file changes. Missing, corrupt, foreign (another
database) or stale (too many changes since, a rebuilt or restored database) is rebuilt in the
background while searches use the database index alone: a search never waits for it.

An erasure (store.gdpr.erase) must leave no name behind, and an index only deletes a document:
its terms stay in the segment files until a rebuild. So the erasure adds a `search_purge` row in
its own transaction, and an index stamped with an older purge is neither served (the database
index answers) nor folded but rebuilt, on every host at its next search (the newest purge is
read in the same round trip as the delta); the rebuild removes the old build directories. The
erasing process also removes at once the engine under its own cache dir (`remove_engine`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from store.models.search import search_name, search_purge
from store.private import private_dir
from store.search.fold import max_edits

GRACE = 120.0
"""Seconds before a stamp still read from the database: a row written by a transaction that had
begun before the index read its snapshot, and committed after, carries an earlier time."""
FOLD_AT = 200
"""Changes since the stamp from which the lock holder folds them into the index (in background).
So is a delta this long once `GRACE` has passed since the stamp: the rows of its grace (a bulk
load just before a build) would otherwise be re-read by every search until 200 new changes came."""
STALE_AT = 5000
"""Changes since the stamp from which the index is taken as stale (a bulk load, `rebuild_index`):
the database index answers, and the index is rebuilt once it is `GRACE` old. A build sooner would
be stale too: the bulk load's rows would still be in its own grace (a 1M-customer base loaded just
before its first build was rebuilt back to back for two minutes, every search slowed by it)."""
TOP = 200
"""Customers the engine hands to the re-rank."""
EXACT, BEGUN, ONE_TYPO, TWO_TYPOS = 4.0, 3.0, 2.0, 1.0
"""What a word's fit is worth in the engine's order (a constant per kind, summed over the words),
so its top customers are those whose every word fits best: callpop's score re-ranks them."""
BUILD_HEAP = 40_000_000
"""Bytes tantivy's writer buffers before it writes a segment: the build runs inside a console,
whose RSS is what a floor of fifty pays (issue #14)."""
STAMP_FILE = "stamp.json"
FORMAT = 2
"""The layout of an index (another is rebuilt): 2 holds the ids in a fast field, not stored documents."""
BATCH = 50_000

_log = logging.getLogger(__name__)
_root: Path | None = None
_indexes: dict[str, NameIndex] = {}
_registry_lock = threading.Lock()


def use_cache_dir(cache_dir: Path | None) -> None:
    """Keep name engines under `cache_dir` (None: none, searches use the database index alone).
    The engines kept until now are dropped once their background build or fold has ended: one
    left running would go on reading a database its process has stopped searching this way."""
    global _root
    with _registry_lock:
        _root = None if cache_dir is None else Path(cache_dir) / "search"
        dropped = list(_indexes.values())
        _indexes.clear()
    for index in dropped:
        index.wait()


def _clock(dialect: str) -> sa.ColumnElement[Any]:
    """The database's time in epoch seconds, as the trigger of 0020_search_name_changed writes it."""
    if dialect == "postgresql":
        return sa.extract("epoch", sa.func.clock_timestamp())
    return (sa.func.julianday("now") - 2440587.5) * 86400.0


@lru_cache(maxsize=2)
def _state_select(dialect: str) -> sa.CompoundSelect:
    """What a search reads before the engine serves, in one round trip: the newest change, the
    newest purge, the database time, and the customers changed since `:since` (built once a
    dialect: building it took 0.3 ms a search, reading it 0.03 at 1M customers)."""
    n = search_name.c
    since = sa.bindparam("since", type_=sa.Float)
    changed = sa.select(n.customer_id, n.tokens, n.changed).where(n.changed > since).limit(STALE_AT + 1)
    nobody = sa.cast(sa.null(), sa.Integer)  # the rows without a customer
    newest_now = sa.select(nobody, sa.literal("changed"), sa.func.max(n.changed))
    purged = sa.select(nobody, sa.literal("purge"), sa.cast(sa.func.max(search_purge.c.id), sa.Float))
    clock = sa.select(nobody, sa.literal("clock"), sa.cast(_clock(dialect), sa.Float))
    return sa.union_all(newest_now, purged, clock, changed.subquery().select())


def database_time(connection: sa.Connection) -> float:
    return float(connection.execute(sa.select(_clock(connection.dialect.name))).scalar_one())


def record_purge(connection: sa.Connection) -> None:
    """A new purge generation, in the erasing transaction: every engine built before it is
    rebuilt before it serves again. Erasures take turns (on PostgreSQL a lock that reads pass;
    SQLite has one writer), so ids commit in order and a build that saw one saw those before."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("LOCK TABLE search_purge IN EXCLUSIVE MODE"))
    connection.execute(sa.insert(search_purge).values(at=_clock(connection.dialect.name)))


def _key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:20]


def index_for(engine: Engine) -> NameIndex | None:
    """This process's name engine of `engine`'s database, if engines are kept (`use_cache_dir`)."""
    url = engine.url.render_as_string(hide_password=True)
    with _registry_lock:
        if _root is None:
            return None
        if url not in _indexes:
            _indexes[url] = NameIndex(private_dir(private_dir(_root) / _key(url)), url, engine.url)
        return _indexes[url]


def remove_engine(engine: Engine, cache_dir: Path | None) -> None:
    """Delete now the index files of `engine`'s database under `cache_dir` (None: the dir this
    process keeps engines under, if any), and drop this process's reader of them: after an
    erasure, so its name tokens leave this host's disk without waiting for the next search. The
    lock file stays (a builder may hold it); a build already running was read before the purge,
    so it is not served and rebuilt after."""
    url = engine.url.render_as_string(hide_password=True)
    with _registry_lock:
        root = _root if cache_dir is None else Path(cache_dir) / "search"
        kept = _indexes.get(url) if cache_dir is None or root == _root else None
    if kept is not None:
        kept.forget()
    if root is None:
        return
    directory = root / _key(url)
    for path in (directory / "current", *directory.glob("current-*")):
        path.unlink(missing_ok=True)
    for old in directory.glob("build-*"):
        shutil.rmtree(old, ignore_errors=True)


@dataclass(frozen=True)
class Serving:
    """An engine fit to answer: its searcher and the customers written since its stamp."""

    searcher: Any
    schema: Any
    delta: list[tuple[int, str]]  # (customer id, search_name.tokens)

    def candidates(self, words: list[str], typos: int) -> list[int]:
        """The engine's `TOP` customers with every word (exact, begun, or up to `typos` edits)."""
        import tantivy

        clauses = [(tantivy.Occur.Must, self._word(tantivy, word, typos)) for word in words]
        hits = self.searcher.search(tantivy.Query.boolean_query(clauses), TOP, count=False).hits
        return self.searcher.fast_field_values("id", [address for _, address in hits])  # no stored docs read

    def _word(self, tantivy: Any, word: str, typos: int) -> Any:
        q = tantivy.Query
        fits = [
            q.const_score_query(q.term_query(self.schema, "tokens", word), EXACT),
            q.const_score_query(q.fuzzy_term_query(self.schema, "tokens", word, 0, prefix=True), BEGUN),
        ]
        for distance, worth in ((1, ONE_TYPO), (2, TWO_TYPOS)):
            if distance <= min(typos, max_edits(word)):
                fuzzy = q.fuzzy_term_query(self.schema, "tokens", word, distance)
                fits.append(q.const_score_query(fuzzy, worth))
        return q.disjunction_max_query(fits)


class NameIndex:
    """One database's engine in this process: the reader, and the background build or fold."""

    def __init__(self, directory: Path, url: str, engine_url: sa.URL) -> None:
        self.directory = directory
        self.url = url
        self._engine_url = engine_url
        self._lock = threading.Lock()
        self._index: Any = None
        self._schema: Any = None
        self._stamp: dict[str, Any] = {}
        self._stamp_seen: tuple[int, int] | None = None  # mtime of the stamp file the reader reflects
        self._worker: threading.Thread | None = None

    def serving(self, connection: sa.Connection) -> Serving | None:
        """The engine and its delta, or None (with a rebuild started in the background) when it
        is missing, corrupt, foreign or stale."""
        with self._lock:
            self._reload()
            if self._index is None:
                self._start(self._build)
                return None
            index, schema, stamp = self._index, self._schema, self._stamp
        read, newest = stamp["read"], stamp["newest"]
        rows = connection.execute(_state_select(connection.dialect.name), {"since": read - GRACE}).all()
        present, purge, now = (  # one round trip: newest change, newest purge, database time, delta
            next(row[2] for row in rows if row[0] is None and row[1] == kind)
            for kind in ("changed", "purge", "clock")
        )
        delta = [row for row in rows if row[0] is not None]
        if present is not None and newest is not None and present < newest:  # a restored database
            self._stale()
            return None
        if (purge or 0) > stamp["purge"]:  # built before an erasure: its terms still name them
            self._stale()
            return None
        if len(delta) > STALE_AT:
            if now - read >= GRACE:  # a build younger than that would hold the same rows in its grace
                self._stale()
            return None
        if sum(row[2] > read for row in delta) >= FOLD_AT or (len(delta) >= FOLD_AT and now - read >= GRACE):
            with self._lock:  # new changes to fold in; or a grace that is over, still read every search
                self._start(self._fold)
        return Serving(index.searcher(), schema, [(row[0], row[1]) for row in delta])

    def _stale(self) -> None:
        with self._lock:
            self._index = None
            self._start(self._build)

    def forget(self) -> None:
        """Drop the reader (its files are being removed); the next search reopens or rebuilds."""
        with self._lock:
            self._index, self._stamp_seen = None, None

    def _reload(self) -> None:
        """Open (or reopen, when its stamp file changed) the current index; a directory that does
        not open, or whose stamp is not this database's, counts as missing."""
        current = self.directory / "current"
        try:
            status = (current / STAMP_FILE).stat()
            seen = (status.st_ino, status.st_mtime_ns)
        except OSError:
            self._index = None
            return
        if seen == self._stamp_seen and self._index is not None:
            return
        try:
            import tantivy

            stamp = json.loads((current / STAMP_FILE).read_text())
            if stamp.get("url") != self.url or stamp.get("format") != FORMAT or "purge" not in stamp:
                raise ValueError("foreign stamp")
            index = tantivy.Index.open(str(current.resolve() / "index"))
            index.reload()
        except (OSError, ValueError, KeyError):
            self._index = None
            return
        self._index, self._schema, self._stamp, self._stamp_seen = index, index.schema, stamp, seen

    def _start(self, job: Any) -> None:
        """Run `job` in a background thread unless one runs already (called holding `_lock`)."""
        if self._worker is not None and self._worker.is_alive():
            return
        self._worker = threading.Thread(target=self._guarded, args=(job,), name="name-engine", daemon=True)
        self._worker.start()

    def _guarded(self, job: Any) -> None:
        """`job` on its own connection (a console's pool is one), if this process gets the lock;
        a failure is logged and the next search tries again (the database index serves meanwhile)."""
        try:
            with self._writer_lock():
                engine = sa.create_engine(self._engine_url, poolclass=NullPool)
                try:
                    job(engine)
                finally:
                    engine.dispose()
        except BlockingIOError:
            return  # another process holds it: it does the work, this one reloads after
        except (OSError, ValueError, SQLAlchemyError) as error:
            _log.warning("name engine not updated: %s", error)

    def wait(self, timeout: float = 60.0) -> None:
        """Until the background build or fold in this process ends (tests, the benchmark)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        """The directory's one writer, across processes: non-blocking (BlockingIOError if held)."""
        with open(self.directory / "lock", "a") as handle:
            os.chmod(handle.name, 0o600)
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            yield

    def build(self, engine: Engine) -> None:
        """Build the index now, in this thread (`rebuild_index`, the benchmark); waits for the lock."""
        with open(self.directory / "lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            self._build(engine)

    def _build(self, engine: Engine) -> None:
        """A new index of every customer in a fresh directory, swapped in by renaming a symlink."""
        fresh = Path(self.directory / f"build-{os.getpid()}-{time.monotonic_ns()}")
        try:
            self._write_index(engine, fresh)
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        link = self.directory / f"current-{os.getpid()}"
        link.unlink(missing_ok=True)
        link.symlink_to(fresh.name)
        os.replace(link, self.directory / "current")
        for old in self.directory.glob("build-*"):
            if old != fresh:
                shutil.rmtree(old, ignore_errors=True)  # readers elsewhere keep their mapped files

    def _write_index(self, engine: Engine, fresh: Path) -> None:
        import tantivy

        private_dir(private_dir(fresh) / "index")
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", indexed=True, fast=True)
        builder.add_text_field("tokens", stored=False, tokenizer_name="raw", index_option="basic")
        index = tantivy.Index(builder.build(), path=str(fresh / "index"))
        writer = index.writer(heap_size=BUILD_HEAP, num_threads=1)
        with engine.connect() as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            read = database_time(connection)
            newest = connection.execute(sa.select(sa.func.max(search_name.c.changed))).scalar()
            purge = connection.execute(
                sa.select(sa.func.coalesce(sa.func.max(search_purge.c.id), 0))
            ).scalar_one()
            rows = connection.execute(
                sa.select(search_name.c.customer_id, search_name.c.tokens).execution_options(yield_per=BATCH)
            )
            for row in rows:
                writer.add_document(tantivy.Document(id=row.customer_id, tokens=row.tokens.split()))
        writer.commit()
        writer.wait_merging_threads()
        _seal(fresh / "index")
        self._write_stamp(fresh, read, newest, purge)

    def _fold(self, engine: Engine) -> None:
        """Apply the customers written since the stamp to the current index, then move the stamp."""
        import tantivy

        current = (self.directory / "current").resolve()
        try:
            index = tantivy.Index.open(str(current / "index"))
            stamp = json.loads((current / STAMP_FILE).read_text())
        except (OSError, ValueError):
            self._build(engine)
            return
        with engine.connect() as connection, connection.begin():
            read = database_time(connection)
            n = search_name.c
            changed = connection.execute(
                sa.select(n.customer_id, n.tokens).where(n.changed > stamp["read"] - GRACE)
            ).all()
            newest = connection.execute(sa.select(sa.func.max(n.changed))).scalar()
        writer = index.writer(heap_size=15_000_000, num_threads=1)
        for row in changed:
            writer.delete_documents_by_term("id", row.customer_id)
            writer.add_document(tantivy.Document(id=row.customer_id, tokens=row.tokens.split()))
        writer.commit()
        writer.wait_merging_threads()
        _seal(current / "index")
        self._write_stamp(current, read, newest, stamp["purge"])  # a fold deletes documents, not terms

    def _write_stamp(self, directory: Path, read: float, newest: float | None, purge: int) -> None:
        """The stamp file, replaced atomically (a reader sees the old or the new one, whole): the
        database time the index was read at, the newest change it then held (a database whose
        newest is older was restored or replaced), and the newest purge it was built after."""
        stamp = {"format": FORMAT, "url": self.url, "read": read, "newest": newest, "purge": purge}
        temporary = directory / f"{STAMP_FILE}.{os.getpid()}"
        temporary.write_text(json.dumps(stamp))
        os.chmod(temporary, 0o600)
        os.replace(temporary, directory / STAMP_FILE)


def _seal(directory: Path) -> None:
    """tantivy writes its files by the umask: the index holds customer names, so 0600."""
    for path in directory.iterdir():
        if path.is_file():
            os.chmod(path, 0o600)

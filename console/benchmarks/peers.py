"""The engines `callpop bench lookup --compare` measures callpop's name search against, each built
over the same customers' names and asked the same queries in the same process: brute-force
rapidfuzz WRatio over every name (the recall ceiling), tantivy fuzzy terms with and without a
WRatio re-rank, SQLite FTS5 trigram with bm25, and PostgreSQL pg_trgm GIN with similarity order.

They see only names (what a name engine would index): phone kinds are callpop's alone. tantivy is
a main dependency: callpop's own name engine is built on it (store/search/engine.py).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from rapidfuzz import fuzz, process
from sqlmodel import col

from store.models import Customer
from store.search.fold import max_edits, query_words

RERANK = 200
"""Hits of tantivy's BM25 re-ranked by WRatio in its re-ranked variant."""


@dataclass
class Peer:
    """A built engine: `search(text, k)` gives customer ids best first."""

    name: str
    build_s: float
    search: Callable[[str, int], list[int]]
    close: Callable[[], None] = lambda: None


def normalized(text: str) -> str:
    """Names and queries as every peer sees them: callpop's folded words, space-joined."""
    return " ".join(query_words(text))


def load_names(url: str) -> tuple[list[int], list[str]]:
    """Every customer's id and normalised display name."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(col(Customer.id), col(Customer.display_name)).order_by(col(Customer.id))
        ).all()
    engine.dispose()
    return [row.id for row in rows], [normalized(row.display_name) for row in rows]


def brute_force(ids: list[int], names: list[str]) -> Peer:
    def search(text: str, k: int) -> list[int]:
        found = process.extract(normalized(text), names, scorer=fuzz.WRatio, limit=k)
        return [ids[index] for _, _, index in found]

    return Peer("bruteforce_wratio", 0.0, search)


def tantivy_peers(ids: list[int], names: list[str]) -> list[Peer]:
    """A RAM tantivy index of the names; per query word an OR of a fuzzy term (distance 1 up to 4
    letters, else 2: tantivy's maximum) and a prefix term, ranked by BM25."""
    import tantivy

    started = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, fast=True, indexed=False)
    builder.add_text_field("name", stored=False)
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    for customer_id, name in zip(ids, names, strict=True):
        writer.add_document(tantivy.Document(id=customer_id, name=name))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    build_s = time.perf_counter() - started
    by_id = dict(zip(ids, names, strict=True))

    def query(text: str) -> tantivy.Query | None:
        terms = []
        for word in query_words(text):
            distance = min(2, max(1, max_edits(word)))
            terms.append(
                (tantivy.Occur.Should, tantivy.Query.fuzzy_term_query(schema, "name", word, distance))
            )
            terms.append(
                (tantivy.Occur.Should, tantivy.Query.fuzzy_term_query(schema, "name", word, 0, prefix=True))
            )
        return tantivy.Query.boolean_query(terms) if terms else None

    def top(text: str, k: int) -> list[int]:
        parsed = query(text)
        if parsed is None:
            return []
        return [searcher.doc(address)["id"][0] for _, address in searcher.search(parsed, k).hits]

    def reranked(text: str, k: int) -> list[int]:
        found = top(text, RERANK)
        typed = normalized(text)
        return sorted(found, key=lambda customer_id: -fuzz.WRatio(typed, by_id[customer_id]))[:k]

    return [Peer("tantivy_fuzzy", build_s, top), Peer("tantivy_fuzzy_rerank", build_s, reranked)]


def fts5_trigram(ids: list[int], names: list[str], scratch: Path) -> Peer:
    """An SQLite FTS5 table with the trigram tokenizer; a query is the OR of its words' trigrams
    (words under 3 letters have none), ranked by bm25."""
    path = scratch / "bench-peer-fts5.db"
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    connection = sqlite3.connect(path, check_same_thread=False)
    connection.execute("CREATE VIRTUAL TABLE names USING fts5(name, tokenize='trigram')")
    connection.executemany("INSERT INTO names (rowid, name) VALUES (?, ?)", zip(ids, names, strict=True))
    connection.commit()
    build_s = time.perf_counter() - started

    def close() -> None:
        connection.close()
        shutil.rmtree(scratch, ignore_errors=True)

    def search(text: str, k: int) -> list[int]:
        grams = {word[i : i + 3] for word in query_words(text) for i in range(len(word) - 2)}
        if not grams:
            return []
        match = " OR ".join('"' + gram.replace('"', '""') + '"' for gram in sorted(grams))
        rows = connection.execute(
            "SELECT rowid FROM names WHERE names MATCH ? ORDER BY bm25(names) LIMIT ?", (match, k)
        )
        return [row[0] for row in rows]

    return Peer("sqlite_fts5_trigram", build_s, search, close)


def pg_trgm(url: str, ids: list[int], names: list[str]) -> Peer:
    """A table of the names in schema bench_peer of the PostgreSQL base (dropped on close) with a
    pg_trgm GIN index; `name % query` ordered by similarity, on the server's own settings."""
    engine = sa.create_engine(url)
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        connection.exec_driver_sql("DROP SCHEMA IF EXISTS bench_peer CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA bench_peer")
        connection.exec_driver_sql(
            "CREATE TABLE bench_peer.name (id integer PRIMARY KEY, name text NOT NULL)"
        )
        driver = connection.connection.driver_connection
        assert driver is not None, "an open connection has its psycopg connection"
        cursor = driver.cursor()
        with cursor.copy("COPY bench_peer.name (id, name) FROM STDIN") as copy:
            for row in zip(ids, names, strict=True):
                copy.write_row(row)
        connection.exec_driver_sql("CREATE INDEX ON bench_peer.name USING gin (name gin_trgm_ops)")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE bench_peer.name")
    build_s = time.perf_counter() - started
    statement = sa.text(
        "SELECT id FROM bench_peer.name WHERE name % :q ORDER BY similarity(name, :q) DESC LIMIT :k"
    )
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def search(text: str, k: int) -> list[int]:
        return list(connection.execute(statement, {"q": normalized(text), "k": k}).scalars())

    def close() -> None:
        connection.exec_driver_sql("DROP SCHEMA bench_peer CASCADE")
        connection.close()
        engine.dispose()

    return Peer("postgresql_pg_trgm", build_s, search, close)


def build_peers(url: str, ids: list[int], names: list[str]) -> tuple[list[Peer], dict[str, str]]:
    """Every peer this machine can run, and why any other was left out."""
    peers, skipped = [brute_force(ids, names), *tantivy_peers(ids, names)], {}
    peers.append(fts5_trigram(ids, names, Path(tempfile.mkdtemp(prefix="callpop-bench-"))))
    if sa.make_url(url).get_backend_name() == "postgresql":
        peers.append(pg_trgm(url, ids, names))
    else:
        skipped["postgresql_pg_trgm"] = (
            "runs when the base is PostgreSQL (--database postgresql+psycopg://...)"
        )
    return peers, skipped

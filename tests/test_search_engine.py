"""The name engine (store/search/engine.py): the next search sees every write, on this process and
any other, and an index that cannot be trusted is rebuilt while the database index answers."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from console.acting import os_account
from console.cli import main
from store.db import write_session
from store.gdpr.erase import erase_customer
from store.merge import merge_customers
from store.models import Customer, Role
from store.models.search import search_name
from store.private import private_dir
from store.search import engine as name_engine
from store.search import find_customers, rebuild_index, use_name_engines
from store.search.engine import NameIndex, index_for
from tests import test_search_names as by_name
from tests.factories import make_customer
from tests.harness import operator_row
from tests.test_import_customers import ADMIN
from tests.test_search_names import lookalikes, people  # noqa: F401  (fixtures)

PEOPLE = [("Maria", "Rossi"), ("Mario", "Rossini"), ("José", "García López"), ("Henri", "Garcia")]


@pytest.fixture
def index(engine: Engine, tmp_path: Path) -> Iterator[NameIndex]:
    """The engine kept under a fresh cache dir, built over PEOPLE."""
    for given, family in PEOPLE:
        make_customer(engine, given, family)
    use_name_engines(tmp_path / "cache")
    kept = index_for(engine)
    assert kept is not None
    kept.build(engine)
    yield kept
    kept.wait()
    use_name_engines(None)


def names(engine: Engine, query: str) -> list[str]:
    return [m.display_name for m in find_customers(engine, query, region="IT").matches]


def from_engine(engine: Engine, index: NameIndex, query: str) -> list[int]:
    """The engine's own candidates (no delta, no database index)."""
    with engine.connect() as connection:
        serving = index.serving(connection)
    assert serving is not None
    return serving.candidates(query.split(), 2)


def test_a_built_engine_answers(engine: Engine, index: NameIndex) -> None:
    rossi = make_id(engine, "Maria Rossi")
    assert rossi in from_engine(engine, index, "mraia rossi")
    assert names(engine, "Mraia Rossi")[0] == "Maria Rossi"


def make_id(engine: Engine, display_name: str) -> int:
    """The id of the first customer named so."""
    c = Customer.__table__.c  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.min(c.id)).where(c.display_name == display_name)
        ).scalar_one()


def test_a_new_customer_is_found_by_the_next_search(engine: Engine, index: NameIndex) -> None:
    created = make_customer(engine, "Maria", "Rossi")
    assert created.id not in from_engine(engine, index, "maria rossi")  # not in the engine yet
    found = [m.customer_id for m in find_customers(engine, "maria rossi", region="IT").matches]
    assert created.id in found  # beside the engine's Maria Rossi, which alone would settle the search
    assert make_id(engine, "Maria Rossi") in found


def test_a_renamed_customer_is_found_by_the_new_name_only(engine: Engine, index: NameIndex) -> None:
    henri = make_id(engine, "Henri Garcia")
    with write_session(engine) as session:
        customer = session.get(Customer, henri)
        assert customer is not None
        customer.given_name, customer.family_name, customer.display_name = "Maria", "Rossi", "Maria Rossi"
    assert henri in from_engine(engine, index, "henri")  # the engine still holds the old name
    assert henri not in [m.customer_id for m in find_customers(engine, "henri", region="IT").matches]
    assert henri in [m.customer_id for m in find_customers(engine, "maria rossi", region="IT").matches]


def test_an_erased_customer_is_no_longer_found(engine: Engine, index: NameIndex) -> None:
    rossi = make_id(engine, "Maria Rossi")
    erase_customer(engine, rossi, actor=ADMIN, data_dir=None)
    assert rossi not in [m.customer_id for m in find_customers(engine, "maria rossi", region="IT").matches]


def _tokens(engine: Engine, customer_id: int) -> list[str]:
    """The customer's folded name tokens, as the engine indexes them."""
    with engine.connect() as connection:
        tokens = connection.scalar(
            sa.select(search_name.c.tokens).where(search_name.c.customer_id == customer_id)
        )
    assert tokens
    return tokens.split()


def _holding(directory: Path, tokens: list[str]) -> list[str]:
    """What under `directory` still holds one of `tokens`: a file's bytes (as tests/test_gdpr.py
    greps the database file), or an index's term dictionary, which tantivy compresses (a term's
    bytes do not show) and which keeps a deleted document's terms until a rebuild."""
    import tantivy

    files = [path for path in directory.rglob("*") if path.is_file() and not path.is_symlink()]
    found = [
        f"{token} in {path.name}" for path in files for token in tokens if token.encode() in path.read_bytes()
    ]
    for meta in directory.rglob("meta.json"):
        searcher = tantivy.Index.open(str(meta.parent)).searcher()
        found += [f"{token} in {meta.parent}" for token in tokens if searcher.doc_freq("tokens", token)]
    return found


def test_an_erasure_reaches_every_engine(engine: Engine, index: NameIndex, tmp_path: Path) -> None:
    """Regression (#12): an engine keeps an erased name's terms in its files until rebuilt. You
    should see this process's engine removed at once, another host's (a cache dir the eraser
    cannot reach) and another process's view of it not served, and the rebuild naming no one."""
    person = make_customer(engine, "Zenobia", "Quartermaine").id
    assert person is not None
    tokens = _tokens(engine, person)
    make_customer(engine, "Maria", "Rossi")  # the newest change is not theirs (no restore to detect)
    index.build(engine)
    host = NameIndex(private_dir(tmp_path / "host"), index.url, engine.url)
    host.build(engine)
    elsewhere = NameIndex(host.directory, index.url, engine.url)  # another process on that host
    assert person in from_engine(engine, elsewhere, "zenobia quartermaine")
    assert _holding(host.directory, tokens) and _holding(index.directory, tokens)

    erase_customer(engine, person, actor=ADMIN, data_dir=None)

    assert _holding(index.directory, tokens) == []
    assert not _serving(engine, elsewhere)
    assert not _serving(engine, host)
    assert find_customers(engine, "zenobia quartermaine", region="IT").matches == []
    elsewhere.wait()
    host.wait()
    assert person not in from_engine(engine, host, "zenobia quartermaine")
    assert person not in from_engine(engine, elsewhere, "zenobia quartermaine")
    assert _holding(host.directory, tokens) == []


def test_the_erasing_verb_removes_the_engine_under_its_cache_dir(
    database_url: str, engine: Engine, index: NameIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`callpop gdpr erase` keeps no engine: it names its cache dir (console/commands/gdpr.py)."""
    operator_row(engine, os_account(), extension="999", role=Role.ADMIN)
    rossi = make_id(engine, "Maria Rossi")
    tokens = _tokens(engine, rossi)
    monkeypatch.setenv("CALLPOP_CACHE_DIR", str(index.directory.parent.parent))
    use_name_engines(None)  # as the verb's own process
    assert main(["gdpr", "erase", str(rossi), "--yes", "--database", database_url]) == 0
    assert _holding(index.directory, tokens) == []
    assert not (index.directory / "current").exists()


def test_a_merged_customer_is_found_once(engine: Engine, index: NameIndex) -> None:
    keep, other = make_id(engine, "Henri Garcia"), make_id(engine, "José García López")
    merge_customers(engine, keep, other, actor=ADMIN)
    found = [m.customer_id for m in find_customers(engine, "garcia", region="IT").matches]
    assert keep in found
    assert other not in found


def test_another_process_sees_a_write_made_here(engine: Engine, index: NameIndex, tmp_path: Path) -> None:
    created = make_customer(engine, "Maria", "Rossi")
    script = (
        "import sys; from pathlib import Path; from store.db import make_engine;"
        "from store.search import find_customers, use_name_engines;"
        "from store.search.engine import index_for;"
        "use_name_engines(Path(sys.argv[2])); e = make_engine(sys.argv[1]);"
        "index = index_for(e); c = e.connect(); assert index.serving(c) is not None; c.close();"
        "print(*[m.customer_id for m in find_customers(e, 'rossi maria', region='IT').matches])"
    )
    url = engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-c", script, url, str(tmp_path / "cache")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert str(created.id) in done.stdout.split()


def test_changes_are_folded_into_the_engine(
    engine: Engine, index: NameIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(name_engine, "FOLD_AT", 1)
    created = make_customer(engine, "Zoltan", "Kovacs")
    assert names(engine, "zoltan kovacs") == ["Zoltan Kovacs"]  # found by the delta; starts the fold
    index.wait()
    assert created.id in from_engine(engine, index, "zoltan kovacs")


def test_a_grace_that_is_over_is_folded_out_of_every_search(
    engine: Engine, index: NameIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: customers written just before a build stay in the grace of its stamp, and every
    search re-read them all (2,000 customers loaded before a floor's first build cost each search
    20 ms), until 200 new changes made a fold: in a quiet hour, never. You should see the grace
    folded once it is over, and the searches after it read no delta."""
    monkeypatch.setattr(name_engine, "GRACE", 1.0)
    monkeypatch.setattr(name_engine, "FOLD_AT", len(PEOPLE))
    assert len(_delta(engine, index)) == len(PEOPLE)  # written within the grace before the build
    time.sleep(1.2)  # the real clock: the grace is over
    assert names(engine, "maria rossi")[0] == "Maria Rossi"
    index.wait()
    assert _delta(engine, index) == []
    assert make_id(engine, "Maria Rossi") in from_engine(engine, index, "maria rossi")


def test_a_bulk_load_in_the_grace_of_a_build_is_rebuilt_once_the_grace_is_over(
    engine: Engine, index: NameIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a base loaded just before the engine's first build (a 1M-customer import, the
    lookup benchmark's fresh base) held more rows in the build's grace than a stale index may lag
    by, so every search rebuilt it, each rebuild as stale as the last, back to back until the grace
    was over; every search meanwhile was 10x slower. You should see the database index answer,
    no rebuild while the build is younger than the grace, then one rebuild that serves."""
    monkeypatch.setattr(name_engine, "GRACE", 1.0)
    monkeypatch.setattr(name_engine, "STALE_AT", len(PEOPLE) - 1)  # PEOPLE were loaded just before
    built = _current(index)
    for _ in range(3):
        assert not _serving(engine, index)
        assert names(engine, "maria rossi")[0] == "Maria Rossi"  # the database index
        index.wait()
        assert _current(index) == built
    time.sleep(1.2)  # the real clock: the build's grace is over
    assert not _serving(engine, index)  # stale still: this starts the rebuild
    index.wait()
    assert _current(index) != built and _serving(engine, index)


def _delta(engine: Engine, index: NameIndex) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        serving = index.serving(connection)
    assert serving is not None
    return serving.delta


def _serving(engine: Engine, index: NameIndex) -> bool:
    with engine.connect() as connection:
        return index.serving(connection) is not None


def _current(index: NameIndex) -> Path:
    return (index.directory / "current").resolve()


def test_a_corrupt_index_is_rebuilt_while_the_database_answers(engine: Engine, index: NameIndex) -> None:
    for path in (_current(index) / "index").iterdir():
        path.write_bytes(b"\0garbage")
    index._stamp_seen = None  # as a process starting on the damaged directory
    assert names(engine, "mraia rossi")[0] == "Maria Rossi"  # the database index, not waiting
    index.wait()
    assert _serving(engine, index)
    assert make_id(engine, "Maria Rossi") in from_engine(engine, index, "maria rossi")


@pytest.mark.parametrize("field", ["url", "newest"])
def test_a_foreign_or_restored_stamp_is_rebuilt(engine: Engine, index: NameIndex, field: str) -> None:
    stamp_file = _current(index) / name_engine.STAMP_FILE
    stamp = json.loads(stamp_file.read_text())
    stamp[field] = "sqlite:///elsewhere.db" if field == "url" else 1e12  # a change the database lacks
    stamp_file.write_text(json.dumps(stamp))
    assert not _serving(engine, index)
    assert names(engine, "maria rossi")[0] == "Maria Rossi"
    index.wait()
    assert _serving(engine, index)


def test_rebuild_index_rebuilds_the_engine(engine: Engine, index: NameIndex) -> None:
    before = _current(index)
    rebuild_index(engine)
    assert _current(index) != before
    assert _serving(engine, index)


def test_no_engine_yet_means_the_database_index(engine: Engine, tmp_path: Path) -> None:
    make_customer(engine, "Maria", "Rossi")
    use_name_engines(tmp_path / "cache")
    try:
        kept = index_for(engine)
        assert kept is not None
        assert names(engine, "mraia rossi") == ["Maria Rossi"]  # the build runs in the background
        kept.wait()
        assert _serving(engine, kept)
        modes = {p.stat().st_mode & 0o777 for p in kept.directory.rglob("*") if not p.is_symlink()}
        assert modes <= {0o600, 0o700}
    finally:
        use_name_engines(None)


def _cases(test: object) -> list[tuple[str, str]]:
    """The (query, expected) cases of a test of tests/test_search_names.py."""
    return next(mark.args[1] for mark in test.pytestmark if mark.name == "parametrize")  # type: ignore[attr-defined]


@pytest.fixture
def engine_on(tmp_path: Path) -> Iterator[Path]:
    use_name_engines(tmp_path / "cache")
    yield tmp_path
    use_name_engines(None)


def _built(engine: Engine) -> Engine:
    kept = index_for(engine)
    assert kept is not None
    kept.build(engine)
    with engine.connect() as connection:
        assert kept.serving(connection) is not None
    return engine


@pytest.mark.parametrize(("query", "expected"), _cases(by_name.test_typos_accents_order_prefixes_particles))
def test_the_engine_finds_what_the_database_index_finds(
    people: Engine,  # noqa: F811  (the fixture of tests/test_search_names.py)
    engine_on: Path,
    query: str,
    expected: str,
) -> None:
    assert names(_built(people), query)[0] == expected


@pytest.mark.parametrize(("query", "expected"), _cases(by_name.test_every_word_misspelt))
def test_the_engine_finds_every_word_misspelt(
    lookalikes: Engine,  # noqa: F811  (the fixture of tests/test_search_names.py)
    engine_on: Path,
    query: str,
    expected: str,
) -> None:
    found = find_customers(_built(lookalikes), query, region="IT").matches
    assert found[0].display_name == expected
    assert "typo" in found[0].reason


def test_a_console_engine_searches_from_the_name_engine_under_its_cache_dir(tmp_path: Path) -> None:
    """Regression: `callpop run` opened its engine without the name engine, so the real console
    searched the database index alone while `make_app`'s own default, the tests and the benchmarks
    had it. Every console now opens through `open_console_engine`: you should see this process's
    name engine for that database under the settings' cache dir, not elsewhere."""
    from console.config import Settings
    from console.database import open_console_engine

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'console.db'}",
        data_dir=tmp_path / "data",
        cache_dir=tmp_path / "cache",
    )
    engine = open_console_engine(settings, quiet=True)
    try:
        kept = index_for(engine)
        assert kept is not None
        assert kept.directory.is_relative_to(tmp_path / "cache")
    finally:
        use_name_engines(None)
        engine.dispose()


def _postings_read(engine: Engine, query: str) -> tuple[list[str], int]:
    """The names found for `query`, and how many statements read the database index's postings."""
    statements: list[str] = []
    listener = lambda _conn, _cursor, statement, *_rest: statements.append(statement)  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        found = names(engine, query)
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return found, sum("search_posting" in statement for statement in statements)


def test_a_beginning_the_engine_answered_in_full_is_not_searched_again(
    engine: Engine, index: NameIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a query whose best hit only began the name ("Mari Rossi", the last letter not
    typed yet) was searched again through the database index's levels, as if the engine's answer
    were 200 of thousands such names (8-25 ms at 1M customers instead of 3). You should see the engine's
    answer stand when it holds fewer than its `TOP`, and the database index read when it held
    `TOP` (here 1)."""
    found, reads = _postings_read(engine, "Mari Rossi")
    assert (found[:1], reads) == (["Maria Rossi"], 0)
    monkeypatch.setattr(name_engine, "TOP", 1)
    monkeypatch.setattr("store.search.names.TOP", 1)
    found, reads = _postings_read(engine, "Mari Rossi")
    assert found[:1] == ["Maria Rossi"] and reads > 0

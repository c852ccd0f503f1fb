"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, hostile strings, a seat.

Every store test takes `engine` and so runs twice: on a SQLite file and on a PostgreSQL database
of its own (created per test session, so parallel runs never share one). The PostgreSQL leg runs
when CALLPOP_TEST_POSTGRES_URL is set and skips, saying why, when it is not.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.db import make_engine
from store.migrate import upgrade
from store.search import install_index_hook, use_name_engines

POSTGRES_URL_VAR = "CALLPOP_TEST_POSTGRES_URL"
POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
"""For a test of what only PostgreSQL has (killed backends, ids committing out of order)."""
HOSTILE_FILE = Path(__file__).parent / "data" / "hostile-strings.json"


@pytest.fixture(autouse=True, scope="session")
def _search_index_hook() -> None:
    """Customer writes in tests keep the search index current, as through `open_engine`."""
    install_index_hook()


@pytest.fixture(autouse=True, scope="session")
def _steady_cursors() -> Iterator[None]:
    """A focused input shows its cursor, steadily: a blinking one is drawn or not depending on
    when the screenshot is taken, and a snapshot must not depend on the clock (blinking itself
    is checked as a setting, `cursor_blink`, and by the low-bandwidth console's bytes)."""
    from textual.widgets import Input, TextArea

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Input, "_toggle_cursor", lambda self: None)
        patch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)
        yield


@pytest.fixture
def snap_compare(snap_compare: Callable[..., bool]) -> Callable[..., bool]:
    """pytest-textual-snapshot's `snap_compare`, capturing only once every DataTable on screen has
    measured its rows and no widget waits for a layout. Textual sizes a table's columns on an
    idle after rows are added, so a loaded machine could capture columns as wide as their headers
    (a ticket queue snapshot failed so in CI); and a text updated just before the capture could
    be drawn at its old height (the merge screen's two-line heads in one, 1 run in 3). The keys
    of `press` are typed before that wait, not after it."""
    from textual.pilot import Pilot
    from textual.widgets import DataTable

    from tests.harness import until

    def measured(pilot: Pilot[None]) -> bool:
        screen = pilot.app.screen
        tables = screen.query(DataTable)
        if any(table._require_update_dimensions or table._updated_cells for table in tables):
            return False
        return not (screen._layout_required or any(w._layout_required for w in screen.walk_children()))

    def compare(
        app: Any,
        press: Iterable[str] = (),
        terminal_size: tuple[int, int] = (80, 24),
        run_before: Callable[[Pilot[None]], Awaitable[None] | None] | None = None,
    ) -> bool:
        async def settled(pilot: Pilot[None]) -> None:
            if run_before is not None and inspect.isawaitable(result := run_before(pilot)):
                await result
            await pilot.pause()
            await pilot.press(*press)
            await until(pilot, lambda: measured(pilot))
            await pilot.pause()

        return snap_compare(app, terminal_size=terminal_size, run_before=settled)

    return compare


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's own config file or writes into their data dir."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CALLPOP_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("CALLPOP_SYSTEM_CONFIG", str(home / "system-config.toml"))
    monkeypatch.setenv("CALLPOP_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("CALLPOP_CACHE_DIR", str(home / "cache"))
    for name in (
        "CALLPOP_DATABASE_URL",
        "CALLPOP_OPERATOR",
        "CALLPOP_EXTENSION",
        "CALLPOP_API_TOKEN",
        "CALLPOP_WEBHOOKS_FILE",
        "CALLPOP_FORCED_SESSION",
        "SSH_ORIGINAL_COMMAND",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _english_console(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts in English, whatever the developer's LANG, and leaves English behind
    (the console language is process-wide: a test that switches it must not leak)."""
    from screens.i18n import set_language

    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.delenv("CALLPOP_LANGUAGE", raising=False)
    set_language("en")
    yield
    set_language("en")


@pytest.fixture(autouse=True)
def _no_name_engines() -> Iterator[None]:
    """Every test leaves the name engines off (process-wide, switched on by opening a console:
    `callpop run` in-process left them on, and a later test's searches then read the worker's
    PostgreSQL database through an engine while its migration test had downgraded it)."""
    yield
    use_name_engines(None)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file that each test copies (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


_TO_DROP: list[str] = []
"""PostgreSQL databases made by this test process, dropped when it ends (`_drop_databases`)."""


@pytest.fixture(scope="session", autouse=True)
def _drop_databases() -> Iterator[None]:
    """Drop every database `new_postgres_database` made, once the session is over. Each DROP
    DATABASE waits for a checkpoint, which on a busy server flushes every dirty buffer (48 s
    seen in CI for one drop): one after another at the end, only the first has much to flush."""
    yield
    base_url = os.environ.get(POSTGRES_URL_VAR)
    if not (_TO_DROP and base_url):
        return
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in _TO_DROP:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@contextmanager
def new_postgres_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database of its own, whose connections are ended
    afterwards and which is dropped at the end of the session (skips the test when the
    PostgreSQL leg is off)."""
    base_url = os.environ.get(POSTGRES_URL_VAR)
    if not base_url:
        pytest.skip(f"PostgreSQL leg: set {POSTGRES_URL_VAR} to run it")
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    _TO_DROP.append(name)
    try:
        yield sa.make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:  # what the test left connected stops here, as a drop would
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped at the end."""
    with new_postgres_database("callpop_test") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


def _truncate_all(engine: Engine) -> None:
    tables = [name for name in sa.inspect(engine).get_table_names() if name != "alembic_version"]
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "TRUNCATE " + ", ".join(f'"{name}"' for name in tables) + " RESTART IDENTITY CASCADE"
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "callpop.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_database_url")
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on an empty, migrated database (both backends)."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty, migrated SQLite file, for UI tests that need one backend only."""
    path = tmp_path / "callpop.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def load_hostile_strings() -> list[dict[str, str]]:
    """The shared attack strings plus callpop's own additions."""
    return json.loads(HOSTILE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(params=[entry["value"] for entry in load_hostile_strings()], ids=lambda v: repr(v[:24]))
def hostile(request: pytest.FixtureRequest) -> str:
    """Each hostile string in turn."""
    return str(request.param)

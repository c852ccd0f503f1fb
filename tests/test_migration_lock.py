"""Read-only verbs never migrate; the console and `db upgrade` migrate under a lock, so two of
them starting together on a new database do not race. Both databases."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from console.cli import main
from store.db import make_engine
from store.migrate import _revision_graph, alembic_config, pending_revisions, upgrade
from tests.conftest import new_postgres_database

BARRIER_RUNNER = """
import sys
from console.cli import main
print("ready", flush=True)
sys.stdin.readline()  # the test releases every process at once
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def unmigrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all: an empty SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "new.db"
        path.touch()
        yield f"sqlite:///{path}"
        return
    with new_postgres_database("callpop_unmigrated") as url:
        yield url


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "argv", [["find", "Rossi"], ["offers", "list"], ["offers", "for", "1"]], ids=lambda argv: " ".join(argv)
)
def test_read_only_verbs_never_migrate(
    argv: list[str], unmigrated_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: `find` and `offers list` migrated the database they were pointed at (a write,
    behind the admin's back). You should see one line saying to run `callpop db upgrade`, and the
    database still without a table."""
    assert main([*argv, "--database", unmigrated_url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "run `callpop db upgrade`" in err
    assert _tables(unmigrated_url) == set()


@pytest.mark.parametrize("argv", [["find", "Rossi"], ["config"], ["journal", "status"], ["db", "status"]])
def test_read_only_verbs_create_no_database_file(argv: list[str], tmp_path: Path) -> None:
    """Regression: a read-only verb pointed at a missing SQLite file created it (and its folder).
    You should see no file made."""
    missing = tmp_path / "nowhere" / "callpop.db"
    main([*argv, "--database", f"sqlite:///{missing}"])
    assert not missing.parent.exists()


def test_two_migrations_starting_together_do_not_race(unmigrated_url: str) -> None:
    """Regression: two consoles (or `db upgrade`s) starting together on a new database both ran
    the migrations: "table already exists" or "database is locked" for one of them. You should see
    one migrate and the other wait for its lock, then find nothing to do."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", BARRIER_RUNNER, "db", "upgrade", "--database", unmigrated_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    results = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], results
    outputs = sorted(out.strip().split(":")[0] for out, _err in results)
    assert outputs == ["already up to date", "applied"], results
    engine = make_engine(unmigrated_url)
    with engine.connect() as connection:
        versions = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    assert len(versions) == 1 and pending_revisions(engine) == []
    engine.dispose()


def test_read_only_verbs_know_the_revisions_alembic_knows() -> None:
    """`find` reads the revision ids from the migration files' text, without Alembic: you should
    see each revision and what it follows exactly as Alembic reads them."""
    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    follows = {rev.revision: rev.down_revision for rev in script.walk_revisions()}
    expected = {rev: (down,) if isinstance(down, str) else tuple(down or ()) for rev, down in follows.items()}
    assert _revision_graph() == expected


UPGRADE_AGAIN = """
import sys
from store.db import make_engine
from store.migrate import upgrade
print(upgrade(make_engine(sys.argv[1])), "alembic" in sys.modules)
"""


def test_a_console_starting_on_a_current_schema_does_not_load_alembic(unmigrated_url: str) -> None:
    """Every console migrates as it starts; on a schema already current, asking Alembic what is
    pending loaded it, with Mako and Pygments' lexers, and they stayed: 12.7 MB of each console's
    memory. You should see nothing applied and Alembic not loaded, after a first upgrade that
    applied everything."""
    engine = make_engine(unmigrated_url)
    try:
        assert sorted(upgrade(engine)) == sorted(_revision_graph())
    finally:
        engine.dispose()
    again = subprocess.run(
        [sys.executable, "-c", UPGRADE_AGAIN, unmigrated_url], capture_output=True, text=True, timeout=120
    )
    assert again.stdout.split() == ["[]", "False"], again.stderr

"""Private by default: the data dir 0700 and every file callpop writes 0600, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from console.config import Settings
from console.database import open_engine
from store.migrate import upgrade
from store.wrapup import WrapUpForm
from store.wrapup.drafts import Draft, save_draft
from store.wrapup.local_file import LOCAL_FILE


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The loosest umask a careless login shell could have."""
    old = os.umask(0)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_wal_shm_drafts_and_journal_are_0600_under_umask_0(tmp_path: Path, open_umask: None) -> None:
    """Regression: the data files were world-readable (0644 under the usual umask, 0666 under 0).
    You should see the data dir 0700 and the database, its -wal/-shm, the drafts and journal 0600."""
    data_dir = tmp_path / "data"
    engine = open_engine(Settings(data_dir=data_dir))
    with engine.begin() as connection:
        connection.execute(sa.text("SELECT 1"))
    save_draft(data_dir, Draft("c-1", "anna", None, datetime.now(UTC), WrapUpForm(notes="x")))
    written = sorted(p.name for p in data_dir.iterdir())
    assert {"callpop.db", "callpop.db-wal", "callpop.db-shm", LOCAL_FILE, f"{LOCAL_FILE}-wal"} <= set(written)
    assert _mode(data_dir) == 0o700
    assert {name: _mode(data_dir / name) for name in written} == dict.fromkeys(written, 0o600)
    engine.dispose()


def test_existing_loose_files_are_tightened(tmp_path: Path, open_umask: None) -> None:
    """Regression: files made by an older version stay world-readable. You should see them 0600."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    db = data_dir / "callpop.db"
    db.touch(mode=0o644)
    engine = open_engine(Settings(data_dir=data_dir))
    upgrade(engine)
    assert (_mode(data_dir), _mode(db)) == (0o700, 0o600)
    engine.dispose()


def test_a_folder_someone_else_chose_keeps_its_mode(tmp_path: Path, open_umask: None) -> None:
    shared = tmp_path / "srv"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    engine = open_engine(Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{shared / 'c.db'}"))
    assert (_mode(shared), _mode(shared / "c.db")) == (0o755, 0o600)
    engine.dispose()

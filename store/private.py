"""Files callpop writes are its operator's alone: folders 0700, files 0600, whatever the umask.

SQLite creates a database's -wal and -shm files with the database file's own mode, so creating
the database 0600 before SQLite opens it keeps all three private.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed; `path` itself ends up 0700. Only for callpop's own
    folders (the data dir): a folder someone else chose is never re-moded."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty if missing; it, and SQLite's companion files if present, are 0600."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE))
    for candidate in (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)):
        if candidate.exists():
            os.chmod(candidate, FILE_MODE)
    return path


def private_sqlite_file(path: Path) -> Path:
    """The database file of a SQLite store, before SQLite opens it. A folder it has to create is
    0700; an existing one (say /srv/callpop, chosen by an admin) keeps its mode."""
    if not path.parent.exists():
        private_dir(path.parent)
    return private_file(path)

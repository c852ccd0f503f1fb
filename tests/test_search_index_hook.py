"""Who keeps the search index current: `store.search` registers its flush hook where the engine
is opened, not the models on import (that was the one import cycle, models -> search -> models)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sqlalchemy as sa
from sqlalchemy.orm import Session

import store.models
from store.search import sync
assert not sa.event.contains(Session, "after_flush", sync._after_flush), "importing models installed it"

from console.config import Settings
from console.database import open_engine
from store.db import write_session
from store.models import Customer
from store.search import find_customers

engine = open_engine(Settings(data_dir=sys.argv[1]), quiet=True)
with write_session(engine) as session:
    session.add(Customer(external_id="H1", given_name="Zebedee", family_name="Quill",
                         display_name="Zebedee Quill"))
print(",".join(m.display_name for m in find_customers(engine, "zebedee quill", region="IT").matches))
"""


def test_the_models_install_no_hook_and_open_engine_does(tmp_path: Path) -> None:
    """Regression: importing `store.models` registered the search hook (and imported
    `store.search.sync` back). You should see no hook after importing the models alone, and a
    customer written through `open_engine` found by name at once."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys\n" + SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "Zebedee Quill"

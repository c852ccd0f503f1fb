"""A console imports a supervisor's screens, and the crash report's code, only when they are used
(issue #14: RSS per console). Run in a fresh process: this test process has imported them all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import Engine

from store.models import Role
from tests.harness import operator_row

LAZY = (
    "screens.reports",  # with plotext and textual_plotext
    "plotext",
    "screens.merge",  # with the import machinery and pycountry
    "store.imports",
    "pycountry",
    "screens.floor",
    "screens.ticket_queue",
    "screens.ticket_review",
    "screens.returned_mail",
    "rich.traceback",  # with pygments and rich.pretty
    "pygments",
)
"""What an operator's console never uses in a session, each left out of its RSS until used."""

SESSION = """
import asyncio, json, sys
from pathlib import Path
from store.db import make_engine
from store.models import Role
from tests.harness import console, until

LAZY = json.loads(sys.argv[2])

async def main():
    engine = make_engine(sys.argv[1])
    app = console(engine, Path(sys.argv[3]), role=Role.SUPERVISOR)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(app.screen_stack) > 1)
        await pilot.press("a", "n", "n")  # a lookup
        await pilot.pause(0.5)
        at_home = [name for name in LAZY if name in sys.modules]
        await pilot.press("escape", "f10")
        await until(pilot, lambda: type(app.screen).__name__ == "ReportsScreen")
        reports = [name for name in LAZY if name in sys.modules]
    engine.dispose()
    print(json.dumps({"at_home": at_home, "after_f10": reports}))

asyncio.run(main())
"""


def test_a_console_imports_the_supervisor_screens_when_opened(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    """Regression: every console imported the reports (plotext), the merge (the import machinery,
    pycountry), the other supervisor screens and rich.traceback at start: ~6 MB of an operator's
    RSS for screens it never opens. You should see none of them after start-up and a lookup, and
    the reports imported once F10 opens them."""
    operator_row(engine, "anna", role=Role.SUPERVISOR)
    done = subprocess.run(
        [sys.executable, "-c", SESSION, database_url, json.dumps(LAZY), str(tmp_path)],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert imported["at_home"] == []
    assert {"screens.reports", "plotext"} <= set(imported["after_f10"])

"""A console imports a supervisor's screens, the crash report's code and rich's emoji table only
when they are used (issue #14: RSS per console). Run in fresh processes: this test process has
imported them all."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine

from store.models import Role
from tests.harness import child_json, operator_row
from tests.test_offers_panel import _customer_with_washer
from tests.test_offers_rules import load_offers, offer_toml

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
    imported = child_json(SESSION, database_url, json.dumps(LAZY), str(tmp_path))
    assert imported["at_home"] == []
    assert {"screens.reports", "plotext"} <= set(imported["after_f10"])


OFFERS = """
import asyncio, json, sys
from pathlib import Path
from store.db import make_engine
from tests.harness import ScreenHarness, seat
from tests.test_offers_panel import PanelHost
from screens.widgets.offers_panel import OffersPanel

async def main():
    engine = make_engine(sys.argv[1])
    app = ScreenHarness(seat(engine, Path(sys.argv[2])), PanelHost(int(sys.argv[3]), "call-7"))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        listed = [s.offer_code for s in app.screen.query_one(OffersPanel).suggestions]
    engine.dispose()
    print(json.dumps({"listed": listed, "emoji": ["rich._emoji_codes" in sys.modules]}))

asyncio.run(main())
"""


def test_the_offers_panel_leaves_the_emoji_table_out(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    """Regression: the offers panel gave its table str headers, which DataTable parses as markup
    with emoji codes: every console that listed an offer imported rich's 1.4 MB emoji table. You
    should see the offers listed and the table not imported."""
    load_offers(engine, offer_toml("WARRANTY", rule="{ warranty_expires_within_days = 30 }", value=300.0))
    customer = _customer_with_washer(engine)
    shown = child_json(OFFERS, database_url, str(tmp_path), str(customer.id))
    assert shown == {"listed": ["WARRANTY"], "emoji": [False]}

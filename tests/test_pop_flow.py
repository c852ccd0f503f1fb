"""The screen pop end to end: a ring POSTed to the real HTTP API pops the headless console at
that extension (profile, pick list, lookup), on SQLite and on PostgreSQL.

The console is the real one (`make_app`), except that the customer 360 is replaced by a bare
screen that records whom it shows: these tests are about who pops, and the profile screen has
its own tests (and the pop benchmark paints the real one).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.binding import Binding
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Static

import console.app
from console.api import make_api, serve_in_background
from console.app import CallpopApp, make_app
from console.config import Settings
from screens.lookup import LookupScreen
from screens.pick_caller import PickCallerScreen
from screens.widgets.match_table import MatchTable
from store.search import find_by_phone
from tests.conftest import POSTGRES_ONLY
from tests.factories import make_customer
from tests.harness import sign_in

TOKEN = "pop-test-token"
POP_TIMEOUT_S = 10.0


@pytest.fixture
def api_url(engine: Engine) -> Iterator[str]:
    """`POST /calls` of a real uvicorn server on a free local port, serving `engine`."""
    with serve_in_background(make_api(engine, TOKEN)) as base_url:
        yield f"{base_url}/calls"


class ProfileStandIn(Screen[None]):
    """Stands in for the customer 360: remembers which customer and call it was opened for."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="stand_in.back")]

    def __init__(self, customer_id: int, *, call_id: str | None = None, preloaded: object = None) -> None:
        super().__init__()
        self.customer_id, self.call_id = customer_id, call_id


@pytest.fixture(autouse=True)
def _profile_stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console.app, "ProfileScreen", ProfileStandIn)


def _console(engine: Engine, tmp_path: Path, extension: str = "100") -> CallpopApp:
    settings = Settings(operator="anna", extension=extension, default_region="IT", data_dir=tmp_path)
    return make_app(settings, engine=engine, signed_in=sign_in(engine, "anna", extension=extension))


async def _start(app: CallpopApp, pilot: Pilot[None]) -> None:
    await _until(pilot, app.pop_ready.is_set, "the pop watcher did not start")


async def _until(pilot: Pilot[None], condition: Callable[[], bool], failure: str) -> None:
    deadline = time.monotonic() + POP_TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, failure
        await pilot.pause(0.02)


async def _post(url: str, **body: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(url, json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 201, response.text


def _ring(call_id: str, caller: str, extension: str = "100", **extra: str) -> dict[str, str]:
    return {"call_id": call_id, "caller": caller, "extension": extension, "channel": "voice", **extra}


async def test_one_match_pops_the_profile(engine: Engine, tmp_path: Path, api_url: str) -> None:
    rossi = make_customer(engine, "Maria", "Rossi", phones=("+390612345678",))
    make_customer(engine, "Mario", "Bianchi", phones=("+390698765432",))
    app = _console(engine, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(app, pilot)
        await _post(api_url, **_ring("c-1", "06 1234 5678"))
        await _until(pilot, lambda: isinstance(app.screen, ProfileStandIn), "no profile popped")
        assert (app.screen.customer_id, app.screen.call_id) == (rossi.id, "c-1")


async def test_shared_line_offers_a_pick_list(engine: Engine, tmp_path: Path, api_url: str) -> None:
    make_customer(engine, "Paolo", "Conti", phones=("+390611112222",), city="Roma")
    make_customer(engine, "Chiara", "Conti", phones=("+390611112222",), city="Roma")
    app = _console(engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(app, pilot)
        await _post(api_url, **_ring("c-2", "+39 06 1111 2222"))
        await _until(pilot, lambda: isinstance(app.screen, PickCallerScreen), "no pick list")
        await pilot.pause()
        table = app.screen.query_one(MatchTable)
        names = [table.get_row_at(i)[0].plain for i in range(table.row_count)]
        assert sorted(names) == ["Chiara Conti", "Paolo Conti"]
        await pilot.press("down", "enter")
        await _until(pilot, lambda: isinstance(app.screen, ProfileStandIn), "pick did not open a profile")
        assert app.screen.customer_id == table.matches[1].customer_id
        assert app.screen.call_id == "c-2"


async def test_unknown_number_opens_lookup_and_the_prospect_pops_next_time(
    engine: Engine, tmp_path: Path, api_url: str
) -> None:
    app = _console(engine, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(app, pilot)
        await _post(api_url, **_ring("c-3", "0655512345"))
        lookup = app.screen
        assert isinstance(lookup, LookupScreen)
        query = lookup.query_one("#query", Input)
        await _until(pilot, lambda: query.value == "+390655512345", "lookup was not prefilled")
        assert "Unknown call" in str(lookup.query_one("#notice", Static).render())
        await pilot.press("ctrl+n")
        await _until(pilot, lambda: isinstance(app.screen, ProfileStandIn), "new prospect did not open")
        prospect_id = app.screen.customer_id
        await pilot.press("escape")
        await _post(api_url, **_ring("c-4", "+39 06 5551 2345"))
        await _until(
            pilot,
            lambda: isinstance(app.screen, ProfileStandIn) and app.screen.call_id == "c-4",
            "the second call from the number did not pop the prospect",
        )
        assert app.screen.customer_id == prospect_id
    assert [m.customer_id for m in find_by_phone(engine, "0655512345", region="IT")] == [prospect_id]


async def test_withheld_number_opens_lookup_with_a_notice(
    engine: Engine, tmp_path: Path, api_url: str
) -> None:
    make_customer(engine, "Maria", "Rossi", phones=("+390612345678",))
    app = _console(engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(app, pilot)
        await _post(api_url, **_ring("c-5", "anonymous"))
        notice = app.screen.query_one("#notice", Static)
        await _until(pilot, lambda: notice.display, "no withheld notice")
        assert "withheld" in str(notice.render())
        assert app.screen.query_one("#query", Input).value == ""
        await pilot.press("ctrl+n")  # no number: nothing to make a prospect of
        await pilot.pause(0.2)
        assert isinstance(app.screen, LookupScreen)


async def test_chat_pops_by_email(engine: Engine, tmp_path: Path, api_url: str) -> None:
    neri = make_customer(engine, "Sara", "Neri", emails=("sara.neri@example.com",))
    app = _console(engine, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start(app, pilot)
        ring = {**_ring("chat-1", ""), "channel": "chat", "email": "Sara.Neri@Example.com"}
        await _post(api_url, **ring)
        await _until(pilot, lambda: isinstance(app.screen, ProfileStandIn), "chat did not pop")
        assert app.screen.customer_id == neri.id


async def test_a_ring_at_another_extension_does_not_pop(engine: Engine, tmp_path: Path, api_url: str) -> None:
    """Regression: every console must not pop for every call. You should see the console at 100
    stay on its lookup while 200 rings, and pop when 100 rings."""
    rossi = make_customer(engine, "Maria", "Rossi", phones=("+390612345678",))
    app = _console(engine, tmp_path, extension="100")
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(app, pilot)
        await _post(api_url, **_ring("c-6", "+390612345678", extension="200"))
        await asyncio.sleep(1.0)  # several polling periods and a NOTIFY round trip
        await pilot.pause()
        assert isinstance(app.screen, LookupScreen)
        await _post(api_url, **_ring("c-7", "+390612345678", extension="100"))
        await _until(pilot, lambda: isinstance(app.screen, ProfileStandIn), "own extension did not pop")
        assert (app.screen.customer_id, app.screen.call_id) == (rossi.id, "c-7")


@POSTGRES_ONLY
async def test_pop_survives_lost_database_connections(engine: Engine, tmp_path: Path, api_url: str) -> None:
    """Regression: after PostgreSQL dropped the console's connections (restart, failover) the
    next ring must still pop. You should see the profile after the connections were killed."""
    rossi = make_customer(engine, "Maria", "Rossi", phones=("+390612345678",))
    app = _console(engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(app, pilot)
        await pilot.pause(0.3)  # the watcher is LISTENing
        with engine.connect() as connection:
            killed = connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).all()
        assert killed
        await _post(api_url, **_ring("c-8", "+390612345678"))
        await _until(pilot, lambda: isinstance(app.screen, ProfileStandIn), "no pop after reconnect")
        assert app.screen.customer_id == rossi.id

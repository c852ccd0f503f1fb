"""A ring's pop that comes up while the operator is typing: the rest of that run of typing was meant
for the screen the pop covers and must not act on the popped one (console.key_order.cut_typing).

The pop is the console's own (a `PopArrived` decided by the store for a real ring); it is posted
between the keys of one burst, so where it falls among them is exact. The ring is made at another
extension, so this console's change feed does not pop it a second time.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.widgets import Input

from console.app import CallpopApp
from console.key_order import TYPING_PAUSE_S
from console.pop import PopArrived
from screens.lookup import LookupScreen
from screens.pick_caller import PickCallerScreen
from screens.profile import ProfileScreen
from screens.widgets.offers_panel import OffersPanel
from store.call_events import Ring, load_call, ring
from store.offers import OfferResponse
from store.pop import decide
from tests.factories import make_customer
from tests.harness import console, until
from tests.test_key_bursts import burst
from tests.test_offers_rules import load_offers, offer_toml

NUMBER = "+390622223333"
CUT_NOTICE = "A call came in as you typed"


def _pop(engine: Engine, call_id: str, caller: str = NUMBER) -> PopArrived:
    ring(engine, Ring(call_id, caller, extension="999"))
    call = load_call(engine, call_id)
    assert call is not None
    return PopArrived(decide(engine, call, "IT"))


def _told(app: CallpopApp) -> bool:
    return any(CUT_NOTICE in str(notice.message) for notice in app._notifications)


async def _popped_profile(pilot, app: CallpopApp) -> OffersPanel:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
    panel = app.screen.query_one(OffersPanel)
    await until(pilot, lambda: not panel.looking and len(panel.suggestions) == 1)
    return panel


@pytest.fixture
def caller_with_an_offer(sqlite_engine: Engine) -> Engine:
    load_offers(sqlite_engine, offer_toml("FIRST", value=300.0))
    make_customer(sqlite_engine, "Maria", "Rossi", phones=(NUMBER,), consent_voice=True)
    return sqlite_engine


async def test_keys_typed_on_as_the_call_pops_do_not_answer_its_offer(
    caller_with_an_offer: Engine, tmp_path: Path
) -> None:
    """Regression: typing "rossi a" in the lookup as a ring popped Maria Rossi's profile, the keys
    after the pop went to the profile and "a" accepted her offer, which nobody had read out.
    You should see the offer unanswered, a notice saying the keys were not used, and the first key
    after a pause in typing acting on the profile as usual."""
    engine = caller_with_an_offer
    app = console(engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.pop_ready.is_set() and isinstance(app.screen, LookupScreen))
        lookup = app.screen
        pop = _pop(engine, "ring-1")
        burst(app, *"ross")
        app.post_message(pop)
        burst(app, "i", "space", "a")
        panel = await _popped_profile(pilot, app)
        await until(pilot, lambda: _told(app))
        assert panel.responses == [OfferResponse("FIRST", "not_presented")]
        assert "rossi" not in lookup.query_one("#query", Input).value

        await asyncio.sleep(TYPING_PAUSE_S)  # the operator has stopped and reads the profile
        await pilot.press("a")
        await until(pilot, lambda: panel.responses == [OfferResponse("FIRST", "accepted")])


async def test_a_call_that_pops_while_nobody_types_takes_the_first_key(
    caller_with_an_offer: Engine, tmp_path: Path
) -> None:
    """The other side of the cut: a pop at an idle console drops nothing. You should see "a" typed
    at once after the pop accept the offer, and no notice."""
    engine = caller_with_an_offer
    app = console(engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.pop_ready.is_set() and isinstance(app.screen, LookupScreen))
        burst(app, *"ross")
        await asyncio.sleep(TYPING_PAUSE_S)
        app.post_message(_pop(engine, "ring-1"))
        panel = await _popped_profile(pilot, app)
        await pilot.press("a")
        await until(pilot, lambda: panel.responses == [OfferResponse("FIRST", "accepted")])
        assert not _told(app)


async def test_keys_typed_on_as_an_unknown_caller_pops_leave_the_number_alone(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """An unknown number opens the lookup with the number in its box: the name typed on into the
    search went after the number. You should see the number alone, and the notice."""
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.pop_ready.is_set() and isinstance(app.screen, LookupScreen))
        box = app.screen.query_one("#query", Input)
        pop = _pop(sqlite_engine, "ring-2", caller="+390655554444")
        burst(app, *"bian")
        app.post_message(pop)
        burst(app, *"chi")
        await until(pilot, lambda: _told(app))
        await until(pilot, lambda: box.value == "+390655554444")
        await asyncio.sleep(TYPING_PAUSE_S)
        assert box.value == "+390655554444"


async def test_keys_typed_on_as_a_shared_line_pops_do_not_pick_a_caller(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Two customers on the calling line open the pick list: Enter typed on (ending a search)
    picked the first of them for the operator. You should see the list still open."""
    for given in ("Maria", "Luca"):
        make_customer(sqlite_engine, given, "Rossi", phones=(NUMBER,))
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.pop_ready.is_set() and isinstance(app.screen, LookupScreen))
        pop = _pop(sqlite_engine, "ring-3")
        burst(app, *"ross")
        app.post_message(pop)
        burst(app, "i", "enter")
        await until(pilot, lambda: isinstance(app.screen, PickCallerScreen))
        await until(pilot, lambda: _told(app))
        await asyncio.sleep(TYPING_PAUSE_S)
        assert isinstance(app.screen, PickCallerScreen)

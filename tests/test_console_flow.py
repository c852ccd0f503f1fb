"""The whole operator flow in the real console on demo data, driven by keys at 80x24 and 120x40:
type part of a name, open the profile, wrap up, and find the logged call in the database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual.widgets import Input

from console.demo_load import load_demo
from screens.lookup import LookupScreen
from screens.profile import ProfileScreen
from screens.widgets.profile_header import ProfileHeader
from screens.wrapup import WrapUpScreen
from store.db import read_session
from store.models import Call, Customer
from tests.harness import console, until

DEMO_TODAY = date(2026, 11, 22)


@pytest.fixture
def demo_engine(sqlite_engine: Engine) -> Engine:
    """A small demo base (the memorable customers are ids 1-8), indexed for search."""
    load_demo(sqlite_engine, customers=40, seed=7, today=DEMO_TODAY)
    return sqlite_engine


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_lookup_profile_wrapup_logs_the_call(
    demo_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = console(demo_engine, tmp_path)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        await pilot.press(*"maria ros")
        await until(pilot, lambda: "Maria Rossi" in str(app.screen.query_one("#results").render_line(1)))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
        assert "Maria Rossi" in app.screen.query_one(ProfileHeader).render().plain  # type: ignore[union-attr]
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        await pilot.pause(0.1)
        await pilot.press("enter", "enter", *"asked about the warranty", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        assert app.screen.query_one(Input).value == ""
    with read_session(demo_engine) as session:
        [call] = session.exec(select(Call).where(Call.notes == "asked about the warranty")).all()
        maria = session.exec(select(Customer).where(Customer.display_name == "Maria Rossi")).one()
    assert call.customer_id == maria.id
    assert (call.operator, call.outcome, call.status) == ("anna", "resolved", "done")


async def test_every_memorable_demo_customer_opens(demo_engine: Engine, tmp_path: Path) -> None:
    """Regression: demo holdings with a payment date but no amount crashed the profile on a pop.
    You should see each of the eight README customers' profiles paint at 80x24."""
    from screens.messages import OpenProfile

    app = console(demo_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for customer_id in range(1, 9):
            app.post_message(OpenProfile(customer_id))
            await until(
                pilot,
                lambda cid=customer_id: (
                    isinstance(app.screen, ProfileScreen)
                    and app.screen.customer_id == cid
                    and app.screen.painted.is_set()
                ),
            )
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, LookupScreen))


def test_demo_story_offers_maria_the_extended_warranty(demo_engine: Engine) -> None:
    """The README's walk-through: Maria Rossi's washing-machine warranty ends in 12 days, so her
    the last-chance extended warranty is eligible for her, and the profile says why (the order
    among eligible offers is sampled, so this asserts eligibility, not rank)."""
    from store.offers import explain_offers

    decisions = {d.offer_code: d for d in explain_offers(demo_engine, 2, today=DEMO_TODAY)}
    last_call = decisions["EXT-WARRANTY-LAST-CALL"]
    assert (last_call.eligible, last_call.suppressed_by) == (True, None)
    assert any("expires in 12 days" in why for why in last_call.reasons)


async def test_enter_right_after_typing_opens_the_customer_typed(demo_engine: Engine, tmp_path: Path) -> None:
    """Regression: Enter pressed before the search for the last keystrokes came back opened the
    highlighted row of the previous query. You should see the profile of the customer typed."""
    from textual import events

    app = console(demo_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        await pilot.press(*"rossi")
        await until(pilot, lambda: "Luca Rossi" in str(app.screen.query_one("#results").render_line(1)))
        burst = [("space", " "), ("m", "m"), ("a", "a"), ("enter", None)]  # "rossi ma": Maria first
        for key, character in burst:
            app.post_message(events.Key(key, character))  # one burst: Enter before the search ends
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
        assert "Maria Rossi" in app.screen.query_one(ProfileHeader).render().plain  # type: ignore[union-attr]

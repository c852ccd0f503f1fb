"""At 80x24 nothing an operator needs is cut off: the lookup's why, the offer's reason, the warranty
end date, and every box of the wrap-up with its label. Asserted on the text the terminal shows, and
kept as SVG snapshots at 80x24, 100x30 and 120x40 (lookup, every profile tab, wrap-up)."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.app import App
from textual.pilot import Pilot

from screens.messages import OpenProfile
from screens.pick_caller import PickCallerScreen
from screens.profile import ProfileScreen
from screens.widgets.call_timer import CallTimer
from screens.widgets.profile_sections import TABS
from screens.wrapup import WrapUpScreen
from store.models import ProductCategory
from store.search import find_by_phone
from tests.factories import make_customer, make_holding, make_product, make_ticket
from tests.harness import ScreenHarness, console, seat, until
from tests.test_lookup_screen import LookupHarness
from tests.test_offers_rules import load_offers, offer_toml
from tests.test_profile_screen import build_customer, profile_app
from tests.test_wrapup_screen import FIXED, settle

SIZES = [(80, 24), (100, 30), (120, 40)]
WRAPUP_LABELS = (
    "Reason", "Outcome", "Notes", "Ticket", "Subject", "Status", "Priority", "Category", "Assignee",
    "Callback", "Who", "Code",
)  # fmt: skip


def screen_text(app: App[None]) -> str:
    """What the terminal shows, line by line: the composed screen's cells as text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def flowing_text(app: App[None]) -> str:
    """The screen's text as one line, for a sentence wrapped over two lines of a bordered panel."""
    return " ".join(" ".join(line.strip(" █▊▎▍▌").split()) for line in screen_text(app).splitlines())


async def test_lookup_shows_why_in_full_at_80x24(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: the Why column was cut to "name" at 80 columns. You should see the whole reason
    ("name ≈ Luca Rossi (1 typo)") of the highlighted match."""
    make_customer(sqlite_engine, "Luca", "Rossi", phones=("+390612340001",), city="Roma")
    app = LookupHarness(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"rosi luca")
        await until(pilot, lambda: "(1 typo)" in screen_text(app))
        assert "Why name ≈ Luca Rossi (1 typo)" in screen_text(app)


async def test_offer_reason_and_warranty_end_at_80x24(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: the offer's reason lost its "12 days" at 80 columns, and the warranty end date sat
    past the right edge. You should see both on screen."""
    load_offers(sqlite_engine, offer_toml("WARRANTY", rule="{ warranty_expires_within_days = 30 }"))
    customer = make_customer(sqlite_engine, consent_voice=True)
    assert customer.id is not None
    washer = make_product(sqlite_engine, "APP-WASHING-MACHINE-DELUXE", ProductCategory.APPLIANCE)
    ends = date.today() + timedelta(days=12)
    make_holding(sqlite_engine, customer, washer, reference="SN-WM-2024-0001234", warranty_ends_on=ends)
    app, screen = profile_app(sqlite_engine, tmp_path, customer.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        await until(pilot, lambda: "expires in 12 days" in flowing_text(app))
        await pilot.press("2")
        await until(pilot, lambda: f"{ends:%Y-%m-%d}" in screen_text(app))


@pytest.mark.parametrize("size", SIZES)
async def test_every_wrapup_box_keeps_its_label(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    """Regression: at 80x24 the Code field was below the edge and the boxes had no labels (the
    ticket's second row had only placeholders). You should see every label on screen."""
    customer = make_customer(sqlite_engine, "Giulia", "Conti")
    app = ScreenHarness(seat(sqlite_engine, tmp_path), WrapUpScreen(call_id="fit-1", customer_id=customer.id))
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: "Giulia Conti" in screen_text(app))
        shown = screen_text(app)
        missing = [label for label in WRAPUP_LABELS if not re.search(rf"\b{label}\b", shown)]
        assert not missing, f"not on screen at {size}: {missing}"


# --- snapshots ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_lookup_snapshots(snap_compare, sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    make_customer(sqlite_engine, "Giulia", "Romano", phones=("+390612340001",), city="Roma")
    make_customer(sqlite_engine, "Giulio", "Romani", phones=("+390612340001",), city="Napoli")
    app = LookupHarness(sqlite_engine, tmp_path)

    async def type_query(pilot: Pilot[None]) -> None:
        await pilot.press(*"06 1234 0001")
        lookup = app.lookup  # type: ignore[attr-defined]
        await until(pilot, lambda: lookup.shows_latest and lookup.query_one("#results").row_count == 2)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=type_query)


@pytest.mark.parametrize("tab", list(TABS))
@pytest.mark.parametrize("size", SIZES)
def test_profile_tab_snapshots(
    snap_compare, sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int], tab: str
) -> None:  # type: ignore[no-untyped-def]
    app, screen = profile_app(sqlite_engine, tmp_path, build_customer(sqlite_engine, holdings=4))

    async def show(pilot: Pilot[None]) -> None:
        await until(pilot, screen.painted.is_set)
        await until(pilot, lambda: "No offer" in str(screen.query_one("#offer-script").render()))
        await pilot.press(str(list(TABS).index(tab) + 1))
        await until(pilot, lambda: screen.section == tab)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=show)


@pytest.mark.parametrize("size", SIZES)
def test_wrapup_snapshots(snap_compare, sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    customer = make_customer(sqlite_engine, "Giulia", "Conti")
    make_ticket(sqlite_engine, customer, "Card blocked abroad", category="billing")
    app = ScreenHarness(
        seat(sqlite_engine, tmp_path), WrapUpScreen(call_id="snap-call-0001", customer_id=customer.id)
    )

    async def fill(pilot: Pilot[None]) -> None:
        await settle(pilot, app)  # type: ignore[arg-type]
        timer = app.screen.query_one(CallTimer)
        timer.clock = lambda: FIXED
        timer.start(FIXED, FIXED)
        await pilot.press("enter", "enter", *"Card blocked in Lisbon")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=fill)


async def test_the_console_key_bar_is_never_cut(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: in the console (its own keys added to the profile's) the key bar ran past 80
    columns and ended in a cut "^q". You should see whole keys only, the profile's first."""
    maria = make_customer(sqlite_engine)
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(OpenProfile(maria.id or 0))
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
        await pilot.pause()
        keys = str(app.screen.query_one("#keys").visual).rstrip()
        assert "a d l x Offer" in keys and len(keys) <= 80
        assert not keys.endswith(("^", "^q")) and "…" not in keys, keys


async def test_pick_caller_shows_why_in_full_at_80x24(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: on the household pick list the Why column was cut at 80 columns. You should see
    the highlighted caller's whole reason on its own line."""
    for given in ("Giulia", "Giulio"):
        make_customer(sqlite_engine, given, "Romano", phones=("+390612340001",))
    matches = find_by_phone(sqlite_engine, "+390612340001", region="IT")
    app = ScreenHarness(seat(sqlite_engine, tmp_path), PickCallerScreen(matches, number="+390612340001"))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: f"Why {matches[0].reason}" in screen_text(app))

"""The offer keys on the customer 360: a/d/l/x answer the highlighted offer wherever focus is."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from screens.widgets.offers_panel import OffersPanel
from screens.wrapup import WrapUpScreen
from store.offers import OfferResponse
from store.offers.responses import RESPONSE_LABELS
from store.offers.suppression import RESPONSES
from tests.factories import make_customer
from tests.harness import ScreenHarness, seat, until
from tests.test_offers_rules import load_offers, offer_toml
from tests.test_profile_screen import SIZES, build_customer, profile_app


def _toasts(app: object) -> str:
    return " | ".join(str(n.message) for n in app._notifications)  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", SIZES)
async def test_offer_keys_work_as_soon_as_the_profile_opens(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    """Regression: a/d/l/x did nothing until Tab moved focus into the offers, and said nothing.
    You should see the highlighted offer answered from the holdings table, with a toast."""
    load_offers(sqlite_engine, offer_toml("FIRST", value=300.0), offer_toml("SECOND", value=1.0))
    customer = make_customer(sqlite_engine, consent_voice=True)  # offers need consent to marketing calls
    assert customer.id is not None
    app, screen = profile_app(sqlite_engine, tmp_path, customer.id)
    async with app.run_test(size=size) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        panel = screen.query_one(OffersPanel)
        await until(pilot, lambda: len(panel.suggestions) == 2)
        first, second = (s.offer_code for s in panel.suggestions)
        assert screen.focused is not None and screen.focused.id == "table-holdings"

        await pilot.press("a")
        await until(pilot, lambda: panel.responses[0] == OfferResponse(first, "accepted"))
        assert "Offer FIRST: accepted" in _toasts(app)
        await pilot.press("5", "d", "d")  # from another tab too; d again moves to the next reason
        await until(pilot, lambda: panel.responses[0] == OfferResponse(first, "declined", "too expensive"))
        assert "Offer FIRST: declined: too expensive" in _toasts(app)
        await pilot.press("l")
        await until(pilot, lambda: panel.responses[0] == OfferResponse(first, "maybe_later"))
        await pilot.press("x")
        await until(pilot, lambda: panel.responses[0] == OfferResponse(first, "not_presented"))
        assert "answer cleared" in _toasts(app)
        assert panel.responses[1] == OfferResponse(second, "not_presented")


async def test_offer_keys_say_when_there_is_no_offer(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: with no offer shown, a did nothing at all. You should see a toast saying so."""
    app, screen = profile_app(sqlite_engine, tmp_path, build_customer(sqlite_engine))
    async with app.run_test(size=(80, 24)) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        await until(pilot, lambda: "No offer" in str(screen.query_one("#offer-script").render()))
        await pilot.press("a")
        await until(pilot, lambda: "No offer to answer" in _toasts(app))


async def test_the_buying_tab_counts_purchases_not_mailings(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: the "4 Buying" tab showed the number of mailings. You should see the number of
    purchases (two appliances here, one mailing)."""
    app, screen = profile_app(sqlite_engine, tmp_path, build_customer(sqlite_engine, holdings=4))
    async with app.run_test(size=(80, 24)) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        assert screen.profile is not None and screen.profile.purchases.count == 2
        assert screen.profile.campaigns.total == 1
        for key in ("", "4"):
            if key:
                await pilot.press(key)
                await until(pilot, lambda: screen.section == "purchases")
            assert "4 Buying 2" in str(screen.query_one("#tabs").visual)


async def test_the_wrap_up_names_offer_answers_in_words(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: the wrap-up showed offer answers as raw codes ("not_presented"). You should see
    words ("not offered", "maybe later") for every response the store knows."""
    assert set(RESPONSE_LABELS) == set(RESPONSES)
    customer = make_customer(sqlite_engine)
    answers = (OfferResponse("WARRANTY", "not_presented"), OfferResponse("POINTS", "maybe_later"))
    wrapup = WrapUpScreen(call_id="w-1", customer_id=customer.id, offer_responses=answers)
    app = ScreenHarness(seat(sqlite_engine, tmp_path), wrapup)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "Offers:" in str(wrapup.query_one("#picked").render()))
        picked = str(wrapup.query_one("#picked").render())
        assert "WARRANTY not offered" in picked and "POINTS maybe later" in picked
        assert "_" not in picked.split("Offers:")[1]

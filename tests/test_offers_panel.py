"""The offers panel driven with key presses: it shows the offers and why, and keeps the answers."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.app import ComposeResult
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from screens.widgets.offers_panel import OFFER_BINDINGS, OffersPanel
from store.db import write_session
from store.models import Customer, ProductCategory
from store.models.offers import Offer
from store.offers import OfferResponse, record_responses
from store.sanitize import clean_line
from tests.factories import make_customer, make_holding, make_product
from tests.harness import ScreenHarness, seat
from tests.test_offers_rules import load_offers, offer_toml

SIZES = [(80, 24), (120, 40)]


class PanelHost(Screen[None]):
    """A tiny screen holding the panel the way the profile does: in a container "offers" of at most
    five lines."""

    DEFAULT_CSS = "#offers { height: auto; max-height: 5; }"
    BINDINGS = OFFER_BINDINGS

    def __init__(self, customer_id: int, call_id: str | None) -> None:
        super().__init__()
        self.customer_id, self.call_id = customer_id, call_id

    def compose(self) -> ComposeResult:
        with Container(id="offers"):
            yield OffersPanel(self.customer_id, call_id=self.call_id)
        yield Footer()

    def action_offer(self, response: str) -> None:
        self.query_one(OffersPanel).answer(response)


def _customer_with_washer(engine: Engine) -> Customer:
    customer = make_customer(engine, consent_voice=True)
    washer = make_product(engine, "APP-WASHER", ProductCategory.APPLIANCE)
    make_holding(
        engine, customer, washer, reference="W-123", warranty_ends_on=date.today() + timedelta(days=12)
    )
    return customer


def _host(
    engine: Engine, tmp_path: Path, customer: Customer, call_id: str | None = "call-7"
) -> ScreenHarness:
    assert customer.id is not None
    return ScreenHarness(seat(engine, tmp_path), PanelHost(customer.id, call_id))


def _table_text(app: ScreenHarness) -> str:
    table = app.screen.query_one("#offers DataTable", DataTable)
    return "\n".join(" | ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count))


def _script_text(app: ScreenHarness) -> str:
    return str(app.screen.query_one("#offer-script", Static).render())


@pytest.mark.parametrize("size", SIZES)
async def test_panel_shows_offers_with_why_and_records_answers(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    load_offers(
        sqlite_engine,
        offer_toml("WARRANTY", rule="{ warranty_expires_within_days = 30 }", value=300.0),
        offer_toml("OTHER", rule='{ holds_category = "credit_card" }'),
        offer_toml("POINTS", value=1.0),
    )
    customer = _customer_with_washer(sqlite_engine)
    app = _host(sqlite_engine, tmp_path, customer)
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        panel = app.screen.query_one(OffersPanel)
        assert len(panel.suggestions) == 2 and panel.region.height <= 5
        assert app.screen.query_one("#offers DataTable").region.height == 2
        shown = _table_text(app)
        assert "Offer WARRANTY" in shown and "Offer POINTS" in shown and "OTHER" not in shown
        assert "warranty on App-Washer W-123 expires in 12 days" in shown
        first = panel.suggestions[0].offer_code
        assert f"Say the {first} words." in _script_text(app)
        if size[0] < 100:  # no room for the acceptance column: it is on the script line
            assert "(new offer)" in _script_text(app)
        else:
            assert "new" in shown
        assert panel.responses == [OfferResponse(s.offer_code, "not_presented") for s in panel.suggestions]

        app.screen.query_one("#offers DataTable").focus()
        await pilot.press("a")
        await pilot.press("down", "d", "d")
        await pilot.pause()
        second = panel.suggestions[1].offer_code
        assert f"Say the {second} words." in _script_text(app)
        assert panel.responses == [
            OfferResponse(first, "accepted"),
            OfferResponse(second, "declined", "too expensive"),
        ]
        if size[0] < 100:  # the answer is a mark by the title, in words on the script line
            assert "✓ Offer" in _table_text(app) and "✗ Offer" in _table_text(app)
            assert "✗ too expensive" in _script_text(app)
        else:
            assert "✓ accepted" in _table_text(app) and "✗ too expensive" in _table_text(app)
        await pilot.press("l")
        await pilot.pause()
        assert panel.responses[1] == OfferResponse(second, "maybe_later")
        await pilot.press("x")
        await pilot.pause()
        assert panel.responses[1] == OfferResponse(second, "not_presented")


async def test_panel_answers_recorded_at_wrap_up_suppress_next_time(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """The lead's wiring in miniature: the panel's responses go to record_responses in the wrap-up."""
    load_offers(sqlite_engine, offer_toml("A"))
    customer = make_customer(sqlite_engine, consent_voice=True)
    assert customer.id is not None
    app = _host(sqlite_engine, tmp_path, customer)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.screen.query_one("#offers DataTable").focus()
        await pilot.press("d")
        responses = app.screen.query_one(OffersPanel).responses
    with write_session(sqlite_engine) as session:
        record_responses(
            session, call_id="call-7", customer_id=customer.id, operator="anna", responses=responses
        )
    again = _host(sqlite_engine, tmp_path, customer, call_id="call-8")
    async with again.run_test(size=(80, 24)) as pilot:
        await again.workers.wait_for_complete()
        await pilot.pause()
        assert again.screen.query_one(OffersPanel).suggestions == []
        assert "No offer for this customer now." in _script_text(again)


async def test_hostile_offer_text_renders_literally(
    sqlite_engine: Engine, tmp_path: Path, hostile: str
) -> None:
    load_offers(sqlite_engine, offer_toml("A"))
    with write_session(sqlite_engine) as session:  # as if the catalogue had been written straight to the DB
        offer = session.exec(Offer.__table__.select()).first()
        assert offer is not None
        row = session.get(Offer, offer.id)
        assert row is not None
        row.title, row.script = hostile[:120], hostile
    customer = make_customer(sqlite_engine, consent_voice=True)
    app = _host(sqlite_engine, tmp_path, customer)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert clean_line(hostile)[:20] in _script_text(app)
        assert clean_line(hostile[:120])[:10] in _table_text(app)
        assert "\x1b" not in _script_text(app) + _table_text(app)

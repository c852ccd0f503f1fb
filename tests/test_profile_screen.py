"""The customer 360 screen driven by keys at 80x24 and 120x40: sections, paging, tickets, hostile text.

`build_customer` is the fixed data set shared with the snapshot and live-refresh tests: every date
and time is fixed (and the screen gets a fixed `today`) so nothing drifts from day to day.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from rich.text import Text
from sqlalchemy.engine import Engine
from textual.widgets import DataTable

from screens.profile import ProfileScreen
from screens.ticket_view import TicketViewScreen
from screens.widgets.profile_tables import SectionTable
from store.db import write_session
from store.models import (
    Address,
    Campaign,
    CampaignContact,
    Customer,
    Holding,
    HoldingStatus,
    Interaction,
    Phone,
    Product,
    ProductCategory,
    Ticket,
    TicketStatus,
    Warranty,
)
from tests.harness import ScreenHarness, seat, until

TODAY = date(2026, 11, 22)
SIZES = [(80, 24), (120, 40)]
NOON = datetime(2026, 11, 20, 12, tzinfo=UTC)


def build_customer(
    engine: Engine, name: str = "Maria Rossi", *, holdings: int = 3, tickets: int = 3, expired: bool = False
) -> int:
    """A customer with a card, a loan, appliances with warranties, tickets with history; returns its id."""
    given, _, family = name.partition(" ")
    with write_session(engine) as session:
        customer = Customer(
            external_id=f"C{holdings:03d}{tickets:05d}",
            given_name=given,
            family_name=family,
            display_name=name,
            status="active",
            birth_date=date(1980, 3, 9),
            segment="premium",
            loyalty_tier="gold",
            loyalty_points=5400,
            points_expiring=600,
            points_expire_on=date(2026, 12, 31),
            preferred_language="it",
            consent_email=True,
            vip=True,
            created_at=NOON,
            updated_at=NOON,
        )
        session.add(customer)
        session.flush()
        cid = customer.id
        session.add(Phone(customer_id=cid, e164="+390612345678", is_primary=True))
        session.add(
            Address(
                customer_id=cid,
                line1="Via Roma 1",
                city="Roma",
                postcode="00100",
                country="IT",
                created_at=NOON,
            )
        )
        products = {
            category: Product(
                code=f"{category.value}-{cid}",
                name=category.value.replace("_", " ").title(),
                category=category,
            )
            for category in (ProductCategory.CREDIT_CARD, ProductCategory.MORTGAGE, ProductCategory.APPLIANCE)
        }
        session.add_all(products.values())
        session.flush()
        session.add(
            Holding(
                customer_id=cid,
                product_id=products[ProductCategory.CREDIT_CARD].id,
                reference="4111111111111234",
                opened_on=date(2019, 5, 1),
            )
        )
        session.add(
            Holding(
                customer_id=cid,
                product_id=products[ProductCategory.MORTGAGE].id,
                reference="MU-77",
                opened_on=date(2018, 1, 1),
                balance=Decimal("182000.00"),
                status=HoldingStatus.ARREARS,
                next_payment_on=date(2026, 12, 1),
                next_payment_amount=Decimal("950.00"),
            )
        )
        for n in range(max(holdings - 2, 1)):
            fridge = Holding(
                customer_id=cid,
                product_id=products[ProductCategory.APPLIANCE].id,
                reference=f"SN-{n:04d}",
                opened_on=date(2024, 1, 1) + timedelta(days=n),
                price_paid=Decimal("499.00"),
            )
            session.add(fridge)
            session.flush()
            ends = TODAY - timedelta(days=92 + n) if expired else TODAY + timedelta(days=12 + 60 * n)
            session.add(
                Warranty(holding_id=fridge.id, starts_on=date(2024, 1, 1), ends_on=ends, covers="parts")
            )
        for n in range(tickets):
            status = TicketStatus.OPEN if n == 0 else TicketStatus.CLOSED
            when = NOON - timedelta(hours=n)
            ticket = Ticket(
                number=f"T-{cid}-{n:05d}",
                customer_id=cid,
                subject=f"Question {n}",
                status=status,
                category="complaint" if n == 0 else "billing",
                created_at=when,
                updated_at=when,
            )
            session.add(ticket)
            session.flush()
            session.add(
                Interaction(
                    customer_id=cid,
                    ticket_id=ticket.id,
                    summary=f"Called about question {n}",
                    occurred_at=when,
                    operator="anna",
                )
            )
        campaign = Campaign(code=f"SPRING-{cid}", name="Spring mailing")
        session.add(campaign)
        session.flush()
        session.add(
            CampaignContact(
                campaign_id=campaign.id, customer_id=cid, sent_on=date(2026, 3, 1), coupon_code="SPR-10"
            )
        )
    return int(cid)


def profile_app(engine: Engine, tmp_path: Path, customer_id: int) -> tuple[ScreenHarness, ProfileScreen]:
    screen = ProfileScreen(customer_id, today=TODAY)
    return ScreenHarness(seat(engine, tmp_path), screen), screen


def cells(table: SectionTable, row: int) -> list[str]:
    return [value.plain if isinstance(value, Text) else str(value) for value in table.get_row_at(row)]


@pytest.mark.parametrize("size", SIZES)
async def test_every_section_is_one_key_away(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    app, screen = profile_app(sqlite_engine, tmp_path, build_customer(sqlite_engine))
    async with app.run_test(size=size) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        assert [table.id for table in screen.query(DataTable) if table.id != "offer-table"] == [
            "table-holdings"
        ], "the other tabs are built when first shown"
        expected = {
            "1": ("holdings", "Mortgage"),
            "2": ("warranties", "expires in 12 days"),
            "3": ("timeline", "T-"),
            "4": ("purchases", "SPRING-"),
            "5": ("contacts", "+390612345678"),
        }
        for key, (tab, text) in expected.items():
            await pilot.press(key)
            await pilot.pause()
            assert screen.section == tab
            table = screen.focused
            assert table is not None and table.has_focus
            assert any(text in cell for cell in cells(table, 0)), (tab, cells(table, 0))
        header = str(screen.query_one("#header").visual)
        assert "Maria Rossi" in header and "VIP" in header and "open complaint" in header
        assert "4111111111111234" not in str(cells(screen.query_one("#table-holdings", SectionTable), 1))


@pytest.mark.parametrize("size", SIZES)
async def test_enter_on_a_ticket_opens_its_history(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    app, screen = profile_app(sqlite_engine, tmp_path, build_customer(sqlite_engine))
    async with app.run_test(size=size) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        await pilot.press("3", "enter")
        await until(pilot, lambda: "Called" in str(app.screen.query_one("#ticket-body").visual))
        assert isinstance(app.screen, TicketViewScreen)
        body = str(app.screen.query_one("#ticket-body").visual)
        assert "Question 0" in body and "Called about question 0" in body
        await pilot.press("escape")
        assert app.screen is screen


async def test_huge_customer_loads_fifty_rows_and_more_on_m(sqlite_engine: Engine, tmp_path: Path) -> None:
    app, screen = profile_app(
        sqlite_engine, tmp_path, build_customer(sqlite_engine, holdings=200, tickets=2000)
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        await pilot.press("3")
        timeline = screen.query_one("#table-timeline", SectionTable)
        await until(pilot, lambda: timeline.row_count == 50)
        assert timeline.total == 4000
        assert "3 Timeline 50/4000" in str(screen.query_one("#tabs").visual)
        await pilot.press("m")
        await until(pilot, lambda: timeline.row_count == 100)
        assert "50/4000" not in str(screen.query_one("#tabs").visual)
        assert "3 Timeline 100/4000" in str(screen.query_one("#tabs").visual)


async def test_hostile_name_renders_literally_and_clicking_does_nothing(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    name = "[@click=app.quit]Mallory[/] \x1b]52;c;ZWNobyBoaQ==\x07x"
    app, screen = profile_app(sqlite_engine, tmp_path, build_customer(sqlite_engine, name))
    async with app.run_test(size=(80, 24)) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        header = str(screen.query_one("#header").visual)
        assert "[@click=app.quit]Mallory[/]" in header
        assert "\x1b" not in header and "ZWNo" not in header
        await pilot.click("#header", offset=(3, 0))
        await pilot.pause()
        assert app.is_running and app.screen is screen


async def test_command_palette_edits_contact_and_opens_tickets(sqlite_engine: Engine, tmp_path: Path) -> None:
    customer_id = build_customer(sqlite_engine, tickets=2)
    with write_session(sqlite_engine) as session:
        ticket = session.get(Ticket, 1)
        ticket.subject = "[@click=app.quit]x[/] refund"
    app, screen = profile_app(sqlite_engine, tmp_path, customer_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        await pilot.press("3", "ctrl+p", *"open ticket refund")
        await until(
            pilot, lambda: "refund" in str(app.screen.query_one("CommandList").get_option_at_index(0).prompt)
        )
        assert "[@click=app.quit]x[/]" in str(
            app.screen.query_one("CommandList").get_option_at_index(0).prompt
        )
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TicketViewScreen))
        await until(pilot, lambda: "refund" in str(app.screen.query_one("#ticket-body").visual))
        await pilot.press("escape", "ctrl+p", *"edit contact")
        await until(
            pilot,
            lambda: "Edit contact" in str(app.screen.query_one("CommandList").get_option_at_index(0).prompt),
        )
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "ContactEditScreen")


@pytest.mark.parametrize("size", SIZES)
async def test_key_bar_lists_every_key_and_a_click_on_a_tab_shows_it(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    """Regression: `painted` was set by the refresh after the data arrived, which could still draw the
    "Loading…" layout (one header line), so a click right after it hit the wrong row. You should see
    every key in the bar, and a click on a tab label or a key doing what the key does."""
    app, screen = profile_app(sqlite_engine, tmp_path, build_customer(sqlite_engine))
    async with app.run_test(size=size) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        await until(pilot, lambda: "No offer" in str(screen.query_one("#offer-script").visual))
        keys = str(screen.query_one("#keys").visual)
        for shown in (
            "1-5 Tabs",
            "m More",
            "o Ticket",
            "e Edit",
            "u Bad addr",
            "w Wrap-up",
            "a d l x Offer",
        ):
            assert shown in keys, keys
        assert "esc Back" in keys
        assert ("^p palette" in keys) is (size[0] >= 100), "at 80 columns the palette hint gives way"
        assert len(keys.rstrip()) <= size[0] and "…" not in keys, "nothing in the key bar is cut"
        tabs = str(screen.query_one("#tabs").visual)
        await pilot.click("#tabs", offset=(tabs.index("Timeline"), 0))
        await until(pilot, lambda: screen.section == "timeline")
        assert "Question 0" in str(cells(screen.query_one("#table-timeline", SectionTable), 0))
        keys = str(screen.query_one("#keys").visual)
        await pilot.click("#keys", offset=(keys.index("e Edit"), 0))
        await until(pilot, lambda: type(app.screen).__name__ == "ContactEditScreen")

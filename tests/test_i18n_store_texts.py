"""Text that starts in the store, shown by a screen in the operator's language at 80x24 (Italian and
European Portuguese): a phone hint in the contact form, a match reason in the lookup, a sign-in
refusal, a ticket's status in the profile and ticket view, churn reasons in the header. The same
store calls still hand the CLI its English text."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual.widgets import Label, Static

from console.app import make_app
from console.config import Settings
from screens.i18n import said, said_error, set_language
from screens.lookup import LookupScreen
from screens.signin import SignInScreen
from screens.ticket_view import TicketViewScreen
from screens.widgets.match_table import MatchTable, WhyLine
from screens.widgets.profile_tables import SectionTable
from store.db import write_session
from store.models import Operator, ProductCategory
from store.models.segments import CustomerChurn
from store.phones import phone_hint
from store.search import find_customers
from store.ticket_review import StaleTicket
from store.tickets_queue import QueueQueryError, parse_queue_query
from tests.factories import make_customer, make_holding, make_product
from tests.harness import ScreenHarness, operator_row, plain_svg_text, seat, until
from tests.test_contacts_screen import open_form, type_into
from tests.test_offers_rules import decide
from tests.test_profile_screen import build_customer, cells, profile_app

SIZE = (80, 24)
SAID = {
    "it": {
        "phone": "2 cifre sono troppo poche per un numero di telefono in IT.",
        "why": "Perché il nome corrisponde",
        "customer": "attivo",
        "signin": "Nome utente o password errati.",
        "closed": "chiuso",
        "ticket": ("aperto", "normale"),
        "churn": "rischio abbandono alto: 2 reclami in 60 giorni; saldo -40%",
        "flag": "reclamo aperto",
    },
    "pt_PT": {
        "phone": "2 dígitos são poucos para um número de telefone em IT.",
        "why": "Motivo o nome corresponde",
        "customer": "ativo",
        "signin": "Nome de utilizador ou palavra-passe errados.",
        "closed": "fechado",
        "ticket": ("aberto", "normal"),
        "churn": "risco de abandono elevado: 2 reclamações em 60 dias; saldo -40%",
        "flag": "reclamação aberta",
    },
}
LANGUAGES = sorted(SAID)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_contact_form_says_what_is_wrong_with_a_phone_in_the_operator_language(
    sqlite_engine: Engine, tmp_path: Path, language: str
) -> None:
    """Regression: an Italian contact form said "2 digits is too short for a phone number in IT."
    You should see the store's hint in the operator's language under the phone field."""
    set_language(language)
    app, screen = profile_app(sqlite_engine, tmp_path, build_customer(sqlite_engine))
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        form = await open_form(pilot, app)
        await type_into(pilot, app, "mobile", "12")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: str(form.query_one("#err-mobile").visual) != "")
        assert str(form.query_one("#err-mobile").visual) == SAID[language]["phone"]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_lookup_says_why_a_customer_matched_in_the_operator_language(
    sqlite_engine: Engine, tmp_path: Path, language: str
) -> None:
    """Regression: the lookup's "Why" line read "name matches" in an Italian console. You should see
    the match reason (and the customer's status) in the operator's language at 80x24."""
    set_language(language)
    make_customer(sqlite_engine, "Mario", "Bianchi", phones=("+390698765432",), city="Milano")
    lookup = LookupScreen()
    app = ScreenHarness(seat(sqlite_engine, tmp_path), lookup)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"mario bianchi")
        await until(pilot, lambda: lookup.shows_latest and lookup.query_one(MatchTable).row_count == 1)
        assert str(lookup.query_one(WhyLine).visual) == SAID[language]["why"]
        screen_text = plain_svg_text(app.export_screenshot())
        assert SAID[language]["why"] in screen_text and SAID[language]["customer"] in screen_text


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_refused_sign_in_is_said_in_the_operator_language(
    sqlite_engine: Engine, tmp_path: Path, language: str
) -> None:
    """Regression: the sign-in screen was Italian but "Wrong username or password." was not. You
    should see the refusal in the language saved on the operator's row."""
    operator_row(sqlite_engine, "anna", extension="100")
    with write_session(sqlite_engine) as session:
        row = session.exec(select(Operator).where(Operator.username == "anna")).one()
        row.language = language
    settings = Settings(default_region="IT", data_dir=tmp_path, signin="password", operator="anna")
    app = make_app(settings, engine=sqlite_engine)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await pilot.press(*"not the password", "enter")
        message = app.screen.query_one("#signin-message", Label)
        await until(pilot, lambda: str(message.render()) == SAID[language]["signin"])
        assert SAID[language]["signin"] in plain_svg_text(app.export_screenshot())


@pytest.mark.parametrize("language", LANGUAGES)
async def test_ticket_statuses_and_churn_reasons_are_said_in_the_operator_language(
    sqlite_engine: Engine, tmp_path: Path, language: str
) -> None:
    """Regression: an Italian profile listed closed tickets as "closed" and the churn risk as
    "2 complaints in 60 days; balance -40%". You should see the timeline's ticket status, the
    ticket view's status and priority, the header's flag and the churn reasons translated."""
    set_language(language)
    customer_id = build_customer(sqlite_engine)
    with write_session(sqlite_engine) as session:
        session.add(
            CustomerChurn(customer_id=customer_id, risk=0.4, reasons="2 complaints in 60 days; balance -40%")
        )
    app, screen = profile_app(sqlite_engine, tmp_path, customer_id)
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        header = str(screen.query_one("#header", Static).visual)
        assert SAID[language]["churn"] in header and SAID[language]["flag"] in header
        await pilot.press("3")
        await until(pilot, lambda: screen.query("#table-timeline").results(SectionTable))
        table = screen.query_one("#table-timeline", SectionTable)
        await until(pilot, lambda: table.row_count >= 3)
        statuses = [cells(table, row)[2] for row in range(table.row_count)]
        assert SAID[language]["closed"] in statuses and "closed" not in statuses, statuses
        await pilot.press("home", "enter")
        await until(pilot, lambda: isinstance(app.screen, TicketViewScreen))
        body = app.screen.query_one("#ticket-body")
        await until(pilot, lambda: "Question" in str(body.visual))
        status, priority = SAID[language]["ticket"]
        assert f"{status} · {priority} · " in str(body.visual)


def test_the_cli_still_reads_the_store_in_english(sqlite_engine: Engine) -> None:
    """The store's texts are still English `str` for the CLI and JSON, whatever the console says."""
    set_language("it")
    make_customer(sqlite_engine, "Mario", "Bianchi", phones=("+390698765432",))
    hint = phone_hint("12", "IT")
    assert hint == "2 digits is too short for a phone number in IT." and str(hint) == hint
    assert said(hint) == SAID["it"]["phone"]
    reason = find_customers(sqlite_engine, "mario bianchi", region="IT").matches[0].reason
    assert (reason, said(reason)) == ("name matches", "il nome corrisponde")


def test_offer_reasons_are_said_in_the_operator_language(sqlite_engine: Engine) -> None:
    """Regression: the offers panel's "why" was English ("warranty on ... expires in 12 days") in
    an Italian console. You should see the rule's reason in the operator's language, the product's
    own name kept, and the CLI's reason still English."""
    customer = make_customer(sqlite_engine)
    gold = make_product(sqlite_engine, "CC-GOLD", ProductCategory.CREDIT_CARD)
    make_holding(sqlite_engine, customer, gold, reference="4556 7375 8689 1234")
    decision = decide(sqlite_engine, customer, '{ holds_category = "credit_card" }')
    (reason,) = decision.reasons
    assert reason == "holds credit card: Cc-Gold 455673******1234"
    set_language("it")
    assert said(reason) == "ha carta di credito: Cc-Gold 455673******1234"
    set_language("pt_PT")
    assert said(reason) == "tem cartão de crédito: Cc-Gold 455673******1234"


def test_queue_filter_and_review_refusals_are_said_in_the_operator_language() -> None:
    """Regression: the ticket queue's filter box and a review's refusals were English in an
    Italian console. You should see them in Italian and Portuguese, and the CLI's text English."""
    with pytest.raises(QueueQueryError) as bad_filter:
        parse_queue_query("age:soon")
    stale = StaleTicket("TK-1", expected=1, current=2)
    assert str(bad_filter.value) == "age:soon: a number of days, such as age:3"
    set_language("it")
    assert said_error(bad_filter.value) == "age:soon: un numero di giorni, per esempio age:3"
    assert said_error(stale).startswith("il ticket TK-1 è stato modificato da qualcun altro (versione 2")
    set_language("pt_BR")
    assert said_error(bad_filter.value) == "age:soon: um número de dias, por exemplo age:3"

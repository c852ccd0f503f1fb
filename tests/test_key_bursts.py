"""Keys that arrive in one burst (one read from a slow SSH link) are applied in the order typed,
on every list: the wrap-up's reasons and outcomes, the lookup's results, the pick-caller list."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual import events, on
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Select, TextArea

from console.app import CallpopApp
from screens.callbacks import CallbacksScreen
from screens.contact_edit import ContactEditScreen
from screens.floor import FloorScreen
from screens.lookup import LookupScreen
from screens.messages import OpenProfile
from screens.pick_caller import PickCallerScreen
from screens.profile import ProfileScreen
from screens.reports import ReportsScreen
from screens.returned_mail import ReturnedMailScreen
from screens.ticket_prompt import TicketPromptScreen, ticket_prompt
from screens.ticket_queue import TicketQueueScreen
from screens.ticket_view import TicketViewScreen
from screens.widgets.match_table import MatchTable
from screens.widgets.offers_panel import OffersPanel
from screens.widgets.wrapup_picks import WrapUpPicks
from screens.wrapup import WrapUpScreen
from store.db import read_session
from store.models import Call, Customer, Role
from store.offers import OfferResponse
from store.search import find_by_phone
from tests.factories import make_customer, make_ticket
from tests.harness import ScreenHarness, console, push_on_console, seat, until
from tests.test_offers_rules import load_offers, offer_toml

NUMBER = "+390622223333"


def burst(app: App[None], *keys: str) -> None:
    """Queue `keys` in one go, before the app handles any of them: what a terminal driver does
    with a single read holding several keys."""
    for key in keys:
        character = " " if key == "space" else key if len(key) == 1 else None
        app.post_message(events.Key(key, character))


class Opened(ScreenHarness):
    """A screen on its own, recording which customers it asked to open."""

    opened: list[int]

    def on_mount(self) -> None:
        self.opened = []
        super().on_mount()

    @on(OpenProfile)
    def _record(self, message: OpenProfile) -> None:
        self.opened.append(message.customer_id)


async def test_a_burst_on_the_wrapup_lists_is_applied_in_order(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: "Down Down Enter" in one write picked Billing instead of Complaint (a priority
    Enter binding ran before the queued Downs). You should see Complaint, then "Follow-up needed"
    from the next "Down Enter" of the same burst, and the rest of the burst in the notes."""
    customer = make_customer(sqlite_engine)
    app = ScreenHarness(seat(sqlite_engine, tmp_path), WrapUpScreen(call_id="c-b", customer_id=customer.id))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.query_one("#reasons").has_focus)
        burst(app, "down", "down", "enter", "down", "enter", *"refund", "space", *"due", "ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, WrapUpScreen) or app.screen.finished)
    with read_session(sqlite_engine) as session:
        call = session.exec(select(Call)).one()
    assert (call.reason, call.outcome, call.notes) == ("complaint", "follow_up", "refund due")


async def test_keys_typed_before_the_wrapup_has_loaded_are_applied_in_order(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: `w` then Enter, Enter and a note typed at once (before the wrap-up had read its
    outcomes and the call) lost the first Enter on the empty reasons list, so the note went into
    the outcomes list. You should see the reason, the outcome and the whole note, in order, and
    the save typed at the end of the burst."""
    customer = make_customer(sqlite_engine)
    app = ScreenHarness(seat(sqlite_engine, tmp_path), WrapUpScreen(call_id="c-e", customer_id=customer.id))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        burst(app, "enter", "down", "enter", *"early", "space", *"bird", "ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, WrapUpScreen) or app.screen.finished)
    with read_session(sqlite_engine) as session:
        call = session.exec(select(Call)).one()
    assert (call.reason, call.outcome, call.notes) == ("billing", "follow_up", "early bird")


async def profile_on_console(pilot: Pilot[None], app: CallpopApp, customer_id: int) -> None:
    """The real console showing `customer_id`'s profile, painted."""
    await until(pilot, app.pop_ready.is_set)
    app.post_message(OpenProfile(customer_id))
    await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())


async def wrapup_loaded(pilot: Pilot[None], app: App[None]) -> None:
    """The wrap-up open and loaded (its reasons list has the focus), so the test ends on a screen
    at rest rather than one still mounting its lists."""
    await until(
        pilot, lambda: isinstance(app.screen, WrapUpScreen) and app.screen.query_one("#reasons").has_focus
    )


async def test_w_and_the_wrapup_typed_in_one_burst_on_the_profile(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: `w`, Enter, Enter and a note in one write from the profile: the keys after `w`
    went to the profile (the wrap-up was not open yet) and were lost. You should see the reason,
    the outcome and the note in the wrap-up, a letter the lists ignore included."""
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await profile_on_console(pilot, app, make_customer(sqlite_engine).id or 0)
        burst(app, "w", "x", "enter", "enter", *"card", "space", *"lost")
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        wrapup = app.screen
        await until(pilot, lambda: wrapup.query_one("#notes", TextArea).text == "card lost")
        picks = wrapup.query_one(WrapUpPicks)
        assert (picks.reason, picks.outcome) == ("billing", "resolved")


async def test_an_offer_accepted_and_w_in_one_burst_keep_the_answer(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: `a` (accept the offer) and `w` in one write from the profile: `w` is read as a
    priority key and opened the wrap-up before `a` reached the offers, so the caller's yes was
    lost. You should see the wrap-up carry the accepted offer."""
    load_offers(sqlite_engine, offer_toml("FIRST", value=300.0))
    customer = make_customer(sqlite_engine, consent_voice=True)
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await profile_on_console(pilot, app, customer.id or 0)
        panel = app.screen.query_one(OffersPanel)
        await until(pilot, lambda: len(panel.suggestions) == 1)
        burst(app, "a", "w")
        await wrapup_loaded(pilot, app)
        assert app.screen._offers == (OfferResponse("FIRST", "accepted"),)


async def test_escape_on_a_ticket_and_w_in_one_burst_open_the_wrapup(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: Escape closed the ticket only once the key had bubbled up, so the `w` typed
    behind it reached the ticket and was lost. You should see the wrap-up open from the profile."""
    customer = make_customer(sqlite_engine)
    ticket = make_ticket(sqlite_engine, customer)
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await profile_on_console(pilot, app, customer.id or 0)
        await app.push_screen(TicketViewScreen(ticket.id or 0))
        burst(app, "escape", "w")
        await wrapup_loaded(pilot, app)


async def test_a_burst_on_the_lookup_results_is_applied_in_order(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Lookup: "Down Down Enter" in one write opens the third match, not the first."""
    ids = [make_customer(sqlite_engine, "Mario", f"Rossi{n}").id for n in range(3)]
    app = Opened(seat(sqlite_engine, tmp_path), LookupScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"mario")
        await app.workers.wait_for_complete()  # the search of the whole query has answered
        await until(pilot, lambda: app.screen.query_one(MatchTable).row_count == 3)
        table = app.screen.query_one(MatchTable)
        shown = [match.customer_id for match in table.matches]
        assert sorted(shown) == sorted(ids)
        burst(app, "down", "down", "enter")
        await until(pilot, lambda: app.opened)
    assert app.opened == [shown[2]]


async def test_escape_and_a_new_search_in_one_burst_keep_the_new_search(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: "Escape R o m a" in one read cleared the box after "Roma" had been typed in it
    (the screen's Escape binding ran once the key had bubbled up). You should see "Roma" searched."""
    app = ScreenHarness(seat(sqlite_engine, tmp_path), LookupScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"zanzibar")
        query = app.screen.query_one("#query", Input)
        assert query.value == "zanzibar"
        burst(app, "escape", *"Roma")
        await until(pilot, lambda: query.value == "Roma", shown=lambda: query.value)
        await pilot.pause(0.2)
        assert query.value == "Roma"


async def test_escape_on_the_profile_and_a_new_search_in_one_burst(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: Escape on the profile went back only once the key had bubbled up, so the search
    typed behind it in the same burst reached the profile and was lost. You should see the lookup
    back with "Roma" searched."""
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await profile_on_console(pilot, app, make_customer(sqlite_engine).id or 0)
        burst(app, "escape", *"Roma")
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        query = app.screen.query_one("#query", Input)
        await until(pilot, lambda: query.value == "Roma", shown=lambda: query.value)


async def test_a_burst_on_the_pick_caller_list_is_applied_in_order(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: "Down Enter" in one write opened the first caller of a shared line (a priority
    Enter binding). You should see the second caller open."""
    make_customer(sqlite_engine, "Paolo", "Conti", phones=(NUMBER,), city="Roma")
    make_customer(sqlite_engine, "Chiara", "Conti", phones=(NUMBER,), city="Ostia")
    matches = find_by_phone(sqlite_engine, NUMBER, region="IT")
    app = Opened(seat(sqlite_engine, tmp_path), PickCallerScreen(matches, number=NUMBER, call_id="c-1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.query_one(MatchTable).has_focus)
        second = app.screen.query_one(MatchTable).matches[1].customer_id
        burst(app, "down", "enter")
        await until(pilot, lambda: app.opened)
    assert app.opened == [second]


async def shared_line_on_console(pilot: Pilot[None], app: CallpopApp, engine: Engine) -> None:
    """The pick list of a household line (two customers share NUMBER), ready for keys."""
    make_customer(engine, "Paolo", "Conti", phones=(NUMBER,), city="Roma")
    make_customer(engine, "Chiara", "Conti", phones=(NUMBER,), city="Ostia")
    matches = find_by_phone(engine, NUMBER, region="IT")
    await push_on_console(pilot, app, PickCallerScreen(matches, number=NUMBER, call_id="c-1"))
    await until(pilot, lambda: app.screen.query_one(MatchTable).has_focus)


async def test_escape_on_the_pick_caller_list_and_a_name_in_one_burst(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: Escape ("someone else") closed the list only once the key had bubbled up, so
    the name typed behind it went to the list and was lost; then the name was appended to the
    number Escape leaves there ("+39...Anna", found nobody). You should see "Anna" alone searched."""
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await shared_line_on_console(pilot, app, sqlite_engine)
        burst(app, "escape", *"Anna")
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        query = app.screen.query_one("#query", Input)
        await until(pilot, lambda: query.value == "Anna", shown=lambda: query.value)


async def test_end_after_someone_else_keeps_the_number_to_add_to(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: the number Escape leaves in the lookup is selected; "Escape End 4" in one read
    replaced it with "4" (End, a binding, acted after the digit). You should see the number with
    the digit after it."""
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await shared_line_on_console(pilot, app, sqlite_engine)
        burst(app, "escape", "end", "4")
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        query = app.screen.query_one("#query", Input)
        await until(pilot, lambda: query.value == NUMBER + "4", shown=lambda: query.value)


async def test_a_correction_typed_in_one_burst_is_applied_in_order(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: "rosu", Backspace, "si", Home, "mario " in one read gave "mario rosusi" minus
    the wrong letters (Backspace and Home, bindings, acted after the letters typed behind them).
    You should see "mario rossi"."""
    app = ScreenHarness(seat(sqlite_engine, tmp_path), LookupScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        query = app.screen.query_one("#query", Input)
        await until(pilot, lambda: query.has_focus)
        burst(app, *"rosu", "backspace", *"si", "home", *"mario", "space")
        await until(pilot, lambda: query.value == "mario rossi", shown=lambda: query.value)


async def test_a_contact_form_typed_and_saved_in_one_burst_saves_what_was_typed(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: ctrl+s (a priority binding) saved the form as the key was read, before the
    corrections and the Tab typed ahead of it in the same read: "Mara Rosi" was saved and the form
    closed as if the edit had landed. You should see "Maria Rossi" saved, each name in its field."""
    customer = make_customer(sqlite_engine, "Mara", "Rosi", phones=("+393471234567",))
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await profile_on_console(pilot, app, customer.id or 0)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ContactEditScreen) and app.screen.base is not None)
        given_name = app.screen.query_one("#given_name", Input)
        given_name.focus()
        await until(pilot, lambda: given_name.has_focus)
        burst(app, "end", "left", "i", "tab", "end", "backspace", *"si", "ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, ContactEditScreen))
    with read_session(sqlite_engine) as session:
        row = session.get(Customer, customer.id)
        assert row is not None
        assert (row.given_name, row.family_name) == ("Maria", "Rossi")


async def test_a_note_corrected_in_one_burst_is_saved_as_corrected(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: in the wrap-up's notes, "card lots", two Backspaces, "st" in one read kept the
    typo (Backspace acted after the letters behind it). You should see "card lost" logged."""
    customer = make_customer(sqlite_engine)
    app = ScreenHarness(seat(sqlite_engine, tmp_path), WrapUpScreen(call_id="c-n", customer_id=customer.id))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.query_one("#reasons").has_focus)
        burst(app, "enter", "enter", *"card", "space", *"lots", "backspace", "backspace", *"st", "ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, WrapUpScreen) or app.screen.finished)
    with read_session(sqlite_engine) as session:
        call = session.exec(select(Call)).one()
    assert call.notes == "card lost"


async def test_a_note_after_an_outcome_that_needs_a_ticket_lands_in_the_notes(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: w, Enter, Down Enter ("Follow-up needed"), then a note: focus had jumped to the
    Ticket select, the space opened it and the letters were swallowed. You should see the note in
    the notes, "New ticket" ready, and the save open the ticket."""
    customer = make_customer(sqlite_engine)
    app = ScreenHarness(seat(sqlite_engine, tmp_path), WrapUpScreen(call_id="c-t", customer_id=customer.id))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.query_one("#reasons").has_focus)
        await pilot.press("enter", "down", "enter", *"will", "space", *"check")
        assert app.screen.query_one("#notes", TextArea).text == "will check"
        assert app.screen.query_one("#ticket-action", Select).value == "new"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen.finished)
    with read_session(sqlite_engine) as session:
        call = session.exec(select(Call)).one()
    assert (call.outcome, call.notes) == ("follow_up", "will check")


SCREENS_LEFT_FOR_THE_LOOKUP = {
    "tickets": ("f8", TicketQueueScreen),
    "floor": ("f9", FloorScreen),
    "reports": ("f10", ReportsScreen),
    "callbacks": ("f6", CallbacksScreen),
    "returned mail": ("returned_mail", ReturnedMailScreen),
}


async def open_on_console(pilot: Pilot[None], app: CallpopApp, how: str, kind: type[Screen[object]]) -> None:
    """The supervisor screen `kind` opened on the console by its key (or action), with focus."""
    await until(pilot, app.pop_ready.is_set)
    if how.startswith("f"):
        await pilot.press(how)
    else:
        await app.run_action(how)
    await until(pilot, lambda: isinstance(app.screen, kind) and app.screen.focused is not None)


@pytest.mark.parametrize("name", SCREENS_LEFT_FOR_THE_LOOKUP)
async def test_escape_and_a_search_in_one_burst_from_a_supervisor_screen(
    sqlite_engine: Engine, tmp_path: Path, name: str
) -> None:
    """Regression: Escape on these screens went back only once the key had bubbled up, so the
    search typed behind it reached the screen being left (on the ticket queue "a" asks to
    reassign, "n" turns the page). You should see the lookup with "anna" searched and nothing
    else opened."""
    make_ticket(sqlite_engine, make_customer(sqlite_engine))
    how, kind = SCREENS_LEFT_FOR_THE_LOOKUP[name]
    app = console(sqlite_engine, tmp_path, role=Role.ADMIN)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on_console(pilot, app, how, kind)
        burst(app, "escape", *"anna")
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        query = app.screen.query_one("#query", Input)
        await until(pilot, lambda: query.value == "anna", shown=lambda: query.value)
        assert not any(isinstance(screen, TicketPromptScreen) for screen in app.screen_stack)


async def test_escape_on_an_open_list_closes_the_list_only(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Escape while a Select's list is open closes that list and stays on the screen (the
    screen's own Escape stands aside); the next Escape goes back."""
    app = console(sqlite_engine, tmp_path, role=Role.ADMIN)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on_console(pilot, app, "f10", ReportsScreen)
        chooser = app.screen.query_one("#reports-name", Select)
        chooser.focus()
        await pilot.press("enter")
        await until(pilot, lambda: chooser.expanded)
        await pilot.press("escape")
        await until(pilot, lambda: not chooser.expanded)
        assert isinstance(app.screen, ReportsScreen)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))


async def test_escape_on_the_contact_form_and_w_in_one_burst_open_the_wrapup(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: Escape cancelled the contact form only once the key had bubbled up, so the `w`
    typed behind it went into the form's field and was lost. You should see the wrap-up open from
    the profile, and the profile's contact unchanged."""
    customer = make_customer(sqlite_engine)
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await profile_on_console(pilot, app, customer.id or 0)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ContactEditScreen) and app.screen.base is not None)
        burst(app, "escape", "w")
        await wrapup_loaded(pilot, app)


async def test_two_escapes_and_a_search_leave_a_prompt_and_the_queue(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """A question on the ticket queue, then "Escape Escape anna" in one read: the question closes,
    the queue closes, and the search reaches the lookup."""
    make_ticket(sqlite_engine, make_customer(sqlite_engine))
    app = console(sqlite_engine, tmp_path, role=Role.SUPERVISOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on_console(pilot, app, "f8", TicketQueueScreen)
        await app.push_screen(ticket_prompt("note"))
        await until(
            pilot, lambda: isinstance(app.screen, TicketPromptScreen) and app.screen.focused is not None
        )
        burst(app, "escape", "escape", *"anna")
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        query = app.screen.query_one("#query", Input)
        await until(pilot, lambda: query.value == "anna", shown=lambda: query.value)


def test_every_text_field_of_the_console_takes_keys_in_order() -> None:
    """A screen that builds Textual's own Input or TextArea would bring the disorder back for its
    field: every one must be a `screens.widgets.typed` field (or a subclass of one)."""
    root = Path(__file__).resolve().parent.parent
    untyped = []
    typed = root / "screens" / "widgets" / "typed.py"
    for source in sorted(set((root / "screens").rglob("*.py")) - {typed}):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            called = node.func if isinstance(node, ast.Call) else None
            bases = node.bases if isinstance(node, ast.ClassDef) else []
            for name in [called, *bases]:
                if isinstance(name, ast.Name) and name.id in ("Input", "TextArea"):
                    untyped.append(f"{source.relative_to(root)}:{node.lineno}")
    assert untyped == []

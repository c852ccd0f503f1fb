"""The wrap-up screen driven by keys at 80x24 (and 120x40): every outcome path, drafts, errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual import on
from textual.widgets import Static, TextArea

from screens.messages import WrapUpFinished
from screens.widgets.call_timer import CallTimer
from screens.wrapup import WrapUpScreen
from store.db import read_session, write_session
from store.models import Call, CallStatus, Interaction, Ticket
from store.models.callbacks import Callback
from store.models.offers import Offer, OfferPresentation
from store.offers.responses import OfferResponse
from store.sanitize import clean_line
from store.wrapup import Draft, WrapUpForm, load_draft, save_draft
from store.wrapup.config import load_outcomes
from tests.factories import make_customer, make_ticket
from tests.harness import ScreenHarness, seat

OUTCOMES = [outcome.key for outcome in load_outcomes().outcomes]
FIXED = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


class Recorder(ScreenHarness):
    """The harness, remembering which wrap-ups said they were finished."""

    finished: list[str]

    def on_mount(self) -> None:
        self.finished = []
        super().on_mount()

    @on(WrapUpFinished)
    def _finished(self, message: WrapUpFinished) -> None:
        self.finished.append(message.call_id)


def status_of(app: Recorder) -> str:
    screen = app.screen
    assert isinstance(screen, WrapUpScreen)
    return str(screen.query_one("#save-status", Static).render())


async def settle(pilot: object, app: Recorder) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


def calls(engine: Engine) -> list[Call]:
    with read_session(engine) as session:
        return list(session.exec(select(Call)).all())


def count(engine: Engine, table: type) -> int:
    with read_session(engine) as session:
        return session.exec(select(sa.func.count()).select_from(table)).one()


async def test_common_case_in_a_handful_of_keys(sqlite_engine: Engine, tmp_path: Path) -> None:
    customer = make_customer(sqlite_engine)
    with write_session(sqlite_engine) as session:
        session.add(Call(call_id="c-1", extension="100", customer_id=customer.id, status=CallStatus.WRAP_UP))
    app = Recorder(seat(sqlite_engine, tmp_path), WrapUpScreen(call_id="c-1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter", "enter", *"refunded", "ctrl+s")
        await settle(pilot, app)
        assert status_of(app) == "saved"
        assert app.finished == ["c-1"]
    [call] = calls(sqlite_engine)
    assert (call.reason, call.outcome, call.notes, call.status) == ("billing", "resolved", "refunded", "done")
    assert count(sqlite_engine, Interaction) == 1
    assert load_draft(tmp_path, "c-1") is None


@pytest.mark.parametrize("outcome", OUTCOMES)
async def test_every_outcome_path(sqlite_engine: Engine, tmp_path: Path, outcome: str) -> None:
    customer = make_customer(sqlite_engine)
    app = Recorder(seat(sqlite_engine, tmp_path), WrapUpScreen(customer_id=customer.id))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("down", "down", "enter")  # Complaint
        await pilot.press(*["down"] * OUTCOMES.index(outcome), "enter")
        if outcome == "callback":
            await pilot.press("ctrl+b", *"+2h")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert status_of(app) == "saved", status_of(app)
    [call] = calls(sqlite_engine)
    assert (call.reason, call.outcome, call.direction) == ("complaint", outcome, "manual")
    assert count(sqlite_engine, Ticket) == (1 if outcome in ("follow_up", "escalated") else 0)
    assert count(sqlite_engine, Callback) == (1 if outcome == "callback" else 0)


async def test_callback_outcome_without_a_time_says_what_to_do(sqlite_engine: Engine, tmp_path: Path) -> None:
    customer = make_customer(sqlite_engine)
    app = Recorder(seat(sqlite_engine, tmp_path), WrapUpScreen(customer_id=customer.id))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter", *["down"] * OUTCOMES.index("callback"), "enter", "ctrl+s")
        await settle(pilot, app)
        assert status_of(app) == "'Callback scheduled' needs a callback time: ctrl+b"
        await pilot.press("ctrl+b", *"tomorrow", "ctrl+s")
        await settle(pilot, app)
        assert "use +2h, 14:30 or 2026-12-01 09:15" in status_of(app)
        assert app.finished == []
    assert calls(sqlite_engine) == []


async def test_ticket_for_an_unknown_caller_is_refused(sqlite_engine: Engine, tmp_path: Path) -> None:
    app = Recorder(seat(sqlite_engine, tmp_path), WrapUpScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter", *["down"] * OUTCOMES.index("escalated"), "enter", "ctrl+s")
        await settle(pilot, app)
        assert status_of(app) == "a ticket or callback needs a customer: look the customer up first"
    assert calls(sqlite_engine) == []


async def test_update_an_open_ticket_at_120x40(sqlite_engine: Engine, tmp_path: Path) -> None:
    customer = make_customer(sqlite_engine)
    ticket = make_ticket(sqlite_engine, customer, "Oven still broken", category="warranty")
    app = Recorder(seat(sqlite_engine, tmp_path), WrapUpScreen(customer_id=customer.id))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("down", "enter", "enter", *"engineer booked")
        await pilot.press("ctrl+t", "enter", "down", "down", "enter")  # the open ticket
        await pilot.press("tab", "tab", "enter", "down", "down", "enter")  # status: resolved
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert status_of(app) == "saved"
    with read_session(sqlite_engine) as session:
        stored = session.get(Ticket, ticket.id)
        interaction = session.exec(select(Interaction)).one()
    assert stored is not None and stored.status == "resolved"
    assert interaction.ticket_id == ticket.id
    assert count(sqlite_engine, Ticket) == 1


async def test_draft_is_kept_while_typing_and_restored(sqlite_engine: Engine, tmp_path: Path) -> None:
    customer = make_customer(sqlite_engine)
    app = Recorder(seat(sqlite_engine, tmp_path), WrapUpScreen(call_id="c-d", customer_id=customer.id))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("down", "enter", "enter", *"half typed")
        await pilot.pause(0.6)
        await settle(pilot, app)
    draft = load_draft(tmp_path, "c-d")
    assert draft is not None
    assert (draft.form.reason, draft.form.outcome, draft.form.notes) == (
        "warranty_claim",
        "resolved",
        "half typed",
    )
    again = Recorder(seat(sqlite_engine, tmp_path), WrapUpScreen(call_id="c-d"))
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot, again)
        assert status_of(again) == "draft restored"
        assert again.screen.query_one("#notes", TextArea).text == "half typed"
        assert "Warranty claim" in str(again.screen.query_one("#picked", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot, again)
        assert status_of(again) == "saved"
    assert [c.reason for c in calls(sqlite_engine)] == ["warranty_claim"]


async def test_hostile_text_renders_literally_and_is_stored_cleaned(
    sqlite_engine: Engine, tmp_path: Path, hostile: str
) -> None:
    customer = make_customer(sqlite_engine, hostile, "")
    form = WrapUpForm("billing", "resolved", hostile, campaign_code=hostile)
    save_draft(tmp_path, Draft("c-h", "anna", customer.id, FIXED, form))
    app = Recorder(seat(sqlite_engine, tmp_path), WrapUpScreen(call_id="c-h", customer_id=customer.id))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        title = str(app.screen.query_one("#wrapup-title", Static).render())
        assert clean_line(hostile) in title and "\x1b" not in title
        shown = app.screen.query_one("#notes", TextArea).text
        lines = str.maketrans({"\u2028": "\n", "\u2029": "\n"})  # a TextArea breaks lines there too
        assert shown.replace("\r\n", "\n") == hostile.replace("\r\n", "\n").translate(lines)  # literally
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert status_of(app) == "saved"
    [call] = calls(sqlite_engine)
    assert "\x1b" not in call.notes and "\u202e" not in call.notes and "\x1b" not in call.campaign_code


def test_wrapup_snapshot(snap_compare: object, sqlite_engine: Engine, tmp_path: Path) -> None:
    customer = make_customer(sqlite_engine, "Giulia", "Conti")
    make_ticket(sqlite_engine, customer, "Card blocked abroad", category="billing")
    app = Recorder(
        seat(sqlite_engine, tmp_path), WrapUpScreen(call_id="snap-call-0001", customer_id=customer.id)
    )

    async def fill(pilot: object) -> None:
        await settle(pilot, app)
        timer = app.screen.query_one(CallTimer)
        timer.clock = lambda: FIXED
        timer.start(FIXED, FIXED)
        await pilot.press("enter", "enter", *"Card blocked in Lisbon")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]

    assert snap_compare(app, terminal_size=(80, 24), run_before=fill)  # type: ignore[operator]


async def test_offer_answers_from_the_call_are_saved_with_the_outcome(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    customer = make_customer(sqlite_engine)
    with write_session(sqlite_engine) as session:
        session.add(Offer(code="GOLD", title="Gold card"))
    answers = [OfferResponse("GOLD", "maybe_later")]
    app = Recorder(
        seat(sqlite_engine, tmp_path), WrapUpScreen(customer_id=customer.id, offer_responses=answers)
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert "Offers: GOLD maybe later" in str(app.screen.query_one("#picked", Static).render())
        await pilot.press("enter", "enter", "ctrl+s")
        await settle(pilot, app)
        assert status_of(app) == "saved"
    with read_session(sqlite_engine) as session:
        assert session.exec(select(OfferPresentation.response)).all() == ["maybe_later"]


async def test_keys_typed_ahead_land_in_the_next_field(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: Enter on the reason list moved focus only after the keys already typed had gone
    to the list, so a fast typist's "enter enter note" lost the note. You should see every key of
    one burst (as an SSH packet delivers it) land: reason, outcome and the note."""
    from textual import events

    customer = make_customer(sqlite_engine)
    app = Recorder(seat(sqlite_engine, tmp_path), WrapUpScreen(customer_id=customer.id))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        burst = [("enter", None), ("enter", None)] + [(char, char) for char in "paid twice"]
        for key, character in burst:
            app.post_message(events.Key(key, character))
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert status_of(app) == "saved"
    [call] = calls(sqlite_engine)
    assert (call.reason, call.outcome, call.notes) == ("billing", "resolved", "paid twice")

"""The console as a seat: a mandatory wrap-up holds the next voice call, chats still pop,
unfinished wrap-ups come back after a crash, and a bad outcomes file is refused at start."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Static, TextArea

from console.app import CallpopApp
from console.cli import main
from screens.lookup import LookupScreen
from screens.profile import ProfileScreen
from screens.wrapup import WrapUpScreen
from store.call_events import Ring, ring
from store.db import read_session
from store.models import Call, Channel
from store.wrapup import Draft, WrapUpForm, save_draft
from tests.factories import make_customer
from tests.harness import console, until


async def _listening(app: CallpopApp, pilot: Pilot[None]) -> None:
    await until(pilot, app.pop_ready.is_set)


async def test_mandatory_wrapup_holds_the_next_voice_call(sqlite_engine: Engine, tmp_path: Path) -> None:
    first = make_customer(sqlite_engine, "Maria", "Rossi", phones=("+390612345678",))
    second = make_customer(sqlite_engine, "Luca", "Bianchi", phones=("+393471234567",))
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _listening(app, pilot)
        ring(sqlite_engine, Ring(call_id="call-1", caller="06 1234 5678", extension="100"))
        await until(
            pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.customer_id == first.id
        )
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        ring(sqlite_engine, Ring(call_id="call-2", caller="347 123 4567", extension="100"))
        await until(pilot, lambda: app.held_pop is not None)
        assert isinstance(app.screen, WrapUpScreen), "the waiting call must not cover the wrap-up"
        await pilot.press("enter", "enter", "ctrl+s")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, ProfileScreen)
                and app.screen.customer_id == second.id
                and app.screen.painted.is_set()
            ),
        )
        assert app.screen.call_id == "call-2"
        assert app.held_pop is None


async def test_a_chat_pops_even_during_a_mandatory_wrapup(sqlite_engine: Engine, tmp_path: Path) -> None:
    make_customer(sqlite_engine, "Maria", "Rossi")
    chatter = make_customer(sqlite_engine, "Ana", "Lopez", emails=("ana@example.com",))
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _listening(app, pilot)
        await pilot.press("f1")
        app.post_message(StartWrapUpFor(None))
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        ring(sqlite_engine, Ring("chat-1", "", "100", Channel.CHAT, email="ana@example.com"))
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, ProfileScreen)
                and app.screen.customer_id == chatter.id
                and app.screen.painted.is_set()
            ),
        )
        assert any(isinstance(screen, WrapUpScreen) for screen in app.screen_stack)


def StartWrapUpFor(customer_id: int | None) -> object:  # noqa: N802 - reads as the message it makes
    from screens.messages import StartWrapUp

    return StartWrapUp(None, customer_id)


async def test_unfinished_wrapup_comes_back_at_start(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: a console killed mid wrap-up lost the operator's notes. You should see the
    wrap-up reopen with its notes when the same operator starts the console again."""
    customer = make_customer(sqlite_engine)
    started = datetime.now(UTC)
    save_draft(tmp_path, Draft("call-9", "anna", customer.id, started, WrapUpForm(notes="promised a refund")))
    save_draft(tmp_path, Draft("call-10", "marco", customer.id, started, WrapUpForm(notes="not anna's")))
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        assert app.screen.call_id == "call-9"
        assert len([s for s in app.screen_stack if isinstance(s, WrapUpScreen)]) == 1
        await until(
            pilot, lambda: str(app.screen.query_one("#save-status", Static).render()) == "draft restored"
        )
        assert app.screen.query_one("#notes", TextArea).text == "promised a refund"
        await pilot.press("enter", "enter", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
    with read_session(sqlite_engine) as session:
        call = session.exec(select(Call).where(Call.call_id == "call-9")).one()
    assert (call.operator, call.customer_id, call.notes) == ("anna", customer.id, "promised a refund")


def test_bad_outcomes_file_is_refused_before_the_console_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "outcomes.toml"
    bad.write_text('[wrapup]\nmode = "whenever"\n', encoding="utf-8")
    monkeypatch.setenv("CALLPOP_OUTCOMES_FILE", str(bad))
    assert main(["run", "--database", f"sqlite:///{tmp_path / 'c.db'}"]) == 2
    assert capsys.readouterr().err.startswith("callpop run: outcomes.toml: ")


def test_unreachable_database_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql+psycopg://clerk:secret@127.0.0.1:1/none"
    assert main(["db", "status", "--database", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "callpop db: the database at postgresql+psycopg://clerk:***@127.0.0.1:1/none is unavailable"
    )
    assert "secret" not in err


async def test_going_back_to_the_lookup_never_drops_an_open_wrapup(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: F1 (or Escape, or an unknown chat) during a wrap-up unwound the stack through it,
    and the call's outcome was gone until the next start. You should see a lookup open above the
    wrap-up, and the wrap-up back on top, still open, after Escape... and saved normally."""
    from screens.messages import StartWrapUp

    customer = make_customer(sqlite_engine)
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        app.post_message(StartWrapUp(None, customer.id))
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        wrapup = app.screen
        await pilot.press("f1")
        await until(
            pilot, lambda: isinstance(app.screen, LookupScreen) and app.screen is not app.screen_stack[1]
        )
        assert wrapup in app.screen_stack
        app.pop_screen()
        await until(pilot, lambda: app.screen is wrapup)
        await pilot.press("enter", "enter", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, LookupScreen) and wrapup not in app.screen_stack)

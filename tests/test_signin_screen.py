"""Signing in to the real console, both ways, and the idle lock, driven as an operator would."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.pilot import Pilot
from textual.widgets import Label, TextArea

from console.acting import os_account
from console.app import make_app
from console.config import Settings
from screens.lock import LockScreen
from screens.lookup import LookupScreen
from screens.messages import OpenProfile, StartWrapUp
from screens.profile import ProfileScreen
from screens.signin import SignInScreen
from screens.wrapup import WrapUpScreen
from store.identity import SignInRefused
from store.models import AuditRecord, Role
from store.wrapup.drafts import load_draft
from tests.factories import make_customer
from tests.harness import TEST_PASSWORD, operator_row, until

SIZES = [(80, 24), (120, 40)]


def _settings(tmp_path: Path, **fields: object) -> Settings:
    return Settings(default_region="IT", data_dir=tmp_path, **fields)  # type: ignore[arg-type]


def _message(app: object) -> str:
    return str(app.screen.query_one("#signin-message", Label).render())  # type: ignore[attr-defined]


def _draft_notes(data_dir: Path) -> str | None:
    draft = load_draft(data_dir, "call-lock-1")
    return None if draft is None else draft.form.notes


def _text_below(app: object) -> str:
    """What the screens under the lock hold (they are kept, just not shown)."""
    return " ".join(str(w.render()) for screen in app.screen_stack[:-1] for w in screen.query("*"))  # type: ignore[attr-defined]


async def _type_password(pilot: Pilot[None], password: str) -> None:
    await pilot.press(*password)
    await pilot.press("enter")


@pytest.mark.parametrize("size", SIZES)
async def test_password_sign_in_opens_the_operators_own_seat(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    """Regression: `--operator` was the identity. You should see the sign-in screen with the name
    pre-filled, a wrong password refused without saying which part, then anna's own seat."""
    operator_row(sqlite_engine, "anna", extension="100")
    app = make_app(_settings(tmp_path, signin="password", operator="anna"), engine=sqlite_engine)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await pilot.press("f1", "f6")  # nothing behind the sign-in opens
        assert isinstance(app.screen, SignInScreen)
        await _type_password(pilot, "not the password")
        await until(pilot, lambda: "Wrong username or password" in _message(app))
        await _type_password(pilot, TEST_PASSWORD)
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        assert (app.context.operator, app.context.role, app.context.extension) == (
            "anna",
            Role.OPERATOR,
            "100",
        )
        assert app.sub_title == "anna (operator) @ ext 100"


async def test_the_prefilled_name_grants_nothing(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: `callpop run --operator sofia` became a supervisor. You should see sofia's
    name pre-filled and anna's password refused for it."""
    operator_row(sqlite_engine, "anna", extension="100")
    operator_row(sqlite_engine, "sofia", extension="200", role=Role.SUPERVISOR)
    app = make_app(_settings(tmp_path, signin="password", operator="sofia"), engine=sqlite_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        assert app.context.actor is None
        await _type_password(pilot, "anna's password is not sofia's")
        await until(pilot, lambda: "Wrong username or password" in _message(app))
        assert app.context.actor is None and isinstance(app.screen, SignInScreen)


async def test_another_seats_extension_is_refused_at_sign_in(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: `--extension 200` listened to sofia's seat. You should see the sign-in refuse it."""
    operator_row(sqlite_engine, "anna", extension="100")
    operator_row(sqlite_engine, "sofia", extension="200")
    app = make_app(
        _settings(tmp_path, signin="password", operator="anna", extension="200"), engine=sqlite_engine
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await _type_password(pilot, TEST_PASSWORD)
        await until(pilot, lambda: "Extension 200 is not yours (yours is 100)" in _message(app))
        assert app.context.actor is None


async def test_the_os_account_signs_in_without_a_password(sqlite_engine: Engine, tmp_path: Path) -> None:
    """The SSH ForceCommand way: the Unix account's operator row is the identity."""
    operator_row(sqlite_engine, os_account(), extension="150", role=Role.SUPERVISOR)
    app = make_app(_settings(tmp_path), engine=sqlite_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        assert (app.context.operator, app.context.role, app.context.extension) == (
            os_account(), Role.SUPERVISOR, "150",
        )  # fmt: skip


def test_no_operator_row_no_console_when_os_sign_in_is_required(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    with pytest.raises(SignInRefused, match="not an active operator"):
        make_app(_settings(tmp_path, signin="os"), engine=sqlite_engine)


async def test_idle_lock_hides_customer_data_and_keeps_the_wrap_up(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: an unattended console showed a customer forever. You should see the lock
    screen cover the profile and the wrap-up after the idle time, and the password bring the
    wrap-up (and its notes) back."""
    customer = make_customer(sqlite_engine, "Maria", "Riservata", city="Roma")
    operator_row(sqlite_engine, os_account(), extension="100")
    app = make_app(_settings(tmp_path), engine=sqlite_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        app.post_message(OpenProfile(customer.id or 0))
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen))
        app.post_message(StartWrapUp(call_id="call-lock-1", customer_id=customer.id))
        await until(
            pilot, lambda: isinstance(app.screen, WrapUpScreen) and app.screen.query_one("#reasons").has_focus
        )  # loaded: it focuses its reasons list
        await pilot.press("enter", "enter", *"kept note")  # reason, outcome, then the notes
        await until(pilot, lambda: _draft_notes(tmp_path) == "kept note")
        app.rules = replace(app.rules, idle_lock_s=1.0)  # the operator walks away now
        await until(pilot, lambda: isinstance(app.screen, LockScreen), timeout=15)
        assert _draft_notes(tmp_path) == "kept note"
        assert "Riservata" not in app.export_screenshot() and "Riservata" in _text_below(app)
        await pilot.press("f1", "escape")
        assert isinstance(app.screen, LockScreen)
        await _type_password(pilot, TEST_PASSWORD)
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        assert app.screen.query_one("#notes", TextArea).text == "kept note"


def test_sign_in_snapshot(snap_compare: object, sqlite_engine: Engine, tmp_path: Path) -> None:
    operator_row(sqlite_engine, "anna", extension="100")
    app = make_app(_settings(tmp_path, signin="password", operator="anna"), engine=sqlite_engine)

    async def wrong_password(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await _type_password(pilot, "nope nope nope")
        await until(pilot, lambda: "Wrong username or password" in _message(app))
        await pilot.pause()  # the cleared, focused password box repaints on the next frame

    assert snap_compare(app, terminal_size=(80, 24), run_before=wrong_password)  # type: ignore[operator]


async def test_an_os_account_without_a_row_is_told_why_it_must_sign_in(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    app = make_app(_settings(tmp_path), engine=sqlite_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        assert f"The OS account {os_account()} is not an operator here" in _message(app)


async def test_a_crash_prints_no_local_variables(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: Textual's crash report printed every frame's locals (a loaded profile, a
    typed note) to the terminal. You should see the traceback without them."""
    operator_row(sqlite_engine, os_account(), extension="100")
    app = make_app(_settings(tmp_path), engine=sqlite_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        customer_note = "Maria " + "Rise" + "rvata"  # noqa: F841  (a local the crash must not print)
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            app._fatal_error()
        with app.console.capture() as capture:
            for renderable in app._exit_renderables:
                app.console.print(renderable)
    assert "boom" in capture.get() and "Riservata" not in capture.get()


async def test_a_pop_to_a_locked_seat_reads_nothing(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: a pop reads the caller's profile before it opens it, and did so on a locked
    seat too: a view audited that nobody saw. You should see the lock stay up and no view logged."""
    customer = make_customer(sqlite_engine, "Maria", "Riservata", city="Roma")
    operator_row(sqlite_engine, os_account(), extension="100")
    app = make_app(_settings(tmp_path), engine=sqlite_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        app.action_lock()
        await until(pilot, lambda: isinstance(app.screen, LockScreen))
        app.post_message(OpenProfile(customer.id or 0, call_id="call-locked-1"))
        await pilot.pause()
        await until(pilot, lambda: not [w for w in app.workers if w.group == "pop-profile" and w.is_running])
        assert isinstance(app.screen, LockScreen)
    with sqlite_engine.connect() as connection:
        views = connection.execute(
            sa.select(sa.func.count()).where(
                AuditRecord.customer_id == customer.id, AuditRecord.action == "customer.view"
            )
        ).scalar_one()
    assert views == 0

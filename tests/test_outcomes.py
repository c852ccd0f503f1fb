"""The outcomes file: validated with clear messages, and its modes drive the wrap-up screen."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual import on
from textual.widgets import Static
from textual.widgets._footer import FooterKey

import screens.wrapup_timebox
from screens.messages import WrapUpFinished
from screens.wrapup import WrapUpScreen
from store.db import read_session, write_session
from store.models import Call
from store.wrapup import Draft, WrapUpForm, WrapUpRejected, save_draft
from store.wrapup.config import BUILT_IN, OutcomesError, TicketRule, WrapUpMode, load_outcomes
from store.wrapup.drafts import load_draft
from store.wrapup.form import Seat, build_wrapup
from tests.factories import make_customer
from tests.harness import ScreenHarness, seat, until

GOOD = """
[wrapup]
mode = "{mode}"
acw_seconds = {acw}
default_reason = "billing"
default_outcome = "resolved"

[[reasons]]
key = "billing"
label = "Billing"
outcomes = ["resolved", "callback"]

[[reasons]]
key = "other"
label = "Other"

[[outcomes]]
key = "resolved"
label = "Resolved"

[[outcomes]]
key = "callback"
label = "Callback scheduled"
callback = true

[[outcomes]]
key = "escalated"
label = "Escalated"
ticket = "required"
"""
SEAT = Seat("c-1", "anna", "100", 7, "voice", "inbound", datetime(2026, 11, 22, 9, tzinfo=UTC))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "outcomes.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_built_in_file_has_the_issue_reasons_and_outcomes() -> None:
    config = load_outcomes()
    assert {"billing", "warranty_claim", "complaint", "product_enquiry", "address_change"} <= {
        r.key for r in config.reasons
    }
    assert [o.key for o in config.outcomes] == [
        "resolved", "follow_up", "escalated", "callback", "sale", "no_answer", "wrong_number"
    ]  # fmt: skip
    assert config.outcome("escalated").ticket is TicketRule.REQUIRED  # type: ignore[union-attr]
    assert config.mode is WrapUpMode.TIMEBOXED and load_outcomes(BUILT_IN) == config


def test_a_reason_can_limit_its_outcomes(tmp_path: Path) -> None:
    config = load_outcomes(write(tmp_path, GOOD.format(mode="optional", acw=30)))
    assert [o.key for o in config.outcomes_for("billing")] == ["resolved", "callback"]
    assert [o.key for o in config.outcomes_for("other")] == ["resolved", "callback", "escalated"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('Billing"\n', "Billing"), "outcomes.toml: not valid TOML"),
        (('"callback"]', '"nope"]'), "outcomes.toml: reason 'billing' lists unknown outcome 'nope'"),
        (('key = "other"', 'key = "billing"'), "outcomes.toml: reason 'billing' appears twice"),
        (('key = "other"', 'key = "Other!"'), "outcomes.toml: reason key 'Other!' must be lower-case"),
        (('label = "Other"', 'label = ""'), "outcomes.toml: reason 'other' needs a label"),
        (('mode = "optional"', 'mode = "sometimes"'), "outcomes.toml: wrapup mode 'sometimes' is not one of"),
        (("acw_seconds = 30", "acw_seconds = 0"), "outcomes.toml: wrapup acw_seconds must be a whole number"),
        (
            ('default_outcome = "resolved"', 'default_outcome = "x"'),
            "outcomes.toml: wrapup default_outcome 'x' is not",
        ),
        (('ticket = "required"', 'ticket = "always"'), "outcomes.toml: outcome 'escalated' ticket must be"),
        (("callback = true", 'callback = "yes"'), "outcomes.toml: outcome 'callback' callback must be true"),
        (("callback = true", "colour = 1"), "outcomes.toml: outcome 'callback' has unknown field 'colour'"),
    ],
)
def test_mistakes_are_named_clearly(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    text = GOOD.format(mode="optional", acw=30).replace(*change, 1)
    with pytest.raises(OutcomesError) as error:
        load_outcomes(write(tmp_path, text))
    assert str(error.value).startswith(message)


def test_missing_file_and_empty_lists(tmp_path: Path) -> None:
    with pytest.raises(OutcomesError, match=r"^outcomes.toml: cannot read"):
        load_outcomes(tmp_path / "outcomes.toml")
    with pytest.raises(OutcomesError, match=r"needs at least one \[\[outcomes\]\] entry"):
        load_outcomes(write(tmp_path, "[[reasons]]\nkey = 'a'\nlabel = 'A'\n"))


def test_build_checks_the_outcome_rules() -> None:
    config = load_outcomes()
    with pytest.raises(WrapUpRejected, match="pick a reason"):
        build_wrapup(config, SEAT, WrapUpForm())
    with pytest.raises(WrapUpRejected, match="'Escalated' needs a ticket"):
        build_wrapup(config, SEAT, WrapUpForm("billing", "escalated", ticket_action="none"))
    built = build_wrapup(config, SEAT, WrapUpForm("billing", "escalated", ticket_action="new"))
    assert built.ticket is not None and (built.ticket.subject, built.ticket.category) == (
        "Billing",
        "billing",
    )
    ignored = build_wrapup(config, SEAT, WrapUpForm("billing", "resolved", ticket_action="none"))
    assert ignored.ticket is None and ignored.callback is None


def test_acw_timeout_fills_defaults_and_falls_back_when_rules_fail() -> None:
    config = load_outcomes()
    empty = build_wrapup(config, SEAT, WrapUpForm(notes="hung up"), timed_out=True)
    assert (empty.reason, empty.outcome, empty.notes) == ("other", "resolved", "[ACW timeout] hung up")
    unmet = build_wrapup(config, SEAT, WrapUpForm("billing", "callback"), timed_out=True)
    assert (unmet.reason, unmet.outcome, unmet.callback) == ("billing", "resolved", None)


class Recorder(ScreenHarness):
    finished: str = ""

    @on(WrapUpFinished)
    def _finished(self, message: WrapUpFinished) -> None:
        self.finished = message.call_id


def harness(engine: Engine, tmp_path: Path, mode: str, acw: int, customer_id: int) -> Recorder:
    context = dataclasses.replace(
        seat(engine, tmp_path), outcomes_file=write(tmp_path, GOOD.format(mode=mode, acw=acw))
    )
    return Recorder(context, WrapUpScreen(call_id="c-m", customer_id=customer_id))


def footer(app: Recorder) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey) if not key.has_class("-disabled")]


async def test_timeboxed_saves_the_default_when_acw_runs_out(sqlite_engine: Engine, tmp_path: Path) -> None:
    app = harness(sqlite_engine, tmp_path, "timeboxed", 1, make_customer(sqlite_engine).id or 0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press(*"left a message")  # typed into the reasons list: no reason picked yet
        await pilot.pause(1.5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.finished == "c-m"
        assert "Skip" not in footer(app)
    with read_session(sqlite_engine) as session:
        call = session.exec(select(Call)).one()
    assert (call.reason, call.outcome, call.notes) == ("billing", "resolved", "[ACW timeout]")


async def test_optional_wrapup_can_be_skipped(sqlite_engine: Engine, tmp_path: Path) -> None:
    app = harness(sqlite_engine, tmp_path, "optional", 60, make_customer(sqlite_engine).id or 0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("enter", "enter", *"x")
        await pilot.pause(0.5)
        assert "Skip" in footer(app) and load_draft(tmp_path, "c-m") is not None
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.finished == "c-m"
    assert load_draft(tmp_path, "c-m") is None
    with read_session(sqlite_engine) as session:
        assert session.exec(select(Call)).all() == []


async def test_mandatory_wrapup_cannot_be_skipped(sqlite_engine: Engine, tmp_path: Path) -> None:
    app = harness(sqlite_engine, tmp_path, "mandatory", 60, make_customer(sqlite_engine).id or 0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("escape")
        await pilot.pause()
        assert app.finished == "" and "Skip" not in footer(app)
        assert "ACW" in str(app.screen.query_one("#timer", Static).render())


async def test_a_broken_outcomes_file_is_shown_not_crashed(sqlite_engine: Engine, tmp_path: Path) -> None:
    context = dataclasses.replace(seat(sqlite_engine, tmp_path), outcomes_file=write(tmp_path, "mode = ["))
    app = Recorder(context, WrapUpScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = str(app.screen.query_one("#save-status", Static).render())
    assert status.startswith("outcomes.toml: not valid TOML")


async def test_a_restored_timeboxed_draft_is_shown_with_the_acw_clock_restarted(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: a console that crashed in time-boxed mode, restarted after `acw_seconds`, saved
    the restored draft at once as "[ACW timeout]". You should see the draft on screen, unsaved,
    with the ACW clock from zero; only when that runs out again is it saved."""
    customer_id = make_customer(sqlite_engine).id or 0
    ended = datetime.now(UTC) - timedelta(minutes=10)
    with write_session(sqlite_engine) as session:
        session.add(
            Call(call_id="c-m", extension="100", customer_id=customer_id, answered_at=ended, ended_at=ended)
        )
    save_draft(tmp_path, Draft("c-m", "anna", customer_id, ended, WrapUpForm(notes="left a message")))
    app = harness(sqlite_engine, tmp_path, "timeboxed", 4, customer_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        assert app.finished == ""
        assert str(app.screen.query_one("#save-status", Static).render()) == "draft restored"
        # From zero, not from the call's end ten minutes ago (a loaded machine may show a second).
        assert re.search(r"ACW 00:0[0-3]/00:04", str(app.screen.query_one("#timer", Static).render()))
        await until(pilot, lambda: app.finished == "c-m")
    with read_session(sqlite_engine) as session:
        assert session.exec(select(Call.notes)).one() == "[ACW timeout] left a message"


async def test_a_timeboxed_wrapup_waits_for_the_typing_to_pause(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: the ACW time of a time-boxed wrap-up ran out while the operator was typing the
    notes: it saved at once, the rest of the sentence was lost and its keys went to the screen
    below. You should see the whole sentence saved, once the typing pauses."""
    app = harness(sqlite_engine, tmp_path, "timeboxed", 1, make_customer(sqlite_engine).id or 0)
    note = "receipt by post tomorrow"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("enter", "enter")  # a reason, an outcome: the notes have the focus
        started = time.monotonic()
        for key in note:
            await pilot.press("space" if key == " " else key)
            await asyncio.sleep(0.05)  # about 10 keys a second, past the 1 s of ACW time
        assert time.monotonic() - started > 1.5 and app.finished == ""
        await until(pilot, lambda: app.finished == "c-m")
    with read_session(sqlite_engine) as session:
        call = session.exec(select(Call)).one()
    assert call.notes == f"[ACW timeout] {note}"


async def test_typing_on_does_not_hold_off_a_timeboxed_save_for_long(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wait for a pause is capped (ACW_GRACE_S, half a second here): typing without a pause
    does not keep the wrap-up open past it. You should see it saved while the typing goes on."""
    monkeypatch.setattr(screens.wrapup_timebox, "ACW_GRACE_S", 0.5)
    app = harness(sqlite_engine, tmp_path, "timeboxed", 1, make_customer(sqlite_engine).id or 0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("enter", "enter")
        started = time.monotonic()
        while app.finished == "" and time.monotonic() - started < 5:
            await pilot.press("x")
            await asyncio.sleep(0.05)
        assert app.finished == "c-m" and time.monotonic() - started < 3

"""Wrap-up reasons, outcomes and the wrap-up mode, read from a TOML file the business edits.

The file is hand-written by an administrator, so every mistake is reported as one clear line
naming the file and the entry ("outcomes.toml: reason 'x' ...") instead of a traceback.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from store.offers.responses import OfferResponse
from store.sanitize import clean_line
from store.tickets import FollowUpError, TicketChange, parse_callback_time
from store.timeutil import utcnow
from store.wrapup import CallbackRequest, WrapUp

BUILT_IN = Path(__file__).parent / "data" / "outcomes.toml"
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class OutcomesError(ValueError):
    """The outcomes file is unreadable or invalid; the message names the file and the entry."""


class WrapUpMode(StrEnum):
    MANDATORY = "mandatory"
    TIMEBOXED = "timeboxed"
    OPTIONAL = "optional"


class TicketRule(StrEnum):
    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class Reason:
    key: str
    label: str
    ticket_category: str
    outcomes: tuple[str, ...] = ()
    """Outcome keys offered for this reason; empty means all."""


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str
    ticket: TicketRule = TicketRule.OPTIONAL
    callback: bool = False


@dataclass(frozen=True)
class OutcomeConfig:
    mode: WrapUpMode
    acw_seconds: int
    default_reason: str
    default_outcome: str
    reasons: tuple[Reason, ...]
    outcomes: tuple[Outcome, ...]

    def reason(self, key: str) -> Reason | None:
        return next((reason for reason in self.reasons if reason.key == key), None)

    def outcome(self, key: str) -> Outcome | None:
        return next((outcome for outcome in self.outcomes if outcome.key == key), None)

    def outcomes_for(self, reason_key: str) -> tuple[Outcome, ...]:
        """The outcomes offered after picking `reason_key`, in file order."""
        reason = self.reason(reason_key)
        if reason is None or not reason.outcomes:
            return self.outcomes
        return tuple(outcome for outcome in self.outcomes if outcome.key in reason.outcomes)


def load_outcomes(path: Path | None = None) -> OutcomeConfig:
    """The configuration in `path` (None: the built-in list), validated."""
    path = path or BUILT_IN
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise OutcomesError(f"{path.name}: cannot read {path}: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise OutcomesError(f"{path.name}: not valid TOML: {error}") from error
    return parse_outcomes(data, source=path.name)


def parse_outcomes(data: dict[str, Any], *, source: str = "outcomes.toml") -> OutcomeConfig:
    """Validate the parsed TOML `data`; `source` names the file in error messages."""
    outcomes = tuple(_outcome(entry, source) for entry in _entries(data, "outcomes", source))
    reasons = tuple(_reason(entry, source) for entry in _entries(data, "reasons", source))
    _unique(source, "reason", [reason.key for reason in reasons])
    _unique(source, "outcome", [outcome.key for outcome in outcomes])
    outcome_keys = {outcome.key for outcome in outcomes}
    for reason in reasons:
        for key in reason.outcomes:
            if key not in outcome_keys:
                raise OutcomesError(f"{source}: reason '{reason.key}' lists unknown outcome '{key}'")
    settings = data.get("wrapup", {})
    if not isinstance(settings, dict):
        raise OutcomesError(f"{source}: [wrapup] must be a table")
    mode = str(settings.get("mode", WrapUpMode.MANDATORY))
    if mode not in set(WrapUpMode):
        raise OutcomesError(f"{source}: wrapup mode '{mode}' is not one of {', '.join(WrapUpMode)}")
    acw = settings.get("acw_seconds", 120)
    if not isinstance(acw, int) or isinstance(acw, bool) or not 1 <= acw <= 3600:
        raise OutcomesError(f"{source}: wrapup acw_seconds must be a whole number from 1 to 3600")
    default_reason = str(settings.get("default_reason", reasons[0].key))
    default_outcome = str(settings.get("default_outcome", outcomes[0].key))
    if default_reason not in {reason.key for reason in reasons}:
        raise OutcomesError(f"{source}: wrapup default_reason '{default_reason}' is not a reason")
    if default_outcome not in outcome_keys:
        raise OutcomesError(f"{source}: wrapup default_outcome '{default_outcome}' is not an outcome")
    return OutcomeConfig(WrapUpMode(mode), acw, default_reason, default_outcome, reasons, outcomes)


def _entries(data: dict[str, Any], name: str, source: str) -> list[dict[str, Any]]:
    entries = data.get(name)
    if not isinstance(entries, list) or not entries:
        raise OutcomesError(f"{source}: needs at least one [[{name}]] entry")
    for index, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise OutcomesError(f"{source}: {name} entry {index} must be a table")
    return entries


def _key_and_label(entry: dict[str, Any], kind: str, source: str) -> tuple[str, str]:
    key = entry.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise OutcomesError(
            f"{source}: {kind} key {key!r} must be lower-case letters, digits or _ (at most 40)"
        )
    label = clean_line(str(entry.get("label", "")))
    if not label or len(label) > 60:
        raise OutcomesError(f"{source}: {kind} '{key}' needs a label of 1 to 60 characters")
    known = (
        {"key", "label", "ticket_category", "outcomes"}
        if kind == "reason"
        else {"key", "label", "ticket", "callback"}
    )
    unknown = sorted(set(entry) - known)
    if unknown:
        raise OutcomesError(f"{source}: {kind} '{key}' has unknown field '{unknown[0]}'")
    return key, label


def _reason(entry: dict[str, Any], source: str) -> Reason:
    key, label = _key_and_label(entry, "reason", source)
    category = clean_line(str(entry.get("ticket_category", key)))[:40]
    outcomes = entry.get("outcomes", [])
    if not isinstance(outcomes, list) or not all(isinstance(item, str) for item in outcomes):
        raise OutcomesError(f"{source}: reason '{key}' outcomes must be a list of outcome keys")
    return Reason(key, label, category, tuple(outcomes))


def _outcome(entry: dict[str, Any], source: str) -> Outcome:
    key, label = _key_and_label(entry, "outcome", source)
    ticket = str(entry.get("ticket", TicketRule.OPTIONAL))
    if ticket not in set(TicketRule):
        raise OutcomesError(f"{source}: outcome '{key}' ticket must be one of {', '.join(TicketRule)}")
    callback = entry.get("callback", False)
    if not isinstance(callback, bool):
        raise OutcomesError(f"{source}: outcome '{key}' callback must be true or false")
    return Outcome(key, label, TicketRule(ticket), callback)


def _unique(source: str, kind: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise OutcomesError(f"{source}: {kind} '{key}' appears twice")
        seen.add(key)


@dataclass(frozen=True)
class Seat:
    """Who is wrapping up which contact: everything a wrap-up needs besides the form."""

    call_id: str
    operator: str
    extension: str
    customer_id: int | None
    channel: str
    direction: str
    started_at: datetime


def build_wrapup(
    config: OutcomeConfig, seat: Seat, form: dict[str, str], *, timed_out: bool = False
) -> WrapUp:
    """The wrap-up the operator filled in, checked against the configuration's rules.

    Raises FollowUpError with what to fix. On an ACW timeout the defaults fill what is missing,
    and an outcome whose rules cannot be met falls back to the default outcome.
    """
    reason = form.get("reason") or (config.default_reason if timed_out else "")
    outcome_key = form.get("outcome") or (config.default_outcome if timed_out else "")
    reason_entry, outcome = config.reason(reason), config.outcome(outcome_key)
    if reason_entry is None:
        raise FollowUpError("pick a reason (arrows, enter)")
    if outcome is None:
        raise FollowUpError("pick an outcome (arrows, enter)")
    try:
        ticket, callback = _follow_ups(reason_entry, outcome, seat, form)
    except FollowUpError:
        if not timed_out:
            raise
        outcome, ticket, callback = config.outcome(config.default_outcome), None, None
        assert outcome is not None
    notes = form.get("notes", "")
    return WrapUp(
        call_id=seat.call_id,
        operator=seat.operator,
        extension=seat.extension,
        customer_id=seat.customer_id,
        reason=reason_entry.key,
        outcome=outcome.key,
        notes=f"[ACW timeout] {notes}".strip() if timed_out else notes,
        campaign_code=form.get("campaign-code", ""),
        channel=seat.channel,
        direction=seat.direction,
        started_at=seat.started_at,
        ticket=ticket,
        callback=callback,
        offer_responses=offers_from_form(form),
    )


def offers_from_form(form: dict[str, str]) -> tuple[OfferResponse, ...]:
    """The offer answers a draft carries (JSON under "offers"), so a crash does not lose them."""
    return tuple(OfferResponse(**item) for item in json.loads(form.get("offers") or "[]"))


def _follow_ups(
    reason: Reason, outcome: Outcome, seat: Seat, form: dict[str, str]
) -> tuple[TicketChange | None, CallbackRequest | None]:
    action = form.get("ticket-action", "none")
    if outcome.ticket is TicketRule.REQUIRED and action == "none":
        raise FollowUpError(f"'{outcome.label}' needs a ticket: ctrl+t, pick new or an open one")
    if outcome.ticket is TicketRule.NONE:
        action = "none"
    when = form.get("callback-when", "").strip()
    if outcome.callback and not when:
        raise FollowUpError(f"'{outcome.label}' needs a callback time: ctrl+b")
    if (action != "none" or when) and seat.customer_id is None:
        raise FollowUpError("a ticket or callback needs a customer: look the customer up first")
    ticket = None
    if action != "none":
        ticket = TicketChange(
            ticket_id=None if action == "new" else int(action),
            subject=form.get("ticket-subject", "") or reason.label,
            status=form.get("ticket-status", "open"),
            priority=form.get("ticket-priority", "normal"),
            category=form.get("ticket-category", "") or reason.ticket_category,
            assignee=form.get("ticket-assignee", ""),
        )
    callback = None
    if when:
        due = parse_callback_time(when, utcnow())
        callback = CallbackRequest(due, clean_line(form.get("callback-who")) or seat.operator)
    return ticket, callback

"""The wrap-up form as the operator filled it in, and the rules that turn it into a `WrapUp`.

`WrapUpForm` is typed data, not widget ids: the screen maps its fields onto it, and the draft
keeps it as JSON so a crash loses nothing typed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

from store.messages import N_
from store.offers.responses import OfferResponse
from store.pan import redact_text
from store.sanitize import clean_line
from store.tickets import FollowUpError, TicketChange, parse_callback_time
from store.timeutil import utcnow
from store.wrapup.config import Outcome, OutcomeConfig, Reason, TicketRule
from store.wrapup.errors import WrapUpRejected
from store.wrapup.record import CallbackRequest, WrapUp


@dataclass(frozen=True)
class WrapUpForm:
    """What is on the wrap-up screen, as typed (checked only by `build_wrapup`)."""

    reason: str = ""
    outcome: str = ""
    notes: str = ""
    ticket_action: str = "none"
    """"none", "new", or the id of the open ticket to update."""
    ticket_subject: str = ""
    ticket_status: str = "open"
    ticket_priority: str = "normal"
    ticket_category: str = ""
    ticket_assignee: str = ""
    callback_when: str = ""
    """As typed: "+2h", "14:30" or "2026-12-01 09:15" (parsed on save)."""
    callback_who: str = ""
    campaign_code: str = ""
    offers: tuple[OfferResponse, ...] = ()
    """Offers presented during the call and the customer's answers."""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    def redacted(self) -> WrapUpForm:
        """The form with card numbers masked in every typed text (store.pan): what a draft keeps."""
        texts = {f.name: getattr(self, f.name) for f in fields(self)}
        typed: dict[str, Any] = {k: redact_text(v) for k, v in texts.items() if isinstance(v, str)}
        return replace(self, **typed)

    @classmethod
    def from_json(cls, text: str) -> WrapUpForm:
        """The form kept in a draft; unknown keys are ignored and "ticket-action" style keys
        (drafts kept before the form was typed) are read as their field."""
        data: dict[str, Any] = {key.replace("-", "_"): value for key, value in json.loads(text).items()}
        known = {field.name for field in fields(cls)}
        values = {key: value for key, value in data.items() if key in known and key != "offers"}
        offers = data.get("offers") or []
        if isinstance(offers, str):  # older drafts kept the answers as a JSON string
            offers = json.loads(offers)
        typed = {key: str(value) for key, value in values.items()}
        return cls(**typed, offers=tuple(OfferResponse(**item) for item in offers))


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


def build_wrapup(config: OutcomeConfig, seat: Seat, form: WrapUpForm, *, timed_out: bool = False) -> WrapUp:
    """The wrap-up the operator filled in, checked against the configuration's rules.

    Raises WrapUpRejected with what to fix. On an ACW timeout the defaults fill what is missing,
    and an outcome whose rules cannot be met falls back to the default outcome.
    """
    reason_entry = config.reason(form.reason or (config.default_reason if timed_out else ""))
    outcome = config.outcome(form.outcome or (config.default_outcome if timed_out else ""))
    if reason_entry is None:
        raise WrapUpRejected(N_("pick a reason (arrows, enter)"))
    if outcome is None:
        raise WrapUpRejected(N_("pick an outcome (arrows, enter)"))
    try:
        ticket, callback = _follow_ups(reason_entry, outcome, seat, form)
    except FollowUpError as error:
        if not timed_out:
            raise WrapUpRejected(*error.args) from error
        fallback = config.outcome(config.default_outcome)
        assert fallback is not None
        outcome, ticket, callback = fallback, None, None
    return WrapUp(
        call_id=seat.call_id,
        operator=seat.operator,
        extension=seat.extension,
        customer_id=seat.customer_id,
        reason=reason_entry.key,
        outcome=outcome.key,
        notes=f"[ACW timeout] {form.notes}".strip() if timed_out else form.notes,
        campaign_code=form.campaign_code,
        channel=seat.channel,
        direction=seat.direction,
        started_at=seat.started_at,
        ticket=ticket,
        callback=callback,
        offer_responses=form.offers,
    )


def _follow_ups(
    reason: Reason, outcome: Outcome, seat: Seat, form: WrapUpForm
) -> tuple[TicketChange | None, CallbackRequest | None]:
    action = form.ticket_action or "none"
    if outcome.ticket is TicketRule.REQUIRED and action == "none":
        raise FollowUpError(
            N_("'{outcome}' needs a ticket: ctrl+t, pick new or an open one", outcome=outcome.label)
        )
    if outcome.ticket is TicketRule.NONE:
        action = "none"
    when = form.callback_when.strip()
    if outcome.callback and not when:
        raise FollowUpError(N_("'{outcome}' needs a callback time: ctrl+b", outcome=outcome.label))
    if (action != "none" or when) and seat.customer_id is None:
        raise FollowUpError(N_("a ticket or callback needs a customer: look the customer up first"))
    ticket = None
    if action != "none":
        ticket = TicketChange(
            ticket_id=None if action == "new" else int(action),
            subject=form.ticket_subject or reason.label,
            status=form.ticket_status or "open",
            priority=form.ticket_priority or "normal",
            category=form.ticket_category or reason.ticket_category,
            assignee=form.ticket_assignee,
        )
    callback = None
    if when:
        due = parse_callback_time(when, utcnow())
        callback = CallbackRequest(due, clean_line(form.callback_who) or seat.operator)
    return ticket, callback

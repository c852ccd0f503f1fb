"""The pop decision: who a ringing call is from, as far as the store knows.

One customer at the number: their profile. Several (a household line): a pick list. Nobody: the
lookup, prefilled, offering a new prospect. Withheld: the lookup with a notice. Chats pop by
e-mail first, then by number. The console's watcher (`console/pop.py`) shows what this decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.engine import Engine

from store.call_events import IncomingCall
from store.models import Channel
from store.phones import normalize_phone
from store.search import Match, find_by_email, find_by_phone


class PopKind(StrEnum):
    ONE = "one"
    SEVERAL = "several"
    NONE = "none"
    WITHHELD = "withheld"


@dataclass(frozen=True)
class PopDecision:
    """What the console shows for a ring; `key` is the number (E.164 if readable) or e-mail."""

    kind: PopKind
    call_id: str
    key: str
    channel: Channel
    matches: list[Match] = field(default_factory=list)
    notice: str = ""


def decide(engine: Engine, call: IncomingCall, region: str) -> PopDecision:
    """Who `call` is from, as far as the store knows."""
    if call.withheld and not call.email:
        notice = (
            "Chat without e-mail or number: ask who is writing and search by name."
            if call.channel == Channel.CHAT
            else "Number withheld: ask who is calling and search by name."
        )
        return PopDecision(PopKind.WITHHELD, call.call_id, "", call.channel, notice=notice)
    number = "" if call.withheld else (normalize_phone(call.caller, region) or call.caller)
    matches: list[Match] = []
    if call.channel == Channel.CHAT and call.email:
        matches = find_by_email(engine, call.email)
    if not matches and number:
        matches = _strongest(find_by_phone(engine, number, region=region))
    key = call.email if call.channel == Channel.CHAT and call.email and not number else number
    if len(matches) == 1:
        return PopDecision(PopKind.ONE, call.call_id, key, call.channel, matches)
    if matches:
        return PopDecision(PopKind.SEVERAL, call.call_id, key, call.channel, matches)
    what = "chat from" if call.channel == Channel.CHAT else "call from"
    return PopDecision(
        PopKind.NONE,
        call.call_id,
        key,
        call.channel,
        notice=f"Unknown {what} {key}: search by name, or Ctrl+N makes them a new prospect.",
    )


def _strongest(matches: list[Match]) -> list[Match]:
    """Exact number matches when there are any; the same national number under another country
    code only when nothing matches exactly."""
    exact = [m for m in matches if m.matched_on == "phone_exact"]
    return exact or matches

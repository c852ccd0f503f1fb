"""Wrap-up reasons, outcomes and the wrap-up mode, read from a TOML file the business edits.

The file is hand-written by an administrator, so every mistake is reported as one clear line
naming the file and the entry ("outcomes.toml: reason 'x' ...") instead of a traceback.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from store.languages import Localised, parse_translations, pick_text
from store.sanitize import clean_line

BUILT_IN = Path(__file__).parents[1] / "data" / "outcomes.toml"
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
    labels: tuple[tuple[str, str], ...] = ()
    """(language, label) pairs from the entry's `labels = { it = "...", pt_BR = "..." }`."""


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str
    ticket: TicketRule = TicketRule.OPTIONAL
    callback: bool = False
    labels: tuple[tuple[str, str], ...] = ()
    """(language, label) pairs from the entry's `labels` table."""


def label_in(entry: Reason | Outcome, *languages: str | None) -> Localised:
    """The entry's label in the first of `languages` the file has, else the English `label`
    (marked as a fallback when another language was wanted)."""
    return pick_text(entry.label, dict(entry.labels), *languages)


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


def _key_and_label(
    entry: dict[str, Any], kind: str, source: str
) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    key = entry.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise OutcomesError(
            f"{source}: {kind} key {key!r} must be lower-case letters, digits or _ (at most 40)"
        )
    label = clean_line(str(entry.get("label", "")))
    if not label or len(label) > 60:
        raise OutcomesError(f"{source}: {kind} '{key}' needs a label of 1 to 60 characters")
    known = (
        {"key", "label", "labels", "ticket_category", "outcomes"}
        if kind == "reason"
        else {"key", "label", "labels", "ticket", "callback"}
    )
    unknown = sorted(set(entry) - known)
    if unknown:
        raise OutcomesError(f"{source}: {kind} '{key}' has unknown field '{unknown[0]}'")
    return key, label, _labels(entry.get("labels"), f"{source}: {kind} '{key}' labels")


def _labels(raw: object, where: str) -> tuple[tuple[str, str], ...]:
    """The entry's labels per language, cleaned like `label` (one line, 1 to 60 characters)."""
    errors: list[str] = []
    texts = parse_translations(raw, limit=60, where=where, errors=errors)
    if errors:
        raise OutcomesError(errors[0])
    return tuple((language, clean_line(text)) for language, text in texts.items())


def _reason(entry: dict[str, Any], source: str) -> Reason:
    key, label, labels = _key_and_label(entry, "reason", source)
    category = clean_line(str(entry.get("ticket_category", key)))[:40]
    outcomes = entry.get("outcomes", [])
    if not isinstance(outcomes, list) or not all(isinstance(item, str) for item in outcomes):
        raise OutcomesError(f"{source}: reason '{key}' outcomes must be a list of outcome keys")
    return Reason(key, label, category, tuple(outcomes), labels)


def _outcome(entry: dict[str, Any], source: str) -> Outcome:
    key, label, labels = _key_and_label(entry, "outcome", source)
    ticket = str(entry.get("ticket", TicketRule.OPTIONAL))
    if ticket not in set(TicketRule):
        raise OutcomesError(f"{source}: outcome '{key}' ticket must be one of {', '.join(TicketRule)}")
    callback = entry.get("callback", False)
    if not isinstance(callback, bool):
        raise OutcomesError(f"{source}: outcome '{key}' callback must be true or false")
    return Outcome(key, label, TicketRule(ticket), callback, labels)


def _unique(source: str, kind: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise OutcomesError(f"{source}: {kind} '{key}' appears twice")
        seen.add(key)

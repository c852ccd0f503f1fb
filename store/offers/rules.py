"""The eligibility rule language: small TOML tables, parsed into checks that explain themselves.

A rule is a table with exactly one key: a leaf (`holds`, `age`, `warranty_expires_within_days`,
...) or a combinator (`all`, `any`, `not`). There is no eval: the business writes data, and each
check says in words what it found ("warranty on Washer W-123 expires in 12 days"), true or false,
so the operator can read why an offer is on the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from store.offers import rule_args as ra
from store.offers.facts import CustomerFacts, HeldItem
from store.offers.rule_args import RuleError
from store.timeutil import years_between


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reasons: tuple[str, ...]


Rule = Callable[[CustomerFacts, date], Verdict]


def parse_rule(raw: Any, path: str = "eligible") -> Rule:
    """Parse one rule table; raises RuleError naming the place and the problem."""
    if not isinstance(raw, dict) or len(raw) != 1:
        raise RuleError(path, f"a rule is a table with exactly one key, one of {', '.join(sorted(_KINDS))}")
    ((kind, arg),) = raw.items()
    if kind not in _KINDS:
        raise RuleError(path, f"unknown rule {kind!r}; known rules: {', '.join(sorted(_KINDS))}")
    return _KINDS[kind](arg, f"{path}.{kind}")


def _verdict(ok: bool, reason: str) -> Verdict:
    return Verdict(ok, (reason,))


# --- combinators ---------------------------------------------------------------------------


def _children(arg: Any, path: str) -> list[Rule]:
    if not isinstance(arg, list) or not arg:
        raise RuleError(path, "expects a non-empty list of rules")
    return [parse_rule(item, f"{path}[{index}]") for index, item in enumerate(arg)]


def _all(arg: Any, path: str) -> Rule:
    children = _children(arg, path)

    def check(facts: CustomerFacts, today: date) -> Verdict:
        verdicts = [child(facts, today) for child in children]
        ok = all(v.ok for v in verdicts)
        return Verdict(ok, tuple(r for v in verdicts if v.ok == ok for r in v.reasons))

    return check


def _any(arg: Any, path: str) -> Rule:
    children = _children(arg, path)

    def check(facts: CustomerFacts, today: date) -> Verdict:
        verdicts = [child(facts, today) for child in children]
        passed = [v for v in verdicts if v.ok]
        if passed:
            return passed[0]
        return Verdict(False, tuple(r for v in verdicts for r in v.reasons))

    return check


def _not(arg: Any, path: str) -> Rule:
    inner = parse_rule(arg, path)

    def check(facts: CustomerFacts, today: date) -> Verdict:
        verdict = inner(facts, today)
        return Verdict(not verdict.ok, verdict.reasons)  # each reason states the fact, true or false

    return check


# --- leaves --------------------------------------------------------------------------------


def _holds(arg: Any, path: str) -> Rule:
    if not isinstance(arg, str) or not arg:
        raise RuleError(path, 'expects a product code, e.g. holds = "CC_GOLD"')

    def check(facts: CustomerFacts, _today: date) -> Verdict:
        item = next((h for h in facts.holdings if h.product_code == arg), None)
        return _verdict(True, f"holds {item.label}") if item else _verdict(False, f"does not hold {arg}")

    return check


def _holds_category(arg: Any, path: str) -> Rule:
    category = ra.category(arg, path)
    words = category.replace("_", " ")

    def check(facts: CustomerFacts, _today: date) -> Verdict:
        item = next((h for h in facts.holdings if h.category == category), None)
        return (
            _verdict(True, f"holds {words}: {item.label}") if item else _verdict(False, f"holds no {words}")
        )

    return check


def _choice(field: str, words: str) -> Callable[[Any, str], Rule]:
    def parse(arg: Any, path: str) -> Rule:
        wanted = ra.names(arg, path)

        def check(facts: CustomerFacts, _today: date) -> Verdict:
            actual = getattr(facts, field)
            return _verdict(actual in wanted, f"{words} {actual}")

        return check

    return parse


def _age(arg: Any, path: str) -> Rule:
    bounds = ra.bounds_of(arg, path)

    def check(facts: CustomerFacts, today: date) -> Verdict:
        if facts.birth_date is None:
            return _verdict(False, "age unknown (no birth date)")
        years = years_between(facts.birth_date, today)
        return _verdict(ra.within(years, bounds), f"aged {years}")

    return check


def _tenure(arg: Any, path: str) -> Rule:
    bounds = ra.bounds_of(arg, path)

    def check(facts: CustomerFacts, today: date) -> Verdict:
        years = years_between(facts.customer_since, today)
        return _verdict(ra.within(years, bounds), f"customer for {years} year{'s' if years != 1 else ''}")

    return check


def _points(arg: Any, path: str) -> Rule:
    bounds = ra.bounds_of(arg, path)

    def check(facts: CustomerFacts, _today: date) -> Verdict:
        return _verdict(ra.within(facts.loyalty_points, bounds), f"{facts.loyalty_points:,} loyalty points")

    return check


def _warranty_expiring(arg: Any, path: str) -> Rule:
    days = ra.days(arg, path)

    def check(facts: CustomerFacts, today: date) -> Verdict:
        for item in facts.holdings:
            if item.warranty_ends_on and 0 <= (item.warranty_ends_on - today).days <= days:
                left = (item.warranty_ends_on - today).days
                return _verdict(True, f"warranty on {item.label} expires in {left} days")
        return _verdict(False, f"no warranty expires within {days} days")

    return check


def _loan_nearly_paid(arg: Any, path: str) -> Rule:
    options = ra.options(arg, path, {"category", "max_balance", "max_ratio"})
    categories = frozenset(
        ra.category(c, f"{path}.category")
        for c in ra.names(options.get("category", ["car_loan", "mortgage"]), path)
    )
    max_balance = (
        ra.number(options["max_balance"], f"{path}.max_balance") if "max_balance" in options else None
    )
    max_ratio = ra.number(options["max_ratio"], f"{path}.max_ratio") if "max_ratio" in options else None
    if max_balance is None and max_ratio is None:
        raise RuleError(path, "needs max_balance (amount left) and/or max_ratio (share of the original left)")

    def nearly_paid(item: HeldItem) -> bool:
        if item.category not in categories or item.balance is None:
            return False
        if max_balance is not None and item.balance > Decimal(str(max_balance)):
            return False
        if max_ratio is not None:
            return bool(item.price_paid) and item.balance / item.price_paid <= Decimal(str(max_ratio))
        return True

    def check(facts: CustomerFacts, _today: date) -> Verdict:
        item = next((h for h in facts.holdings if nearly_paid(h)), None)
        if item is None:
            return _verdict(False, "no loan nearly paid off")
        assert item.balance is not None
        share = (
            f" ({item.balance / item.price_paid:.0%} of {ra.money(item.price_paid)})"
            if item.price_paid
            else ""
        )
        return _verdict(True, f"{item.label} has {ra.money(item.balance)} left{share}")

    return check


def _recent_purchase(arg: Any, path: str) -> Rule:
    options = ra.options(arg, path, {"days", "category"})
    if "days" not in options:
        raise RuleError(path, 'needs days, e.g. { days = 30, category = "appliance" }')
    days = ra.days(options["days"], f"{path}.days")
    category = ra.category(options.get("category", "appliance"), f"{path}.category")

    def check(facts: CustomerFacts, today: date) -> Verdict:
        for item in facts.holdings:
            if item.category == category and item.opened_on and 0 <= (today - item.opened_on).days <= days:
                return _verdict(True, f"bought {item.label} {(today - item.opened_on).days} days ago")
        return _verdict(False, f"no {category.replace('_', ' ')} bought in the last {days} days")

    return check


def _open_tickets(arg: Any, path: str) -> Rule:
    bounds = ra.bounds_of(arg, path)

    def check(facts: CustomerFacts, _today: date) -> Verdict:
        count = len(facts.open_ticket_categories)
        words = "no open tickets" if count == 0 else f"{count} open ticket{'s' if count > 1 else ''}"
        return _verdict(ra.within(count, bounds), words)

    return check


_KINDS: dict[str, Callable[[Any, str], Rule]] = {
    "all": _all,
    "any": _any,
    "not": _not,
    "holds": _holds,
    "holds_category": _holds_category,
    "segment": _choice("segment", "segment"),
    "loyalty_tier": _choice("loyalty_tier", "loyalty tier"),
    "age": _age,
    "tenure_years": _tenure,
    "loyalty_points": _points,
    "warranty_expires_within_days": _warranty_expiring,
    "loan_nearly_paid": _loan_nearly_paid,
    "recent_purchase": _recent_purchase,
    "open_tickets": _open_tickets,
}

"""The eligibility rule language: small TOML tables, parsed into checks that explain themselves.

A rule is a table with exactly one key: a leaf (`holds`, `age`, `warranty_expires_within_days`,
`in_segment`, `churn_risk`, ...) or a combinator (`all`, `any`, `not`). There is no eval: the
business writes data, and each check says in words what it found ("warranty on Washer W-123
expires in 12 days"), true or false, so the operator can read why an offer is on the screen.
A check called with `explain=False` only decides (no reasons, `all`/`any` stop early): a segment
refresh runs every rule on every customer, and the words were most of its time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from store.messages import N_, Phrase, ngettext
from store.offers import rule_args as ra
from store.offers.facts import CustomerFacts, HeldItem
from store.offers.rule_args import RuleError
from store.status_words import category_words
from store.timeutil import years_between


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reasons: tuple[str, ...]


YES, NO = Verdict(True, ()), Verdict(False, ())
"""What a check says when asked not to explain."""


class Rule(Protocol):
    """A parsed rule: decides for one customer on a day, with its reasons unless `explain` is False."""

    def __call__(self, facts: CustomerFacts, today: date, /, explain: bool = True) -> Verdict: ...


def _bare(ok: bool) -> Verdict:
    return YES if ok else NO


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

    def check(facts: CustomerFacts, today: date, explain: bool = True) -> Verdict:
        if not explain:
            return _bare(all(child(facts, today, False).ok for child in children))
        verdicts = [child(facts, today) for child in children]
        ok = all(v.ok for v in verdicts)
        return Verdict(ok, tuple(r for v in verdicts if v.ok == ok for r in v.reasons))

    return check


def _any(arg: Any, path: str) -> Rule:
    children = _children(arg, path)

    def check(facts: CustomerFacts, today: date, explain: bool = True) -> Verdict:
        if not explain:
            return _bare(any(child(facts, today, False).ok for child in children))
        verdicts = [child(facts, today) for child in children]
        passed = [v for v in verdicts if v.ok]
        if passed:
            return passed[0]
        return Verdict(False, tuple(r for v in verdicts for r in v.reasons))

    return check


def _not(arg: Any, path: str) -> Rule:
    inner = parse_rule(arg, path)

    def check(facts: CustomerFacts, today: date, explain: bool = True) -> Verdict:
        verdict = inner(facts, today, explain)
        return Verdict(not verdict.ok, verdict.reasons)  # each reason states the fact, true or false

    return check


# --- leaves --------------------------------------------------------------------------------


def _holds(arg: Any, path: str) -> Rule:
    if not isinstance(arg, str) or not arg:
        raise RuleError(path, 'expects a product code, e.g. holds = "CC_GOLD"')

    def check(facts: CustomerFacts, _today: date, explain: bool = True) -> Verdict:
        item = next((h for h in facts.holdings if h.product_code == arg), None)
        if not explain:
            return _bare(item is not None)
        if item:
            return _verdict(True, N_("holds {product}", product=item.label))
        return _verdict(False, N_("does not hold {code}", code=arg))

    return check


def _holds_category(arg: Any, path: str) -> Rule:
    category = ra.category(arg, path)
    words = category_words(category)

    def check(facts: CustomerFacts, _today: date, explain: bool = True) -> Verdict:
        item = next((h for h in facts.holdings if h.category == category), None)
        if not explain:
            return _bare(item is not None)
        if item:
            return _verdict(True, N_("holds {category}: {product}", category=words, product=item.label))
        return _verdict(False, N_("holds no {category}", category=words))

    return check


def _choice(field: str, words: Phrase) -> Callable[[Any, str], Rule]:
    """A fact equal to one of the given names; `words` a template with the fact as {value}."""

    def parse(arg: Any, path: str) -> Rule:
        wanted = ra.names(arg, path)

        def check(facts: CustomerFacts, _today: date, explain: bool = True) -> Verdict:
            actual = getattr(facts, field)
            if not explain:
                return _bare(actual in wanted)
            return _verdict(actual in wanted, Phrase(words.msgid, {"value": actual}))

        return check

    return parse


def _age(arg: Any, path: str) -> Rule:
    bounds = ra.bounds_of(arg, path)

    def check(facts: CustomerFacts, today: date, explain: bool = True) -> Verdict:
        if facts.birth_date is None:
            return _verdict(False, N_("age unknown (no birth date)")) if explain else NO
        years = years_between(facts.birth_date, today)
        if not explain:
            return _bare(ra.within(years, bounds))
        return _verdict(ra.within(years, bounds), N_("aged {years}", years=years))

    return check


def _tenure(arg: Any, path: str) -> Rule:
    bounds = ra.bounds_of(arg, path)

    def check(facts: CustomerFacts, today: date, explain: bool = True) -> Verdict:
        years = years_between(facts.customer_since, today)
        if not explain:
            return _bare(ra.within(years, bounds))
        said = ngettext("customer for {count} year", "customer for {count} years", years, count=years)
        return _verdict(ra.within(years, bounds), said)

    return check


def _points(arg: Any, path: str) -> Rule:
    bounds = ra.bounds_of(arg, path)

    def check(facts: CustomerFacts, _today: date, explain: bool = True) -> Verdict:
        if not explain:
            return _bare(ra.within(facts.loyalty_points, bounds))
        said = N_("{points} loyalty points", points=f"{facts.loyalty_points:,}")
        return _verdict(ra.within(facts.loyalty_points, bounds), said)

    return check


def _warranty_expiring(arg: Any, path: str) -> Rule:
    days = ra.days(arg, path)

    def check(facts: CustomerFacts, today: date, explain: bool = True) -> Verdict:
        for item in facts.holdings:
            if item.warranty_ends_on and 0 <= (item.warranty_ends_on - today).days <= days:
                if not explain:
                    return YES
                left = (item.warranty_ends_on - today).days
                return _verdict(
                    True, N_("warranty on {product} expires in {days} days", product=item.label, days=left)
                )
        return _verdict(False, N_("no warranty expires within {days} days", days=days)) if explain else NO

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
            return bool(item.price_paid) and item.balance / (item.price_paid or 1) <= Decimal(str(max_ratio))
        return True

    def check(facts: CustomerFacts, _today: date, explain: bool = True) -> Verdict:
        item = next((h for h in facts.holdings if nearly_paid(h)), None)
        if not explain:
            return _bare(item is not None)
        if item is None:
            return _verdict(False, N_("no loan nearly paid off"))
        assert item.balance is not None
        left = ra.money(item.balance)
        if not item.price_paid:
            return _verdict(True, N_("{product} has {left} left", product=item.label, left=left))
        share, of = f"{item.balance / item.price_paid:.0%}", ra.money(item.price_paid)
        said = N_(
            "{product} has {left} left ({share} of {price})",
            product=item.label,
            left=left,
            share=share,
            price=of,
        )
        return _verdict(True, said)

    return check


def _recent_purchase(arg: Any, path: str) -> Rule:
    days, category = ra.recent_purchase(arg, path)

    def check(facts: CustomerFacts, today: date, explain: bool = True) -> Verdict:
        for item in facts.holdings:
            if item.category == category and item.opened_on and 0 <= (today - item.opened_on).days <= days:
                if not explain:
                    return YES
                ago = (today - item.opened_on).days
                return _verdict(True, N_("bought {product} {days} days ago", product=item.label, days=ago))
        if not explain:
            return NO
        said = N_(
            "no {category} bought in the last {days} days", category=category_words(category), days=days
        )
        return _verdict(False, said)

    return check


def _open_tickets(arg: Any, path: str) -> Rule:
    bounds = ra.bounds_of(arg, path)

    def check(facts: CustomerFacts, _today: date, explain: bool = True) -> Verdict:
        count = len(facts.open_ticket_categories)
        if not explain:
            return _bare(ra.within(count, bounds))
        words = (
            N_("no open tickets")
            if count == 0
            else ngettext("{count} open ticket", "{count} open tickets", count, count=count)
        )
        return _verdict(ra.within(count, bounds), words)

    return check


# --- computed facts: segments and churn risk (store/segments, store/churn) ---------------------


def _in_segment(arg: Any, path: str) -> Rule:
    wanted = ra.names(arg, path)

    def check(facts: CustomerFacts, _today: date, explain: bool = True) -> Verdict:
        if not explain:
            return _bare(not wanted.isdisjoint(facts.segments))
        found = sorted(wanted & facts.segments)
        if found:
            return _verdict(True, N_("in segment {segment}", segment=found[0]))
        return _verdict(False, N_("not in segment {segments}", segments=" or ".join(sorted(wanted))))

    return check


def _churn_risk(arg: Any, path: str) -> Rule:
    bounds = ra.risk_bounds(arg, path)

    def check(facts: CustomerFacts, _today: date, explain: bool = True) -> Verdict:
        if facts.churn_risk is None:
            return _verdict(False, N_("churn risk not scored yet")) if explain else NO
        if not explain:
            return _bare(ra.within(facts.churn_risk, bounds))
        said = N_("churn risk {risk}", risk=f"{facts.churn_risk:.0%}")
        return _verdict(ra.within(facts.churn_risk, bounds), said)

    return check


def _closed_category(arg: Any, path: str) -> Rule:
    category = ra.category(arg, path)
    words = category_words(category)

    def check(facts: CustomerFacts, _today: date, explain: bool = True) -> Verdict:
        closed = category in facts.closed_categories
        if not explain:
            return _bare(closed)
        said = (
            N_("closed a {category}", category=words)
            if closed
            else N_("never closed a {category}", category=words)
        )
        return _verdict(closed, said)

    return check


_KINDS: dict[str, Callable[[Any, str], Rule]] = {
    "all": _all,
    "any": _any,
    "not": _not,
    "holds": _holds,
    "holds_category": _holds_category,
    "segment": _choice("segment", N_("segment {value}")),
    "loyalty_tier": _choice("loyalty_tier", N_("loyalty tier {value}")),
    "age": _age,
    "tenure_years": _tenure,
    "loyalty_points": _points,
    "warranty_expires_within_days": _warranty_expiring,
    "loan_nearly_paid": _loan_nearly_paid,
    "recent_purchase": _recent_purchase,
    "open_tickets": _open_tickets,
    "in_segment": _in_segment,
    "churn_risk": _churn_risk,
    "closed_category": _closed_category,
}

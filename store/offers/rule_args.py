"""Reading the arguments of eligibility rules (ranges, names, categories, days), with errors that
say where in the offer the problem is."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from store.models import ProductCategory


class RuleError(ValueError):
    """A rule that cannot be understood; `path` says where in the offer it is."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


def number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleError(path, f"expects a number, got {value!r}")
    return float(value)


def bounds_of(arg: Any, path: str) -> tuple[float | None, float | None]:
    if not isinstance(arg, dict) or not arg or set(arg) - {"min", "max"}:
        raise RuleError(path, "expects a table with 'min' and/or 'max', e.g. { min = 25, max = 60 }")
    low = number(arg["min"], f"{path}.min") if "min" in arg else None
    high = number(arg["max"], f"{path}.max") if "max" in arg else None
    if low is not None and high is not None and low > high:
        raise RuleError(path, f"min {low:g} is greater than max {high:g}")
    return low, high


def risk_bounds(arg: Any, path: str) -> tuple[float | None, float | None]:
    """`churn_risk = 0.6` means a risk of at least 0.6; a table gives min and/or max."""
    return (number(arg, path), None) if isinstance(arg, int | float) else bounds_of(arg, path)


def within(value: float, bounds: tuple[float | None, float | None]) -> bool:
    low, high = bounds
    return (low is None or value >= low) and (high is None or value <= high)


def names(arg: Any, path: str) -> frozenset[str]:
    names = [arg] if isinstance(arg, str) else arg
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        raise RuleError(path, "expects a name or a non-empty list of names")
    return frozenset(names)


def category(arg: Any, path: str) -> str:
    known = [c.value for c in ProductCategory]
    if arg not in known:
        raise RuleError(path, f"unknown product category {arg!r}; known: {', '.join(known)}")
    return str(arg)


def days(arg: Any, path: str) -> int:
    if isinstance(arg, bool) or not isinstance(arg, int) or arg < 0:
        raise RuleError(path, f"expects a whole number of days >= 0, got {arg!r}")
    return arg


def options(arg: Any, path: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(arg, dict) or set(arg) - allowed:
        raise RuleError(path, f"expects a table with keys among {', '.join(sorted(allowed))}")
    return arg


def recent_purchase(arg: Any, path: str) -> tuple[int, str]:
    """The days and the category (an appliance unless told) of `recent_purchase`."""
    given = options(arg, path, {"days", "category"})
    if "days" not in given:
        raise RuleError(path, 'needs days, e.g. { days = 30, category = "appliance" }')
    return days(given["days"], f"{path}.days"), category(
        given.get("category", "appliance"), f"{path}.category"
    )


def money(amount: Decimal | float) -> str:
    return f"{amount:,.2f}"

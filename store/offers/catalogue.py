"""The offer catalogue: a TOML file the business edits, validated with clear errors, loaded into the DB.

Every mistake is reported at once, each with the line of its `[[offer]]` header and the offer's
code, so whoever edits the file can fix them all in one pass.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from store.languages import normalise_language
from store.models import Channel
from store.offers.rules import RuleError, parse_rule
from store.sanitize import clean_line, clean_text

DEFAULT_CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "offers.toml"
CATEGORIES = ("sales", "service", "retention")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")
_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*offer[ \t]*\]\]", re.MULTILINE)
_KEYS = {
    "code",
    "title",
    "product",
    "service",
    "category",
    "value",
    "weight",
    "script",
    "valid_from",
    "valid_to",
    "channels",
    "cooldown_days",
    "later_days",
    "eligible",
    "translations",
}
_TRANSLATED = {"title": 120, "script": 2000}
"""What an offer may give per language, and its limit (as for the default text)."""


class CatalogueError(ValueError):
    """The catalogue file has mistakes; `problems` lists each one on its own line."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: {len(problems)} problem(s)\n" + "\n".join(f"  {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class OfferSpec:
    """One validated offer, as it will be stored."""

    code: str
    title: str
    product_code: str
    service: str
    category: str
    value: Decimal
    weight: float
    script: str
    valid_from: date | None
    valid_to: date | None
    channels: tuple[str, ...]
    cooldown_days: int
    later_days: int
    eligibility: dict[str, Any] = field(default_factory=dict)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    """Title and script per language: {"it": {"title": ..., "script": ...}}; either may be absent."""

    @property
    def eligibility_json(self) -> str:
        return json.dumps(self.eligibility, sort_keys=True)

    @property
    def translations_json(self) -> str:
        return json.dumps(self.translations, sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class Catalogue:
    offers: tuple[OfferSpec, ...]
    max_per_30_days: int = 6
    max_per_call: int = 3


def read_catalogue(path: Path) -> Catalogue:
    """Parse and validate the catalogue at `path`; raises CatalogueError listing every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogueError(str(path), [f"cannot read the file: {error.strerror or error}"]) from error
    return parse_catalogue(text, source=str(path))


def parse_catalogue(text: str, *, source: str = "catalogue") -> Catalogue:
    """Validate a catalogue's TOML text (see `read_catalogue`)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(source, [f"not valid TOML: {error}"]) from error
    problems: list[str] = [
        f"unknown top-level key {key!r}" for key in document if key not in ("offer", "policy")
    ]
    raw_offers = document.get("offer", [])
    if not isinstance(raw_offers, list) or not raw_offers:
        problems.append("no offers: add at least one [[offer]] table")
        raw_offers = []
    lines = [text.count("\n", 0, match.start()) + 1 for match in _HEADER.finditer(text)]
    offers: list[OfferSpec] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_offers):
        where = f"line {lines[index]}" if index < len(lines) else f"offer #{index + 1}"
        label = f"{where}: offer {raw.get('code', '?')!r}" if isinstance(raw, dict) else where
        errors: list[str] = []
        spec = _offer(raw, errors) if isinstance(raw, dict) else None
        if spec is not None and spec.code in seen:
            errors.append(f"code {spec.code!r} is used by an earlier offer")
        problems.extend(f"{label}: {error}" for error in errors)
        if spec is not None and not errors:
            seen.add(spec.code)
            offers.append(spec)
    max_per_30_days, max_per_call = _policy(document.get("policy", {}), problems)
    if problems:
        raise CatalogueError(source, problems)
    return Catalogue(tuple(offers), max_per_30_days=max_per_30_days, max_per_call=max_per_call)


def _policy(raw: Any, problems: list[str]) -> tuple[int, int]:
    if not isinstance(raw, dict):
        problems.append("[policy] must be a table")
        return 0, 0
    problems.extend(
        f"[policy]: unknown key {key!r}" for key in raw if key not in ("max_per_30_days", "max_per_call")
    )
    values = []
    for key, default in (("max_per_30_days", 6), ("max_per_call", 3)):
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.append(f"[policy]: {key} must be a whole number >= 1, got {value!r}")
        values.append(value)
    return values[0], values[1]


def _offer(raw: dict[str, Any], errors: list[str]) -> OfferSpec | None:
    errors.extend(f"unknown key {key!r}" for key in raw if key not in _KEYS)
    code = raw.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        errors.append("code must be 1-40 capitals, digits, '_' or '-', e.g. CC_GOLD_UPGRADE")
    title = _text(raw, "title", 120, errors, required=True)
    script = _text(raw, "script", 2000, errors, required=True)
    product, service = _text(raw, "product", 40, errors), _text(raw, "service", 40, errors)
    if bool(product) == bool(service):
        errors.append('say what is offered with exactly one of product = "CODE" or service = "name"')
    category = raw.get("category", "sales")
    if category not in CATEGORIES:
        errors.append(f"category must be one of {', '.join(CATEGORIES)}, got {category!r}")
    value = _amount(raw.get("value"), "value", errors, minimum=0.0)
    weight = _amount(raw.get("weight", 1.0), "weight", errors, minimum=0.0)
    valid_from, valid_to = _date(raw, "valid_from", errors), _date(raw, "valid_to", errors)
    if valid_from and valid_to and valid_from > valid_to:
        errors.append(f"valid_from {valid_from} is after valid_to {valid_to}")
    channels = raw.get("channels", ["voice"])
    known = [c.value for c in Channel]
    if not isinstance(channels, list) or not channels or any(c not in known for c in channels):
        errors.append(f"channels must be a non-empty list among {', '.join(known)}, got {channels!r}")
    cooldown, later = _whole(raw, "cooldown_days", 30, errors), _whole(raw, "later_days", 7, errors)
    eligibility = raw.get("eligible", {})
    if eligibility:
        try:
            parse_rule(eligibility)
        except RuleError as error:
            errors.append(str(error))
    translations = _translations(raw.get("translations"), errors)
    if errors:
        return None
    return OfferSpec(
        code=str(code),
        title=title,
        product_code=product,
        service=service,
        category=str(category),
        value=Decimal(str(value)),
        weight=float(weight),
        script=script,
        valid_from=valid_from,
        valid_to=valid_to,
        channels=tuple(channels),
        cooldown_days=cooldown,
        later_days=later,
        eligibility=eligibility,
        translations=translations,
    )


def _translations(raw: Any, errors: list[str]) -> dict[str, dict[str, str]]:
    """`[offer.translations.it]` tables: a title and/or a script per language, cleaned and limited
    like the default ones; a language is spelled as Babel does (`pt-br` is stored as `pt_BR`)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors.append(f"translations must be tables like [offer.translations.it], got {raw!r}")
        return {}
    result: dict[str, dict[str, str]] = {}
    for tag, texts in raw.items():
        where, language = f"translations.{tag}", normalise_language(str(tag))
        if language is None:
            errors.append(f"{where}: {tag!r} is not a language tag (use it, es, pt_BR, de ...)")
        elif language in result:
            errors.append(f"{where}: language {language!r} appears twice")
        elif not isinstance(texts, dict) or not texts:
            errors.append(f"{where} must be a table with a title and/or a script")
        else:
            problems: list[str] = [f"unknown key {key!r}" for key in texts if key not in _TRANSLATED]
            found = {name: _text(texts, name, limit, problems) for name, limit in _TRANSLATED.items()}
            errors.extend(f"{where}: {problem}" for problem in problems)
            result[language] = {name: text for name, text in found.items() if text}
    return result


def _text(raw: dict[str, Any], key: str, limit: int, errors: list[str], *, required: bool = False) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        errors.append(f"{key} must be text, got {value!r}")
        return ""
    cleaned = clean_text(value).strip() if key == "script" else clean_line(value)
    if required and not cleaned:
        errors.append(f"{key} is required")
    if len(cleaned) > limit:
        errors.append(f"{key} is {len(cleaned)} characters long; the limit is {limit}")
    return cleaned


def _amount(value: Any, key: str, errors: list[str], *, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        errors.append(f"{key} must be a number >= {minimum:g}, got {value!r}")
        return 0.0
    return float(value)


def _date(raw: dict[str, Any], key: str, errors: list[str]) -> date | None:
    value = raw.get(key)
    if value is None or (isinstance(value, date) and not hasattr(value, "hour")):
        return value
    errors.append(f"{key} must be a TOML date like 2026-12-31, got {value!r}")
    return None


def _whole(raw: dict[str, Any], key: str, default: int, errors: list[str]) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors.append(f"{key} must be a whole number of days >= 0, got {value!r}")
        return default
    return value

"""Named rule segments: a TOML file of `[[segment]]` tables whose rules are offer rules."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store.offers.rule_args import RuleError
from store.offers.rules import Rule, parse_rule
from store.sanitize import clean_line

BUILT_IN = Path(__file__).resolve().parent.parent / "data" / "segments.toml"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,59}")


class SegmentError(ValueError):
    """A segments file that cannot be used; the message names the file and the place."""


@dataclass(frozen=True)
class SegmentSpec:
    name: str
    title: str
    rule: Rule
    source: dict[str, Any]
    """The rule's table as written: what store/segments/rule_sql.py turns into SQL."""


def read_segments(path: Path = BUILT_IN) -> tuple[SegmentSpec, ...]:
    """Parse and check every segment of `path`; raises SegmentError on the first problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SegmentError(f"{path}: cannot read it ({error.strerror or error})") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SegmentError(f"{path}: not valid TOML ({error})") from error
    if set(raw) - {"segment"}:
        raise SegmentError(
            f"{path}: unknown top-level keys {sorted(set(raw) - {'segment'})}; expected [[segment]]"
        )
    tables = raw.get("segment", [])
    if not isinstance(tables, list):
        raise SegmentError(f"{path}: `segment` must be an array of tables ([[segment]])")
    specs: list[SegmentSpec] = []
    for index, table in enumerate(tables):
        where = f"{path}: segment[{index}]"
        if not isinstance(table, dict) or set(table) != {"name", "title", "rule"}:
            raise SegmentError(f"{where}: needs exactly name, title and rule")
        name, title = table["name"], table["title"]
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise SegmentError(f"{where}.name: lower-case letters, digits and _ (at most 60), got {name!r}")
        if name in {spec.name for spec in specs}:
            raise SegmentError(f"{where}.name: {name!r} is defined twice")
        if not isinstance(title, str) or not clean_line(title):
            raise SegmentError(f"{where}.title: a non-empty text")
        try:
            rule = parse_rule(table["rule"], f"segment {name}.rule")
        except RuleError as error:
            raise SegmentError(f"{path}: {error}") from error
        specs.append(SegmentSpec(name, clean_line(title), rule, table["rule"]))
    return tuple(specs)

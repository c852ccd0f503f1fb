"""Reading an import file: CSV or JSON Lines, UTF-8, its columns mapped to callpop's names.

A problem with the whole file (its header, its encoding, a mapping that names unknown columns)
is a `SourceError` before anything is read or written. A problem with one row travels with the
row (`SourceRow.problem`) so every bad row is reported by its line number.
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from store.exports.cells import unneutralise

_JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


class SourceError(ValueError):
    """The file cannot be imported at all (nothing is read past this point)."""


@dataclass(frozen=True)
class SourceRow:
    """One record: the line it starts on, its values by callpop column, how far the file is read."""

    line: int
    values: dict[str, str]
    offset: int
    problem: str = ""


def read_mapping(path: Path) -> dict[str, str]:
    """A `--map` file: JSON or TOML, `{"column in the file": "callpop column"}`; "" ignores a column."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"cannot read the mapping {path}: {error}") from None
    try:
        data: Any = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise SourceError(
            f"the mapping {path} is not valid {path.suffix.lstrip('.') or 'TOML'}: {error}"
        ) from None
    data = data.get("columns", data) if isinstance(data, dict) else data
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise SourceError(f"the mapping {path} must map column names to callpop column names (strings)")
    return dict(data)


class _CountingLines:
    """Decoded lines of a binary file, counting the bytes read (progress) and naming a bad byte."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.offset = 0
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self._handle:
            self.line += 1
            if self.line == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
                self.offset += 3
            self.offset += len(raw)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise SourceError(
                    f"line {self.line} is not UTF-8 (byte {error.start + 1} of the line): "
                    "save the file as UTF-8"
                ) from None


def is_jsonl(path: Path) -> bool:
    """JSON Lines by suffix, else by a first non-blank character of `{`."""
    if path.suffix.lower() in _JSONL_SUFFIXES:
        return True
    if path.suffix.lower() == ".csv":
        return False
    with path.open("rb") as handle:
        return handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


class Columns:
    """Which callpop columns a kind takes: the default header, the optional extras, the required."""

    def __init__(self, header: tuple[str, ...], extras: tuple[str, ...], required: tuple[str, ...]) -> None:
        self.header = header
        self.allowed = frozenset(header + extras)
        self.required = required

    def resolve(
        self, names: list[str], mapping: dict[str, str], *, complete: bool = True
    ) -> list[str | None]:
        """The callpop column of each file column (None: ignored by the mapping); SourceError if wrong."""
        unknown_targets = sorted({t for t in mapping.values() if t and t not in self.allowed})
        if unknown_targets:
            raise SourceError(
                f"the mapping names unknown callpop columns: {', '.join(unknown_targets)} "
                f"(known: {', '.join(sorted(self.allowed))})"
            )
        targets = [mapping.get(name, name) or None for name in names]
        unknown = [
            name for name, target in zip(names, targets, strict=True) if target and target not in self.allowed
        ]
        if unknown:
            raise SourceError(
                f"unknown columns: {', '.join(repr(n) for n in unknown)}; the header is "
                f"{', '.join(self.header)} (map other names with --map FILE)"
            )
        present = [t for t in targets if t]
        twice = sorted({t for t in present if present.count(t) > 1})
        if twice:
            raise SourceError(f"columns given twice: {', '.join(twice)}")
        missing = [name for name in self.required if complete and name not in present]
        if missing:
            raise SourceError(f"missing columns: {', '.join(missing)}")
        return targets


def read_rows(path: Path, columns: Columns, mapping: dict[str, str]) -> Iterator[SourceRow]:
    """Every record of `path` with its values under callpop's column names."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise SourceError(f"cannot read {path}: {error.strerror}") from None
    with handle:
        lines = _CountingLines(handle)
        if is_jsonl(path):
            yield from _jsonl_rows(lines, columns, mapping)
        else:
            yield from _csv_rows(lines, columns, mapping)


def _csv_rows(lines: _CountingLines, columns: Columns, mapping: dict[str, str]) -> Iterator[SourceRow]:
    reader = csv.reader(iter(lines), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise SourceError(f"line 1 is not a CSV header: {error}") from None
    if not header:
        raise SourceError("the file is empty: the first line must be the header")
    targets = columns.resolve([name.strip() for name in header], mapping)
    start = lines.line + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield SourceRow(start, {}, lines.offset, f"not valid CSV: {error}")
            start = lines.line + 1
            continue
        line, start = start, lines.line + 1
        if not cells or cells == [""]:
            continue
        if len(cells) != len(targets):
            yield SourceRow(line, {}, lines.offset, f"has {len(cells)} fields, the header has {len(targets)}")
            continue
        values = {
            t: unneutralise(cell) if cell.startswith("'") else cell
            for t, cell in zip(targets, cells, strict=True)
            if t
        }
        yield SourceRow(line, values, lines.offset)


def _jsonl_rows(lines: _CountingLines, columns: Columns, mapping: dict[str, str]) -> Iterator[SourceRow]:
    for text in lines:
        if not text.strip():
            continue
        line = lines.line
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            yield SourceRow(line, {}, lines.offset, f"not valid JSON: {error.msg} at column {error.colno}")
            continue
        if not isinstance(record, dict):
            yield SourceRow(line, {}, lines.offset, "not a JSON object")
            continue
        try:
            targets = columns.resolve(list(record), mapping, complete=False)  # JSON may omit empty keys
        except SourceError as error:
            yield SourceRow(line, {}, lines.offset, str(error))
            continue
        values: dict[str, str] = {}
        problem = ""
        for target, value in zip(targets, record.values(), strict=True):
            if target:
                text_value = _json_text(value)
                if text_value is None:
                    problem = f"{target} must be text, a number or a list of them"
                values[target] = text_value or ""
        yield SourceRow(line, values, lines.offset, problem)


def _json_text(value: Any) -> str | None:
    """A JSON value as the text a CSV cell would hold (lists joined with ";"), None if it cannot be."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ";".join(str(v) for v in value)
    return None

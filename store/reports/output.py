"""A report result as CSV (safe to open in a spreadsheet) or as a JSON document.

CSV cells go through the exporter's `neutralise`, so a group or reason typed as `=HYPERLINK(...)`
is text, never a formula; `bom` starts the file with a UTF-8 byte order mark, which is how Excel
knows the file is UTF-8 (accented operator names and reasons stay readable).
"""

from __future__ import annotations

import csv
from typing import Any, TextIO

from store.exports.cells import neutralise
from store.reports import ReportResult

BOM = "\ufeff"


def write_csv(result: ReportResult, stream: TextIO, *, bom: bool = False) -> None:
    """Header of column keys, then one line per row (an empty cell where there is no value)."""
    if bom:
        stream.write(BOM)
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(column.key for column in result.report.columns)
    for row in result.rows:
        writer.writerow(
            neutralise(value) if isinstance(value, str) else "" if value is None else value for value in row
        )


def as_json(result: ReportResult) -> dict[str, Any]:
    """The result as one JSON-ready document: what was asked, the columns, the rows."""
    return {
        "report": result.report.name,
        "title": result.report.title,
        "from": result.period.first.isoformat(),
        "to": result.period.last.isoformat(),
        "by": result.by.value,
        "columns": [{"key": c.key, "title": c.title, "kind": c.kind.value} for c in result.report.columns],
        "rows": result.as_dicts(),
    }

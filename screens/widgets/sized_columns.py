"""DataTable columns as wide as the rows they will hold, made before the rows are added.

DataTable's own auto width widens a column on a later idle, but keeps the rows it has already
rendered in its cache, cut to the header's width; a console that is seldom idle (a loaded host,
a floor of rings) can show them cut for good. Every table of customer or ticket rows measures
its rows here instead: a page measured once is also cheaper than re-measuring on every idle.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from screens.i18n import _

MAX_COLUMN_WIDTH = 48


def sized_columns(
    table: DataTable[Text],
    labels: Sequence[str],
    rows: Sequence[Sequence[Text]],
    *,
    keys: Sequence[str] | None = None,
    limit: int = MAX_COLUMN_WIDTH,
) -> None:
    """Clear `table` (rows and columns) and make its columns, headed by `labels` (marked N_,
    translated here, never parsed as markup; "" stays blank) and keyed by `keys` if given, each
    as wide as its widest cell in `rows` or its header, at most `limit`."""
    table.clear(columns=True)
    for index, marked in enumerate(labels):
        label = _(marked) if marked else ""
        widest = max((row[index].cell_len for row in rows), default=0)
        key = keys[index] if keys is not None else None
        table.add_column(Text(label), key=key, width=min(max(widest, len(label)), limit))

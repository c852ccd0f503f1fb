"""Tables of customer rows are as wide as their cells at the first paint, not only after an idle.

DataTable measures auto-width columns on idle and keeps the rows it rendered before, cut to
the header's width; a busy console (rings, a loaded host) showed lookup rows cut to "Mari".
Each check reads the widths right after the rows are set, with no pause for an idle between.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from screens.widgets.match_table import MatchTable
from screens.widgets.sized_columns import sized_columns
from store.search import Match

LONG_NAME = "Mariangela Bevilacqua"
LONG_CITY = "Reggio Calabria"


def _match(customer_id: int, name: str, city: str) -> Match:
    return Match(
        customer_id=customer_id,
        external_id=f"C{customer_id}",
        display_name=name,
        score=97.0,
        matched_on="name",
        reason="name matches",
        masked_phone="+39 ••• ••• 5678",
        city=city,
        age=41,
        status="active",
        last_contact=datetime(2026, 11, 30, 9, 15, tzinfo=UTC),
    )


def _content_widths(table: DataTable[Text]) -> list[int]:
    return [column.get_render_width(table) - 2 * table.cell_padding for column in table.ordered_columns]


def _widest_cells(table: DataTable[Text]) -> list[int]:
    rows = [table.get_row_at(index) for index in range(table.row_count)]
    return [max(row[index].cell_len for row in rows) for index in range(len(table.ordered_columns))]


class _Tables(App[None]):
    def compose(self) -> ComposeResult:
        yield MatchTable(id="matches")
        yield DataTable(id="plain")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_lookup_rows_fit_their_columns_before_any_idle(size: tuple[int, int]) -> None:
    app = _Tables()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        table = app.query_one(MatchTable)
        table.show_matches([_match(1, "Ada Li", "Roma"), _match(2, LONG_NAME, LONG_CITY)])
        widths, widest = _content_widths(table), _widest_cells(table)
        assert all(width >= cell for width, cell in zip(widths, widest, strict=True)), (widths, widest)
        assert table.get_row_at(1)[0].plain == LONG_NAME
        assert len(table.ordered_columns) == (8 if table.wide else 7)


async def test_sized_columns_bounds_a_column_and_keeps_a_header_wider_than_its_cells() -> None:
    app = _Tables()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.query_one("#plain", DataTable)
        rows = [[Text("x" * 70), Text("1")], [Text("y"), Text("22")]]
        sized_columns(table, ["Subject", "Number of calls"], rows, keys=["subject", "calls"], limit=30)
        assert _content_widths(table) == [30, len("Number of calls")]
        assert [column.key.value for column in table.ordered_columns] == ["subject", "calls"]
        assert [column.label.plain for column in table.ordered_columns] == ["Subject", "Number of calls"]

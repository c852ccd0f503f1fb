"""The supervisor's reports (F10): pick a report, a period and a grouping; the rows in a table
beside a bar chart of them (under it on a narrow terminal; `c` shows or hides the chart).

The store decides who sees what (`store.reports.run_report`: an operator reaches nothing, a
supervisor their team's rows); this screen only asks, in a worker, and shows the answer. Report
and column names come from the store as stable keys and are translated here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static
from textual_plotext import PlotextPlot

from screens.back_key import EscapeLeaves, back_key
from screens.context import actor_of, context_of
from screens.formatting import format_number
from screens.i18n import N_, _
from screens.language import LanguageChanged
from screens.outage import database_guard
from screens.report_labels import COLUMN_TITLES, GROUPINGS, REPORT_TITLES, SEGMENT_VALUES
from screens.widgets.footer import Footer
from screens.widgets.typed import TypedInput
from store.policy import Forbidden
from store.reports import REPORTS, By, Column, Kind, Period, ReportResult, run_report
from store.sanitize import clean_line

NARROW = 100
"""Below this many columns the chart goes under the table instead of beside it."""
DEFAULT_DAYS = 7


@dataclass
class _Loaded(Message):
    result: ReportResult
    asked: int
    """Which `action_run` asked for it: only the latest one's answer is shown."""


@dataclass
class _Refused(Message):
    why: str


class ReportsScreen(EscapeLeaves, Screen[None]):
    """One report at a time; it runs again whenever the report, the period or the grouping changes."""

    CSS_PATH = "reports.tcss"
    BINDINGS = [
        Binding("ctrl+r", "run", N_("Run"), id="reports.run"),
        Binding("c", "toggle_chart", N_("Chart"), id="reports.chart"),
        back_key("back", N_("Back"), "reports.back"),
    ]

    def __init__(self, *, period: Period | None = None, name: str = "calls", by: By = By.OPERATOR) -> None:
        super().__init__()
        today = date.today()
        self._period = period or Period(today - timedelta(days=DEFAULT_DAYS - 1), today)
        self._name, self._by = name, by
        self._result: ReportResult | None = None
        self._asked = 0
        """Runs asked for so far; an answer to an older one (or to one before a period typed
        wrong) lands too late to be shown: its status would hide what was asked since."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="reports-controls"):
            yield Select(self._report_options(), value=self._name, allow_blank=False, id="reports-name")
            yield TypedInput(self._period.first.isoformat(), placeholder="YYYY-MM-DD", id="reports-from")
            yield TypedInput(self._period.last.isoformat(), placeholder="YYYY-MM-DD", id="reports-to")
            yield Select(self._by_options(), value=self._by.value, allow_blank=False, id="reports-by")
        with Horizontal(id="reports-body"):
            yield DataTable(id="reports-table", cursor_type="row", zebra_stripes=True)
            yield PlotextPlot(id="reports-chart")
        yield Static(Text(""), id="reports-status")
        yield Footer()

    @staticmethod
    def _report_options() -> list[tuple[str, str]]:
        return [(_(REPORT_TITLES[name]), name) for name in REPORTS]

    @staticmethod
    def _by_options() -> list[tuple[str, str]]:
        return [(_(GROUPINGS[by]), by.value) for by in By]

    def on_mount(self) -> None:
        self.query_one("#reports-from", Input).tooltip = _("First day (UTC), inclusive")
        self.query_one("#reports-to", Input).tooltip = _("Last day (UTC), inclusive")
        self.action_run()

    @on(Resize)
    def _fit(self, event: Resize) -> None:
        self.query_one("#reports-body").set_class(event.size.width < NARROW, "narrow")

    @on(LanguageChanged)
    def _relabel(self) -> None:
        self.query_one("#reports-name", Select).set_options(self._report_options())
        self.query_one("#reports-by", Select).set_options(self._by_options())
        self.query_one("#reports-name", Select).value = self._name
        self.query_one("#reports-by", Select).value = self._by.value
        if self._result is not None:
            self._paint(self._result)

    @on(Select.Changed)
    def _picked(self) -> None:
        """Another report or grouping picked. The Selects also say their first value at mount
        (and after a relabel): the same choice, which must not run the report a second time."""
        chosen = (self.query_one("#reports-name", Select).value, self.query_one("#reports-by", Select).value)
        if chosen != (self._name, self._by.value):
            self.action_run()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_run()

    def action_run(self) -> None:
        """Read the choices; a malformed period is said in the status line, nothing is asked."""
        self._asked += 1
        period = self._chosen_period()
        if period is None:
            return
        name = self.query_one("#reports-name", Select).value
        by = self.query_one("#reports-by", Select).value
        self._name = str(name) if isinstance(name, str) else self._name
        self._by = By(by) if isinstance(by, str) else self._by
        self._period = period
        self._status(_("Running the report..."))
        self._load(self._name, period, self._by, self._asked)

    def _chosen_period(self) -> Period | None:
        texts = [self.query_one(f"#reports-{end}", Input).value.strip() for end in ("from", "to")]
        try:
            first, last = (date.fromisoformat(text) for text in texts)
        except ValueError:
            self._status(_("Write the days as 2026-11-30."))
            return None
        if first > last:
            self._status(_("The first day is after the last day."))
            return None
        return Period(first, last)

    @work(thread=True, exclusive=True, group="reports")
    def _load(self, name: str, period: Period, by: By, asked: int) -> None:
        with database_guard(self, _("running a report")):
            try:
                result = run_report(context_of(self.app).engines, actor_of(self.app), name, period, by)
                self.post_message(_Loaded(result, asked))
            except Forbidden:
                self.post_message(_Refused(_("Reports are for supervisors and admins only.")))

    @on(_Refused)
    def _refused(self, message: _Refused) -> None:
        self.query_one(DataTable).clear(columns=True)
        self._status(message.why)

    @on(_Loaded)
    def _show(self, message: _Loaded) -> None:
        if message.asked == self._asked:
            self._paint(message.result)

    def _paint(self, result: ReportResult) -> None:
        self._result = result
        columns = result.report.columns
        table = self.query_one(DataTable)
        table.clear(columns=True)
        cells = [[_cell(value, c) for value, c in zip(row, columns, strict=True)] for row in result.rows]
        for index, column in enumerate(columns):
            title = _(COLUMN_TITLES[column.key])
            label = Text(title, justify="left" if column.kind is Kind.TEXT else "right")
            # sized here, not on a later idle, so the first paint already fits every cell
            width = max([len(title), *(line[index].cell_len for line in cells)])
            table.add_column(label, key=column.key, width=width)
        for index, line in enumerate(cells):
            table.add_row(*line, key=str(index))
        self._draw(result)
        count = len(result.rows)
        self._status(
            _("{rows} rows, {first} to {last}").format(
                rows=format_number(count),
                first=result.period.first.isoformat(),
                last=result.period.last.isoformat(),
            )
            if count
            else _("Nothing in this period.")
        )

    def _draw(self, result: ReportResult) -> None:
        chart = self.query_one(PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        points = result.chart_points()
        if points:
            plt.bar(
                [clean_line(label) or "-" for label, _value in points], [value for _label, value in points]
            )
        plt.title(_(COLUMN_TITLES[result.report.chart]))
        chart.refresh()

    def _status(self, text: str) -> None:
        self.query_one("#reports-status", Static).update(Text(text))

    def action_toggle_chart(self) -> None:
        chart = self.query_one(PlotextPlot)
        chart.display = not chart.display

    def action_back(self) -> None:
        self.app.pop_screen()


def _cell(value: object, column: Column) -> Text:
    """A value as plain text (group labels are typed by people: cleaned, never markup)."""
    if value is None:
        return Text("-", justify="right")
    if column.key == "segment" and value in SEGMENT_VALUES:
        return Text(_(SEGMENT_VALUES[str(value)]))
    if column.kind is Kind.TEXT:
        return Text(clean_line(str(value)))
    return Text(format_number(value), justify="right")  # type: ignore[arg-type]

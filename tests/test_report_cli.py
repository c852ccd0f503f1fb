"""`callpop report` as a user runs it: the list, the period's mistakes (exit 2), JSON, and a CSV
whose hostile cells open in a spreadsheet as text."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from console.acting import os_account
from console.cli import main
from store.db import write_session
from store.models import Call, Role
from store.reports import REPORTS
from tests.harness import operator_row


@pytest.fixture
def url(sqlite_engine: Engine) -> str:
    """A database with two calls on 2026-11-03, the OS account its admin."""
    operator_row(sqlite_engine, os_account(), role=Role.ADMIN)
    with write_session(sqlite_engine) as session:
        for n, reason in enumerate(('=HYPERLINK("http://x")', "billing")):
            at = datetime(2026, 11, 3, 9 + n, tzinfo=UTC)
            session.add(Call(call_id=f"c{n}", operator="ana", reason=reason, outcome="resolved", rang_at=at))
    return sqlite_engine.url.render_as_string()


def _report(url: str, *words: str) -> int:
    """The exit status of `callpop report WORDS` (argparse's own mistakes exit through SystemExit)."""
    try:
        return main(["report", *words, "--database", url])
    except SystemExit as done:
        return int(done.code or 0)


def test_list_names_every_report(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _report(url, "--list") == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == list(REPORTS)


@pytest.mark.parametrize(
    ("words", "says"),
    [
        (["calls", "--from", "2026-11-31", "--to", "2026-12-01"], "'2026-11-31' is not a date"),
        (
            ["calls", "--from", "2026-12-02", "--to", "2026-12-01"],
            "--from 2026-12-02 is after --to 2026-12-01",
        ),
        (["calls", "--from", "2026-12-01"], "give the period"),
        (["nosuch", "--from", "2026-12-01", "--to", "2026-12-01"], "no report 'nosuch'"),
        (["calls", "--from", "2026-12-01", "--to", "2026-12-01", "--bom"], "--bom is for the CSV"),
        (["calls", "--from", "2026-12-01", "--to", "2026-12-01", "--by", "week"], "invalid choice: 'week'"),
    ],
)
def test_a_mistake_is_one_line_and_exit_2(
    url: str, words: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _report(url, *words)
    err = capsys.readouterr().err.strip()
    assert code == 2 and says in err and "\n" not in err


def test_json_and_a_table(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _report(url, "calls", "--from", "2026-11-01", "--to", "2026-11-03", "--by", "day", "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["report"], result["from"], result["to"], result["by"]) == (
        "calls",
        "2026-11-01",
        "2026-11-03",
        "day",
    )
    assert [row["calls"] for row in result["rows"]] == [1, 1] and {r["group"] for r in result["rows"]} == {
        "2026-11-03"
    }
    assert _report(url, "handling", "--from", "2026-11-03", "--to", "2026-11-03") == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        out[0].startswith("Handle time")
        and out[1].split()[0] == "Group"
        and out[2].split()[:2] == ["ana", "2"]
    )


def test_a_read_replica_that_is_down_leaves_the_report_to_the_primary(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reports read the standby (CALLPOP_READ_DATABASE_URL); one that does not answer must not
    stop them. You should see the primary's rows (the standby itself: tests/test_read_replica.py)."""
    monkeypatch.setenv("CALLPOP_READ_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:18099/nothing")
    assert _report(url, "calls", "--from", "2026-11-03", "--to", "2026-11-03", "--by", "day", "--json") == 0
    assert [row["calls"] for row in json.loads(capsys.readouterr().out)["rows"]] == [1, 1]


def test_csv_neutralises_formulas_and_can_start_with_a_bom(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "calls.csv"
    assert (
        _report(url, "calls", "--from", "2026-11-03", "--to", "2026-11-03", "--csv", str(path), "--bom") == 0
    )
    assert "wrote 2 rows" in capsys.readouterr().out
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["group", "reason", "outcome", "calls"]
    assert rows[1][1] == '\'=HYPERLINK("http://x")' and rows[2] == ["ana", "billing", "resolved", "1"]


def test_segments_csv_keeps_its_header_and_labels_calls_with_no_customer(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "segments.csv"
    assert _report(url, "segments", "--from", "2026-11-03", "--to", "2026-11-03", "--csv", str(path)) == 0
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    assert rows == [["group", "segment", "calls", "share_pct"], ["ana", "(no customer)", "2", "100.0"]]


def test_an_operator_is_refused(url: str, sqlite_engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    operator_row(sqlite_engine, os_account(), role=Role.OPERATOR)
    assert _report(url, "calls", "--from", "2026-11-03", "--to", "2026-11-03") == 2
    assert "reports.read needs another role" in capsys.readouterr().err


def test_bench_supervisor_times_each_report_and_says_if_within_target(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A tiny run (the 1,000,000-call figures are `callpop bench supervisor`'s own): every report
    has p50/p95 and CPU time, and the reports section says whether all met the 2 s target; the
    queue section times the queue's first paint against its 200 ms target."""
    tiny = ["--calls", "500", "--samples", "1", "--tickets", "60", "--paints", "2", "--json"]
    assert main(["bench", "supervisor", *tiny]) == 0
    result = json.loads(capsys.readouterr().out)
    queue = result["queue"]
    assert queue["tickets"] == 60 and queue["first_paint"]["n"] == 2 and queue["target_ms"] == 200.0
    section = result["reports"]
    assert section["calls"] == 500 and set(section["reports"]) == set(REPORTS)
    for timing in section["reports"].values():
        assert {"p50_ms", "p95_ms", "cpu_p50_ms", "within_target"} <= set(timing)
    assert isinstance(section["all_within_target"], bool)

"""`callpop bench floor` run tiny (2 consoles, a few seconds) so it cannot rot: every console
takes its call, types, and the rows written match the actions (the timings are the bench's own)."""

from __future__ import annotations

import json

import pytest

from console.cli import main


def test_a_tiny_floor_takes_its_calls_and_loses_no_wrapup(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench", "floor", "--consoles", "2", "--minutes", "0.1", "--customers", "60", "--json"]
    code = main([*argv, "--database", database_url])
    result = json.loads(capsys.readouterr().out)
    assert (result["errors"], result["first_errors"]) == (0, [])
    assert code == 0 and result["rows_match"]
    assert result["rows"]["calls_wrapped"] >= 2  # each console's first step is a call
    assert result["actions"]["pop_painted"]["n"] == result["actions"]["wrapup_save"]["n"] >= 2
    rss = result["rss_mb"]
    assert result["keys_typed"] > 0 and rss["per_console_max"] > 0 and rss["per_console_end_max"] > 0
    assert rss["series_every_s"] == 1.0 and len(rss["per_console_series_max"]) >= 5  # issue #14
    assert all(mb > 0 for mb in rss["per_console_series_max"])
    assert 0 < rss["per_console_end_anonymous_max"] < rss["per_console_end_max"]  # the rest: libraries
    connections = result["connections"]
    assert connections["counted"] is database_url.startswith("postgresql")
    if connections["counted"]:  # issue #14: the change feed's LISTEN connection and one pooled
        assert 0 < connections["peak_per_console_max"] <= 2

"""The benchmarks that drive a console screen run to the end: `callpop bench pop` rings the real
API and times the profile painted on a signed-in console, `callpop bench profile` times the
profile screen from push to painted (both once hung, waiting on a screen the store refused)."""

from __future__ import annotations

import json

import pytest

from console.cli import main


def test_pop_bench_rings_a_signed_in_console_and_times_each_pop(capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: the benchmark's console was never signed in, so it sat at the sign-in screen and
    the run never ended. You should see every ring timed, opened before painted."""
    assert main(["bench", "pop", "--rings", "3", "--customers", "60", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["rings"] == 3 and result["customers_in_db"] >= 60
    for stage in ("accepted_to_opened", "accepted_to_painted", "sent_to_painted"):
        assert result[stage]["n"] == 3
    assert result["accepted_to_opened"]["p50_ms"] <= result["accepted_to_painted"]["p50_ms"]


def test_profile_bench_times_the_typical_and_the_huge_customer(capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: its screens had no signed-in role, the store refused the profile and the run
    waited for a paint that never came. You should see each customer's samples."""
    assert main(["bench", "profile", "--customers", "20", "--runs", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for name in ("typical", "huge", "baseline_empty_screen"):
        assert result[name]["n"] == 2 and result[name]["cpu"]["n"] == 2


def test_terminal_bench_counts_the_bytes_of_both_modes(capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: it asked the real console for an extension no operator held and the console
    (rightly) refused the seat. You should see the bytes counted in both modes."""
    assert main(["bench", "terminal", "--customers", "30", "--pops", "1", "--words", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for mode in ("normal", "low_bandwidth"):
        assert result[mode]["pops"] == 1 and result[mode]["keystrokes"] > 0

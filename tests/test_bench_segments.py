"""`callpop bench segments` and the retention part of `callpop bench offers`, end to end at a tiny
size: what they report, not how fast (their numbers are read from a real run, never asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.cli import main


def test_bench_segments_times_a_full_then_an_incremental_refresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    args = ["bench", "segments", "--customers", "300", "--runs", "1", "--changed", "25", "--database", url]
    assert main([*args, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["database"], result["customers"], result["reused"]) == ("sqlite", 300, False)
    full, incremental = result["full"], result["incremental"]
    assert full["n"] == 1 and full["customers"] == 300 and full["within_target"] is None  # not 1M
    assert incremental["n"] == 1 and 25 <= incremental["customers"] < 300  # the changed ones
    assert result["peak_rss_mb"] >= result["peak_rss_mb_after"]["after_full"] > 0
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reused"] is True


def test_bench_offers_reports_the_retention_lift(capsys: pytest.CaptureFixture[str]) -> None:
    """Every policy sees the same calls: a retention offer can only lower a customer's chance of
    leaving, so no policy loses more customers at risk than the control."""
    args = ["bench", "offers", "--calls", "300", "--retention-calls", "3000", "--skip-latency", "--json"]
    assert main(args) == 0
    retention = json.loads(capsys.readouterr().out)["retention"]
    policies = retention["policies"]
    assert set(policies) == {"risk_ranked", "value_only", "no_retention"}
    control = policies["no_retention"]
    assert control["retention_offers"] == 0 and control["kept_vs_control"] == 0
    assert 0 < policies["risk_ranked"]["retention_offers"] <= policies["value_only"]["retention_offers"]
    assert policies["value_only"]["retention_offers"] == retention["at_risk_customers"]
    for policy in policies.values():
        assert policy["churned_at_risk"] <= control["churned_at_risk"]
    assert set(retention["retention_lift"]) == {
        "churn_at_risk_reduction_vs_control",
        "kept_per_offer_vs_value_only",
    }
    assert "calibrated" in retention["assumptions"]["leaves_with_probability"]

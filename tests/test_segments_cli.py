"""The segments, churn, campaigns and returned-mail verbs as a user runs them, on a small demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.cli import main


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'callpop.db'}"
    assert main(["demo", "--database", url, "--customers", "600", "--seed", "5"]) == 0
    return url


def test_segments_refresh_then_list_with_counts(demo_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segments", "refresh", "--database", demo_url, "--full", "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["full"] and result["customers"] == 600
    assert "segments: 100% (600 of 600 customers)" in captured.err
    assert main(["segments", "list", "--database", demo_url, "--json"]) == 0
    counts = {s["name"]: s["customers"] for s in json.loads(capsys.readouterr().out)["segments"]}
    assert (
        sum(
            counts[name]
            for name in ("champions", "loyal", "new", "promising", "need_attention", "at_risk", "hibernating")
        )
        > 400
    )  # every customer with a holding
    assert counts["warranty_expiring_30_days"] > 0 and counts["mortgage_no_home_insurance"] > 0


def test_churn_train_prints_auc_and_calibration_then_scores(
    demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["churn", "train", "--database", demo_url]) == 0
    out = capsys.readouterr().out
    assert "held-out AUC 0." in out and "calibration" in out and " -> " in out
    assert main(["churn", "score", "--database", demo_url, "--json", "--top", "3"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert sum(scored["bands"].values()) > 300 and len(scored["riskiest"]) == 3
    assert scored["riskiest"][0]["risk"] >= scored["riskiest"][2]["risk"]


def test_campaigns_and_returned_mail(
    demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["campaigns", "list", "--database", demo_url, "--json"]) == 0
    campaigns = json.loads(capsys.readouterr().out)
    assert {c["code"] for c in campaigns} >= {"WARRANTY-EXT", "CARD-UPGRADE"}
    assert all(c["responded"] <= c["reached"] for c in campaigns)
    before = len(_worklist(demo_url, capsys))
    entries = tmp_path / "returned.txt"
    entries.write_text("C00000001\n987654\n")
    assert main(["returned-mail", str(entries), "--database", demo_url, "--json"]) == 0
    marked = json.loads(capsys.readouterr().out)
    assert marked["marked"] == 1 and marked["unmatched"][0]["line"] == 2
    assert len(_worklist(demo_url, capsys)) == before + 1


def _worklist(url: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    assert main(["returned-mail", "--worklist", "--database", url, "--json"]) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["campaigns", "show", "NOPE"], "no campaign with code 'NOPE'"),
        (["returned-mail"], "give the FILE of returned mail"),
        (["returned-mail", "/nonexistent/file.txt"], "cannot read /nonexistent/file.txt"),
        (["returned-mail", "x.txt", "--worklist"], "give either FILE or --worklist"),
        (["churn", "train", "--horizon-days", "1"], "--horizon-days must be between 7 and 3650"),
        (["segments", "list", "--file", "/nonexistent/segments.toml"], "cannot read it"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(
    demo_url: str, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--database", demo_url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err

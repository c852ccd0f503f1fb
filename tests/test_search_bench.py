"""`callpop bench lookup` end to end on a tiny base: it builds, measures, compares, reports, reuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import console.benchmarks.lookup
from console.cli import main

NAME_KINDS = {"name_typo1", "name_typo2", "name_every_word", "name_prefix"}


def test_bench_lookup_builds_measures_compares_and_reuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console.benchmarks.lookup, "GRACE", 1.0)  # a new base's grace, waited for
    monkeypatch.setattr(console.benchmarks.lookup, "STALE_AT", 100)  # when it holds over 100 changes
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    args = ["bench", "lookup", "--customers", "300", "--queries", "8", "--database", url, "--json"]
    assert main([*args, "--compare"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["reused"] is False and first["distinct_name_tokens"] > 100
    assert 0 < first["waited_for_grace_s"] <= 2.0 and first["name_engine_serving"] is True
    kinds = first["queries"]
    phones = {"phone_full", "phone_last4", "phone_last7"}
    assert phones | NAME_KINDS <= set(kinds)
    assert kinds["phone_full"]["recall_id@1"] == 1.0  # synthetic numbers are unique
    assert kinds["name_typo1"]["recall_name@10"] > 0.5
    assert kinds["name_every_word"]["recall_name@10"] > 0.5
    assert 0 < first["query_peak_rss_mb"] < first["peak_rss_mb"] + 200
    engines = first["compare"]["engines"]
    expected = {"bruteforce_wratio", "sqlite_fts5_trigram", "tantivy_fuzzy", "tantivy_fuzzy_rerank"}
    assert set(engines) == expected and "postgresql_pg_trgm" in first["compare"]["skipped"]
    for report in engines.values():
        assert NAME_KINDS <= set(report["queries"]) and not phones & set(report["queries"])
        assert report["build_s"] >= 0 and set(report["ratios"]) == set(report["queries"])
    assert engines["bruteforce_wratio"]["queries"]["name_typo1"]["recall_name@10"] > 0.5
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["reused"] is True and "compare" not in again

"""`callpop bench startup` times the real `--help` and `find` as whole processes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from console.cli import main


def test_startup_bench_times_help_and_find_beside_the_yardstick(capsys: pytest.CaptureFixture[str]) -> None:
    """You should see each command's wall time, CPU time and ratio to `import sqlalchemy` from
    runs that succeeded (a `find` that failed, e.g. not signed in, stops the benchmark), and its
    demo base under the cache dir."""
    assert main(["bench", "startup", "--runs", "1", "--customers", "20", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for name in ("help", "find", "yardstick"):
        assert result[name]["wall"]["n"] == 1 and result[name]["cpu_p50_ms"] > 0
    assert result["yardstick"]["wall_ratio_p50"] == 1.0
    scratch = Path(os.environ["CALLPOP_CACHE_DIR"]) / "bench" / "startup"
    assert result["database"] == f"sqlite:///{scratch / 'demo-20.db'}"

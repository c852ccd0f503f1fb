"""Benchmarks keep their scratch databases under the cache dir, say where, and `bench --clean`
removes them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from console.benchmarks import kinds
from console.cli import main


def test_bench_scratch_goes_to_the_cache_dir_and_clean_removes_it(capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: `callpop bench lookup` left its scratch database (496 MB at 1M customers) in the
    data dir, next to the real one, with no word about it and no way to remove it. You should see
    it under the cache dir, a line saying where, and `bench --clean` free it."""
    cache, data = Path(os.environ["CALLPOP_CACHE_DIR"]), Path(os.environ["CALLPOP_DATA_DIR"])
    assert main(["bench", "lookup", "--customers", "100", "--queries", "2", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["customers"] == 100
    scratch = cache / "bench" / "lookup"
    assert f"scratch files in {scratch}" in err and "`callpop bench --clean`" in err
    assert list(scratch.glob("bench-lookup-100-*.db"))
    assert not data.exists() or not list(data.rglob("bench-*"))

    assert main(["bench", "--clean"]) == 0
    assert capsys.readouterr().out.startswith(f"removed {cache / 'bench'} (")
    assert not (cache / "bench").exists()
    assert main(["bench", "--clean"]) == 0
    assert "nothing to remove" in capsys.readouterr().out


def test_bench_needs_a_kind_or_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench"]) == 2
    assert "give a KIND" in capsys.readouterr().err


@pytest.mark.parametrize("kind", kinds())
def test_every_benchmark_kind_the_help_names_has_options(
    kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: `callpop bench --help` offered `febrl` and `peers` (shared code: a traceback) and
    `import_` where the README says `callpop bench import`. You should see each kind it names answer
    `--help` with its own usage line."""
    with pytest.raises(SystemExit) as exit_:
        main(["bench", kind, "--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: callpop bench {kind} ")


def test_the_import_benchmark_is_called_import() -> None:
    assert "import" in kinds() and "import_" not in kinds()

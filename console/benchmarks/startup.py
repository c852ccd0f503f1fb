"""`callpop bench startup`: how long `callpop --help` and `callpop find` take as whole processes.

Each run is a fresh interpreter (what a user or a script waits for), started in turn with the
yardstick `python -c "import sqlalchemy"`: --help, find, yardstick, --help, find, ... after one
warm-up of each, so a machine that slows down mid-run slows all three alike, and each ratio is
taken against the yardstick of the same round. Wall time is taken around each child, its CPU time
and peak RSS from the kernel's accounting of it (wait4). The kernel counts in a child's peak the
image of the process that started it, so the demo base is made by a `callpop demo` child and
`peak_rss_floor_mb` says how much of a peak may be this process's own. `find` searches that demo
base as the OS account (`callpop demo` made it an admin): the real path of sign-in, policy, the
audit row, the search and the table. The issue's targets: --help <= 0.25 s, find <= 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from console.benchmarks import scratch_dir
from console.benchmarks.stats import emit, peak_rss_mb, percentiles
from console.commands import UserError
from console.config import Settings

YARDSTICK = "import sqlalchemy"


def register(kinds: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = kinds.add_parser(
        "startup", help="`callpop --help` and `callpop find` as whole processes", parents=parents
    )
    parser.add_argument("--runs", type=int, default=9, help="timed runs of each command (default 9)")
    parser.add_argument("--customers", type=int, default=200, help="demo customers in the scratch base")
    parser.add_argument("--query", default="rossi", help="what `find` searches for (default rossi)")
    parser.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not 1 <= args.runs <= 100:
        raise UserError("--runs must be between 1 and 100")
    url = settings.database_url or _demo_base(settings, args.customers)
    callpop = [sys.executable, "-m", "console.cli"]
    commands = {
        "help": [*callpop, "--help"],
        "find": [*callpop, "find", args.query, "--database", url],
        "yardstick": [sys.executable, "-c", YARDSTICK],
    }
    for argv in commands.values():  # warm-up: the page cache and the bytecode, not counted
        _timed(argv)
    rounds = [{name: _timed(argv) for name, argv in commands.items()} for _ in range(args.runs)]
    result: dict[str, Any] = {"yardstick_command": f'python -c "{YARDSTICK}"', "database": url}
    for name in commands:
        result[name] = _summary([one[name] for one in rounds], [one["yardstick"] for one in rounds])
    result.update(targets_s={"help": 0.25, "find": 0.5}, peak_rss_floor_mb=peak_rss_mb())
    emit(result)
    return 0


def _demo_base(settings: Settings, customers: int) -> str:
    """A scratch SQLite demo base of `customers` with the OS account its admin, made once by
    `callpop demo` in a child process (this one stays small) and reused, brought up to this
    version's schema first (`find` never migrates: a base made by an older callpop would stop it)."""
    path = scratch_dir(settings, "startup") / f"demo-{customers}.db"
    url = f"sqlite:///{path}"
    verb = ["db", "upgrade"] if path.exists() else ["demo", "--customers", str(customers)]
    child = [sys.executable, "-m", "console.cli", *verb, "--database", url]
    if subprocess.run(child, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=False).returncode:
        if verb[0] == "demo":
            path.unlink(missing_ok=True)
        raise UserError(f"`callpop {' '.join(verb)}` could not prepare the scratch base {path}")
    return url


def _timed(argv: list[str]) -> dict[str, float]:
    """One run of `argv`: wall and CPU seconds, peak RSS (MB); its output is thrown away, a
    failure (exit status not 0) is a UserError with the last line it wrote."""
    started = time.perf_counter()
    child = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert child.stderr is not None  # stderr=PIPE
    with child.stderr:
        errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    if child.returncode != 0:
        said = errors.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise UserError(f"{' '.join(argv[1:])} exited {child.returncode}: {said[0]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def _summary(runs: list[dict[str, float]], yardsticks: list[dict[str, float]]) -> dict[str, Any]:
    """A command's wall times, median CPU, largest peak, and median ratios to the yardstick."""
    return {
        "wall": percentiles([one["wall"] * 1000 for one in runs]),
        "cpu_p50_ms": round(statistics.median(one["cpu"] * 1000 for one in runs), 1),
        "peak_rss_mb": round(max(one["peak_mb"] for one in runs), 1),
        "wall_ratio_p50": _median_ratio(runs, yardsticks, "wall"),
        "cpu_ratio_p50": _median_ratio(runs, yardsticks, "cpu"),
    }


def _median_ratio(runs: list[dict[str, float]], yardsticks: list[dict[str, float]], figure: str) -> float:
    """The median over rounds of `figure` (wall or cpu) divided by that round's yardstick."""
    ratios = (one[figure] / stick[figure] for one, stick in zip(runs, yardsticks, strict=True))
    return round(statistics.median(ratios), 3)

"""Small helpers shared by the benchmarks: percentiles, peak memory, JSON output."""

from __future__ import annotations

import json
import resource
import statistics
import sys
from collections.abc import Sequence
from typing import Any


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50/p95/max of a list of millisecond timings, rounded for reading."""
    if not samples_ms:
        return {"n": 0}
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(p95, 3),
        "max_ms": round(ordered[-1], 3),
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def emit(result: dict[str, Any]) -> None:
    """Print a benchmark's result as one JSON document."""
    result.setdefault("peak_rss_mb", peak_rss_mb())
    json.dump(result, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")

"""`callpop bench KIND ...`: performance benchmarks printing JSON (p50/p95, memory)."""

from __future__ import annotations

import argparse

from console.commands import discover


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("bench", help="run a benchmark and print JSON")
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    for module in discover("console.benchmarks"):
        module.register(kinds, parents)

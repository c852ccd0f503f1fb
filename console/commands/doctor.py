"""`callpop doctor`: check this host, this account and its database; one line per check and
what to fix. Exit 0 when every check passes, 1 when any fails. Nothing is written or migrated."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.config import Settings


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check the database, data dir, terminal, locale, API token and clock; say what to fix",
        parents=parents,
    )
    parser.set_defaults(handler=run)


def run(_args: argparse.Namespace, settings: Settings) -> int:
    import os

    from console.doctor import Verdict, database_findings, host_findings

    failed = False
    for finding in (*database_findings(settings), *host_findings(settings, os.environ)):
        print(finding.line(), flush=True)
        failed = failed or finding.verdict is Verdict.FAIL
    return 1 if failed else 0

"""`callpop bench KIND ...`: performance benchmarks printing JSON (p50/p95, memory); `--clean`.

Only the chosen kind's module is imported (each pulls in what it measures: Textual, the API,
Faker), so the parser of every other verb stays light; its options are parsed by its own parser.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from console.commands import CommandLineParser, UserError

if TYPE_CHECKING:
    from console.config import Settings


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    from console.benchmarks import kinds

    parser = subparsers.add_parser(
        "bench",
        help="run a benchmark and print JSON; --clean removes the scratch databases",
        description="Run KIND (`callpop bench KIND --help` for its options). Scratch databases go "
        "under the cache dir (CALLPOP_CACHE_DIR); --clean removes them.",
    )
    parser.add_argument("--clean", action="store_true", help="remove every benchmark's scratch files")
    parser.add_argument("kind", nargs="?", choices=kinds(), metavar="KIND", help=", ".join(kinds()))
    parser.add_argument("options", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.set_defaults(handler=run, parents=parents)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from console.benchmarks import clean

    if args.clean:
        if args.kind:
            raise UserError("--clean removes every benchmark's files; give it no KIND")
        root, freed = clean(settings)
        print(f"removed {root} ({freed / 1e6:,.1f} MB)" if freed else f"nothing to remove in {root}")
        return 0
    if not args.kind:
        raise UserError("which benchmark? give a KIND (see `callpop bench --help`) or --clean")
    kind_args = _kind_parser(args.kind, args.parents).parse_args(args.options)
    if getattr(kind_args, "database", None):
        settings = settings.model_copy(update={"database_url": kind_args.database})
    return int(kind_args.handler(kind_args, settings) or 0)


def _kind_parser(kind: str, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """The parser of one benchmark kind, built from its module (imported only now)."""
    import importlib

    from console.benchmarks import module_of

    module = importlib.import_module(module_of(kind))
    holder = CommandLineParser(prog="callpop bench").add_subparsers()
    module.register(holder, parents)
    return holder.choices[kind]

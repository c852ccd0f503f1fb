"""`callpop [VERB] ...`: one sub-command per module of `console.commands`; no verb opens the console.

Start-up stays quick because a verb module imports only `argparse` at the top and the rest inside
its handler: `callpop --help` loads no database, Textual or web-server code, and `callpop find`
loads only the search. Running a verb builds the parser of that verb alone when its module is
named after it; `--help` and a mistyped verb get every verb. How a failure becomes an exit status
is `console.failures`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from console import commands
from console.commands import CommandLineParser

DEFAULT_VERB = "run"
"""What `callpop` with no verb (or with only options, e.g. `callpop --operator sofia`) does."""
_TOP_LEVEL_FLAGS = {"-h", "--help", "--version"}


class _VersionAction(argparse.Action):
    """`--version`: the installed package's version, looked up only when asked for."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest=dest, nargs=0, help="print the version and exit", **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kwargs: object) -> NoReturn:
        from importlib.metadata import version

        print(f"callpop {version('callpop')}")
        parser.exit(0)


def build_parser(verb: str | None = None) -> argparse.ArgumentParser:
    """The full parser: one sub-command per module of `console.commands`. With the `verb` about
    to run, one that has only that verb's sub-command if its module is named after it (the rest
    would be imported and built for nothing); the full one otherwise."""
    common = CommandLineParser(add_help=False)
    common.add_argument(
        "--database", metavar="URL", help="SQLAlchemy database URL (default: CALLPOP_DATABASE_URL)"
    )
    parser = CommandLineParser(
        prog="callpop",
        description="Terminal support console for operators. Without a VERB it opens the console "
        f"(`callpop {DEFAULT_VERB}`).",
        epilog="Exit status: 0 done; 1 nothing found, or something callpop needs is not there "
        "(database unreachable, API not running); 2 a mistake in what was asked (arguments, "
        "settings, database URL or file); 130 interrupted.",
    )
    parser.add_argument("--version", action=_VersionAction)
    subparsers = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for module in commands.discover(verb=verb):
        module.register(subparsers, [common])
    if verb is not None and verb not in subparsers.choices:
        return build_parser()
    return parser


def with_default_verb(argv: Sequence[str]) -> list[str]:
    """`callpop` and `callpop --operator X` mean `callpop run ...`; a verb or --help/--version stays."""
    words = list(argv)
    if not words or (words[0].startswith("-") and words[0] not in _TOP_LEVEL_FLAGS):
        words.insert(0, DEFAULT_VERB)
    return words


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `callpop` script; returns the process exit code."""
    os.umask(0o077)  # whatever callpop writes is its operator's alone (store.private also chmods)
    words = with_default_verb(sys.argv[1:] if argv is None else argv)
    args = build_parser(None if words[0].startswith("-") else words[0]).parse_args(words)
    from console.config import load_settings
    from console.failures import explain

    settings = None
    try:
        settings = load_settings(database_url=getattr(args, "database", None))
        return int(args.handler(args, settings) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `callpop find ... | head`: the reader has what it wanted
        sys.stderr.close()
        return 0
    except Exception as error:
        failure = explain(error, settings)
        if failure is None:
            raise
        print(f"callpop {args.verb}: {failure.message}", file=sys.stderr)
        return failure.exit_code


if __name__ == "__main__":
    sys.exit(main())

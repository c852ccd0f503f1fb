"""CLI verbs. Each module here defines `register(subparsers, parents)` and sets `handler`.

A handler is `handler(args, settings) -> int`. Adding a verb means adding a module; nothing
else needs editing. Every module is imported to build the parser, so at its top a verb imports
only `argparse` (and names for type hints); its handler imports what the verb uses.
"""

from __future__ import annotations

import argparse
import importlib
import keyword
import pkgutil
from collections.abc import Iterator
from types import ModuleType
from typing import NoReturn


class UserError(Exception):
    """A mistake in what the user asked for: printed as one clear line, exit code 2."""


class Unavailable(Exception):
    """Something the verb needs is not there right now (a server, the database): one line, exit 1."""


class CommandLineParser(argparse.ArgumentParser):
    """argparse, except that a mistake is one line naming the verb (not the usage), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def discover(package: str = __name__, *, verb: str | None = None) -> Iterator[ModuleType]:
    """Import every module of `package` that defines `register`, sorted by name; with `verb`, only
    the module named after it (`returned-mail`: returned_mail, `import`: import_), if one is."""
    root = importlib.import_module(package)
    names = sorted(info.name for info in pkgutil.iter_modules(root.__path__))
    if verb is not None:
        named = verb.replace("-", "_") + ("_" if keyword.iskeyword(verb) else "")
        names = [name for name in names if name == named]
    for name in names:
        module = importlib.import_module(f"{package}.{name}")
        if hasattr(module, "register"):
            yield module

"""CLI verbs. Each module here defines `register(subparsers, parents)` and sets `handler`.

A handler is `handler(args, settings) -> int`. Adding a verb means adding a module; nothing
else needs editing.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType


class UserError(Exception):
    """A mistake in what the user asked for: printed as one clear line, exit code 2."""


def discover(package: str = __name__) -> Iterator[ModuleType]:
    """Import every module of `package` that defines `register`, sorted by name."""
    root = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{package}.{info.name}")
        if hasattr(module, "register"):
            yield module

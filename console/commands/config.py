"""`callpop config`: where settings come from and what they resolve to (secrets masked)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.config import Settings

SECRET_FIELDS = frozenset({"api_token"})


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "config", help="show the config file path and the effective settings", parents=parents
    )
    parser.set_defaults(handler=run)


def run(_args: argparse.Namespace, settings: Settings) -> int:
    from console.config import default_config_file, system_config_file
    from console.database import shown_url

    for title, path in (("config file", default_config_file()), ("system config file", system_config_file())):
        print(f"{title}: {path} ({'present' if path.exists() else 'absent'})")
    for name, value in settings.model_dump().items():
        if name in SECRET_FIELDS:
            value = "(set)" if value else ""
        elif name == "database_url" and value:
            value = shown_url(settings)
        print(f"{name} = {value}")
    print(f"database (resolved) = {shown_url(settings)}")
    return 0

"""`callpop config`: where settings come from and what they resolve to."""

from __future__ import annotations

import argparse

from console.config import Settings, default_config_file


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "config", help="show the config file path and the effective settings", parents=parents
    )
    parser.set_defaults(handler=run)


def run(_args: argparse.Namespace, settings: Settings) -> int:
    path = default_config_file()
    print(f"config file: {path} ({'present' if path.exists() else 'absent'})")
    for name, value in settings.model_dump().items():
        shown = "(set)" if name == "api_token" and value else value
        print(f"{name} = {shown}")
    print(f"database (resolved) = {settings.resolved_database_url}")
    return 0

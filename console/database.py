"""Opening the store for a console or a CLI verb: engine from settings, migrated on request."""

from __future__ import annotations

import sys

from sqlalchemy.engine import Engine

from console.config import Settings
from store.db import make_engine
from store.migrate import upgrade


def open_engine(settings: Settings, *, migrate: bool = True, quiet: bool = False) -> Engine:
    """The engine for `settings`; with `migrate`, the schema is brought up to date first (and said so)."""
    engine = make_engine(settings.resolved_database_url)
    if migrate:
        applied = upgrade(engine)
        if applied and not quiet:
            print(f"callpop: database migrated ({', '.join(applied)})", file=sys.stderr)
    return engine

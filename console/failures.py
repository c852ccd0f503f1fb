"""How a failure of a CLI verb becomes one line and an exit status, never a traceback.

2: a mistake in what was asked (arguments, a setting, the database URL, a file that is not a
callpop database). 1: something callpop needs is not there right now (the database does not
answer, the API is not running, the disk refused). Anything else is a bug and keeps its traceback.
Error classes are only looked up in libraries already imported: an error cannot come from a
library that was never loaded, and the lookup must not slow the start-up down.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.commands import Unavailable, UserError

if TYPE_CHECKING:
    from console.config import Settings


@dataclass(frozen=True)
class Failure:
    exit_code: int
    message: str


def explain(error: BaseException, settings: Settings | None) -> Failure | None:
    """The line and exit status for `error`, or None when it is a bug (let it show in full)."""
    if isinstance(error, UserError):
        return Failure(2, str(error))
    if isinstance(error, Unavailable):
        return Failure(1, str(error))
    return _settings_failure(error) or _database_failure(error, settings) or _file_failure(error)


def _settings_failure(error: BaseException) -> Failure | None:
    import tomllib

    from console.config import default_config_file, system_config_file, unreadable_config_file

    if isinstance(error, tomllib.TOMLDecodeError):
        path = unreadable_config_file() or default_config_file()
        return Failure(2, f"the config file {path} is not valid TOML: {error}")
    if "pydantic" in sys.modules:
        from pydantic import ValidationError

        if isinstance(error, ValidationError):
            problems = "; ".join(
                f"{'.'.join(str(part) for part in issue['loc']) or 'settings'}: {issue['msg']}"
                for issue in error.errors(include_url=False, include_input=False)
            )
            return Failure(
                2,
                f"bad setting ({problems}); check {default_config_file()}, {system_config_file()} "
                "and the CALLPOP_* variables",
            )
    return None


def _database_failure(error: BaseException, settings: Settings | None) -> Failure | None:
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy import exc, make_url

    if not isinstance(error, exc.DBAPIError):
        return None
    where = "the database"
    if settings is not None:
        url = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
        where = f"the database at {url}"
    reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else type(error.orig).__name__
    if isinstance(error, exc.OperationalError):
        return Failure(1, f"{where} is unavailable: {reason}")
    if isinstance(error, exc.DatabaseError) and not isinstance(error, exc.IntegrityError):
        return Failure(2, f"{where} cannot be used ({reason}): is it a callpop database?")
    return None


def _file_failure(error: BaseException) -> Failure | None:
    if isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename else ""
        return Failure(1, f"{error.strerror}{where}")
    return None

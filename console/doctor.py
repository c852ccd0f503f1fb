"""`callpop doctor`'s checks: can this host and account run a console, and what to fix if not.

Each check returns one `Finding`; a check never raises for what it finds and never writes (no
database file created, no migration, no chmod): it says what the admin should run instead.
"""

from __future__ import annotations

import locale
import math
import os
import stat
import string
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from console.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

MIN_COLUMNS, MIN_LINES = 80, 24
"""The smallest terminal every screen is laid out and tested for."""

MAX_CLOCK_SKEW_S = 2.0
"""Callbacks are due, and after-call work times out, by the database's clock and the console's:
beyond this the times an operator sees are wrong."""

MIN_TOKEN_BITS = 128
"""A bearer token guessable with fewer than 2**128 tries is not a secret."""


class Verdict(StrEnum):
    PASS = "ok"
    FAIL = "FAIL"
    SKIP = "skip"


@dataclass(frozen=True)
class Finding:
    check: str
    verdict: Verdict
    detail: str

    def line(self) -> str:
        return f"{self.verdict.value:<4}  {self.check}: {self.detail}"


def _ok(check: str, detail: str) -> Finding:
    return Finding(check, Verdict.PASS, detail)


def _fail(check: str, detail: str) -> Finding:
    return Finding(check, Verdict.FAIL, detail)


# --- the database ----------------------------------------------------------------------------


def database_findings(settings: Settings, local_clock: Callable[[], float] = time.time) -> Iterator[Finding]:
    """Reachable, migrated, granted, and on time; the later checks are skipped if it is not reachable."""
    from sqlalchemy.exc import SQLAlchemyError

    from console.commands import UserError
    from console.database import open_existing, shown_url
    from store.health import clock_skew, ping
    from store.migrate import SchemaState, applied_state

    where = shown_url(settings)
    try:
        engine = open_existing(settings)
        seconds = ping(engine)
    except (UserError, SQLAlchemyError) as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        yield _fail("database reachable", f"{where}: {reason}")
        for check in ("database migrated", "database grants", "clock skew"):
            yield Finding(check, Verdict.SKIP, "the database is not reachable")
        return
    try:
        yield _ok("database reachable", f"{where} ({seconds * 1000:.0f} ms)")
        state = applied_state(engine)
        if state is SchemaState.CURRENT:
            yield _ok("database migrated", "schema is current")
        elif state is SchemaState.BEHIND:
            yield _fail("database migrated", "migrations pending: run `callpop db upgrade`")
        else:
            yield _fail("database migrated", "migrated by a newer callpop: upgrade callpop on this host")
        yield _grants(engine, settings)
        yield _clock(*clock_skew(engine, local_clock))
        if settings.read_database_url:
            yield _replica(engine, settings.read_database_url)
    finally:
        engine.dispose()


def _grants(engine: Engine, settings: Settings) -> Finding:
    from sqlalchemy import make_url

    from store.health import missing_grants

    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        database = Path(url.database or "")
        for path in (database, database.parent):
            if not os.access(path, os.R_OK | os.W_OK):
                return _fail("database grants", f"{path} is not writable by {settings.operator}")
        return _ok("database grants", f"{database} and its folder are writable")
    missing = missing_grants(engine)
    if missing:
        shown = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
        return _fail("database grants", f"role {url.username} lacks {shown}: see docs/DEPLOY.md (grants)")
    return _ok("database grants", f"role {url.username} may read and write every callpop table")


def _clock(skew: float, round_trip: float) -> Finding:
    if abs(skew) > MAX_CLOCK_SKEW_S + round_trip / 2:
        side = "ahead of" if skew > 0 else "behind"
        return _fail(
            "clock skew",
            f"the database clock is {abs(skew):.1f} s {side} this host's: run NTP (chrony) on both",
        )
    return _ok("clock skew", f"{skew * 1000:+.0f} ms against the database")


def _replica(primary: Engine, read_url: str) -> Finding:
    """The read replica (CALLPOP_READ_DATABASE_URL) answers, is a standby, and how far behind."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from store.health import standby_lag_bytes
    from store.replica import make_reader_engine

    try:
        where = make_url(read_url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return _fail("read replica", "the read database URL is not a SQLAlchemy URL")
    if primary.dialect.name != "postgresql":
        return _fail("read replica", f"{where}: a read replica needs a PostgreSQL database_url")
    reader = make_reader_engine(read_url)
    try:
        behind = standby_lag_bytes(reader, primary)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return _fail("read replica", f"{where}: {reason} (consoles read from the primary meanwhile)")
    finally:
        reader.dispose()
    if behind is None:
        return _fail("read replica", f"{where} is not a standby (not in recovery): not the primary's data")
    return _ok("read replica", f"{where}: a hot standby, {behind:,} bytes of WAL behind the primary")


# --- this host -------------------------------------------------------------------------------


def data_dir_finding(data_dir: Path) -> Finding:
    """The folder of drafts and queued wrap-ups (customer data): this account's alone, 0700/0600."""
    check = "data dir"
    if not data_dir.exists():
        return _fail(check, f"{data_dir} does not exist: mkdir -m 700 {data_dir}")
    info = data_dir.stat()
    if not stat.S_ISDIR(info.st_mode):
        return _fail(check, f"{data_dir} is not a folder")
    if info.st_uid != os.getuid():
        return _fail(check, f"{data_dir} belongs to uid {info.st_uid}, not this account: chown it")
    if not os.access(data_dir, os.W_OK | os.X_OK):
        return _fail(check, f"{data_dir} is not writable: chmod 700 {data_dir}")
    if stat.S_IMODE(info.st_mode) & 0o077:
        return _fail(
            check,
            f"{data_dir} is mode {stat.S_IMODE(info.st_mode):04o}, open to others: chmod 700 {data_dir}",
        )
    loose = sorted(
        path.name
        for path in data_dir.iterdir()
        if path.is_file() and stat.S_IMODE(path.stat().st_mode) & 0o077
    )
    if loose:
        return _fail(check, f"files open to others in {data_dir} ({', '.join(loose[:3])}): chmod 600 them")
    return _ok(check, f"{data_dir} is 0700 and its files are private")


def terminal_size_finding(size: os.terminal_size | None) -> Finding:
    check = "terminal size"
    if size is None:
        return _fail(check, "not a terminal: run `callpop doctor` in the operator's terminal")
    shown = f"{size.columns}x{size.lines}"
    if size.columns < MIN_COLUMNS or size.lines < MIN_LINES:
        return _fail(check, f"{shown} is smaller than {MIN_COLUMNS}x{MIN_LINES}: enlarge the window")
    return _ok(check, shown)


def current_terminal_size() -> os.terminal_size | None:
    """The size of the terminal on stdout, stderr or stdin (the first that is one)."""
    for stream in (sys.stdout, sys.stderr, sys.stdin):
        try:
            return os.get_terminal_size(stream.fileno())
        except (OSError, ValueError, AttributeError):
            continue
    return None


def colours_finding(environ: Mapping[str, str]) -> Finding:
    """How many colours the terminal says it has (TERM, COLORTERM): 16 is enough, a dumb one is not."""
    check = "terminal colours"
    term, colorterm = environ.get("TERM", ""), environ.get("COLORTERM", "").lower()
    if term in ("", "dumb", "unknown"):
        return _fail(check, f"TERM is {term or 'unset'}: set it to xterm-256color (or the terminal's own)")
    if colorterm in ("truecolor", "24bit"):
        return _ok(check, f"truecolor ({term})")
    if "256color" in term:
        return _ok(check, f"256 colours ({term})")
    return _ok(check, f"16 colours ({term}): CALLPOP_LOW_BANDWIDTH=1 suits it")


def locale_finding(environ: Mapping[str, str]) -> Finding:
    """The seat's locale exists on this host and is UTF-8 (names and notes are Unicode)."""
    check = "locale"
    chosen = environ.get("LC_ALL") or environ.get("LC_CTYPE") or environ.get("LANG") or ""
    previous = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, chosen)
        encoding = locale.nl_langinfo(locale.CODESET)
    except locale.Error:
        return _fail(check, f"{chosen} is not installed on this host: locale-gen {chosen} (or use C.UTF-8)")
    finally:
        locale.setlocale(locale.LC_CTYPE, previous)
    if encoding.replace("-", "").upper() != "UTF8":
        return _fail(check, f"{chosen or 'C'} is {encoding}, not UTF-8: set LANG to a .UTF-8 locale")
    return _ok(check, f"{chosen} ({encoding})")


def token_bits(token: str) -> float:
    """A generous estimate of a token's entropy: its length times the bits of the character classes
    it uses, but no more bits per character than it has distinct characters to show for."""
    if not token:
        return 0.0
    classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
    alphabet = sum(len(chars) for chars in classes if any(c in chars for c in token))
    alphabet += 32 if any(c not in "".join(classes) for c in token) else 0
    per_character = min(math.log2(alphabet), math.log2(max(len(set(token)), 2)))
    return len(token) * per_character


def api_token_finding(token: str) -> Finding:
    check = "API token"
    make_one = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
    if not token:
        return _fail(
            check, f"not set, so `callpop serve` refuses calls: set api_token to the output of {make_one}"
        )
    bits = token_bits(token)
    if bits < MIN_TOKEN_BITS:
        return _fail(
            check, f"weak (about {bits:.0f} bits, {len(token)} characters): replace it with {make_one}"
        )
    return _ok(check, f"about {bits:.0f} bits")


def host_findings(settings: Settings, environ: Mapping[str, str]) -> Iterator[Finding]:
    yield data_dir_finding(settings.data_dir)
    yield terminal_size_finding(current_terminal_size())
    yield colours_finding(environ)
    yield locale_finding(environ)
    yield api_token_finding(settings.api_token)

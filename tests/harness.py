"""A bare app that hosts one screen with a console context, for testing a screen on its own.

The full console (`console.app.make_app`) is tested by the flow tests; a screen's own tests push
it here so they do not depend on the screens before it.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select
from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.screen import Screen

from console import signin
from console.app import CallpopApp, make_app
from console.config import Settings
from console.key_order import KeysInTurn
from console.worker_threads import WorkersLetGo
from screens.context import ConsoleContext
from store.db import make_engine, write_session
from store.models import Operator, OperatorStatus, Role
from store.passwords import hash_password
from store.policy import Actor

TEST_PASSWORD = "correct horse battery staple"
_TEST_HASH = hash_password(TEST_PASSWORD)


def child_json(script: str, *args: str, timeout: float = 120) -> dict[str, Any]:
    """What `script` (`python -c`, from the repo root) printed last, read as JSON: a fresh process,
    for what the test process has already changed (its imports, its malloc arenas)."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def operator_row(engine: Engine, username: str, *, extension: str = "100", role: Role | None = None) -> None:
    """Make (or update) a test operator with TEST_PASSWORD; an existing row keeps its role."""
    with write_session(engine) as session:
        row = session.exec(select(Operator).where(Operator.username == username)).first()
        row = row or Operator(username=username, display_name=username.title(), role=Role.OPERATOR)
        row.role = role or row.role
        row.extension, row.password_hash, row.status = extension, _TEST_HASH, OperatorStatus.ACTIVE
        session.add(row)


def sign_in(
    engine: Engine, username: str = "anna", *, extension: str = "100", role: Role | None = None
) -> Actor:
    """A test seat's operator, signed in the way the sign-in screen does it: username + password."""
    operator_row(engine, username, extension=extension, role=role)
    return signin.by_password(engine, Settings(), username, TEST_PASSWORD)


def seat(
    engine: Engine,
    data_dir: Path,
    *,
    operator: str = "anna",
    extension: str = "100",
    region: str = "IT",
    role: Role | None = None,
) -> ConsoleContext:
    """A console context at a test seat whose local files live in `data_dir` (use tmp_path),
    signed in as `operator` (a row made here, with `role` if given)."""
    actor = sign_in(engine, operator, extension=extension, role=role)
    return ConsoleContext(
        engine=engine,
        operator=operator,
        extension=extension,
        default_region=region,
        data_dir=data_dir,
        role=actor.role,
        actor=actor,
    )


class ScreenHarness(KeysInTurn, WorkersLetGo):
    """Pushes `screen` on mount and takes keys one at a time, as the console does; `app.context`
    is what screens read through `context_of`."""

    def __init__(self, context: ConsoleContext, screen: Screen[object]) -> None:
        super().__init__()
        self.context = context
        self._first_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self._first_screen)


def console(
    engine: Engine,
    data_dir: Path,
    *,
    operator: str = "anna",
    extension: str = "100",
    role: Role | None = None,
) -> CallpopApp:
    """The real console (the one `callpop run` opens) at a test seat on `engine`, signed in as
    `operator` (a row made here, with `role` if given) with a password."""
    settings = Settings(operator=operator, extension=extension, default_region="IT", data_dir=data_dir)
    signed_in = sign_in(engine, operator, extension=extension, role=role)
    return make_app(settings, engine=engine, signed_in=signed_in)


def plain_svg_text(svg: str) -> str:
    """The text of an exported screenshot, with the SVG's escapes and non-breaking spaces undone."""
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(texts)).replace("\xa0", " ")


async def until(
    pilot: Pilot[None],
    condition: Callable[[], object],
    timeout: float = 10.0,
    *,
    shown: Callable[[], str] = str,
) -> None:
    """Let the app run until `condition()` holds. Polling, because the console's long-lived
    workers (the change feed) never complete, so `workers.wait_for_complete` cannot. On a
    timeout the failure says the screen and `shown()` (what the test was looking at). A query
    that finds nothing is "not yet": a pushed screen is on top before its widgets are composed."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not _holds(condition):
        assert asyncio.get_running_loop().time() < deadline, f"timed out on {pilot.app.screen!r} {shown()}"
        await pilot.pause(0.02)


def _holds(condition: Callable[[], object]) -> bool:
    try:
        return bool(condition())
    except NoMatches:
        return False


async def push_on_console(pilot: Pilot[None], app: CallpopApp, screen: Screen[object]) -> None:
    """Open `screen` on the real console once its home screen is up (the change feed, owned by
    the console app, is what keeps a live screen current)."""
    await until(pilot, lambda: len(app.screen_stack) > 1)
    await app.push_screen(screen)


def tell_parent(word: str) -> None:
    """Write `word` as one line straight to the child's stdout file. Not print(): inside
    `run_test` Textual captures print and its flush does not flush the real stream, so without
    PYTHONUNBUFFERED (CI's environment) the parent would wait on a line stuck in the buffer."""
    os.write(sys.__stdout__.fileno() if sys.__stdout__ else 1, f"{word}\n".encode())


def typed_in_a_child(script: str, *args: str) -> subprocess.Popen[str]:
    """Run `script` (`python -c`, from the repo root) until it tells "typed" (`tell_parent`): a
    real console process that has just typed into a wrap-up, ready for a signal. The caller ends it."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if line.strip() != "typed":
        child.kill()
        _, err = child.communicate(timeout=10)
        raise AssertionError(f"the child never typed: {err}")
    return child


def os_account_operator(database: Path, *, extension: str = "100") -> None:
    """Make the OS account running the tests an operator of the SQLite file `database`, so a real
    console started on it (a pty, a subprocess) signs in by that account as an SSH seat would."""
    from console.acting import os_account

    engine = make_engine(f"sqlite:///{database}")
    operator_row(engine, os_account(), extension=extension)
    engine.dispose()

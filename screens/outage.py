"""A database outage inside a screen's worker becomes a message, never a crashed console.

Workers run with Textual's default `exit_on_error`: an exception escaping one would close the
whole console mid-call. Every worker that touches the database wraps its body in
`database_guard`; the app tells the operator (and nothing typed on the screen is thrown away).

`what` is shown to the operator inside a sentence ("Database unavailable while saving the
wrap-up"): pass it translated, `database_guard(self, _("saving the wrap-up"))`. `detail` is the
driver's own reason and stays as the driver wrote it, but for a connection of the console's
own capped pool that stayed busy, which is said in the operator's words.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from textual.message import Message
from textual.message_pump import MessagePump

from screens.i18n import _
from store.wrapup import LocalFileError


@dataclass
class DatabaseUnavailable(Message):
    """`what` (translated) failed because the database did not answer; `detail` is the driver's reason."""

    what: str
    detail: str


@dataclass
class LocalFileProblem(Message):
    """The seat's local file (drafts and journal in the data dir) failed while `what` (translated):
    disk full, locked."""

    what: str
    detail: str


@contextmanager
def local_file_guard(node: MessagePump, what: str) -> Iterator[None]:
    """Run a worker's work on the local drafts file; a failure posts `LocalFileProblem` instead
    of closing the console (the form stays on screen)."""
    try:
        yield
    except LocalFileError as error:
        node.post_message(LocalFileProblem(what, error.detail))


@contextmanager
def database_guard(node: MessagePump, what: str) -> Iterator[None]:
    """Run a worker's database work; an outage posts `DatabaseUnavailable` from `node` instead."""
    try:
        yield
    except PoolTimeout:  # the console's capped pool (store.db.POOL_WAIT_S): the server is fine
        node.post_message(DatabaseUnavailable(what, _("This console's database connection stayed busy.")))
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        node.post_message(DatabaseUnavailable(what, str(reason).splitlines()[0] if str(reason) else ""))

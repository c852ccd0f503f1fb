"""The wrap-up, one owner: the outcome config, the typed form, drafts, the journal and the save.

A screen needs only this front door. `submit_wrapup` turns a filled-in form into a stored call
outcome and can fail in exactly two ways: `WrapUpRejected` (the operator must change something)
and `LocalFileError` (the seat's local file failed and the database could not take the wrap-up
either). Drafts raise `LocalFileError` only.

Modules: `config` (outcomes.toml), `form` (WrapUpForm, the rules), `record` (WrapUp, plain data),
`local_file` (the seat's SQLite file), `drafts`, `journal` (queued saves), `save` (the database
transaction, idempotent by call id).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from store.wrapup.config import OutcomeConfig, OutcomesError, TicketRule, WrapUpMode, load_outcomes
from store.wrapup.drafts import Draft, discard_draft, load_draft, save_draft, unfinished_drafts
from store.wrapup.errors import LocalFileError, WrapUpRejected
from store.wrapup.form import Seat, WrapUpForm, build_wrapup
from store.wrapup.journal import SaveResult, SaveStatus, commit_wrapup, replay_pending
from store.wrapup.local_file import open_local_file
from store.wrapup.record import CallbackRequest, WrapUp
from store.wrapup.save import CallFacts, load_call_facts, save_wrapup

__all__ = [
    "CallFacts",
    "CallbackRequest",
    "Draft",
    "LocalFileError",
    "OutcomeConfig",
    "OutcomesError",
    "SaveResult",
    "SaveStatus",
    "Seat",
    "TicketRule",
    "WrapUp",
    "WrapUpForm",
    "WrapUpMode",
    "WrapUpRejected",
    "discard_draft",
    "load_call_facts",
    "load_draft",
    "load_outcomes",
    "open_local_file",
    "replay_pending",
    "save_draft",
    "save_wrapup",
    "submit_wrapup",
    "unfinished_drafts",
]


def submit_wrapup(
    engine: Engine,
    data_dir: Path,
    config: OutcomeConfig,
    seat: Seat,
    form: WrapUpForm,
    *,
    timed_out: bool = False,
) -> SaveResult:
    """What ctrl+s (or the ACW timeout) does: check `form` against `config`, journal it, write
    it to the database. Raises only `WrapUpRejected` or `LocalFileError`."""
    wrapup = build_wrapup(config, seat, form, timed_out=timed_out)
    return commit_wrapup(engine, data_dir, wrapup)

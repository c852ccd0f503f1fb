"""Wrap-up drafts kept as the operator types, in the seat's local file (store.wrapup.local_file).

A draft is the form as it was on screen (a `WrapUpForm`, not a validated wrap-up): what the
operator had typed when the console died, reopened on the next start. Raises `LocalFileError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from store.timeutil import utcnow
from store.wrapup.form import WrapUpForm
from store.wrapup.local_file import has_local_file, local_db


@dataclass(frozen=True)
class Draft:
    call_id: str
    operator: str
    customer_id: int | None
    started_at: datetime
    """When the contact was answered (or started by hand): the handle-time clock survives a restart."""
    form: WrapUpForm = field(default_factory=WrapUpForm)
    updated_at: datetime | None = None


def save_draft(data_dir: Path, draft: Draft) -> None:
    """Store (replace) the draft of `draft.call_id`; committed and synced when this returns."""
    with local_db(data_dir) as db:
        db.execute(
            "INSERT OR REPLACE INTO draft (call_id, operator, customer_id, fields, started_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                draft.call_id,
                draft.operator,
                draft.customer_id,
                draft.form.redacted().to_json(),
                draft.started_at.isoformat(),
                utcnow().isoformat(),
            ),
        )


def load_draft(data_dir: Path, call_id: str) -> Draft | None:
    if not has_local_file(data_dir):
        return None
    with local_db(data_dir) as db:
        row = db.execute(f"SELECT {_COLUMNS} FROM draft WHERE call_id = ?", (call_id,)).fetchone()
    return _draft(row) if row else None


def unfinished_drafts(data_dir: Path, operator: str) -> list[Draft]:
    """`operator`'s wrap-ups still open in this seat, oldest first: reopen them at start-up."""
    if not has_local_file(data_dir):
        return []
    with local_db(data_dir) as db:
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM draft WHERE operator = ? ORDER BY started_at", (operator,)
        ).fetchall()
    return [_draft(row) for row in rows]


def discard_draft(data_dir: Path, call_id: str) -> None:
    """Forget a draft (the operator skipped an optional wrap-up)."""
    if not has_local_file(data_dir):
        return
    with local_db(data_dir) as db:
        db.execute("DELETE FROM draft WHERE call_id = ?", (call_id,))


_COLUMNS = "call_id, operator, customer_id, fields, started_at, updated_at"


def _draft(row: tuple[str, str, int | None, str, str, str]) -> Draft:
    call_id, operator, customer_id, fields, started_at, updated_at = row
    return Draft(
        call_id,
        operator,
        customer_id,
        datetime.fromisoformat(started_at),
        WrapUpForm.from_json(fields),
        datetime.fromisoformat(updated_at),
    )

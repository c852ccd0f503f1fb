"""Drafts in the seat's local file: kept per call, listed per operator, gone once journaled."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from store.wrapup import WrapUp
from store.wrapup.drafts import Draft, discard_draft, load_draft, save_draft, unfinished_drafts
from store.wrapup.form import WrapUpForm
from store.wrapup.journal import enqueue
from store.wrapup.local_file import LOCAL_FILE

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_no_local_file_means_no_drafts(tmp_path: Path) -> None:
    assert unfinished_drafts(tmp_path / "nowhere", "anna") == []
    assert not (tmp_path / "nowhere").exists()


def test_draft_round_trip_and_replace(tmp_path: Path) -> None:
    save_draft(tmp_path, Draft("c-1", "anna", 7, T0, WrapUpForm(notes="first")))
    save_draft(tmp_path, Draft("c-1", "anna", 7, T0, WrapUpForm(notes="first, then more")))
    draft = load_draft(tmp_path, "c-1")
    assert draft is not None
    assert (draft.customer_id, draft.started_at, draft.form.notes) == (7, T0, "first, then more")
    assert draft.updated_at is not None and draft.updated_at.tzinfo is not None


def test_unfinished_drafts_are_per_operator_oldest_first(tmp_path: Path) -> None:
    save_draft(tmp_path, Draft("chat-2", "anna", None, T0.replace(minute=5)))
    save_draft(tmp_path, Draft("chat-1", "anna", None, T0))
    save_draft(tmp_path, Draft("c-9", "bruno", None, T0))
    assert [d.call_id for d in unfinished_drafts(tmp_path, "anna")] == ["chat-1", "chat-2"]
    discard_draft(tmp_path, "chat-1")
    assert [d.call_id for d in unfinished_drafts(tmp_path, "anna")] == ["chat-2"]


def test_journaling_a_wrapup_removes_its_draft_in_the_same_transaction(tmp_path: Path) -> None:
    save_draft(tmp_path, Draft("c-1", "anna", None, T0, WrapUpForm(notes="x")))
    enqueue(tmp_path, WrapUp("c-1", "anna", outcome="resolved"))
    assert load_draft(tmp_path, "c-1") is None
    with sqlite3.connect(tmp_path / LOCAL_FILE) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("SELECT call_id, state FROM journal").fetchall() == [("c-1", "pending")]

"""Console sessions: who is signed in where, and their state on the floor (store.sessions and
store.presence own them). Apart from the audit log so `callpop find`, which signs in as the OS
account without a session, does not load them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from store.models.base import created_at_field, text_field, timestamp_field
from store.timeutil import UTCDateTime


class ConsoleSession(SQLModel, table=True):
    """One signed-in console (or CLI run): who, how, from where, until when."""

    __tablename__ = "consolesession"

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(index=True)
    username: str = text_field(max_length=64)
    method: str = text_field(max_length=16)
    """How the operator proved who they are: "os" (the Unix account) or "password"."""
    origin: str = text_field(max_length=120)
    started_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_seen_at: datetime | None = timestamp_field()
    ended_at: datetime | None = timestamp_field(index=True)
    ended_by: str = text_field(max_length=64)
    end_reason: str = text_field(max_length=40)
    presence: str = text_field("ready", max_length=12)
    """The operator's state on the floor (store.presence.PresenceState), published by the console."""
    presence_since: datetime | None = timestamp_field()
    open_wrapups: int = Field(default=0)
    """Wrap-ups open in the console (only it knows: they may be drafts that never reached the store)."""
    wrapup_since: datetime | None = timestamp_field()
    """When the oldest of them opened."""
    held_call_id: str = text_field(max_length=64)
    """The call whose pop the console holds (not ready, locked, a wrap-up first); empty: none."""
    held_since: datetime | None = timestamp_field()

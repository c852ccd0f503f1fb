"""The only two failures a wrap-up screen has to handle, whatever went wrong underneath."""

from __future__ import annotations


class WrapUpRejected(ValueError):
    """The wrap-up cannot be stored as given (a missing pick, a past callback time, a row the
    database refuses for good): the operator must change something. Not a database outage,
    which only queues the wrap-up."""


class LocalFileError(Exception):
    """The seat's local file (drafts and journal in the data dir) failed: a full disk, a
    read-only or missing data dir, a locked or damaged file. Wraps `sqlite3.Error`/`OSError`."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

"""Running every check of a row and keeping all their reasons, so one report names them all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from store.imports.fields import RowError


class Checks:
    """Call a check through this; `done()` raises one RowError with every reason found."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def __call__(self, check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except RowError as error:
            self.errors.append(str(error))
            return None

    def done(self) -> None:
        if self.errors:
            raise RowError("; ".join(self.errors))

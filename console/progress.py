"""Progress of a long verb: a bar redrawn in place on a terminal, a line per 10% otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

_UNITS = {
    "read": "bytes read",
    "apply": "rows applied",
    "index": "customers indexed",
    "segments": "customers",
    "churn": "customers scored",
}


def phase_progress(stream: TextIO) -> Callable[[str, int, int], None]:
    """A `(phase, done, total)` callback writing to `stream` (stderr: stdout stays for results)."""
    tty = stream.isatty()
    last: dict[str, int] = {}

    def show(phase: str, done: int, total: int) -> None:
        unit = _UNITS.get(phase, phase)
        percent = 100 * done // max(total, 1)
        if tty:
            filled = 30 * done // max(total, 1)
            stream.write(
                f"\r{phase:>5} [{'#' * filled}{'.' * (30 - filled)}] {percent:3d}% {done:,}/{total:,} {unit}"
            )
            if done >= total:
                stream.write("\n")
        else:
            step = percent // 10 * 10
            if step <= last.get(phase, -1) or (step == 0 and done < total):
                return
            last[phase] = step
            stream.write(f"{phase}: {step}% ({done:,} of {total:,} {unit})\n")
        stream.flush()

    return show

"""What the console really writes to the terminal, byte for byte, and what in it Textual did not write.

`RecordingDriver` is Textual's headless driver that says it is not headless: the app then renders
every frame to escape sequences exactly as it does for a real terminal and hands them to `write`,
which keeps them. `stray_controls` removes the sequences Textual itself emits (SGR colours, cursor
moves, synchronized output, the pointer shape) and returns every control character left: any one
of them came from data.
"""

from __future__ import annotations

import re

from textual.drivers.headless_driver import HeadlessDriver

# Only what Textual's compositor writes. A generic CSI pattern would also pass a stored "ESC [2J".
TEXTUAL_SEQUENCES = re.compile(
    r"\x1b\[[0-9;]*m"  # SGR: colours and text style
    r"|\x1b\[\d+;\d+H"  # cursor position
    r"|\x1b\[\?(?:25|2026)[hl]"  # cursor shown/hidden, synchronized output
    r"|\x1b\]22;[a-z-]+\x07"  # pointer shape (OSC 22)
)
STRAY = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
"""C0 (but tab and newline), ESC, DEL, C1, line/paragraph separators, zero-width and bidi marks."""


class RecordingDriver(HeadlessDriver):
    """Keeps every string the app writes to the terminal in `written`."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.written: list[str] = []

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        self.written.append(data)

    def flush(self) -> None:
        """Nothing is buffered."""


def stray_controls(output: str) -> list[str]:
    """Each control character in `output` that is not part of a sequence Textual writes, with the
    text around it so a failure shows where it came from."""
    rest = TEXTUAL_SEQUENCES.sub("", output)
    return [repr(rest[max(0, m.start() - 12) : m.end() + 12]) for m in STRAY.finditer(rest)]

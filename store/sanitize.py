"""The one sanitiser for customer text: every string that comes in or goes out passes here.

Customer data is hostile. Control characters can drive the operator's terminal (OSC 52 writes
the clipboard, CSI clears the screen), and bidi overrides make text read differently than it is
stored. We drop them at the store boundary and again before rendering.
"""

from __future__ import annotations

import re

# C0 controls except \t and \n, DEL, C1 controls, and the bidi embedding/override/isolate marks.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# An escape sequence is removed whole, so "\x1b]52;c;ZWNo\x07" leaves no payload behind.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL / ST
    r"|\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
)


def clean_text(value: str, *, multiline: bool = True) -> str:
    """Return `value` without terminal escape sequences, control characters or bidi overrides.

    `multiline=False` is for one-line fields (names, cities): line breaks and tabs become spaces.
    """
    text = _ESCAPE_SEQUENCE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    text = _UNSAFE.sub("", text)
    if not multiline:
        text = " ".join(text.replace("\t", " ").split("\n"))
    return text


def clean_line(value: str | None) -> str:
    """A one-line field, cleaned and trimmed; `None` becomes an empty string."""
    return clean_text(value or "", multiline=False).strip()

"""The one sanitiser for customer text: every string that comes in or goes out passes here.

Customer data is hostile. Control characters can drive the operator's terminal (OSC 52 writes
the clipboard, CSI clears the screen), and bidi overrides make text read differently than it is
stored. We drop them at the store boundary and again before rendering.
"""

from __future__ import annotations

import re

# C0 controls except \t and \n, DEL, C1 controls, the bidi embedding/override/isolate marks and the
# zero-width characters (space, joiners, word joiner, BOM) that hide text or change how it reads.
_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f\u061c\u2060-\u2064\ufeff]"
)
# An escape sequence is removed whole, so "\x1b]52;c;ZWNo\x07" leaves no payload behind. OSC, DCS,
# SOS, PM and APC carry a string up to the string terminator (ST: ESC \ or 8-bit \x9c; BEL ends an
# OSC too), in the 7-bit form (ESC ] / P / X / ^ / _) and the 8-bit one (\x9d \x90 \x98 \x9e \x9f).
# An unterminated 7-bit one takes the rest of the value with it: a terminal would have swallowed it
# too. An unterminated 8-bit introducer loses only itself (to _UNSAFE): in stored text a lone C1 is
# far more often mojibake ("Lu\x9fcá" from Latin-1 read as UTF-8) than a string control, and the
# name after it must survive.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # 7-bit string controls
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"  # 8-bit, terminated
    r"|\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x1b[ -/]*[0-~]"  # other escapes (ESC 7, ESC ( B, ESC c ...)
)
_LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n", "\r": "\n", "\x85": "\n"})
"""The Unicode line and paragraph separators and NEL break a line like a newline does."""


def clean_text(value: str, *, multiline: bool = True) -> str:
    """Return `value` without terminal escape sequences, control characters, bidi overrides or
    zero-width characters; the Unicode line separators become newlines.

    `multiline=False` is for one-line fields (names, cities): line breaks and tabs become spaces.
    """
    if value.isprintable():
        return value  # nothing to remove: every character dropped or changed below is unprintable
    text = _ESCAPE_SEQUENCE.sub("", value.replace("\r\n", "\n")).translate(_LINE_BREAKS)
    text = _UNSAFE.sub("", text)
    if not multiline:
        text = " ".join(text.replace("\t", " ").split("\n"))
    return text


def clean_line(value: str | None) -> str:
    """A one-line field, cleaned and trimmed; `None` becomes an empty string."""
    return clean_text(value or "", multiline=False).strip()

"""Cells safe to open in a spreadsheet: customer text never runs as a formula.

A cell starting with = + - @ (or a tab or carriage return) is a formula to Excel, LibreOffice and
Google Sheets ("CSV injection", OWASP). The export prefixes such a cell with an apostrophe, which
the spreadsheet shows as text; the import takes exactly that apostrophe off again, so an exported
file re-imports unchanged.
"""

from __future__ import annotations

from store.sanitize import clean_text

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """`value` cleaned of control characters and escapes, with a formula-looking start made text."""
    text = clean_text(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def unneutralise(value: str) -> str:
    """The cell an export wrote back to its value: "'=1+2" -> "=1+2"; anything else as it is."""
    if value.startswith("'") and value[1:2] and value[1] in "=+-@\t\r":
        return value[1:]
    return value

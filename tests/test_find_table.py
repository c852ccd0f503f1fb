"""`callpop find`'s table: plain text, a match a line, columns that line up on a terminal."""

from __future__ import annotations

from console.commands.find import table_lines
from console.text_table import cell_width
from store.search import Match


def _match(name: str, external_id: str) -> Match:
    return Match(
        customer_id=1,
        external_id=external_id,
        display_name=name,
        score=90.4,
        matched_on="name",
        reason="name matches",
        masked_phone="+39 06 •••• 5678",
        city="Roma",
        age=None,
        status="active",
        last_contact=None,
    )


def test_wide_and_combining_names_keep_the_columns_in_line() -> None:
    """Padding by length put every column after a Chinese name two cells right per character and
    one after a name with a combining accent left of where it belongs. You should see each row's
    `id` start in the same terminal cell as the header's."""
    names = ["王小明", "Jose\u0301 Nu\u0303o", "Ana"]
    header, *rows = table_lines([_match(name, f"C{n}") for n, name in enumerate(names)])
    start = cell_width(header[: header.index("id")])
    for n, row in enumerate(rows):
        assert cell_width(row[: row.index(f"C{n}")]) == start, row


def test_a_hostile_name_stays_on_its_line_and_drives_nothing() -> None:
    """A name carrying an OSC 52 clipboard write, a screen clear and a newline must not reach the
    terminal: you should see one line per match, no escape character in it."""
    lines = table_lines([_match("Mario\x1b]52;c;ZWNobw==\x07 Rossi\x1b[2J\nX", "C1")])
    assert len(lines) == 2
    assert "\x1b" not in lines[1] and "\x07" not in lines[1]
    assert "Mario Rossi X" in lines[1]

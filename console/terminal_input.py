"""Terminal input as the operator typed it: bytes that are not UTF-8 (a mis-set terminal, line
noise, a paste in Latin-1, `tmux send-keys -H ff`) and an Escape that arrives with the next key.

Textual's Linux driver decodes stdin with a strict incremental UTF-8 decoder made inside its input
thread; one invalid byte raises UnicodeDecodeError there and the app panics, losing the call on
screen. The decoder factory it looks up in its module is replaced by one that decodes with
errors="replace": the bad byte arrives as U+FFFD (visible, harmless) and everything after it as typed.

Its parser reads Escape followed by a character in the same read as alt+character: over SSH a
burst ("Escape, then R-o-m-a") lost the Escape and typed "Roma" into the old search; Escape then a
digit came in as a symbol. callpop binds no alt key, so such a pair is read back as what was
typed: Escape, then the character.
"""

from __future__ import annotations

import codecs
import functools
import importlib
from collections.abc import Callable, Iterable

from textual import events
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual._xterm_parser import XTermParser

_DRIVERS = (
    "textual.drivers.linux_driver",
    "textual.drivers.linux_inline_driver",
    "textual.drivers.web_driver",
)
"""The drivers that read terminal bytes through XTermParser (Windows reads key events instead)."""


def replacing_decoder(encoding: str) -> Callable[[], codecs.IncrementalDecoder]:
    """`codecs.getincrementaldecoder`, but the decoders it makes replace what they cannot decode."""
    return functools.partial(codecs.getincrementaldecoder(encoding), errors="replace")


class EscapeThenKeyParser(XTermParser):
    """An Escape and the character after it, in one read, are two keys, not alt+character, nor
    the character Textual maps some such pairs to (WezTerm's macOS Option row: Escape then "0"
    arrives as "º", so "Escape, 0039 06..." typed a new number after the old one)."""

    def _sequence_to_key_events(self, sequence: str, alt: bool = False) -> Iterable[events.Key]:
        if alt:
            yield events.Key("escape", "\x1b")
        elif _escape_then_character(sequence):
            yield events.Key("escape", "\x1b")
            sequence = sequence[1:]
        yield from super()._sequence_to_key_events(sequence)


def _escape_then_character(sequence: str) -> bool:
    return (
        len(sequence) == 2
        and sequence[0] == "\x1b"
        and sequence[1].isprintable()
        and isinstance(ANSI_SEQUENCES_KEYS.get(sequence), str)
    )


def read_input_as_typed() -> None:
    """Make Textual's terminal drivers replace undecodable bytes and keep an Escape typed before a key."""
    for name in _DRIVERS:
        try:
            driver = importlib.import_module(name)
        except ImportError:  # a platform without it
            continue
        driver.getincrementaldecoder = replacing_decoder  # type: ignore[attr-defined]
        driver.XTermParser = EscapeThenKeyParser  # type: ignore[attr-defined]

"""Terminal input that survives bytes which are not UTF-8 (a mis-set terminal, line noise, a paste
in Latin-1, `tmux send-keys -H ff`).

Textual's Linux driver decodes stdin with a strict incremental UTF-8 decoder made inside its input
thread; one invalid byte raises UnicodeDecodeError there and the app panics, losing the call on
screen. The decoder factory it looks up in its module is replaced by one that decodes with
errors="replace": the bad byte arrives as U+FFFD (visible, harmless) and everything after it as typed.
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Callable


def replacing_decoder(encoding: str) -> Callable[[], codecs.IncrementalDecoder]:
    """`codecs.getincrementaldecoder`, but the decoders it makes replace what they cannot decode."""
    return functools.partial(codecs.getincrementaldecoder(encoding), errors="replace")


def tolerate_invalid_input() -> None:
    """Make Textual's terminal drivers (full screen and inline) replace undecodable input bytes."""
    import importlib

    for name in ("textual.drivers.linux_driver", "textual.drivers.linux_inline_driver"):
        try:
            driver = importlib.import_module(name)
        except ImportError:  # Windows: its driver reads key events, not bytes
            continue
        driver.getincrementaldecoder = replacing_decoder  # type: ignore[attr-defined]

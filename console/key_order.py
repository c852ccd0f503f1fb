"""One key at a time: a burst of keys read at once is handled in the order typed, each key to
the end before the next one goes out.

Textual hands every key of a read to the widget focused as it reads them and runs priority
bindings there and then; other bindings run when their key has bubbled up to the app. So in one
burst a priority key acted before the keys typed ahead of it ("a w" on the profile opened the
wrap-up before the offer was accepted, and the answer was lost), and every key went to the
widget focused before the keys ahead of it had moved the focus or changed the screen. Here the
app sends a key out only when the one before it has been handled: behind each key it posts a
`KeyHandled` marker to the same widget, which bubbles up the same way, after the key; when the
marker reaches the app, so has the key (or a widget on the way took it). A marker lost with its
widget (it left the screen with the key) frees the next key within `MARKER_CHECK_S`.

A screen the operator did not ask for (a ring's pop) can come up while they type: the rest of
that run of typing was meant for the screen before, and on the profile "a" would accept an offer
nobody was told of. `cut_typing` opens the pop between two keys, never inside one (a number
put in the search box while a key is being typed in it would be overwritten by that key), and
drops the keys of a run going on as the pop shows, until the typing pauses for `TYPING_PAUSE_S`,
saying so once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import partial
from time import monotonic

from textual import events
from textual.app import App
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget

from screens.i18n import _

MARKER_CHECK_S = 0.25
"""How often a key still out is looked at: a marker whose widget has left (with the key) is lost,
and the next key goes out then. A busy console (a 300 ms repaint under load) only delays it."""
MARKER_GIVE_UP_S = 2.0
"""A key out for this long frees the next one even so: typing never stalls for longer."""
TYPING_PAUSE_S = 0.5
"""Keys closer together than this are one run of typing. Nobody answers a screen that has just
come up sooner: seeing it takes about a quarter of a second, and then the fingers must stop."""


class KeyHandled(Message):
    """Follows a key from the widget it was sent to up to the app."""


class KeysInTurn(App[None]):
    """An app that sends keys to its widgets one at a time (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._keys_waiting: deque[events.Key] = deque()
        self._key_out: KeyHandled | None = None
        self._watch_timer: Timer | None = None
        self._last_key_read = float("-inf")
        self._cut = False
        """A run of typing is being dropped (`cut_typing`)."""
        self._cut_told = False
        self._after_key: list[Callable[[], object]] = []
        """What waits for the key out to be done (`cut_typing`)."""

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            now = monotonic()
            pause, self._last_key_read = now - self._last_key_read, now
            self._cut = self._cut and pause < TYPING_PAUSE_S
            if self._cut:
                self._tell_cut()
            else:
                self._keys_waiting.append(event)
                await self._send_keys()
        else:
            await super().on_event(event)

    def cut_typing(self, then: Callable[[], object]) -> None:
        """A screen the operator did not ask for is coming up (`then` opens it): it opens once the
        key being handled is done, never inside it, and the keys of a run of typing still going on
        (those waiting included) are dropped up to its next pause."""
        if self._keys_waiting or monotonic() - self._last_key_read < TYPING_PAUSE_S:
            self._cut, self._cut_told = True, False
            if self._keys_waiting:
                self._keys_waiting.clear()
                self._tell_cut()
        if self._key_out is None:
            then()
        else:
            self._after_key.append(then)

    def _tell_cut(self) -> None:
        if not self._cut_told:
            self._cut_told = True
            notice = _("A call came in as you typed: the keys typed after it were not used.")
            self.notify(notice, markup=False)

    async def _send_keys(self) -> None:
        while self._keys_waiting and self._key_out is None:
            key = self._keys_waiting.popleft()
            target = self.focused or self.screen
            await super().on_event(key)  # Textual's own: a priority binding, or on to `target`
            if key.is_forwarded:
                marker = KeyHandled()
                if target.post_message(marker):
                    self._key_out = marker
                    self._watch(marker, target, monotonic())

    def _watch(self, marker: KeyHandled, target: Widget, sent_at: float) -> None:
        """Look at the key out in `MARKER_CHECK_S`, from the app's own queue: a timer's callback runs
        in a task of its own, where sending the next key could interleave with `on_event`'s."""
        look = partial(self.call_later, self._look_at, marker, target, sent_at)
        self._watch_timer = self.set_timer(MARKER_CHECK_S, look)

    async def _look_at(self, marker: KeyHandled, target: Widget, sent_at: float) -> None:
        """The marker is not back yet: wait on while its widget is still there, else let it go."""
        if marker is not self._key_out:
            return
        still_there = target.is_attached and not target._closing
        if still_there and monotonic() - sent_at < MARKER_GIVE_UP_S:
            self._watch(marker, target, sent_at)
        else:
            await self._handled(marker)

    async def on_key_handled(self, message: KeyHandled) -> None:
        message.stop()
        await self._handled(message)

    async def _handled(self, marker: KeyHandled) -> None:
        if marker is not self._key_out:
            return
        self._key_out = None
        if self._watch_timer is not None:
            self._watch_timer.stop()
            self._watch_timer = None
        while self._after_key:
            self._after_key.pop(0)()
        await self._send_keys()

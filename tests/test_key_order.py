"""`console.key_order.KeysInTurn`: the keys of one read go out one at a time, each handled to the
end (bubbled up to the app) before the next goes to the widget focused then."""

from __future__ import annotations

import asyncio

from textual import events
from textual.app import ComposeResult
from textual.widget import Widget

from console.key_order import MARKER_CHECK_S, KeysInTurn
from tests.harness import until
from tests.test_key_bursts import burst


class Field(Widget, can_focus=True):
    """Records the keys it takes. `x` hands the focus to the next field after a pause longer than
    one look at the key still out (a console busy repainting); `z` takes the field off the screen."""

    def __init__(self, id: str) -> None:
        super().__init__(id=id)
        self.taken: list[str] = []

    async def on_key(self, event: events.Key) -> None:
        self.taken.append(event.key)
        if event.key == "x":
            await asyncio.sleep(MARKER_CHECK_S * 2)
            self.screen.focus_next()
        elif event.key == "z":
            self.screen.focus_next()
            await self.remove()


class TwoFields(KeysInTurn):
    def compose(self) -> ComposeResult:
        yield Field("first")
        yield Field("second")


async def taken(*keys: str) -> tuple[list[str], list[str]]:
    """The keys each field took of `keys` sent in one burst, the first field focused."""
    app = TwoFields()
    async with app.run_test(size=(80, 24)) as pilot:
        first, second = app.query_one("#first", Field), app.query_one("#second", Field)
        first.focus()
        await pilot.pause()
        burst(app, *keys)
        await until(pilot, lambda: len(first.taken + second.taken) == len(keys))
        return first.taken, second.taken


async def test_a_slow_key_is_handled_before_the_next_goes_out() -> None:
    """Regression: a key still being handled after a quarter of a second let the next one go out
    to the field focused before it was done: `y` went to the first field although `x` moves on
    to the second. You should see `y` in the second field."""
    assert await taken("x", "y") == (["x"], ["y"])


async def test_a_key_that_takes_its_field_away_does_not_hold_up_the_next() -> None:
    """A key whose field leaves the screen with it never hands its marker on: the next key still
    goes out, to the field focused then."""
    assert await taken("z", "y") == (["z"], ["y"])

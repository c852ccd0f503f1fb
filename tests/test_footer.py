"""The console's footer (screens.widgets.footer) keeps only the keys it shows."""

from __future__ import annotations

import gc
import weakref

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets._footer import FooterKey

from screens.widgets.footer import Footer

RECOMPOSES = 5


class _Keys(Screen[None]):
    BINDINGS = [Binding("f2", "first", "First"), Binding("f3", "second", "Second")]

    def compose(self) -> ComposeResult:
        yield Footer()


def _footer_keys() -> int:
    gc.collect()
    return sum(isinstance(thing, FooterKey) for thing in gc.get_objects())


async def test_a_footer_that_recomposes_keeps_only_the_keys_it_shows() -> None:
    """Regression (issue #14: RSS per console): Textual's footer left each removed key bound to
    its `compact`, so the lookup's footer, recomposed whenever its screen's bindings change, kept
    every key it had ever shown (~18 widgets a call). You should see as many keys alive after
    five recomposes as after the first, and the first key freed."""
    app = App[None]()
    async with app.run_test(size=(80, 10)) as pilot:
        await app.push_screen(_Keys())
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        first = weakref.ref(list(footer.query(FooterKey))[0])  # not query_one: it caches the answer
        shown, before = len(footer.query(FooterKey)), _footer_keys()
        for _ in range(RECOMPOSES):  # as when a screen's bindings change
            app.screen.refresh_bindings()
            await pilot.pause()
            await pilot.pause()
        assert shown >= 2 and len(footer.query(FooterKey)) == shown
        assert _footer_keys() == before
        assert first() is None  # composed anew, and the old one freed

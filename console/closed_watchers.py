"""Drop the app's watchers that belong to closed widgets.

Textual keeps a widget's `watch(app, ...)` until that reactive of the app next changes, and
prunes the closed widgets only then. Every `TextArea` watches the app's `theme`, which a console
never changes, so each wrap-up's notes (with its document and undo history) stayed alive for the
whole shift (issue #14). Textual has no public way to drop a watcher; this prunes the app's own
list (its private `__watchers`, by the private `_closing`) exactly as Textual does when the
reactive changes (textual.reactive.Reactive._check_watchers, Textual 8.2)."""

from __future__ import annotations

from typing import Any

from textual.app import App


def forget_closed_watchers(app: App[Any]) -> None:
    """Prune every watcher list on `app` of the nodes that have closed (on each screen change)."""
    watchers: dict[str, list[tuple[Any, Any]]] = getattr(app, "__watchers", {})
    for entries in watchers.values():
        entries[:] = [(node, callback) for node, callback in entries if not node._closing]

"""Low-bandwidth mode and the themes for thin links and small palettes.

`CALLPOP_LOW_BANDWIDTH=1` (or `low_bandwidth = true`; `low_bandwidth_over_ssh = true` turns it on
whenever sshd started the console) trades eye candy for bytes on a slow SSH link: no animations,
no mouse tracking (every mouse move is a report up and a repaint down), no blinking cursor (two
repaints a second, forever), at most `LOW_BANDWIDTH_FPS` frames a second, a lookup that searches
when the typing pauses, and only changed cells sent (`console.frame_diff`). A terminal with 16
colours gets a theme built from its own ANSI colours, where the selected row and the focused
border stay distinct; `theme = "callpop-high-contrast"` is for operators who need more contrast.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Textual is imported only once the console starts: run.py decides first
    from textual import events
    from textual.app import App

LOW_BANDWIDTH_FPS = 12
"""Frames per second at most in low-bandwidth mode (Textual's default is 60)."""

LOW_BANDWIDTH_SEARCH_SETTLE_S = 0.3
"""The lookup searches once the operator pauses this long (60 ms otherwise): typing at 5 keys a
second repaints the results once per word, not once per key."""

HIGH_CONTRAST: dict[str, Any] = dict(
    name="callpop-high-contrast",
    primary="#ffff00",
    secondary="#00ffff",
    accent="#ffff00",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#1a1a1a",
    boost="#333333",
    warning="#ffaf00",
    error="#ff5f5f",
    success="#5fff5f",
    dark=True,
    variables={
        "block-cursor-background": "#ffff00",
        "block-cursor-foreground": "#000000",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-background": "#ffffff",
        "block-cursor-blurred-foreground": "#000000",
        "border": "#ffff00",
        "border-blurred": "#808080",
        "input-cursor-background": "#ffffff",
        "input-cursor-foreground": "#000000",
        "footer-key-foreground": "#ffff00",
    },
)
"""Black and white with yellow for what has focus: readable on any projector or tired eyes."""

SIXTEEN_COLOURS: dict[str, Any] = dict(
    name="callpop-16",
    ansi=True,
    primary="ansi_blue",
    secondary="ansi_cyan",
    accent="ansi_bright_blue",
    foreground="ansi_default",
    background="ansi_default",
    surface="ansi_default",
    panel="ansi_default",
    boost="ansi_default",
    warning="ansi_yellow",
    error="ansi_red",
    success="ansi_green",
    dark=True,
    variables={
        "ansi-background": "ansi_black",
        "ansi-foreground": "ansi_white",
        "block-cursor-background": "ansi_bright_white",
        "block-cursor-foreground": "ansi_black",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-background": "ansi_white",
        "block-cursor-blurred-foreground": "ansi_black",
        "border": "ansi_bright_cyan",
        "border-blurred": "ansi_blue",
        "input-cursor-background": "ansi_bright_white",
        "input-cursor-foreground": "ansi_black",
    },
)
"""The terminal's own 16 colours: the selected row in reverse white, never the header's grey, and
focused borders cyan (Textual's default maps its accent to bright red at 16 colours)."""

THEMES = (HIGH_CONTRAST, SIXTEEN_COLOURS)
"""Textual `Theme` arguments, built when the console registers them."""


def wanted(low_bandwidth: bool, over_ssh: bool, environ: Mapping[str, str]) -> bool:
    """Whether this console runs in low-bandwidth mode."""
    return low_bandwidth or (over_ssh and any(name in environ for name in ("SSH_CONNECTION", "SSH_TTY")))


def prepare_environment(environ: MutableMapping[str, str] = os.environ) -> None:
    """Before Textual is imported: cap its frame rate and turn its animations off."""
    environ["TEXTUAL_FPS"] = str(LOW_BANDWIDTH_FPS)
    environ["TEXTUAL_ANIMATIONS"] = "none"


def register_themes(app: App[Any]) -> None:
    from textual.theme import Theme

    for theme in THEMES:
        app.register_theme(Theme(**theme))


def choose_theme(app: App[Any], configured: str) -> None:
    """The configured theme, else the 16-colour one when the terminal on stdout has 16 colours
    (`callpop run` only: a headless test app keeps Textual's theme whatever TERM says)."""
    if configured:
        app.theme = configured
    elif app.console.is_terminal and app.console.color_system in ("standard", "windows"):
        app.theme = SIXTEEN_COLOURS["name"]


def stop_blinking(event: events.DescendantFocus) -> None:
    """A focused input or text area stops blinking its cursor (low-bandwidth mode)."""
    if hasattr(event.widget, "cursor_blink"):
        event.widget.cursor_blink = False

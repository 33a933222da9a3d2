"""The footer of the step screens: Textual's, drawn again only when what it shows
changes. Textual's rebuilds itself on every change of the screen's bindings (each focus
move): five times before the Welcome screen's first frame, four of them the same keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

Shown = tuple[tuple[Binding, bool, str], ...]


def shown_bindings(screen: Screen[object]) -> Shown:
    """What the footer draws from: each shown binding (and the palette's), whether it is
    enabled, and its tooltip."""
    palette = screen.app.COMMAND_PALETTE_BINDING
    return tuple(
        (binding, enabled, tooltip)
        for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
        if binding.show or key == palette
    )


class KeyFooter(Footer):
    _drawn_from: Shown | None = None  # what the keys on screen were drawn from

    def compose(self) -> ComposeResult:
        # The keys in the first frame: Textual's waits for the screen's first change of
        # bindings and composes again (a frame without keys, then 25 ms more work). Those
        # it knows already; a focus that changes them draws again (``bindings_changed``).
        self.set_reactive(Footer._bindings_ready, True)
        if self._bindings_ready:
            self._drawn_from = shown_bindings(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self._bindings_ready and shown_bindings(screen) == self._drawn_from:
            return  # the same keys: nothing to draw again
        super().bindings_changed(screen)

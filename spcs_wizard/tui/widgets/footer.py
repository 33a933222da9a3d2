"""The footer of the step screens: Textual's, drawn again only when what it shows
changes. Textual's rebuilds itself on every change of the screen's bindings (each focus
move): five times before the Welcome screen's first frame, four of them the same keys."""

from __future__ import annotations

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
    _drawn_from: Shown | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        shown = shown_bindings(screen)
        if self._bindings_ready and shown == self._drawn_from:
            return
        super().bindings_changed(screen)
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._drawn_from = shown  # (Textual's draws only then)

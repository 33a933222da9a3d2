"""The footer of the wizard's screens: the keys a person can press now, on one line.

It looks and behaves like Textual's footer (each shown key and what it does, dim while it
cannot run, the command palette's key on the right; a click presses the key, the pointer
over a key lights it and shows its tooltip), but it is one widget that draws the line
itself. Textual's is a scrolling container holding a widget per key, built again at each
change of the screen's bindings (every focus move): the first screen's costliest part,
a fifth of the wizard's start-up beyond a one-line Textual app (docs/performance.md). This
one draws again only when what it shows changes. On a line too short for every key, the
palette's key stays, and so do quit and help for as long as they fit: the screen's own
keys go first (Textual's cuts the line's end, quit and help with it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.reactive import reactive
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen


@dataclass(frozen=True)
class FooterKey:
    """One key as the footer shows it."""

    key: str  # as bound, e.g. "ctrl+q": what a click presses
    display: str  # as shown, e.g. "^q"
    description: str
    enabled: bool
    tooltip: str
    kept: bool = False  # the app's own (quit, help): the last to go from a short line


@dataclass(frozen=True)
class Placed:
    """A key and the cells it takes on the footer's line: ``start`` to ``end`` (excluded)."""

    item: FooterKey
    start: int
    end: int
    palette: bool = False


def key_cells(item: FooterKey, compact: bool) -> tuple[str, str]:
    """The key's two parts as drawn, with their padding (as Textual's footer pads them)."""
    if compact:
        return item.display, f" {item.description}" if item.description else ""
    return f" {item.display} ", f"{item.description} " if item.description else ""


def placed(
    keys: tuple[FooterKey, ...], palette: FooterKey | None, width: int, compact: bool
) -> list[Placed]:
    """Where each key goes: the keys from the left, one cell apart when compact; the
    palette's key (drawn compact) at the right end, after a one-cell edge and with a cell
    of room after it. When the keys do not all fit before the palette's, the screen's go
    first, last first, then the app's own (quit and help stay longest)."""
    right, edge = width, []
    if palette is not None:
        key, description = key_cells(palette, compact=True)  # compact in both, as Textual's
        size = 1 + len(key) + len(description) + 1  # the edge, the key, room after it
        right = max(0, width - size)
        edge = [Placed(palette, right + 1, right + size - 1, palette=True)]

    def cells(item: FooterKey) -> int:
        return sum(map(len, key_cells(item, compact))) + compact  # compact: a cell after

    shown = list(keys)
    for kept in (False, True):  # the screen's keys go first, then the app's
        for item in reversed(list(shown)):
            if sum(map(cells, shown)) - compact <= right:
                break
            if item.kept == kept:
                shown.remove(item)
    out, x = [], 0
    for item in shown:
        end = x + cells(item) - compact
        out.append(Placed(item, x, end))
        x = end + compact
    return out + edge


def shown_keys(screen: Screen[object]) -> tuple[tuple[FooterKey, ...], FooterKey | None]:
    """The screen's keys the footer shows (one per action, the first bound, as Textual's
    footer shows them), and the command palette's."""
    app = screen.app
    palette_key = app.COMMAND_PALETTE_BINDING if app.ENABLE_COMMAND_PALETTE else None
    keys: dict[str, FooterKey] = {}
    palette = None
    for key, (node, binding, enabled, tooltip) in screen.active_bindings.items():
        shown = FooterKey(
            binding.key, app.get_key_display(binding), binding.description, enabled, tooltip
        )
        if key == palette_key:
            palette = replace(shown, tooltip=binding.tooltip or binding.description)
        elif binding.show and binding.action not in keys:
            keys[binding.action] = replace(shown, kept=node is app)
    return tuple(keys.values()), palette


class KeyFooter(Widget, can_focus=False):
    """The screen's keys on the bottom line (styles: wizard.tcss)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--hover",
        "key-footer--edge",
    }
    ALLOW_SELECT = False
    compact = reactive(False)

    def __init__(self, *, compact: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(KeyFooter.compact, compact)
        self._keys: tuple[FooterKey, ...] = ()
        self._palette: FooterKey | None = None
        self._hover: FooterKey | None = None

    def on_mount(self) -> None:
        # The keys are known as the screen mounts: they are in its first frame.
        self._keys, self._palette = shown_keys(self.screen)
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        shown = shown_keys(screen)
        if shown != (self._keys, self._palette):  # a focus move mostly changes nothing here
            self._keys, self._palette = shown
            self.refresh()

    def placed(self) -> list[Placed]:
        """Each key shown now and the cells it takes."""
        return placed(self._keys, self._palette, self.size.width, self.compact)

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        hover = Style(bgcolor=self.get_component_rich_style("key-footer--hover").bgcolor)
        line = Text(no_wrap=True, overflow="crop", end="")
        for spot in self.placed():
            line.append(" " * (spot.start - line.cell_len - spot.palette))
            if spot.palette:
                line.append("▏", self.get_component_rich_style("key-footer--edge"))
            key, description = key_cells(spot.item, self.compact or spot.palette)
            extra = Style(dim=True) if not spot.item.enabled else Style.null()
            if spot.item == self._hover:
                extra += hover
            line.append(key, key_style + extra)
            line.append(description, description_style + extra)
        line.stylize_before(self.rich_style)
        return line

    def _at(self, x: int) -> FooterKey | None:
        return next((s.item for s in self.placed() if s.start <= x < s.end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        item = self._at(event.x)
        if item != self._hover:
            self._hover = item
            self.tooltip = (item.tooltip or None) if item is not None else None
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        item = self._at(event.x)
        if item is None:
            return
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()

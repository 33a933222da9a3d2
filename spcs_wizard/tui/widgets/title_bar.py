"""The top line of the wizard's screens: the command palette's icon, the title and its
sub-title.

It looks and behaves like Textual's header without a clock (the icon lights under the
pointer and a click on it opens the command palette; a click elsewhere makes the header
three lines tall, or one again), but it is one widget that draws the line itself, where
Textual's holds three: a few milliseconds of every screen's start (docs/performance.md).
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.content import Content
from textual.style import Style
from textual.widget import Widget

ICON = "⭘"
ICON_CELLS = 8  # the icon's room at the left, as Textual's header gives it
RIGHT_CELLS = 10  # the room Textual's header keeps at the right for its clock


def title_line(title: Content, icon: Content, width: int) -> Content:
    """The whole line: the icon's room, the title centred between the two rooms (cut
    with "…" when it does not fit), the clock's room blank."""
    middle = max(0, width - ICON_CELLS - RIGHT_CELLS)
    if title.cell_length > middle:
        title = title.truncate(middle, ellipsis=True)
    left = (middle - title.cell_length) // 2
    right = middle - left - title.cell_length
    return Content.assemble(
        icon.pad_right(max(0, ICON_CELLS - icon.cell_length)),
        " " * left,
        title,
        " " * (right + RIGHT_CELLS),
    )


class TitleBar(Widget):
    """The screen's title line (styles: wizard.tcss)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"title-bar--icon-hover"}
    ALLOW_SELECT = False

    _icon_lit = False  # the pointer is on the icon

    def on_mount(self) -> None:
        # Drawn again when a title changes: the app's repaints every screen anyway, the
        # screen's does not (the line is drawn from them each time).
        for node in (self.app, self.screen):
            self.watch(node, "title", self._retitle, init=False)
            self.watch(node, "sub_title", self._retitle, init=False)

    def _retitle(self) -> None:
        self.refresh()

    @property
    def title_shown(self) -> Content:
        """The screen's title and sub-title (else the app's), as the app formats them."""
        screen, app = self.screen, self.app
        title = screen.title if screen.title is not None else app.title
        sub_title = screen.sub_title if screen.sub_title is not None else app.sub_title
        return app.format_title(title, sub_title)

    def render(self) -> Content:
        icon = Content(f" {ICON}")  # Textual's pads it by a cell each side
        if self._icon_lit:
            lit = self.get_component_rich_style("title-bar--icon-hover")
            icon = icon.pad_right(ICON_CELLS - icon.cell_length).stylize(Style.from_rich_style(lit))
        return title_line(self.title_shown, icon, self.size.width)

    def _on_icon(self, x: int) -> bool:
        return x < ICON_CELLS and self.app.ENABLE_COMMAND_PALETTE

    def on_mouse_move(self, event: events.MouseMove) -> None:
        lit = self._on_icon(event.x)
        if lit != self._icon_lit:
            self._icon_lit = lit
            self.tooltip = "Open the command palette" if lit else None
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._icon_lit:
            self._icon_lit = False
            self.tooltip = None
            self.refresh()

    async def on_click(self, event: events.Click) -> None:
        event.stop()
        if self._on_icon(event.x):
            await self.run_action("app.command_palette")
        else:
            self.toggle_class("-tall")

"""A switch for an option that changes what an action does (teardown's keep database, a real
build): Space or a click turns it, never Enter. Textual's Switch also turns on Enter, the
key a person presses to go on, so a stray Enter changed what a teardown would remove
without a word."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Switch


class OptionSwitch(Switch, inherit_bindings=False):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_switch", "Turn on/off"),
        Binding("enter", "explain", "Explain", show=False),
    ]

    def action_explain(self) -> None:
        """Enter: nothing changes, and the person is told which key does."""
        self.notify("Space (or a click) turns this switch on or off; Enter leaves it as it is.")

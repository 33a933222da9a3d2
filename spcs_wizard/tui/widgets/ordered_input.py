"""An Input whose editing keys take effect in the order they were typed.

Textual inserts a typed character in the Input's own turn, but runs the Input's key
bindings (backspace, delete, the arrows, home and end) only once the key has bubbled up
to the app, through the queue of every container in between. On a screen that does work
at each change (Naming checks every name at each key), a fast typist's backspaces were
applied after the letters typed after them: "12 backspaces, then DB_1" left "MIDB" or
"D2X". Here the Input runs its own bindings as each key comes, in its own turn. Every
box the wizard has is one of these."""

from __future__ import annotations

from textual import events
from textual.binding import BindingsMap
from textual.widgets import Input

# The editing keys: Input's own bindings (not those it inherits as a scrolling widget:
# up and down stay the screen's, as the console's question history has them).
EDITING = BindingsMap(Input.BINDINGS).key_to_bindings


class OrderedInput(Input):
    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable:
            return  # Input's own handler, next in line, inserts it
        bindings = EDITING.get(event.key)
        if bindings:
            event.stop()  # not again on its way up to the app
            event.prevent_default()
            await self.run_action(bindings[0].action)

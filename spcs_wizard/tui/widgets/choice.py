"""A radio button whose mark says whether it is chosen without colour: ● chosen, ○ not
(Textual's draws ● for both, and tells them apart by colour alone)."""

from __future__ import annotations

from textual.widgets import RadioButton

CHOSEN, NOT_CHOSEN = "●", "○"


class Choice(RadioButton):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 - Textual's name
        return CHOSEN if self.value else NOT_CHOSEN

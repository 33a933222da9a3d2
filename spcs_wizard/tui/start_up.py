"""The cyclic garbage collector held off while the wizard starts.

Importing Textual and building the first screen make a few hundred thousand objects and
almost no garbage, yet each burst of allocations sets off a collection that walks them
all: a tenth of the start-up, measured (docs/performance.md). The collector is paused
from the ``tui`` command's first line (or the app's load) until the first screen is on
screen, then runs as before. Textual itself pauses it the same way while it scrolls
(``App.PAUSE_GC_ON_SCROLL``).
"""

from __future__ import annotations

import gc

_paused = False  # paused here (not by someone else, whose pause is theirs to end)


def pause() -> None:
    """Hold the collector off until ``resume`` (nothing if it is already off)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Let the collector run again, if ``pause`` stopped it."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def paused() -> bool:
    return _paused

"""The cyclic garbage collector held off while the wizard starts.

Importing Textual and building the first screen make a few hundred thousand objects and
almost no garbage, yet each burst of allocations sets off a collection that walks them
all: a tenth of the start-up, measured (docs/performance.md). The collector is paused
from the ``tui`` command's first line (or the app's load) until the first screen is on
screen, then runs as before. Textual itself pauses it the same way while it scrolls
(``App.PAUSE_GC_ON_SCROLL``).

Turned on again, the collector's first pass would walk everything start-up made (it is all
young): a 20 ms pause just after the first frame. So the objects made so far are frozen
first (``gc.freeze``: out of every collection), and thawed a few seconds later
(``thaw``): back among the oldest objects, collected when those next are, not at once.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_paused = False  # paused here (not by someone else, whose pause is theirs to end)
_frozen = False  # start-up's objects frozen here, until ``thaw``
THAW_AFTER = 5.0  # seconds after the first frame


def pause() -> None:
    """Hold the collector off until ``resume`` (nothing if it is already off)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Let the collector run again, if ``pause`` stopped it (what start-up made frozen)."""
    global _paused, _frozen
    if _paused:
        _paused = False
        gc.freeze()
        _frozen = True
        gc.enable()


@contextmanager
def held() -> Iterator[None]:
    """The collector paused for what runs inside (the wizard, until its first frame)."""
    pause()
    try:
        yield
    finally:
        resume()


def thaw() -> None:
    """Start-up's objects among the others again (a screen left behind can then go)."""
    global _frozen
    if _frozen:
        _frozen = False
        gc.unfreeze()


def paused() -> bool:
    return _paused

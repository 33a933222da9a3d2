"""Threads of the wizard's own that are not Textual workers."""

from __future__ import annotations

import threading
from collections.abc import Callable


def start_thread(work: Callable[[], None]) -> None:
    """A job's thread, or another that may outlive the wizard (a look at an account, a
    file written as a screen closes). Not a Textual thread worker: those run on the event
    loop's default executor, which asyncio joins when the app ends, so a job left running
    would keep the quit waiting (a blank screen) until it finished. A daemon thread ends
    with the process; the engine's state lets the next run resume where it stopped."""
    threading.Thread(target=work, name="spcs-wizard job", daemon=True).start()

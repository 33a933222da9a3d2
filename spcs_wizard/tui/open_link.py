"""Open an endpoint's URL in the browser, or, where there is none (a server, a
container), copy it and say so: the Monitor's `o` and the class dashboard's alike."""

from __future__ import annotations

import webbrowser

from textual.app import App


def open_or_copy(app: App[None], url: str, opening: str, rehearsal: bool = False) -> None:
    """``opening``: what the notice says is being opened, e.g. "milvus's endpoint api";
    ``rehearsal``: the URL is the emulator's stand-in for one, which reaches nothing (it
    is copied, and said so, not opened)."""
    if rehearsal:
        app.copy_to_clipboard(url)
        app.notify(
            f"Rehearsal: {url} stands in for {opening}'s address; nothing answers at it "
            "outside the emulator (copied). On an account, o opens the service itself.",
            severity="warning",
        )
        return
    try:
        webbrowser.get()
    except webbrowser.Error:
        app.copy_to_clipboard(url)
        app.notify(
            f"No web browser here: copied {url} instead; open it on your machine.",
            severity="warning",
        )
        return
    app.open_url(url)
    app.notify(f"Opening {opening}: {url}")

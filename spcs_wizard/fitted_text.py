"""Text cut to a width the way every table here cuts it: with "…", so a cut shows."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size


def fitted(text: str, width: int) -> str:
    """``text`` in ``width`` cells, ending in "…" when it had to be cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)) + "…"


def fitted_start(text: str, width: int) -> str:
    """``text`` in ``width`` cells, cut at its start ("…gateway:3.11-slim"): for a text
    whose end says the most, such as an image's tag."""
    if cell_len(text) <= width:
        return text
    kept = text
    while kept and cell_len(kept) > max(width - 1, 0):
        kept = kept[1:]
    return "…" + kept

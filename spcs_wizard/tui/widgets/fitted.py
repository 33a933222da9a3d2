"""Text cut to a width the way every table here cuts it: with "…", so a cut shows."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size


def fitted(text: str, width: int) -> str:
    """``text`` in ``width`` cells, ending in "…" when it had to be cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)) + "…"

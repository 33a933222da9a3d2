"""Durations as a person reads them in a table cell."""

from __future__ import annotations


def ago(seconds: float) -> str:
    """12s, 4m, 3h, 2d: how long, in the largest whole unit."""
    whole = int(max(seconds, 0))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if whole >= size:
            return f"{whole // size}{unit}"
    return f"{whole}s"

"""Byte progress of a push, from the lines podman or docker draw on a terminal.

podman: ``Copying blob 4377311da963 [=====>----] 5.2MiB / 16.0MiB``, then ``... done`` or
``... skipped: already exists``. docker: ``4377311da963: Pushing [==>  ] 1.2MB/16MB``,
then ``Pushed`` or ``Layer already exists``. Values only grow: a redraw that goes back
(a retried layer) does not move the bar backwards.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

_UNITS = {
    "b": 1,
    "B": 1,
    "kB": 1000,
    "KB": 1000,
    "KiB": 1024,
    "MB": 1000**2,
    "MiB": 1024**2,
    "GB": 1000**3,
    "GiB": 1024**3,
    "TiB": 1024**4,
}
_SIZE = r"([\d.]+)\s*([KMGT]?i?B|kB|b)"
_BAR = rf"\s*\[[^\]]*\]\s*{_SIZE}\s*/\s*{_SIZE}"  # [===>---] 5.2MiB / 16.0MiB
PODMAN_BAR = re.compile(r"Copying blob (?:sha256:)?([0-9a-f]{8,})" + _BAR)
PODMAN_END = re.compile(r"Copying blob (?:sha256:)?([0-9a-f]{8,})\s+(done|skipped|already exists)")
DOCKER_BAR = re.compile(r"([0-9a-f]{12}): Pushing" + _BAR)
DOCKER_END = re.compile(r"([0-9a-f]{12}): (Pushed|Layer already exists)")


def size(number: str, unit: str) -> int:
    return int(float(number) * _UNITS[unit])


@dataclass
class Layer:
    done: int = 0
    total: int = 0
    finished: bool = False
    skipped: bool = False


@dataclass
class PushProgress:
    """Per-layer bytes of one image's push, with its rate and time left."""

    clock: Callable[[], float] = time.monotonic
    layers: dict[str, Layer] = field(default_factory=dict)
    started: float | None = None

    def feed(self, line: str) -> tuple[str, Layer] | None:
        """Read one drawn line; returns the layer it moved, if any."""
        if self.started is None:
            self.started = self.clock()
        bar = PODMAN_BAR.search(line) or DOCKER_BAR.search(line)
        if bar:
            layer_id, done, total = (
                bar.group(1)[:12],
                size(*bar.group(2, 3)),
                size(*bar.group(4, 5)),
            )
            layer = self.layers.setdefault(layer_id, Layer())
            layer.total = max(layer.total, total)
            layer.done = min(max(layer.done, done), layer.total)
            return layer_id, layer
        end = PODMAN_END.search(line) or DOCKER_END.search(line)
        if end:
            layer_id = end.group(1)[:12]
            layer = self.layers.setdefault(layer_id, Layer())
            layer.finished = True
            layer.skipped = end.group(2) in ("skipped", "already exists", "Layer already exists")
            if layer.total:
                layer.done = layer.total
            return layer_id, layer
        return None

    @property
    def done(self) -> int:
        return sum(layer.done for layer in self.layers.values() if not layer.skipped)

    @property
    def total(self) -> int:
        return sum(layer.total for layer in self.layers.values() if not layer.skipped)

    @property
    def rate(self) -> float:
        """Bytes per second since the push started."""
        if self.started is None:
            return 0.0
        elapsed = self.clock() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate, if it can be told."""
        rate = self.rate
        return (self.total - self.done) / rate if rate > 0 and self.total else None


def human(count: float) -> str:
    """Bytes as people read them: 16.0 MiB."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(count) < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")  # pragma: no cover

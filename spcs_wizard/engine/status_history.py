"""Status over time, from successive snapshots: per service, the total container
restarts and whether it was running, for sparklines and "what changed" notes."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from spcs_wizard.engine.snapshot import ServiceStatus, Snapshot


def restarts(service: ServiceStatus) -> int:
    return sum(c.restart_count or 0 for c in service.containers)


def is_up(service: ServiceStatus) -> bool:
    return service.status == "RUNNING" and all(c.status == "READY" for c in service.containers)


@dataclass
class StatusHistory:
    size: int = 60
    restarts: dict[str, deque[int]] = field(default_factory=dict)
    up: dict[str, deque[int]] = field(default_factory=dict)
    times: deque[float] = field(default_factory=deque)  # when each kept snapshot was taken
    last: Snapshot | None = None

    def add(self, snap: Snapshot) -> list[str]:
        """Record a snapshot; returns what changed since the previous one, in words."""
        changes = []
        self.times.append(snap.taken_at)
        while len(self.times) > self.size:
            self.times.popleft()
        before = {s.name: s for s in self.last.services} if self.last else {}
        for s in snap.services:
            self.restarts.setdefault(s.name, deque(maxlen=self.size)).append(restarts(s))
            self.up.setdefault(s.name, deque(maxlen=self.size)).append(1 if is_up(s) else 0)
            old = before.get(s.name)
            if old is None:
                continue
            if old.status != s.status:
                changes.append(f"{s.name}: {old.status} → {s.status}")
            if restarts(s) > restarts(old):
                changes.append(f"{s.name}: {restarts(s) - restarts(old)} container restart(s)")
        self.last = snap
        return changes

    def span(self, last: int | None = None) -> float:
        """Seconds covered by the kept snapshots (the ``last`` ones only, if given)."""
        times = list(self.times)[-last:] if last else list(self.times)
        return times[-1] - times[0] if len(times) > 1 else 0.0

    def restart_series(self, service: str) -> list[int]:
        return list(self.restarts.get(service, ()))

    def up_series(self, service: str) -> list[int]:
        return list(self.up.get(service, ()))

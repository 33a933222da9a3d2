"""What the emulator was asked, counted: every request of the connector's REST protocol
(logins, queries, heartbeats: each a round trip) and, of those, the SQL statements. The
benchmarks read it to compare a deploy's round trips with the seed's procedure's."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Count:
    requests: int = 0
    statements: int = 0

    def __sub__(self, earlier: Count) -> Count:
        return Count(self.requests - earlier.requests, self.statements - earlier.statements)


@dataclass
class Traffic:
    _count: Count = Count()
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def request(self, statement: bool) -> None:
        with self._lock:
            c = self._count
            self._count = Count(c.requests + 1, c.statements + int(statement))

    @property
    def count(self) -> Count:
        return self._count

"""What the emulator was asked, counted: every request of the connector's REST protocol
(logins, queries, heartbeats) and, of those, the SQL statements; and the rounds they took,
requests in flight together counting once (a round begins with a request sent while none
is in flight), which is what a client waits for at a network's round-trip time. The
benchmarks read it to compare a deploy's round trips with the seed's procedure's.

``latency`` holds each request that long before it is answered, as a network between
this machine and an account would (0 by default): a benchmark's or a test's setting,
under which requests sent together overlap for certain and the rounds can be told."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Count:
    requests: int = 0
    statements: int = 0
    rounds: int = 0

    def __sub__(self, earlier: Count) -> Count:
        return Count(
            self.requests - earlier.requests,
            self.statements - earlier.statements,
            self.rounds - earlier.rounds,
        )


@dataclass
class Traffic:
    latency: float = 0.0  # seconds each request is held before its answer
    _count: Count = Count()
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def request(self, statement: bool) -> Iterator[None]:
        """While one request is answered."""
        with self._lock:
            c = self._count
            began = int(self._in_flight == 0)
            self._count = Count(c.requests + 1, c.statements + int(statement), c.rounds + began)
            self._in_flight += 1
        try:
            if self.latency:
                time.sleep(self.latency)
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    @property
    def count(self) -> Count:
        return self._count

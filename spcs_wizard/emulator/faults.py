"""Faults the emulator can inject, from a file (``--faults FILE``) or from a test.

File format (TOML)::

    [[statement]]            # fail a statement with a Snowflake error
    match = "CREATE COMPUTE POOL"   # substring, case-insensitive (or: index = 7)
    code = 390144
    sqlstate = "08001"
    message = "Injected failure"
    times = 1                 # how many matching statements fail (default 1)
    lose_answer = false       # true: the statement runs, then its connection drops
                              # before the answer is sent (the client never hears back)
    delay = 0.0               # > 0: the statement runs, its answer comes this many
                              # (real) seconds late

    [http]
    statuses = [503, 429]     # the next requests answer with these HTTP statuses
    drop = 1                  # then this many requests get their connection dropped

    stuck_pools = ["MILVUS_COMPUTE_POOL"]          # stay STARTING forever
    failing_services = ["MILVUS_DEMO.PUBLIC.MILVUS"]  # FAILED after READY, restarts grow
    stuck_services = ["MILVUS_DEMO.PUBLIC.JUPYTER"]   # containers stay PENDING forever
    refuse_pushes = true                            # the registry refuses pushes
    refuse_session_token_logins = true              # registry logins need a password
"""

from __future__ import annotations

import threading
import tomllib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from spcs_wizard.emulator.errors import SnowflakeError


@dataclass
class StatementFault:
    code: int = 390144
    sqlstate: str = "08001"
    message: str = "Injected failure (SPCS emulator fault)."
    match: str | None = None
    index: int | None = None
    times: int = 1
    lose_answer: bool = False
    delay: float = 0.0

    @property
    def kind(self) -> str:
        """When it acts: "lose" and "delay" after the statement ran, "refuse" before."""
        return "lose" if self.lose_answer else "delay" if self.delay else "refuse"

    def hits(self, sql: str, n: int) -> bool:
        return self.times > 0 and (
            (self.index is not None and self.index == n)
            or (self.match is not None and self.match.upper() in sql.upper())
        )


class StatementDrill(Protocol):
    """Tests' drill at chosen statements: ``before`` may refuse one (raise SnowflakeError)
    before it runs; ``after`` says, once it ran, whether its answer is lost (the connection
    dropped instead: a kill or a restart at that point)."""

    def before(self, sql: str) -> None: ...

    def after(self, sql: str) -> bool: ...


@dataclass
class Faults:
    statements: list[StatementFault] = field(default_factory=list)
    http_statuses: deque[int] = field(default_factory=deque)
    drop_connections: int = 0
    stuck_pools: set[str] = field(default_factory=set)
    failing_services: set[str] = field(default_factory=set)
    stuck_services: set[str] = field(default_factory=set)
    refuse_pushes: bool = False
    refuse_session_token_logins: bool = False  # registry logins as 0sessiontoken fail
    statement_count: int = 0
    drill: StatementDrill | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_file(cls, path: Path) -> Faults:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"{path}: cannot read the fault file ({exc})") from None
        return cls.from_data(data)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Faults:
        faults = cls()
        for raw in data.get("statement", []):
            faults.statements.append(StatementFault(**raw))
        http = data.get("http", {})
        faults.http_statuses.extend(int(s) for s in http.get("statuses", []))
        faults.drop_connections = int(http.get("drop", 0))
        faults.stuck_pools = {p.upper() for p in data.get("stuck_pools", [])}
        faults.failing_services = {s.upper() for s in data.get("failing_services", [])}
        faults.stuck_services = {s.upper() for s in data.get("stuck_services", [])}
        faults.refuse_pushes = bool(data.get("refuse_pushes", False))
        faults.refuse_session_token_logins = bool(data.get("refuse_session_token_logins", False))
        return faults

    def before_statement(self, sql: str) -> None:
        """Count the statement; raise the injected error if one applies to it."""
        with self._lock:
            self.statement_count += 1
            fault = self._take("refuse", sql)
            drill = self.drill
        if fault is not None:
            raise SnowflakeError(fault.code, fault.sqlstate, fault.message)
        if drill is not None:
            drill.before(sql)

    def answer_delay(self, sql: str) -> float:
        """After the statement ran: how long its answer waits (seconds)."""
        with self._lock:
            fault = self._take("delay", sql)
        return fault.delay if fault is not None else 0.0

    def answer_lost(self, sql: str) -> bool:
        """After the statement ran: whether its answer must be lost (the connection
        dropped instead)."""
        with self._lock:
            fault = self._take("lose", sql)
            drill = self.drill
        return fault is not None or (drill is not None and drill.after(sql))

    def _take(self, kind: str, sql: str) -> StatementFault | None:
        """The first fault of this kind for the statement now counted, used up once
        (call with the lock held)."""
        for fault in self.statements:
            if fault.kind == kind and fault.hits(sql, self.statement_count):
                fault.times -= 1
                return fault
        return None

    def next_http_fault(self) -> int | str | None:
        """An HTTP status to answer with, ``"drop"`` to close the connection, or None."""
        with self._lock:
            if self.http_statuses:
                return self.http_statuses.popleft()
            if self.drop_connections > 0:
                self.drop_connections -= 1
                return "drop"
            return None

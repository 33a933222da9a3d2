"""Waiting for what a deployment step made to be ready: a compute pool ACTIVE or IDLE, a
service's containers READY, a public endpoint's address assigned.

A wait asks its check until it holds, with a growing pause between asks; it resumes what
it finds suspended (waiting would never end), ends at once on a failed container (with the
container's last log lines), and gives up after its kind's time limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from snowflake.connector.errors import Error as ConnectorError
from snowflake.connector.errors import ProgrammingError

from spcs_wizard.engine.events import Listener, StepFailed, StepWaiting
from spcs_wizard.engine.hints import step_failed
from spcs_wizard.engine.operations import container_logs_sql
from spcs_wizard.engine.questions import waited_for

if TYPE_CHECKING:
    from collections.abc import Mapping

    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.plan import Plan
    from spcs_wizard.model.step import Step

LOG_TAIL_LINES = 20  # of each failed container, in the failure's report
# How long each kind of wait may take before it is reported as failed (seconds).
WAIT_LIMITS = {"wait-pool": 20 * 60.0, "wait-service": 20 * 60.0, "wait-endpoints": 15 * 60.0}


class StepFailedError(RuntimeError):
    def __init__(self, event: StepFailed) -> None:
        super().__init__(event.message)
        self.event = event


class StoppedError(Exception):
    """Stop was asked for: the run ends between two steps, or in a wait."""


def failure(step: Step, exc: ConnectorError) -> StepFailedError:
    """The step failed on what the account answered (with the hint for it)."""
    return StepFailedError(step_failed(step, exc))


# Seconds between a wait's looks at most (they start at 1 s and grow). Each look is a
# SHOW or DESCRIBE (no warehouse); its answer is the line every screen shows of the
# deploy, which at 30 s still said STARTING of a pool the Monitor read ready.
POLL_AT_MOST = 10.0


@dataclass
class Waiter:
    runner: SqlRunner
    on_event: Listener
    should_stop: Callable[[], bool]  # asked at each turn: True ends the wait there
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic

    def wait(self, step: Step) -> None:
        """Until what the step waits for is ready; resumed on the way when it was
        suspended; a failed service or the time limit ends it as the step's failure."""
        assert step.check is not None
        limit = WAIT_LIMITS[step.id.rsplit("-", 1)[0]]  # wait-pool-milvus: "wait-pool"
        started = self.monotonic()
        delay, attempt = 1.0, 0
        while True:
            attempt += 1
            try:
                rows = self.runner.query_or_missing(step.check.sql.text(), step.role)
            except ProgrammingError as exc:
                raise failure(step, exc) from None
            if step.check.satisfied_by(rows):
                if attempt > 1:  # what it waited on is said ready, not left at its last wait
                    self.on_event(StepWaiting(step.id, describe_rows(rows), attempt))
                return
            woke = self._wake(step, rows)
            failed = [r for r in rows if str(r.get("status")).upper() == "FAILED"]
            if failed:
                raise self._service_failure(step, failed)
            if self.monotonic() - started >= limit:
                raise StepFailedError(
                    StepFailed(
                        step.id,
                        f"still not ready after {int(limit)} s: {describe_rows(rows)}",
                        "Look at the status and logs (spcs-wizard status), then run the "
                        "deployment again; it resumes with this wait.",
                        logs=self._logs(step, rows),
                    )
                )
            if not woke:  # (rows read before the resume would say SUSPENDED still)
                self.on_event(StepWaiting(step.id, describe_rows(rows), attempt))
            if self.should_stop():  # a wait changes nothing: it may end here
                raise StoppedError
            self.sleep(delay)
            delay = min(delay * 1.5, POLL_AT_MOST)

    def _wake(self, step: Step, rows: list[dict[str, object]]) -> bool:
        """A suspended pool or service never gets ready by waiting: resume it (a re-run
        of deploy on a suspended deployment brings it back). True when it did."""
        suspended = any("SUSPENDED" in (r.get("state"), r.get("service_status")) for r in rows)
        if not suspended:
            return False
        target, statement = resume_sql(step)
        try:
            self.runner.execute(statement, step.role, statement)
        except ConnectorError as exc:
            raise failure(step, exc) from None
        self.on_event(resumed(step.id, target))
        return True

    def _service_failure(self, step: Step, failed: list[dict[str, object]]) -> StepFailedError:
        reasons = sorted({f"{r.get('container_name')}: {r.get('message')}" for r in failed})
        return StepFailedError(
            StepFailed(
                step.id,
                "the service failed: " + "; ".join(reasons),
                "Fix the cause shown (and in the logs), then run the deployment again.",
                logs=self._logs(step, failed),
            )
        )

    def _logs(self, step: Step, rows: list[dict[str, object]]) -> list[str]:
        """The last log lines of each container, via SYSTEM$GET_SERVICE_LOGS."""
        service = step.details.get("service")
        if service is None:  # not a service's wait
            return []
        return [line for row in rows for line in self._log_tail(step, service, row)]

    def _log_tail(self, step: Step, service: str, row: dict[str, object]) -> list[str]:
        """One container's last lines (none when its log cannot be read: the failure it
        would explain is reported anyway)."""
        instance, container = str(row.get("instance_id")), str(row.get("container_name"))
        try:
            found = self.runner.query(
                container_logs_sql(service, instance, container, LOG_TAIL_LINES), step.role
            )
        except ConnectorError:
            return []
        texts = [text for answer in found for text in answer.values() if isinstance(text, str)]
        return [line for text in texts for line in text.splitlines() if line]


def resume_sql(step: Step) -> tuple[str, str]:
    """The pool or service a wait waits for (its check's last word: the name), and the
    statement that resumes it."""
    assert step.check is not None
    target = step.check.sql.text().rpartition(" ")[2]
    kind = "COMPUTE POOL" if step.id.startswith("wait-pool") else "SERVICE"
    return target, f"ALTER {kind} {target} RESUME"


def resume_alike(
    runner: SqlRunner, plan: Plan, scanned: Mapping[str, list[dict[str, object]]], kind: str
) -> list[str]:
    """Resume every pool (``kind`` "wait-pool") or service ("wait-service") of the plan
    that the scan before the first step listed SUSPENDED (``scanned``: its rows by the
    step that makes the object), together, at a run's first wait of that kind: not each
    at its own wait once the one before is up (a pool takes minutes to start). Each one's
    own wait then finds it starting, and waits as before; a resume refused here is left
    to that wait, which asks again and reports a refusal as its failure. Returns what it
    resumed."""
    woken = []
    for wait in plan.steps:
        made = waited_for(plan, wait)
        if wait.id.rsplit("-", 1)[0] != kind or made is None or made.check is None:
            continue
        rows = made.check.proof(scanned.get(made.id) or [])
        if not any("SUSPENDED" in (r.get("state"), r.get("status")) for r in rows):
            continue
        target, statement = resume_sql(wait)
        try:
            runner.execute(statement, wait.role, statement)
        except ConnectorError:
            continue
        woken.append(target)
    return woken


def resumed(step_id: str, target: str) -> StepWaiting:
    """What a wait says of a suspended pool or service it resumed."""
    return StepWaiting(step_id, f"{target} was suspended: resumed it", 0)


def describe_rows(rows: list[dict[str, object]]) -> str:
    """What a wait last heard: up to four objects' state, status or address."""
    if not rows:
        return "nothing reported yet"
    parts = []
    for row in rows[:4]:
        for key in ("state", "status", "ingress_url"):
            if row.get(key):
                parts.append(
                    f"{row.get('name') or row.get('container_name') or ''} {key}={row[key]}".strip()
                )
                break
    return ", ".join(parts) or "not ready"

"""Remove what a deployment created, newest first, and nothing else.

An object is dropped only when it carries this deployment's COMMENT marker; a grant is
revoked only when the local state says this tool made it. A same-named object made by
someone else is reported and left alone. Objects already gone are skipped, so a
teardown can be re-run after any interruption.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from snowflake.connector.errors import Error as ConnectorError
from snowflake.connector.errors import ProgrammingError

from spcs_wizard.engine.events import (
    Listener,
    StepDone,
    StepFailed,
    StepSkipped,
    StepStarted,
    ignore,
)
from spcs_wizard.engine.hints import step_failed
from spcs_wizard.engine.runner import DOES_NOT_EXIST
from spcs_wizard.model.plan import ownership_comment

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.engine.state import DeploymentState
    from spcs_wizard.model.plan import Plan
    from spcs_wizard.model.step import Step


# What SHOW does not list is gone, or invisible to the role (someone else's, unshared).
ALREADY_GONE = "not found: already gone, or not visible to its role"
ALREADY_REMOVED = "already removed"
ADOPTED = "adopted, not created by spcs-wizard: kept (--include-adopted removes it)"
# Someone else's grant or object under our name: left, and reported as needing attention.
NOT_GRANTED_BY_US = "not granted by spcs-wizard (kept)"
NOT_OURS = "not created by spcs-wizard (no matching COMMENT): left alone"
NEEDS_ATTENTION = frozenset({NOT_GRANTED_BY_US, NOT_OURS})


@dataclass
class TeardownOutcome:
    removed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # step id -> why it was passed
    # Items still in the account because someone else made them: step id -> why (a
    # subset of ``skipped``; what is gone, or adopted knowingly and kept, is not here).
    left: dict[str, str] = field(default_factory=dict)
    failed: StepFailed | None = None
    stopped: bool = False  # asked to stop: it did, between two removals

    @property
    def ok(self) -> bool:
        return self.failed is None and not self.stopped

    @property
    def not_there(self) -> list[str]:
        """Steps with nothing to remove: already gone, or removed by an earlier run."""
        return [s for s, why in self.skipped.items() if why in (ALREADY_GONE, ALREADY_REMOVED)]


def preview(plan: Plan, *, keep_data: bool = False, include_shared: bool = False) -> list[Step]:
    """What a teardown would consider, in order (before looking at the account)."""
    return plan.teardown(keep_data=keep_data, include_shared=include_shared)


def kept_by_options(plan: Plan, *, keep_data: bool, include_shared: bool) -> list[str]:
    """What these options keep out of a teardown, in words ("3 account-wide (other
    deployments may use them): security integration SNOWSERVICES_INGRESS_OAUTH, ..."),
    as the plan's own teardown decides it. The account-wide ones are named: they are not
    this deployment's alone, and nothing else says which they are."""
    every = preview(plan, include_shared=True)
    data = len(every) - len(preview(plan, keep_data=True, include_shared=True))
    left_out = {s.id for s in every} - {s.id for s in preview(plan)}
    shared = [s.target for s in plan.steps if s.id in left_out and s.target is not None]
    names = ", ".join(f"{t.kind.lower()} {t.name}" for t in shared)
    kept = [
        f"{data} holding data" if keep_data and data else "",
        f"{len(shared)} account-wide (other deployments may use them): {names}"
        if not include_shared and shared
        else "",
    ]
    return [k for k in kept if k]


def scope_line(plan: Plan, *, keep_data: bool, include_shared: bool) -> str:
    """What a teardown with these options would consider and what it would keep, in
    words: each option's effect said, so a switch turned by mistake shows."""
    chosen = preview(plan, keep_data=keep_data, include_shared=include_shared)
    line = (
        f"{len(chosen)} items of {plan.deployment.deployment_id} would be checked and removed "
        "if spcs-wizard made them."
    )
    said = kept_by_options(plan, keep_data=keep_data, include_shared=include_shared)
    return line + (f" Kept: {'; '.join(said)}." if said else "")


@dataclass
class Teardown:
    runner: SqlRunner
    plan: Plan
    state: DeploymentState
    keep_data: bool = False
    include_shared: bool = False
    include_adopted: bool = False
    on_event: Listener = ignore
    monotonic: Callable[[], float] = time.monotonic
    # Asked before each removal: True stops there (the next run goes on from it).
    should_stop: Callable[[], bool] = lambda: False

    def run(self) -> TeardownOutcome:
        outcome = TeardownOutcome()
        marker = ownership_comment(self.plan.deployment)
        for step in preview(
            self.plan, keep_data=self.keep_data, include_shared=self.include_shared
        ):
            if self.should_stop():
                outcome.stopped = True
                return outcome
            why = self._reason_to_leave(step, marker)
            if why in (ALREADY_GONE, ALREADY_REMOVED):
                self._forget(step)  # an interrupted teardown removed it, or someone did
            if why is not None:
                outcome.skipped[step.id] = why
                if why in NEEDS_ATTENTION:
                    outcome.left[step.id] = why
                self.on_event(StepSkipped(step.id, why))
                continue
            self.on_event(StepStarted(step.id, step.removal))  # what it runs: DROP, REVOKE
            started = self.monotonic()
            try:
                for sql in step.undo:
                    self._undo(step, sql.text())
            except ConnectorError as exc:
                outcome.failed = step_failed(step, exc)
                self.on_event(outcome.failed)
                return outcome
            self._forget(step)
            outcome.removed.append(step.id)
            self.on_event(StepDone(step.id, len(step.undo), round(self.monotonic() - started, 3)))
        return outcome

    def survey(self) -> list[Step]:
        """What a run would remove now (read-only: checks only), in order."""
        marker = ownership_comment(self.plan.deployment)
        steps = preview(self.plan, keep_data=self.keep_data, include_shared=self.include_shared)
        return [step for step in steps if self._reason_to_leave(step, marker) is None]

    def _forget(self, step: Step) -> None:
        self.state.forget(step.id)
        if step.target is not None:
            self.state.forget_adopted(step.target.name)
        gone = {step.id}
        # What went with it: the images of its repository, the waits for it and for them
        # (the plan's order puts a step after what it depends on); and a grant on it that
        # a run found in place (an administrator's, left alone) is gone with it too.
        for inner in self.plan.steps:
            if not gone.intersection(inner.depends_on):
                continue
            if inner.undo:
                self.state.forget_seen(inner.id)
            else:
                gone.add(inner.id)
                self.state.forget(inner.id)

    def _undo(self, step: Step, sql: str) -> None:
        try:
            self.runner.execute(sql, step.role, sql)
        except ProgrammingError as exc:
            if exc.errno != DOES_NOT_EXIST:  # already gone with its container: fine
                raise

    def _reason_to_leave(self, step: Step, marker: str) -> str | None:
        """None when the step's object is ours and present; otherwise why it stays:
        gone, adopted knowingly and kept, or someone else's (NEEDS_ATTENTION)."""
        assert step.target is not None
        if step.check is None:  # uploaded files: ours when we uploaded them
            return None if self.state.made(step.id) else ALREADY_REMOVED
        rows = self.runner.query_or_missing(step.check.sql.text(), step.role)
        if not step.check.satisfied_by(rows):
            return ALREADY_GONE
        if step.target.scope == "grant":
            return None if self.state.made(step.id) else NOT_GRANTED_BY_US
        if step.target.name in self.state.adopted:
            return None if self.include_adopted else ADOPTED
        if not any(r.get("comment") == marker for r in step.check.proof(rows)):
            return NOT_OURS  # the row of exactly its name: LIKE's '_' lists lookalikes too
        return None

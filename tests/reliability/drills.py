"""Interruptions at chosen statements, and what a converged account looks like.

A drill is armed at one statement per step (the step's first statement, or its check for
waits and images); each fires once, in plan order, right after the emulator ran that
statement and before its answer goes out, the moment a client is least sure of what
happened. What it does there is the kind of interruption: the statement is refused, the
answer is lost, the emulator restarts, or the deploying process is killed.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spcs_wizard.emulator.catalog import Account
from spcs_wizard.emulator.errors import SnowflakeError
from spcs_wizard.emulator.faults import Faults
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.emulator.settings import EmulatorSettings
from spcs_wizard.engine.events import StepFailed
from spcs_wizard.model.plan import Plan
from spcs_wizard.model.step import Step, StepKind
from tests.conftest import ADMIN_PASSWORD
from tests.engine_harness import World


def statement_key(sql: str) -> str:
    """A statement's first line, local file paths left out (PUT names a temporary file)."""
    lines = sql.strip().splitlines() or [""]
    return re.sub(r"'file://[^']*/", "'file://.../", lines[0].strip())


def deploy_target(step: Step) -> str:
    """The statement a deploy drill for this step fires at."""
    if step.kind in (StepKind.WAIT, StepKind.IMAGE):
        assert step.check is not None
        return statement_key(step.check.sql.text())
    return statement_key(step.statements[0].text())


def undo_target(step: Step) -> str:
    return statement_key(step.undo[0].text())


@dataclass
class Target:
    step_id: str
    key: str
    occurrence: int  # the n-th statement with this key in one run
    # A pool's wait sends nothing when the listing read before the first step showed the
    # pool ready and the run changed nothing since (apply: ``_listed_ready``): a run that
    # goes past it without its statement skips it.
    optional: bool = False


def targets(steps: list[Step], key_of: Callable[[Step], str]) -> list[Target]:
    seen: Counter[str] = Counter()
    found = []
    for step in steps:
        key = key_of(step)
        if step.kind is StepKind.IMAGE and seen[key]:
            continue  # the image steps read one listing a run: the first one's
        seen[key] += 1
        pool_wait = step.kind is StepKind.WAIT and step.id.startswith("wait-pool-")
        found.append(Target(step.id, key, seen[key], optional=pool_wait))
    return found


@dataclass
class Drill:
    """Fires at each target in turn, at most once per run. ``refuse`` makes the statement
    fail before it runs; otherwise ``action`` runs after it (it returns whether the answer
    is lost). Install as the emulator's ``faults.drill``."""

    pending: list[Target]
    action: Callable[[Target], bool] = lambda target: True
    refuse: SnowflakeError | None = None
    one_per_run: bool = True  # False: each target fires as the run reaches it
    fired: list[Target] = field(default_factory=list)
    skipped: list[Target] = field(default_factory=list)  # optional ones a run went past
    _seen: Counter[str] = field(default_factory=Counter)
    _armed: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def new_run(self) -> None:
        with self._lock:
            self._seen.clear()
            self._armed = True

    def before(self, sql: str) -> None:
        if self.refuse is not None and self._fires(sql):
            raise self.refuse

    def after(self, sql: str) -> bool:
        if self.refuse is None and self._fires(sql):
            return self.action(self.fired[-1])
        return False

    def _fires(self, sql: str) -> bool:
        key = statement_key(sql)
        with self._lock:
            self._seen[key] += 1
            if not self._armed or not self.pending:
                return False
            # The first target this statement is, past only optional ones.
            at = next(
                (
                    i
                    for i, t in enumerate(self.pending)
                    if key == t.key and self._seen[key] == t.occurrence
                ),
                None,
            )
            if at is None or not all(t.optional for t in self.pending[:at]):
                return False
            target = self.pending[at]
            self.skipped.extend(self.pending[:at])
            del self.pending[:at]
            self.pending.pop(0)
            self.fired.append(target)
            self._armed = not self.one_per_run
        return True


def fingerprint(account: Account) -> dict[str, Any]:
    """Everything in the account that a deployment can make, without times and ids:
    equal fingerprints mean the same objects, owners, comments and grants, none twice."""
    with account.lock:
        return {
            "objects": sorted(
                (o.kind, o.fqn, o.owner, o.comment or "") for o in account.objects.values()
            ),
            "grants": sorted((g.privilege, g.on_kind, g.on_name, g.role) for g in account.grants),
            "role_grants": sorted((g.role, g.grantee_kind, g.grantee) for g in account.role_grants),
            "service_role_grants": sorted(
                (g.service, g.service_role, g.role) for g in account.service_role_grants
            ),
            "images": sorted(
                (path, image) for path, images in account.images.items() for image in images
            ),
        }


def deployed_steps(plan: Plan) -> set[str]:
    """The steps a deployment from nothing runs when its images are in place already (all
    its statements and uploads), so a converged state records each as this tool's."""
    return {s.id for s in plan.steps if s.kind in (StepKind.SQL, StepKind.PUT)}


KINDS = ("refused", "answer-lost", "emulator-restart")


def emulator_at(state: Path, port: int = 0) -> Emulator:
    e = Emulator(
        EmulatorSettings(state_dir=state, admin_password=ADMIN_PASSWORD, run_services=False),
        Faults(),
    )
    e.start(port=port)
    return e


def with_images(world: World) -> None:
    """The images as pushed before the deploy: its image steps only check (the push's own
    interruptions, a registry dying mid-push and coming back, are in test_images.py)."""
    for step in world.plan.steps:
        if step.kind is StepKind.IMAGE:
            world.push(step)


def quick_retries() -> Iterator[float]:
    """The connector's retry policy with 20 ms pauses instead of its default 1 s and
    more: the same retries, without a minute of waiting across 33 of them."""
    return itertools.repeat(0.02)


class Restarts:
    """The emulator is stopped and started again on the same port and state directory
    right after the statement ran: its sessions are gone, its account is what it saved."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.lock = threading.Lock()

    def __call__(self, target: Target) -> bool:
        with self.lock:
            old = self.world.emu
            port, settings = old.port, old.settings
            drill = old.faults.drill
            old.stop()
            new = emulator_at(settings.state_dir, port)
            new.faults.drill = drill
            self.world.emu = new
        return True


def drill_for(kind: str, world: World, steps: list[Step], key_of: Callable[[Step], str]) -> Drill:
    """The drill of one kind at each of the steps, installed in the world's emulator."""
    world.connect_options = {"backoff_policy": quick_retries}
    # A lost answer is retried by the connector, so the run goes on: every step's answer
    # is lost in the same run. The other kinds stop the run: one per run.
    drill = Drill(targets(steps, key_of), one_per_run=kind != "answer-lost")
    if kind == "refused":
        drill.refuse = SnowflakeError(390144, "08001", "Injected: connection lost.")
    elif kind == "emulator-restart":
        drill.action = Restarts(world)
    world.emu.faults.drill = drill
    return drill


def rerun_until_done(
    drill: Drill,
    run: Callable[[], StepFailed | None],
    on_stop: Callable[[StepFailed], None] = lambda failed: None,
) -> int:
    """Runs ``run`` (one deploy or teardown; its failure or None) until it finishes with
    every target fired. A run that stops must have met exactly one interruption and name
    its step; ``on_stop`` checks more. Returns the number of runs."""
    limit = len(drill.pending) + len(drill.fired) + 1
    runs = 0
    while True:
        runs += 1
        assert runs <= limit, f"no convergence; fired at {[t.step_id for t in drill.fired]}"
        drill.new_run()
        before = len(drill.fired)
        failed = run()
        if failed is None and not drill.pending:
            return runs
        if failed is not None:
            assert len(drill.fired) == before + 1, failed
            assert failed.step_id == drill.fired[-1].step_id
            on_stop(failed)

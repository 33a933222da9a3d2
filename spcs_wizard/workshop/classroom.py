"""A workshop's deployments run together: provision, look, suspend, resume, tear down.

Each attendee's deployment is an ordinary one (``DeploymentSession``: checked steps,
resumable, its own local state), so a workshop run that stops anywhere picks up where it
was on the next run. They run side by side over a bounded pool of connections (each one
a login; ``--connections``), in three phases so that no attendee's compute pool waits
for another's:

1. the account-wide objects (the OAuth integration, the account grants), once, by the
   first attendee's run; the others find them in place;
2. every attendee's objects, up to and including the compute pools (which then start,
   all at once, in Snowflake);
3. every attendee's waits, specifications and services (their pools are starting or up
   by the time a connection reaches them).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from snowflake.connector.errors import Error as ConnectorError

from spcs_wizard.engine.deployment_session import DeploymentSession, ImageMode, Target
from spcs_wizard.engine.outcome import Outcome
from spcs_wizard.model.plan_steps import ownership_comment
from spcs_wizard.model.step import StepKind
from spcs_wizard.workshop import shared_pools
from spcs_wizard.workshop.credentials import AttendeeCredentials
from spcs_wizard.workshop.roster import Attendee
from spcs_wizard.workshop.workshop import Workshop

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.engine.snapshot import Snapshot
    from spcs_wizard.model.identifiers import Identifier
    from spcs_wizard.model.plan import Plan

SWITCHED = {"suspend": "suspended", "resume": "resumed"}
Phase = Literal["shared", "objects", "services", "status", "suspend", "resume", "teardown", "reset"]


@dataclass(frozen=True)
class AttendeeResult:
    attendee: Attendee
    phase: Phase
    ok: bool
    detail: str
    hint: str = ""
    seconds: float = 0.0
    # A deploy's steps (provision), kept to say the phases of one attendee as one.
    outcome: Outcome | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "attendee": self.attendee.slug,
            "phase": self.phase,
            "ok": self.ok,
            "detail": self.detail,
            "hint": self.hint,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class ClassReport:
    action: str
    results: list[AttendeeResult] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # what else the instructor should know

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def failed(self) -> list[AttendeeResult]:
        return [r for r in self.results if not r.ok]

    def to_dict(self) -> dict[str, object]:
        return {
            "action": self.action,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "results": [r.to_dict() for r in self.results],
            "notes": self.notes,
        }


class RunnerPool:
    """Up to ``size`` open connections, each used by one attendee's work at a time.

    They are opened one after another in the calling thread (a login may ask for an MFA
    passcode), the first time they are needed."""

    def __init__(self, connect: Callable[[], SqlRunner], size: int) -> None:
        self.connect = connect
        self.size = size
        self._all: list[SqlRunner] = []
        self._free: queue.Queue[SqlRunner] = queue.Queue()

    def open(self, wanted: int) -> None:
        while len(self._all) < min(wanted, self.size):
            runner = self.connect()
            self._all.append(runner)
            self._free.put(runner)

    @contextmanager
    def borrow(self) -> Iterator[SqlRunner]:
        self.open(1)
        runner = self._free.get()
        runner.forget_checks()  # another connection may have changed the account since
        try:
            yield runner
        finally:
            self._free.put(runner)

    def close(self) -> None:
        for runner in self._all:
            runner.con.close()
        self._all.clear()


def _shared_steps(plan: Plan) -> set[str]:
    """The steps made once for the class: the account-wide ones and, with the class's
    image repository, the images."""
    images = plan.deployment.names().shared_repository
    return {
        s.id
        for s in plan.steps
        if (s.target is not None and s.target.shared) or (images and s.kind is StepKind.IMAGE)
    }


def _shared(plan: Plan) -> Plan:
    once = _shared_steps(plan)
    return replace(plan, steps=[s for s in plan.steps if s.id in once])


def _first_wait(plan: Plan) -> int:
    return next((i for i, s in enumerate(plan.steps) if s.kind is StepKind.WAIT), len(plan.steps))


def _objects(plan: Plan) -> Plan:
    """Everything before the first wait (the pools are made there), the shared left out."""
    once = _shared_steps(plan)
    steps = plan.steps[: _first_wait(plan)]
    return replace(plan, steps=[s for s in steps if s.id not in once])


def _services(plan: Plan) -> Plan:
    return replace(plan, steps=plan.steps[_first_wait(plan) :])


@dataclass
class Classroom:
    workshop: Workshop
    target: Target
    directory: Path  # where the workshop's record lives
    image_mode: ImageMode = "build"
    credentials: AttendeeCredentials | None = None
    should_stop: Callable[[], bool] = lambda: False
    _sessions: dict[str, DeploymentSession] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.credentials is None:
            self.credentials = AttendeeCredentials.of(self.workshop.name, self.target.record_name)

    def session(self, attendee: Attendee) -> DeploymentSession:
        if attendee.slug not in self._sessions:
            d = self.workshop.deployment(attendee)
            self._sessions[attendee.slug] = DeploymentSession(
                self.target, d, image_mode=self.image_mode, workshop=self.workshop.name
            )
        return self._sessions[attendee.slug]

    def pool(self) -> RunnerPool:
        return RunnerPool(self.target.connect, self.workshop.connections)

    # -- provisioning ---------------------------------------------------------------------
    def provision(
        self,
        pool: RunnerPool,
        on_result: Callable[[AttendeeResult], None] = lambda _: None,
    ) -> ClassReport:
        started = time.perf_counter()
        report = ClassReport("provision")
        assert self.credentials is not None
        self.credentials.require()
        sessions = [self.session(a) for a in self.workshop.attendees]
        passwords = self.credentials.ensure([s.deployment for s in sessions])
        for session in sessions:
            session.given_secrets.update(passwords[session.deployment.deployment_id])
        self.workshop.save(self.directory)
        first = self.workshop.attendees[0]
        shared = self._shared_in_the_way(pool, first) or self._deploy_one(
            pool, first, "shared", _shared
        )
        if shared.ok and self.workshop.shared_pools:
            raised: list[str] = []
            shared = self._claim_pools(pool, first, raised.append) or shared
            if raised:  # a class that grew: its shared pools hold more now
                shared = replace(shared, detail=f"{shared.detail}; {'; '.join(raised)}")
        on_result(shared)
        if not shared.ok:
            report.results.append(shared)
            return self._ended(report, started)
        objects = self.each(
            pool,
            self.workshop.attendees,
            lambda a: self._deploy_one(pool, a, "objects", _objects),
            on_result,
        )
        made = {r.attendee.slug: r for r in objects if r.ok}
        report.results.extend(r for r in objects if not r.ok)
        # Each attendee's line says their whole deployment, both phases: the counts match
        # the plan's objects for each attendee.
        services = self.each(
            pool,
            [r.attendee for r in objects if r.ok],
            lambda a: _whole(made[a.slug], self._deploy_one(pool, a, "services", _services)),
            on_result,
        )
        report.results.extend(services)
        order = {a.slug: i for i, a in enumerate(self.workshop.attendees)}
        report.results.sort(key=lambda r: order[r.attendee.slug])
        for result in report.results:
            self.note(result)
        return self._ended(report, started)

    def _deploy_one(
        self, pool: RunnerPool, attendee: Attendee, phase: Phase, part: Callable[[Plan], Plan]
    ) -> AttendeeResult:
        started = time.perf_counter()
        session = self.session(attendee)
        try:
            with pool.borrow() as runner:
                outcome = session.deploy(runner, should_stop=self.should_stop, part=part)
        except (ConnectorError, OSError, RuntimeError) as exc:
            return AttendeeResult(
                attendee, phase, False, f"the connection failed: {exc}", "run provision again"
            )
        seconds = time.perf_counter() - started
        if phase == "shared" and outcome.ok and outcome.done:
            with self._lock:
                self.workshop.shared_made_by = attendee.slug
                self.workshop.save(self.directory)
        return _deployed(attendee, phase, outcome, seconds)

    def _admin_role(self) -> Identifier:
        return self.session(self.workshop.attendees[0]).deployment.names().sys_admin

    def _shared_in_the_way(self, pool: RunnerPool, first: Attendee) -> AttendeeResult | None:
        """Before anything is made: nothing the class shares (its pools, its images'
        database) has a name someone else's object already has."""
        w = self.workshop
        objects = [("COMPUTE POOLS", p.name) for p in w.shared_pools]
        if w.images == "shared":
            objects.append(("DATABASES", w.images_database))
        if not objects:
            return None
        ours = {ownership_comment(self.session(a).deployment) for a in w.attendees}
        return self._on_pools(
            pool,
            first,
            lambda r: shared_pools.foreign(r, self._admin_role(), objects, ours),
            "nothing of the class was made",
        )

    def _claim_pools(
        self, pool: RunnerPool, first: Attendee, on_change: Callable[[str], None]
    ) -> AttendeeResult | None:
        """After the account-wide objects: the shared pools hold the whole class."""
        return self._on_pools(
            pool,
            first,
            lambda r: shared_pools.claim(
                r, self._admin_role(), self.workshop.shared_pools, on_change
            ),
            "'workshop teardown' removes what was made",
        )

    def _on_pools(
        self,
        pool: RunnerPool,
        first: Attendee,
        work: Callable[[SqlRunner], str | None],
        hint: str,
    ) -> AttendeeResult | None:
        try:
            with pool.borrow() as runner:
                problem = work(runner)
        except ConnectorError as exc:
            problem = f"the shared compute pools could not be checked: {exc}"
        return None if problem is None else AttendeeResult(first, "shared", False, problem, hint)

    def each(
        self,
        pool: RunnerPool,
        attendees: list[Attendee],
        work: Callable[[Attendee], AttendeeResult],
        on_result: Callable[[AttendeeResult], None],
    ) -> list[AttendeeResult]:
        """``work`` for every attendee, at most ``pool.size`` at once; results in order."""
        if not attendees:
            return []
        pool.open(len(attendees))  # here, in this thread: a login may ask for a passcode

        def one(attendee: Attendee) -> AttendeeResult:
            result = work(attendee)
            on_result(result)
            return result

        with ThreadPoolExecutor(pool.size, thread_name_prefix="workshop") as executor:
            return list(executor.map(one, attendees))

    def note(self, result: AttendeeResult) -> None:
        with self._lock:
            if result.ok:
                self.workshop.last_errors.pop(result.attendee.slug, None)
            else:
                self.workshop.last_errors[result.attendee.slug] = result.detail
            self.workshop.save(self.directory)

    def _ended(self, report: ClassReport, started: float) -> ClassReport:
        report.seconds = time.perf_counter() - started
        return report

    # -- looking --------------------------------------------------------------------------
    def snapshots(self, pool: RunnerPool) -> dict[str, Snapshot | AttendeeResult]:
        """One look at every attendee's deployment (a failed look: why): the class's pools
        and services listed once, then each one's containers and endpoints
        (``class_look``)."""
        from spcs_wizard.workshop.class_look import look_at_class

        return look_at_class(self, pool)

    # -- acting on all ----------------------------------------------------------------------
    def switch(
        self,
        pool: RunnerPool,
        verb: Literal["suspend", "resume"],
        on_result: Callable[[AttendeeResult], None] = lambda _: None,
    ) -> ClassReport:
        from spcs_wizard.engine.operations import switch

        started = time.perf_counter()

        def one(attendee: Attendee) -> AttendeeResult:
            began = time.perf_counter()
            d = self.session(attendee).deployment
            try:
                with pool.borrow() as runner:
                    ran = switch(runner, d, verb)
            except ConnectorError as exc:
                return AttendeeResult(attendee, verb, False, str(exc), f"run {verb} again")
            done = SWITCHED[verb]
            if self.workshop.shared_pools:  # the class's pools: once, for everyone
                detail = f"{len(ran)} statements ({done} services; the class's pools once)"
            else:
                order = "services, then pools" if verb == "suspend" else "pools, then services"
                detail = f"{len(ran)} statements ({done} {order})"
            return AttendeeResult(attendee, verb, True, detail, "", time.perf_counter() - began)

        report = ClassReport(verb)
        shared = self.workshop.shared_pools
        if shared and verb == "resume":  # the class's pools first, then everyone's services
            report.results += self._switch_pools(pool, verb)
        if report.ok:
            report.results += self.each(pool, self.workshop.attendees, one, on_result)
        if shared and verb == "suspend" and report.ok:  # every service down: the pools too
            report.results += self._switch_pools(pool, verb)
        return self._ended(report, started)

    def _switch_pools(
        self, pool: RunnerPool, verb: Literal["suspend", "resume"]
    ) -> list[AttendeeResult]:
        """The class's shared pools, once; a failure is reported with the first attendee."""
        try:
            with pool.borrow() as runner:
                shared_pools.switch(runner, self._admin_role(), self.workshop.shared_pools, verb)
        except ConnectorError as exc:
            first = self.workshop.attendees[0]
            detail = f"the class's shared compute pools: {exc}"
            return [AttendeeResult(first, verb, False, detail, f"run {verb} again")]
        return []

    def teardown(
        self,
        pool: RunnerPool,
        keep_data: bool = False,
        on_result: Callable[[AttendeeResult], None] = lambda _: None,
    ) -> ClassReport:
        """Remove every attendee's deployment; the shared objects go last, with the
        attendee whose run made them (``class_teardown``)."""
        from spcs_wizard.workshop.class_teardown import teardown_class

        return teardown_class(self, pool, keep_data, on_result)


def _deployed(attendee: Attendee, phase: Phase, outcome: Outcome, seconds: float) -> AttendeeResult:
    if outcome.failed is not None:
        failed = outcome.failed
        return AttendeeResult(
            attendee, phase, False, f"{failed.step_id}: {failed.message}", failed.hint, seconds
        )
    if outcome.stopped:
        return AttendeeResult(attendee, phase, False, "stopped", "run provision again", seconds)
    return AttendeeResult(attendee, phase, True, outcome.said(), "", seconds, outcome)


def _whole(first: AttendeeResult, then: AttendeeResult) -> AttendeeResult:
    """The attendee's second phase said with the first: steps and seconds of both."""
    if not then.ok or first.outcome is None or then.outcome is None:
        return then
    both = Outcome(
        first.outcome.done + then.outcome.done, first.outcome.skipped + then.outcome.skipped
    )
    return replace(then, detail=both.said(), seconds=first.seconds + then.seconds, outcome=both)

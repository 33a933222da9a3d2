"""One deployment against one target (a real account, or the rehearsal emulator): what
the wizard's screens drive. Every operation reports through the engine's events; none
knows about a user interface.

Each call that talks to the account takes a ``SqlRunner`` the caller opened with
``connect()``: the wizard keeps one per background activity (deploying, monitoring),
because a connection's session, and the role it is in, is not shared between activities
(a runner's own questions asked side by side keep to one role: ``SqlRunner.ask_together``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from spcs_wizard.engine.events import Listener, ignore
from spcs_wizard.engine.state import DeploymentState
from spcs_wizard.model.plan import Plan, build_plan
from spcs_wizard.model.secret_rules import new_password, secret_problem, secret_variable
from spcs_wizard.model.step import StepKind
from spcs_wizard.paths import deployment_dir

if TYPE_CHECKING:
    from spcs_wizard.engine.images import ImageBlocked
    from spcs_wizard.engine.outcome import Outcome
    from spcs_wizard.engine.preflight import Finding
    from spcs_wizard.engine.rehearsal import Rehearsal
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.engine.snapshot import AccountClock, KeptReadings, Listing, Snapshot
    from spcs_wizard.engine.teardown import Teardown, TeardownOutcome
    from spcs_wizard.images.builder import Builder
    from spcs_wizard.images.push import PushEvent
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.sql import SecretSlot
    from spcs_wizard.model.step import Step

ImageMode = Literal["build", "record"]


@dataclass
class Target:
    """Where a deployment goes: a connection from connections.toml, or the rehearsal."""

    connection_name: str | None = None
    rehearsal: Rehearsal | None = None

    @property
    def is_rehearsal(self) -> bool:
        return self.rehearsal is not None

    @property
    def label(self) -> str:
        if self.rehearsal is not None:
            return f"rehearsal ({self.rehearsal.account}, local emulator)"
        return f"connection {self.connection_name}"

    @property
    def account_clock(self) -> AccountClock | None:
        """The account's clock, when it is not this machine's: a rehearsal's runs fast,
        and the times its containers report are read against it."""
        return self.rehearsal.started.clock if self.rehearsal is not None else None

    def connect(self, ask_passcode: Callable[[], str | None] | None = None) -> SqlRunner:
        """A new connection; raises ``ConnectionFailedError`` with the reason."""
        import snowflake.connector

        from spcs_wizard.connection import ConnectionFailedError, open_connection
        from spcs_wizard.engine.runner import SqlRunner

        if self.rehearsal is not None:
            try:
                return SqlRunner(self.rehearsal.connect())
            except snowflake.connector.errors.Error as exc:
                raise ConnectionFailedError(f"the rehearsal emulator refused: {exc}") from None
        return SqlRunner(open_connection(self.connection_name or "default", None, ask_passcode))

    @property
    def record_name(self) -> str | None:
        """The connection's name as a record keeps it (None: the rehearsal)."""
        return None if self.rehearsal is not None else self.connection_name or "default"

    def state_dir(self, deployment_id: str) -> Path:
        if self.rehearsal is not None:  # never mixed with a real account's state
            return self.rehearsal.directory / "deployments" / deployment_id.lower()
        return deployment_dir(deployment_id)


@dataclass(frozen=True)
class Record:
    """The local record of a deployment's steps: those this tool ran, those begun and
    not known to have ended (a run cut short), and where the wizard picks up."""

    executed: set[str]
    pending: set[str]
    point: Literal["start", "deploy", "monitor"]
    # The steps of account-wide objects (the ingress integration, BIND SERVICE ENDPOINT),
    # which a teardown leaves for other deployments.
    shared: frozenset[str] = frozenset()
    # Steps an earlier run found done (not by this tool) or waited through.
    seen: frozenset[str] = frozenset()

    @property
    def done(self) -> set[str]:
        """Every step an earlier run saw done: ran, found in place, or waited through."""
        return (self.executed | self.seen) - self.pending

    @property
    def only_shared(self) -> bool:
        """All that is recorded is account-wide: what a teardown left, no deployment."""
        return bool(self.executed) and not self.pending and self.executed <= self.shared


def secret_slots(plan: Plan) -> list[SecretSlot]:
    """The secrets a deployment needs, each once, in plan order."""
    seen: dict[str, SecretSlot] = {}
    for step in plan.steps:
        for sql in step.statements:
            for slot in sql.secrets:
                seen.setdefault(slot.key, slot)
    return list(seen.values())


@dataclass
class DeploymentSession:
    target: Target
    deployment: Deployment
    image_mode: ImageMode = "build"
    contexts: Path | None = None  # image build contexts; default: the project's images/
    builder: Builder | None = None
    given_secrets: dict[str, str] = field(default_factory=dict, repr=False)
    # Asked when a step needs a secret nothing provides (the CLI's masked prompt); the
    # wizard asks for ``missing_secrets()`` before it deploys instead.
    ask_secret: Callable[[SecretSlot], str] | None = None
    # Existing objects (plan target names) to take over instead of refusing (--adopt).
    adopt: frozenset[str] = frozenset()
    workshop: str | None = None  # the workshop whose attendee this deployment is
    _kept: KeptReadings | None = field(default=None, repr=False, compare=False)

    # -- what will happen -------------------------------------------------------------------
    def plan(self) -> Plan:
        return build_plan(self.deployment, self.state_dir / "specs")

    @property
    def state_dir(self) -> Path:
        return self.target.state_dir(self.deployment.deployment_id)

    def state(self) -> DeploymentState:
        return DeploymentState.load(self.state_dir / "state.json", self.deployment.deployment_id)

    def missing_secrets(self, images_only: bool = False) -> list[SecretSlot]:
        """Secrets that nothing provides yet, or whose value cannot be used (the screen
        asks for these); with ``images_only``, those of the steps up to the images."""
        plan = self.images_plan() if images_only else self.plan()
        return [slot for slot, value, problem in self._provided(plan) if value is None or problem]

    def unusable_secrets(self) -> list[str]:
        """Why each secret already provided (the environment, the keyring) cannot be used:
        checked before anything runs, so a weak password never stops a deploy halfway."""
        problems = []
        for slot, value, problem in self._provided(self.plan()):
            if problem is not None:
                variable = secret_variable(slot)
                source = variable if os.environ.get(variable) == value else "the keyring"
                problems.append(f"the {slot.description} from {source} cannot be used: {problem}")
        return problems

    def _provided(self, plan: Plan) -> Iterator[tuple[SecretSlot, str | None, str | None]]:
        """Each secret the plan needs, the value something provides, and why that value
        cannot be used (None: usable, or nothing provided)."""
        for slot in secret_slots(plan):
            value = self._known_secret(slot)
            yield slot, value, None if value is None else secret_problem(slot, value)

    def images_plan(self) -> Plan:
        """The plan up to its last image step (what Build & push runs)."""
        plan = self.plan()
        last = max(i for i, s in enumerate(plan.steps) if s.kind is StepKind.IMAGE)
        return replace(plan, steps=plan.steps[: last + 1])

    def give_secret(self, slot: SecretSlot, value: str, keep: bool = True) -> str | None:
        """Use ``value`` for this deployment; kept in the OS keyring when ``keep`` and one
        is available. Returns why it was not kept, if it was not."""
        self.given_secrets[slot.key] = value
        if not keep or self.target.is_rehearsal:
            return None
        from spcs_wizard.credentials import keychain

        try:
            keychain.store(keychain.deployment_key(self.deployment.deployment_id, slot.key), value)
        except keychain.KeychainUnavailableError as exc:
            return str(exc)
        return None

    def _known_secret(self, slot: SecretSlot) -> str | None:
        if slot.key in self.given_secrets:
            return self.given_secrets[slot.key]
        from_environment = os.environ.get(secret_variable(slot))
        if from_environment:
            return from_environment
        # Nobody logs in to a rehearsal's notebook; a generated secret nobody ever types.
        if self.target.is_rehearsal or slot.generated:
            return self.given_secrets.setdefault(slot.key, new_password())
        from spcs_wizard.credentials import keychain

        return keychain.load(keychain.deployment_key(self.deployment.deployment_id, slot.key))

    def _secret(self, slot: SecretSlot) -> str:
        value = self._known_secret(slot)
        if value is None and self.ask_secret is not None:
            value = self.ask_secret(slot)
        if value is None:
            raise KeyError(f"no value for the {slot.description}")
        return value

    # -- doing it ----------------------------------------------------------------------------
    def connect(self, ask_passcode: Callable[[], str | None] | None = None) -> SqlRunner:
        return self.target.connect(ask_passcode)

    def preflight(self, runner: SqlRunner) -> list[Finding]:
        from spcs_wizard.engine import preflight

        return preflight.run(runner, self.plan())

    def deploy(
        self,
        runner: SqlRunner,
        on_event: Listener = ignore,
        on_push: Callable[[PushEvent], None] | None = None,
        on_line: Callable[[str], None] | None = None,
        images_only: bool = False,
        should_stop: Callable[[], bool] = lambda: False,
        part: Callable[[Plan], Plan] | None = None,
    ) -> Outcome:
        """Run the plan (check first, so done steps are skipped). ``images_only`` stops
        after the image steps (and what they need: the repository); ``part`` runs only
        the steps it keeps, in order (a workshop runs each attendee's plan in phases);
        ``should_stop``, asked before each step, ends the run there (a later run resumes
        from it)."""
        from spcs_wizard.engine.apply import Deployer
        from spcs_wizard.engine.known_deployments import remember

        plan = self.images_plan() if images_only else self.plan()
        if part is not None:
            plan = part(plan)
        remember(self.state_dir, self.deployment, self.target.record_name, self.workshop)
        pusher = self._pusher(runner, on_push, on_line)
        deployer = Deployer(
            runner,
            plan,
            self.state(),
            self._secret,
            push_image=pusher,
            image_blocker=getattr(pusher, "blocked", None),  # recording needs no tool
            on_event=on_event,
            should_stop=should_stop,
            adopt=self.adopt,
        )
        return deployer.run()

    def images_blocked(self) -> list[ImageBlocked]:
        """Why this machine cannot make each image the deployment needs (no skopeo,
        docker or podman), from the tools alone (no account: an image already in the
        repository would not need it). Empty when it can, or the rehearsal records them.
        Probes the tools: call it off the UI thread."""
        from spcs_wizard.engine.images import RegistryPusher

        if self._records_images:
            return []
        pusher = RegistryPusher(None, self.deployment, builder=self.builder)  # type: ignore[arg-type]
        if self.target.rehearsal is not None:
            pusher.copier_env = self.target.rehearsal.builder_env()
        steps = [s for s in self.plan().steps if s.kind is StepKind.IMAGE]
        blocked = [found for step in steps if (found := pusher.blocked(step)) is not None]
        self.builder = self.builder or pusher.builder  # found: the deploy need not look again
        return blocked

    @property
    def _records_images(self) -> bool:
        """The rehearsal records images as pushed instead of building them (unless asked
        to build, and only where it has a registry)."""
        rehearsal = self.target.rehearsal
        return rehearsal is not None and (self.image_mode == "record" or not rehearsal.has_registry)

    def _pusher(
        self,
        runner: SqlRunner,
        on_push: Callable[[PushEvent], None] | None,
        on_line: Callable[[str], None] | None,
    ) -> Callable[[Step], None]:
        from spcs_wizard.engine.images import CONTEXTS, RegistryPusher
        from spcs_wizard.images.push import PushEvent, PushLedger

        contexts = self.contexts or CONTEXTS
        rehearsal = self.target.rehearsal
        if rehearsal is not None and self._records_images:

            def record(step: Step) -> None:
                digest = rehearsal.record_image(self.deployment, step, contexts)
                if on_push is not None:
                    on_push(PushEvent("recorded", digest))

            return record
        pusher = RegistryPusher(
            runner,
            self.deployment,
            contexts=contexts,
            ledger=PushLedger(self.state_dir / "pushed.json"),
            builder=self.builder,
            on_line=on_line or (lambda line: None),
            on_push=on_push or (lambda event: None),
            fallback_login=self._fallback_login,
        )
        if rehearsal is not None:
            pusher.copier_env = rehearsal.builder_env()  # its registry is plain HTTP
        return pusher

    def _fallback_login(self) -> tuple[str, str] | None:
        """The connection's PAT or password, for a registry that refuses the token."""
        if self.target.rehearsal is not None:
            args = self.target.rehearsal.connect_args()
            return str(args["user"]), str(args["password"])
        from spcs_wizard.connection import registry_credentials_of

        return registry_credentials_of(self.target.connection_name or "default")

    def snapshot(self, runner: SqlRunner, listing: Listing | None = None) -> Snapshot:
        """One look at the deployment; what it reads is kept for the next look (the
        monitor's refreshes): endpoints read again when they may have changed, a healthy
        service's containers in turn (``KeptReadings``). Its pools and services are taken
        from ``listing`` when one was read for several deployments (a class's look)."""
        from spcs_wizard.engine.snapshot import KeptReadings, take

        if self._kept is None:
            self._kept = KeptReadings()
        return take(runner, self.deployment, self.target.account_clock, self._kept, listing)

    def teardown_preview(self, keep_data: bool = False, include_shared: bool = False) -> list[Step]:
        from spcs_wizard.engine.teardown import preview

        return preview(self.plan(), keep_data=keep_data, include_shared=include_shared)

    def teardown(
        self,
        runner: SqlRunner,
        on_event: Listener = ignore,
        keep_data: bool = False,
        include_shared: bool = False,
        include_adopted: bool = False,
        should_stop: Callable[[], bool] = lambda: False,
        part: Callable[[Plan], Plan] | None = None,
    ) -> TeardownOutcome:
        """Undo what this deployment made; ``part`` narrows the plan it undoes (a workshop
        keeps account-wide objects that other deployments still use)."""
        from spcs_wizard.engine.known_deployments import refresh

        teardown = self._teardown(runner, on_event, keep_data, include_shared, include_adopted)
        teardown.should_stop = should_stop
        if part is not None:
            teardown.plan = part(teardown.plan)
        refresh(self.state_dir, self.deployment, self.target.record_name)
        return teardown.run()

    def teardown_survey(
        self,
        runner: SqlRunner,
        keep_data: bool = False,
        include_shared: bool = False,
        include_adopted: bool = False,
    ) -> list[Step]:
        """What a teardown would remove now, from the account (checks only)."""
        return self._teardown(runner, ignore, keep_data, include_shared, include_adopted).survey()

    def _teardown(
        self,
        runner: SqlRunner,
        on_event: Listener,
        keep_data: bool,
        include_shared: bool,
        include_adopted: bool,
    ) -> Teardown:
        from spcs_wizard.engine.teardown import Teardown

        return Teardown(
            runner,
            self.plan(),
            self.state(),
            keep_data,
            include_shared,
            include_adopted=include_adopted,
            on_event=on_event,
        )

    def record(self) -> Record:
        """What the local record says of the plan's steps (one read of the state)."""
        from spcs_wizard.engine.known_deployments import left_at

        plan, state = self.plan(), self.state()
        ids = {s.id for s in plan.steps}
        left = left_at(self.state_dir)
        pending = set(state.pending) | ({left} if left else set())
        point = self._point(plan, state, left)
        executed = ids & set(state.executed)
        seen = frozenset(ids & set(state.seen)) - executed
        return Record(executed, ids & pending, point, plan.shared_ids, seen)

    def resume_point(self) -> Literal["start", "deploy", "monitor"]:
        """Where the wizard picks up (``record().point``, without the rest)."""
        from spcs_wizard.engine.known_deployments import left_at

        return self._point(self.plan(), self.state(), left_at(self.state_dir))

    def _point(
        self, plan: Plan, state: DeploymentState, left: str | None
    ) -> Literal["start", "deploy", "monitor"]:
        """Where the wizard picks up: nothing of ours in the account, part of it, or the
        services (and a run not cut short: one left at a wait, after its services were
        made, still has steps to run). The local state records what this tool ran;
        teardown forgets what it removed (and the images, gone with their repository) but
        keeps shared objects (left in place), so those do not count."""
        kept = plan.shared_ids
        own = {s.id for s in plan.steps if s.kind in (StepKind.SQL, StepKind.PUT)} - kept
        made = own & (set(state.executed) | set(state.pending))
        if not made:
            return "start"
        services = {f"service-{key}" for key in self.deployment.service_keys}
        cut_short = bool(state.pending) or left is not None
        return "monitor" if services <= made and not cut_short else "deploy"

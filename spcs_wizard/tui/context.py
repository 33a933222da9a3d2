"""What the wizard's screens share: the chosen target, the deployment being edited, and
the session over both. No I/O here; screens run the session's calls in workers.

The deployment model and the session are imported when first read, not when the wizard
starts: the first screen is drawn before them (benchmarks/tui_bench.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from spcs_wizard.console.console import Answer
    from spcs_wizard.engine.deployment_session import DeploymentSession, ImageMode, Target
    from spcs_wizard.engine.rehearsal import Rehearsal
    from spcs_wizard.images.builder import Builder
    from spcs_wizard.model.deployment import Deployment

Mode = Literal["rehearsal", "account"]


@dataclass
class ConsoleView:
    """What the console showed when it was left, shown again when it comes back (for the
    same deployment and target: ``subject``)."""

    subject: str
    collection: str
    history: list[str]
    # The boxes as typed, by id: the question, the filter expression, and the filter
    # builder's field, operator and value.
    typed: dict[str, str]
    answer: Answer | None


_MAKING = threading.Lock()  # the rehearsal is made by the first thread to need it


@dataclass
class WizardContext:
    # The deployment chosen (settings, last time's draft, Naming): ``deployment``. None
    # until first read (``prepare`` reads it in a worker), then last time's draft when
    # ``use_draft``, else the default one.
    chosen: Deployment | None = field(default=None, repr=False)
    use_draft: bool = False
    mode: Mode = "rehearsal"
    connection_name: str | None = None
    # The connection the wizard started on, and where it was given ("-c", or the variable
    # that gives it when -c is not): Welcome says so, or the account's choice comes
    # unexplained.
    started_on: tuple[str, str] | None = None
    rehearsal: Rehearsal | None = None  # made when first needed: ``made_rehearsal``
    rehearsal_speed: float | None = None  # for the rehearsal made here (None: its default)
    image_mode: ImageMode = "record"
    contexts: Path | None = None  # image build contexts (tests use tiny ones)
    builder: Builder | None = None
    refresh_seconds: float = 5.0
    connected_as: str | None = None
    from_draft: bool = False  # the settings are the ones Naming had last time
    told_draft: bool = False  # Welcome said so (once a run, not on each visit)
    # Naming's fields as typed when it was left with a name that is not valid (the
    # deployment keeps the last valid ones): shown again on its return.
    naming_typed: dict[str, str] = field(default_factory=dict)
    resume_after_connect: bool = False  # a known deployment was picked: go where it stopped
    after_connect: str | None = None  # a step asked for before a target was reached
    console_view: ConsoleView | None = None
    _session: DeploymentSession | None = field(default=None, repr=False)

    def given_where(self) -> str:
        """Where the connection now chosen was given, while it is the one the wizard
        started on ("" once another is chosen, or for none)."""
        if self.started_on is not None and self.started_on[0] == self.connection_name:
            return self.started_on[1]
        return ""

    @property
    def deployment(self) -> Deployment:
        if self.chosen is None:
            self.settle(self.prepare())
        assert self.chosen is not None
        return self.chosen

    @deployment.setter
    def deployment(self, deployment: Deployment) -> None:
        self.chosen = deployment

    def prepare(self) -> tuple[Deployment, bool]:
        """The deployment to start with and whether it is last time's draft, without
        keeping it (a worker's call: it imports the model and may read the draft)."""
        if self.chosen is not None:
            return self.chosen, self.from_draft
        from spcs_wizard.engine.known_deployments import starting_deployment
        from spcs_wizard.model.deployment import Deployment

        return starting_deployment(Deployment()) if self.use_draft else (Deployment(), False)

    def settle(self, prepared: tuple[Deployment, bool]) -> None:
        """Keep what ``prepare`` found, unless a deployment was chosen meanwhile."""
        if self.chosen is None:
            self.chosen, self.from_draft = prepared

    def made_rehearsal(self) -> Rehearsal:
        """The rehearsal (its emulator not started), made on first call."""
        with _MAKING:
            if self.rehearsal is None:
                from spcs_wizard.engine.rehearsal import Rehearsal

                speed = self.rehearsal_speed
                self.rehearsal = Rehearsal() if speed is None else Rehearsal(speed=speed)
            return self.rehearsal

    @property
    def target(self) -> Target:
        from spcs_wizard.engine.deployment_session import Target

        if self.mode == "rehearsal":
            return Target(rehearsal=self.rehearsal)
        return Target(connection_name=self.connection_name)

    @property
    def session(self) -> DeploymentSession:
        """The session for the current choices (rebuilt when a choice changes)."""
        from spcs_wizard.engine.deployment_session import DeploymentSession

        s = self._session
        if (
            s is None
            or s.deployment is not self.deployment
            or s.target != self.target
            or s.image_mode != self.image_mode
        ):
            given = s.given_secrets if s is not None else {}
            s = self._session = DeploymentSession(
                self.target,
                self.deployment,
                self.image_mode,
                self.contexts,
                self.builder,
                given_secrets=given,
            )
        return s

    @property
    def job_subject(self) -> str:
        """What a job started now runs on: these settings (names, sizes) on this target."""
        import hashlib

        settings = self.deployment.model_dump_json().encode()
        rehearsal = self.mode == "rehearsal"
        where = "the rehearsal" if rehearsal else f"connection {self.connection_name}"
        return f"{hashlib.sha256(settings).hexdigest()[:16]} on {where}"

    @property
    def ready(self) -> bool:
        """A target to talk to has been chosen and reached."""
        return self.connected_as is not None

"""What the wizard's screens share: the chosen target, the deployment being edited, and
the session over both. No I/O here; screens run the session's calls in workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from spcs_wizard.engine.deployment_session import DeploymentSession, ImageMode, Target
from spcs_wizard.model.deployment import Deployment

if TYPE_CHECKING:
    from spcs_wizard.engine.rehearsal import Rehearsal
    from spcs_wizard.images.builder import Builder

Mode = Literal["rehearsal", "account"]


@dataclass
class WizardContext:
    deployment: Deployment = field(default_factory=Deployment)
    mode: Mode = "rehearsal"
    connection_name: str | None = None
    rehearsal: Rehearsal | None = None
    image_mode: ImageMode = "record"
    contexts: Path | None = None  # image build contexts (tests use tiny ones)
    builder: Builder | None = None
    refresh_seconds: float = 5.0
    connected_as: str | None = None
    from_draft: bool = False  # the settings are the ones Naming had last time
    resume_after_connect: bool = False  # a known deployment was picked: go where it stopped
    _session: DeploymentSession | None = field(default=None, repr=False)

    @property
    def target(self) -> Target:
        if self.mode == "rehearsal":
            return Target(rehearsal=self.rehearsal)
        return Target(connection_name=self.connection_name)

    @property
    def session(self) -> DeploymentSession:
        """The session for the current choices (rebuilt when a choice changes)."""
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
    def ready(self) -> bool:
        """A target to talk to has been chosen and reached."""
        return self.connected_as is not None

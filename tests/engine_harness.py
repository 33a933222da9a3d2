"""One deployment driven by the engine in this process against an emulator: its plan, its
local state, secrets from the harness and image pushes recorded in the emulator."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

from spcs_wizard.emulator.server import Emulator
from spcs_wizard.engine.apply import Deployer
from spcs_wizard.engine.events import Event
from spcs_wizard.engine.outcome import Outcome
from spcs_wizard.engine.runner import SqlRunner
from spcs_wizard.engine.state import DeploymentState
from spcs_wizard.engine.teardown import Teardown, TeardownOutcome
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.plan import Plan, build_plan
from spcs_wizard.model.registry import repository_path
from spcs_wizard.model.sql import SecretSlot
from spcs_wizard.model.step import Step
from tests.emulator_harness import SECRETS, connect, refuse


class World:
    """One deployment's plan, local state and engine wiring against an emulator."""

    def __init__(
        self, emu: Emulator, tmp_path: Path, prefix: str = "alice", **settings: Any
    ) -> None:
        self.emu = emu
        self.deployment = Deployment(
            account=emu.settings.account_identifier, prefix=prefix, **settings
        )
        self.plan: Plan = build_plan(self.deployment, tmp_path / "specs")
        self.state = DeploymentState(tmp_path / "state.json", self.deployment.deployment_id)
        self.events: list[Event] = []
        self.asked: list[str] = []
        self.fail_push: str | None = None  # the image step whose push is refused
        self.lose_push: str | None = None  # the image step whose push ends, image not there
        self.adopt: frozenset[str] = frozenset()
        self.connect_options: dict[str, Any] = {}  # more connector arguments
        self.pauses: list[float] = []  # the engine's waits, in seconds of the emulator's clock

    def secret(self, slot: SecretSlot) -> str:
        self.asked.append(slot.key)
        return SECRETS[slot.key]

    def push(self, step: Step) -> None:
        """Stands in for the image build and push (the images work): records the image in
        the emulator's repository as a push would."""
        if step.id == self.fail_push:  # what a refused push raises (images/push.py)
            from spcs_wizard.images.push import PushError

            raise PushError("the registry refused the push")
        if step.id == self.lose_push:  # the push said it worked; the image never landed
            return
        svc = self.deployment.image(step.id.removeprefix("image-"))
        self.emu.add_image(
            repository_path(self.deployment), svc.image, svc.tag, "sha256:" + "f" * 64
        )

    def refuse(self, match: str, message: str = "Insufficient privileges", times: int = 1) -> str:
        """The account refuses the next statement containing ``match`` (``refuse``)."""
        return refuse(self.emu, match, message, times)

    def _pause(self, seconds: float) -> None:
        """The engine's sleep: the emulator's clock moves on instead, and it is noted."""
        # A wait backs off to 10 s: a deploy's waits pause a few dozen times, a pool stuck
        # for its whole 20 minutes about 125. Many hundreds mean a wait that stopped backing
        # off and spins; it fails here, not after the emulator's clock crept to the limit.
        assert len(self.pauses) < 500, f"{len(self.pauses)} pauses: a wait spins"
        self.pauses.append(seconds)
        self.emu.clock.advance(seconds)

    def deployer(self, runner: SqlRunner) -> Deployer:
        return Deployer(
            runner,
            self.plan,
            self.state,
            self.secret,
            self.push,
            on_event=self.events.append,
            # Through self.emu at each call: a drill may replace the emulator mid-run.
            sleep=self._pause,
            monotonic=lambda: self.emu.clock.now(),
            adopt=self.adopt,
        )

    def deploy(self) -> tuple[Outcome, SqlRunner]:
        with closing(connect(self.emu, **self.connect_options)) as con:  # close, as the CLI does
            runner = SqlRunner(con)
            return self.deployer(runner).run(), runner

    def teardown(self, **options: bool) -> TeardownOutcome:
        """Teardown of this deployment (options as Teardown takes them)."""
        with closing(connect(self.emu, **self.connect_options)) as con:  # close, as the CLI does
            return Teardown(
                SqlRunner(con), self.plan, self.state, on_event=self.events.append, **options
            ).run()

"""The whole rehearsal in one headless run (``spcs-wizard rehearse``): start the local
SPCS emulator in this process, deploy with the images recorded (no docker, podman or
network), check that everything is running, ask the seed's question through the Milvus
endpoint, and tear down unless asked to keep it. Each stage is reported as it ends, with
its time; the first failed stage ends the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from spcs_wizard.console import demo
from spcs_wizard.engine.stages import Stage, StageFailedError, Stages

if TYPE_CHECKING:
    from spcs_wizard.console.console import Answer
    from spcs_wizard.engine.deployment_session import DeploymentSession
    from spcs_wizard.engine.events import Event
    from spcs_wizard.engine.rehearsal import Rehearsal
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.deployment import Deployment

EXPECTED_ANSWER = demo.DOCS[1]  # the seed guide's notebook: Alan Turing


@dataclass
class RehearseOutcome:
    stages: list[Stage] = field(default_factory=list)
    answer: list[dict[str, Any]] = field(default_factory=list)  # the hits, best first
    kept: bool = False  # the deployment is still in the rehearsal account at the end
    kept_because: str = ""  # why, when kept

    @property
    def ok(self) -> bool:
        return bool(self.stages) and all(s.ok for s in self.stages)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "question": demo.QUESTION,
            "answer": self.answer,
            "kept": self.kept,
            "kept_because": self.kept_because,
            "stages": [asdict(s) for s in self.stages],
            "seconds": round(sum(s.seconds for s in self.stages), 3),
        }


def rehearse(
    rehearsal: Rehearsal,
    deployment: Deployment,
    keep: bool = False,
    on_stage: Callable[[Stage], None] = lambda _: None,
    on_event: Callable[[Event], None] = lambda _: None,
    clock: Callable[[], float] = time.perf_counter,
) -> RehearseOutcome:
    """The run; ``deployment`` is taken as settings, with the rehearsal's account."""
    from spcs_wizard.engine.deployment_session import DeploymentSession, Target
    from spcs_wizard.engine.rehearsal import why_not_started
    from spcs_wizard.model.config_file import with_settings

    outcome = RehearseOutcome(kept=keep, kept_because="asked (--keep)" if keep else "")
    stages = Stages(outcome.stages, on_stage, clock)
    session: DeploymentSession | None = None
    try:
        with stages.stage("start") as said:
            try:
                emulator = rehearsal.start()
            except OSError as exc:
                raise StageFailedError(
                    *why_not_started(rehearsal, exc, "--home DIR, or SPCS_WIZARD_HOME")
                ) from None
            said.append(
                f"local SPCS emulator on 127.0.0.1:{emulator.port}, {rehearsal.speed:g}x "
                f"real time, account in {rehearsal.directory}"
            )
        d = with_settings(deployment, {"account": rehearsal.account}, "rehearse")
        session = DeploymentSession(Target(rehearsal=rehearsal), d, image_mode="record")
        if session.resume_point() != "start":  # someone's earlier rehearsal: not ours to end
            outcome.kept = True
            outcome.kept_because = "it was in the rehearsal account before this run"
        runner = session.connect()
        try:
            _deploy_and_ask(session, runner, stages, outcome, on_event)
            if not outcome.kept:
                with stages.stage("teardown") as said:
                    gone = session.teardown(runner, on_event)
                    if gone.failed is not None:
                        raise StageFailedError(gone.failed.message, gone.failed.hint)
                    shared = [st for st in session.plan().steps if st.target and st.target.shared]
                    said.append(
                        f"{len(gone.removed)} removed"
                        + (f", {len(gone.skipped)} passed over" if gone.skipped else "")
                        + f"; {len(shared)} account-wide kept (other deployments may share them)"
                    )
        finally:
            runner.con.close()
    except StageFailedError:
        # What a failed stage leaves stays for a look; the next run resumes it. A deploy
        # that made nothing (its first step met another deployment's object) leaves none.
        deployed = any(s.name == "deploy" for s in outcome.stages)
        made = session is not None and session.resume_point() != "start"
        if not outcome.kept and deployed and made:
            outcome.kept, outcome.kept_because = True, "a stage failed: left for a look"
    finally:
        rehearsal.stop()
    return outcome


# The rehearsal account is the wizard's too: its rehearsals (and a `rehearse --keep`)
# stay there, and their account-wide names (role, user, warehouse, pools) meet this run's.
FOREIGN_HINT = (
    "Nothing was changed. The rehearsal account holds another deployment with the same "
    "account-wide names (the wizard's rehearsal, or a 'rehearse --keep'). Rehearse beside "
    "it with its own names (--prefix REHEARSE_), or remove it first: 'spcs-wizard', "
    "Welcome, pick it, then Teardown."
)


def _deploy_and_ask(
    session: DeploymentSession,
    runner: SqlRunner,
    stages: Stages,
    outcome: RehearseOutcome,
    on_event: Callable[[Event], None],
) -> None:
    from spcs_wizard.console.targets import endpoint_console
    from spcs_wizard.console.transport import ConsoleError

    with stages.stage("deploy") as said:
        done = session.deploy(runner, on_event)
        if done.failed is not None:
            failed = done.failed
            hint = FOREIGN_HINT if failed.foreign else failed.hint
            raise StageFailedError(f"{failed.step_id}: {failed.message}", hint)
        said.append(done.said())
    with stages.stage("running") as said:
        snap = session.snapshot(runner)
        if not snap.healthy:
            states = ", ".join(f"{s.name} {s.status}" for s in snap.services) or "no services"
            raise StageFailedError(
                f"not everything is running: {states}",
                "it is left in the rehearsal account: 'spcs-wizard' opens on it, and its "
                "Monitor shows why",
            )
        said.append(", ".join(f"{s.name} {s.status}" for s in snap.services))
    with stages.stage("answer") as said:
        try:
            console = endpoint_console(runner, session.deployment)
            try:
                console.load_demo()
                answer: Answer = console.ask(demo.COLLECTION, demo.QUESTION)
            finally:
                console.transport.close()
        except ConsoleError as exc:
            raise StageFailedError(
                str(exc), "run again; the Milvus endpoint may not be up yet"
            ) from None
        outcome.answer = [{"text": h.fields.get("text"), "score": h.score} for h in answer.hits]
        best = answer.hits[0].fields.get("text") if answer.hits else None
        if best != EXPECTED_ANSWER:
            raise StageFailedError(
                f"{demo.QUESTION!r} was answered with {best!r}, not {EXPECTED_ANSWER!r}",
                "the emulator's embeddings or Milvus Lite ranked the seed's sentences "
                "differently; report it with the output of 'spcs-wizard rehearse --json'",
            )
        said.append(f"{demo.QUESTION} → {best}")

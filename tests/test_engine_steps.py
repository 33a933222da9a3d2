"""Each step of a deploy as the engine runs it, against the SPCS emulator through the real
connector: the events a face shows (started, done with its statements and time, skipped
with its reason), and how each way a step can fail is said (a refused statement, push,
roll-out or resume; an unanswered one; a secret or an image that cannot be had)."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest

from spcs_wizard.emulator.faults import StatementFault
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.engine.events import StepDone, StepSkipped, StepStarted, StepWaiting
from spcs_wizard.engine.runner import SqlRunner
from spcs_wizard.model.registry import repository_path
from spcs_wizard.model.step import StepKind
from tests.emulator_harness import SECRETS, connect
from tests.engine_harness import World


@pytest.fixture
def world(emu: Emulator, tmp_path: Path) -> World:
    return World(emu, tmp_path)


def test_a_push_that_ends_without_its_image_in_the_repository_fails_its_step(
    world: World,
) -> None:
    """The push ran without an error, yet the repository does not list the image (a
    registry that dropped it): the step fails, saying so, rather than going on to a
    service that cannot pull it."""
    world.lose_push = "image-jupyter"
    outcome, _ = world.deploy()
    failed = outcome.failed
    assert failed is not None
    image = world.plan.step("image-jupyter").details["image"]
    assert (failed.step_id, failed.message) == (
        "image-jupyter",
        f"the image {image} did not arrive",
    )
    assert failed.hint == (
        "Check the push output and the repository (SHOW IMAGES IN IMAGE REPOSITORY)."
    )
    assert "image-jupyter" not in world.state.executed


def test_each_step_says_it_started_and_ran_its_statements_then_a_rerun_says_why_it_skips(
    world: World,
) -> None:
    """What a face shows of a deploy: each step that runs is started (with its title) and
    done (with how many statements it ran and how long it took, by the account's clock);
    on a re-run each done step is skipped with its reason."""
    assert world.deploy()[0].ok
    for step in world.plan.steps:
        mine = [e for e in world.events if e.step_id == step.id]
        kinds = [type(e).__name__ for e in mine if not isinstance(e, StepWaiting)]
        assert kinds == ["StepStarted", "StepDone"], (step.id, kinds)
        started, done = (e for e in mine if not isinstance(e, StepWaiting))
        assert isinstance(started, StepStarted)
        assert isinstance(done, StepDone)
        assert started.title == step.title
        assert done.statements == (0 if step.kind is StepKind.WAIT else len(step.statements))
        assert done.seconds >= 0
    world.events.clear()
    assert world.deploy()[0].ok
    for step in world.plan.steps:
        mine = [e for e in world.events if e.step_id == step.id]
        if step.kind is StepKind.WAIT:
            continue
        reason = "unchanged on the stage" if step.kind is StepKind.PUT else "already done"
        assert mine == [StepSkipped(step.id, reason)], step.id


def test_each_wait_is_started_and_done_with_its_title_and_time(world: World) -> None:
    assert world.deploy()[0].ok
    waits = [s for s in world.plan.steps if s.kind is StepKind.WAIT]
    assert waits
    for step in waits:
        started = [e for e in world.events if isinstance(e, StepStarted) and e.step_id == step.id]
        done = [e for e in world.events if isinstance(e, StepDone) and e.step_id == step.id]
        assert [e.title for e in started] == [step.title]
        assert len(done) == 1
        assert done[0].statements == 0
        assert done[0].seconds >= 0
    # A pool takes a while to start: its wait's seconds are the emulator clock's.
    pool_wait = next(
        e for e in world.events if isinstance(e, StepDone) and e.step_id == "wait-pool-milvus"
    )
    assert pool_wait.seconds > 0


def test_a_waits_time_is_what_it_waited_by_the_clock_it_is_given(world: World) -> None:
    """A wait's StepDone says how long it waited, to the millisecond, by the Deployer's
    clock: here one that only the waits' pauses move, so each wait's time is exactly the
    sum of its own pauses."""
    marks: dict[str, list[int]] = {}

    def listen(event: object) -> None:
        world.events.append(event)  # type: ignore[arg-type]
        if isinstance(event, StepStarted | StepDone) and event.step_id.startswith("wait-"):
            marks.setdefault(event.step_id, []).append(len(world.pauses))

    with closing(connect(world.emu)) as con:
        deployer = world.deployer(SqlRunner(con))
        deployer.on_event = listen
        deployer.monotonic = lambda: 5000.0 + sum(world.pauses)
        assert deployer.run().ok
    took = {e.step_id: e.seconds for e in world.events if isinstance(e, StepDone)}
    for step_id, (began, ended) in marks.items():
        assert took[step_id] == round(sum(world.pauses[began:ended]), 3), step_id
    assert took["wait-pool-milvus"] > 3  # the pool took a while to start
    assert any(took[s] != round(took[s], 2) for s in marks)  # shown to the millisecond


def test_a_step_an_interrupted_run_did_is_recorded_as_ours_when_found_done(
    world: World,
) -> None:
    """The run that began the role lost its answer after Snowflake made it: the state
    says begun, the account has it with our comment. The next run skips it as done and
    records it as made by us, so teardown removes it."""
    assert world.deploy()[0].ok
    world.state.executed.pop("role")
    world.state.intend("role")
    assert "role" in world.state.pending
    assert "role" not in world.state.executed
    assert world.deploy()[0].ok
    assert "role" in world.state.executed
    assert "role" not in world.state.pending


def test_a_refused_look_at_an_uploaded_spec_stops_its_upload_step(world: World) -> None:
    assert world.deploy()[0].ok
    # Each time, as a missing privilege is: a re-run asks its checks together first, and
    # one refused there is asked again by its step.
    shown = world.refuse(
        "LIST @", "Insufficient privileges to operate on stage 'YAML_STAGE'.", times=99
    )
    outcome, _ = world.deploy()
    failed = outcome.failed
    assert failed is not None
    assert (failed.step_id, failed.message) == ("upload-spec-milvus", shown)


def test_a_statement_refused_is_not_begun_and_one_whose_answer_never_came_is(
    world: World,
) -> None:
    """A refusal comes with a query id: nothing ran, the step is not begun (a grant found
    there later is someone else's). A statement whose answer never came may have run: it
    stays begun, and the next run that finds it done records it as ours."""
    world.refuse("CREATE ROLE")
    refused, _ = world.deploy()
    assert refused.failed is not None
    assert refused.failed.step_id == "role"
    assert "role" not in world.state.pending
    world.emu.faults.statements.clear()
    world.connect_options |= {"network_timeout": 2, "socket_timeout": 1}
    world.emu.faults.statements.append(StatementFault(match="CREATE ROLE", delay=1.5, times=50))
    lost, _ = world.deploy()
    assert lost.failed is not None
    assert lost.failed.step_id == "role"
    assert "role" in world.state.pending
    assert "role" not in world.state.executed


def test_each_step_that_ran_says_how_long_by_the_clock_it_is_given(world: World) -> None:
    """StepDone's seconds are the Deployer's clock from the step's start to its end, to
    the millisecond: here a clock that moves 1.23456 s at each reading."""
    readings = iter(range(1, 10**6))

    with closing(connect(world.emu)) as con:
        deployer = world.deployer(SqlRunner(con))
        deployer.monotonic = lambda: 1.23456 * next(readings)
        assert deployer.run().ok
    ran = {s.id for s in world.plan.steps if s.kind is not StepKind.WAIT}
    took = {e.step_id: e.seconds for e in world.events if isinstance(e, StepDone)}
    assert ran <= set(took)
    assert {took[step_id] for step_id in ran} == {1.235}  # one reading at each end


def test_a_secret_snowflake_would_refuse_stops_before_the_first_change_naming_its_step(
    world: World,
) -> None:
    """The Milvus user's password breaks Snowflake's policy: the deployment stops before
    anything is made, at the step that needs it, saying why and where another comes from."""
    from spcs_wizard.model.secret_rules import password_problem

    given = dict(SECRETS, milvus_user_password="short")
    world.secret = lambda slot: given[slot.key]  # type: ignore[method-assign]
    outcome, runner = world.deploy()
    failed = outcome.failed
    assert failed is not None
    slot = next(
        s
        for st in world.plan.steps
        for q in st.statements
        for s in q.secrets
        if s.key == "milvus_user_password"
    )
    assert (failed.step_id, failed.message) == (
        "user",
        f"the {slot.description} cannot be used: {password_problem('short')}",
    )
    assert failed.hint == (
        "Give another one (SPCS_WIZARD_SECRET_MILVUS_USER_PASSWORD, the keyring, or the "
        "prompt), then run the deployment again."
    )
    assert runner.executed == []  # nothing was made


def test_images_this_machine_cannot_make_stop_the_deploy_before_its_first_change(
    world: World,
) -> None:
    """No builder here for the notebook's image, nor a copier for Milvus' two: the
    repository is asked which it already has; those it lacks stop the run before anything
    is made, each saying why, with what to do about all of them. An image already there
    needs no tool."""
    from spcs_wizard.engine.images import ADVICE, ImageBlocked

    no_podman = ImageBlocked("jupyter", "no docker or podman to build the notebook's image")
    no_skopeo = ImageBlocked("milvus", "no skopeo to copy Milvus' image")
    blocked = {"image-jupyter": no_podman, "image-milvus": no_skopeo, "image-gateway": None}

    def deploy() -> tuple[object, SqlRunner]:
        with closing(connect(world.emu)) as con:
            runner = SqlRunner(con)
            deployer = world.deployer(runner)
            deployer.image_blocker = lambda step: blocked[step.id]
            return deployer.run(), runner

    outcome, runner = deploy()
    failed = outcome.failed  # type: ignore[attr-defined]
    assert failed is not None
    assert (failed.step_id, failed.message) == (
        "image-milvus",
        f"{no_skopeo.message}; {no_podman.message}",
    )
    assert failed.hint == ADVICE[frozenset({"milvus", "jupyter"})]
    assert world.events[-1] == failed  # what a face is told
    assert runner.executed == []
    # Made once where the tools are; then the notebook's image goes from the repository:
    # only it stops the run, with the advice for it alone (Milvus' two are there).
    tools = dict(blocked)
    blocked.update({key: None for key in blocked})
    assert deploy()[0].ok  # type: ignore[attr-defined]
    svc = world.deployment.image("jupyter")
    images = world.emu.account.images[repository_path(world.deployment).lower()]
    del images[f"{svc.image}:{svc.tag}".lower()]
    blocked.update(tools)
    outcome, runner = deploy()
    failed = outcome.failed  # type: ignore[attr-defined]
    assert (failed.step_id, failed.message, failed.hint) == (
        "image-jupyter",
        no_podman.message,
        ADVICE[frozenset({"jupyter"})],
    )
    assert runner.executed == []
    blocked["image-jupyter"] = None  # podman installed: it goes on
    assert deploy()[0].ok  # type: ignore[attr-defined]


def test_a_wait_says_how_things_stand_in_a_few_words() -> None:
    from spcs_wizard.engine.waits import describe_rows as _describe

    assert _describe([]) == "nothing reported yet"
    pools = [{"name": f"P{i}", "state": "STARTING"} for i in range(6)]
    assert _describe(pools) == ", ".join(f"P{i} state=STARTING" for i in range(4))
    containers = [
        {"container_name": "milvus", "status": "PENDING"},
        {"container_name": "gateway", "status": "READY", "state": ""},
    ]
    assert _describe(containers) == "milvus status=PENDING, gateway status=READY"
    waiting = "Endpoints provisioning in progress... check back in a few minutes"
    assert _describe([{"name": "milvus", "ingress_url": waiting}]) == (
        f"milvus ingress_url={waiting}"
    )
    assert _describe([{"name": "x", "state": ""}]) == "not ready"
    assert _describe([{"state": "STARTING"}]) == "state=STARTING"  # no name to give


def test_a_refused_push_stops_its_image_step_with_the_reason_and_what_to_do(
    world: World,
) -> None:
    """The push is refused (images/push.py raises PushError): the image step fails with
    what the push said; nothing after it runs, and a re-run pushes what is missing."""
    world.fail_push = "image-gateway"
    outcome, _ = world.deploy()
    failed = outcome.failed
    assert failed is not None
    assert (failed.step_id, failed.message) == ("image-gateway", "the registry refused the push")
    assert failed.hint == (
        "Fix the cause shown, then run the deployment again; images already pushed are "
        "not pushed again."
    )
    assert world.events[-1] == failed  # what a face is told
    assert "image-milvus" in outcome.done
    assert "image-jupyter" not in outcome.done
    world.fail_push = None
    again, _ = world.deploy()
    assert again.ok, again.failed
    assert "image-gateway" in again.done
    assert "image-milvus" in again.skipped


def test_a_suspended_pool_that_cannot_be_resumed_stops_its_wait_with_the_reason(
    world: World,
) -> None:
    assert world.deploy()[0].ok
    with connect(world.emu, role="SYSADMIN") as con:
        con.cursor().execute("ALTER COMPUTE POOL ALICE_MILVUS_COMPUTE_POOL SUSPEND")
    # Each time, as a missing privilege is: the run's first pool wait resumes every
    # suspended pool together, and the one refused there is asked again by its own wait.
    shown = world.refuse(
        "POOL RESUME",
        "Insufficient privileges to operate on compute pool 'ALICE_MILVUS_COMPUTE_POOL'.",
        times=99,
    )
    outcome, runner = world.deploy()
    failed = outcome.failed
    assert failed is not None
    assert (failed.step_id, failed.code, failed.sqlstate) == ("wait-pool-milvus", 3001, "42501")
    assert failed.message == shown
    assert not [s for s in runner.executed if s.endswith(" RESUME")]


def test_the_objects_a_plan_creates_are_its_create_steps_and_nothing_else() -> None:
    """What the survey before the first change looks at (each proved ours or refused):
    every step that CREATEs a named object; not a grant, an upload, an image or a wait."""
    from spcs_wizard.engine.questions import is_created_object
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.plan import build_plan

    plan = build_plan(Deployment(), Path("/nonexistent/specs"))
    assert [s.id for s in plan.steps if is_created_object(s)] == [
        "security-integration",
        "role",
        "user",
        "warehouse",
        "database",
        "image-repository",
        "stage-specs",
        "stage-data",
        "stage-files",
        "secret-milvus",
        "secret-jupyter",
        "compute-pool-milvus",
        "compute-pool-jupyter",
        "service-milvus",
        "service-jupyter",
    ]

"""Teardown's own rules, one by one, against the emulator: what it tells its listener, what
a refused statement reports, which options reach the plan, what the survey promises, and
what it forgets. (Ownership across deployments: test_engine.py and tests/reliability/.)"""

from __future__ import annotations

import itertools
from contextlib import closing
from pathlib import Path

import pytest

from spcs_wizard.emulator.faults import StatementFault
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.engine.events import StepDone, StepFailed, StepSkipped, StepStarted
from spcs_wizard.engine.hints import HINTS
from spcs_wizard.engine.runner import DOES_NOT_EXIST, SqlRunner
from spcs_wizard.engine.teardown import (
    ADOPTED,
    ALREADY_GONE,
    ALREADY_REMOVED,
    NOT_GRANTED_BY_US,
    NOT_OURS,
    Teardown,
    TeardownOutcome,
    preview,
    scope_line,
)
from tests.emulator_harness import connect, rows
from tests.engine_harness import World


@pytest.fixture
def deployed(emu: Emulator, tmp_path: Path) -> World:
    world = World(emu, tmp_path)
    outcome, _ = world.deploy()
    assert outcome.ok, outcome.failed
    world.events.clear()
    return world


def _teardown(
    world: World, *, faults: bool = False, role: str | None = None, **options: object
) -> tuple[Teardown, TeardownOutcome]:
    with closing(connect(world.emu, **({"role": role} if role else {}))) as con:
        options = {"on_event": world.events.append, **options}
        teardown = Teardown(SqlRunner(con), world.plan, world.state, **options)  # type: ignore[arg-type]
        outcome = teardown.run()
    steps = {s.id: s for s in world.plan}
    undone = [sql.text() for step_id in outcome.removed for sql in steps[step_id].undo]
    if not faults:  # what ran is on the runner's record, as shown to users
        assert teardown.runner.executed == undone
    return teardown, outcome


def test_each_removed_step_is_started_then_done_with_its_statements_and_time(
    deployed: World,
) -> None:
    ticks = itertools.count(start=100, step=0.1234)  # a clock: 0.1234 s per reading
    _, outcome = _teardown(deployed, monotonic=lambda: next(ticks))
    assert outcome.ok
    assert outcome.removed
    steps = {s.id: s for s in deployed.plan}
    started = [e for e in deployed.events if isinstance(e, StepStarted)]
    done = [e for e in deployed.events if isinstance(e, StepDone)]
    assert [e.step_id for e in started] == outcome.removed == [e.step_id for e in done]
    for event in started:
        assert event.title == steps[event.step_id].removal  # DROP ..., REVOKE ...; not "Create"
    for event in done:
        assert event.statements == len(steps[event.step_id].undo) > 0
        assert event.seconds == 0.123  # one reading before, one after, to the millisecond


def test_each_check_runs_in_its_steps_role_whatever_role_the_session_starts_in(
    deployed: World,
) -> None:
    """From a session in PUBLIC, which sees none of the objects: the teardown still finds
    and removes all that a survey from the administrator's session lists."""
    with closing(connect(deployed.emu)) as con:
        listed = [s.id for s in Teardown(SqlRunner(con), deployed.plan, deployed.state).survey()]
    assert len(listed) > 20
    _, outcome = _teardown(deployed, role="PUBLIC")
    assert outcome.ok, outcome.failed
    assert outcome.removed == listed


def test_each_passed_step_is_reported_skipped_with_its_reason(deployed: World) -> None:
    with connect(deployed.emu) as con:  # someone drops the notebook's service by hand
        con.cursor().execute("DROP SERVICE ALICE_MILVUS_DEMO.PUBLIC.JUPYTER")
    _, outcome = _teardown(deployed)
    skipped = [e for e in deployed.events if isinstance(e, StepSkipped)]
    assert {e.step_id: e.reason for e in skipped} == outcome.skipped
    assert outcome.skipped == {  # its endpoint grant went with it
        "grant-endpoints-jupyter": ALREADY_GONE,
        "service-jupyter": ALREADY_GONE,
    }
    assert outcome.left == {}  # gone is not someone else's: nothing needs attention
    assert outcome.not_there == ["grant-endpoints-jupyter", "service-jupyter"]


def test_a_refused_undo_stops_with_snowflakes_message_code_state_and_next_step(
    deployed: World,
) -> None:
    deployed.emu.faults.statements.append(
        StatementFault(
            code=3001,
            sqlstate="42501",
            message="Insufficient privileges.  ",
            match="DROP SERVICE",
        )
    )
    _, outcome = _teardown(deployed)
    failed = outcome.failed
    assert failed is not None
    assert not outcome.ok
    assert failed.step_id == "service-jupyter"  # the newest service goes first
    assert failed.message == "003001 (42501): Insufficient privileges."  # trimmed
    assert (failed.code, failed.sqlstate) == (3001, "42501")
    role = {s.id: s for s in deployed.plan}[failed.step_id].role.name
    assert failed.hint.startswith(HINTS[3001].split("{role}")[0] + role)
    assert isinstance(failed, StepFailed)
    assert deployed.events[-1] == failed
    assert "service-jupyter" not in outcome.removed
    assert deployed.state.made("service-jupyter")  # still ours, for the next run
    with connect(deployed.emu) as con:
        assert rows(con, "SHOW SERVICES LIKE 'JUPYTER' IN SCHEMA ALICE_MILVUS_DEMO.PUBLIC")


def test_an_object_gone_with_its_container_meanwhile_counts_as_removed(deployed: World) -> None:
    """The undo of an object already dropped (error 2003) is not a failure."""
    deployed.emu.faults.statements.append(
        StatementFault(code=DOES_NOT_EXIST, sqlstate="02000", match="DROP SERVICE")
    )
    _, outcome = _teardown(deployed, faults=True)
    assert outcome.ok, outcome.failed
    assert "service-jupyter" in outcome.removed
    assert not deployed.state.made("service-jupyter")


def test_preview_keeps_data_and_shared_objects_only_when_asked(deployed: World) -> None:
    plan = deployed.plan
    ids = {
        (keep, shared): [s.id for s in plan.teardown(keep_data=keep, include_shared=shared)]
        for keep in (False, True)
        for shared in (False, True)
    }
    assert len({tuple(v) for v in ids.values()}) == 4  # each option changes the list
    assert [s.id for s in preview(plan)] == ids[(False, False)]
    assert [s.id for s in preview(plan, include_shared=True)] == ids[(False, True)]
    assert [s.id for s in preview(plan, keep_data=True)] == ids[(True, False)]


def test_the_scope_line_counts_what_each_option_keeps(deployed: World) -> None:
    plan = deployed.plan
    every = plan.teardown(include_shared=True)
    data = [s.id for s in every if s.target is not None and s.target.data]
    shared = [s.id for s in every if s.target is not None and s.target.shared]
    assert data
    assert shared
    assert not set(data) & set(shared)
    head = "items of ALICE_MILVUS_DEMO would be checked and removed if spcs-wizard made them."
    held = f"{len(data)} holding data"
    named = ", ".join(
        f"{s.target.kind.lower()} {s.target.name}"
        for s in plan.steps  # in the plan's order
        if s.target is not None and s.target.shared
    )
    assert "security integration SNOWSERVICES_INGRESS_OAUTH" in named  # each one named
    wide = f"{len(shared)} account-wide (other deployments may use them): {named}"
    n = len(every)
    assert scope_line(plan, keep_data=False, include_shared=True) == f"{n} {head}"
    assert scope_line(plan, keep_data=False, include_shared=False) == (
        f"{n - len(shared)} {head} Kept: {wide}."
    )
    assert scope_line(plan, keep_data=True, include_shared=True) == (
        f"{n - len(data)} {head} Kept: {held}."
    )
    assert scope_line(plan, keep_data=True, include_shared=False) == (
        f"{n - len(data) - len(shared)} {head} Kept: {held}; {wide}."
    )


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"keep_data": True},
        {"include_shared": True},
        {"keep_data": True, "include_shared": True},
    ],
    ids=["default", "keep-data", "include-shared", "both"],
)
def test_the_survey_lists_exactly_what_the_run_then_removes(
    deployed: World, options: dict[str, bool]
) -> None:
    with closing(connect(deployed.emu)) as con:
        surveyed = [
            s.id
            for s in Teardown(SqlRunner(con), deployed.plan, deployed.state, **options).survey()
        ]
    expected = [
        s.id
        for s in preview(deployed.plan, **options)  # everything is ours and present
    ]
    assert surveyed == expected
    _, outcome = _teardown(deployed, **options)
    assert outcome.removed == surveyed


def test_the_survey_leaves_out_what_is_not_ours_or_gone(deployed: World) -> None:
    with connect(deployed.emu) as con:  # someone drops the notebook's service by hand
        con.cursor().execute("DROP SERVICE ALICE_MILVUS_DEMO.PUBLIC.JUPYTER")
    deployed.state.forget("warehouse")  # and the warehouse is no longer on our record...
    with connect(deployed.emu) as con:  # ...because someone else's comment is on it now
        con.cursor().execute(
            "ALTER WAREHOUSE ALICE_MILVUS_WAREHOUSE SET COMMENT = 'the finance team'"
        )
    with closing(connect(deployed.emu)) as con:
        surveyed = [s.id for s in Teardown(SqlRunner(con), deployed.plan, deployed.state).survey()]
    assert "service-jupyter" not in surveyed
    assert "warehouse" not in surveyed
    assert "service-milvus" in surveyed
    _, outcome = _teardown(deployed)
    assert outcome.skipped["warehouse"] == NOT_OURS
    assert outcome.skipped["service-jupyter"] == ALREADY_GONE
    assert outcome.left == {"warehouse": NOT_OURS}  # someone else's needs attention; gone not
    assert "warehouse" not in outcome.not_there  # there, and left: not "not there"
    assert "service-jupyter" in outcome.not_there


def test_removing_an_adopted_object_forgets_that_it_was_adopted(
    emu: Emulator, tmp_path: Path
) -> None:
    with connect(emu, role="USERADMIN") as con:  # an administrator's role, taken over
        con.cursor().execute("CREATE ROLE ALICE_MILVUS_ROLE")
    world = World(emu, tmp_path)
    world.adopt = frozenset({"ALICE_MILVUS_ROLE"})
    assert world.deploy()[0].ok
    assert set(world.state.adopted) == {"ALICE_MILVUS_ROLE"}
    _, outcome = _teardown(world, include_adopted=True)
    assert outcome.ok
    assert "role" in outcome.removed
    assert world.state.adopted == {}


def test_a_stop_request_ends_teardown_between_removals_and_a_rerun_goes_on(
    deployed: World,
) -> None:
    """Asked to stop after the third removal: it removes no more, says it stopped (not
    ok, no failure); the next teardown removes the rest and leaves nothing of ours."""
    removed: list[str] = []

    def note(event: object) -> None:
        deployed.events.append(event)  # type: ignore[arg-type]
        if isinstance(event, StepDone):
            removed.append(event.step_id)

    _, stopped = _teardown(deployed, should_stop=lambda: len(removed) >= 3, on_event=note)
    assert stopped.stopped
    assert not stopped.ok
    assert stopped.failed is None
    assert stopped.removed == removed == removed[:3]
    _, rest = _teardown(deployed)
    assert rest.ok
    assert not set(rest.removed) & set(removed)
    with connect(deployed.emu) as con:
        assert rows(con, "SHOW COMPUTE POOLS") == []


def test_what_went_with_a_removed_object_is_forgotten_with_it(
    deployed: World, tmp_path: Path
) -> None:
    """The images went with their repository: the record no longer says they were pushed
    (a deploy after the teardown would otherwise count them done). Kept data keeps them;
    the account-wide prerequisites a teardown leaves stay recorded."""
    images = {s.id for s in deployed.plan if s.id.startswith("image-")}
    assert images
    assert images <= set(deployed.state.executed)
    _, kept = _teardown(deployed, keep_data=True)
    assert kept.ok
    assert "image-repository" not in kept.removed
    assert images <= set(deployed.state.executed)
    _, outcome = _teardown(deployed)
    assert outcome.ok
    assert "image-repository" in outcome.removed
    shared = {s.id for s in deployed.plan if s.target is not None and s.target.shared}
    assert set(deployed.state.executed) == shared
    assert not images & set(deployed.state.executed)
    reread = type(deployed.state).load(deployed.state.path, deployed.state.deployment_id)
    assert set(reread.executed) == shared  # saved so


def test_not_there_counts_what_had_nothing_to_remove_and_nothing_kept() -> None:
    """What a teardown says it found missing: gone already, or removed by an earlier
    run; never what it kept (adopted) or left (someone else's)."""
    outcome = TeardownOutcome(
        removed=["role"],
        skipped={
            "service-jupyter": ALREADY_GONE,
            "stage-files": ALREADY_REMOVED,
            "warehouse": ADOPTED,
            "database": NOT_OURS,
            "grant-schema": NOT_GRANTED_BY_US,
        },
    )
    assert outcome.not_there == ["service-jupyter", "stage-files"]

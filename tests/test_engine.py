"""The engine against the SPCS emulator through the real connector: deploy, re-run,
resume after an interruption at any step, failures with reasons, status, teardown."""

from __future__ import annotations

import json
from contextlib import closing
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from spcs_wizard.emulator.faults import StatementFault
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.engine import snapshot
from spcs_wizard.engine.events import (
    Event,
    StepDone,
    StepFailed,
    StepSkipped,
    StepStarted,
    StepWaiting,
)
from spcs_wizard.engine.runner import SqlRunner
from spcs_wizard.engine.state import DeploymentState
from spcs_wizard.engine.teardown import Teardown
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.plan import build_plan
from spcs_wizard.model.registry import image_reference
from spcs_wizard.model.step import StepKind
from tests.emulator_harness import connect, rows
from tests.engine_harness import World


@pytest.fixture
def world(emu: Emulator, tmp_path: Path) -> World:
    return World(emu, tmp_path)


def test_full_deploy_then_status_shows_every_object(world: World) -> None:
    outcome, _ = world.deploy()
    assert outcome.ok, outcome.failed
    assert outcome.done == [s.id for s in world.plan]
    assert sorted(set(world.asked)) == [
        "jupyter_password",
        "milvus_root_password",
        "milvus_user_password",
    ]
    with connect(world.emu) as con:
        snap = snapshot.take(SqlRunner(con), world.deployment)
    assert snap.healthy
    assert {(p.name, p.state) for p in snap.pools} == {
        ("ALICE_MILVUS_COMPUTE_POOL", "ACTIVE"),
        ("ALICE_JUPYTER_COMPUTE_POOL", "ACTIVE"),
    }
    assert {s.name for s in snap.services} == {"MILVUS", "JUPYTER"}
    containers = {s.name: [(c.name, c.status) for c in s.containers] for s in snap.services}
    assert containers == {
        "MILVUS": [("milvus", "READY"), ("gateway", "READY")],
        "JUPYTER": [("jupyter", "READY")],
    }
    for service in snap.services:
        assert {c.restart_count for c in service.containers} == {0}
        assert all(
            e.ingress_url and e.ingress_url.endswith(".snowflakecomputing.app")
            for e in service.endpoints
            if e.is_public
        )
    schema = json.loads(
        resources.files("spcs_wizard").joinpath("schemas/status.schema.json").read_text()
    )
    jsonschema.validate(snap.to_dict(), schema)


def test_a_second_deploy_runs_only_checks(world: World) -> None:
    assert world.deploy()[0].ok
    world.asked.clear()
    outcome, runner = world.deploy()
    assert outcome.ok
    assert [s for s in runner.executed if s.startswith(("CREATE", "GRANT"))] == []
    assert world.asked == []  # nothing to create, so no secret was needed
    kinds = {s.kind for s in world.plan if s.id in outcome.done}
    assert kinds <= {StepKind.WAIT}  # an unchanged spec is not uploaded again
    assert {"upload-spec-milvus", "upload-spec-jupyter"} <= set(outcome.skipped)
    assert not [s for s in runner.executed if s.startswith(("PUT", "ALTER"))]


def test_a_second_deploy_asks_each_check_once(world: World) -> None:
    """Several steps check the same thing (four grants to the role read its grants): a
    re-run with nothing to do asks each once (benchmarks/deploy_bench.py counts the round
    trips). What the connector sends is watched on the real connection."""
    assert world.deploy()[0].ok
    sent: list[str] = []
    with closing(connect(world.emu)) as con:
        real_cursor = con.cursor

        def watched_cursor(*args: Any, **kwargs: Any) -> Any:
            cursor = real_cursor(*args, **kwargs)
            real_execute = cursor.execute

            def execute(sql: str, *a: Any, **k: Any) -> Any:
                sent.append(sql)
                return real_execute(sql, *a, **k)

            cursor.execute = execute  # type: ignore[method-assign]
            return cursor

        con.cursor = watched_cursor  # type: ignore[method-assign]
        assert world.deployer(SqlRunner(con)).run().ok
    # The three images' checks are one (their repository's listing), asked once a run.
    asked = [sql for sql in sent if not sql.startswith("USE ROLE")]
    checks = [s.check.sql.text() for s in world.plan if s.check is not None]
    assert len(set(checks)) < len(checks)  # shared
    assert sorted(asked) == sorted(set(asked)), "a check was asked twice"
    # Each check was asked, or answered by the one SHOW its kind and scope share (the
    # three stages: one SHOW STAGES IN SCHEMA); a pool's wait by the SHOW that listed
    # the pool ready.
    for step in world.plan:
        if step.check is not None and step.check.sql.text() not in sent:
            shown = step
            if step.kind is StepKind.WAIT:
                (made,) = step.depends_on
                shown = world.plan.step(made)
            assert shown.check is not None
            assert shown.check.listing is not None, step.id
            assert shown.check.listing.broad_sql() in sent, step.id
    stages = [s for s in sent if s.startswith("SHOW STAGES")]
    assert stages == [f"SHOW STAGES IN SCHEMA {world.deployment.names().database}.PUBLIC"]
    # Two of a kind share one too (the two pools).
    assert [s for s in sent if s.startswith("SHOW COMPUTE POOLS")] == ["SHOW COMPUTE POOLS"]


class _Recording(SqlRunner):
    """A runner that notes each statement it sends (the looks' reads)."""

    def __init__(self, con: Any) -> None:
        super().__init__(con)
        self.sent: list[str] = []

    def query(self, sql: str, role: Any = None) -> list[dict[str, Any]]:
        self.sent.append(sql)
        return super().query(sql, role)


def test_a_refresh_reads_endpoints_when_they_may_have_changed_and_containers_in_turn(
    world: World,
) -> None:
    """The monitor's refreshes keep each service's endpoints while its SHOW SERVICES row
    stays the same, and read a healthy service's containers in turn, one service a look:
    three statements a refresh for two services, each service's containers every other
    look. A changed row (a suspend, a failing container) reads them at once."""
    from spcs_wizard.engine.operations import switch
    from spcs_wizard.engine.snapshot import KeptReadings, Snapshot, take

    assert world.deploy()[0].ok
    kept = KeptReadings()
    with closing(connect(world.emu)) as con:
        runner = _Recording(con)
        first = take(runner, world.deployment, kept=kept)
        services = sorted(s.name for s in first.services)
        assert len(services) == 2
        assert all(e.ingress_url for s in first.services for e in s.endpoints if e.is_public)
        assert all(c.status == "READY" for s in first.services for c in s.containers)

        def refresh() -> tuple[list[str], Snapshot]:
            runner.sent.clear()
            before = world.emu.traffic.count
            look = take(runner, world.deployment, kept=kept)
            assert (world.emu.traffic.count - before).statements == len(runner.sent)
            read = [q.rsplit(".", 1)[-1] for q in runner.sent if "CONTAINERS" in q]
            return read, look

        # pools, services, and one service's containers: each in turn; endpoints kept
        turns = [refresh() for _ in range(4)]
        assert all(len(runner_read) == 1 for runner_read, _ in turns)
        assert [read[0] for read, _ in turns[:2]] in (services, services[::-1])
        assert [read[0] for read, _ in turns[2:]] == [read[0] for read, _ in turns[:2]]
        runner.sent.clear()
        take(runner, world.deployment, kept=kept)
        assert len(runner.sent) == 3, runner.sent
        assert all(look.services == first.services for _, look in turns)

        # A failing container changes its service's row: read at once, whoever's turn.
        n = world.deployment.names()
        failing = n.milvus_service.name
        world.emu.fail_service(n.in_schema(n.milvus_service))
        read, look = refresh()
        milvus = next(s for s in look.services if s.name == failing)
        assert any(c.status == "FAILED" for c in milvus.containers)
        assert failing in read
        # ...and while it is not healthy, at every look.
        assert failing in refresh()[0]
        assert failing in refresh()[0]

        switch(runner, world.deployment, "suspend")
        runner.sent.clear()
        take(runner, world.deployment, kept=kept)
        assert sum("ENDPOINTS" in q for q in runner.sent) == 2  # changed rows: read again
        # Without a keeper, every look reads every service's containers and endpoints.
        runner.sent.clear()
        take(runner, world.deployment)
        assert len(runner.sent) == 2 + 2 * len(services)


def test_an_endpoint_is_assigned_once_it_has_a_host_name() -> None:
    from spcs_wizard.engine.snapshot import EndpointStatus, assigned

    placeholder = "Endpoints provisioning in progress... check back in a few minutes"
    assert not assigned(EndpointStatus("milvus", 8080, "HTTP", True, placeholder))
    assert not assigned(EndpointStatus("milvus", 8080, "HTTP", True, None))
    assert assigned(
        EndpointStatus("milvus", 8080, "HTTP", True, "abc-org-acct.snowflakecomputing.app")
    )
    assert assigned(EndpointStatus("grpc", 19530, "TCP", False, None))  # private: no URL


def test_a_rerun_reads_the_images_once_and_the_pools_from_the_first_listing(
    world: World,
) -> None:
    """Pushes change the repository without SQL: a deploy that pushes asks again after
    each push (the image arrived, and the next image's check sees the repository as it
    is now); a re-run with nothing to push asks once for all three images."""

    def listings(runner: _Recording) -> int:
        return sum(q.startswith("SHOW IMAGES IN IMAGE REPOSITORY") for q in runner.sent)

    with closing(connect(world.emu)) as con:
        runner = _Recording(con)
        assert world.deployer(runner).run().ok
        images = [s.id for s in world.plan.steps if s.kind is StepKind.IMAGE]
        assert len(images) == 3
        # The first image's check, then after each push: the image arrived (and what the
        # next one's check reads).
        assert listings(runner) == 1 + len(images)
        described = [q for q in runner.sent if q.startswith("DESCRIBE COMPUTE POOL")]
        assert len(described) >= 2  # the new pools waited for
        runner.sent.clear()
        again = world.deployer(runner).run()
        assert again.ok
        assert not set(images) & set(again.done)
        assert listings(runner) == 1
        # The pools' waits are answered by the listing read before the first step: both
        # ACTIVE or IDLE, and nothing changed since (a suspended one is asked for and
        # resumed: test_deploying_a_suspended_deployment_resumes_it).
        assert {"wait-pool-milvus", "wait-pool-jupyter"} <= set(again.done)
        assert not [q for q in runner.sent if q.startswith("DESCRIBE COMPUTE POOL")]
        # The services' waits still read their containers: SHOW SERVICES does not say
        # whether they are ready.
        read = [q for q in runner.sent if q.startswith("SHOW SERVICE CONTAINERS IN SERVICE")]
        assert len(read) == 2
    # A run that changed something before the waits (a grant revoked behind its back, made
    # again) asks the pools anew.
    revoke = next(s for s in world.plan.steps if s.id == "grant-warehouse").undo[0].text()
    with connect(world.emu, role="SECURITYADMIN") as con:
        con.cursor().execute(revoke)
    with closing(connect(world.emu)) as con:
        runner = _Recording(con)
        third = world.deployer(runner).run()
        assert third.ok
        assert "grant-warehouse" in third.done
        assert len([q for q in runner.sent if q.startswith("DESCRIBE COMPUTE POOL")]) == 2


def test_a_rerun_with_nothing_to_do_asks_everything_together_before_its_first_step(
    world: World,
) -> None:
    """A re-run of a deployed plan asks its questions before the first step, each role's
    in flight together after one USE ROLE: two rounds a role, where one at a time took
    one a question (30). Each request is held 0.2 s, as a network would, so the ones sent
    together overlap. The steps then ask nothing more; the next run on the same runner
    asks afresh, and finds what changed behind its back."""
    assert world.deploy()[0].ok
    world.emu.traffic.latency = 0.2
    with closing(connect(world.emu)) as con:
        runner = _Recording(con)
        before = world.emu.traffic.count
        again = world.deployer(runner).run()
        asked = world.emu.traffic.count - before
        assert again.ok
        assert again.done == [s.id for s in world.plan.steps if s.kind is StepKind.WAIT]
        assert again.changed == []
        roles = asked.statements - len(runner.sent)  # the USE ROLEs
        assert 2 <= roles <= 5
        assert len(runner.sent) == len(set(runner.sent))  # each question once
        assert asked.rounds == 2 * roles < asked.requests / 2
        world.emu.traffic.latency = 0.0
        revoke = next(s for s in world.plan.steps if s.id == "grant-warehouse").undo[0].text()
        with connect(world.emu, role="SECURITYADMIN") as other:
            other.cursor().execute(revoke)
        third = world.deployer(runner).run()
        assert third.ok
        assert "grant-warehouse" in third.done


def test_what_was_asked_before_the_first_step_is_not_trusted_once_the_run_changed_something(
    world: World,
) -> None:
    """The record says every step is in place, but the image repository is gone (its
    images pushed again meanwhile, as a class's are before it is provisioned): the
    listing asked before the first step found no repository. Once the run has made the
    repository again, the images are looked for anew and found, not pushed (a push here
    is refused)."""
    assert world.deploy()[0].ok
    repository = next(s for s in world.plan.steps if s.id == "image-repository")
    assert repository.target is not None
    with connect(world.emu, role="SYSADMIN") as con:
        con.cursor().execute(f"DROP IMAGE REPOSITORY {repository.target.name}")
    for step in world.plan.steps:
        if step.kind is StepKind.IMAGE:
            world.push(step)  # recorded as pushed, without the repository
    world.fail_push = "image-milvus"
    again, _ = world.deploy()
    assert again.ok, again.failed
    assert "image-repository" in again.done
    images = {s.id for s in world.plan.steps if s.kind is StepKind.IMAGE}
    assert len(images) == 3
    assert images <= set(again.skipped)


def test_a_check_is_asked_again_once_the_account_changes(emu: Emulator) -> None:
    """A check's answer is kept only until this runner changes the account."""
    from spcs_wizard.model.identifiers import parse

    sysadmin = parse("SYSADMIN")
    sql = "SHOW WAREHOUSES LIKE 'CHECKED_WH'"
    with connect(emu) as con:
        runner = SqlRunner(con)
        assert runner.check(sql, sysadmin) == []
        asked = emu.traffic.count.statements
        assert runner.check(sql, sysadmin) == []
        assert emu.traffic.count.statements == asked  # the same answer, not asked again
        runner.execute("CREATE WAREHOUSE CHECKED_WH", sysadmin, "CREATE WAREHOUSE CHECKED_WH")
        assert [r["name"] for r in runner.check(sql, sysadmin)] == ["CHECKED_WH"]
        con.cursor().execute("DROP WAREHOUSE CHECKED_WH")  # behind the runner's back
        assert runner.check(sql, sysadmin) != []  # kept: nothing it ran changed it
        runner.execute("CREATE WAREHOUSE OTHER_WH", sysadmin, "CREATE WAREHOUSE OTHER_WH")
        assert runner.check(sql, sysadmin) == []


def test_a_changed_spec_is_uploaded_and_rolled_out_to_its_running_service(
    world: World, tmp_path: Path
) -> None:
    assert world.deploy()[0].ok
    with connect(world.emu, role="SYSADMIN") as con:
        query = "SHOW SERVICES LIKE 'MILVUS' IN SCHEMA ALICE_MILVUS_DEMO.PUBLIC"
        before = rows(con, query)[0]["spec_digest"]
    world.deployment = Deployment(
        account=world.emu.settings.account_identifier,
        prefix="alice",
        milvus={"volume_size": "40Gi"},
    )
    world.plan = build_plan(world.deployment, tmp_path / "specs")
    world.events.clear()
    outcome, runner = world.deploy()
    assert outcome.ok, outcome.failed
    assert "upload-spec-milvus" in outcome.done
    assert "upload-spec-jupyter" in outcome.skipped  # its text did not change
    upgrade = [s for s in runner.executed if s.startswith("ALTER SERVICE")]
    rollout = (
        "ALTER SERVICE ALICE_MILVUS_DEMO.PUBLIC.MILVUS FROM @ALICE_MILVUS_DEMO.PUBLIC.YAML_STAGE "
        "SPECIFICATION_FILE = 'milvus.yaml'"
    )
    assert upgrade == [rollout]
    said = [e for e in world.events if isinstance(e, StepWaiting)]
    assert StepWaiting("upload-spec-milvus", f"rolled the new specification out: {rollout}", 0) in (
        said
    )
    with connect(world.emu, role="SYSADMIN") as con:
        after = rows(con, query)[0]
    assert after["spec_digest"] != before  # the service runs the new specification


def test_a_refused_roll_out_of_a_new_spec_stops_its_upload_step(
    world: World, tmp_path: Path
) -> None:
    assert world.deploy()[0].ok
    world.deployment = Deployment(
        account=world.emu.settings.account_identifier,
        prefix="alice",
        milvus={"volume_size": "40Gi"},
    )
    world.plan = build_plan(world.deployment, tmp_path / "specs")
    shown = world.refuse(
        "SPECIFICATION_FILE", "Insufficient privileges to operate on service 'MILVUS'."
    )
    outcome, _ = world.deploy()
    failed = outcome.failed
    assert failed is not None
    assert (failed.step_id, failed.message) == ("upload-spec-milvus", shown)


def test_a_failing_service_reports_its_reason_and_logs(world: World) -> None:
    world.emu.faults.failing_services.add("ALICE_MILVUS_DEMO.PUBLIC.MILVUS")
    outcome, _ = world.deploy()
    assert outcome.failed is not None
    assert outcome.failed.step_id == "wait-service-milvus"
    assert outcome.failed.message == (
        "the service failed: gateway: Container exited with code 1 and is being restarted.; "
        "milvus: Container exited with code 1 and is being restarted."
    )
    assert outcome.failed.hint == (
        "Fix the cause shown (and in the logs), then run the deployment again."
    )
    logs = outcome.failed.logs  # the container's own lines, oldest first, none blank
    tag = world.deployment.milvus.tag
    assert logs[0] == f"[milvus] pulling image /alice_milvus_demo/public/milvus_repo/milvus:{tag}"
    assert any(line.startswith("[milvus] ERROR process exited with code 1") for line in logs)
    assert logs[-1].startswith("[gateway] ERROR process exited with code 1 (restart ")
    assert all(line.startswith(("[milvus] ", "[gateway] ")) for line in logs)


def test_a_failed_services_report_names_each_failed_container_with_its_last_lines(
    world: World,
) -> None:
    """Every failed container is named (sorted, once each); each log that can be read adds
    its last 20 lines; one that cannot (here a container the service does not have: the
    emulator refuses it) adds none and does not stop the others."""
    world.emu.faults.failing_services.add("ALICE_MILVUS_DEMO.PUBLIC.MILVUS")
    assert world.deploy()[0].failed is not None
    world.emu.clock.advance(40 * world.emu.settings.restart_period_secs)  # 40 restarts on
    step = next(s for s in world.plan.steps if s.id == "wait-service-milvus")
    exited = "Container exited with code 1 and is being restarted."
    failed = [
        {"container_name": "sidecar", "instance_id": "0", "message": "Image not found."},
        {"container_name": "milvus", "instance_id": "0", "message": exited},
        {"container_name": "sidecar", "instance_id": "0", "message": "Image not found."},
    ]
    # From a session in PUBLIC, which may not read the logs: they are read in the step's role.
    with closing(connect(world.emu, role="PUBLIC")) as con:
        report = world.deployer(SqlRunner(con))._waiter._service_failure(step, failed).event
    assert report.message == f"the service failed: milvus: {exited}; sidecar: Image not found."
    assert len(report.logs) == 20
    restarts = [int(line.rsplit(" ", 1)[-1].rstrip(")")) for line in report.logs]
    assert restarts == list(range(restarts[-1] - 19, restarts[-1] + 1))  # the last 20, in order
    assert restarts[-1] > 40
    assert all(
        line.startswith("[milvus] ERROR process exited with code 1 (restart ")
        for line in report.logs
    )


@pytest.mark.parametrize(
    ("match", "code", "sqlstate", "message", "step_id"),
    [
        (  # a wait's own query
            "DESCRIBE COMPUTE POOL", 3001, "42501",
            "Insufficient privileges to operate on pool.", "wait-pool-milvus",
        ),
        (  # the schema's DNS domain, asked by the first spec upload
            "SYSTEM$GET_SERVICE_DNS_DOMAIN", 2003, "02000",
            "Schema does not exist.", "upload-spec-milvus",
        ),
        (  # one object's check
            "SHOW WAREHOUSES LIKE", 3001, "42501",
            "Insufficient privileges to operate on account.", "warehouse",
        ),
        (  # the SHOW the three stages' checks share: the first of them says it
            "SHOW STAGES IN SCHEMA", 3001, "42501",
            "Insufficient privileges to operate on schema.", "stage-specs",
        ),
        (  # an image's check
            "SHOW IMAGES IN IMAGE REPOSITORY", 3001, "42501",
            "Insufficient privileges to operate on image repository.", "image-milvus",
        ),
    ],
    ids=["wait", "dns-domain", "check", "shared-check", "image-check"],
)  # fmt: skip
def test_a_refused_query_stops_its_step_with_snowflakes_reason(
    world: World, match: str, code: int, sqlstate: str, message: str, step_id: str
) -> None:
    # Refused each time, as a missing privilege is (the questions asked together before
    # the first step leave a refused one out, to be asked again by its step).
    world.emu.faults.statements.append(
        StatementFault(code=code, sqlstate=sqlstate, message=message, match=match, times=99)
    )
    outcome, _ = world.deploy()
    failed = outcome.failed
    assert failed is not None
    assert (failed.step_id, failed.code, failed.sqlstate) == (step_id, code, sqlstate)
    assert failed.message == f"{code:06d} ({sqlstate}): {message}"


def test_a_stuck_pool_times_out_with_its_state(world: World) -> None:
    world.emu.faults.stuck_pools.add("ALICE_MILVUS_COMPUTE_POOL")
    outcome, _ = world.deploy()
    assert outcome.failed is not None
    assert outcome.failed.step_id == "wait-pool-milvus"
    assert outcome.failed.message == (  # a pool's limit: 20 minutes
        "still not ready after 1200 s: ALICE_MILVUS_COMPUTE_POOL state=STARTING"
    )
    # It polled with backoff (from 1 s, 1.5 times longer each time, at most 10 s: the
    # line every screen shows of the deploy is its last answer) until the limit, saying
    # each time how it stands.
    assert world.pauses[:4] == [1.0, 1.5, 2.25, 3.375]
    assert max(world.pauses) == 10.0
    # The limit is on the emulator's clock, which also moves with the test's own seconds.
    assert sum(world.pauses) >= 1200 - 60
    assert sum(world.pauses[:-1]) < 1200
    waits = [e for e in world.events if isinstance(e, StepWaiting)]
    assert [e.attempt for e in waits] == list(range(1, len(world.pauses) + 1))
    assert {e.detail for e in waits} == {"ALICE_MILVUS_COMPUTE_POOL state=STARTING"}
    assert outcome.failed.hint == (
        "Look at the status and logs (spcs-wizard status), then run the deployment again; "
        "it resumes with this wait."
    )
    assert outcome.failed.logs == []  # a pool has no log of its own


def test_a_service_that_never_starts_times_out_with_its_containers_last_lines(
    world: World,
) -> None:
    world.emu.faults.stuck_services.add("ALICE_MILVUS_DEMO.PUBLIC.MILVUS")
    outcome, _ = world.deploy()
    failed = outcome.failed
    assert failed is not None
    assert failed.step_id == "wait-service-milvus"
    assert failed.message == (
        "still not ready after 1200 s: milvus status=PENDING, gateway status=PENDING"
    )
    tag = world.deployment.milvus.tag
    assert failed.logs == [  # what its containers wrote while it waited
        f"[milvus] pulling image /alice_milvus_demo/public/milvus_repo/milvus:{tag}",
        f"[milvus] image sha256:{'f' * 64} pulled; starting",
        "[gateway] pulling image /alice_milvus_demo/public/milvus_repo/milvus-gateway:3.11-slim",
        f"[gateway] image sha256:{'f' * 64} pulled; starting",
    ]


def test_deploy_stops_at_a_same_named_object_it_did_not_make(world: World) -> None:
    """Someone else's warehouse under our name: deploy stops there, before any change
    (no grant on it, nothing after it), names the object and its owner, exits 3 in the
    CLI (foreign); teardown leaves the warehouse."""
    with connect(world.emu, role="SYSADMIN") as con:
        con.cursor().execute("CREATE WAREHOUSE ALICE_MILVUS_WAREHOUSE COMMENT = 'the team'")
    outcome, _ = world.deploy()
    failed = outcome.failed
    assert failed is not None
    assert failed.step_id == "warehouse"
    assert failed.foreign
    assert failed.message == (
        "WAREHOUSE ALICE_MILVUS_WAREHOUSE already exists and is not this deployment's "
        "(owner SYSADMIN, comment 'the team')"
    )
    assert failed.hint == (
        "Nothing was changed. Choose other names (a --prefix, or the name settings), or take "
        "it over knowingly with --adopt ALICE_MILVUS_WAREHOUSE (teardown then leaves it in "
        "place)."
    )
    assert world.state.executed == {}  # refused before the first step, not halfway
    assert not [e for e in world.events if isinstance(e, StepStarted)]
    with connect(world.emu) as con:
        assert rows(con, "SHOW DATABASES LIKE 'ALICE_MILVUS_DEMO'") == []
        assert rows(con, "SHOW ROLES LIKE 'ALICE_%'") == []
        outcome = Teardown(SqlRunner(con), world.plan, world.state).run()
        assert outcome.ok, outcome.failed
        assert "not created by spcs-wizard" in outcome.left["warehouse"]
        assert [w["comment"] for w in rows(con, "SHOW WAREHOUSES LIKE 'ALICE_%'")] == ["the team"]
        assert rows(con, "SHOW ROLES LIKE 'ALICE_%'") == []


def test_a_same_named_pool_stops_the_deploy_first_whatever_role_the_session_starts_in(
    world: World,
) -> None:
    """The checks run as their steps' roles, the shared ones too: a user whose session
    starts as PUBLIC (which sees no pool) still finds someone else's pool before any
    change, not at the pool's step once the role, the user and the grants were made."""
    with connect(world.emu) as con:  # the team's pool, SYSADMIN's (as ours would be)
        for sql in (
            "GRANT CREATE COMPUTE POOL ON ACCOUNT TO ROLE SYSADMIN",
            "USE ROLE SYSADMIN",
            "CREATE COMPUTE POOL ALICE_MILVUS_COMPUTE_POOL MIN_NODES = 1 MAX_NODES = 1 "
            "INSTANCE_FAMILY = CPU_X64_XS COMMENT = 'the team'",
        ):
            con.cursor().execute(sql)
    world.connect_options = {"role": "PUBLIC"}
    outcome, _ = world.deploy()
    assert outcome.failed is not None
    assert outcome.failed.step_id == "compute-pool-milvus"
    assert outcome.failed.foreign
    assert world.state.executed == {}  # refused before the first step


def test_adopted_objects_are_used_recorded_and_kept_by_teardown(world: World) -> None:
    """A role and a user made beforehand by an administrator: refused, then adopted
    knowingly. Teardown revokes what we granted, leaves both, and a second teardown has
    nothing to remove and nothing to report."""
    with connect(world.emu, role="USERADMIN") as con:
        cur = con.cursor()
        cur.execute("CREATE ROLE ALICE_MILVUS_ROLE")
        cur.execute("CREATE USER ALICE_MILVUS_USER PASSWORD = 'Someone-elses-1'")
    refused, _ = world.deploy()
    assert refused.failed is not None
    assert (refused.failed.step_id, refused.failed.foreign) == ("role", True)
    assert refused.failed.message == (  # no comment at all: said so
        "ROLE ALICE_MILVUS_ROLE already exists and is not this deployment's "
        "(owner USERADMIN, no spcs-wizard comment)"
    )
    with connect(world.emu) as con:
        assert rows(con, "SHOW GRANTS TO USER ALICE_MILVUS_USER") == []  # not touched
    world.adopt = frozenset({"ALICE_MILVUS_ROLE", "ALICE_MILVUS_USER"})
    outcome, _ = world.deploy()
    assert outcome.ok, outcome.failed
    assert set(world.state.adopted) == {"ALICE_MILVUS_ROLE", "ALICE_MILVUS_USER"}
    said = [e for e in world.events if isinstance(e, StepWaiting) and "adopted" in e.detail]
    assert said == [
        StepWaiting("role", "ALICE_MILVUS_ROLE adopted (--adopt)", 0),
        StepWaiting("user", "ALICE_MILVUS_USER adopted (--adopt)", 0),
    ]
    assert "grant-role-to-user" in world.state.executed
    with connect(world.emu) as con:
        first = Teardown(SqlRunner(con), world.plan, world.state).run()
        assert first.ok, first.failed
        assert (
            first.skipped["role"]
            == first.skipped["user"]
            == ("adopted, not created by spcs-wizard: kept (--include-adopted removes it)")
        )
        assert first.left == {}  # adopted knowingly: kept, nothing to attend to
        assert "grant-role-to-user" in first.removed
        assert rows(con, "SHOW ROLES LIKE 'ALICE_MILVUS_ROLE'")
        assert rows(con, "SHOW USERS LIKE 'ALICE_MILVUS_USER'")
        assert rows(con, "SHOW GRANTS TO USER ALICE_MILVUS_USER") == []
        assert rows(con, "SHOW DATABASES LIKE 'ALICE_MILVUS_DEMO'") == []
        second = Teardown(SqlRunner(con), world.plan, world.state).run()
        assert (second.ok, second.removed, second.left) == (True, [], {})
        with_adopted = Teardown(SqlRunner(con), world.plan, world.state, include_adopted=True).run()
        assert with_adopted.ok, with_adopted.failed
        assert {"role", "user"} <= set(with_adopted.removed)
        assert rows(con, "SHOW ROLES LIKE 'ALICE_MILVUS_ROLE'") == []


def test_teardown_of_one_deployment_never_touches_another_with_the_same_prefix(
    world: World, tmp_path: Path
) -> None:
    """ALICE_VECTORS and ALICE_MILVUS_DEMO share account-level names; tearing down the
    one that was never deployed must leave every object of the other (their COMMENTs
    both start with "spcs-wizard deployment", and only an exact match counts)."""
    assert world.deploy()[0].ok
    other = Deployment(
        account=world.emu.settings.account_identifier, prefix="alice", database={"name": "VECTORS"}
    )
    other_plan = build_plan(other, tmp_path / "other-specs")
    other_state = DeploymentState(tmp_path / "other-state.json", other.deployment_id)
    with connect(world.emu) as con:
        outcome = Teardown(SqlRunner(con), other_plan, other_state).run()
        assert outcome.ok, outcome.failed
        assert outcome.removed == []
        assert rows(con, "SHOW WAREHOUSES LIKE 'ALICE_MILVUS_WAREHOUSE'")
        assert rows(con, "SHOW ROLES LIKE 'ALICE_MILVUS_ROLE'")
        assert len(rows(con, "SHOW COMPUTE POOLS LIKE 'ALICE_%'")) == 2
        assert rows(con, "SHOW DATABASES LIKE 'ALICE_MILVUS_DEMO'")


def test_a_missing_image_with_no_way_to_push_it_says_which_command_does(world: World) -> None:
    with closing(connect(world.emu)) as con:
        deployer = world.deployer(SqlRunner(con))
        deployer.push_image = None  # a deploy that may not build (the seed's procedure)
        outcome = deployer.run()
    failed = outcome.failed
    assert failed is not None
    assert failed.step_id == "image-milvus"
    image = image_reference(world.deployment, world.deployment.milvus)
    assert image.endswith(
        f"/alice_milvus_demo/public/milvus_repo/milvus:{world.deployment.milvus.tag}"
    )
    assert failed.message == f"the image {image} is not in the repository"
    assert failed.hint == (
        "Build it for linux/amd64 and push it to the repository shown ('spcs-wizard images "
        "push' does both, as the wizard's Build & push does), then run the deployment again."
    )


def test_an_administrators_grant_found_in_place_is_not_revoked(world: World) -> None:
    """A grant that already held when deploy came to it is not recorded as ours, so
    teardown does not revoke it."""
    world.refuse("GRANT USAGE ON WAREHOUSE")
    interrupted, _ = world.deploy()
    assert interrupted.failed is not None
    assert interrupted.failed.step_id == "grant-warehouse"
    with connect(world.emu) as con:  # an administrator grants it by hand meanwhile
        con.cursor().execute(
            "GRANT USAGE ON WAREHOUSE ALICE_MILVUS_WAREHOUSE TO ROLE ALICE_MILVUS_ROLE"
        )
    outcome, _ = world.deploy()
    assert outcome.ok, outcome.failed
    assert "grant-warehouse" in outcome.skipped
    assert "grant-warehouse" not in world.state.executed
    with connect(world.emu) as con:
        down = Teardown(SqlRunner(con), world.plan, world.state).run()
    assert "grant-warehouse" not in down.removed
    assert down.skipped["grant-warehouse"] == "not granted by spcs-wizard (kept)"
    assert down.left == {"grant-warehouse": "not granted by spcs-wizard (kept)"}  # reported


def test_the_record_keeps_what_a_run_saw_done_apart_from_what_it_ran(world: World) -> None:
    """Steps found in place and waits passed are kept apart from the steps this tool ran:
    the wizard shows them done; teardown reads only what the tool ran, and forgets what
    it removed, with the waits for it and a grant found on it."""
    world.refuse("GRANT USAGE ON WAREHOUSE")
    assert world.deploy()[0].failed is not None
    with connect(world.emu) as con:  # an administrator grants it by hand meanwhile
        con.cursor().execute(
            "GRANT USAGE ON WAREHOUSE ALICE_MILVUS_WAREHOUSE TO ROLE ALICE_MILVUS_ROLE"
        )
    assert world.deploy()[0].ok
    waits = {s.id for s in world.plan if s.kind is StepKind.WAIT}
    state = DeploymentState.load(world.state.path, world.state.deployment_id)  # as saved
    assert set(state.seen) == waits | {"grant-warehouse"}
    assert not set(state.seen) & set(state.executed)
    assert set(state.seen) | set(state.executed) == {s.id for s in world.plan}
    assert world.deploy()[0].ok  # a no-op re-run: what it ran earlier stays only "ran"
    state = DeploymentState.load(world.state.path, world.state.deployment_id)
    assert set(state.seen) == waits | {"grant-warehouse"}
    with connect(world.emu) as con:
        down = Teardown(SqlRunner(con), world.plan, world.state).run()
    assert down.ok
    assert down.skipped["grant-warehouse"] == "not granted by spcs-wizard (kept)"
    # The waits went with their objects; the administrator's grant, left alone, went
    # with the role and the warehouse it was on: nothing is seen any more.
    assert world.state.seen == {}


def test_teardown_keep_data_keeps_database_and_stages(world: World) -> None:
    assert world.deploy()[0].ok
    with connect(world.emu) as con:
        outcome = Teardown(SqlRunner(con), world.plan, world.state, keep_data=True).run()
        assert outcome.ok
        assert rows(con, "SHOW DATABASES LIKE 'ALICE_MILVUS_DEMO'")
        assert len(rows(con, "SHOW STAGES IN SCHEMA ALICE_MILVUS_DEMO.PUBLIC")) == 3
        assert rows(con, "SHOW SERVICES IN SCHEMA ALICE_MILVUS_DEMO.PUBLIC") == []


def test_sysadmin_lacks_create_compute_pool_and_the_plan_grants_it(world: World) -> None:
    """As in a new account: SYSADMIN holds no CREATE COMPUTE POOL; the deployment grants
    it as ACCOUNTADMIN before the pools, and teardown leaves that shared grant alone."""
    with connect(world.emu, role="SYSADMIN") as con:
        with pytest.raises(Exception, match="Insufficient privileges to operate on account"):
            con.cursor().execute(
                "CREATE COMPUTE POOL P MIN_NODES=1 MAX_NODES=1 INSTANCE_FAMILY=CPU_X64_XS"
            )
        grants = rows(con, "SHOW GRANTS TO ROLE SYSADMIN")
    assert not any(g["privilege"] == "CREATE COMPUTE POOL" for g in grants)
    outcome, _ = world.deploy()
    assert outcome.ok, outcome.failed
    ids = [s.id for s in world.plan]
    assert ids.index("create-compute-pool-privilege") < ids.index("compute-pool-milvus")
    assert "create-compute-pool-privilege" in outcome.done
    with connect(world.emu, role="ACCOUNTADMIN") as con:
        grants = rows(con, "SHOW GRANTS TO ROLE SYSADMIN")
    assert any(
        g["privilege"] == "CREATE COMPUTE POOL" and g["granted_on"] == "ACCOUNT" for g in grants
    )


def test_a_failure_names_the_step_and_the_next_move(emu: Emulator, tmp_path: Path) -> None:
    """No injected fault: the "account admin" of this deployment is SYSADMIN, which may
    not create integrations, so the first account-level step really fails."""
    world = World(emu, tmp_path)
    world.deployment = Deployment(
        account=emu.settings.account_identifier,
        prefix="alice",
        admin_roles={"account_admin": "SYSADMIN"},
    )
    world.plan = build_plan(world.deployment, tmp_path / "specs")
    outcome, _ = world.deploy()
    failed: StepFailed | None = outcome.failed
    assert failed is not None
    assert failed.step_id == "security-integration"
    assert (failed.code, failed.sqlstate) == (3001, "42501")
    assert "SYSADMIN lacks a privilege" in failed.hint
    assert "create-security-integration" in failed.hint


def test_deploying_a_suspended_deployment_resumes_it(world: World) -> None:
    assert world.deploy()[0].ok
    with connect(world.emu, role="SYSADMIN") as con:
        cur = con.cursor()
        cur.execute("ALTER COMPUTE POOL ALICE_MILVUS_COMPUTE_POOL SUSPEND")
        cur.execute("ALTER SERVICE ALICE_MILVUS_DEMO.PUBLIC.MILVUS SUSPEND")
    world.events.clear()
    outcome, runner = world.deploy()
    assert outcome.ok, outcome.failed
    resumed = [
        "ALTER COMPUTE POOL ALICE_MILVUS_COMPUTE_POOL RESUME",
        "ALTER SERVICE ALICE_MILVUS_DEMO.PUBLIC.MILVUS RESUME",
    ]
    assert [s for s in runner.executed if s.endswith(" RESUME")] == resumed
    assert outcome.changed == resumed  # what the run changed, and its summary says it
    assert outcome.said().endswith(
        "; resumed ALICE_MILVUS_COMPUTE_POOL, ALICE_MILVUS_DEMO.PUBLIC.MILVUS"
    )
    said = [(e.step_id, e.detail, e.attempt) for e in world.events if isinstance(e, StepWaiting)]
    assert ("wait-pool-milvus", "ALICE_MILVUS_COMPUTE_POOL was suspended: resumed it", 0) in said
    assert (
        "wait-service-milvus",
        "ALICE_MILVUS_DEMO.PUBLIC.MILVUS was suspended: resumed it",
        0,
    ) in said


def test_a_suspended_deployments_pools_and_services_resume_side_by_side(world: World) -> None:
    """Suspended whole (as `suspend` does: services, then pools), a deploy resumes both
    pools at its first pool wait and both services at its first service wait, so the
    second of each starts with the first: its own wait finds it ready and waits for
    nothing (each used to be resumed only once the one before was up: minutes a pool)."""
    assert world.deploy()[0].ok
    pools = ["ALICE_MILVUS_COMPUTE_POOL", "ALICE_JUPYTER_COMPUTE_POOL"]
    services = ["ALICE_MILVUS_DEMO.PUBLIC.MILVUS", "ALICE_MILVUS_DEMO.PUBLIC.JUPYTER"]
    with connect(world.emu, role="SYSADMIN") as con:
        for service in services:
            con.cursor().execute(f"ALTER SERVICE {service} SUSPEND")
        for pool in pools:
            con.cursor().execute(f"ALTER COMPUTE POOL {pool} SUSPEND")
    world.events.clear()
    outcome, _ = world.deploy()
    assert outcome.ok, outcome.failed
    assert outcome.resumed == pools + services
    said = [(e.step_id, e.detail) for e in world.events if isinstance(e, StepWaiting)]
    assert ("wait-pool-milvus", "ALICE_JUPYTER_COMPUTE_POOL was suspended: resumed it") in said
    assert (
        "wait-service-milvus",
        "ALICE_MILVUS_DEMO.PUBLIC.JUPYTER was suspended: resumed it",
    ) in said
    waited = {step_id for step_id, _ in said}
    assert "wait-pool-jupyter" not in waited  # ready at its first look
    assert "wait-service-jupyter" not in waited


def test_a_wait_that_resumes_what_it_waits_for_does_not_then_say_it_suspended(
    world: World,
) -> None:
    """A wait that finds its pool suspended (after the look before the first step, say)
    resumes it and says so; what it read before the resume is not said after it (it
    said "resumed it", then "state=SUSPENDED")."""
    assert world.deploy()[0].ok
    with connect(world.emu, role="SYSADMIN") as con:
        con.cursor().execute("ALTER COMPUTE POOL ALICE_MILVUS_COMPUTE_POOL SUSPEND")
    world.events.clear()
    with closing(connect(world.emu)) as con:
        world.deployer(SqlRunner(con))._waiter.wait(world.plan.step("wait-pool-milvus"))
    said = [e.detail for e in world.events if isinstance(e, StepWaiting)]
    assert said[0] == "ALICE_MILVUS_COMPUTE_POOL was suspended: resumed it"
    assert len(said) > 1  # it waited for the pool to start
    assert not [detail for detail in said[1:] if "SUSPENDED" in detail], said


def test_both_pools_start_together_and_images_overlap_their_start(world: World) -> None:
    """CREATE COMPUTE POOL returns at once and the pool starts in the background, so the
    plan creates both pools, then pushes images, then waits: the second pool is ready
    by the time the first is, and no wait is spent on it."""
    assert world.deploy()[0].ok
    waits = [e.step_id for e in world.events if type(e).__name__ == "StepWaiting"]
    assert "wait-pool-milvus" in waits
    assert "wait-pool-jupyter" not in waits
    # The wait's last word is how it ended (ready), not its last poll before that.
    said = [e for e in world.events if isinstance(e, StepWaiting)]
    last = [e.detail for e in said if e.step_id == "wait-pool-milvus"][-1]
    assert last in (
        "ALICE_MILVUS_COMPUTE_POOL state=IDLE",
        "ALICE_MILVUS_COMPUTE_POOL state=ACTIVE",
    )


def test_a_lookalike_that_show_like_also_lists_is_neither_ours_nor_in_the_way(
    world: World,
) -> None:
    """SHOW ... LIKE treats '_' as any character, so someone's ALICE1MILVUS_WAREHOUSE (and
    MILVUS1REPO beside our repository) come back with ours; only the exact name counts."""
    with connect(world.emu, role="SYSADMIN") as con:
        con.cursor().execute("CREATE WAREHOUSE ALICE1MILVUS_WAREHOUSE COMMENT = 'finance'")
    first, _ = world.deploy()
    assert first.ok, first.failed
    assert "warehouse" in first.done  # ours was made; the lookalike did not stand for it
    with connect(world.emu, role="SYSADMIN") as con:
        con.cursor().execute(
            "CREATE IMAGE REPOSITORY ALICE_MILVUS_DEMO.PUBLIC.MILVUS1REPO COMMENT = 'finance'"
        )
        assert [r["name"] for r in rows(con, "SHOW WAREHOUSES LIKE 'ALICE_MILVUS_WAREHOUSE'")] == [
            "ALICE1MILVUS_WAREHOUSE",  # listed first: only its name tells it from ours
            "ALICE_MILVUS_WAREHOUSE",
        ]
    # From another machine (no local record): only the rows' names and comments decide.
    world.state = DeploymentState(
        world.state.path.with_name("other.json"), world.state.deployment_id
    )
    again, _ = world.deploy()
    assert again.ok, again.failed  # ours carry our comment; the lookalikes are not refused
    assert {"warehouse", "image-repository"} <= set(again.skipped)
    down = world.teardown()
    assert down.ok, down.failed
    with connect(world.emu, role="SYSADMIN") as con:
        assert [r["name"] for r in rows(con, "SHOW WAREHOUSES LIKE 'ALICE%'")] == [
            "ALICE1MILVUS_WAREHOUSE"
        ]


def test_a_quoted_name_is_told_from_its_lookalike_by_its_name_without_quotes(
    emu: Emulator, tmp_path: Path
) -> None:
    """MATCH_RECOGNIZE is always quoted in SQL; SHOW lists it bare, after a lookalike
    (MATCHXRECOGNIZE sorts first, and LIKE's '_' matches its X)."""
    world = World(emu, tmp_path, prefix="", warehouse={"name": "MATCH_RECOGNIZE"})
    with connect(emu, role="SYSADMIN") as con:
        con.cursor().execute("CREATE WAREHOUSE MATCHXRECOGNIZE COMMENT = 'finance'")
    assert world.deploy()[0].ok
    world.state = DeploymentState(tmp_path / "other.json", world.state.deployment_id)
    again, _ = world.deploy()  # another machine: only the rows can say which one is ours
    assert again.ok, again.failed
    assert "warehouse" in again.skipped


def test_an_object_we_made_stays_ours_when_its_comment_is_changed(world: World) -> None:
    assert world.deploy()[0].ok
    with connect(world.emu, role="SYSADMIN") as con:
        con.cursor().execute(
            "ALTER WAREHOUSE ALICE_MILVUS_WAREHOUSE SET COMMENT = 'renamed by an admin'"
        )
    again, _ = world.deploy()
    assert again.ok, again.failed  # the state says we made it: not refused as foreign
    assert "warehouse" in again.skipped


def test_the_repository_pushed_to_is_ours_never_a_lookalike(emu: Emulator) -> None:
    """SHOW IMAGE REPOSITORIES LIKE 'MILVUS_REPO' also lists MILVUS1REPO, first."""
    from spcs_wizard.engine.images import RegistryPusher

    d = Deployment(account=emu.settings.account_identifier)
    with connect(emu, role="SYSADMIN") as con:
        for sql in (
            "CREATE DATABASE MILVUS_DEMO",
            "CREATE IMAGE REPOSITORY MILVUS_DEMO.PUBLIC.MILVUS1REPO",
            "CREATE IMAGE REPOSITORY MILVUS_DEMO.PUBLIC.MILVUS_REPO",
        ):
            con.cursor().execute(sql)
        listed = rows(
            con, "SHOW IMAGE REPOSITORIES LIKE 'MILVUS_REPO' IN SCHEMA MILVUS_DEMO.PUBLIC"
        )
        assert [r["name"] for r in listed] == ["MILVUS1REPO", "MILVUS_REPO"]
        url = RegistryPusher(SqlRunner(con), d).repository_url()
    assert url.endswith("/milvus_demo/public/milvus_repo")


@pytest.mark.parametrize("stop_at", ["warehouse", "wait-pool-milvus"])
def test_a_stop_request_ends_the_run_between_steps_or_in_a_wait_and_a_rerun_resumes(
    emu: Emulator, tmp_path: Path, stop_at: str
) -> None:
    """Asked to stop, the run ends before the next step (or, in a wait, before its next
    pause), reports it stopped (not ok, no failure), runs nothing more; the next run skips
    what was done and completes."""
    world = World(emu, tmp_path)
    # A pool is never ready at once, so the wait polls; the stop comes at its first poll.
    asked = {"stop": False}

    def note(event: Event) -> None:
        world.events.append(event)
        if event.step_id == stop_at and isinstance(event, StepStarted | StepWaiting):
            asked["stop"] = True

    with closing(connect(emu)) as con:
        deployer = world.deployer(SqlRunner(con))
        deployer.on_event = note
        deployer.should_stop = lambda: asked["stop"]
        outcome = deployer.run()
    assert outcome.stopped
    assert not outcome.ok
    assert outcome.failed is None
    ids = [s.id for s in world.plan]
    ran = {e.step_id for e in world.events if isinstance(e, StepDone)}
    later = ids[ids.index(stop_at) + 1 :]
    assert not ran & set(later)  # nothing after the stop began
    if stop_at == "warehouse":  # a step that was started finishes: stop is between steps
        assert "warehouse" in ran
    else:  # a wait ends at once: it changed nothing
        assert stop_at not in ran
    world.events.clear()
    again, _ = world.deploy()
    assert again.ok
    skipped = {e.step_id for e in world.events if isinstance(e, StepSkipped)}
    assert "role" in skipped
    assert "warehouse" in skipped


def test_an_outcome_says_its_steps_with_the_waits_apart() -> None:
    """What provision, rehearse and the workshop print of a run: the steps done and in
    place count what the plan lists (its objects); the waits are said apart, when any."""
    from spcs_wizard.engine.outcome import Outcome

    run = Outcome(done=["role", "wait-pool-milvus", "user", "wait-service-milvus"], skipped=["db"])
    assert run.said() == "2 steps done, 1 already in place, 2 waits passed"
    assert Outcome(done=["role"]).said() == "1 steps done, 0 already in place"
    assert Outcome(skipped=["role", "user"]).said() == "0 steps done, 2 already in place"

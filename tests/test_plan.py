"""The plan covers the guide's whole procedure, with its flaws fixed, in a safe order."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import sqlglot
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlglot import exp

from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.plan import USER_PASSWORD, Plan, build_plan, ownership_comment
from spcs_wizard.model.plan_export import to_data, to_script
from spcs_wizard.model.plan_steps import MILVUS_ROOT_PASSWORD
from spcs_wizard.model.sql import MissingSecretError
from spcs_wizard.model.step import HOSTNAME, Check, StepKind

SPEC_DIR = Path("/tmp/spcs-wizard-test-specs")


def plan_for(**kwargs: object) -> Plan:
    return build_plan(Deployment(account="myorg-myaccount", **kwargs), SPEC_DIR)


def targets(plan: Plan) -> dict[tuple[str, str], object]:
    return {(s.target.kind, s.target.name): s for s in plan if s.target is not None}


# The objects the guide creates, by kind, as (kind, name in our plan). Where our name
# differs from the guide's, the comment says why.
SEED_OBJECTS = {
    "security integration": [("SECURITY INTEGRATION", "SNOWSERVICES_INGRESS_OAUTH")],
    "role": [("ROLE", "MILVUS_ROLE")],
    "user": [("USER", "MILVUS_USER")],  # guide: milvus_user, which resolves to MILVUS_USER
    "warehouse": [("WAREHOUSE", "MILVUS_WAREHOUSE")],
    "database": [("DATABASE", "MILVUS_DEMO")],
    "image repository": [("IMAGE REPOSITORY", "MILVUS_DEMO.PUBLIC.MILVUS_REPO")],
    "stage": [
        ("STAGE", "MILVUS_DEMO.PUBLIC.YAML_STAGE"),
        ("STAGE", "MILVUS_DEMO.PUBLIC.DATA"),
        ("STAGE", "MILVUS_DEMO.PUBLIC.FILES"),
    ],
    # guide: allow_all_rule / allow_all_eai; renamed because they no longer allow all.
    "network rule": [("NETWORK RULE", "MILVUS_DEMO.PUBLIC.MILVUS_EGRESS_RULE")],
    "external access integration": [("EXTERNAL ACCESS INTEGRATION", "MILVUS_EGRESS_EAI")],
    "compute pool": [
        ("COMPUTE POOL", "MILVUS_COMPUTE_POOL"),
        ("COMPUTE POOL", "JUPYTER_COMPUTE_POOL"),
    ],
    "service": [
        ("SERVICE", "MILVUS_DEMO.PUBLIC.MILVUS"),
        ("SERVICE", "MILVUS_DEMO.PUBLIC.JUPYTER"),
    ],
    "grant": [
        ("GRANT", "BIND SERVICE ENDPOINT ON ACCOUNT TO ROLE SYSADMIN"),
        ("GRANT", "ROLE MILVUS_ROLE TO USER MILVUS_USER"),
        ("GRANT", "USAGE ON DATABASE MILVUS_DEMO TO ROLE MILVUS_ROLE"),
        ("GRANT", "USAGE ON SCHEMA MILVUS_DEMO.PUBLIC TO ROLE MILVUS_ROLE"),
        ("GRANT", "USAGE ON WAREHOUSE MILVUS_WAREHOUSE TO ROLE MILVUS_ROLE"),
        ("GRANT", "READ, WRITE ON STAGE MILVUS_DEMO.PUBLIC.FILES TO ROLE MILVUS_ROLE"),
        ("GRANT", "USAGE ON INTEGRATION MILVUS_EGRESS_EAI TO ROLE SYSADMIN"),
        (
            "GRANT",
            "SERVICE ROLE MILVUS_DEMO.PUBLIC.JUPYTER!ALL_ENDPOINTS_USAGE TO ROLE MILVUS_ROLE",
        ),
    ],
    "spec upload": [
        ("FILE", "@MILVUS_DEMO.PUBLIC.YAML_STAGE/milvus.yaml"),
        ("FILE", "@MILVUS_DEMO.PUBLIC.YAML_STAGE/jupyter.yaml"),
    ],
}


@pytest.mark.parametrize("kind", sorted(SEED_OBJECTS))
def test_the_plan_creates_every_object_of_the_guide(kind: str) -> None:
    # Egress is off by default (the notebook needs none; trials refuse it); on, the plan
    # covers the guide's egress objects too.
    plan = plan_for(egress={"enabled": True})
    found = targets(plan)
    for key in SEED_OBJECTS[kind]:
        step = found.get(key)
        assert step is not None, f"the plan does not create {key}"
        assert step.undo, f"{key} has no undo statement"
        if step.kind is StepKind.SQL:
            assert step.check is not None, f"{key} cannot be detected as already done"


@pytest.mark.parametrize("image", ["milvus", "jupyter"])
def test_both_images_are_built_and_pushed(image: str) -> None:
    step = plan_for().step(f"image-{image}")
    assert step.kind is StepKind.IMAGE
    assert step.details["platform"] == "linux/amd64"
    assert step.details["image"].startswith(
        f"myorg-myaccount.registry.snowflakecomputing.com/milvus_demo/public/milvus_repo/{image}:"
    )
    assert step.check is not None
    assert "SHOW IMAGES IN IMAGE REPOSITORY" in step.check.sql.text()


def all_sql(plan: Plan) -> str:
    return "\n".join(s.text() for step in plan for s in (*step.statements, *step.undo))


def test_guide_flaw_plain_text_password_is_fixed() -> None:
    plan = plan_for()
    text = all_sql(plan)
    assert "milvususerok" not in text
    user = plan.step("user")
    assert user.secrets == ("milvus_user_password",)
    assert "PASSWORD = '&{ milvus_user_password }'" in user.statements[0].text()
    secret = plan.step("secret-jupyter")
    assert "TYPE = GENERIC_STRING" in secret.statements[0].text()
    assert secret.secrets == ("jupyter_password",)


def test_egress_is_off_by_default() -> None:
    plan = plan_for()
    ids = [s.id for s in plan]
    assert not {"network-rule", "external-access-integration", "grant-integration"} & set(ids)
    assert "EXTERNAL_ACCESS" not in all_sql(plan)


def test_guide_flaw_open_egress_is_fixed() -> None:
    plan = plan_for(egress={"enabled": True})
    rule = plan.step("network-rule").statements[0].text()
    assert "0.0.0.0" not in rule
    assert ":80'" not in rule
    # Only the notebook gets egress; Milvus has none.
    assert "EXTERNAL_ACCESS_INTEGRATIONS" in plan.step("service-jupyter").statements[0].text()
    assert "EXTERNAL_ACCESS" not in plan.step("service-milvus").statements[0].text()
    no_egress = plan_for(egress={"enabled": False})
    assert "network-rule" not in [s.id for s in no_egress]
    assert "EXTERNAL_ACCESS" not in all_sql(no_egress)


def test_milvus_alone_leaves_the_notebook_out_but_teardown_still_removes_one() -> None:
    """notebook = false: no notebook pool, image, secret, spec, service, files stage or
    egress (egress is the notebook's, even when enabled); the cost and the switches name
    Milvus' pool only, except suspend, which also stops a notebook an earlier deploy left; teardown
    still removes a notebook an earlier deploy made (each removal is checked first)."""
    from spcs_wizard.engine.operations import switch_statements
    from spcs_wizard.model.cost import action_notice, estimate
    from spcs_wizard.specs.render import render_all

    whole = plan_for(egress={"enabled": True})
    alone = plan_for(egress={"enabled": True}, notebook=False)
    left_out = {s.id for s in whole} - {s.id for s in alone}
    assert left_out == {
        "compute-pool-jupyter",
        "image-jupyter",
        "wait-pool-jupyter",
        "secret-jupyter",
        "upload-spec-jupyter",
        "service-jupyter",
        "wait-service-jupyter",
        "grant-endpoints-jupyter",
        "wait-endpoints-jupyter",
        "network-rule",
        "external-access-integration",
        "grant-integration",
        "stage-files",
        "grant-files-stage",
    }
    assert {s.id for s in alone} < {s.id for s in whole}
    assert "JUPYTER" not in all_sql(alone)
    assert "FILES" not in all_sql(alone)
    assert alone.secrets == (USER_PASSWORD, MILVUS_ROOT_PASSWORD)
    assert [s.id for s in alone.teardown()] == [s.id for s in whole.teardown()]
    d = alone.deployment
    assert [spec.service for spec in render_all(d)] == ["milvus"]
    assert [line.item for line in estimate(d).lines] == ["Milvus pool", "warehouse"]
    assert "the compute pool MILVUS_COMPUTE_POOL:" in action_notice("deploy", d)
    assert "JUPYTER" not in " ".join(switch_statements(d, "resume"))
    suspend = switch_statements(d, "suspend")
    assert "ALTER SERVICE IF EXISTS MILVUS_DEMO.PUBLIC.JUPYTER SUSPEND" in suspend
    assert "ALTER COMPUTE POOL IF EXISTS JUPYTER_COMPUTE_POOL SUSPEND" in suspend


def test_guide_flaw_create_or_replace_is_gone() -> None:
    text = all_sql(plan_for())
    assert "OR REPLACE" not in text
    for step in plan_for():
        for sql in step.statements:
            if sql.verb == "CREATE":
                assert "IF NOT EXISTS" in sql.text(), step.id


def test_guide_flaw_deprecated_status_function_is_gone() -> None:
    plan = plan_for()
    checks = " ".join(s.check.sql.text() for s in plan if s.check)
    assert "SYSTEM$GET_SERVICE_STATUS" not in checks + all_sql(plan)
    assert "SHOW SERVICE CONTAINERS IN SERVICE MILVUS_DEMO.PUBLIC.MILVUS" in checks
    assert "SHOW ENDPOINTS IN SERVICE MILVUS_DEMO.PUBLIC.JUPYTER" in checks


def test_guide_flaw_all_privileges_is_narrowed() -> None:
    assert "ALL PRIVILEGES" not in all_sql(plan_for())


def test_every_created_object_carries_the_ownership_comment() -> None:
    plan = plan_for(prefix="dave")
    comment = ownership_comment(plan.deployment)
    assert comment == "spcs-wizard deployment DAVE_MILVUS_DEMO"
    for step in plan:
        for sql in step.statements:
            if sql.verb == "CREATE":
                assert f"COMMENT = '{comment}'" in sql.text(), step.id


def test_every_step_is_documented_and_has_a_role() -> None:
    for step in plan_for():
        assert step.doc.startswith("https://docs.snowflake.com/en/")
        assert step.role.name in {"ACCOUNTADMIN", "SECURITYADMIN", "USERADMIN", "SYSADMIN"}
        assert step.title
        assert step.id
        if step.kind in (StepKind.SQL, StepKind.PUT):
            # One statement a step: a refused one means nothing of the step ran, which
            # the engine relies on (apply.Deployer._step: a grant refused is not ours).
            assert len(step.statements) == 1, step.id
        else:
            assert not step.statements
            assert step.check is not None


def test_services_are_owned_by_a_role_that_is_not_privileged() -> None:
    # Snowflake refuses ACCOUNTADMIN/SECURITYADMIN as a service's owner role.
    plan = plan_for()
    assert plan.step("service-milvus").role.name == "SYSADMIN"
    assert plan.step("bind-service-endpoint").statements[0].text().endswith("TO ROLE SYSADMIN")


def test_dependencies_come_before_the_steps_that_need_them() -> None:
    plan = plan_for()
    seen: set[str] = set()
    for step in plan:
        assert set(step.depends_on) <= seen, step.id
        seen.add(step.id)
    assert {"compute-pool-milvus", "image-milvus", "upload-spec-milvus"} <= set(
        plan.step("service-milvus").depends_on
    )


@pytest.mark.parametrize("keep_data", [False, True])
@pytest.mark.parametrize("include_shared", [False, True])
def test_undo_runs_in_reverse_dependency_order(keep_data: bool, include_shared: bool) -> None:
    plan = plan_for()
    order = plan.teardown(keep_data=keep_data, include_shared=include_shared)
    position = {step.id: i for i, step in enumerate(order)}
    for step in order:
        for dep in step.depends_on:
            if dep in position:
                assert position[dep] > position[step.id], f"{dep} undone before {step.id}"
    ids = set(position)
    assert ("security-integration" in ids) is include_shared
    assert ("bind-service-endpoint" in ids) is include_shared
    assert ("database" in ids) is not keep_data
    assert ("stage-data" in ids) is not keep_data
    assert {"service-milvus", "compute-pool-milvus", "role", "warehouse"} <= ids
    assert position["service-jupyter"] < position["compute-pool-jupyter"]
    assert position["grant-role-to-user"] < position["user"] < position["role"]


def test_compute_pool_undo_stops_services_before_dropping() -> None:
    undo = [s.text() for s in plan_for().step("compute-pool-milvus").undo]
    assert undo == [
        "ALTER COMPUTE POOL IF EXISTS MILVUS_COMPUTE_POOL STOP ALL",
        "DROP COMPUTE POOL IF EXISTS MILVUS_COMPUTE_POOL",
    ]


def account_level_names(plan: Plan) -> set[str]:
    return {
        s.target.name
        for s in plan
        if s.target is not None and s.target.scope == "account" and not s.target.shared
    }


attendee = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,20}", fullmatch=True)


@given(attendee, attendee)
def test_two_attendees_never_share_an_account_level_name(a: str, b: str) -> None:
    assume(a.upper().rstrip("_") != b.upper().rstrip("_"))
    names_a = account_level_names(plan_for(prefix=a))
    names_b = account_level_names(plan_for(prefix=b))
    assert len(names_a) == 6  # role, user, warehouse, database, two pools (egress is off)
    assert not names_a & names_b
    # What the attendees do share is exactly the account-wide prerequisites.
    shared = {s.id for s in plan_for(prefix=a) if s.target and s.target.shared}
    assert shared == {
        "security-integration",
        "bind-service-endpoint",
        "create-compute-pool-privilege",
    }


def test_a_thirty_person_workshop_has_no_collisions() -> None:
    seen: dict[str, str] = {}
    for i in range(30):
        for name in account_level_names(plan_for(prefix=f"attendee{i:02d}")):
            assert name not in seen, f"{name} shared by attendee{i:02d} and {seen[name]}"
            seen[name] = f"attendee{i:02d}"


# Statements sqlglot understands natively (not a generic Command): parse them fully.
NATIVE = {
    "warehouse": (exp.Create, "MILVUS_WAREHOUSE"),
    "database": (exp.Create, "MILVUS_DEMO"),
    "stage-specs": (exp.Create, "YAML_STAGE"),
    "stage-data": (exp.Create, "DATA"),
    "stage-files": (exp.Create, "FILES"),
    "grant-database": (exp.Grant, "MILVUS_DEMO"),
    "grant-schema": (exp.Grant, "PUBLIC"),
    "grant-warehouse": (exp.Grant, "MILVUS_WAREHOUSE"),
    "grant-files-stage": (exp.Grant, "FILES"),
    "grant-integration": (exp.Grant, "MILVUS_EGRESS_EAI"),
    "upload-spec-milvus": (exp.Put, None),
}


@pytest.mark.parametrize("step_id", sorted(NATIVE))
def test_statements_parse_as_snowflake_sql(step_id: str) -> None:
    node_type, name = NATIVE[step_id]
    step = plan_for(egress={"enabled": True}).step(step_id)
    (tree,) = sqlglot.parse(step.statements[0].text(), read="snowflake")
    assert isinstance(tree, node_type)
    if name is not None:
        assert name in {i.name for i in tree.find_all(exp.Identifier)}
    for undo in step.undo:
        (undo_tree,) = sqlglot.parse(undo.text(), read="snowflake")
        assert not isinstance(undo_tree, exp.Command) or undo.verb in {"REMOVE"}


def _statements(script: str) -> list[exp.Expression]:
    # A trailing comment parses as an empty Semicolon node: not a statement.
    parsed = sqlglot.parse(script, read="snowflake")
    return [s for s in parsed if s is not None and not isinstance(s, exp.Semicolon)]


def test_the_script_splits_into_exactly_the_plans_statements() -> None:
    plan = plan_for(prefix="eve")
    script = to_script(plan)
    statements = _statements(script)
    role_switches = script.count("\nUSE ROLE ")
    expected = sum(len(step.statements) for step in plan) + role_switches
    assert len(statements) == expected
    teardown = to_script(plan, plan.teardown(), undo=True)
    undo_statements = _statements(teardown)
    assert len(undo_statements) == sum(len(s.undo) for s in plan.teardown()) + teardown.count(
        "\nUSE ROLE "
    )


def test_script_switches_role_before_each_steps_statements() -> None:
    script = to_script(plan_for())
    role = None
    for line in script.splitlines():
        if line.startswith("USE ROLE "):
            role = line.removeprefix("USE ROLE ").rstrip(";")
        elif line.startswith(("CREATE SECURITY", "GRANT BIND")):
            assert role == "ACCOUNTADMIN"
        elif line.startswith("CREATE USER"):
            assert role == "USERADMIN"
        elif line.startswith("CREATE COMPUTE POOL"):
            assert role == "SYSADMIN"
    assert (
        '-D "jupyter_password=..." -D "milvus_root_password=..." -D "milvus_user_password=..."'
        in script
    )
    # The one the tool makes up is said to be made up by whoever runs the script by hand;
    # the ones people type are not.
    header = script.split("\n\n", 1)[0]
    assert "-- milvus_root_password: make up a long random one" in header
    assert "-- jupyter_password:" not in header
    assert "-- milvus_user_password:" not in header


def test_secrets_are_filled_only_in_the_executable_form() -> None:
    plan = plan_for()
    sql = plan.step("user").statements[0]
    secret = "pa'ss\\word"
    executable = sql.executable({"milvus_user_password": secret})
    assert "PASSWORD = 'pa\\'ss\\\\word'" in executable
    assert secret not in sql.text()
    assert secret not in str(sql)
    assert secret not in repr(sql)
    with pytest.raises(MissingSecretError, match="milvus_user_password"):
        sql.executable({})


def test_json_matches_its_schema_and_carries_no_secret() -> None:
    schema = json.loads(
        resources.files("spcs_wizard.schemas").joinpath("plan.schema.json").read_text()
    )
    plan = plan_for(prefix="frank")
    data = to_data(plan)
    jsonschema.validate(data, schema)
    assert [s["id"] for s in data["steps"]] == [s.id for s in plan]
    teardown = to_data(plan, teardown=plan.teardown())
    jsonschema.validate(teardown, schema)
    assert teardown["mode"] == "teardown"


@pytest.mark.parametrize(
    ("rows", "satisfied"),
    [
        ([{"name": "MILVUS_ROLE"}], True),
        ([{"NAME": "milvus_role"}], True),  # column and value compared case-insensitively
        ([{"name": "MILVUSXROLE"}], False),  # LIKE's '_' wildcard matched it; we do not
        ([], False),
    ],
)
def test_show_like_checks_match_the_exact_name(rows: list[dict[str, str]], satisfied: bool) -> None:
    check = plan_for().step("role").check
    assert check is not None
    assert check.satisfied_by(rows) is satisfied


def test_wait_checks() -> None:
    pool = plan_for().step("wait-pool-milvus").check
    assert pool is not None
    assert pool.satisfied_by([{"state": "IDLE"}])
    assert not pool.satisfied_by([{"state": "STARTING"}])
    containers = plan_for().step("wait-service-milvus").check
    assert containers is not None
    assert containers.satisfied_by([{"status": "READY"}, {"status": "READY"}])
    assert not containers.satisfied_by([{"status": "READY"}, {"status": "PENDING"}])
    assert not containers.satisfied_by([])
    endpoint = plan_for().step("wait-endpoints-jupyter").check
    assert endpoint is not None
    assert not endpoint.satisfied_by(
        [{"is_public": "true", "ingress_url": "Endpoints provisioning in progress... check back"}]
    )
    assert endpoint.satisfied_by(
        [{"is_public": "true", "ingress_url": "abcd-myorg-myaccount.snowflakecomputing.app"}]
    )


def test_grant_checks_need_every_privilege() -> None:
    check = plan_for().step("grant-files-stage").check
    assert check is not None
    read = {"privilege": "READ", "granted_on": "STAGE", "name": "MILVUS_DEMO.PUBLIC.FILES"}
    write = dict(read, privilege="WRITE")
    assert check.satisfied_by([read, write])
    assert not check.satisfied_by([read])


def test_hostname_matcher_is_strict() -> None:
    check = Check(sql=plan_for().step("role").statements[0], expect=({"u": (HOSTNAME,)},))
    assert check.satisfied_by([{"u": "x.example.com"}])
    assert not check.satisfied_by([{"u": "not ready yet"}])


def test_optional_steps_follow_the_model() -> None:
    ids = {s.id for s in plan_for(user={"create": False}, security_integration={"create": False})}
    assert "user" not in ids
    assert "grant-role-to-user" not in ids
    assert "security-integration" not in ids
    custom_schema = plan_for(database={"schema": "vectors"})
    assert (
        custom_schema.step("schema")
        .statements[0]
        .text()
        .startswith("CREATE SCHEMA IF NOT EXISTS MILVUS_DEMO.VECTORS")
    )
    assert "schema" in custom_schema.step("image-repository").depends_on


def test_plan_without_account_still_builds_and_says_what_is_missing() -> None:
    plan = build_plan(Deployment(), SPEC_DIR)
    assert plan.step("image-milvus").details["image"].startswith("<registry host>/milvus:")


def test_a_listing_lists_what_its_like_would() -> None:
    """A SHOW ... LIKE check's rows taken from the broad SHOW of its kind and scope are
    those its LIKE lists: case-insensitive, ``_`` any one character, ``%`` any run."""
    from spcs_wizard.model.step import Listing

    stage = Listing("STAGES", "SCHEMA DB.PUBLIC", "YAML_STAGE")
    assert stage.broad_sql() == "SHOW STAGES IN SCHEMA DB.PUBLIC"
    assert Listing("COMPUTE POOLS", "", "P").broad_sql() == "SHOW COMPUTE POOLS"
    assert stage.lists({"name": "YAML_STAGE"})
    assert stage.lists({"NAME": "yaml_stage"})
    assert stage.lists({"name": "YAMLXSTAGE"})  # as LIKE would (the exact-name check decides)
    assert not stage.lists({"name": "YAML_STAGES"})
    assert not stage.lists({"name": "DATA"})
    assert not stage.lists({"kind": "STAGE"})
    assert Listing("STAGES", "", "A%").lists({"name": "ABC"})
    assert not Listing("STAGES", "", "A.C").lists({"name": "ABC"})  # a dot is a dot

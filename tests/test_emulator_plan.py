"""The whole deployment plan, run statement by statement through the real connector
against the SPCS emulator: every step's check then holds, and teardown undoes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from spcs_wizard.emulator.server import Emulator
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.plan import build_plan
from tests.emulator_harness import SECRETS, check_holds, connect, rows, run_plan, write_specs


@pytest.fixture
def plan_and_specs(tmp_path: Path, emulator: Emulator):
    d = Deployment(account=emulator.settings.account_identifier, prefix="alice")
    plan = build_plan(d, tmp_path / "specs")
    write_specs(plan, tmp_path / "specs")
    return plan


def test_full_plan_runs_and_every_check_then_holds(emulator: Emulator, plan_and_specs) -> None:
    plan = plan_and_specs
    with connect(emulator) as con:
        ran = run_plan(emulator, con, plan)
        assert ran == [s.id for s in plan]
        con.cursor().execute("USE ROLE ACCOUNTADMIN")
        for step in plan:
            if step.check is not None:
                assert check_holds(con, step.check), f"{step.id}: check does not hold"
        # SHOW commands report what was created, with the documented columns.
        pools = rows(con, "SHOW COMPUTE POOLS LIKE 'ALICE_%'")
        assert {p["name"] for p in pools} == {
            "ALICE_MILVUS_COMPUTE_POOL",
            "ALICE_JUPYTER_COMPUTE_POOL",
        }
        assert {p["state"] for p in pools} == {"ACTIVE"}
        containers = rows(con, "SHOW SERVICE CONTAINERS IN SERVICE ALICE_MILVUS_DEMO.PUBLIC.MILVUS")
        assert [(c["container_name"], c["status"]) for c in containers] == [
            ("milvus", "READY"),
            ("gateway", "READY"),
        ]
        assert {c["restart_count"] for c in containers} == {0}
        assert containers[0]["image_digest"].startswith("sha256:")
        endpoints = rows(con, "SHOW ENDPOINTS IN SERVICE ALICE_MILVUS_DEMO.PUBLIC.JUPYTER")
        assert endpoints[0]["ingress_url"].endswith(".snowflakecomputing.app")
        comment = rows(con, "SHOW WAREHOUSES LIKE 'ALICE_MILVUS_WAREHOUSE'")[0]["comment"]
        assert comment == "spcs-wizard deployment ALICE_MILVUS_DEMO"


def test_rerunning_the_plan_changes_nothing(emulator: Emulator, plan_and_specs) -> None:
    plan = plan_and_specs
    with connect(emulator) as con:
        run_plan(emulator, con, plan)
        before = rows(con, "SHOW GRANTS TO ROLE ALICE_MILVUS_ROLE")
        run_plan(emulator, con, plan)  # IF NOT EXISTS everywhere: a second run is harmless
        after = rows(con, "SHOW GRANTS TO ROLE ALICE_MILVUS_ROLE")
        assert len(before) == len(after)


def test_the_user_logs_in_with_the_password_from_the_secret_slot(
    emulator: Emulator, plan_and_specs
) -> None:
    with connect(emulator) as con:
        run_plan(emulator, con, plan_and_specs)
    with connect(
        emulator, user="ALICE_MILVUS_USER", password=SECRETS["milvus_user_password"]
    ) as con:
        assert rows(con, "SELECT CURRENT_ROLE()")[0]["CURRENT_ROLE()"] == "ALICE_MILVUS_ROLE"
        endpoints = rows(con, "SHOW ENDPOINTS IN SERVICE ALICE_MILVUS_DEMO.PUBLIC.MILVUS")
        assert endpoints, "the service role grant lets the role see the endpoints"


def test_teardown_removes_what_the_plan_made(emulator: Emulator, plan_and_specs) -> None:
    plan = plan_and_specs
    with connect(emulator) as con:
        run_plan(emulator, con, plan)
        cur = con.cursor()
        for step in plan.teardown():
            cur.execute(f"USE ROLE {step.role}")
            for sql in step.undo:
                cur.execute(sql.text())
        cur.execute("USE ROLE ACCOUNTADMIN")
        assert rows(con, "SHOW COMPUTE POOLS LIKE 'ALICE_%'") == []
        assert rows(con, "SHOW DATABASES LIKE 'ALICE_MILVUS_DEMO'") == []
        assert rows(con, "SHOW ROLES LIKE 'ALICE_%'") == []
        assert rows(con, "SHOW USERS LIKE 'ALICE_%'") == []
        # Shared prerequisites stay for the other attendees.
        assert rows(con, "SHOW SECURITY INTEGRATIONS LIKE 'SNOWSERVICES_INGRESS_OAUTH'")
        gone = [
            s
            for s in plan
            if s.check is not None
            and s.target is not None
            and not s.target.shared
            and s.kind.value == "sql"
            and s.target.scope != "grant"
        ]
        assert len(gone) > 10
        for step in gone:
            assert not check_holds(con, step.check), f"{step.id} still there"


def test_state_survives_an_emulator_restart(
    emulator: Emulator, plan_and_specs, tmp_path: Path
) -> None:
    from spcs_wizard.emulator.server import Emulator as Emu

    with connect(emulator) as con:
        run_plan(emulator, con, plan_and_specs)
    emulator.stop()
    again = Emu(emulator.settings)
    again.start()
    try:
        with connect(again) as con:
            con.cursor().execute("USE ROLE SYSADMIN")
            services = rows(con, "SHOW SERVICES IN SCHEMA ALICE_MILVUS_DEMO.PUBLIC")
            assert {s["name"] for s in services} == {"MILVUS", "JUPYTER"}
            listed = rows(con, "LIST @ALICE_MILVUS_DEMO.PUBLIC.YAML_STAGE")
            assert sorted(r["name"] for r in listed) == [
                "yaml_stage/jupyter.yaml",
                "yaml_stage/milvus.yaml",
            ]
    finally:
        again.stop()

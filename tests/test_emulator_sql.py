"""SQL semantics of the emulator as Snowflake documents them: privileges, errors, stages,
and the SPCS lifecycles on the emulated clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from snowflake.connector import SnowflakeConnection
from snowflake.connector.errors import ProgrammingError

from spcs_wizard.emulator.clock import Clock
from spcs_wizard.emulator.lifecycle import PROVISIONING
from spcs_wizard.emulator.server import Emulator
from tests.emulator_harness import connect, rows

SPEC = """spec:
  containers:
  - name: main
    image: /db1/public/repo/app:v1
  endpoints:
  - name: web
    port: 8080
    public: true
"""


def sql(con: SnowflakeConnection, *statements: str) -> None:
    cur = con.cursor()
    for statement in statements:
        cur.execute(statement)


def error_of(con: SnowflakeConnection, statement: str) -> ProgrammingError:
    with pytest.raises(ProgrammingError) as caught:
        con.cursor().execute(statement)
    return caught.value


@pytest.fixture
def con(emulator: Emulator):
    with connect(emulator) as c:
        yield c


def setup_service_prerequisites(con: SnowflakeConnection, tmp_path: Path, spec: str = SPEC) -> None:
    spec_file = tmp_path / "app.yaml"
    spec_file.write_text(spec)
    sql(
        con,
        "GRANT BIND SERVICE ENDPOINT ON ACCOUNT TO ROLE SYSADMIN",
        "GRANT CREATE COMPUTE POOL ON ACCOUNT TO ROLE SYSADMIN",
        "USE ROLE SYSADMIN",
        "CREATE DATABASE DB1",
        "CREATE IMAGE REPOSITORY REPO",
        "CREATE STAGE SPECS",
        "CREATE COMPUTE POOL P1 MIN_NODES = 1 MAX_NODES = 1 INSTANCE_FAMILY = CPU_X64_XS "
        "AUTO_SUSPEND_SECS = 600",
        f"PUT 'file://{spec_file}' @SPECS AUTO_COMPRESS = FALSE OVERWRITE = TRUE",
    )


# -- privileges and errors ----------------------------------------------------------------------
def test_a_role_without_privileges_gets_the_documented_error(con: SnowflakeConnection) -> None:
    sql(con, "USE ROLE PUBLIC")
    err = error_of(con, "CREATE COMPUTE POOL P MIN_NODES=1 MAX_NODES=1 INSTANCE_FAMILY=CPU_X64_S")
    assert (err.errno, err.sqlstate) == (3001, "42501")
    assert "Insufficient privileges to operate on account" in err.msg
    sql(con, "USE ROLE SYSADMIN")
    err = error_of(
        con, "CREATE EXTERNAL ACCESS INTEGRATION X ALLOWED_NETWORK_RULES=() ENABLED=TRUE"
    )
    assert err.errno == 3001  # integrations need ACCOUNTADMIN


def test_objects_of_other_roles_do_not_exist_for_you(con: SnowflakeConnection) -> None:
    sql(con, "USE ROLE SYSADMIN", "CREATE DATABASE PRIVATE_DB", "USE ROLE USERADMIN")
    assert rows(con, "SHOW DATABASES LIKE 'PRIVATE_DB'") == []
    err = error_of(con, "USE DATABASE PRIVATE_DB")
    assert (err.errno, err.sqlstate) == (2003, "02000")
    assert "does not exist or not authorized" in err.msg


def test_use_role_needs_the_role_granted(con: SnowflakeConnection, emulator: Emulator) -> None:
    sql(con, "USE ROLE USERADMIN", "CREATE USER CAROL PASSWORD = 'Carol-pw-1-long'")
    with connect(emulator, user="CAROL", password="Carol-pw-1-long") as carol:
        err = error_of(carol, "USE ROLE SYSADMIN")
        assert err.errno == 3013


def test_create_twice_if_not_exists_and_or_replace(con: SnowflakeConnection) -> None:
    sql(con, "USE ROLE SYSADMIN", "CREATE WAREHOUSE WH1 WAREHOUSE_SIZE = XSMALL")
    err = error_of(con, "CREATE WAREHOUSE WH1")
    assert (err.errno, err.sqlstate) == (2002, "42710")
    sql(con, "CREATE WAREHOUSE IF NOT EXISTS WH1", "CREATE OR REPLACE WAREHOUSE WH1 COMMENT='x'")
    assert rows(con, "SHOW WAREHOUSES LIKE 'WH1'")[0]["comment"] == "x"
    err = error_of(con, "CREATE OR REPLACE WAREHOUSE IF NOT EXISTS WH1")
    assert err.errno == 1003  # the two clauses exclude each other
    err = error_of(
        con, "CREATE OR REPLACE COMPUTE POOL P MIN_NODES=1 MAX_NODES=1 INSTANCE_FAMILY=CPU_X64_S"
    )
    assert err.errno == 1003  # compute pools have no OR REPLACE
    sql(con, "DROP WAREHOUSE WH1", "DROP WAREHOUSE IF EXISTS WH1")
    assert error_of(con, "DROP WAREHOUSE WH1").errno == 2003


def test_syntax_errors_and_unknown_statements(con: SnowflakeConnection) -> None:
    err = error_of(con, "CREATE ROLE 'quoted'")
    assert (err.errno, err.sqlstate) == (1003, "42000")
    assert "syntax error" in err.msg
    assert error_of(con, "MERGE INTO t USING s ON 1=1").errno == 1003


def test_quoted_identifiers_keep_their_case(con: SnowflakeConnection) -> None:
    sql(con, 'CREATE ROLE "Mixed Case"', "CREATE ROLE mixed_case")
    names = {r["name"] for r in rows(con, "SHOW ROLES LIKE 'mixed%'")}
    assert names == {"Mixed Case", "MIXED_CASE"}


def test_show_like_treats_underscore_as_a_wildcard(con: SnowflakeConnection) -> None:
    sql(con, "CREATE ROLE MILVUSXROLE")
    assert [r["name"] for r in rows(con, "SHOW ROLES LIKE 'MILVUS_ROLE'")] == ["MILVUSXROLE"]


def test_dropping_a_role_removes_its_grants(con: SnowflakeConnection) -> None:
    sql(
        con,
        "CREATE ROLE R1",
        "USE ROLE SYSADMIN",
        "CREATE DATABASE D1",
        "USE ROLE ACCOUNTADMIN",
        "GRANT USAGE ON DATABASE D1 TO ROLE R1",
    )
    assert [g["privilege"] for g in rows(con, "SHOW GRANTS TO ROLE R1")] == ["USAGE"]
    sql(con, "REVOKE USAGE ON DATABASE D1 FROM ROLE R1")
    assert rows(con, "SHOW GRANTS TO ROLE R1") == []


# -- stages ------------------------------------------------------------------------------------
def test_put_lands_in_the_stage_and_list_and_get_see_it(
    con: SnowflakeConnection, tmp_path: Path
) -> None:
    source = tmp_path / "milvus.yaml"
    source.write_text("spec: {}\n")
    sql(con, "USE ROLE SYSADMIN", "CREATE DATABASE D1", "CREATE STAGE S1")
    put = rows(con, f"PUT 'file://{source}' @D1.PUBLIC.S1 AUTO_COMPRESS = FALSE")
    assert put[0]["status"] == "UPLOADED"
    listed = rows(con, "LIST @S1")
    assert [(r["name"], r["size"]) for r in listed] == [("s1/milvus.yaml", 9)]
    out = tmp_path / "out"
    out.mkdir()
    sql(con, f"GET @S1/milvus.yaml 'file://{out}'")
    assert (out / "milvus.yaml").read_text() == "spec: {}\n"
    source.write_text("spec: {changed: true}\n")
    sql(con, f"PUT 'file://{source}' @S1 AUTO_COMPRESS = FALSE OVERWRITE = TRUE")
    sql(con, f"GET @S1/milvus.yaml 'file://{out}'")
    assert (out / "milvus.yaml").read_text() == "spec: {changed: true}\n"
    sql(con, "REMOVE @S1")
    assert rows(con, "LIST @S1") == []


# -- lifecycles ---------------------------------------------------------------------------------
def state_of_pool(con: SnowflakeConnection) -> str:
    return rows(con, "DESCRIBE COMPUTE POOL P1")[0]["state"]


def test_compute_pool_lifecycle(
    con: SnowflakeConnection, emulator: Emulator, tmp_path: Path
) -> None:
    setup_service_prerequisites(con, tmp_path)
    assert state_of_pool(con) == "STARTING"
    emulator.clock.advance(emulator.settings.pool_start_secs)
    assert state_of_pool(con) == "IDLE"
    emulator.clock.advance(600)  # AUTO_SUSPEND_SECS with no service
    assert state_of_pool(con) == "SUSPENDED"
    sql(con, "ALTER COMPUTE POOL P1 RESUME")
    assert state_of_pool(con) == "STARTING"
    emulator.clock.advance(emulator.settings.pool_start_secs)
    sql(con, "CREATE SERVICE SVC IN COMPUTE POOL P1 FROM @SPECS SPECIFICATION_FILE = 'app.yaml'")
    assert state_of_pool(con) == "ACTIVE"
    sql(con, "ALTER COMPUTE POOL P1 SUSPEND")
    assert state_of_pool(con) == "SUSPENDED"
    assert rows(con, "SHOW SERVICES LIKE 'SVC'")[0]["status"] == "SUSPENDED"


def test_service_pending_running_and_endpoint_provisioning(
    con: SnowflakeConnection, emulator: Emulator, tmp_path: Path
) -> None:
    setup_service_prerequisites(con, tmp_path)
    emulator.add_image("db1/public/repo", "app", "v1", "sha256:" + "a" * 64)
    sql(con, "CREATE SERVICE SVC IN COMPUTE POOL P1 FROM @SPECS SPECIFICATION_FILE='app.yaml'")
    containers = rows(con, "SHOW SERVICE CONTAINERS IN SERVICE SVC")
    assert containers[0]["service_status"] == "PENDING"
    assert containers[0]["instance_id"] is None  # no instance while the pool starts
    emulator.clock.advance(emulator.settings.pool_start_secs)
    assert rows(con, "SHOW SERVICE CONTAINERS IN SERVICE SVC")[0]["status"] == "PENDING"
    emulator.clock.advance(emulator.settings.container_start_secs)
    container = rows(con, "SHOW SERVICE CONTAINERS IN SERVICE SVC")[0]
    assert (container["status"], container["service_status"]) == ("READY", "RUNNING")
    assert rows(con, "SHOW SERVICE INSTANCES IN SERVICE SVC")[0]["status"] == "READY"
    assert rows(con, "SHOW ENDPOINTS IN SERVICE SVC")[0]["ingress_url"] == PROVISIONING
    emulator.clock.advance(emulator.settings.endpoint_secs)
    endpoint = rows(con, "SHOW ENDPOINTS IN SERVICE SVC")[0]
    assert endpoint["ingress_url"].endswith("-rehearsal-local.snowflakecomputing.app")
    assert (endpoint["is_public"], endpoint["port"], endpoint["protocol"]) == ("true", 8080, "HTTP")


def test_a_pool_runs_only_what_its_nodes_hold_and_a_larger_max_nodes_makes_room(
    con: SnowflakeConnection, emulator: Emulator, tmp_path: Path
) -> None:
    # SPEC states no requests: 0.5 CPU and 0.5 GiB (bcr-1648). A CPU_X64_XS node has 1 vCPU
    # and 6 GiB (CREATE COMPUTE POOL), so one node holds two such services; MAX_NODES = 1.
    setup_service_prerequisites(con, tmp_path)
    emulator.add_image("db1/public/repo", "app", "v1", "sha256:" + "a" * 64)
    for name in ("SVC1", "SVC2", "SVC3"):
        sql(
            con,
            f"CREATE SERVICE {name} IN COMPUTE POOL P1 FROM @SPECS SPECIFICATION_FILE='app.yaml'",
        )
    emulator.clock.advance(
        emulator.settings.pool_start_secs + emulator.settings.container_start_secs
    )

    def container(name: str) -> dict[str, object]:
        return rows(con, f"SHOW SERVICE CONTAINERS IN SERVICE {name}")[0]

    assert [container(n)["status"] for n in ("SVC1", "SVC2", "SVC3")] == [
        "READY",
        "READY",
        "PENDING",
    ]
    assert container("SVC3")["message"] == (
        "Unschedulable: compute pool P1 has no room for 0.5 CPU and 0.5 GiB "
        "(all of its MAX_NODES = 1 CPU_X64_XS nodes are in use)."
    )
    pool = rows(con, "SHOW COMPUTE POOLS LIKE 'P1'")[0]
    assert (pool["active_nodes"], pool["target_nodes"]) == (1, 1)

    sql(con, "ALTER COMPUTE POOL P1 SET MAX_NODES = 2")
    assert container("SVC3")["status"] == "READY"
    pool = rows(con, "SHOW COMPUTE POOLS LIKE 'P1'")[0]
    assert (pool["active_nodes"], pool["target_nodes"]) == (2, 2)
    sql(con, "DROP SERVICE SVC1", "DROP SERVICE SVC2")  # one node is enough again
    assert rows(con, "SHOW COMPUTE POOLS LIKE 'P1'")[0]["active_nodes"] == 1

    greedy = SPEC.replace(
        "    image: /db1/public/repo/app:v1\n",
        "    image: /db1/public/repo/app:v1\n    resources:\n      requests:\n        cpu: 2\n",
    )
    refused = error_of(
        con, f"CREATE SERVICE BIG IN COMPUTE POOL P1 FROM SPECIFICATION $${greedy}$$"
    )
    assert "request 2 CPU and 0.5 GiB, more than a node of compute pool P1" in refused.msg


def test_service_with_a_missing_image_fails_with_reason_and_logs(
    con: SnowflakeConnection, emulator: Emulator, tmp_path: Path
) -> None:
    setup_service_prerequisites(con, tmp_path)
    sql(con, "CREATE SERVICE SVC IN COMPUTE POOL P1 FROM @SPECS SPECIFICATION_FILE='app.yaml'")
    emulator.clock.advance(emulator.settings.pool_start_secs)
    container = rows(con, "SHOW SERVICE CONTAINERS IN SERVICE SVC")[0]
    assert (container["status"], container["service_status"]) == ("FAILED", "FAILED")
    assert "Failed to pull image /db1/public/repo/app:v1" in container["message"]
    logs = rows(con, "SELECT SYSTEM$GET_SERVICE_LOGS('SVC', '0', 'main', 10)")[0]
    assert "ERROR Failed to pull image" in next(iter(logs.values()))


def test_invalid_spec_is_refused_at_create(con: SnowflakeConnection, tmp_path: Path) -> None:
    bad = "spec:\n  containers: []\n"
    setup_service_prerequisites(con, tmp_path, spec=bad)
    err = error_of(
        con, "CREATE SERVICE SVC IN COMPUTE POOL P1 FROM @SPECS SPECIFICATION_FILE='app.yaml'"
    )
    assert err.errno == 395018
    assert "spec.containers" in err.msg
    tcp_public = SPEC.replace("public: true", "public: true\n    protocol: TCP")
    err = error_of(
        con, f"CREATE SERVICE SVC IN COMPUTE POOL P1 FROM SPECIFICATION $${tcp_public}$$"
    )
    assert "only HTTP endpoints can be public" in err.msg


def test_public_endpoint_needs_bind_service_endpoint(
    con: SnowflakeConnection, tmp_path: Path
) -> None:
    setup_service_prerequisites(con, tmp_path)
    sql(
        con,
        "USE ROLE ACCOUNTADMIN",
        "REVOKE BIND SERVICE ENDPOINT ON ACCOUNT FROM ROLE SYSADMIN",
        "USE ROLE SYSADMIN",
    )
    err = error_of(
        con, "CREATE SERVICE SVC IN COMPUTE POOL P1 FROM @SPECS SPECIFICATION_FILE='app.yaml'"
    )
    assert err.errno == 3001
    assert "BIND SERVICE ENDPOINT" in err.msg


def test_privileged_roles_cannot_own_services(con: SnowflakeConnection, tmp_path: Path) -> None:
    setup_service_prerequisites(con, tmp_path)
    sql(con, "USE ROLE ACCOUNTADMIN", "USE DATABASE DB1")
    err = error_of(
        con, "CREATE SERVICE SVC IN COMPUTE POOL P1 FROM @SPECS SPECIFICATION_FILE='app.yaml'"
    )
    assert err.errno == 3001
    assert "cannot be owned by ACCOUNTADMIN" in err.msg


def test_stuck_pool_and_failing_service_faults(
    con: SnowflakeConnection, emulator: Emulator, tmp_path: Path
) -> None:
    setup_service_prerequisites(con, tmp_path)
    emulator.add_image("db1/public/repo", "app", "v1", "sha256:" + "b" * 64)
    sql(con, "CREATE SERVICE SVC IN COMPUTE POOL P1 FROM @SPECS SPECIFICATION_FILE='app.yaml'")
    emulator.clock.advance(
        emulator.settings.pool_start_secs + emulator.settings.container_start_secs
    )
    assert rows(con, "SHOW SERVICE CONTAINERS IN SERVICE SVC")[0]["status"] == "READY"
    emulator.fail_service("DB1.PUBLIC.SVC")
    emulator.clock.advance(emulator.settings.restart_period_secs * 2)
    container = rows(con, "SHOW SERVICE CONTAINERS IN SERVICE SVC")[0]
    assert container["status"] == "FAILED"
    assert container["restart_count"] == 3
    assert container["last_exit_code"] == 1
    emulator.clock.advance(emulator.settings.restart_period_secs)
    assert rows(con, "SHOW SERVICE CONTAINERS IN SERVICE SVC")[0]["restart_count"] == 4
    sql(con, "CREATE COMPUTE POOL P2 MIN_NODES=1 MAX_NODES=1 INSTANCE_FAMILY=CPU_X64_XS")
    emulator.stick_pool("P2")
    emulator.clock.advance(emulator.settings.pool_start_secs * 10)
    assert rows(con, "DESCRIBE COMPUTE POOL P2")[0]["state"] == "STARTING"


def test_alter_service_from_a_new_spec_restarts_it(
    con: SnowflakeConnection, emulator: Emulator, tmp_path: Path
) -> None:
    setup_service_prerequisites(con, tmp_path)
    emulator.add_image("db1/public/repo", "app", "v1", "sha256:" + "c" * 64)
    sql(con, "CREATE SERVICE SVC IN COMPUTE POOL P1 FROM @SPECS SPECIFICATION_FILE='app.yaml'")
    emulator.clock.advance(
        emulator.settings.pool_start_secs + emulator.settings.container_start_secs
    )
    digest = rows(con, "DESCRIBE SERVICE SVC")[0]["spec_digest"]
    sql(con, f"ALTER SERVICE SVC FROM SPECIFICATION $${SPEC}  # v2\n$$")
    described = rows(con, "DESCRIBE SERVICE SVC")[0]
    assert described["spec_digest"] != digest
    assert described["status"] == "PENDING"  # containers restart with the new spec
    assert "# v2" in described["spec"]


def test_clock_speed_multiplies_elapsed_time() -> None:
    ticks = iter([0.0, 2.0, 5.0])
    clock = Clock(speed=30, start=1000.0, monotonic=lambda: next(ticks))
    assert clock.now() == 1000.0 + 2.0 * 30
    clock.advance(7)
    assert clock.now() == 1000.0 + 5.0 * 30 + 7
    with pytest.raises(ValueError, match="positive"):
        Clock(speed=0)


def test_alter_set_unset_and_warehouse_suspend(con: SnowflakeConnection) -> None:
    sql(
        con,
        "USE ROLE SYSADMIN",
        "CREATE WAREHOUSE WH WAREHOUSE_SIZE = XSMALL",
        "ALTER WAREHOUSE WH SET AUTO_SUSPEND = 60 COMMENT = 'short'",
    )
    wh = rows(con, "SHOW WAREHOUSES LIKE 'WH'")[0]
    assert (wh["auto_suspend"], wh["comment"], wh["state"]) == (60, "short", "STARTED")
    sql(con, "ALTER WAREHOUSE WH SUSPEND", "ALTER WAREHOUSE WH UNSET COMMENT")
    wh = rows(con, "SHOW WAREHOUSES LIKE 'WH'")[0]
    assert (wh["state"], wh["comment"]) == ("SUSPENDED", None)
    sql(con, "ALTER WAREHOUSE IF EXISTS NOPE SET AUTO_SUSPEND = 1")
    assert error_of(con, "ALTER WAREHOUSE NOPE SET AUTO_SUSPEND = 1").errno == 2003
    sql(con, "USE ROLE USERADMIN")  # neither owner nor granted MODIFY
    assert error_of(con, "ALTER WAREHOUSE WH SET AUTO_SUSPEND = 1").errno == 2003


def test_describe_never_shows_secret_material(con: SnowflakeConnection, emulator: Emulator) -> None:
    sql(
        con,
        "USE ROLE SYSADMIN",
        "CREATE DATABASE D1",
        "CREATE SECRET S1 TYPE = GENERIC_STRING SECRET_STRING = 'top-secret-1'",
        "ALTER SECRET S1 SET SECRET_STRING = 'top-secret-2'",
    )
    described = {r["property"]: r["value"] for r in rows(con, "DESCRIBE SECRET S1")}
    assert described["TYPE"] == "GENERIC_STRING"
    assert "SECRET_STRING" not in described
    assert all("top-secret" not in str(v) for v in described.values())
    for path in emulator.settings.state_dir.rglob("*"):  # nor does the state on disk
        if path.is_file():
            assert b"top-secret" not in path.read_bytes()

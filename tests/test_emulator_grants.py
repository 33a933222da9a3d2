"""GRANT, REVOKE and SHOW GRANTS in the emulator, row by row, and who may grant what
(https://docs.snowflake.com/en/sql-reference/sql/grant-privilege: the object's owner or a
role with MANAGE GRANTS; sql/grant-service-role: only the service's owner)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from snowflake.connector import SnowflakeConnection
from snowflake.connector.errors import ProgrammingError

from spcs_wizard.emulator.server import Emulator
from tests.emulator_harness import connect, rows
from tests.engine_harness import World

GRANT_COLUMNS = [
    "created_on",
    "privilege",
    "granted_on",
    "name",
    "granted_to",
    "grantee_name",
    "grant_option",
    "granted_by",
]


@pytest.fixture
def con(emu: Emulator) -> Iterator[SnowflakeConnection]:
    with connect(emu) as c:
        yield c


def run(con: SnowflakeConnection, *statements: str) -> None:
    for statement in statements:
        con.cursor().execute(statement)


def refused(con: SnowflakeConnection, statement: str) -> tuple[int, str, str]:
    with pytest.raises(ProgrammingError) as caught:
        con.cursor().execute(statement)
    err = caught.value
    return err.errno, err.sqlstate or "", str(err.msg).split(": ", 1)[-1]


def grants_to(con: SnowflakeConnection, role: str) -> list[tuple[str, ...]]:
    found = con.cursor().execute(f"SHOW GRANTS TO ROLE {role}")
    assert [c[0] for c in found.description] == GRANT_COLUMNS
    return sorted(tuple(str(v) for v in row[1:]) for row in found.fetchall())


def test_privileges_are_granted_each_once_and_revoked_one_by_one(con: SnowflakeConnection) -> None:
    run(
        con,
        "CREATE ROLE R",
        "CREATE WAREHOUSE W",
        "GRANT USAGE, MONITOR ON WAREHOUSE W TO ROLE R",
        "GRANT USAGE ON WAREHOUSE W TO R",  # again, and without the optional ROLE
        "CREATE DATABASE D",
        "GRANT ALL PRIVILEGES ON DATABASE D TO ROLE R",
        "GRANT CREATE COMPUTE POOL, BIND SERVICE ENDPOINT ON ACCOUNT TO ROLE R",
    )
    account = con.cursor().execute("SELECT CURRENT_ACCOUNT_NAME()").fetchone()[0]
    row = ("ROLE", "R", "false", "ACCOUNTADMIN")
    assert grants_to(con, "R") == sorted(
        [
            ("ALL", "DATABASE", "D", *row),
            ("BIND SERVICE ENDPOINT", "ACCOUNT", account, *row),
            ("CREATE COMPUTE POOL", "ACCOUNT", account, *row),
            ("MONITOR", "WAREHOUSE", "W", *row),
            ("USAGE", "WAREHOUSE", "W", *row),
        ]
    )
    run(con, "REVOKE USAGE ON WAREHOUSE W FROM ROLE R", "REVOKE ALL ON DATABASE D FROM R")
    assert [g[:3] for g in grants_to(con, "R")] == [
        ("BIND SERVICE ENDPOINT", "ACCOUNT", account),
        ("CREATE COMPUTE POOL", "ACCOUNT", account),
        ("MONITOR", "WAREHOUSE", "W"),
    ]


def test_what_a_role_owns_is_listed_as_ownership_with_grant_option(
    con: SnowflakeConnection,
) -> None:
    run(con, "USE ROLE SYSADMIN", "CREATE WAREHOUSE MINE", "CREATE DATABASE OURS")
    owned = [g for g in grants_to(con, "SYSADMIN") if g[0] == "OWNERSHIP"]
    assert ("OWNERSHIP", "WAREHOUSE", "MINE", "ROLE", "SYSADMIN", "true", "SYSADMIN") in owned
    assert ("OWNERSHIP", "DATABASE", "OURS", "ROLE", "SYSADMIN", "true", "SYSADMIN") in owned


def test_roles_granted_to_roles_and_users_are_listed_from_both_sides(
    con: SnowflakeConnection,
) -> None:
    run(
        con,
        "CREATE ROLE A",
        "CREATE ROLE B",
        "CREATE USER U PASSWORD = 'A-long-password-1'",
        "GRANT ROLE A TO ROLE B",
        "GRANT ROLE A TO USER U",
        "GRANT ROLE A TO USER U",  # once only
    )
    assert ("USAGE", "ROLE", "A", "ROLE", "B", "false", "ACCOUNTADMIN") in grants_to(con, "B")
    of_a = [tuple(str(v) for v in r[1:]) for r in con.cursor().execute("SHOW GRANTS OF ROLE A")]
    assert sorted(of_a) == [("A", "ROLE", "B", "ACCOUNTADMIN"), ("A", "USER", "U", "ACCOUNTADMIN")]
    to_u = [tuple(str(v) for v in r[1:]) for r in con.cursor().execute("SHOW GRANTS TO USER U")]
    assert to_u == [("A", "USER", "U", "ACCOUNTADMIN")]
    run(con, "REVOKE ROLE A FROM USER U")
    assert rows(con, "SHOW GRANTS TO USER U") == []
    assert [r["grantee_name"] for r in rows(con, "SHOW GRANTS OF ROLE A")] == ["B"]


def test_only_an_owner_or_manage_grants_may_grant(con: SnowflakeConnection) -> None:
    run(
        con,
        "CREATE ROLE R",
        "CREATE WAREHOUSE ADMINS_WH",
        "GRANT ROLE R TO ROLE SYSADMIN",
        "USE ROLE SYSADMIN",
        "CREATE WAREHOUSE OWN_WH",
        "GRANT USAGE ON WAREHOUSE OWN_WH TO ROLE R",  # its owner may
    )
    account = con.cursor().execute("SELECT CURRENT_ACCOUNT_NAME()").fetchone()[0]
    denied = (3001, "42501")
    # Someone else's warehouse is one SYSADMIN cannot see: it is not there, for it.
    assert refused(con, "GRANT USAGE ON WAREHOUSE ADMINS_WH TO ROLE R") == (
        2003,
        "02000",
        "SQL compilation error:\nWarehouse 'ADMINS_WH' does not exist or not authorized.",
    )
    assert refused(con, "GRANT CREATE DATABASE ON ACCOUNT TO ROLE R") == (
        *denied,
        f"SQL access control error:\nInsufficient privileges to operate on account '{account}'.",
    )
    assert refused(con, "GRANT ROLE PUBLIC TO ROLE R") == (
        *denied,
        "SQL access control error:\nInsufficient privileges to operate on role 'PUBLIC'.",
    )
    # Seeing a warehouse (USAGE on it) is not owning it: no grants on it.
    run(
        con,
        "USE ROLE ACCOUNTADMIN",
        "GRANT USAGE ON WAREHOUSE ADMINS_WH TO ROLE R",
        "USE ROLE SYSADMIN",
    )
    assert refused(con, "GRANT MONITOR ON WAREHOUSE ADMINS_WH TO ROLE R") == (
        *denied,
        "SQL access control error:\nInsufficient privileges to operate on warehouse 'ADMINS_WH'.",
    )
    run(con, "USE ROLE ACCOUNTADMIN", "REVOKE USAGE ON WAREHOUSE ADMINS_WH FROM ROLE R")
    # A role's owner may grant it (USERADMIN made it; it does not hold MANAGE GRANTS).
    run(con, "USE ROLE USERADMIN", "CREATE ROLE OWNED", "GRANT ROLE OWNED TO ROLE R")
    # MANAGE GRANTS grants on any object as if its owner, even one it cannot see
    # (sql-reference/sql/grant-privilege: MANAGE GRANTS).
    run(con, "USE ROLE SECURITYADMIN")
    for statement in (
        "GRANT CREATE DATABASE ON ACCOUNT TO ROLE R",
        "GRANT ROLE PUBLIC TO ROLE R",
        "GRANT USAGE ON WAREHOUSE ADMINS_WH TO ROLE R",
    ):
        said = con.cursor().execute(statement).fetchall()
        assert said == [("Statement executed successfully.",)], statement
    assert ("USAGE", "WAREHOUSE", "ADMINS_WH") in [g[:3] for g in grants_to(con, "R")]


def test_grants_to_what_does_not_exist_and_malformed_grants_are_refused(
    con: SnowflakeConnection,
) -> None:
    run(con, "CREATE ROLE R", "CREATE WAREHOUSE W")
    missing = "SQL compilation error:\n{} does not exist or not authorized."
    assert refused(con, "GRANT USAGE ON WAREHOUSE W TO ROLE NOBODY") == (
        2003,
        "02000",
        missing.format("Role 'NOBODY'"),
    )
    assert refused(con, "GRANT ROLE R TO USER NOBODY") == (
        2003,
        "02000",
        missing.format("User 'NOBODY'"),
    )
    assert refused(con, "SHOW GRANTS TO USER NOBODY")[2] == missing.format("User 'NOBODY'")
    assert refused(con, "SHOW GRANTS OF ROLE NOBODY")[2] == missing.format("Role 'NOBODY'")
    for malformed in (
        "GRANT USAGE ON WAREHOUSE W",
        "GRANT USAGE ON GADGET W TO ROLE R",
        "GRANT ROLE R TO GROUP G",
        "GRANT ROLE R TO PUBLIC",  # a role is granted TO ROLE or TO USER, said
        "GRANT USAGE",
    ):
        errno, sqlstate, _ = refused(con, malformed)
        assert (errno, sqlstate) == (1003, "42000"), malformed


def test_a_service_role_is_granted_by_the_services_owner_only(
    emu: Emulator, tmp_path: Path
) -> None:
    world = World(emu, tmp_path)
    assert world.deploy()[0].ok
    service = "ALICE_MILVUS_DEMO.PUBLIC.MILVUS"
    with connect(emu) as con:
        run(con, "CREATE ROLE VIEWERS")
        of = f"SHOW GRANTS OF SERVICE ROLE {service}!ALL_ENDPOINTS_USAGE"
        before = [(r["role"], r["granted_to"], r["grantee_name"]) for r in rows(con, of)]
        assert before == [("MILVUS!ALL_ENDPOINTS_USAGE", "ROLE", "ALICE_MILVUS_ROLE")]
        assert refused(con, f"GRANT SERVICE ROLE {service}!NO_SUCH_ROLE TO ROLE VIEWERS") == (
            2003,
            "02000",
            f"SQL compilation error:\nService Role '{service}!NO_SUCH_ROLE' does not exist or "
            "not authorized.",
        )
        missing = "ALICE_MILVUS_DEMO.PUBLIC.NO_SUCH_SERVICE"
        assert refused(con, f"GRANT SERVICE ROLE {missing}!ALL_ENDPOINTS_USAGE TO VIEWERS") == (
            2003,
            "02000",
            f"SQL compilation error:\nService '{missing}' does not exist or not authorized.",
        )
        # ACCOUNTADMIN holds the deployment's role (through SYSADMIN): it owns the service
        granted = f"GRANT SERVICE ROLE {service}!ALL_ENDPOINTS_USAGE TO ROLE VIEWERS"
        said = con.cursor().execute(granted).fetchall()
        assert said == [("Statement executed successfully.",)]
        assert {r["grantee_name"] for r in rows(con, of)} == {"ALICE_MILVUS_ROLE", "VIEWERS"}
        # Another service's role of the same name is its own: VIEWERS has not got it.
        jupyter = "SHOW GRANTS OF SERVICE ROLE ALICE_MILVUS_DEMO.PUBLIC.JUPYTER!ALL_ENDPOINTS_USAGE"
        assert "VIEWERS" not in {r["grantee_name"] for r in rows(con, jupyter)}
        run(  # a role that sees the service but does not own it
            con,
            "CREATE ROLE WATCHER",
            "GRANT USAGE ON DATABASE ALICE_MILVUS_DEMO TO ROLE WATCHER",
            "GRANT USAGE ON SCHEMA ALICE_MILVUS_DEMO.PUBLIC TO ROLE WATCHER",
            f"GRANT MONITOR ON SERVICE {service} TO ROLE WATCHER",
            "GRANT ROLE WATCHER TO USER ADMIN",
            "USE ROLE WATCHER",
        )
        assert refused(con, f"REVOKE SERVICE ROLE {service}!ALL_ENDPOINTS_USAGE FROM VIEWERS") == (
            3001,
            "42501",
            f"SQL access control error:\nInsufficient privileges to operate on service "
            f"'{service}'.",
        )
        run(con, "USE ROLE ACCOUNTADMIN")
        run(con, f"REVOKE SERVICE ROLE {service}!ALL_ENDPOINTS_USAGE FROM VIEWERS")
        assert [r["grantee_name"] for r in rows(con, of)] == ["ALICE_MILVUS_ROLE"]


def test_a_service_role_its_spec_defines_is_granted_by_its_name_in_any_case(
    emu: Emulator, tmp_path: Path
) -> None:
    """serviceRoles in a spec make service roles beside ALL_ENDPOINTS_USAGE
    (specification-reference, serviceRoles): granted by name, as an identifier (any case,
    unquoted, is the upper-case name); a role the spec does not define is refused."""
    from spcs_wizard.model.registry import spec_image_path

    world = World(emu, tmp_path)
    assert world.deploy()[0].ok
    image = spec_image_path(world.deployment, world.deployment.milvus)
    spec = (
        "spec:\n  containers:\n  - name: api\n    image: " + image + "\n"
        "  endpoints:\n  - name: api\n    port: 8080\n"
        "serviceRoles:\n- name: readers\n  endpoints:\n  - api\n"
    )
    service = "ALICE_MILVUS_DEMO.PUBLIC.EXTRA"
    with connect(emu) as con:
        run(
            con,
            "CREATE ROLE VIEWERS",
            "USE ROLE SYSADMIN",  # a service is not ACCOUNTADMIN's to own
            f"CREATE SERVICE {service} IN COMPUTE POOL ALICE_MILVUS_COMPUTE_POOL "
            f"FROM SPECIFICATION $${spec}$$",
        )
        run(con, f"GRANT SERVICE ROLE {service}!readers TO ROLE VIEWERS")
        of = f"SHOW GRANTS OF SERVICE ROLE {service}!READERS"
        assert [r["grantee_name"] for r in rows(con, of)] == ["VIEWERS"]
        errno, _, message = refused(con, f"GRANT SERVICE ROLE {service}!WRITERS TO ROLE VIEWERS")
        assert errno == 2003
        assert f"'{service}!WRITERS' does not exist" in message


ROLE_GRANT_COLUMNS = ["created_on", "role", "granted_to", "grantee_name", "granted_by"]


def test_each_show_grants_form_has_its_documented_columns_and_when_each_grant_was_made(
    emu: Emulator, tmp_path: Path
) -> None:
    # https://docs.snowflake.com/en/sql-reference/sql/show-grants: the columns of each form;
    # created_on is when the grant was made, on the account's clock.
    import datetime as dt

    def when(text: str) -> float:
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f %z").timestamp()

    world = World(emu, tmp_path)
    assert world.deploy()[0].ok
    service = "ALICE_MILVUS_DEMO.PUBLIC.MILVUS"
    with connect(emu) as con:
        run(con, "CREATE ROLE EARLY", "CREATE USER LATE_USER PASSWORD = 'A-long-password-1'")
        made: dict[str, float] = {}
        for what, statement in (
            ("privilege", "GRANT USAGE ON WAREHOUSE ALICE_MILVUS_WAREHOUSE TO ROLE EARLY"),
            ("role to user", "GRANT ROLE EARLY TO USER LATE_USER"),
            ("service role", f"GRANT SERVICE ROLE {service}!ALL_ENDPOINTS_USAGE TO ROLE EARLY"),
        ):
            emu.clock.advance(3 * 3600)  # hours apart: each row's time tells them apart
            made[what] = emu.clock.now()
            run(con, statement)
        emu.clock.advance(3 * 3600)  # read later still: "now" is none of them
        forms = {
            "SHOW GRANTS TO ROLE EARLY": GRANT_COLUMNS,
            "SHOW GRANTS TO USER LATE_USER": ROLE_GRANT_COLUMNS,
            "SHOW GRANTS OF ROLE EARLY": ROLE_GRANT_COLUMNS,
            f"SHOW GRANTS OF SERVICE ROLE {service}!ALL_ENDPOINTS_USAGE": ROLE_GRANT_COLUMNS,
        }
        found = {}
        for sql, columns in forms.items():
            cur = con.cursor()
            cur.execute(sql)
            assert [d[0] for d in cur.description] == columns, sql
            found[sql] = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
    to_role = {r["privilege"]: r for r in found["SHOW GRANTS TO ROLE EARLY"]}
    assert to_role["USAGE"]["name"] == "ALICE_MILVUS_WAREHOUSE"
    assert abs(when(to_role["USAGE"]["created_on"]) - made["privilege"]) < 60
    (user_row,) = found["SHOW GRANTS TO USER LATE_USER"]
    assert (user_row["role"], user_row["granted_to"], user_row["grantee_name"]) == (
        "EARLY",
        "USER",
        "LATE_USER",
    )
    assert abs(when(user_row["created_on"]) - made["role to user"]) < 60
    (of_role,) = found["SHOW GRANTS OF ROLE EARLY"]
    assert of_role["created_on"] == user_row["created_on"]  # the same grant, seen from the role
    ours = [
        r
        for r in found[f"SHOW GRANTS OF SERVICE ROLE {service}!ALL_ENDPOINTS_USAGE"]
        if r["grantee_name"] == "EARLY"
    ]
    assert [(r["role"], r["granted_to"], r["granted_by"]) for r in ours] == [
        ("MILVUS!ALL_ENDPOINTS_USAGE", "ROLE", "ACCOUNTADMIN")
    ]
    assert abs(when(ours[0]["created_on"]) - made["service role"]) < 60


def test_show_grants_to_a_role_lists_what_it_owns_holds_and_inherits_and_no_more(
    emu: Emulator,
) -> None:
    """SHOW GRANTS TO ROLE (sql-reference/sql/show-grants): a row per privilege, with
    granted_on in the SHOW form (COMPUTE_POOL, not COMPUTE POOL); OWNERSHIP of each object
    the role made, dated when it was made; USAGE of each role granted to it, dated when
    granted. Only this role's: not another role's grants, nor the system roles that exist
    from the account's start."""
    import datetime as dt

    def when(text: str) -> float:
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f %z").timestamp()

    with connect(emu) as con:
        made: dict[str, float] = {}
        for what, statement in (
            (
                "pool",
                "CREATE COMPUTE POOL P1 MIN_NODES = 1 MAX_NODES = 1 INSTANCE_FAMILY = CPU_X64_XS",
            ),
            ("roles", "CREATE ROLE R1"),
            ("granted", "GRANT USAGE ON COMPUTE POOL P1 TO ROLE R1"),
            ("inherited", "GRANT ROLE R1 TO ROLE SYSADMIN"),
        ):
            emu.clock.advance(3 * 3600)  # hours apart: each row's time tells them apart
            made[what] = emu.clock.now()
            run(con, statement)
        run(con, "CREATE ROLE R2", "GRANT ROLE R2 TO ROLE SECURITYADMIN")
        emu.clock.advance(3 * 3600)
        admin = {
            (r["privilege"], r["granted_on"], r["name"]): r
            for r in rows(con, "SHOW GRANTS TO ROLE ACCOUNTADMIN")
        }
        r1 = rows(con, "SHOW GRANTS TO ROLE R1")
        sysadmin = rows(con, "SHOW GRANTS TO ROLE SYSADMIN")
    pool = admin[("OWNERSHIP", "COMPUTE_POOL", "P1")]
    assert (pool["grant_option"], pool["granted_by"]) == ("true", "ACCOUNTADMIN")
    assert abs(when(pool["created_on"]) - made["pool"]) < 60
    assert ("OWNERSHIP", "ROLE", "R1") in admin
    # The system roles were there before anything: nobody made them.
    assert not [k for k in admin if k[1] == "ROLE" and k[2] in ("SYSADMIN", "PUBLIC")]
    (usage,) = [r for r in r1 if r["privilege"] == "USAGE"]
    assert (usage["granted_on"], usage["name"], usage["grantee_name"]) == (
        "COMPUTE_POOL",
        "P1",
        "R1",
    )
    assert abs(when(usage["created_on"]) - made["granted"]) < 60
    inherited = [r for r in sysadmin if r["granted_on"] == "ROLE"]
    assert [(r["privilege"], r["name"], r["grantee_name"]) for r in inherited] == [
        ("USAGE", "R1", "SYSADMIN")  # not R2, which SECURITYADMIN holds
    ]
    assert abs(when(inherited[0]["created_on"]) - made["inherited"]) < 60

"""The guide's own procedure, statement by statement, in its own spelling, through the
real connector: the emulator accepts what Snowflake accepts, and SHOW reports it."""

from __future__ import annotations

from pathlib import Path

import pytest
from snowflake.connector.errors import ProgrammingError

from spcs_wizard.emulator.server import Emulator
from tests.emulator_harness import connect, rows, until_running

DATA = Path(__file__).parent / "data"
SPEC = """spec:
  containers:
  - name: {name}
    image: /milvus_demo/public/milvus_repo/{name}
  endpoints:
  - name: {name}
    port: {port}
    public: true
"""


# What the guide misses on a new account: SYSADMIN holds no CREATE COMPUTE POOL by
# default (Snowflake's SPCS setup grants it from ACCOUNTADMIN).
MISSING_GRANT = "GRANT CREATE COMPUTE POOL ON ACCOUNT TO ROLE SYSADMIN;\n"
POOLS_AS_SYSADMIN = "USE ROLE SYSADMIN;\nCREATE COMPUTE POOL"
# And its user's password is refused by Snowflake's built-in password policy (14 to 256
# characters, a digit, an upper- and a lower-case letter): user-guide/password-authentication.
GUIDE_PASSWORD = "PASSWORD='milvususerok'"
GOOD_PASSWORD = "Milvus-user-ok-1"


def guide_script(emulator: Emulator, tmp_path: Path) -> str:
    (tmp_path / "milvus.yaml").write_text(SPEC.format(name="milvus", port=19530))
    (tmp_path / "jupyter.yaml").write_text(SPEC.format(name="jupyter", port=8888))
    for image in ("milvus", "jupyter"):  # the guide's docker push, recorded directly
        emulator.add_image("milvus_demo/public/milvus_repo", image, "latest", "sha256:" + "e" * 64)
    return (DATA / "seed_procedure.sql").read_text().replace("{spec_dir}", str(tmp_path))


def test_the_guide_as_written_fails_on_a_new_account_at_its_users_password(
    emulator: Emulator, tmp_path: Path
) -> None:
    script = guide_script(emulator, tmp_path)
    assert script.count(GUIDE_PASSWORD) == 1
    with connect(emulator) as con, pytest.raises(ProgrammingError) as caught:
        con.execute_string(script)
    assert caught.value.errno == 3002
    assert "password policy" in caught.value.msg
    assert "CREATE USER" in str(caught.value.query)


def test_the_guide_with_a_good_password_fails_next_at_its_compute_pools(
    emulator: Emulator, tmp_path: Path
) -> None:
    script = guide_script(emulator, tmp_path).replace(GUIDE_PASSWORD, f"PASSWORD='{GOOD_PASSWORD}'")
    assert script.count(POOLS_AS_SYSADMIN) == 1
    with connect(emulator) as con, pytest.raises(ProgrammingError) as caught:
        con.execute_string(script)
    assert caught.value.errno == 3001
    assert "CREATE COMPUTE POOL" in str(caught.value.query)


def test_the_guides_procedure_and_cleanup_run_with_the_missing_grant(
    emulator: Emulator, tmp_path: Path
) -> None:
    script = (
        guide_script(emulator, tmp_path)
        .replace(POOLS_AS_SYSADMIN, MISSING_GRANT + POOLS_AS_SYSADMIN)
        .replace(GUIDE_PASSWORD, f"PASSWORD='{GOOD_PASSWORD}'")
    )
    with connect(emulator) as con:
        cursors = con.execute_string(script)
        assert len(cursors) == script.count(";\n")  # every statement ran
        s = emulator.settings
        emulator.clock.advance(s.pool_start_secs + s.container_start_secs + s.endpoint_secs)
        until_running(emulator, "MILVUS")  # Milvus Lite serves the guide's Milvus, for real
        con.cursor().execute("USE ROLE SYSADMIN")
        services = rows(con, "SHOW SERVICES IN SCHEMA MILVUS_DEMO.PUBLIC")
        assert {(x["name"], x["status"]) for x in services} == {
            ("MILVUS", "RUNNING"),
            ("JUPYTER", "RUNNING"),
        }
        assert rows(con, "SHOW ENDPOINTS IN SERVICE MILVUS_DEMO.PUBLIC.JUPYTER")[0][
            "ingress_url"
        ].endswith(".snowflakecomputing.app")
        con.cursor().execute("USE ROLE ACCOUNTADMIN")
        assert (
            rows(con, "SHOW NETWORK RULES LIKE 'ALLOW_ALL_RULE' IN SCHEMA MILVUS_DEMO.PUBLIC")[0][
                "entries_in_value_list"
            ]
            == 2
        )
        grants = rows(con, "SHOW GRANTS TO ROLE MILVUS_ROLE")
        assert {(g["privilege"], g["granted_on"]) for g in grants} >= {
            ("ALL", "DATABASE"),
            ("USAGE", "SERVICE"),
        }
    with connect(emulator, user="milvus_user", password=GOOD_PASSWORD) as user:
        assert rows(user, "SELECT CURRENT_ROLE()")[0]["CURRENT_ROLE()"] == "MILVUS_ROLE"
    # The guide's clean-up names services without a database: it runs in the session that
    # did USE DATABASE MILVUS_DEMO, as here (a fresh session would get error 090105).
    with connect(emulator, database="MILVUS_DEMO") as con:
        con.execute_string((DATA / "seed_cleanup.sql").read_text())
        for kind in (
            "COMPUTE POOLS",
            "WAREHOUSES",
            "DATABASES",
            "ROLES",
            "USERS",
            "SECURITY INTEGRATIONS",
        ):
            assert rows(con, f"SHOW {kind} LIKE '%MILVUS%'") == []

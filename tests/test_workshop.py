"""Workshops against the emulator: a class of attendees provisioned side by side, each
isolated from the others (asserted by signing in as them), torn down to the account as it
was; the cost against hand-computed figures; passwords only in the keyring."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import snowflake.connector
from keyrings.cryptfile.cryptfile import CryptFileKeyring
from snowflake.connector.errors import ProgrammingError

from spcs_wizard.credentials import keychain
from spcs_wizard.emulator.objects import verify_secret
from spcs_wizard.engine.deployment_session import DeploymentSession, Target
from spcs_wizard.engine.rehearsal import Rehearsal
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.workshop.classroom import AttendeeResult, Classroom, RunnerPool
from spcs_wizard.workshop.cost import workshop_cost
from spcs_wizard.workshop.credentials import ATTENDEE_SECRETS
from spcs_wizard.workshop.inventory import class_objects
from spcs_wizard.workshop.password_reset import reset_passwords
from spcs_wizard.workshop.roster import RosterError, numbered, read_roster
from spcs_wizard.workshop.status import attendee_row, class_rows
from spcs_wizard.workshop.workshop import Workshop, WorkshopError

SPEED = 600
# What the account lists, kind by kind, before and after (names only).
LISTED = {
    "ROLE": "SHOW ROLES",
    "USER": "SHOW USERS",
    "WAREHOUSE": "SHOW WAREHOUSES",
    "DATABASE": "SHOW DATABASES",
    "COMPUTE POOL": "SHOW COMPUTE POOLS",
    "SECURITY INTEGRATION": "SHOW INTEGRATIONS",
}


@pytest.fixture
def rehearsal(tmp_path: Path) -> Iterator[Rehearsal]:
    """A rehearsal account on a fast clock, its control plane only (no Milvus Lite)."""
    started = Rehearsal(tmp_path / "r", speed=SPEED, registry=False, run_services=False)
    started.start()
    yield started
    started.stop()


def _classroom(rehearsal: Rehearsal, tmp_path: Path, attendees: int, **kw: Any) -> Classroom:
    workshop = Workshop("WS", numbered(attendees), Deployment(account=rehearsal.account), **kw)
    return Classroom(workshop, Target(rehearsal=rehearsal), tmp_path / "ws", image_mode="record")


@contextmanager
def _provisioned(
    rehearsal: Rehearsal, tmp_path: Path, attendees: int, **kw: Any
) -> Iterator[tuple[Classroom, RunnerPool]]:
    """A class provisioned in the rehearsal account, and its pool of connections."""
    room = _classroom(rehearsal, tmp_path, attendees, **kw)
    pool = room.pool()
    try:
        report = room.provision(pool)
        assert report.ok, [r.to_dict() for r in report.failed]
        yield room, pool
    finally:
        pool.close()


def _admin(rehearsal: Rehearsal) -> snowflake.connector.SnowflakeConnection:
    return snowflake.connector.connect(**rehearsal.connect_args())


def _query(con: snowflake.connector.SnowflakeConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.cursor()
    cur.execute(sql)
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _account(rehearsal: Rehearsal) -> dict[str, set[str]]:
    """The account's objects by kind, as ACCOUNTADMIN sees them, and its account grants."""
    with _admin(rehearsal) as con:
        _query(con, "USE ROLE ACCOUNTADMIN")
        found = {kind: {r["name"] for r in _query(con, sql)} for kind, sql in LISTED.items()}
        found["GRANT"] = {
            f"{r['privilege']} ON {r['granted_on']} TO ROLE {r['grantee_name']}"
            for r in _query(con, "SHOW GRANTS TO ROLE SYSADMIN")
        }
        found["SERVICE"] = {
            f"{db}.PUBLIC.{r['name']}"
            for db in found["DATABASE"]
            for r in _query(con, f"SHOW SERVICES IN SCHEMA {db}.PUBLIC")
        }
    return found


# -- the class: who, what, what it costs ------------------------------------------------------
def test_a_roster_gives_each_person_a_prefix_of_their_own(tmp_path: Path) -> None:
    roster = tmp_path / "class.csv"
    roster.write_text(
        "\ufeffName,Email,Team\nAlice Smith,alice@example.com,red\nBob,,blue\n"
        "Alice Smith,alice2@example.com,red\nAlice Smith 2,,green\nZoë,,\n\n",
        encoding="utf-8",
    )
    people = read_roster(roster)
    assert [(a.name, a.slug, a.email) for a in people] == [
        ("Alice Smith", "ALICE_SMITH", "alice@example.com"),
        ("Bob", "BOB", ""),
        ("Alice Smith", "ALICE_SMITH_2", "alice2@example.com"),
        ("Alice Smith 2", "ALICE_SMITH_2_2", ""),  # its own name was taken by the second Alice
        ("Zoë", "ZOE", ""),
    ]
    assert people[0].prefix("WS") == "WS_ALICE_SMITH_"
    assert [a.slug for a in numbered(3)] == ["01", "02", "03"]
    assert numbered(100)[0].slug == "001"
    # Two people of one name are told apart by slug or email, never by a guess.
    workshop = Workshop("WS", people, Deployment())
    with pytest.raises(WorkshopError, match="2 attendees of workshop WS are called 'alice smith'"):
        workshop.attendee("alice smith")
    assert workshop.attendee("alice2@example.com").slug == "ALICE_SMITH_2"
    assert workshop.attendee("alice_smith_2").email == "alice2@example.com"
    assert workshop.attendee("Bob").slug == "BOB"
    # A spreadsheet's semicolon "CSV" (many locales) reads the same; a comma one with a
    # semicolon in a cell stays a comma one.
    semicolons = tmp_path / "semi.csv"
    semicolons.write_text("name;email\nZoë Martin;zoe@example.com\nBob;\n", encoding="utf-8")
    assert [(a.slug, a.email) for a in read_roster(semicolons)] == [
        ("ZOE_MARTIN", "zoe@example.com"),
        ("BOB", ""),
    ]
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("name,team\nAnn,red;blue\n", encoding="utf-8")
    assert [a.slug for a in read_roster(mixed)] == ["ANN"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("email\nalice@example.com\n", "has no 'name' column"),
        ("name\n", "has a header and no attendees"),
        ("name,email\nAlice,\n,bob@example.com\n", "line 3: the name is empty"),
        ("name,email\nAlice,not-an-address\n", "line 2: 'not-an-address' is not an email"),
        ("name\n!!!\n", "line 2: '!!!' gives no name Snowflake can use"),
    ],
)
def test_a_roster_it_cannot_use_says_which_line_and_what_to_change(
    tmp_path: Path, text: str, message: str
) -> None:
    roster = tmp_path / "class.csv"
    roster.write_text(text, encoding="utf-8")
    with pytest.raises(RosterError, match=message):
        read_roster(roster)


def test_settings_a_workshop_cannot_give_each_attendee_are_refused() -> None:
    people = numbered(2)
    with pytest.raises(WorkshopError, match="leave prefix out"):
        Workshop("WS", people, Deployment(prefix="alice"))
    with pytest.raises(WorkshopError, match="one user per attendee"):
        Workshop("WS", people, Deployment(user={"create": False}))
    with pytest.raises(WorkshopError, match="at most 336"):
        Workshop("WS", people, Deployment(), hours=0)


def test_the_cost_matches_a_table_worked_out_by_hand() -> None:
    # Consumption table 1(e): CPU_X64_S 0.11, CPU_X64_M 0.22 credits a node-hour; 1(a):
    # XSMALL 1, SMALL 2 credits an hour.
    thirty = workshop_cost(Workshop("WS", numbered(30), Deployment(), hours=3))
    assert thirty.running_per_hour == 6.6  # 30 x (0.11 + 0.11)
    assert thirty.running_total == 19.8  # x 3 h
    assert thirty.warehouse_at_most == 90  # 30 x 1 x 3 h, only while queries run
    assert [(r.item, r.each_per_hour, r.class_per_hour, r.for_workshop) for r in thirty.rows] == [
        ("Milvus pool", 0.11, 3.3, 9.9),
        ("notebook pool", 0.11, 3.3, 9.9),
        ("warehouse", 1, 30, 90),
    ]
    lean = Deployment(
        notebook=False,
        milvus={"pool": {"name": "MILVUS_COMPUTE_POOL", "instance_family": "CPU_X64_M"}},
        warehouse={"size": "SMALL"},
    )
    twelve = workshop_cost(Workshop("WS", numbered(12), lean, hours=2))
    assert twelve.running_per_hour == 2.64  # 12 x 0.22
    assert twelve.running_total == 5.28
    assert twelve.warehouse_at_most == 48  # 12 x 2 x 2 h
    assert [r.item for r in twelve.rows] == ["Milvus pool", "warehouse"]


# -- provisioning and tearing down -----------------------------------------------------------
@pytest.mark.long
def test_thirty_attendees_get_exactly_their_objects_and_teardown_leaves_the_account_as_before(
    tmp_path: Path,
    no_keyring: None,
    rehearsal: Rehearsal,
) -> None:
    before = _account(rehearsal)
    room = _classroom(rehearsal, tmp_path, 30, connections=8)
    pool = room.pool()
    try:
        report = room.provision(pool)
        assert report.ok, [r.to_dict() for r in report.failed]
        assert [r.attendee.slug for r in report.results] == [f"{i:02d}" for i in range(1, 31)]
        made = _account(rehearsal)
        expected = class_objects(room.workshop)
        for kind in (*LISTED, "SERVICE"):
            wanted = {
                item["name"]
                for entry in [*expected["attendees"], {"objects": expected["account_wide"]}]  # type: ignore[list-item]
                for item in entry["objects"]
                if item["kind"] == kind
            }
            assert made[kind] - before[kind] == wanted, kind
        assert len(made["COMPUTE POOL"] - before["COMPUTE POOL"]) == 60
        # Every deployment runs: 0.22 credits an hour each (two CPU_X64_S pools).
        looks = room.snapshots(pool)
        rows = [
            attendee_row(a, room.session(a).deployment, looks[a.slug])
            for a in room.workshop.attendees
        ]
        assert {r.condition for r in rows} == {"running"}
        assert sum(r.credits_per_hour or 0 for r in rows) == pytest.approx(6.6)
        assert room.workshop.shared_made_by == "01"  # the account had no integration

        said: list[AttendeeResult] = []
        gone = room.teardown(pool, on_result=said.append)
        assert gone.ok, [r.to_dict() for r in gone.failed]
        assert len(gone.results) == 30
        # The shared objects go last, in a run of their own (the attendee who made them).
        assert [(r.phase, r.attendee.slug) for r in said[-1:]] == [("shared", "01")]
        assert {r.phase for r in said[:-1]} == {"teardown"}
    finally:
        pool.close()
    assert _account(rehearsal) == before
    assert not (tmp_path / "ws" / "workshop.json").exists()  # the name is free again


def test_each_attendee_signs_in_and_can_neither_see_nor_touch_another_attendees_objects(
    tmp_path: Path, file_keyring: CryptFileKeyring, rehearsal: Rehearsal
) -> None:
    with _provisioned(rehearsal, tmp_path, 2, connections=2) as (room, pool):
        alice, bob = (room.session(a).deployment for a in room.workshop.attendees)
        assert room.credentials is not None
        password = room.credentials.load(alice, "milvus_user_password")
        assert password is not None
        args = rehearsal.connect_args()
        args.pop("password")
        args["user"] = alice.names().user.name
        with snowflake.connector.connect(**args, password=password) as con:
            own, other = alice.names(), bob.names()
            assert _query(con, "SELECT CURRENT_ROLE()")[0] == {"CURRENT_ROLE()": own.role.name}
            _query(con, f"USE DATABASE {own.database.name}")
            services = _query(con, f"SHOW SERVICES IN SCHEMA {own.database.name}.PUBLIC")
            assert {s["name"] for s in services} == {"MILVUS", "JUPYTER"}
            assert {d["name"] for d in _query(con, "SHOW DATABASES")} == {own.database.name}
            refused = {
                f"USE DATABASE {other.database.name}": "does not exist or not authorized",
                f"SHOW SERVICES IN SCHEMA {other.database.name}.PUBLIC": "does not exist",
                f"ALTER SERVICE {other.database.name}.PUBLIC.MILVUS SUSPEND": "does not exist",
                f"DROP DATABASE {other.database.name}": "does not exist or not authorized",
                f"ALTER COMPUTE POOL {other.milvus_pool.name} SUSPEND": "does not exist",
                f"USE WAREHOUSE {other.warehouse.name}": "does not exist or not authorized",
                f"LIST @{other.database.name}.PUBLIC.FILES": "does not exist",
                f"USE ROLE {other.role.name}": "is not assigned to the executing user",
                f"GRANT ROLE {other.role.name} TO USER {own.user.name}": "Insufficient",
            }
            for sql, why in refused.items():
                with pytest.raises(ProgrammingError, match=why):
                    _query(con, sql)
        # The other attendee's deployment is as it was: still running.
        look = room.snapshots(pool)[room.workshop.attendees[1].slug]
        assert getattr(look, "condition", None) == "running"
        assert room.teardown(pool).ok


def test_a_failing_attendee_is_reported_without_stopping_the_others_and_a_rerun_resumes(
    tmp_path: Path,
    no_keyring: None,
    rehearsal: Rehearsal,
) -> None:
    room = _classroom(rehearsal, tmp_path, 3, connections=2)
    broken = room.session(room.workshop.attendees[1]).deployment
    failing = f"{broken.names().database.name}.PUBLIC.MILVUS"
    rehearsal.started.faults.failing_services.add(failing)
    pool = room.pool()
    try:
        report = room.provision(pool)
        assert not report.ok
        assert [(r.attendee.slug, r.ok, r.phase) for r in report.results] == [
            ("01", True, "services"),
            ("02", False, "services"),
            ("03", True, "services"),
        ]
        assert report.failed[0].detail.startswith("wait-service-milvus: the service failed")
        recorded = Workshop.load(tmp_path / "ws")
        assert recorded.last_errors == {"02": report.failed[0].detail}
        row = attendee_row(
            recorded.attendees[1],
            broken,
            room.snapshots(pool)["02"],
            recorded.last_errors["02"],
        )
        assert (row.condition, row.last_error) == ("failing", report.failed[0].detail)

        rehearsal.started.faults.failing_services.clear()
        with _admin(rehearsal) as con:  # what an instructor would do: restart it
            _query(con, "USE ROLE SYSADMIN")
            _query(con, f"ALTER SERVICE {failing} SUSPEND")
        again = room.provision(pool)
        assert again.ok, [r.to_dict() for r in again.failed]
        assert Workshop.load(tmp_path / "ws").last_errors == {}
        assert room.teardown(pool).ok
    finally:
        pool.close()


def test_account_wide_objects_someone_else_made_stay_after_the_workshop(
    tmp_path: Path, no_keyring: None, rehearsal: Rehearsal
) -> None:
    mine = DeploymentSession(
        Target(rehearsal=rehearsal), Deployment(account=rehearsal.account), image_mode="record"
    )
    runner = mine.connect()
    try:
        assert mine.deploy(runner).ok  # an ordinary deployment made the integration
    finally:
        runner.con.close()
    before = _account(rehearsal)
    with _provisioned(rehearsal, tmp_path, 2, connections=2) as (room, pool):
        # It made the class's images database; the integration and grants were there.
        assert room.workshop.shared_made_by == "01"
        assert room.teardown(pool).ok
    assert _account(rehearsal) == before  # the integration and grants are still there


def test_suspend_and_resume_act_on_every_attendee(
    tmp_path: Path, no_keyring: None, rehearsal: Rehearsal
) -> None:
    with _provisioned(rehearsal, tmp_path, 3, connections=3) as (room, pool):
        assert room.switch(pool, "suspend").ok
        looks = room.snapshots(pool)
        assert {getattr(look, "condition", None) for look in looks.values()} == {"suspended"}
        assert room.switch(pool, "resume").ok
        pools = {p.state for look in room.snapshots(pool).values() for p in look.pools}  # type: ignore[union-attr]
        assert pools
        assert "SUSPENDED" not in pools
        assert room.teardown(pool).ok


def test_attendees_passwords_are_only_in_the_keyring(
    tmp_path: Path, file_keyring: CryptFileKeyring, rehearsal: Rehearsal
) -> None:
    with _provisioned(rehearsal, tmp_path, 2, connections=2) as (room, pool):
        assert room.credentials is not None
        secrets = [
            room.credentials.load(room.session(a).deployment, s)
            for a in room.workshop.attendees
            for s in ATTENDEE_SECRETS
        ]
        assert None not in secrets
        assert len(set(secrets)) == 4  # one each, all different
        files = [p for p in tmp_path.rglob("*") if p.is_file()]
        assert any(p.name == "workshop.json" for p in files)
        for path in files:
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, path  # type: ignore[union-attr]
        assert room.teardown(pool).ok
        left = [
            room.credentials.load(room.session(a).deployment, s)
            for a in room.workshop.attendees
            for s in ATTENDEE_SECRETS
        ]
        assert left == [None] * 4  # their users are gone: so are their passwords


def test_an_account_needs_a_keyring_before_anything_is_made(
    tmp_path: Path, no_keyring: None
) -> None:
    # A connection's workshop (not a rehearsal) with no usable keyring: refused before
    # connecting.
    workshop = Workshop("WS", numbered(2), Deployment())
    room = Classroom(workshop, Target(connection_name="nowhere"), tmp_path / "ws")
    from spcs_wizard.workshop.credentials import CredentialsUnavailableError

    with pytest.raises(CredentialsUnavailableError, match="need the keyring"):
        room.provision(room.pool())
    assert not (tmp_path / "ws").exists()


def test_the_plan_lists_every_attendees_objects_by_prefix() -> None:
    objects = class_objects(Workshop("WS", numbered(2), Deployment()))
    assert [e["prefix"] for e in objects["attendees"]] == ["WS_01_", "WS_02_"]  # type: ignore[index]
    first = objects["attendees"][0]["objects"]  # type: ignore[index]
    assert {"kind": "USER", "name": "WS_01_MILVUS_USER"} in first
    assert {"kind": "COMPUTE POOL", "name": "WS_01_MILVUS_COMPUTE_POOL"} in first
    assert all("WS_02_" not in json.dumps(item) for item in first)
    # Made once: the account's (the ingress integration, the grants to SYSADMIN) and the
    # class's image repository in a database of its own (the images are copied once).
    assert {(i["kind"], i["name"]) for i in objects["account_wide"]} == {  # type: ignore[union-attr]
        ("SECURITY INTEGRATION", "SNOWSERVICES_INGRESS_OAUTH"),
        ("GRANT", "BIND SERVICE ENDPOINT ON ACCOUNT TO ROLE SYSADMIN"),
        ("GRANT", "CREATE COMPUTE POOL ON ACCOUNT TO ROLE SYSADMIN"),
        ("DATABASE", "WS_IMAGES"),
        ("IMAGE REPOSITORY", "WS_IMAGES.PUBLIC.MILVUS_REPO"),
    }
    assert not any(i["kind"] == "IMAGE REPOSITORY" for i in first)
    each = class_objects(Workshop("WS", numbered(2), Deployment(), images="each"))
    mine = each["attendees"][0]["objects"]  # type: ignore[index]
    assert {"kind": "IMAGE REPOSITORY", "name": "WS_01_MILVUS_DEMO.PUBLIC.MILVUS_REPO"} in mine


def test_attendees_deployments_are_the_dashboards_not_the_wizards_welcome_list(
    tmp_path: Path, no_keyring: None, rehearsal: Rehearsal
) -> None:
    from spcs_wizard.engine.known_deployments import known

    mine = DeploymentSession(
        Target(rehearsal=rehearsal), Deployment(account=rehearsal.account), image_mode="record"
    )
    runner = mine.connect()
    try:
        assert mine.deploy(runner).ok
    finally:
        runner.con.close()
    with _provisioned(rehearsal, tmp_path, 2, connections=2) as (room, pool):
        listed = [k.deployment.deployment_id for k in known(rehearsal.directory)]
        assert listed == ["MILVUS_DEMO"]  # the instructor's own, not WS_01_ and WS_02_
        assert room.teardown(pool).ok


# -- shared compute pools --------------------------------------------------------------------
def test_shared_pools_are_sized_and_costed_as_worked_out_by_hand() -> None:
    # Milvus asks 1 CPU and 4Gi, its gateway 0.25 and 256Mi: 1.25 CPU, 4.25 GiB. A
    # CPU_X64_S node has 3 vCPU and 13 GiB (CREATE COMPUTE POOL): floor(3 / 1.25) = 2 by
    # CPU, floor(13 / 4.25) = 3 by memory, so 2 a node: 30 attendees need 15 nodes. The
    # notebook asks 0.5 CPU and 2Gi: 6 a node by both, 5 nodes. At 0.11 credits a node-hour
    # (table 1(e)): 15 x 0.11 = 1.65 and 5 x 0.11 = 0.55, 2.2 an hour (6.6 with a pool each).
    thirty = Workshop("WS", numbered(30), Deployment(), hours=3, pools="shared")
    assert [(p.name, p.per_node, p.min_nodes, p.max_nodes) for p in thirty.shared_pools] == [
        ("WS_MILVUS_COMPUTE_POOL", 2, 1, 15),
        ("WS_JUPYTER_COMPUTE_POOL", 6, 1, 5),
    ]
    cost = workshop_cost(thirty)
    assert [(r.item, r.class_per_hour, r.each_per_hour, r.for_workshop) for r in cost.rows] == [
        ("Milvus pool (shared)", 1.65, 0.055, 4.95),
        ("notebook pool (shared)", 0.55, 0.0183, 1.65),
        ("warehouse", 30, 1, 90),
    ]
    assert (cost.running_per_hour, cost.running_total) == (2.2, 6.6)
    # Every attendee's deployment runs in the class's pools, named without their prefix.
    d = thirty.deployment(thirty.attendees[6])
    assert (d.names().milvus_pool.name, d.milvus.pool.max_nodes) == ("WS_MILVUS_COMPUTE_POOL", 15)
    assert d.names().database.name == "WS_07_MILVUS_DEMO"

    # Milvus alone on CPU_X64_M (6 vCPU, 28 GiB): floor(6 / 1.25) = 4 a node, 12 attendees
    # on 3 nodes at 0.22: 0.66 an hour, 1.32 for 2 h.
    lean = Deployment(notebook=False, milvus={"pool": {"instance_family": "CPU_X64_M"}})
    twelve = workshop_cost(Workshop("WS", numbered(12), lean, hours=2, pools="shared"))
    assert (twelve.rows[0].item, twelve.rows[0].detail, twelve.rows[0].class_per_hour) == (
        "Milvus pool (shared)",
        "3 x CPU_X64_M for the class, 4 attendees a node",
        0.66,
    )
    assert (twelve.running_per_hour, twelve.running_total) == (0.66, 1.32)


def test_a_class_its_pools_cannot_hold_is_refused_with_what_to_change() -> None:
    # 76 attendees with two pools each: 152 nodes, over the page's limit of 150.
    with pytest.raises(WorkshopError, match=r"would need 152 nodes.*use --pools shared"):
        Workshop("WS", numbered(76), Deployment())
    assert (
        Workshop("WS", numbered(76), Deployment(), pools="shared").shared_pools[0].max_nodes == 38
    )
    # Milvus asking 2 CPU (2.25 with its gateway): one a node; 151 of them and 26 notebook
    # nodes (6 a node) make 177.
    greedy = Deployment(milvus={"cpu": 2})
    with pytest.raises(WorkshopError, match=r"would need 177 nodes.*split the class"):
        Workshop("WS", numbered(151), greedy, pools="shared")
    unknown = Deployment(milvus={"pool": {"instance_family": "HIGHMEM_X64_SL"}})
    with pytest.raises(WorkshopError, match="gives none for HIGHMEM_X64_SL"):
        _ = Workshop("WS", numbered(3), unknown, pools="shared").shared_pools
    marked = Deployment(milvus={"pool": {"shared": True}})
    with pytest.raises(WorkshopError, match="use --pools shared"):
        Workshop("WS", numbered(3), marked)
    with pytest.raises(ValueError, match="more than a CPU_X64_XS node has"):
        Deployment(milvus={"cpu": 2, "pool": {"instance_family": "CPU_X64_XS"}})


@pytest.mark.long
def test_a_class_in_shared_pools_runs_isolated_and_leaves_the_account_as_before(
    tmp_path: Path, file_keyring: CryptFileKeyring, rehearsal: Rehearsal
) -> None:
    before = _account(rehearsal)
    room = _classroom(rehearsal, tmp_path, 12, connections=6, pools="shared")
    pool = room.pool()
    try:
        report = room.provision(pool)
        assert report.ok, [r.to_dict() for r in report.failed]
        made = _account(rehearsal)
        assert made["COMPUTE POOL"] - before["COMPUTE POOL"] == {
            "WS_MILVUS_COMPUTE_POOL",
            "WS_JUPYTER_COMPUTE_POOL",
        }
        assert len(made["DATABASE"] - before["DATABASE"] - {"WS_IMAGES"}) == 12
        assert len(made["SERVICE"] - before["SERVICE"]) == 24
        with _admin(rehearsal) as con:
            _query(con, "USE ROLE ACCOUNTADMIN")
            pools = {r["name"]: r for r in _query(con, "SHOW COMPUTE POOLS LIKE 'WS_%'")}
        # 12 Milvus services, 2 a node: 6 nodes; 12 notebooks, 6 a node: 2.
        assert {n: (p["max_nodes"], p["active_nodes"]) for n, p in pools.items()} == {
            "WS_MILVUS_COMPUTE_POOL": (6, 6),
            "WS_JUPYTER_COMPUTE_POOL": (2, 2),
        }
        rows = class_rows(room, room.snapshots(pool))
        assert {r.condition for r in rows} == {"running"}
        # Each row is the attendee's share: the class adds up to the 8 nodes billed.
        assert sum(r.credits_per_hour or 0 for r in rows) == pytest.approx(8 * 0.11, abs=1e-4)

        # Signed in, an attendee sees none of the class's pools, and cannot touch them.
        alice = room.session(room.workshop.attendees[0]).deployment
        assert room.credentials is not None
        password = room.credentials.load(alice, "milvus_user_password")
        args = rehearsal.connect_args()
        args.update(user=alice.names().user.name, password=password)
        with snowflake.connector.connect(**args) as con:
            assert _query(con, "SHOW COMPUTE POOLS") == []
            for sql in (
                "ALTER COMPUTE POOL WS_MILVUS_COMPUTE_POOL SUSPEND",
                "DROP COMPUTE POOL WS_JUPYTER_COMPUTE_POOL",
            ):
                with pytest.raises(ProgrammingError, match="does not exist or not authorized"):
                    _query(con, sql)

        # Suspend takes every service, then the class's pools, once; resume undoes it.
        assert room.switch(pool, "suspend").ok
        looks = room.snapshots(pool)
        assert {getattr(look, "condition", None) for look in looks.values()} == {"suspended"}
        assert room.switch(pool, "resume").ok
        states = {p.state for look in room.snapshots(pool).values() for p in look.pools}  # type: ignore[union-attr]
        assert states
        assert "SUSPENDED" not in states

        gone = room.teardown(pool)
        assert gone.ok, [r.to_dict() for r in gone.failed]
    finally:
        pool.close()
    assert _account(rehearsal) == before


def test_a_late_arrival_makes_the_shared_pools_larger_and_a_foreign_pool_is_never_used(
    tmp_path: Path, no_keyring: None, rehearsal: Rehearsal
) -> None:
    with _admin(rehearsal) as con:  # someone's own pool, with the name a class "XS" would use
        _query(con, "GRANT CREATE COMPUTE POOL ON ACCOUNT TO ROLE SYSADMIN")
        _query(con, "USE ROLE SYSADMIN")
        _query(
            con,
            "CREATE COMPUTE POOL XS_MILVUS_COMPUTE_POOL MIN_NODES = 1 MAX_NODES = 1 "
            "INSTANCE_FAMILY = CPU_X64_S COMMENT = 'the data team''s'",
        )
    taken = Workshop("XS", numbered(2), Deployment(account=rehearsal.account), pools="shared")
    refused_room = Classroom(
        taken, Target(rehearsal=rehearsal), tmp_path / "xs", image_mode="record"
    )
    before = _account(rehearsal)
    pool = refused_room.pool()
    try:
        refused = refused_room.provision(pool)
        assert [(r.phase, r.ok) for r in refused.results] == [("shared", False)]
        assert "XS_MILVUS_COMPUTE_POOL already exists and is not this workshop's" in (
            refused.results[0].detail
        )
        assert _account(rehearsal) == before  # nothing of the class was made
    finally:
        pool.close()

    with _provisioned(rehearsal, tmp_path, 2, connections=3, pools="shared") as (room, pool):
        larger = _classroom(rehearsal, tmp_path, 5, connections=3, pools="shared")
        larger.workshop.shared_made_by = room.workshop.shared_made_by
        seen: list[AttendeeResult] = []
        report = larger.provision(pool, on_result=seen.append)
        assert report.ok, [r.to_dict() for r in report.failed]
        shared = [r for r in seen if r.phase == "shared"]
        assert shared[0].detail.endswith("; WS_MILVUS_COMPUTE_POOL MAX_NODES 1 -> 3")
        with _admin(rehearsal) as con:
            _query(con, "USE ROLE ACCOUNTADMIN")
            milvus = _query(con, "SHOW COMPUTE POOLS LIKE 'WS_MILVUS_COMPUTE_POOL'")[0]
        assert (milvus["max_nodes"], milvus["active_nodes"]) == (3, 3)  # 5 services, 2 a node
        rows = class_rows(larger, larger.snapshots(pool))
        assert [r.condition for r in rows] == ["running"] * 5
        assert larger.teardown(pool).ok


def test_lost_passwords_are_reset_for_one_attendee_and_the_old_ones_stop_working(
    tmp_path: Path, file_keyring: CryptFileKeyring, rehearsal: Rehearsal
) -> None:
    with _provisioned(rehearsal, tmp_path, 2, connections=2) as (room, pool):
        alice, bob = (room.session(a).deployment for a in room.workshop.attendees)
        assert room.credentials is not None
        old = room.credentials.load(alice, "milvus_user_password")
        bobs = room.credentials.load(bob, "milvus_user_password")
        # The instructor's keyring loses the class (a new machine): nothing to hand out.
        assert keychain.delete(room.credentials.key)
        lost = Classroom(room.workshop, room.target, room.directory, image_mode="record")
        assert lost.credentials is not None
        assert lost.credentials.load(alice, "milvus_user_password") is None

        report = reset_passwords(lost, pool, [room.workshop.attendees[0]])
        assert report.ok, [r.to_dict() for r in report.failed]
        assert report.results[0].detail == "new passwords, notebook restarted"
        new = lost.credentials.load(alice, "milvus_user_password")
        assert new not in (None, old)
        notebook = lost.credentials.load(alice, "jupyter_password")
        assert notebook is not None
        # The notebook's secret holds the new password (the emulator keeps its hash only).
        stored = rehearsal.started.account.get(
            "SECRET", (alice.names().database.name, "PUBLIC", "JUPYTER_PASSWORD")
        )
        assert stored is not None
        assert verify_secret(notebook, stored.props["SECRET_STRING"])

        def signs_in(d: Deployment, password: str | None) -> bool:
            args = rehearsal.connect_args()
            args.update(user=d.names().user.name, password=password)
            try:
                snowflake.connector.connect(**args).close()
            except snowflake.connector.errors.DatabaseError:
                return False
            return True

        assert signs_in(alice, new)
        assert not signs_in(alice, old)
        assert signs_in(bob, bobs)  # another attendee's are as they were
        look = lost.snapshots(pool)["01"]
        assert getattr(look, "condition", None) in ("starting", "running")  # restarted
        assert lost.teardown(pool).ok


def test_a_look_at_the_class_lists_pools_and_services_once_and_sees_what_each_look_alone_sees(
    tmp_path: Path, no_keyring: None, rehearsal: Rehearsal
) -> None:
    """The dashboard's look: two listing statements for the class (SHOW COMPUTE POOLS LIKE
    its names, SHOW SERVICES IN ACCOUNT), then one healthy service's containers per
    attendee, against three statements per attendee when each looks alone; both see the
    same. Another class on the account is not mixed in; looks that use different roles
    cannot share a listing, and each lists its own."""
    from spcs_wizard.workshop.class_look import class_listing, look_at_each

    other = _classroom(rehearsal, tmp_path / "other", 1, connections=1)
    with _provisioned(rehearsal, tmp_path, 3, connections=2) as (room, pool):
        assert other.provision(pool).ok  # its services are in the account's listing too
        traffic = rehearsal.started.traffic

        def statements(look: Any) -> tuple[int, dict[str, Any]]:
            before = traffic.count.statements
            found = look()
            return traffic.count.statements - before, found

        room.snapshots(pool)  # the first looks read everything; then only what is due
        together, class_looks = statements(lambda: room.snapshots(pool))
        alone, each_looks = statements(lambda: look_at_each(room, pool))
        assert (together, alone) == (2 + 3, 3 * 3)
        for a in room.workshop.attendees:
            mine, theirs = class_looks[a.slug], each_looks[a.slug]
            assert mine.pools == theirs.pools
            assert len(mine.pools) == 2
            assert [(s.name, s.status, s.endpoints) for s in mine.services] == [
                (s.name, s.status, s.endpoints) for s in theirs.services
            ]
            # (the other class's services have the same names, in its own databases)
            assert len(mine.services) == 2
            assert mine.condition == "running"

        first = room.workshop.attendees[0]
        session = room.session(first)
        roles = session.deployment.admin_roles.model_copy(update={"sys_admin": "ACCOUNTADMIN"})
        session.deployment = session.deployment.model_copy(update={"admin_roles": roles})
        assert class_listing(room, pool) is None
        assert other.teardown(pool).ok


def test_two_classes_on_one_account_the_first_teardown_leaves_what_the_second_needs(
    tmp_path: Path, no_keyring: None, rehearsal: Rehearsal
) -> None:
    before = _account(rehearsal)
    first = _classroom(rehearsal, tmp_path / "a", 2, connections=2, pools="shared")
    second = Classroom(
        Workshop("WT", numbered(2), Deployment(account=rehearsal.account)),
        Target(rehearsal=rehearsal),
        tmp_path / "wt",
        image_mode="record",
    )
    pool = first.pool()
    try:
        assert first.provision(pool).ok
        assert first.workshop.shared_made_by == "01"  # the integration and grants: WS's
        assert second.provision(pool).ok
        said: list[AttendeeResult] = []
        gone = first.teardown(pool, on_result=said.append)
        assert gone.ok, [r.to_dict() for r in gone.failed]
        # Each attendee's line counts their own objects, the same for all (the one who
        # made the shared objects too); the class's shared ones are said on a line of
        # their own, last, as provision says them first.
        assert [r.phase for r in said] == ["teardown", "teardown", "shared"]
        counts = {r.detail for r in said[:2]}
        assert len(counts) == 1
        assert re.fullmatch(r"\d+ removed", counts.pop())
        assert said[-1].detail == (
            "4 removed; the account-wide objects kept: 4 other service(s) in the account use them"
        )  # the class's two pools, its images' database and repository
        assert [r.phase for r in gone.results] == ["teardown", "teardown"]
        left = _account(rehearsal)
        # WS's own shared objects (its pools, its images' database) are gone ...
        assert not {"WS_MILVUS_COMPUTE_POOL", "WS_JUPYTER_COMPUTE_POOL"} & left["COMPUTE POOL"]
        assert "WS_IMAGES" not in left["DATABASE"]
        # ... the account's stay for WT, which still runs.
        assert "SNOWSERVICES_INGRESS_OAUTH" in left["SECURITY INTEGRATION"]
        assert "BIND SERVICE ENDPOINT ON ACCOUNT TO ROLE SYSADMIN" in left["GRANT"]
        looks = second.snapshots(pool)
        assert {getattr(look, "condition", None) for look in looks.values()} == {"running"}
        assert second.teardown(pool).ok
    finally:
        pool.close()
    after = _account(rehearsal)
    # What WS made for the account outlived it (WT needed it); nothing else is left.
    assert after["SECURITY INTEGRATION"] - before["SECURITY INTEGRATION"] == {
        "SNOWSERVICES_INGRESS_OAUTH"
    }
    for kind in ("DATABASE", "COMPUTE POOL", "ROLE", "USER", "WAREHOUSE", "SERVICE"):
        assert after[kind] == before[kind], kind


def test_a_handouts_prose_fits_80_columns_and_what_is_copied_stays_whole() -> None:
    """Read at 80 columns, no sentence of a handout runs past the edge (a terminal broke
    its words: "at a por" / "t"); what is copied (the login command, the connection's
    lines, the addresses, the password) stays on one line, however long."""
    from spcs_wizard.workshop.handout import handout

    workshop = Workshop("LONGCLASS", numbered(1), Deployment(account="org-acct"))
    attendee = workshop.attendees[0]
    d = workshop.deployment(attendee)
    account = {"account": "rehearsal-local", "host": "127.0.0.1", "port": 45417, "protocol": "http"}
    passwords = {"milvus_user_password": "p" * 35, "jupyter_password": "j" * 35}
    endpoints = {"JUPYTER": "https://abc-rehearsal-local.snowflakecomputing.app"}
    text = handout(workshop, attendee, d, account, passwords, endpoints, rehearsal=True).text
    lines = text.splitlines()
    copied = [line for line in lines if line.startswith("      ")]  # indented: to copy
    assert any(line.strip().startswith("spcs-wizard login -n ") for line in copied)
    assert any("p" * 35 in line for line in copied)
    prose = [line for line in lines if line not in copied and "https://" not in line]
    assert prose
    assert max(len(line) for line in prose) <= 80, [line for line in prose if len(line) > 80]

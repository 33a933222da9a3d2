"""What a real first deployment meets, emulated as strictly as Snowflake documents it:
service DNS names in the 2024_06 format, trial accounts without external access, and
users by TYPE (docs/snowflake-reference.md cites each rule)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from snowflake.connector.errors import ProgrammingError

from spcs_wizard.emulator.faults import Faults
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.emulator.settings import EmulatorSettings
from spcs_wizard.engine import preflight
from spcs_wizard.engine.runner import SqlRunner
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.plan import build_plan
from spcs_wizard.model.registry import repository_path
from tests.conftest import ADMIN_PASSWORD
from tests.emulator_harness import connect, rows
from tests.engine_harness import World


def make_emulator(tmp_path: Path, profile: str = "standard") -> Emulator:
    return Emulator(
        EmulatorSettings(
            state_dir=tmp_path / f"emu-{profile}",
            admin_password=ADMIN_PASSWORD,
            run_services=False,
            profile=profile,
        ),
        Faults(),
    )


@pytest.fixture
def trial(tmp_path: Path) -> Iterator[Emulator]:
    e = make_emulator(tmp_path, "trial")
    e.start()
    yield e
    e.stop()


@pytest.fixture
def standard(tmp_path: Path) -> Iterator[Emulator]:
    e = make_emulator(tmp_path)
    e.start()
    yield e
    e.stop()


# -- service DNS names ------------------------------------------------------------------------
def test_the_notebook_reaches_milvus_at_the_name_show_services_reports(
    standard: Emulator, tmp_path: Path
) -> None:
    world = World(standard, tmp_path)
    outcome, _ = world.deploy()
    assert outcome.ok, outcome.failed
    with connect(standard, role="SYSADMIN") as con:
        services = {
            r["name"]: r for r in rows(con, "SHOW SERVICES IN SCHEMA ALICE_MILVUS_DEMO.PUBLIC")
        }
        (domain,) = rows(con, "SELECT SYSTEM$GET_SERVICE_DNS_DOMAIN('ALICE_MILVUS_DEMO.PUBLIC')")[
            0
        ].values()
        containers = rows(
            con, "SHOW SERVICE CONTAINERS IN SERVICE ALICE_MILVUS_DEMO.PUBLIC.JUPYTER"
        )
    milvus_dns = services["MILVUS"]["dns_name"]
    assert re.fullmatch(r"milvus\.[a-z0-9]{4,8}\.svc\.spcs\.internal", milvus_dns)
    assert milvus_dns == f"milvus.{domain}"
    uploaded = (tmp_path / "specs" / "jupyter.yaml").read_text()
    env = yaml.safe_load(uploaded)["spec"]["containers"][0]["env"]
    assert env["MILVUS_URI"] == f"http://{milvus_dns}:19530"
    assert [c["status"] for c in containers] == ["READY"]


SPEC_CALLING = """spec:
  containers:
  - name: client
    image: /db1/public/repo/app:v1
    env:
      TARGET: http://{host}:19530
"""


@pytest.mark.parametrize(
    ("host", "resolves"),
    [
        ("milvus.{domain}", True),
        ("milvus.public.db1.snowflakecomputing.internal", False),  # before 2024_06
        ("milvus.${{schema_dns_domain}}", False),  # a spec rendered without the domain
        ("nosuch.{domain}", False),
    ],
)
def test_only_the_current_dns_format_of_an_existing_service_resolves(
    standard: Emulator, tmp_path: Path, host: str, resolves: bool
) -> None:
    target = tmp_path / "target.yaml"
    target.write_text(SPEC_CALLING.replace("TARGET: http://{host}:19530", "X: y"))
    settings = standard.settings
    with connect(standard) as con:
        cur = con.cursor()
        cur.execute("GRANT CREATE COMPUTE POOL ON ACCOUNT TO ROLE SYSADMIN")
        cur.execute("USE ROLE SYSADMIN")
        cur.execute("CREATE DATABASE DB1")
        cur.execute("CREATE IMAGE REPOSITORY REPO")
        cur.execute("CREATE STAGE SPECS")
        cur.execute("CREATE COMPUTE POOL P1 MIN_NODES=1 MAX_NODES=1 INSTANCE_FAMILY=CPU_X64_XS")
        standard.add_image("db1/public/repo", "app", "v1", "sha256:" + "a" * 64)
        cur.execute(f"PUT 'file://{target}' @SPECS AUTO_COMPRESS = FALSE")
        cur.execute(
            "CREATE SERVICE MILVUS IN COMPUTE POOL P1 "
            "FROM @SPECS SPECIFICATION_FILE = 'target.yaml'"
        )
        (domain,) = cur.execute("SELECT SYSTEM$GET_SERVICE_DNS_DOMAIN('DB1.PUBLIC')").fetchone()
        client = tmp_path / "client.yaml"
        client.write_text(SPEC_CALLING.format(host=host.format(domain=domain)))
        cur.execute(f"PUT 'file://{client}' @SPECS AUTO_COMPRESS = FALSE")
        cur.execute(
            "CREATE SERVICE CLIENT IN COMPUTE POOL P1 "
            "FROM @SPECS SPECIFICATION_FILE = 'client.yaml'"
        )
        standard.clock.advance(settings.pool_start_secs + settings.container_start_secs + 1)
        (container,) = rows(con, "SHOW SERVICE CONTAINERS IN SERVICE CLIENT")
    if resolves:
        assert container["status"] == "READY"
    else:
        assert container["status"] == "FAILED"
        assert "could not resolve host" in container["message"]


def test_a_schema_made_again_gets_a_new_dns_domain(standard: Emulator) -> None:
    with connect(standard, role="SYSADMIN") as con:
        cur = con.cursor()
        cur.execute("CREATE DATABASE DB1")
        cur.execute("CREATE SCHEMA S1")
        query = "SELECT SYSTEM$GET_SERVICE_DNS_DOMAIN('DB1.S1')"
        (first,) = cur.execute(query).fetchone()
        assert cur.execute(query).fetchone() == (first,)
        cur.execute("DROP SCHEMA DB1.S1")
        cur.execute("CREATE SCHEMA DB1.S1")
        (second,) = cur.execute(query).fetchone()
        assert first != second
        assert re.fullmatch(r"[a-z0-9]{4,8}\.svc\.spcs\.internal", second)
        with pytest.raises(ProgrammingError, match="does not exist or not authorized"):
            cur.execute("SELECT SYSTEM$GET_SERVICE_DNS_DOMAIN('DB1.NOPE')")
        with pytest.raises(ProgrammingError, match=r"'<db>\.<schema>'"):
            cur.execute("SELECT SYSTEM$GET_SERVICE_DNS_DOMAIN('S1')")


# -- trial accounts ------------------------------------------------------------------------------
def test_a_trial_account_refuses_external_access_with_a_way_out(
    trial: Emulator, tmp_path: Path
) -> None:
    world = World(trial, tmp_path)
    world.deployment = Deployment(
        account=trial.settings.account_identifier, prefix="alice", egress={"enabled": True}
    )
    world.plan = build_plan(world.deployment, tmp_path / "specs")
    with connect(trial) as con:
        findings = {f.check: f for f in preflight.run(SqlRunner(con), world.plan)}
    assert not findings["egress"].ok
    assert "trial" in findings["egress"].detail
    assert "egress.enabled=false" in (findings["egress"].fix or "")
    outcome, _ = world.deploy()
    assert outcome.failed is not None
    assert outcome.failed.step_id == "external-access-integration"
    assert "External access is not enabled" in outcome.failed.message
    assert "egress.enabled=false" in outcome.failed.hint


def test_a_full_default_deploy_succeeds_on_a_trial_account(trial: Emulator, tmp_path: Path) -> None:
    world = World(trial, tmp_path)
    with connect(trial) as con:
        findings = {f.check: f for f in preflight.run(SqlRunner(con), world.plan)}
    assert findings["egress"].ok
    assert "no outbound access" in findings["egress"].detail
    assert findings["CREATE COMPUTE POOL"].ok
    assert "grants it as ACCOUNTADMIN" in findings["CREATE COMPUTE POOL"].detail
    outcome, _ = world.deploy()
    assert outcome.ok, outcome.failed
    with connect(trial, role="SYSADMIN") as con:
        jupyter = rows(con, "SHOW SERVICES LIKE 'JUPYTER' IN SCHEMA ALICE_MILVUS_DEMO.PUBLIC")[0]
    assert jupyter["external_access_integrations"] in ("[]", None)


def test_the_standard_profile_takes_external_access(standard: Emulator, tmp_path: Path) -> None:
    world = World(standard, tmp_path)
    world.deployment = Deployment(
        account=standard.settings.account_identifier, prefix="alice", egress={"enabled": True}
    )
    world.plan = build_plan(world.deployment, tmp_path / "specs")
    outcome, _ = world.deploy()
    assert outcome.ok, outcome.failed
    assert "external-access-integration" in outcome.done


# -- users ---------------------------------------------------------------------------------------
def test_service_users_have_no_password_and_person_is_what_the_plan_makes(
    standard: Emulator,
) -> None:
    plan = build_plan(Deployment(account="myorg-myaccount"), Path("/tmp/specs"))
    assert "TYPE = PERSON" in plan.step("user").statements[0].text()
    with connect(standard) as con:
        cur = con.cursor()
        with pytest.raises(ProgrammingError, match="PASSWORD on a user of type SERVICE"):
            cur.execute("CREATE USER ROBOT TYPE = SERVICE PASSWORD = 'Robot-pw-1-long'")
        cur.execute("CREATE USER ROBOT2 TYPE = SERVICE")
        cur.execute("CREATE USER HUMAN TYPE = PERSON PASSWORD = 'Human-pw-1-long'")
        users = {u["name"]: u for u in rows(con, "SHOW USERS")}
    assert users["ROBOT2"]["type"] == "SERVICE"
    assert users["HUMAN"]["type"] == "PERSON"


def test_existing_users_get_the_role_instead_of_a_password_user(
    standard: Emulator, tmp_path: Path
) -> None:
    with connect(standard) as con:
        con.cursor().execute("CREATE USER ANALYST TYPE = PERSON PASSWORD = 'Analyst-pw-1-long'")
    world = World(standard, tmp_path)
    world.deployment = Deployment(
        account=standard.settings.account_identifier,
        prefix="alice",
        user={"create": False, "grant_to": "analyst"},
    )
    world.plan = build_plan(world.deployment, tmp_path / "specs")
    outcome, _ = world.deploy()
    assert outcome.ok, outcome.failed
    assert "milvus_user_password" not in world.asked
    assert "grant-role-to-existing-analyst" in outcome.done
    with connect(standard) as con:
        granted = rows(con, "SHOW GRANTS TO USER ANALYST")
        assert rows(con, "SHOW USERS LIKE 'ALICE_MILVUS_USER'") == []
    assert [g["role"] for g in granted] == ["ALICE_MILVUS_ROLE"]


# -- plan --sql --out, run as `snow sql -f` would -------------------------------------------
SNOW_VARIABLES = {
    "milvus_user_password": "Script-user-pw1",
    "jupyter_password": "Script-nb-pw2",
    "milvus_root_password": "Script-root-pw3",
}


def run_like_snow(con: object, script: Path) -> int:
    """What `snow sql -f FILE -D k=v` does: replace &{ k } in the text, then send each
    statement to Snowflake through the connector, in order. Returns how many ran."""
    text = script.read_text()
    for key, value in SNOW_VARIABLES.items():
        text = text.replace("&{ " + key + " }", value)
    assert "&{" not in text, "a variable was left unfilled"
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    statements = [s.strip() for s in body.split(";\n") if s.strip()]
    cur = con.cursor()  # type: ignore[attr-defined]
    for statement in statements:
        cur.execute(statement.rstrip(";"))
    return len(statements)


def test_plan_sql_out_runs_statement_by_statement_and_creates_the_deployment(
    standard: Emulator, tmp_path: Path
) -> None:
    from tests.test_cli import run

    out = tmp_path / "script"
    made = run("plan", "--sql", "--out", str(out), "--account", "rehearsal-local", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "Run: snow sql -f" in made.stdout
    deploy, notebook = out / "deploy.sql", out / "services.sql"
    assert "SYSTEM$GET_SERVICE_DNS_DOMAIN('MILVUS_DEMO.PUBLIC')" in deploy.read_text()
    assert not (out / "specs" / "jupyter.yaml").exists()  # it needs the domain first
    assert not (out / "specs" / "milvus.yaml").exists()  # so does Milvus' (its gateway)
    d = Deployment(account="rehearsal-local")
    for svc in map(d.image, d.image_keys):  # what the commented image steps say to push
        standard.add_image(
            "milvus_demo/public/milvus_repo", svc.image, svc.tag, "sha256:" + "b" * 64
        )
    with connect(standard) as con:
        assert run_like_snow(con, deploy) >= 20
        (domain,) = rows(con, "SELECT SYSTEM$GET_SERVICE_DNS_DOMAIN('MILVUS_DEMO.PUBLIC')")[
            0
        ].values()
        again = run(
            "plan", "--sql", "--out", str(out), "--account", "rehearsal-local",
            "--dns-domain", domain, cwd=tmp_path,
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
        assert run_like_snow(con, notebook) >= 3
        standard.clock.advance(
            standard.settings.pool_start_secs + standard.settings.container_start_secs + 1
        )
        for service in ("MILVUS", "JUPYTER"):
            containers = rows(
                con, f"SHOW SERVICE CONTAINERS IN SERVICE MILVUS_DEMO.PUBLIC.{service}"
            )
            assert {c["status"] for c in containers} == {"READY"}, containers
        assert rows(con, "SHOW USERS LIKE 'MILVUS_USER'")[0]["type"] == "PERSON"
    assert SNOW_VARIABLES["jupyter_password"] not in deploy.read_text()


def test_milvus_alone_is_two_scripts_without_the_notebook(
    standard: Emulator, tmp_path: Path
) -> None:
    """notebook=false: Milvus' spec still waits for the DNS domain (its gateway reaches
    Milvus by that name), so deploy.sql and services.sql again, and no notebook spec, pool
    or service; running them makes Milvus alone."""
    from tests.test_cli import run

    out = tmp_path / "script"
    settings = ("--account", "rehearsal-local", "--set", "notebook=false")
    made = run("plan", "--sql", "--out", str(out), *settings, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.*")) == [
        "deploy.sql",
        "services.sql",
    ]
    deploy = out / "deploy.sql"
    assert "JUPYTER" not in deploy.read_text() + (out / "services.sql").read_text()
    d = Deployment(account="rehearsal-local", notebook=False)
    for svc in map(d.image, d.image_keys):
        standard.add_image(repository_path(d), svc.image, svc.tag, "sha256:" + "b" * 64)
    with connect(standard) as con:
        run_like_snow(con, deploy)
        (domain,) = rows(con, "SELECT SYSTEM$GET_SERVICE_DNS_DOMAIN('MILVUS_DEMO.PUBLIC')")[
            0
        ].values()
        again = run("plan", "--sql", "--out", str(out), *settings, "--dns-domain", domain,
                    cwd=tmp_path)  # fmt: skip
        assert again.returncode == 0, again.stderr
        assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml")) == [
            "specs/milvus.yaml"
        ]
        run_like_snow(con, out / "services.sql")
        standard.clock.advance(
            standard.settings.pool_start_secs + standard.settings.container_start_secs + 1
        )
        services = rows(con, "SHOW SERVICES IN SCHEMA MILVUS_DEMO.PUBLIC")
        assert [s["name"] for s in services] == ["MILVUS"]
        containers = rows(con, "SHOW SERVICE CONTAINERS IN SERVICE MILVUS_DEMO.PUBLIC.MILVUS")
        assert [c["status"] for c in containers] == ["READY", "READY"]


def test_plan_out_refuses_what_does_not_go_together(tmp_path: Path) -> None:
    from tests.test_cli import assert_clean_usage_error, run

    assert_clean_usage_error(run("plan", "--out", str(tmp_path / "x"), cwd=tmp_path), "--out")
    assert_clean_usage_error(run("plan", "--sql", "--dns-domain", "ab12", cwd=tmp_path))
    bad = run("plan", "--sql", "--out", str(tmp_path / "y"), "--dns-domain", "x;y", cwd=tmp_path)
    assert_clean_usage_error(bad, "not a DNS domain")


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Short-pw-1", "it has 10 characters (Snowflake wants 14 to 256)"),
        ("A1" + "b" * 255, "it has 257 characters"),
        ("no-digits-Here-at-all", "it needs a digit"),
        ("all-lower-case-1234", "it needs an upper-case letter"),
        ("ALL-UPPER-CASE-1234", "it needs a lower-case letter"),
        ("password1", "9 characters (Snowflake wants 14 to 256); it needs an upper-case letter"),
    ],
)
def test_a_weak_password_is_refused_by_the_product_and_by_the_emulator(
    standard: Emulator, password: str, why: str
) -> None:
    """Snowflake's built-in password policy, on both sides: the product says why before
    anything runs, and the emulator refuses it as a new password (CREATE and ALTER)."""
    from spcs_wizard.model.plan_steps import JUPYTER_PASSWORD, USER_PASSWORD
    from spcs_wizard.model.secret_rules import secret_problem

    problem = secret_problem(USER_PASSWORD, password)
    assert problem is not None
    assert why in problem
    assert secret_problem(JUPYTER_PASSWORD, password) is None  # a SECRET, not a user
    good = "Good-password-123"
    assert secret_problem(USER_PASSWORD, good) is None
    with connect(standard) as con:
        cur = con.cursor()
        with pytest.raises(ProgrammingError, match="password policy") as caught:
            cur.execute(f"CREATE USER WEAK PASSWORD = '{password}'")
        assert caught.value.errno == 3002
        cur.execute(f"CREATE USER STRONG PASSWORD = '{good}'")
        with pytest.raises(ProgrammingError, match="password policy"):
            cur.execute(f"ALTER USER STRONG SET PASSWORD = '{password}'")
    with connect(standard, user="STRONG", password=good, role="PUBLIC"):
        pass  # the refused change left the password as it was

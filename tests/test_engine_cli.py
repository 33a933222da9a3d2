"""deploy, status, endpoints, logs, suspend/resume and teardown as commands, against an
emulator on a fast clock, through a connection from connections.toml."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from spcs_wizard.emulator.server import Emulator
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.registry import repository_path
from tests.cli_harness import fast_emulator
from tests.emulator_harness import SECRETS

COMMAND = Path(sys.executable).with_name("spcs-wizard")


@pytest.fixture
def fast(tmp_path: Path) -> Iterator[tuple[Emulator, dict[str, str]]]:
    emu, env = fast_emulator(tmp_path)
    yield emu, env
    emu.stop()


def lines_of_a_running(
    env: dict[str, str], args: list[str], stream: str, count: int, containing: str = ""
) -> list[str]:
    """The first ``count`` lines (holding ``containing``) a command that keeps running
    writes to ``stream``, read as they come; then it is stopped. One that writes none
    within a minute is killed, and the test fails."""
    child = subprocess.Popen(
        [str(COMMAND), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if stream == "stdout" else subprocess.DEVNULL,
        stderr=subprocess.PIPE if stream == "stderr" else subprocess.DEVNULL,
        text=True,
    )
    guard = threading.Timer(60, child.kill)
    guard.start()
    found: list[str] = []
    try:
        pipe = child.stdout if stream == "stdout" else child.stderr
        assert pipe is not None
        while len(found) < count:
            line = pipe.readline()
            assert line, f"{args[0]} ended or wrote nothing: {found}"
            if containing in line:
                found.append(line)
    finally:
        guard.cancel()
        child.terminate()
        child.wait(timeout=30)
    return found


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMMAND), *args],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


@pytest.mark.long
def test_deploy_status_operate_and_teardown(fast, tmp_path: Path) -> None:
    emu, env = fast
    deployed = run(env, "deploy", "--json")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    lines = [json.loads(line) for line in deployed.stdout.splitlines()]
    events_schema = json.loads(
        resources.files("spcs_wizard").joinpath("schemas/events.schema.json").read_text()
    )
    for line in lines:
        jsonschema.validate(line, events_schema)
    *events, summary = lines
    assert summary["ok"] is True
    assert {e["event"] for e in events} >= {"StepStarted", "StepDone"}
    assert SECRETS["milvus_user_password"] not in deployed.stdout + deployed.stderr
    state = (tmp_path / "state" / "deployments" / "cli_milvus_demo" / "state.json").read_text()
    assert SECRETS["milvus_user_password"] not in state

    again = run(env, "deploy")
    assert again.returncode == 0
    assert "already done" in again.stdout
    # Said as what it is: nothing changed (it read "Deployed ...: 6 steps run", the waits).
    said = " ".join(again.stdout.split())
    assert "CLI_MILVUS_DEMO is in place: nothing changed (0 steps done, " in said, said

    status = run(env, "status", "--json")
    assert status.returncode == 0, status.stderr
    snap = json.loads(status.stdout)
    schema = json.loads(
        resources.files("spcs_wizard").joinpath("schemas/status.schema.json").read_text()
    )
    jsonschema.validate(snap, schema)
    assert {s["status"] for s in snap["services"]} == {"RUNNING"}
    assert snap["condition"] == "running"
    assert snap["credits_per_hour"] == 0.22  # two CPU_X64_S pools, 0.11 each while up

    table = run(env, "status")
    assert "CLI_MILVUS_COMPUTE_POOL" in table.stdout
    assert "READY" in table.stdout
    assert "running · 0.22 credits an hour now" in table.stdout
    urls = run(env, "endpoints")
    assert (urls.returncode, urls.stdout.count("https://")) == (0, 2)
    listed = run(env, "endpoints", "--json")  # the JSON alone: no lines after it
    assert len(json.loads(listed.stdout)) == 2
    assert listed.returncode == 0
    logs = run(env, "logs", "milvus", "-n", "5")
    assert "readiness probe passed" in logs.stdout

    assert run(env, "suspend").returncode == 0
    suspended = run(env, "status", "--json")
    assert suspended.returncode == 3  # needs attention: not running
    assert {p["state"] for p in json.loads(suspended.stdout)["pools"]} == {"SUSPENDED"}
    assert json.loads(suspended.stdout)["condition"] == "suspended"
    assert json.loads(suspended.stdout)["credits_per_hour"] == 0
    no_log = run(env, "logs", "milvus")  # no container while suspended: said, not a traceback
    assert no_log.returncode == 3  # needs attention, as status says
    assert no_log.stderr.startswith("Error: no log of the milvus service's instance 0 now (")
    assert "a suspended or starting service has none: see 'spcs-wizard status'" in no_log.stderr
    # Following it waits for the log to come back, and says so once (it was silent).
    (first,) = lines_of_a_running(env, ["logs", "milvus", "--follow"], "stderr", 1)
    assert first.startswith("waiting: no log of the milvus service's instance 0 now (")
    # Resumed, with its pool still starting: no container has written a line yet. Said,
    # exit 3 as the help says (it printed nothing and exited 0).
    emu.faults.stuck_pools.add("CLI_MILVUS_COMPUTE_POOL")
    assert run(env, "resume").returncode == 0
    starting = run(env, "logs", "milvus")
    assert (starting.returncode, starting.stdout) == (3, ""), starting.stderr
    assert starting.stderr.startswith("Error: no log lines from milvus yet (starting, or just")
    emu.release_pool("CLI_MILVUS_COMPUTE_POOL")
    # Deployed while suspended, it resumes what its waits find suspended and says so, in
    # its summary too: it said the same as a run that changed nothing.
    assert run(env, "suspend").returncode == 0
    back = run(env, "deploy", "--json")
    assert back.returncode == 0, back.stdout + back.stderr
    summary = json.loads(back.stdout.splitlines()[-1])
    jsonschema.validate(summary, events_schema)
    assert all(s.endswith(" RESUME") for s in summary["changed"]), summary["changed"]
    assert {s.split()[-2] for s in summary["changed"]} == {
        "CLI_MILVUS_COMPUTE_POOL",
        "CLI_JUPYTER_COMPUTE_POOL",
        "CLI_MILVUS_DEMO.PUBLIC.MILVUS",
        "CLI_MILVUS_DEMO.PUBLIC.JUPYTER",
    }
    told = run(env, "deploy")
    assert told.returncode == 0
    assert "is in place: nothing changed" in " ".join(told.stdout.split())

    no_yes = run(env, "teardown")
    assert no_yes.returncode == 2
    assert "--yes" in no_yes.stderr
    gone = run(env, "teardown", "--yes")
    assert gone.returncode == 0, gone.stdout + gone.stderr
    last = gone.stdout.splitlines()[-1]
    assert last.startswith("Removed ")
    # what it left of others' (none) and what it kept of its own, and why
    assert last.endswith(
        " items; left 0 that spcs-wizard did not create. Kept: 3 account-wide (other "
        "deployments may use them): security integration SNOWSERVICES_INGRESS_OAUTH, "
        "grant BIND SERVICE ENDPOINT ON ACCOUNT TO ROLE SYSADMIN, grant CREATE COMPUTE "
        "POOL ON ACCOUNT TO ROLE SYSADMIN."
    ), last
    assert run(env, "status", "--json").returncode == 3
    twice = run(env, "teardown")  # no terminal, no --yes: nothing to ask about
    assert twice.returncode == 0, twice.stdout + twice.stderr
    # One line, not a "not found" for each of its steps first.
    assert twice.stdout.strip() == "Nothing to remove: CLI_MILVUS_DEMO is not deployed."
    no_service = run(env, "logs", "milvus")
    assert no_service.returncode == 3
    assert no_service.stderr.strip() == (
        "Error: no milvus service in CLI_MILVUS_DEMO to read a log from (deployed? see "
        "'spcs-wizard status')"
    )
    followed = run(env, "logs", "milvus", "--follow")  # no service: no waiting for one
    assert followed.returncode == 3
    assert followed.stderr == no_service.stderr
    # Watched into a pipe, each refresh comes out as it is taken (it wrote nothing).
    watched = lines_of_a_running(
        env, ["status", "--watch", "--interval", "1"], "stdout", 2, "CLI_MILVUS_DEMO: not deployed"
    )
    assert len(watched) == 2  # two refreshes, each saying where the deployment stands
    none = run(env, "endpoints")
    assert none.returncode == 3, none.stderr  # as status: needs attention
    assert none.stdout == ""  # a script reading URLs reads none
    assert none.stderr.strip() == (
        "No public endpoint: CLI_MILVUS_DEMO is not deployed. "
        "'spcs-wizard status -c rehearsal' shows where it stands."
    )
    no_json = run(env, "endpoints", "--json")
    assert (no_json.returncode, json.loads(no_json.stdout)) == (3, [])
    for verb in ("suspend", "resume"):  # torn down: nothing of it to switch, and it says so
        nothing = run(env, verb)
        assert nothing.returncode == 0, nothing.stderr
        assert nothing.stdout.strip() == (
            f"Nothing to {verb}: CLI_MILVUS_DEMO is not deployed (never made, or torn down)."
        )


def test_a_foreign_object_stops_deploy_with_exit_3_until_adopted(fast) -> None:
    """Someone else's role and user under the deployment's names (no COMMENT): exit 3,
    both named with their owner and the two ways on, and nothing granted to them."""
    from tests.emulator_harness import connect, rows

    emu, env = fast
    with connect(emu, role="USERADMIN") as con:
        con.cursor().execute("CREATE ROLE CLI_MILVUS_ROLE")
        con.cursor().execute("CREATE USER CLI_MILVUS_USER PASSWORD = 'Not-ours-pw1-long'")
    refused = run(env, "deploy")
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "ROLE CLI_MILVUS_ROLE already exists and is not this deployment's" in refused.stdout
    assert "owner USERADMIN" in refused.stdout
    assert "--adopt CLI_MILVUS_ROLE" in refused.stdout
    with connect(emu) as con:
        assert rows(con, "SHOW GRANTS TO USER CLI_MILVUS_USER") == []
        assert rows(con, "SHOW DATABASES LIKE 'CLI_MILVUS_DEMO'") == []
    adopted = run(env, "deploy", "--adopt", "cli_milvus_role", "--adopt", "CLI_MILVUS_USER")
    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    down = run(env, "teardown", "--yes", "--json")
    assert down.returncode == 0, down.stdout + down.stderr
    with connect(emu) as con:
        assert rows(con, "SHOW ROLES LIKE 'CLI_MILVUS_ROLE'")  # adopted: kept
        assert rows(con, "SHOW GRANTS TO USER CLI_MILVUS_USER") == []  # what we granted: gone


def test_a_missing_connection_is_a_configuration_error(fast) -> None:
    _, env = fast
    result = run(env, "deploy", "-c", "nope")
    assert result.returncode == 2
    assert "no connection named 'nope'" in result.stderr
    assert "spcs-wizard login -n nope -a ORG-ACCOUNT -u USER" in result.stderr
    assert "Traceback" not in result.stderr


def test_deploy_without_a_secret_and_no_terminal_stops_before_anything_runs(fast) -> None:
    """Nobody to ask for a secret: a configuration error before the first change (it
    once created the role and integration first, then stopped with a usage banner)."""
    emu, env = fast
    env = {k: v for k, v in env.items() if k != "SPCS_WIZARD_SECRET_JUPYTER_PASSWORD"}
    result = run(env, "deploy")
    assert result.returncode == 2
    assert (
        "the deployment needs the password protecting the notebook "
        "(SPCS_WIZARD_SECRET_JUPYTER_PASSWORD)" in result.stderr
    )
    assert "Nothing was done." in result.stderr
    assert "Usage:" not in result.stderr
    assert "Traceback" not in result.stderr
    assert emu.account.get("ROLE", ("CLI_MILVUS_ROLE",)) is None


def test_a_weak_password_in_the_environment_stops_before_anything_runs(fast) -> None:
    emu, env = fast
    env = env | {"SPCS_WIZARD_SECRET_MILVUS_USER_PASSWORD": "password1"}
    result = run(env, "deploy")
    assert result.returncode == 2  # a configuration error: nothing was done
    assert "SPCS_WIZARD_SECRET_MILVUS_USER_PASSWORD cannot be used" in result.stderr
    assert "9 characters (Snowflake wants 14 to 256); it needs an upper-case" in result.stderr
    assert "password1" not in result.stdout + result.stderr  # the value itself is not shown
    assert emu.account.get("ROLE", ("CLI_MILVUS_ROLE",)) is None


def test_a_failed_step_exits_1_with_reason_and_hint(fast) -> None:
    emu, env = fast
    emu.faults.failing_services.add("CLI_MILVUS_DEMO.PUBLIC.MILVUS")
    result = run(env, "deploy")
    assert result.returncode == 1
    assert "✗ wait-service-milvus" in result.stdout
    assert "Container exited with code 1" in result.stdout
    assert "next: Fix the cause shown" in result.stdout


def test_a_deploy_killed_mid_way_resumes_on_the_next_run(fast) -> None:
    _emu, env = fast
    proc = subprocess.Popen(
        [str(COMMAND), "deploy", "--json"],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # read progress until the first compute pool is being made
        event = json.loads(line)
        seen.append(event["step_id"])
        if event["event"] == "StepStarted" and event["step_id"] == "compute-pool-milvus":
            break
    proc.send_signal(signal.SIGKILL)  # no cleanup, no goodbye: kill -9
    proc.wait(timeout=30)
    assert "wait-pool-milvus" not in seen
    resumed = run(env, "deploy", "--json")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    summary = json.loads(resumed.stdout.splitlines()[-1])
    assert "role" in summary["skipped"]
    assert "warehouse" in summary["skipped"]
    status = json.loads(run(env, "status", "--json").stdout)
    assert len(status["pools"]) == 2
    assert {s["status"] for s in status["services"]} == {"RUNNING"}


def test_without_docker_or_podman_deploy_stops_first_and_milvus_alone_deploys(
    tmp_path: Path,
) -> None:
    """No docker or podman on PATH and no image in the repository: deploy stops before
    its first change. Without skopeo either it says to install podman, or skopeo and
    deploy Milvus alone; with skopeo it says to deploy Milvus alone, and alone it deploys
    (no notebook pool, service or secret), and teardown removes it."""
    from tests.emulator_harness import connect, rows
    from tests.tools import require_tool

    skopeo = require_tool("skopeo", "skopeo")
    d = Deployment(prefix="cli")
    emu, env = fast_emulator(tmp_path / "emu", images=())
    try:
        (tmp_path / "bin").mkdir()
        env = env | {"PATH": str(tmp_path / "bin")}  # nothing to copy or build with

        def made() -> list[str]:
            with connect(emu) as con:
                found = rows(con, "SHOW COMPUTE POOLS") + rows(con, "SHOW DATABASES LIKE 'CLI%'")
            return [str(r["name"]) for r in found]

        nothing = run(env, "deploy")
        assert nothing.returncode == 1, nothing.stdout + nothing.stderr
        said = " ".join(nothing.stdout.split())  # as printed, wrapped at 200 columns
        assert (
            "✗ image-milvus: Milvus' image can be neither copied (skopeo is not installed) "
            "nor built, and neither docker nor podman works here (docker: not installed; "
            "podman: not installed); Milvus' gateway image can be neither copied (skopeo is "
            "not installed) nor built, and neither docker nor podman works here (docker: not "
            "installed; podman: not installed); the notebook's image must be built" in said
        )
        assert "Install podman (apt-get install podman) to make every image" in said
        assert made() == []  # nothing was changed

        (tmp_path / "bin" / "skopeo").symlink_to(skopeo)  # Milvus' image can be copied
        # It is copied already (docker.io is out of reach here): the repository will
        # list it as soon as it exists.
        for image in (d.milvus, d.gateway):
            emu.add_image(repository_path(d), image.image, image.tag, "sha256:" + "b" * 64)
        stopped = run(env, "deploy")
        assert stopped.returncode == 1, stopped.stdout + stopped.stderr
        said = " ".join(stopped.stdout.split())  # as printed, wrapped at 200 columns
        assert (
            "✗ image-jupyter: the notebook's image must be built (its embedding model is "
            "baked in), and neither docker nor podman works here (docker: not installed; "
            "podman: not installed)" in said
        )
        assert "Deploy Milvus alone: its image is copied, no docker or podman needed" in said
        assert "--set notebook=false" in said
        assert made() == []

        alone = ("--set", "notebook=false")
        env.pop("SPCS_WIZARD_SECRET_JUPYTER_PASSWORD")  # Milvus alone needs no notebook password
        deployed = run(env, "deploy", "--json", *alone)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        assert json.loads(deployed.stdout.splitlines()[-1])["ok"] is True
        with connect(emu) as con:
            services = rows(con, "SHOW SERVICES IN SCHEMA CLI_MILVUS_DEMO.PUBLIC")
            secrets = rows(con, "SHOW SECRETS IN SCHEMA CLI_MILVUS_DEMO.PUBLIC")
        assert [s["name"] for s in services] == ["MILVUS"]
        assert [s["name"] for s in secrets] == ["MILVUS_ROOT"]  # Milvus' own, no notebook's
        assert made() == ["CLI_MILVUS_COMPUTE_POOL", "CLI_MILVUS_DEMO"]
        down = run(env, "teardown", "--yes", "--json", *alone)
        assert down.returncode == 0, down.stdout + down.stderr
        assert made() == []
    finally:
        emu.stop()

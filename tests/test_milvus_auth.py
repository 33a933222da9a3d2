"""Milvus with authentication on: the root password from a Snowflake SECRET, the gateway
as the public door (it adds Milvus' credentials to requests Snowflake authenticated),
and the emulator's Milvus refusing a client without them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from pymilvus import MilvusClient
from pymilvus.exceptions import MilvusException

from spcs_wizard.console.targets import endpoint_console
from spcs_wizard.console.transport import ConsoleError, NotReachableNowError
from spcs_wizard.emulator.children import free_port
from spcs_wizard.emulator.errors import SnowflakeError
from spcs_wizard.emulator.milvus_http import RootCredential, credentials
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.engine.deployment_session import DeploymentSession
from spcs_wizard.engine.rehearsal import Rehearsal
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.plan import build_plan
from spcs_wizard.specs.render import gateway_program, render
from spcs_wizard.specs.validate import validate_text
from spcs_wizard.tui.context import WizardContext
from tests.emulator_harness import connect, service_named, until_running

CANARY = "Canary-root-pw-5b9e1c7d"  # a test value: must never reach disk in plain text


def _post(url: str, path: str, body: dict[str, Any], headers: dict[str, str] | None = None):
    request = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"{}")


# -- the specification and the plan --------------------------------------------------------


def test_the_milvus_spec_turns_authentication_on_with_the_password_from_a_secret() -> None:
    d = Deployment()
    doc = yaml.safe_load(render(d, "milvus", "ab12.svc.spcs.internal").text)
    milvus, gateway = doc["spec"]["containers"]
    assert milvus["env"]["COMMON_SECURITY_AUTHORIZATIONENABLED"] == "true"
    secret = "MILVUS_DEMO.PUBLIC.MILVUS_ROOT"
    assert {
        (s["snowflakeSecret"]["objectName"], s["secretKeyRef"], s["envVarName"])
        for s in milvus["secrets"]
    } == {(secret, "password", "COMMON_SECURITY_DEFAULTROOTPASSWORD")}
    assert {(s["secretKeyRef"], s["envVarName"]) for s in gateway["secrets"]} == {
        ("username", "MILVUS_USER"),
        ("password", "MILVUS_PASSWORD"),
    }
    # the gateway runs the very program in the package, on the stock image
    assert gateway["command"] == ["python3", "-c", gateway_program()]
    assert gateway["env"]["MILVUS_ADDRESS"] == "http://milvus.ab12.svc.spcs.internal:19530"
    public = {e["name"]: e["port"] for e in doc["spec"]["endpoints"] if e.get("public")}
    assert public == {"milvus": int(gateway["env"]["GATEWAY_PORT"])}
    jupyter = yaml.safe_load(render(d, "jupyter", "ab12.svc.spcs.internal").text)
    names = {s["envVarName"] for s in jupyter["spec"]["containers"][0]["secrets"]}
    assert {"MILVUS_USER", "MILVUS_PASSWORD", "JUPYTER_PASSWORD"} <= names


def test_validate_refuses_milvus_without_authentication_or_with_its_default_password() -> None:
    text = render(Deployment(), "milvus", "ab12.svc.spcs.internal").text
    assert validate_text(text) == []
    off = text.replace('COMMON_SECURITY_AUTHORIZATIONENABLED: "true"', "COMMON_STORAGETYPE2: x")
    assert any("authentication off" in p.message for p in validate_text(off))
    doc = yaml.safe_load(text)
    doc["spec"]["containers"][0].pop("secrets")
    problems = validate_text(yaml.safe_dump(doc))
    assert [p.path for p in problems] == ["spec.containers[0].secrets"]
    assert "default" in problems[0].message
    doc = yaml.safe_load(text)
    doc["spec"]["endpoints"][1]["public"] = True  # Milvus' own port, past the gateway
    doc["spec"]["endpoints"][1]["protocol"] = "HTTP"
    problems = validate_text(yaml.safe_dump(doc))
    assert [p.path for p in problems] == ["spec.endpoints[1].public"]


def _milvus_problems(container: dict[str, Any]) -> list[tuple[str, str]]:
    """What validate says of the rendered Milvus spec with its Milvus container replaced
    by ``container`` (and its secrets kept unless the container names its own)."""
    doc = yaml.safe_load(render(Deployment(), "milvus", "ab12.svc.spcs.internal").text)
    doc["spec"]["containers"][0] = {"name": "milvus", **container}
    return [(p.path, p.message) for p in validate_text(yaml.safe_dump(doc))]


OFF = (
    "spec.containers[0].env",
    "Milvus runs with authentication off (anyone who reaches it is root): set "
    'COMMON_SECURITY_AUTHORIZATIONENABLED: "true" and take the root password from a '
    "Snowflake SECRET (envVarName COMMON_SECURITY_DEFAULTROOTPASSWORD)",
)


@pytest.mark.parametrize(
    "image",
    [
        "/milvus_demo/public/milvus_repo/milvus:v2.5.4",
        "org-acct.registry.snowflakecomputing.com/db/s/repo/milvus:v2.5.4",
        "a/b/milvus",  # no tag: the name is the last part of the path
        "milvus",
        "repo/milvus@sha256:" + "a" * 64,  # by digest
        "repo/milvus:v2.5.4@sha256:" + "a" * 64,  # tag and digest
    ],
)
def test_a_milvus_image_is_known_by_its_name_wherever_it_lives(image: str) -> None:
    assert _milvus_problems({"image": image}) == [OFF]
    assert _milvus_problems({"image": image, "env": "not a mapping"})[-1] == OFF


@pytest.mark.parametrize("command", [["milvus", "run", "standalone"], ["milvus"]])
def test_milvus_run_by_its_own_command_in_another_image_is_known_too(command: list[str]) -> None:
    assert _milvus_problems({"image": "/db/s/repo/vectors:1", "command": command}) == [OFF]


@pytest.mark.parametrize(
    "container",
    [
        {"image": "/db/s/repo/milvus-gateway:1"},
        {"image": "/db/s/milvus/python:3.11"},  # milvus only in the path
        {"image": "/db/s/repo/milvusx:1"},
        {"image": "/db/s/repo/tools:1", "command": ["python", "milvus"]},
        {"image": "/db/s/repo/tools:1", "command": ["MILVUS"]},
        {"image": "/db/s/repo/tools:1", "command": "milvus run standalone"},  # not a list
        {"command": ["python3"]},  # no image at all
    ],
)
def test_a_container_that_does_not_run_milvus_is_not_held_to_its_rules(
    container: dict[str, Any],
) -> None:
    assert all(path != "spec.containers[0].env" for path, _ in _milvus_problems(container))
    assert not any("Milvus" in message for _, message in _milvus_problems(container))


def test_milvus_with_authentication_on_needs_its_root_password_from_a_secret() -> None:
    on = {"COMMON_SECURITY_AUTHORIZATIONENABLED": " True "}  # read as YAML would give it
    without = {"image": "/db/s/repo/milvus:v2.5.4", "env": on}
    assert _milvus_problems(without) == [
        (
            "spec.containers[0].secrets",
            "no Snowflake SECRET gives COMMON_SECURITY_DEFAULTROOTPASSWORD: Milvus' root "
            'password would be its published default ("Milvus")',
        )
    ]
    for value in ("false", "", "yes"):
        env = {"COMMON_SECURITY_AUTHORIZATIONENABLED": value}
        assert _milvus_problems({"image": "milvus:v2.5.4", "env": env})[0] == OFF


def test_the_root_password_is_a_generated_secret_nobody_is_asked_for(tmp_path: Path) -> None:
    plan = build_plan(Deployment(), tmp_path)
    step = plan.step("secret-milvus")
    sql = step.statements[0].text()
    assert "TYPE = PASSWORD" in sql
    assert "USERNAME = 'root'" in sql
    assert "'&{ milvus_root_password }'" in sql
    assert {"secret-milvus", "image-gateway"} <= set(plan.step("service-milvus").depends_on)
    from spcs_wizard.engine.deployment_session import Target

    session = DeploymentSession(Target("nobody"), Deployment())
    assert "milvus_root_password" not in {s.key for s in session.missing_secrets()}
    slot = next(s for s in plan.secrets if s.key == "milvus_root_password")
    first = session._known_secret(slot)
    assert first
    assert first == session._known_secret(slot)  # one value for the whole run
    assert first != DeploymentSession(Target("nobody"), Deployment())._known_secret(slot)


# -- the gateway program, run for real ------------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append((self.path, dict(self.headers), body))
        reply = json.dumps({"code": 0, "data": {"echo": json.loads(body)}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[tuple[str, list[tuple[str, dict[str, str], bytes]]]]:
    """A real HTTP server standing for Milvus, recording what reaches it."""
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.seen
    server.shutdown()
    server.server_close()


def _run_gateway(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", gateway_program()],
        env={"PATH": os.environ["PATH"], "GATEWAY_HOST": "127.0.0.1", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as reply:
                assert reply.read() == b"OK"
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the gateway never answered /healthz")


def test_the_gateway_adds_milvus_credentials_and_passes_nothing_else(upstream) -> None:
    url, seen = upstream
    port = free_port()
    gateway = _run_gateway(
        {
            "GATEWAY_PORT": str(port),
            "MILVUS_ADDRESS": url,
            "MILVUS_USER": "root",
            "MILVUS_PASSWORD": CANARY,
        }
    )
    try:
        here = f"http://127.0.0.1:{port}"
        _wait_serving(here, gateway)
        status, reply = _post(
            here,
            "/v2/vectordb/collections/list",
            {"q": 1},
            {"Authorization": 'Snowflake Token="caller-token"', "X-Other": "dropped"},
        )
        assert (status, reply) == (200, {"code": 0, "data": {"echo": {"q": 1}}})
        path, headers, _ = seen[-1]
        assert path == "/v2/vectordb/collections/list"
        assert headers["Authorization"] == f"Bearer root:{CANARY}"
        assert "X-Other" not in headers
        # only Milvus' REST API passes
        status, reply = _post(here, "/api/anything", {})
        assert status == 404
        assert len(seen) == 1
    finally:
        gateway.terminate()
        out = gateway.communicate(timeout=10)[0].decode()
    assert CANARY not in out  # its log names requests, never a header
    assert "POST /v2/vectordb/collections/list" in out


def test_the_gateway_says_when_milvus_does_not_answer_and_refuses_to_run_without_password() -> None:
    port = free_port()
    gateway = _run_gateway(
        {
            "GATEWAY_PORT": str(port),
            "MILVUS_ADDRESS": f"http://127.0.0.1:{free_port()}",  # nothing listens there
            "MILVUS_PASSWORD": CANARY,
        }
    )
    try:
        here = f"http://127.0.0.1:{port}"
        _wait_serving(here, gateway)
        status, reply = _post(here, "/v2/vectordb/collections/list", {})
        assert status == 502
        assert "Milvus is not answering" in reply["message"]
    finally:
        gateway.terminate()
        gateway.communicate(timeout=10)
    empty = _run_gateway({"GATEWAY_PORT": str(free_port()), "MILVUS_PASSWORD": ""})
    out = empty.communicate(timeout=20)[0].decode()
    assert empty.returncode == 1
    assert "MILVUS_PASSWORD is empty" in out


# -- the emulator's Milvus ------------------------------------------------------------------


def test_milvus_keeps_its_first_root_password(tmp_path: Path) -> None:
    path = tmp_path / "data" / "root"
    first = RootCredential(path, "first-pw")
    assert first.accepts("root", "first-pw")
    assert not first.accepts("root", "other")
    assert not first.accepts("admin", "first-pw")
    later = RootCredential(path, "second-pw")  # the secret changed; Milvus' etcd did not
    assert later.accepts("root", "first-pw")
    assert not later.accepts("root", "second-pw")
    assert "first-pw" not in path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
    assert credentials("Bearer root:a:b") == ("root", "a:b")
    assert credentials("Basic cm9vdDpwdw==") == ("root", "pw")
    assert credentials("Snowflake Token=x") is None
    assert credentials("Bearer no-colon") is None


@pytest.fixture
def auth_rehearsal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Rehearsal, WizardContext]]:
    """A deployed rehearsal whose Milvus root password is the canary (from the
    environment, as a script would give it)."""
    from tests.wizard_harness import deployed_rehearsal

    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SPCS_WIZARD_SECRET_MILVUS_ROOT_PASSWORD", CANARY)
    rehearsal, context = deployed_rehearsal(tmp_path / "rehearsal")
    yield rehearsal, context
    rehearsal.stop()


@pytest.mark.long
def test_the_console_reaches_milvus_through_the_gateway_and_milvus_refuses_others(
    auth_rehearsal: tuple[Rehearsal, WizardContext], tmp_path: Path
) -> None:
    rehearsal, context = auth_rehearsal
    emulator = rehearsal.started
    session = context.session
    runner = session.connect()
    # No wait for Milvus here: the deploy ended with the service RUNNING, and the
    # emulator says RUNNING only once Milvus and the gateway pass their readiness probes.
    try:
        console = endpoint_console(runner, session.deployment)
        try:
            assert console.transport.list_collections() == []
        finally:
            console.transport.close()
        # the gateway's own log, as SYSTEM$GET_SERVICE_LOGS gives it
        logged = runner.query_or_missing(
            "SELECT SYSTEM$GET_SERVICE_LOGS('MILVUS_DEMO.PUBLIC.MILVUS', '0', 'gateway')"
        )[0]
        text = str(next(iter(logged.values())))
        assert "[gateway] gateway: POST /v2/vectordb/collections/list" in text
        assert CANARY not in text
        svc = service_named(emulator, "MILVUS")
        rest = emulator.runtime.http_address(svc, "grpc")  # Milvus' own port, 19530
        assert rest is not None
        url = f"http://{rest}"
        refused = {"code": 1800, "message": "user hasn't authenticated"}
        assert _post(url, "/v2/vectordb/collections/list", {}) == (200, refused)
        wrong = {"Authorization": "Bearer root:Milvus"}  # Milvus' published default
        assert _post(url, "/v2/vectordb/collections/list", {}, wrong) == (200, refused)
        wrong = {"Authorization": f"Bearer root:{CANARY}x"}
        assert _post(url, "/v2/vectordb/collections/list", {}, wrong) == (200, refused)
        # gRPC (the notebook's way) is checked too.
        (grpc_address,) = runner.query_or_missing(
            "SELECT SYSTEM$SPCS_EMULATOR_ENDPOINT('MILVUS_DEMO.PUBLIC.MILVUS', 'grpc')"
        )[0].values()
        # pymilvus' first call (at connect) is refused: it says so in its own words
        with pytest.raises(MilvusException, match=r"illegal connection params|auth check"):
            MilvusClient(uri=f"http://{grpc_address}", timeout=10).list_collections()
        with pytest.raises(MilvusException, match=r"illegal connection params|auth check"):
            MilvusClient(uri=f"http://{grpc_address}", token="root:Milvus", timeout=10)
        # What the containers read for the secret (the emulator's stand-in for its value)
        secret = emulator.account.get("SECRET", ("MILVUS_DEMO", "PUBLIC", "MILVUS_ROOT"))
        assert secret is not None
        assert secret.props["USERNAME"] == "root"
        token = f"root:{secret.props['PASSWORD']}"
        client = MilvusClient(uri=f"http://{grpc_address}", token=token, timeout=10)
        try:
            assert client.list_collections() == []
        finally:
            client.close()
    finally:
        runner.con.close()
    # The root password went to Snowflake's secret and nowhere else in plain text.
    for path in (tmp_path / "rehearsal").rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path
    with connect(emulator, role="SYSADMIN") as con:
        described = con.cursor().execute("DESCRIBE SECRET MILVUS_DEMO.PUBLIC.MILVUS_ROOT")
        assert CANARY not in str(described.fetchall())


@pytest.mark.long
def test_a_public_milvus_port_with_authentication_on_is_refused_at_the_console(
    auth_rehearsal: tuple[Rehearsal, WizardContext], tmp_path: Path
) -> None:
    """A spec that publishes Milvus' own port (skipping the gateway): Snowflake lets the
    call in, Milvus refuses it, and the console says why and what to do."""
    rehearsal, context = auth_rehearsal
    emulator = rehearsal.started
    session = context.session
    spec = yaml.safe_load(render(session.deployment, "milvus", _domain(emulator)).text)
    spec["spec"]["containers"] = spec["spec"]["containers"][:1]  # no gateway
    spec["spec"]["endpoints"] = [{"name": "milvus", "port": 19530, "public": True,
                                  "protocol": "HTTP"}]  # fmt: skip
    file = tmp_path / "direct.yaml"
    file.write_text(yaml.safe_dump(spec))
    runner = session.connect()
    try:
        n = session.deployment.names()
        sysadmin, stage = n.sys_admin, n.in_schema(n.spec_stage)
        for sql in (
            f"PUT 'file://{file}' @{stage} OVERWRITE = TRUE AUTO_COMPRESS = FALSE",
            f"ALTER SERVICE MILVUS_DEMO.PUBLIC.MILVUS FROM @{stage} "
            "SPECIFICATION_FILE = 'direct.yaml'",
        ):
            runner.execute(sql, sysadmin, sql)
        emulator.clock.advance(600)
        # Milvus starts again with the new spec: until it serves, the service is PENDING
        # and its endpoint has no URL, and the console says so (its start takes far
        # longer than these two queries).
        with pytest.raises(NotReachableNowError, match=r"MILVUS is still starting \(PENDING\)"):
            endpoint_console(runner, session.deployment)
        until_running(emulator, "MILVUS")
        console = endpoint_console(runner, session.deployment)
        with pytest.raises(ConsoleError) as refused:
            console.transport.list_collections()
        console.transport.close()
    finally:
        runner.con.close()
    message = str(refused.value)
    assert "not authenticated" in message
    assert "spcs-wizard deploy" in message


def _domain(emulator: Emulator) -> str:
    schema = emulator.account.get("SCHEMA", ("MILVUS_DEMO", "PUBLIC"))
    assert schema is not None
    return emulator.account.dns_domain(schema)


def test_a_secret_key_must_match_the_secret_type(emu: Emulator, tmp_path: Path) -> None:
    with connect(emu, role="SYSADMIN") as con:
        cur = con.cursor()
        cur.execute("CREATE DATABASE DB1")
        with pytest.raises(Exception, match="USERNAME"):
            cur.execute("CREATE SECRET S1 TYPE = PASSWORD PASSWORD = 'x'")
        with pytest.raises(Exception, match="TYPE"):
            cur.execute("CREATE SECRET S1 TYPE = SOMETHING SECRET_STRING = 'x'")
        cur.execute("CREATE SECRET S1 TYPE = GENERIC_STRING SECRET_STRING = 'x'")
        spec = tmp_path / "s.yaml"
        spec.write_text(
            "spec:\n  containers:\n  - name: c\n    image: /db1/public/repo/x:1\n"
            "    secrets:\n    - snowflakeSecret:\n        objectName: S1\n"
            "      secretKeyRef: password\n      envVarName: P\n"
        )
        cur.execute("CREATE STAGE SPECS")
        cur.execute(f"PUT 'file://{spec}' @SPECS AUTO_COMPRESS = FALSE")
        con.cursor().execute("USE ROLE ACCOUNTADMIN")
        con.cursor().execute("GRANT CREATE COMPUTE POOL ON ACCOUNT TO ROLE SYSADMIN")
        con.cursor().execute("USE ROLE SYSADMIN")
        cur.execute(
            "CREATE COMPUTE POOL P1 MIN_NODES = 1 MAX_NODES = 1 INSTANCE_FAMILY = CPU_X64_XS"
        )
        with pytest.raises(Exception, match="needs a secret of type PASSWORD") as refused:
            cur.execute(
                "CREATE SERVICE SV IN COMPUTE POOL P1 FROM @SPECS SPECIFICATION_FILE = 's.yaml'"
            )
    assert not isinstance(refused.value, SnowflakeError)  # it came over the wire

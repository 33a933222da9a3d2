"""The account's image registry: a real docker-registry fronted by the emulator's token
service, fed by a real podman build and push."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest

from spcs_wizard.emulator.faults import Faults
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.emulator.settings import EmulatorSettings
from spcs_wizard.engine.images import registry_token
from tests.conftest import ADMIN_PASSWORD
from tests.emulator_harness import connect, rows
from tests.tools import require_tool


class Podman:
    """podman with its own storage and auth file under a temporary directory."""

    def __init__(self, root: Path) -> None:
        self.binary = require_tool("podman", "podman")
        self.root = root
        self.env = {
            **os.environ,
            "BUILDAH_ISOLATION": "chroot",
            "REGISTRY_AUTH_FILE": str(root / "auth.json"),
            "CONTAINERS_REGISTRIES_CONF": str(root / "registries.conf"),
        }
        (root / "registries.conf").write_text("")

    def trust(self, host: str) -> None:
        """Mark a plain-HTTP registry on 127.0.0.1 as insecure, as a user's config would."""
        (self.root / "registries.conf").write_text(
            f'[[registry]]\nlocation = "{host}"\ninsecure = true\n'
        )

    def __call__(
        self, *args: str, input_text: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = [
            self.binary,
            "--root",
            str(self.root / "storage"),
            "--runroot",
            str(self.root / "run"),
            "--storage-driver",
            "vfs",
            *args,
        ]
        result = subprocess.run(
            command,
            env=self.env,
            capture_output=True,
            text=True,
            input=input_text,
            timeout=300,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"podman {args[0]} failed: {result.stderr}")
        return result


@pytest.fixture(scope="module")
def podman() -> Iterator[Podman]:
    """A local image built for real: a base imported from a tiny root filesystem (nothing
    can be pulled here), then a build that adds a file. Its storage is in a short directory
    of its own: podman refuses a runroot over 50 characters, and pytest's temporary paths
    are longer than that under xdist."""
    with TemporaryDirectory(prefix="spcsw-podman-", dir="/tmp") as directory:
        yield _podman_with_an_app_image(Path(directory))


def _podman_with_an_app_image(root: Path) -> Podman:
    p = Podman(root)
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w") as tar:
        data = b"spcs-wizard test base\n"
        info = tarfile.TarInfo("etc/base-release")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    (root / "rootfs.tar").write_bytes(tar_bytes.getvalue())
    p("import", str(root / "rootfs.tar"), "localhost/test-base:1")
    context = root / "context"
    context.mkdir()
    (context / "app.txt").write_text("hello from the app layer\n")
    (context / "Containerfile").write_text("FROM localhost/test-base:1\nCOPY app.txt /app.txt\n")
    p("build", "--platform", "linux/amd64", "-t", "localhost/app:v1", str(context))
    return p


@pytest.fixture
def registry_emulator(tmp_path: Path) -> Iterator[Emulator]:
    require_tool("docker-registry", "docker-registry")
    emu = Emulator(
        EmulatorSettings(state_dir=tmp_path / "emu", admin_password=ADMIN_PASSWORD, registry=True),
        Faults(),
    )
    emu.start()
    yield emu
    emu.stop()


def make_repository(emulator: Emulator) -> None:
    with connect(emulator) as con:
        cur = con.cursor()
        for statement in (
            "USE ROLE SYSADMIN",
            "CREATE DATABASE DB1",
            "CREATE IMAGE REPOSITORY REPO",
        ):
            cur.execute(statement)


def push(
    podman: Podman, emulator: Emulator, user: str, secret: str, tag: str = "v1"
) -> subprocess.CompletedProcess[str]:
    host = emulator.settings.registry_host
    podman.trust(host)
    login = podman("login", host, "-u", user, "--password-stdin", input_text=secret, check=False)
    if login.returncode != 0:
        return login
    target = f"{host}/db1/public/repo/app:{tag}"
    podman("tag", "localhost/app:v1", target)
    digest_file = podman.root / f"digest-{tag}"
    result = podman("push", "--digestfile", str(digest_file), target, check=False)
    result.stdout = digest_file.read_text() if digest_file.exists() else ""
    return result


def test_push_with_the_session_token_lands_in_the_repository(
    registry_emulator: Emulator, podman: Podman
) -> None:
    make_repository(registry_emulator)
    with connect(registry_emulator, role="SYSADMIN") as con:
        repo = rows(con, "SHOW IMAGE REPOSITORIES IN SCHEMA DB1.PUBLIC")[0]
        assert (
            repo["repository_url"] == f"{registry_emulator.settings.registry_host}/db1/public/repo"
        )
        result = push(podman, registry_emulator, "0sessiontoken", registry_token(con))
        assert result.returncode == 0, result.stderr
        pushed_digest = result.stdout.strip()
        images = rows(con, "SHOW IMAGES IN IMAGE REPOSITORY DB1.PUBLIC.REPO")
    assert [(i["image_name"], i["tags"], i["image_path"]) for i in images] == [
        ("app", "v1", "db1/public/repo/app:v1")
    ]
    assert images[0]["digest"] == pushed_digest  # the manifest really arrived


def test_a_wrong_session_token_is_refused(registry_emulator: Emulator, podman: Podman) -> None:
    make_repository(registry_emulator)
    forged = json.dumps({"token": "ETMsTk-not-a-session", "expires_in": 3600})
    result = push(podman, registry_emulator, "0sessiontoken", forged)
    assert result.returncode != 0
    assert "invalid username/password" in result.stderr


def test_a_bare_session_token_is_refused_only_the_issued_json_form_logs_in(
    registry_emulator: Emulator, podman: Podman
) -> None:
    """Snowflake CLI logs in with {"token": ..., "expires_in": ...} from the session's
    token request; the emulator accepts exactly that, not the raw session token."""
    make_repository(registry_emulator)
    with connect(registry_emulator, role="SYSADMIN") as con:
        bare = push(podman, registry_emulator, "0sessiontoken", con.rest.token)
        assert bare.returncode != 0
        assert "invalid username/password" in bare.stderr
        issued = registry_token(con)
        assert set(json.loads(issued)) == {"token", "expires_in"}
        assert push(podman, registry_emulator, "0sessiontoken", issued).returncode == 0
        # The connection adopted the issued token and goes on working.
        assert rows(con, "SELECT CURRENT_ROLE()")[0] == {"CURRENT_ROLE()": "SYSADMIN"}


def test_a_programmatic_access_token_logs_in_and_an_mfa_users_password_does_not(
    registry_emulator: Emulator, podman: Podman
) -> None:
    make_repository(registry_emulator)
    with connect(registry_emulator) as con:
        cur = con.cursor()
        cur.execute("CREATE USER PUSHER PASSWORD = 'Pusher-pw-1-long' DEFAULT_ROLE = SYSADMIN")
        cur.execute("GRANT ROLE SYSADMIN TO USER PUSHER")
        token = cur.execute(
            "ALTER USER PUSHER ADD PROGRAMMATIC ACCESS TOKEN ci ROLE_RESTRICTION = SYSADMIN"
        ).fetchone()
        assert token is not None
        secret = str(token[1])
    assert push(podman, registry_emulator, "PUSHER", secret, tag="v3").returncode == 0
    with connect(registry_emulator) as con:
        con.cursor().execute("ALTER USER PUSHER SET EXT_AUTHN_DUO = TRUE")
    refused = push(podman, registry_emulator, "PUSHER", "Pusher-pw-1-long", tag="v4")
    assert refused.returncode != 0
    assert push(podman, registry_emulator, "PUSHER", secret, tag="v4").returncode == 0


def test_user_and_password_login_works_too(registry_emulator: Emulator, podman: Podman) -> None:
    make_repository(registry_emulator)
    result = push(podman, registry_emulator, "ADMIN", ADMIN_PASSWORD, tag="v2")
    assert result.returncode == 0, result.stderr


def test_a_role_without_write_on_the_repository_cannot_push(
    registry_emulator: Emulator, podman: Podman
) -> None:
    make_repository(registry_emulator)
    with connect(registry_emulator) as con:
        cur = con.cursor()
        for statement in (
            "CREATE ROLE READER",
            "GRANT ROLE READER TO USER ADMIN",
            "GRANT USAGE ON DATABASE DB1 TO ROLE READER",
            "GRANT USAGE ON SCHEMA DB1.PUBLIC TO ROLE READER",
        ):
            cur.execute(statement)
    with connect(registry_emulator, role="READER") as con:
        result = push(podman, registry_emulator, "0sessiontoken", registry_token(con))
    assert result.returncode != 0
    assert "authentication required" in result.stderr or "denied" in result.stderr


def test_refused_pushes_fault(registry_emulator: Emulator, podman: Podman) -> None:
    make_repository(registry_emulator)
    registry_emulator.faults.refuse_pushes = True
    with connect(registry_emulator, role="SYSADMIN") as con:
        result = push(podman, registry_emulator, "0sessiontoken", registry_token(con))
        assert rows(con, "SHOW IMAGES IN IMAGE REPOSITORY DB1.PUBLIC.REPO") == []
    assert result.returncode != 0
    # The login worked; the push itself was refused (not a crash, not a network error).
    assert "denied" in result.stderr or "unauthorized" in result.stderr.lower(), result.stderr


def test_a_service_starts_only_when_its_image_is_in_the_registry(
    registry_emulator: Emulator, podman: Podman, tmp_path: Path
) -> None:
    make_repository(registry_emulator)
    spec = tmp_path / "app.yaml"
    spec.write_text("spec:\n  containers:\n  - name: app\n    image: /db1/public/repo/app:v1\n")
    settings = registry_emulator.settings
    with connect(registry_emulator, role="SYSADMIN", database="DB1") as con:
        cur = con.cursor()
        con.cursor().execute("USE ROLE ACCOUNTADMIN")
        con.cursor().execute("GRANT CREATE COMPUTE POOL ON ACCOUNT TO ROLE SYSADMIN")
        con.cursor().execute("USE ROLE SYSADMIN")
        for statement in (
            "CREATE STAGE SPECS",
            f"PUT 'file://{spec}' @SPECS AUTO_COMPRESS = FALSE",
            "CREATE COMPUTE POOL P1 MIN_NODES = 1 MAX_NODES = 1 INSTANCE_FAMILY = CPU_X64_XS",
            "CREATE SERVICE SVC IN COMPUTE POOL P1 FROM @SPECS SPECIFICATION_FILE = 'app.yaml'",
        ):
            cur.execute(statement)
        registry_emulator.clock.advance(settings.pool_start_secs + settings.container_start_secs)
        assert rows(con, "SHOW SERVICE CONTAINERS IN SERVICE SVC")[0]["status"] == "FAILED"
        assert push(podman, registry_emulator, "0sessiontoken", registry_token(con)).returncode == 0
        # Snowflake keeps retrying the pull; once the image is there the container starts.
        registry_emulator.clock.advance(settings.container_start_secs)
        container = rows(con, "SHOW SERVICE CONTAINERS IN SERVICE SVC")[0]
        assert container["status"] == "READY"
        assert container["image_digest"].startswith("sha256:")


def test_a_dropped_repository_loses_its_pushed_images(
    registry_emulator: Emulator, podman: Podman
) -> None:
    """After teardown and a new deploy, the image steps must not find the old images
    ("already done") and skip the push."""
    make_repository(registry_emulator)
    with connect(registry_emulator, role="SYSADMIN") as con:
        assert push(podman, registry_emulator, "0sessiontoken", registry_token(con)).returncode == 0
        assert len(rows(con, "SHOW IMAGES IN IMAGE REPOSITORY DB1.PUBLIC.REPO")) == 1
        con.cursor().execute("DROP IMAGE REPOSITORY DB1.PUBLIC.REPO")
        con.cursor().execute("CREATE IMAGE REPOSITORY DB1.PUBLIC.REPO")
        assert rows(con, "SHOW IMAGES IN IMAGE REPOSITORY DB1.PUBLIC.REPO") == []

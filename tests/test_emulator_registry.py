"""The account's image registry: a real docker-registry fronted by the emulator's token
service, fed by a real podman build and push."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from spcs_wizard.emulator.faults import Faults
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.emulator.settings import EmulatorSettings
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
def podman(tmp_path_factory: pytest.TempPathFactory) -> Podman:
    """A local image built for real: a base imported from a tiny root filesystem (nothing
    can be pulled here), then a build that adds a file."""
    root = tmp_path_factory.mktemp("podman")
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
        result = push(podman, registry_emulator, "0sessiontoken", con.rest.token)
        assert result.returncode == 0, result.stderr
        pushed_digest = result.stdout.strip()
        images = rows(con, "SHOW IMAGES IN IMAGE REPOSITORY DB1.PUBLIC.REPO")
    assert [(i["image_name"], i["tags"], i["image_path"]) for i in images] == [
        ("app", "v1", "db1/public/repo/app:v1")
    ]
    assert images[0]["digest"] == pushed_digest  # the manifest really arrived


def test_a_wrong_session_token_is_refused(registry_emulator: Emulator, podman: Podman) -> None:
    make_repository(registry_emulator)
    result = push(podman, registry_emulator, "0sessiontoken", "ETMsTk-not-a-session")
    assert result.returncode != 0
    assert "invalid username/password" in result.stderr


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
        result = push(podman, registry_emulator, "0sessiontoken", con.rest.token)
    assert result.returncode != 0
    assert "authentication required" in result.stderr or "denied" in result.stderr


def test_refused_pushes_fault(registry_emulator: Emulator, podman: Podman) -> None:
    make_repository(registry_emulator)
    registry_emulator.faults.refuse_pushes = True
    with connect(registry_emulator, role="SYSADMIN") as con:
        result = push(podman, registry_emulator, "0sessiontoken", con.rest.token)
    assert result.returncode != 0


def test_a_service_starts_only_when_its_image_is_in_the_registry(
    registry_emulator: Emulator, podman: Podman, tmp_path: Path
) -> None:
    make_repository(registry_emulator)
    spec = tmp_path / "app.yaml"
    spec.write_text("spec:\n  containers:\n  - name: app\n    image: /db1/public/repo/app:v1\n")
    settings = registry_emulator.settings
    with connect(registry_emulator, role="SYSADMIN", database="DB1") as con:
        cur = con.cursor()
        for statement in (
            "CREATE STAGE SPECS",
            f"PUT 'file://{spec}' @SPECS AUTO_COMPRESS = FALSE",
            "CREATE COMPUTE POOL P1 MIN_NODES = 1 MAX_NODES = 1 INSTANCE_FAMILY = CPU_X64_XS",
            "CREATE SERVICE SVC IN COMPUTE POOL P1 FROM @SPECS SPECIFICATION_FILE = 'app.yaml'",
        ):
            cur.execute(statement)
        registry_emulator.clock.advance(settings.pool_start_secs + settings.container_start_secs)
        assert rows(con, "SHOW SERVICE CONTAINERS IN SERVICE SVC")[0]["status"] == "FAILED"
        assert push(podman, registry_emulator, "0sessiontoken", con.rest.token).returncode == 0
        # Snowflake keeps retrying the pull; once the image is there the container starts.
        registry_emulator.clock.advance(settings.container_start_secs)
        container = rows(con, "SHOW SERVICE CONTAINERS IN SERVICE SVC")[0]
        assert container["status"] == "READY"
        assert container["image_digest"].startswith("sha256:")

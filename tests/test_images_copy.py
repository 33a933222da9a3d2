"""Copying an image registry to registry with a real skopeo: from a plain local
registry holding a two-platform index (what docker.io serves for Milvus) to the emulator's
real registry, logged in with the session token; only the linux/amd64 image lands, a
second copy sends nothing, a registry that dies mid-copy gets it on a retry."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
import requests

from spcs_wizard.emulator.server import Emulator
from spcs_wizard.engine.images import RegistryPusher
from spcs_wizard.engine.runner import SqlRunner
from spcs_wizard.images.builder import BuilderError
from spcs_wizard.images.copy import find_copier
from spcs_wizard.images.push import PushError, PushEvent, on_loopback
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.plan import build_plan
from tests.cli_harness import connections_home
from tests.conftest import ADMIN_PASSWORD
from tests.emulator_harness import connect, rows
from tests.test_emulator_registry import Podman, registry_emulator  # noqa: F401 - fixture
from tests.tools import require_tool

TAG = "v9.9.9"
PLATFORMS = ("linux/amd64", "linux/arm64")


@dataclass
class Source:
    """A plain registry on 127.0.0.1 (no login, as docker.io serves public images) with
    the repository ``milvusdb/milvus`` tagged ``TAG`` as a two-platform index."""

    host: str
    index: dict[str, str]  # platform -> manifest digest
    layers: dict[str, str]  # platform -> its one layer's digest

    @property
    def repository(self) -> str:
        return f"{self.host}/milvusdb/milvus"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    binary = require_tool("docker-registry", "docker-registry")
    require_tool("skopeo", "skopeo")
    root = tmp_path_factory.mktemp("source-registry")
    port = _free_port()
    (root / "config.yml").write_text(
        "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    stack = ExitStack()
    with (root / "registry.log").open("ab") as log:
        proc = subprocess.Popen([binary, "serve", str(root / "config.yml")], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 20
        while True:  # readiness: /v2/ answers
            try:
                if requests.get(f"http://127.0.0.1:{port}/v2/", timeout=1).ok:
                    break
            except requests.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
        podman = Podman(Path(stack.enter_context(TemporaryDirectory(dir="/tmp"))))  # runroot < 50
        host = f"127.0.0.1:{port}"
        podman.trust(host)
        (podman.root / "auth.json").write_text("{}")  # no login: the source is public
        context = root / "context"
        context.mkdir()
        (context / "Containerfile").write_text("FROM scratch\nCOPY payload /payload\n")
        podman("manifest", "create", f"localhost/milvus:{TAG}")
        for platform in PLATFORMS:  # a layer of its own per platform: nothing to emulate
            (context / "payload").write_text(f"milvus for {platform}\n")
            local = f"localhost/milvus-{platform.replace('/', '-')}:{TAG}"
            podman("build", "--platform", platform, "-t", local, str(context))
            podman("manifest", "add", f"localhost/milvus:{TAG}", f"containers-storage:{local}")
        podman("manifest", "push", "--all", f"localhost/milvus:{TAG}",
               f"docker://{host}/milvusdb/milvus:{TAG}")  # fmt: skip
        index = requests.get(
            f"http://{host}/v2/milvusdb/milvus/manifests/{TAG}",
            headers={"Accept": "application/vnd.oci.image.index.v1+json"},
            timeout=10,
        ).json()
        digests = {
            f"{m['platform']['os']}/{m['platform']['architecture']}": m["digest"]
            for m in index["manifests"]
        }
        layers = {
            platform: requests.get(
                f"http://{host}/v2/milvusdb/milvus/manifests/{digest}",
                headers={"Accept": "application/vnd.oci.image.manifest.v1+json"},
                timeout=10,
            ).json()["layers"][0]["digest"]
            for platform, digest in digests.items()
        }
        yield Source(host, digests, layers)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        stack.close()


def _copying(
    emulator: Emulator, source: Source, tmp_path: Path
) -> tuple[Deployment, dict[str, str]]:
    """The deployment (its Milvus from the source) with its repository made, and the
    environment skopeo runs in: both registries plain HTTP, the login in a file here."""
    d = Deployment(
        account=emulator.settings.account_identifier,
        milvus={"source": source.repository, "tag": TAG},
    )
    n = d.names()
    with connect(emulator, role="SYSADMIN") as con:
        con.cursor().execute(f"CREATE DATABASE {n.database}")
        con.cursor().execute(f"CREATE IMAGE REPOSITORY {n.in_schema(n.image_repository)}")
    conf = tmp_path / "registries.conf"
    conf.write_text(
        "".join(
            f'[[registry]]\nlocation = "{host}"\ninsecure = true\n'
            for host in (source.host, emulator.settings.registry_host)
        )
    )
    return d, {
        "CONTAINERS_REGISTRIES_CONF": str(conf),
        "REGISTRY_AUTH_FILE": str(tmp_path / "auth.json"),
    }


def _copy(
    emulator: Emulator, d: Deployment, env: dict[str, str], tmp_path: Path, **options: object
) -> list[PushEvent]:
    events: list[PushEvent] = []
    with connect(emulator, role="SYSADMIN") as con:
        pusher = RegistryPusher(
            SqlRunner(con),
            d,
            copier_env=env,
            on_push=events.append,
            **options,  # type: ignore[arg-type]
        )
        pusher(build_plan(d, tmp_path / "specs").step("image-milvus"))
    return events


def _status(emulator: Emulator, path: str, kind: str, digest: str) -> int:
    """The HTTP status of HEAD /v2/<path>/<kind>/<digest> (kind: manifests or blobs)."""
    registry = emulator.registry
    assert registry is not None
    return registry._get(
        f"/v2/{path}/{kind}/{digest}", f"repository:{path}:pull", "HEAD"
    ).status_code


def sources_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each source the copy reads with a ``skopeo inspect`` of its own, as it reads it."""
    import spcs_wizard.images.copy as copy_module

    read: list[str] = []
    real = copy_module.linux_amd64_digest

    def reading(copier, source):  # type: ignore[no-untyped-def]
        read.append(source)
        return real(copier, source)

    monkeypatch.setattr(copy_module, "linux_amd64_digest", reading)
    return read


def test_only_the_linux_amd64_image_of_an_index_is_copied_and_a_second_copy_sends_nothing(
    registry_emulator: Emulator,  # noqa: F811
    source: Source,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    d, env = _copying(registry_emulator, source, tmp_path)
    read = sources_read(monkeypatch)
    events = _copy(registry_emulator, d, env, tmp_path)
    assert read == []  # nothing to compare with: straight to the copy (as fast as skopeo's)
    amd64, arm64 = source.index["linux/amd64"], source.index["linux/arm64"]
    assert events[-1] == PushEvent("done", amd64)  # the digest the index names: no byte changed
    layer_events = [e for e in events if e.kind == "layer"]
    assert layer_events
    assert layer_events[-1].layer_bytes == layer_events[-1].layer_total > 0
    with connect(registry_emulator, role="SYSADMIN") as con:
        images = rows(con, "SHOW IMAGES IN IMAGE REPOSITORY MILVUS_DEMO.PUBLIC.MILVUS_REPO")
    assert [(i["image_name"], i["tags"], i["digest"]) for i in images] == [("milvus", TAG, amd64)]
    path = "milvus_demo/public/milvus_repo/milvus"
    assert _status(registry_emulator, path, "manifests", arm64) == 404  # the other platform stayed
    assert _status(registry_emulator, path, "blobs", source.layers["linux/arm64"]) == 404
    assert _status(registry_emulator, path, "blobs", source.layers["linux/amd64"]) == 200

    again = _copy(registry_emulator, d, env, tmp_path)
    assert again == [PushEvent("skipped", amd64)]  # SHOW IMAGES has that digest: nothing sent
    assert read == [f"{source.repository}:{TAG}"]  # read once, to compare


def test_registries_on_this_machine_need_no_insecure_mark(
    registry_emulator: Emulator,  # noqa: F811
    source: Source,
    tmp_path: Path,
) -> None:
    """Both registries on 127.0.0.1 speak plain HTTP, and nothing in registries.conf says
    so: the copy (and its login) still works, as it would against the local emulator a
    user started (its registry port changes every start, so a mark would go stale)."""
    d, env = _copying(registry_emulator, source, tmp_path)
    Path(env["CONTAINERS_REGISTRIES_CONF"]).write_text("")
    events = _copy(registry_emulator, d, env, tmp_path)
    assert events[-1] == PushEvent("done", source.index["linux/amd64"])
    assert on_loopback("127.0.0.1:5000")
    assert on_loopback("localhost:5000")
    assert on_loopback("[::1]:5000")
    assert not on_loopback("myorg-acct.registry.snowflakecomputing.com")
    assert not on_loopback("127.0.0.1.example.com:443")


def test_a_registry_that_dies_mid_copy_gets_it_on_a_retry(
    registry_emulator: Emulator,  # noqa: F811
    source: Source,
    tmp_path: Path,
) -> None:
    d, env = _copying(registry_emulator, source, tmp_path)
    pauses: list[float] = []

    def back_while_we_wait(pause: float) -> None:  # the registry returns during the pause
        pauses.append(pause)
        registry_emulator.restart_registry()

    registry_emulator.registry_dies_on_push()  # stops once the copy is authorized
    events = _copy(registry_emulator, d, env, tmp_path, sleep=back_while_we_wait)
    assert pauses == [1]
    assert [e.kind for e in events].count("retry") == 1
    assert events[-1] == PushEvent("done", source.index["linux/amd64"])


def test_a_source_without_linux_amd64_or_out_of_reach_says_so(
    registry_emulator: Emulator,  # noqa: F811
    source: Source,
    tmp_path: Path,
) -> None:
    d, env = _copying(registry_emulator, source, tmp_path)
    missing = Deployment(
        account=d.account, milvus={"source": f"{source.host}/milvusdb/nothing", "tag": TAG}
    )
    with pytest.raises(PushError) as caught:
        _copy(registry_emulator, missing, env, tmp_path)
    assert str(caught.value).startswith(
        f"cannot read the source image {source.host}/milvusdb/nothing:{TAG}: "
    )
    assert str(caught.value).endswith(
        "Check the name and tag, and that this machine reaches its registry."
    )


def test_a_source_out_of_reach_is_said_at_once_not_retried(
    registry_emulator: Emulator,  # noqa: F811
    source: Source,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The source is read once the copy fails (not before it); a copy that fails because
    the source cannot be reached says so, without the retries a passing failure gets."""
    d, env = _copying(registry_emulator, source, tmp_path)
    read = sources_read(monkeypatch)
    nowhere = f"127.0.0.1:{_free_port()}/milvusdb/milvus"  # nothing listens there
    gone = Deployment(account=d.account, milvus={"source": nowhere, "tag": TAG})
    slept: list[float] = []
    with pytest.raises(PushError) as caught:
        _copy(registry_emulator, gone, env, tmp_path, sleep=slept.append)
    assert str(caught.value).startswith(f"cannot read the source image {nowhere}:{TAG}: ")
    assert "connection refused" in str(caught.value)
    assert slept == []  # no pause for a retry that could not help
    assert read == [f"{nowhere}:{TAG}"]  # once


def test_without_skopeo_the_copy_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(BuilderError) as caught:
        find_copier()
    assert str(caught.value).startswith("skopeo is not installed, so images cannot be copied")
    assert "apt-get install skopeo" in str(caught.value)


def test_the_images_copy_command_copies_lists_and_then_skips(
    registry_emulator: Emulator,  # noqa: F811
    source: Source,
    tmp_path: Path,
) -> None:
    """Through the command, with a connection in connections.toml and nothing but the
    session token: copy, list what the repository holds, copy again (nothing sent)."""
    d, env = _copying(registry_emulator, source, tmp_path)
    home = connections_home(tmp_path, "emu", registry_emulator)
    run_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SPCS_WIZARD_", "SNOWFLAKE"))
    }
    run_env.update(env)
    run_env.update(
        {
            "SNOWFLAKE_HOME": str(home),
            "SNOWFLAKE_CONNECTIONS_EMU_PASSWORD": ADMIN_PASSWORD,
            "SPCS_WIZARD_HOME": str(tmp_path / "state"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        }
    )
    settings = ["-c", "emu", "--account", d.account, "--set", f"milvus.source={source.repository}",
                "--set", f"milvus.tag={TAG}"]  # fmt: skip

    def images(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "spcs_wizard", "images", *args],
            env=run_env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
        )  # fmt: skip

    amd64 = source.index["linux/amd64"]
    copied = images("copy", "milvus", *settings)  # the gateway's Python has no source here
    assert copied.returncode == 0, copied.stderr
    assert copied.stdout == f"milvus: copied ({amd64})\n"
    listed = images("list", "--json", *settings)
    assert json.loads(listed.stdout) == [
        {"path": f"milvus_demo/public/milvus_repo/milvus:{TAG}", "digest": amd64}
    ]
    again = images("copy", "milvus", *settings)
    assert again.stdout == f"milvus: already in the repository ({amd64})\n"
    refused = images("copy", "jupyter", *settings)
    assert refused.returncode == 2
    assert "jupyter has no source to copy from" in refused.stderr
    assert "--set jupyter.source=REGISTRY/REPOSITORY" in refused.stderr
    assert "Traceback" not in copied.stderr + again.stderr + refused.stderr

"""Putting Milvus' image into the account's repository, three ways, in the same run, between
the same two real registries on 127.0.0.1 (a plain docker-registry holding a two-platform
index, as docker.io serves Milvus, and the SPCS emulator's registry): spcs-wizard's copy,
a raw `skopeo copy` of the same kind of image (the baseline), and building the image with
podman then pushing it (what spcs-wizard did before it copied). Also the time to decide
that an image already there needs nothing. Prints a table of ratios.

    .venv/bin/python benchmarks/copy_bench.py [--rounds 3] [--size-mb 16]
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import snowflake.connector

from benchmarks.measure import arguments, figure, report
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.emulator.settings import EmulatorSettings
from spcs_wizard.engine.images import registry_token
from spcs_wizard.images.builder import Builder, build, find_builder
from spcs_wizard.images.copy import copy_image, find_copier
from spcs_wizard.images.push import login, push

PASSWORD = "bench-admin-Pw1"  # a throwaway local emulator's password
RAW, TOOL, BUILT, SKIP = (
    "raw skopeo copy",
    "spcs-wizard copy",
    "podman build + spcs-wizard push",
    "spcs-wizard copy, already there",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _source_registry(root: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A plain docker-registry (no login, like docker.io for public images)."""
    binary = shutil.which("docker-registry")
    if binary is None:
        sys.exit("docker-registry is not installed (apt-get install docker-registry)")
    port = _free_port()
    (root / "source.yml").write_text(
        "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'source'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    proc = subprocess.Popen(
        [binary, "serve", str(root / "source.yml")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:  # readiness: /v2/ answers
        try:
            if requests.get(f"http://127.0.0.1:{port}/v2/", timeout=1).ok:
                return proc, f"127.0.0.1:{port}"
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size-mb", type=int, default=16, help="size of each image's layer")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="spcs-copy-", dir="/tmp"))  # podman: runroot < 50
    env = {
        "REGISTRY_AUTH_FILE": str(root / "auth.json"),
        "CONTAINERS_REGISTRIES_CONF": str(root / "registries.conf"),
    }
    (root / "registries.conf").write_text("")  # the registries are added once they run
    podman_opts = ["--root", str(root / "storage"), "--runroot", str(root / "run")]
    builder = find_builder("podman", [*podman_opts, "--storage-driver", "vfs"], env)
    full_env = {**os.environ, **builder.env}

    def podman(*argv: str) -> None:
        subprocess.run([*builder.command, *argv], env=full_env, check=True, capture_output=True)

    def context(name: str, platform: str) -> Path:
        """A build context with a layer no registry has seen."""
        directory = root / "contexts" / f"{name}-{platform.replace('/', '-')}"
        directory.mkdir(parents=True)
        (directory / "payload").write_bytes(os.urandom(args.size_mb * 1024 * 1024))
        (directory / "Containerfile").write_text("FROM scratch\nCOPY payload /payload\n")
        return directory

    def index_in_source(name: str) -> str:
        """``name``:1 in the source registry, an index of linux/amd64 and linux/arm64."""
        podman("manifest", "create", f"localhost/{name}:1")
        for platform in ("linux/amd64", "linux/arm64"):
            local = f"localhost/{name}-{platform.replace('/', '-')}:1"
            podman("build", "--platform", platform, "-t", local, str(context(name, platform)))
            podman("manifest", "add", f"localhost/{name}:1", f"containers-storage:{local}")
        podman("manifest", "push", "--all", f"localhost/{name}:1", f"docker://{source}/{name}:1")
        return f"{source}/{name}:1"

    proc, source = _source_registry(root)
    emu = Emulator(
        EmulatorSettings(
            state_dir=root / "emu", admin_password=PASSWORD, registry=True, run_services=False
        )
    )
    emu.start()
    try:
        target = emu.settings.registry_host
        (root / "registries.conf").write_text(
            "".join(
                f'[[registry]]\nlocation = "{host}"\ninsecure = true\n' for host in (source, target)
            )
        )
        copier: Builder = find_copier(env)
        con = snowflake.connector.connect(**emu.connect_args())
        cur = con.cursor()
        for sql in ("USE ROLE SYSADMIN", "CREATE DATABASE BENCH", "CREATE IMAGE REPOSITORY R"):
            cur.execute(sql)
        token = registry_token(con)
        login(copier, target, token)
        login(builder, target, token)
        repository = f"{target}/bench/public/r"
        results: dict[str, list[float]] = {RAW: [], TOOL: [], BUILT: [], SKIP: []}
        for n in range(args.rounds):
            # Fresh layers for each way, and the order turned each round, so none profits
            # from another's upload or a warm cache.
            raw_source, tool_source = index_in_source(f"raw{n}"), index_in_source(f"tool{n}")
            build_context = context(f"built{n}", "linux/amd64")
            digest = ""

            def raw_copy(n: int = n, source_ref: str = raw_source) -> None:
                started = time.perf_counter()
                subprocess.run(
                    [*copier.command, "copy", "--override-os", "linux", "--override-arch",
                     "amd64", f"docker://{source_ref}", f"docker://{repository}/raw{n}:1"],
                    env={**os.environ, **copier.env}, check=True, capture_output=True,
                )  # fmt: skip
                results[RAW].append(time.perf_counter() - started)

            def tool_copy(n: int = n, source_ref: str = tool_source) -> None:
                nonlocal digest
                started = time.perf_counter()
                digest = copy_image(copier, source_ref, f"{repository}/tool{n}:1")
                results[TOOL].append(time.perf_counter() - started)

            def build_and_push(n: int = n, directory: Path = build_context) -> None:
                started = time.perf_counter()
                build(builder, directory, f"localhost/built{n}:1")
                push(builder, f"localhost/built{n}:1", f"{repository}/built{n}:1")
                results[BUILT].append(time.perf_counter() - started)

            ways = [raw_copy, tool_copy, build_and_push]
            for way in ways[n % 3 :] + ways[: n % 3]:
                # What the sources' builds and the way before wrote is on disk first: its
                # writeback landed on whichever way ran next (spread 0.09 s on 0.35 s).
                os.sync()
                way()
            os.sync()
            started = time.perf_counter()
            copy_image(copier, tool_source, f"{repository}/tool{n}:1", remote_digest=digest)
            results[SKIP].append(time.perf_counter() - started)
        con.close()
    finally:
        emu.stop()
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)
    goals = {TOOL: "<= 1.1", SKIP: "< 1 s"}
    report(
        [
            figure(name, samples, "s", results[RAW], goals.get(name, ""))
            for name, samples in results.items()
        ],
        args.json,
        f"{args.rounds} rounds, {args.size_mb} MiB per layer",
    )


if __name__ == "__main__":
    main()

"""Push time of spcs-wizard against a raw `podman push` of the same image, in the same run,
to the same real registry (the SPCS emulator's docker-registry on 127.0.0.1), and the time
to decide that an unchanged image needs no push. Prints a table of ratios.

    .venv/bin/python benchmarks/push_bench.py [--rounds 3] [--size-mb 8]
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import snowflake.connector

from benchmarks.measure import arguments, figure, report
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.emulator.settings import EmulatorSettings
from spcs_wizard.engine.images import registry_token
from spcs_wizard.images.builder import build, find_builder
from spcs_wizard.images.push import PushLedger, login, push

PASSWORD = "bench-admin-Pw1"  # a throwaway local emulator's password


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size-mb", type=int, default=8, help="size of the image's layer")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="spcs-bench-"))
    podman_opts = [
        "--root",
        str(root / "storage"),
        "--runroot",
        str(root / "run"),
        "--storage-driver",
        "vfs",
    ]
    env = {
        "REGISTRY_AUTH_FILE": str(root / "auth.json"),
        "CONTAINERS_REGISTRIES_CONF": str(root / "registries.conf"),
    }
    (root / "registries.conf").write_text("")
    builder = find_builder("podman", podman_opts, env)
    raw = [*builder.command]
    full_env = {**os.environ, **builder.env}

    # A base image made locally (nothing can be pulled here) and one random layer.
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        info = tarfile.TarInfo("etc/base")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"base\n"))
    (root / "rootfs.tar").write_bytes(data.getvalue())
    subprocess.run(
        [*raw, "import", str(root / "rootfs.tar"), "localhost/bench-base:1"],
        env=full_env,
        check=True,
        capture_output=True,
    )

    def fresh_image(name: str) -> str:
        """An image whose layer no registry has seen: every push really uploads it."""
        context = root / name
        context.mkdir()
        (context / "blob.bin").write_bytes(os.urandom(args.size_mb * 1024 * 1024))
        (context / "Containerfile").write_text("FROM localhost/bench-base:1\nCOPY blob.bin /blob\n")
        build(builder, context, f"localhost/{name}:1")
        return f"localhost/{name}:1"

    emu = Emulator(
        EmulatorSettings(
            state_dir=root / "emu", admin_password=PASSWORD, registry=True, run_services=False
        )
    )
    emu.start()
    try:
        host = emu.settings.registry_host
        (root / "registries.conf").write_text(
            f'[[registry]]\nlocation = "{host}"\ninsecure = true\n'
        )
        con = snowflake.connector.connect(**emu.connect_args())
        cur = con.cursor()
        for sql in ("USE ROLE SYSADMIN", "CREATE DATABASE BENCH", "CREATE IMAGE REPOSITORY R"):
            cur.execute(sql)
        login(builder, host, registry_token(con))  # the documented form (JSON, issued)
        results: dict[str, list[float]] = {
            "raw podman push": [],
            "spcs-wizard push": [],
            "spcs-wizard skip (unchanged)": [],
        }
        for n in range(args.rounds):
            # Fresh layers for both, and alternate who goes first, so neither profits
            # from the other's upload or a warm cache.
            raw_image, tool_image = fresh_image(f"raw{n}"), fresh_image(f"tool{n}")

            def raw_push(n: int = n, image: str = raw_image) -> None:
                remote_raw = f"{host}/bench/public/r/raw{n}:1"
                subprocess.run(
                    [*raw, "tag", image, remote_raw], env=full_env, check=True, capture_output=True
                )
                os.sync()  # the build's writes on disk first, for both alike
                started = time.perf_counter()
                subprocess.run(
                    [*raw, "push", remote_raw], env=full_env, check=True, capture_output=True
                )
                results["raw podman push"].append(time.perf_counter() - started)

            ledger = PushLedger(root / f"ledger{n}.json")
            remote = f"{host}/bench/public/r/tool{n}:1"

            def tool_push(
                image: str = tool_image, remote: str = remote, ledger: PushLedger = ledger
            ) -> str:
                os.sync()
                started = time.perf_counter()
                digest = push(builder, image, remote, ledger=ledger)
                results["spcs-wizard push"].append(time.perf_counter() - started)
                return digest

            if n % 2 == 0:
                raw_push()
                digest = tool_push()
            else:
                digest = tool_push()
                raw_push()
            started = time.perf_counter()
            push(builder, tool_image, remote, remote_digest=digest, ledger=ledger)
            results["spcs-wizard skip (unchanged)"].append(time.perf_counter() - started)
        con.close()
    finally:
        emu.stop()
    raw = results["raw podman push"]
    goals = {"spcs-wizard push": "<= 1.1", "spcs-wizard skip (unchanged)": "< 1 s"}
    report(
        [figure(name, samples, "s", raw, goals.get(name, "")) for name, samples in results.items()],
        args.json,
        f"{args.rounds} rounds, {args.size_mb} MiB layer",
    )


if __name__ == "__main__":
    main()

"""A workshop's class against an emulated account in a process of its own (as Snowflake is
elsewhere): provisioning N attendees side by side (a bounded pool of connections, in
phases) against the same class one attendee at a time (one connection), each on a fresh
account at the same speed, alternating; then, on one provisioned class, the dashboard's
look at the class (its pools and services listed once, then each attendee's containers
side by side) against looking at each attendee alone, one at a time, alternating.

The account runs in its own process, so its work and the command's overlap as they would
against Snowflake; the command's threads still share one interpreter. The looks are
repeated on a settled class, after a first look: what the dashboard's refreshes cost.

    .venv/bin/python benchmarks/workshop_bench.py [--attendees 30] [--rounds 1] [--json F]
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.measure import Figure, alternate, arguments, figure, report

PASSWORD = "Bench-account-admin-1"
CONNECTION = "bench"


def serve(state_dir: str, speed: float, pipe: Connection) -> None:
    """The account, in the child process: started, its port sent; then image paths to
    record as pushed (a list), until ``None`` stops it."""
    from spcs_wizard.emulator.faults import Faults
    from spcs_wizard.emulator.server import Emulator
    from spcs_wizard.emulator.settings import EmulatorSettings

    emu = Emulator(
        EmulatorSettings(
            state_dir=Path(state_dir),
            admin_password=PASSWORD,
            speed=speed,
            registry=False,
            run_services=False,  # thirty Milvus Lite servers are not what is measured
        ),
        Faults(),
    )
    emu.start()
    pipe.send((emu.port, emu.settings.account_identifier))
    try:
        while (images := pipe.recv()) is not None:
            for path, name, tag in images:
                emu.add_image(path, name, tag, "sha256:" + "b" * 64)
            pipe.send("recorded")
    finally:
        emu.stop()


@contextmanager
def account(where: Path, speed: float) -> Iterator[tuple[str, Connection]]:
    """A new emulated account in a child process, reached as connection ``bench`` (a
    connections.toml of its own); yields its account identifier and the pipe to it."""
    here, there = multiprocessing.get_context("spawn").Pipe()
    child = multiprocessing.get_context("spawn").Process(
        target=serve, args=(str(where / "account"), speed, there), daemon=True
    )
    child.start()
    try:
        port, identifier = here.recv()
        home = where / "snowflake"
        home.mkdir()
        (home / "connections.toml").write_text(
            f'[{CONNECTION}]\naccount = "{identifier.lower()}"\nuser = "ADMIN"\n'
            f'host = "127.0.0.1"\nport = {port}\nprotocol = "http"\n'
        )
        (home / "connections.toml").chmod(0o600)
        os.environ["SNOWFLAKE_HOME"] = str(home)
        os.environ[f"SNOWFLAKE_CONNECTIONS_{CONNECTION.upper()}_PASSWORD"] = PASSWORD
        yield identifier, here
    finally:
        here.send(None)
        child.join(30)
        if child.is_alive():
            child.kill()


def keyring_in(where: Path) -> None:
    """An encrypted-file keyring in the benchmark's directory (an account's attendees'
    passwords must go to a keyring that keeps them safe)."""
    import keyring
    from keyrings.cryptfile.cryptfile import CryptFileKeyring

    backend = CryptFileKeyring()
    backend.file_path = str(where / "keyring.cfg")  # type: ignore[misc]
    backend.keyring_key = "bench-keyring"
    keyring.set_keyring(backend)


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def provision(
    attendees: int, connections: int, speed: float, looks: int = 0
) -> tuple[float, list[float], list[float]]:
    """Seconds to provision the class on a new account; then, when ``looks``, that many
    looks at the whole class side by side and one at a time, alternating (after a first
    look each, not counted)."""
    from spcs_wizard.engine.deployment_session import Target
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.registry import repository_path
    from spcs_wizard.workshop.class_look import look_at_each
    from spcs_wizard.workshop.classroom import Classroom, RunnerPool
    from spcs_wizard.workshop.roster import numbered
    from spcs_wizard.workshop.workshop import Workshop

    where = Path(tempfile.mkdtemp(prefix="spcs-workshop-bench-"))
    keyring_in(where)
    with account(where, speed) as (identifier, pipe):
        workshop = Workshop(
            "BENCH",
            numbered(attendees),
            Deployment(account=identifier),
            connections=connections,
        )
        room = Classroom(workshop, Target(connection_name=CONNECTION), where / "ws")
        images = set()
        for attendee in workshop.attendees:  # pushed before: the images are not measured
            d = room.session(attendee).deployment
            for image in map(d.image, ("milvus", "gateway", "jupyter")):
                images.add((repository_path(d), image.image, image.tag))
        pipe.send(sorted(images))
        pipe.recv()
        pool = room.pool()
        one = RunnerPool(room.target.connect, 1)
        try:
            made = None

            def provisioned() -> None:
                nonlocal made
                made = room.provision(pool)

            seconds = timed(provisioned)
            assert made is not None
            if not made.ok:
                raise SystemExit(f"provision failed: {made.failed[0].to_dict()}")
            if not looks:
                return seconds, [], []
            room.snapshots(pool), look_at_each(room, one)  # each session's first look
            side, serial = alternate(
                looks,
                lambda: timed(lambda: room.snapshots(pool)),
                lambda: timed(lambda: look_at_each(room, one)),
            )
            return seconds, side, serial
        finally:
            pool.close()
            one.close()


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=30)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--looks", type=int, default=3)
    parser.add_argument("--speed", type=float, default=600.0)
    args = parser.parse_args()
    os.environ.setdefault("SPCS_WIZARD_HOME", tempfile.mkdtemp(prefix="spcs-workshop-home-"))
    n, k = args.attendees, args.connections
    looks: dict[str, list[float]] = {"side": [], "serial": []}

    def side() -> float:
        seconds, side_looks, serial_looks = provision(n, k, args.speed, args.looks)
        looks["side"] += side_looks
        looks["serial"] += serial_looks
        return seconds

    made_side, made_serial = alternate(args.rounds, side, lambda: provision(n, 1, args.speed)[0])
    one = [provision(1, 1, args.speed)[0] for _ in range(args.rounds)]
    figures: list[Figure] = [
        figure(
            f"workshop provision {n}: one at a time",
            made_serial,
            "s",
            baseline=made_serial,
            note="1 connection",
        ),
        figure(
            f"workshop provision {n}: side by side",
            made_side,
            "s",
            baseline=made_serial,
            goal="<= 0.5",
            note=f"{k} connections, in phases",
        ),
        figure(
            f"workshop provision {n}: side by side, vs 1 attendee",
            made_side,
            "s",
            baseline=one,
            note=f"{n} attendees must not take {n} times one",
        ),
        figure(
            f"workshop status {n} rows: each alone, one at a time",
            looks["serial"],
            "ms",
            baseline=looks["serial"],
            scale=1000,
            note="1 connection, 3 statements an attendee",
        ),
        figure(
            f"workshop status {n} rows: the class's look",
            looks["side"],
            "ms",
            baseline=looks["serial"],
            goal="<= 0.8",
            scale=1000,
            note=f"{k} connections, 2 + 1 an attendee",
        ),
    ]
    report(
        figures,
        args.json,
        f"Workshop of {n} attendees, {args.rounds} round(s), {args.looks} looks each way; "
        "the account in a process of its own",
    )


if __name__ == "__main__":
    main()

"""A workshop's class against the emulator: provisioning N attendees side by side (a
bounded pool of connections, in phases) against the same class one attendee at a time
(one connection), each on a fresh rehearsal account at the same speed, alternating; then
a look at the whole class (the status rows) side by side against one at a time.

The emulator runs in this process (as a rehearsal does), so both sides share its two
cores: against Snowflake, where the account does the work, side by side gains more.

    .venv/bin/python benchmarks/workshop_bench.py [--attendees 30] [--rounds 1] [--json F]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.measure import Figure, alternate, arguments, figure, report


def provision(attendees: int, connections: int, speed: float) -> tuple[float, float]:
    """Seconds to provision the class on a new account, then to look at it once."""
    import keyring
    from keyring.backends import null

    from spcs_wizard.engine.deployment_session import Target
    from spcs_wizard.engine.rehearsal import Rehearsal
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.workshop.classroom import Classroom
    from spcs_wizard.workshop.roster import numbered
    from spcs_wizard.workshop.workshop import Workshop

    keyring.set_keyring(null.Keyring())  # a rehearsal's passwords stay in memory
    where = Path(tempfile.mkdtemp(prefix="spcs-workshop-bench-"))
    rehearsal = Rehearsal(where, speed=speed, registry=False, run_services=False)
    rehearsal.start()
    try:
        workshop = Workshop(
            "BENCH",
            numbered(attendees),
            Deployment(account=rehearsal.account),
            connections=connections,
        )
        room = Classroom(workshop, Target(rehearsal=rehearsal), where / "ws", image_mode="record")
        pool = room.pool()
        try:
            started = time.perf_counter()
            made = room.provision(pool)
            provisioned = time.perf_counter() - started
            if not made.ok:
                raise SystemExit(f"provision failed: {made.failed[0].to_dict()}")
            started = time.perf_counter()
            room.snapshots(pool)
            looked = time.perf_counter() - started
        finally:
            pool.close()
        return provisioned, looked
    finally:
        rehearsal.stop()


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=30)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--speed", type=float, default=600.0)
    args = parser.parse_args()
    os.environ.setdefault("SPCS_WIZARD_HOME", tempfile.mkdtemp(prefix="spcs-workshop-home-"))
    n, k = args.attendees, args.connections
    results: dict[str, list[tuple[float, float]]] = {"side": [], "serial": []}

    def side() -> float:
        results["side"].append(provision(n, k, args.speed))
        return results["side"][-1][0]

    def serial() -> float:
        results["serial"].append(provision(n, 1, args.speed))
        return results["serial"][-1][0]

    made_side, made_serial = alternate(args.rounds, side, serial)
    one = [provision(1, 1, args.speed)[0] for _ in range(args.rounds)]
    looks_side = [look for _, look in results["side"]]
    looks_serial = [look for _, look in results["serial"]]
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
            f"workshop status {n} rows: one at a time",
            looks_serial,
            "ms",
            baseline=looks_serial,
            scale=1000,
        ),
        figure(
            f"workshop status {n} rows: side by side",
            looks_side,
            "ms",
            baseline=looks_serial,
            goal="<= 0.8",
            scale=1000,
            note=f"{k} connections",
        ),
    ]
    report(figures, args.json, f"Workshop of {n} attendees, {args.rounds} round(s)")


if __name__ == "__main__":
    main()

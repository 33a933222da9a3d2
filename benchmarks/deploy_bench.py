"""A full deploy against the emulator, against the seed's procedure (the Milvus guide's
SQL, with the two fixes a new account needs) run statement by statement over the same
connector, each on a fresh rehearsal account at the same speed, alternating: wall time,
statements and round trips (every request to the account). Then a re-run of the deploy
with nothing to do: its wall time, requests and round trips (requests in flight together
count once), each request held as a network would, against the same re-run asking one
question at a time; and the monitor's status refresh on
the deployed account: statements and wall time, against one SHOW SERVICES typed by hand.

The deploy also waits for the pools and services to run and checks each step before it
runs; the guide's procedure only sends its statements (SPCS starts them afterwards).

    .venv/bin/python benchmarks/deploy_bench.py [--rounds 3] [--speed 600] [--json F]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.measure import Figure, arguments, figure, report
from tests.test_emulator_seed import (
    GOOD_PASSWORD,
    GUIDE_PASSWORD,
    MISSING_GRANT,
    POOLS_AS_SYSADMIN,
    SPEC,
)

ROOT = Path(__file__).resolve().parents[1]
# What the emulator holds each request of a no-op re-run: a network's round trip to an
# account (tens of milliseconds from a nearby region).
LATENCY = 0.05
SEED = ROOT / "tests" / "data" / "seed_procedure.sql"
# What the guide needs on a new account: a password the default policy accepts, and the
# grant of CREATE COMPUTE POOL to SYSADMIN (tests/test_emulator_seed.py finds both).
FIXES = (
    (GUIDE_PASSWORD, f"PASSWORD='{GOOD_PASSWORD}'"),
    (POOLS_AS_SYSADMIN, MISSING_GRANT + POOLS_AS_SYSADMIN),
)


def fresh(speed: float):  # type: ignore[no-untyped-def]
    """A new rehearsal account (no registry: the images are recorded), started."""
    from spcs_wizard.engine.rehearsal import Rehearsal

    where = Path(tempfile.mkdtemp(prefix="spcs-deploy-bench-"))
    rehearsal = Rehearsal(where, speed=speed, registry=False)
    return rehearsal, rehearsal.start()


def ours(speed: float) -> dict[str, float]:
    """The engine's deploy of the default deployment (images recorded, as a rehearsal
    does), then the same again."""
    from spcs_wizard.engine.deployment_session import DeploymentSession, Target
    from spcs_wizard.model.config_file import with_settings
    from spcs_wizard.model.deployment import Deployment

    rehearsal, emulator = fresh(speed)
    try:
        d = with_settings(Deployment(), {"account": rehearsal.account}, "benchmark")
        session = DeploymentSession(Target(rehearsal=rehearsal), d, image_mode="record")
        runner = session.connect()
        try:
            before = emulator.traffic.count
            began = time.perf_counter()
            outcome = session.deploy(runner)
            first = time.perf_counter() - began
            if not outcome.ok:
                raise SystemExit(f"the deploy failed: {outcome.failed}")
            middle = emulator.traffic.count
            together, noop = rerun(session, runner, emulator)
            alone, noop_alone = rerun(session, runner, emulator, at_once=1)
            refresh, per_refresh = refreshes(session, runner, emulator)
            by_hand = typed_status(session, runner)
        finally:
            runner.con.close()
    finally:
        rehearsal.stop()
    deploy = middle - before
    return {
        "wall": first,
        "statements": deploy.statements,
        "requests": deploy.requests,
        "rerun": together,
        "rerun_requests": noop.requests,
        "rerun_rounds": noop.rounds,
        "rerun_alone": alone,
        "rerun_alone_rounds": noop_alone.rounds,
        "refresh": refresh,
        "refresh_queries": per_refresh,
        "by_hand": by_hand,
    }


def counted(emulator, call):  # type: ignore[no-untyped-def]
    """``call()``'s result, its wall time and what it sent the emulator (a Count)."""
    before = emulator.traffic.count
    began = time.perf_counter()
    result = call()
    return result, time.perf_counter() - began, emulator.traffic.count - before


def rerun(session, runner, emulator, at_once: int | None = None):  # type: ignore[no-untyped-def]
    """A re-run of the deploy with nothing to do, each request held ``LATENCY`` as a
    network would (so requests sent together overlap, and the rounds show): its wall time
    and what it sent. ``at_once=1`` asks its questions one at a time (the baseline)."""
    from spcs_wizard.engine import runner as runner_module

    kept = runner_module.AT_ONCE
    runner_module.AT_ONCE = at_once or kept
    emulator.traffic.latency = LATENCY
    try:
        again, wall, sent = counted(emulator, lambda: session.deploy(runner))
    finally:
        emulator.traffic.latency = 0.0
        runner_module.AT_ONCE = kept
    if again.done != [s for s in again.done if s.startswith("wait-")]:
        raise SystemExit(f"the re-run did something: {again.done}")
    return wall, sent


def refreshes(session, runner, emulator, times: int = 20) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The monitor's status refresh (the snapshot it shows): median seconds, and the
    statements each sends (a USE ROLE counted when it is sent)."""
    import statistics

    seconds, sent = [], []
    for _ in range(times):
        before = emulator.traffic.count
        began = time.perf_counter()
        session.snapshot(runner)
        seconds.append(time.perf_counter() - began)
        sent.append((emulator.traffic.count - before).statements)
    return statistics.median(seconds), statistics.median(sent)


def typed_status(session, runner, times: int = 20) -> float:  # type: ignore[no-untyped-def]
    """What a person types for a status by hand: SHOW SERVICES IN SCHEMA (median s)."""
    import statistics

    d = session.deployment
    n = d.names()
    sql = f"SHOW SERVICES IN SCHEMA {n.database.sql()}.{n.schema_.sql()}"
    seconds = []
    for _ in range(times):
        began = time.perf_counter()
        runner.query(sql, n.sys_admin)
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds)


def seed(speed: float) -> dict[str, float]:
    """The guide's procedure, as `snow sql -f` or a worksheet would send it."""
    import snowflake.connector

    rehearsal, emulator = fresh(speed)
    try:
        specs = Path(tempfile.mkdtemp(prefix="spcs-deploy-bench-specs-"))
        (specs / "milvus.yaml").write_text(SPEC.format(name="milvus", port=19530))
        (specs / "jupyter.yaml").write_text(SPEC.format(name="jupyter", port=8888))
        for image in ("milvus", "jupyter"):  # the guide's docker push, recorded
            emulator.add_image(
                "milvus_demo/public/milvus_repo", image, "latest", "sha256:" + "e" * 64
            )
        script = SEED.read_text().replace("{spec_dir}", str(specs))
        for old, new in FIXES:
            assert script.count(old) == 1, old
            script = script.replace(old, new)
        con = snowflake.connector.connect(**emulator.connect_args())
        try:
            cursors, wall, sent = counted(emulator, lambda: con.execute_string(script))
        finally:
            con.close()
    finally:
        rehearsal.stop()
    return {"wall": wall, "statements": len(cursors), "requests": sent.requests}


def figures(rounds: int, speed: float) -> list[Figure]:
    os.environ["SPCS_WIZARD_HOME"] = tempfile.mkdtemp(prefix="spcs-deploy-bench-home-")
    runs: list[dict[str, float]] = []
    base: list[dict[str, float]] = []
    for _ in range(rounds):  # alternate, so drift hits both alike
        runs.append(ours(speed))
        base.append(seed(speed))

    def of(samples: list[dict[str, float]], key: str) -> list[float]:
        return [s[key] for s in samples]

    note = f"emulator at {speed:g}x; the deploy waits for pools and services"
    return [
        figure("seed procedure: wall time", of(base, "wall"), "s", of(base, "wall")),
        figure("deploy: wall time", of(runs, "wall"), "s", of(base, "wall"), note=note),
        figure(
            "seed procedure: statements",
            of(base, "statements"),
            "statements",
            of(base, "statements"),
        ),
        figure("deploy: statements", of(runs, "statements"), "statements", of(base, "statements")),
        figure(
            "seed procedure: round trips", of(base, "requests"), "requests", of(base, "requests")
        ),
        figure("deploy: round trips", of(runs, "requests"), "requests", of(base, "requests")),
        figure(
            "no-op re-run: round trips",
            of(runs, "rerun_rounds"),
            "rounds",
            of(runs, "rerun_alone_rounds"),
            "<= 10 rounds",
            note="requests in flight together count once; baseline: one question at a time",
        ),
        figure(
            "no-op re-run: requests", of(runs, "rerun_requests"), "requests", of(base, "requests")
        ),
        figure(
            "no-op re-run: wall time",
            of(runs, "rerun"),
            "s",
            of(runs, "rerun_alone"),
            note=f"{LATENCY * 1000:g} ms a request; baseline: one question at a time",
        ),
        figure(
            "monitor refresh: statements",
            of(runs, "refresh_queries"),
            "statements",
            goal="<= 3 statements",
        ),
        figure(
            "monitor refresh: wall time",
            of(runs, "refresh"),
            "ms",
            of(runs, "by_hand"),
            scale=1000,
            note="baseline: one SHOW SERVICES IN SCHEMA typed by hand",
        ),
    ]


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--speed", type=float, default=600.0)
    args = parser.parse_args()
    report(figures(args.rounds, args.speed), args.json)


if __name__ == "__main__":
    main()

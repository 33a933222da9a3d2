"""``spcs-wizard deploy`` and ``teardown`` killed with SIGKILL at every step, right after
the account ran that step's statement and before the command heard back (no cleanup,
no goodbye), then run again until they finish: the deploy converges to exactly what an
uninterrupted one makes, the teardown to the account as it was."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from spcs_wizard.engine.state import DeploymentState
from spcs_wizard.engine.teardown import preview
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.plan import build_plan
from tests.cli_harness import fast_emulator
from tests.command import COMMAND
from tests.reliability.drills import (
    Drill,
    Target,
    deploy_target,
    deployed_steps,
    fingerprint,
    targets,
    undo_target,
)


class Killer:
    """Runs the command (forked, see forked_command.py) and is the drill's action:
    kill -9 of the run in progress."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.workdir = workdir
        self.forks = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("forked_command.py"))],
            env=env | {"PYTHONPATH": str(Path(__file__).parents[2])},
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.pid: int | None = None
        self.lock = threading.Lock()

    def __call__(self, target: Target) -> bool:
        with self.lock:
            assert self.pid is not None
            os.kill(self.pid, signal.SIGKILL)
        return True

    def run(self, *args: str) -> int:
        assert self.forks.stdin is not None
        assert self.forks.stdout is not None
        stderr = self.workdir / "stderr.txt"
        self.forks.stdin.write(json.dumps({"args": list(args), "stderr": str(stderr)}) + "\n")
        self.forks.stdin.flush()
        with self.lock:
            self.pid = json.loads(self.forks.stdout.readline())["pid"]
        code = json.loads(self.forks.stdout.readline())["exit"]
        assert code in (0, -signal.SIGKILL), f"exit {code}: {stderr.read_text()}"
        return int(code)

    def close(self) -> None:
        assert self.forks.stdin is not None
        self.forks.stdin.close()
        self.forks.wait(timeout=30)


def run_until_done(killer: Killer, drill: Drill, *args: str) -> int:
    """Runs the command until it exits 0; each run but the last is killed at the next
    target. Returns the number of runs."""
    runs = 0
    while True:
        runs += 1
        assert runs <= len(drill.pending) + len(drill.fired) + 1, drill.fired
        drill.new_run()
        if killer.run(*args) == 0:
            return runs


@pytest.mark.long
def test_deploy_and_teardown_killed_at_every_step_converge(tmp_path: Path) -> None:
    ref_emu, ref_env = fast_emulator(tmp_path / "reference")
    try:
        done = subprocess.run(
            [str(COMMAND), "deploy"], env=ref_env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr
        deployed = fingerprint(ref_emu.account)
    finally:
        ref_emu.stop()

    emu, env = fast_emulator(tmp_path / "killed")
    try:
        before = fingerprint(emu.account) | {"images": []}  # the recorded images go too
        plan = build_plan(Deployment(prefix="cli"), tmp_path / "specs")
        killer = Killer(env, tmp_path)
        # Every step's statement (the image steps share one listing: the first's).
        aimed = targets(plan.steps, deploy_target)
        drill = Drill(list(aimed), action=killer)
        emu.faults.drill = drill
        runs = run_until_done(killer, drill, "deploy")
        # Each fired once, in order, but a pool's wait that sent nothing (the pool was
        # listed ready before the run's first step: the runs before had made it).
        assert [t for t in aimed if t not in drill.skipped] == drill.fired
        assert all(t.optional for t in drill.skipped)
        assert runs == len(drill.fired) + 1
        assert fingerprint(emu.account) == deployed
        state_file = Path(env["SPCS_WIZARD_HOME"], "deployments", "cli_milvus_demo", "state.json")
        state = DeploymentState.load(state_file, "cli_milvus_demo")
        assert set(state.executed) == deployed_steps(plan)
        assert state.pending == {}

        undo = preview(plan, include_shared=True)
        drill = Drill(targets(undo, undo_target), action=killer)
        emu.faults.drill = drill
        args = ("teardown", "--yes", "--include-shared")
        runs = run_until_done(killer, drill, *args)
        assert [t.step_id for t in drill.fired] == [s.id for s in undo]
        assert runs == len(undo) + 1
        assert fingerprint(emu.account) == before
        state = DeploymentState.load(state_file, "cli_milvus_demo")
        assert state.executed == {}
        assert state.pending == {}
        killer.close()
    finally:
        emu.stop()

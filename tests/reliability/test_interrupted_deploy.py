"""A deploy interrupted at every step of the default plan, three ways (a refused
statement, a lost answer, an emulator restart; kill -9 of the command is in
test_killed_command.py), re-run until it finishes: it converges to exactly what an
uninterrupted deploy makes, and a teardown then leaves the account as it was before."""

from __future__ import annotations

from pathlib import Path

import pytest

from spcs_wizard.engine.events import StepFailed
from tests.engine_harness import World
from tests.reliability.drills import (
    KINDS,
    deploy_target,
    deployed_steps,
    drill_for,
    emulator_at,
    fingerprint,
    rerun_until_done,
    targets,
    with_images,
)


@pytest.mark.long
@pytest.mark.parametrize("kind", KINDS)
def test_a_deploy_interrupted_at_every_step_converges(
    kind: str, tmp_path: Path, reference: tuple[dict, dict]
) -> None:
    before, deployed = reference
    world = World(emulator_at(tmp_path / "emu"), tmp_path)
    try:
        with_images(world)
        drill = drill_for(kind, world, world.plan.steps, deploy_target)
        # Every step's statement (the image steps share one listing: the first's).
        steps = [t.step_id for t in targets(world.plan.steps, deploy_target)]

        def stopped(failed: StepFailed) -> None:  # said so, and kept what it knew
            assert "run the deployment again" in failed.hint.lower()
            assert set(world.state.pending) <= {failed.step_id}

        runs = rerun_until_done(drill, lambda: world.deploy()[0].failed, stopped)
        assert [t.step_id for t in drill.fired] == steps  # every step, each once
        assert runs == (1 if kind == "answer-lost" else len(steps) + 1)
        assert fingerprint(world.emu.account) == deployed
        assert set(world.state.executed) == deployed_steps(world.plan)
        assert world.state.pending == {}
        world.emu.faults.drill = None
        down = world.teardown(include_shared=True)
        assert down.ok, down.failed
        assert not down.left
        assert fingerprint(world.emu.account) == before
        assert world.state.executed == {}
        assert world.state.pending == {}
    finally:
        world.emu.stop()

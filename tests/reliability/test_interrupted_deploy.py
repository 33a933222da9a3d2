"""A deploy interrupted at every step of the default plan, three ways (a refused
statement, a lost answer, an emulator restart; kill -9 of the command is in
test_killed_command.py), re-run until it finishes: it converges to exactly what an
uninterrupted deploy makes, and a teardown then leaves the account as it was before."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine_harness import World
from tests.reliability.drills import (
    KINDS,
    deploy_target,
    deployed_steps,
    drill_for,
    emulator_at,
    fingerprint,
    with_images,
)


@pytest.mark.parametrize("kind", KINDS)
def test_a_deploy_interrupted_at_every_step_converges(
    kind: str, tmp_path: Path, reference: tuple[dict, dict]
) -> None:
    before, deployed = reference
    world = World(emulator_at(tmp_path / "emu"), tmp_path)
    try:
        with_images(world)
        drill = drill_for(kind, world, world.plan.steps, deploy_target)
        steps = [s.id for s in world.plan.steps]
        runs = 0
        while True:
            runs += 1
            assert runs <= len(steps) + 1, f"no convergence; fired at {drill.fired}"
            drill.new_run()
            fired_before = len(drill.fired)
            outcome, _ = world.deploy()
            if outcome.ok and not drill.pending:
                break
            if not outcome.ok:
                # It stopped at the step interrupted, said so, and kept what it knew.
                assert len(drill.fired) == fired_before + 1, outcome.failed
                assert outcome.failed is not None
                assert outcome.failed.step_id == drill.fired[-1].step_id
                assert "run the deployment again" in outcome.failed.hint.lower()
                assert set(world.state.pending) <= {outcome.failed.step_id}
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

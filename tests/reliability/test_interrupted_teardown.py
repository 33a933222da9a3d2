"""A teardown interrupted at every step it takes, three ways (a refused statement, a lost
answer, an emulator restart; kill -9 of the command is in test_killed_command.py), re-run
until it finishes: the account is as it was before the deploy, and the local state
forgets everything, so nothing left over can later pass for this tool's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from spcs_wizard.engine.events import StepFailed
from spcs_wizard.engine.teardown import preview
from tests.engine_harness import World
from tests.reliability.drills import (
    KINDS,
    drill_for,
    emulator_at,
    fingerprint,
    rerun_until_done,
    undo_target,
    with_images,
)


@pytest.mark.parametrize("kind", KINDS)
def test_a_teardown_interrupted_at_every_step_converges(kind: str, tmp_path: Path) -> None:
    world = World(emulator_at(tmp_path / "emu"), tmp_path)
    try:
        before = fingerprint(world.emu.account)
        with_images(world)
        deployed, _ = world.deploy()
        assert deployed.ok, deployed.failed
        undo = preview(world.plan, include_shared=True)
        drill = drill_for(kind, world, undo, undo_target)

        def teardown() -> StepFailed | None:
            outcome = world.teardown(include_shared=True)
            assert not outcome.left  # everything is ours: nothing is ever reported as kept
            return outcome.failed

        runs = rerun_until_done(drill, teardown)
        assert [t.step_id for t in drill.fired] == [s.id for s in undo]
        assert runs == (1 if kind == "answer-lost" else len(undo) + 1)
        assert fingerprint(world.emu.account) == before
        assert world.state.executed == {}
        assert world.state.pending == {}
        world.emu.faults.drill = None
        again = world.teardown(include_shared=True)
        assert again.ok
        assert again.removed == []
    finally:
        world.emu.stop()

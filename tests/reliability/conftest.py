"""What every reliability test compares with."""

from __future__ import annotations

import pytest

from tests.engine_harness import World
from tests.reliability.drills import emulator_at, fingerprint, with_images


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    """The account before a deploy, and what an uninterrupted deploy makes in it."""
    tmp = tmp_path_factory.mktemp("reference")
    emu = emulator_at(tmp / "emu")
    try:
        before = fingerprint(emu.account)
        world = World(emu, tmp)
        with_images(world)
        outcome, _ = world.deploy()
        assert outcome.ok, outcome.failed
        return before, fingerprint(emu.account)
    finally:
        emu.stop()

"""An account where someone else already made every object the plan names, without this
deployment's COMMENT: deploy stops before its first change and teardown leaves them all,
so not one of them, nor any grant on them, is touched."""

from __future__ import annotations

import re
from contextlib import closing
from pathlib import Path

from spcs_wizard.engine.questions import is_created_object
from tests.emulator_harness import SECRETS, connect
from tests.engine_harness import World
from tests.reliability.drills import emulator_at, fingerprint, with_images

COMMENT = re.compile(r"\s*COMMENT\s*=\s*'(?:[^'\\]|\\.)*'")


def test_objects_someone_else_made_are_never_touched(tmp_path: Path) -> None:
    world = World(emulator_at(tmp_path / "emu"), tmp_path)
    try:
        # Every object but the services (which need a stage, a spec and images of theirs).
        foreign = [
            s for s in world.plan.steps if is_created_object(s) and not s.id.startswith("service-")
        ]
        with closing(connect(world.emu)) as con:
            cur = con.cursor()  # an administrator, as ACCOUNTADMIN
            for step in foreign:  # the plan's own statement, without our COMMENT
                cur.execute(COMMENT.sub("", step.statements[0].executable(SECRETS)))
        with_images(world)
        before = fingerprint(world.emu.account)
        assert len(foreign) == 13

        outcome, runner = world.deploy()
        assert outcome.failed is not None
        assert outcome.failed.foreign
        assert "already exists and is not this deployment's" in outcome.failed.message
        assert runner.executed == []  # not one statement that changes anything
        assert fingerprint(world.emu.account) == before

        down = world.teardown(include_shared=True)
        assert down.ok
        assert down.removed == []
        # Those its roles can see are reported as someone else's; the rest are invisible
        # to them (owned by ACCOUNTADMIN), as SHOW works in Snowflake.
        assert {"role", "user", "security-integration"} <= set(down.left)
        assert fingerprint(world.emu.account) == before
    finally:
        world.emu.stop()

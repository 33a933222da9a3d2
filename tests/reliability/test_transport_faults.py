"""A deploy through a bad network: bursts of HTTP 429 and 503, an answer later than the
client's timeout, a session that expires mid-deploy, a master token that expires. Retried
where that is safe (the connector's own retries; every statement is idempotent), a clear
stop where not, and the next run converges to what an undisturbed deploy makes.
A registry failing mid-push (dying, coming back) is in test_images.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from spcs_wizard.emulator.faults import StatementFault
from spcs_wizard.engine.hints import CONNECTION_HINT, NO_ANSWER_HINT
from tests.engine_harness import World
from tests.reliability.drills import (
    Drill,
    Target,
    deploy_target,
    emulator_at,
    fingerprint,
    quick_retries,
    targets,
    with_images,
)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(emulator_at(tmp_path / "emu"), tmp_path)
    with_images(w)
    w.connect_options = {"backoff_policy": quick_retries}
    yield w
    w.emu.stop()


def at_steps(world: World, step_ids: list[str], action: Callable[[Target], object]) -> Drill:
    """A drill that runs ``action`` (answer kept) after each listed step's statement."""
    chosen = [s for s in world.plan.steps if s.id in step_ids]
    drill = Drill(targets(chosen, deploy_target), one_per_run=False)
    drill.action = lambda target: bool(action(target)) and False
    world.emu.faults.drill = drill
    return drill


def test_bursts_of_429_and_503_are_retried_and_the_deploy_completes(
    world: World, reference: tuple[dict, dict]
) -> None:
    queue = world.emu.faults.http_statuses
    burst = [429, 503, 503, 429]
    drill = at_steps(
        world,
        ["role", "compute-pool-milvus", "upload-spec-milvus", "wait-service-milvus"],
        lambda target: queue.extend(burst) or True,
    )
    outcome, _ = world.deploy()
    assert outcome.ok, outcome.failed
    assert len(drill.fired) == 4
    assert not queue  # all 16 refusals were met, and retried through
    assert fingerprint(world.emu.account) == reference[1]


def test_an_answer_later_than_the_timeout_stops_clearly_then_resumes(
    world: World, reference: tuple[dict, dict]
) -> None:
    """The warehouse statement runs, but every answer to it comes after the client gave
    up (the connector retries it, then stops): the step fails saying no answer came, and
    the next run finds the warehouse made and goes on."""
    world.connect_options |= {"network_timeout": 3, "socket_timeout": 1}
    world.emu.faults.statements.append(StatementFault(match="CREATE WAREHOUSE", delay=4, times=100))
    first, _ = world.deploy()
    assert first.failed is not None
    assert first.failed.step_id == "warehouse"
    assert "timed out" in first.failed.message.lower()
    assert first.failed.hint == NO_ANSWER_HINT
    world.emu.faults.statements.clear()
    second, _ = world.deploy()
    assert second.ok, second.failed
    assert "warehouse" in second.skipped  # it ran the first time, though nobody heard
    assert fingerprint(world.emu.account) == reference[1]
    assert "warehouse" in world.state.executed  # begun, then found done: ours


def test_session_tokens_expiring_mid_deploy_are_renewed(
    world: World, reference: tuple[dict, dict]
) -> None:
    drill = at_steps(
        world,
        ["user", "stage-files", "wait-pool-jupyter", "grant-endpoints-jupyter"],
        lambda target: world.emu.sessions.expire_all() or True,
    )
    outcome, _ = world.deploy()
    assert outcome.ok, outcome.failed
    assert len(drill.fired) == 4
    assert fingerprint(world.emu.account) == reference[1]


def test_a_master_token_expiring_mid_deploy_stops_clearly_then_resumes(
    world: World, reference: tuple[dict, dict]
) -> None:
    """Once the master token is gone the session cannot be renewed: the deploy stops at
    the next statement, says to run again, and the next run (a new login) converges."""
    chosen: list[Target] = []
    at_steps(
        world,
        ["grant-database"],
        lambda target: chosen.append(target) or world.emu.sessions.expire_all(master=True),
    )
    first, _ = world.deploy()
    assert [t.step_id for t in chosen] == ["grant-database"]
    assert first.failed is not None
    assert first.failed.step_id == "grant-schema"  # the next statement met the expiry
    assert first.failed.code == 390114
    assert first.failed.hint == CONNECTION_HINT
    second, _ = world.deploy()
    assert second.ok, second.failed
    assert fingerprint(world.emu.account) == reference[1]

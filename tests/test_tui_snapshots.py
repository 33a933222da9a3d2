"""Every wizard screen as rendered, at 80x24 and 120x40 (pytest-textual-snapshot).

A change in how a screen looks fails here until it is looked at and accepted with
``pytest tests/test_tui_snapshots.py --snapshot-update``. Screens that talk to the
account use a real rehearsal emulator; the monitor is given one fixed status snapshot
(its refresh is pushed far out) so that clock times do not change the picture.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from spcs_wizard.engine.rehearsal import Rehearsal
from spcs_wizard.engine.snapshot import (
    ContainerStatus,
    EndpointStatus,
    PoolStatus,
    ServiceStatus,
    Snapshot,
)
from spcs_wizard.tui.app import WizardApp
from spcs_wizard.tui.context import WizardContext
from spcs_wizard.tui.screens.monitor import MonitorScreen
from spcs_wizard.tui.widgets.cost_table import CostTable
from tests.wizard_harness import until

SIZES = [(80, 24), (120, 40)]
Before = Callable[[Pilot[None]], Awaitable[None]]

FIXED = Snapshot(
    "MILVUS_DEMO",
    1_764_000_000.0,  # 2025-11-24 16:00:00 UTC
    [
        PoolStatus("MILVUS_COMPUTE_POOL", "ACTIVE", "CPU_X64_S", 1, 1, 1, 3600),
        PoolStatus("JUPYTER_COMPUTE_POOL", "IDLE", "CPU_X64_S", 1, 1, 1, 3600),
    ],
    [
        ServiceStatus(
            "MILVUS",
            "RUNNING",
            "MILVUS_COMPUTE_POOL",
            [
                ContainerStatus(
                    "0",
                    "milvus",
                    "READY",
                    "Running",
                    0,
                    "/milvus_demo/public/milvus_repo/milvus:v2.5.26",
                    "sha256:" + "a" * 64,
                    "2025-11-24T15:58:00Z",
                )
            ],
            [EndpointStatus("milvus", 19530, "HTTP", True, "abc-org-acct.snowflakecomputing.app")],
        ),
        ServiceStatus(
            "JUPYTER",
            "FAILED",
            "JUPYTER_COMPUTE_POOL",
            [
                ContainerStatus(
                    "0",
                    "jupyter",
                    "FAILED",
                    "Container exited with code 1 and is being restarted.",
                    3,
                    "/milvus_demo/public/milvus_repo/jupyter:latest",
                    "sha256:" + "b" * 64,
                    "2025-11-24T15:59:00Z",
                )
            ],
            [EndpointStatus("notebook", 8888, "HTTP", True, "Endpoints provisioning in progress")],
        ),
    ],
)


@pytest.fixture(autouse=True)
def fixed_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SNOWFLAKE_HOME", str(tmp_path / "snowflake"))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def rehearsal(tmp_path: Path) -> Iterator[Rehearsal]:
    r = Rehearsal(tmp_path / "rehearsal", speed=600, registry=False)
    yield r
    r.stop()


async def costed(pilot: Pilot[None]) -> None:
    """Until the screen's cost estimate is shown (Welcome works it out after its first
    frame)."""
    await until(
        pilot,
        lambda: not any(c.pending for c in pilot.app.screen.query(CostTable)),
        what="the cost shown",
    )
    await pilot.app.workers.wait_for_complete()  # what the screen reads after it is up
    await pilot.pause()


def app_at(step: str, **context: object) -> WizardApp:
    wizard = WizardContext(refresh_seconds=3600, **context)  # type: ignore[arg-type]
    return WizardApp(wizard, start=step)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("step", ["welcome", "naming", "review", "build", "deploy", "teardown"])
def test_step_screens(snap_compare, step: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app_at(step), run_before=costed, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_welcome_with_the_deployments_this_machine_knows(  # type: ignore[no-untyped-def]
    snap_compare, tmp_path: Path, size: tuple[int, int]
) -> None:
    """Two deployments on accounts whose sign-in needs a person (a browser, an MFA
    prompt): listed with their record, not looked at live."""
    import json

    from spcs_wizard.engine.known_deployments import remember
    from spcs_wizard.engine.state import DeploymentState
    from spcs_wizard.model.config_file import with_settings
    from spcs_wizard.model.deployment import Deployment

    home = tmp_path / "snowflake"
    home.mkdir()
    (home / "connections.toml").write_text(
        '[prod]\naccount = "acme-prod"\nuser = "ME"\nauthenticator = "externalbrowser"\n'
        '[dev]\naccount = "acme-dev"\nuser = "ME"\nauthenticator = "username_password_mfa"\n'
    )
    (home / "connections.toml").chmod(0o600)
    for prefix, connection, days in (("ALICE_", "prod", 3), ("BOB_", "dev", 40)):
        d = with_settings(Deployment(), {"prefix": prefix}, "test")
        directory = tmp_path / "home" / "deployments" / d.deployment_id.lower()
        remember(directory, d, connection)
        DeploymentState.load(directory / "state.json", d.deployment_id).record("role")
        record = json.loads((directory / "known.json").read_text())
        record["last_used"] = time.time() - days * 86400  # a fixed age: 3d, 40d
        (directory / "known.json").write_text(json.dumps(record))
    app = app_at("welcome", rehearsal=Rehearsal(tmp_path / "rehearsal", registry=False))

    async def listed(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: len(pilot.app.live) == 2, what="both rows looked at")  # type: ignore[attr-defined]
        await costed(pilot)

    assert snap_compare(app, run_before=listed, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_and_light_theme(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        app_at("welcome"), run_before=costed, press=["ctrl+t", "f1"], terminal_size=size
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_naming_with_a_bad_name(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def type_bad_name(pilot: Pilot[None]) -> None:
        pilot.app.screen.query_one("#set-database-name", Input).value = "1 bad"
        await pilot.pause()

    assert snap_compare(app_at("naming"), run_before=type_bad_name, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_connection_rehearsal(snap_compare, rehearsal: Rehearsal, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app = app_at("connection", rehearsal=rehearsal)

    async def connected(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: app.wizard.ready, what="connected")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, run_before=connected, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_connection_account(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "snowflake"
    home.mkdir()
    (home / "connections.toml").write_text(
        '[prod]\naccount = "acme-prod"\nuser = "ME"\n\n[dev]\naccount = "acme-dev"\nuser = "ME"\n'
    )
    (home / "config.toml").write_text('default_connection_name = "prod"\n')
    app = app_at("connection", mode="account")

    async def listed(pilot: Pilot[None]) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, run_before=listed, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_monitor(snap_compare, rehearsal: Rehearsal, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app = app_at("monitor", rehearsal=rehearsal)  # never started: the first refresh fails

    async def show_fixed(pilot: Pilot[None]) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, MonitorScreen)
        screen.show(FIXED, None, None)
        await pilot.pause()

    assert snap_compare(app, run_before=show_fixed, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_console(snap_compare, deployed_wizard, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    from tests.wizard_harness import text_of

    _, context = deployed_wizard
    context.refresh_seconds = 3600
    app = WizardApp(context, start="console")

    async def connected(pilot: Pilot[None]) -> None:
        status = pilot.app.screen.query_one("#answer-status")
        await until(pilot, lambda: "connected" in text_of(status), what="connected")  # type: ignore[arg-type]
        await pilot.app.workers.wait_for_complete()
        # The question has the focus: its cursor blinks, a picture either way.
        pilot.app.screen.query_one("#question", Input).cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, run_before=connected, terminal_size=size)

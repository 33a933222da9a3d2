"""The deployments this machine knows: the engine's record of them, the Welcome list with
a live look at each, picking one up (Enter on its row, or the palette), a run that was
cut short, and the names Naming had last time."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, RichLog, Static

from spcs_wizard.emulator.children import PORTS_FROM, ephemeral_ports, free_port, spawn
from spcs_wizard.engine.deployment_session import DeploymentSession, Target
from spcs_wizard.engine.known_deployments import (
    can_probe_quietly,
    known,
    load_draft,
    mark_left,
    remember,
    starting_deployment,
)
from spcs_wizard.engine.snapshot import ContainerStatus, PoolStatus, ServiceStatus, Snapshot
from spcs_wizard.model.config_file import with_settings
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.tui.app import WizardApp
from spcs_wizard.tui.context import WizardContext
from spcs_wizard.tui.screens.deploy import DeployScreen
from spcs_wizard.tui.screens.monitor import MonitorScreen
from spcs_wizard.tui.screens.welcome import WelcomeScreen
from spcs_wizard.tui.widgets.checklist import Checklist
from tests.wizard_harness import (
    listed,
    notes,
    notices_kept,
    table_text,
    text_of,
    until,
    until_said,
    visit,
    visit_composed,
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


# -- the record --------------------------------------------------------------------------
def made(state_dir: Path, deployment: Deployment, connection: str | None, step: str) -> None:
    """A record, and a state where this tool ran ``step``."""
    from spcs_wizard.engine.state import DeploymentState

    remember(state_dir, deployment, connection)
    DeploymentState.load(state_dir / "state.json", deployment.deployment_id).record(step)


def test_known_lists_both_places_last_used_first_and_skips_what_it_cannot_read(
    home: Path, tmp_path: Path
) -> None:
    rehearsal_dir = tmp_path / "rehearsal"
    alice = with_settings(Deployment(), {"prefix": "ALICE_"}, "test")
    bob = with_settings(Deployment(), {"prefix": "BOB_", "notebook": "false"}, "test")
    made(home / "deployments" / "alice_milvus_demo", alice, "prod", "role")
    made(rehearsal_dir / "deployments" / "bob_milvus_demo", bob, None, "role")
    # Unreadable, in the wrong place (a rehearsal record under the accounts'), or with
    # nothing made (refused before its first change, or torn down): not listed.
    (home / "deployments" / "broken").mkdir(parents=True)
    (home / "deployments" / "broken" / "known.json").write_text("{not json", encoding="utf-8")
    made(home / "deployments" / "misplaced", bob, None, "role")
    carol = with_settings(Deployment(), {"prefix": "CAROL_"}, "test")
    remember(home / "deployments" / "carol_milvus_demo", carol, "prod")

    found = known(rehearsal_dir)
    assert [(k.deployment.deployment_id, k.where) for k in found] == [
        ("BOB_MILVUS_DEMO", "rehearsal"),  # remembered last
        ("ALICE_MILVUS_DEMO", "connection prod"),
    ]
    assert found[0].deployment == bob  # every setting comes back, not only the names
    assert found[0].deployment.notebook is False
    assert {k.recorded for k in found} == {"partly"}  # one step ran
    assert found[0].key != found[1].key
    record = json.loads((home / "deployments" / "alice_milvus_demo" / "known.json").read_text())
    assert record["connection"] == "prod"


def test_a_push_left_begun_with_nothing_else_made_is_not_a_run_to_pick_up(
    home: Path, tmp_path: Path
) -> None:
    """A deploy that failed at its image push, then torn down: the push stays begun in
    the state, and Welcome listed the deployment as "nothing made, cut short"."""
    from spcs_wizard.engine.state import DeploymentState

    alice = with_settings(Deployment(), {"prefix": "ALICE_"}, "test")
    directory = home / "deployments" / "alice_milvus_demo"
    remember(directory, alice, "prod")
    state = DeploymentState.load(directory / "state.json", alice.deployment_id)
    state.intend("image-milvus")
    assert known(tmp_path / "rehearsal") == []
    state.intend("role")  # a statement begun and not known to end: that is a run cut short
    (k,) = known(tmp_path / "rehearsal")
    assert k.cut_short == ("image-milvus", "role")


def test_a_deploy_is_remembered_with_how_far_it_got(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spcs_wizard.engine.rehearsal import Rehearsal

    canary = "Canary-Secret-7f3a9"
    monkeypatch.setenv("SPCS_WIZARD_SECRET_MILVUS_USER_PASSWORD", canary + "u")
    monkeypatch.setenv("SPCS_WIZARD_SECRET_JUPYTER_PASSWORD", canary + "j")

    rehearsal = Rehearsal(tmp_path / "rehearsal", speed=600, registry=False)
    rehearsal.start()
    try:
        d = with_settings(Deployment(), {"account": rehearsal.account}, "test")
        session = DeploymentSession(Target(rehearsal=rehearsal), d, image_mode="record")
        asked = iter(range(1000))
        runner = session.connect()
        try:  # stops before its fourth step
            stopped = session.deploy(runner, should_stop=lambda: next(asked) >= 3)
        finally:
            runner.con.close()
        assert stopped.stopped
        for path in rehearsal.directory.rglob("known.json"):  # names and settings only
            assert canary not in path.read_text(encoding="utf-8")
        (k,) = known(rehearsal.directory)
        assert (k.deployment.deployment_id, k.rehearsal, k.recorded) == (
            "MILVUS_DEMO",
            True,
            "partly",
        )
        # A step begun and not known to have ended (a wizard left while it ran).
        session.state().intend("warehouse")
        (k,) = known(rehearsal.directory)
        assert k.cut_short == ("warehouse",)
        assert k.recorded == "partly, cut short"
    finally:
        rehearsal.stop()


def test_the_condition_and_cost_of_a_snapshot() -> None:
    def snap(pool_state: str, service_status: str | None, container: str = "READY") -> Snapshot:
        pools = [PoolStatus("P", pool_state, "CPU_X64_S", 1, 1, 1, 3600)]
        services = (
            []
            if service_status is None
            else [
                ServiceStatus(
                    "S",
                    service_status,
                    "P",
                    [ContainerStatus("0", "c", container, "", 0, "i", "d", None)],
                )
            ]
        )
        return Snapshot("D", 0.0, pools, services)

    assert Snapshot("D", 0.0, [], []).condition == "not deployed"
    assert snap("ACTIVE", "RUNNING").condition == "running"
    assert snap("ACTIVE", "RUNNING").credits_per_hour == 0.11
    assert snap("ACTIVE", "PENDING", "PENDING").condition == "starting"
    assert snap("ACTIVE", "RUNNING", "FAILED").condition == "failing"
    assert snap("SUSPENDED", "SUSPENDED").condition == "suspended"
    assert snap("IDLE", "SUSPENDED").condition == "suspending"  # its pool still billed
    assert snap("SUSPENDED", "SUSPENDED").credits_per_hour == 0.0  # not billed
    assert snap("STARTING", None).credits_per_hour == 0.0  # starting is not billed either
    assert snap("SUSPENDED", None).condition == "suspended"
    assert snap("IDLE", None).condition == "partly deployed"
    assert snap("IDLE", None).credits_per_hour == 0.11  # an idle pool is billed
    unknown = Snapshot("D", 0.0, [PoolStatus("P", "ACTIVE", "CPU_X64_NEW", 1, 1, 1, 1)], [])
    assert unknown.credits_per_hour is None  # no figure: said, never guessed as zero


def test_a_pool_bills_for_its_idle_nodes_too() -> None:
    """SHOW COMPUTE POOLS counts a pool's nodes as active (running a service) and idle
    (running nothing); an IDLE or ACTIVE pool bills for both."""
    from spcs_wizard.engine.snapshot import pools_in

    d = Deployment()
    row = {
        "name": d.names().milvus_pool.name,
        "state": "IDLE",
        "instance_family": "CPU_X64_S",
        "min_nodes": 2,
        "max_nodes": 2,
        "active_nodes": 0,
        "idle_nodes": 2,
        "auto_suspend_secs": 3600,
    }
    (idle,) = pools_in([row, {**row, "name": "SOMEONE_ELSES_POOL"}], d)
    assert (idle.active_nodes, idle.idle_nodes, idle.nodes) == (0, 2, 2)
    assert Snapshot("D", 0.0, [idle], []).credits_per_hour == 0.22  # 2 x 0.11, not 1
    busy = PoolStatus("P", "ACTIVE", "CPU_X64_S", 1, 3, 2, 3600, idle_nodes=1)
    assert Snapshot("D", 0.0, [busy], []).credits_per_hour == 0.33


def test_a_figure_of_zero_while_pools_start_says_they_bill_once_up() -> None:
    """Just after a resume the pools are STARTING, not billed: 0 credits an hour is true,
    and the monitor's line, `status` and the class's lines say why."""
    from types import SimpleNamespace

    from rich.console import Console

    from spcs_wizard.cli.status_cmd import headline
    from spcs_wizard.cli.workshop_view import status_table
    from spcs_wizard.tui.screens.monitor import freshness
    from spcs_wizard.workshop.status import AttendeeRow

    starting = PoolStatus("P", "STARTING", "CPU_X64_S", 1, 1, 0, 3600)
    up = PoolStatus("Q", "ACTIVE", "CPU_X64_S", 1, 1, 1, 3600)
    for pools, said in (([starting, up], True), ([up], False), ([starting], True)):
        snap = Snapshot("D", 0.0, pools, [])
        told = "pools starting: billed once up"
        assert (told in freshness(snap).plain) is said
        assert (told in headline(snap).plain) is said
    assert (
        "0 credits/h now (pools starting: billed once up)"
        in freshness(Snapshot("D", 0.0, [starting], [])).plain
    )

    def row(state: str) -> AttendeeRow:
        return AttendeeRow("01", "A", "U", "R", "starting", {"P": state}, {}, 0, 0.0, None, "")

    for states, said in ((["STARTING", "ACTIVE"], True), (["ACTIVE", "IDLE"], False)):
        console = Console(width=100, record=True)
        workshop = SimpleNamespace(name="class", shared_pools=())
        console.print(status_table(workshop, [row(s) for s in states]))  # type: ignore[arg-type]
        told = "credits an hour now; pools starting: billed once up."
        assert (told in console.export_text()) is said


def test_a_live_look_never_asks_for_a_person(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    conf = tmp_path / "connections.toml"
    conf.write_text(
        '[sso]\naccount = "ORG-A"\nuser = "U"\nauthenticator = "externalbrowser"\n'
        '[mfa]\naccount = "ORG-A"\nuser = "U"\nauthenticator = "username_password_mfa"\n'
        '[keys]\naccount = "ORG-A"\nuser = "U"\nauthenticator = "SNOWFLAKE_JWT"\n'
        'private_key_file = "/nonexistent"\n',
        encoding="utf-8",
    )
    conf.chmod(0o600)
    monkeypatch.setenv("SNOWFLAKE_HOME", str(tmp_path))
    assert can_probe_quietly(None)  # the rehearsal
    assert not can_probe_quietly("sso")  # a browser would open
    assert not can_probe_quietly("mfa")  # a passcode or a push to approve
    assert can_probe_quietly("keys")
    assert not can_probe_quietly("absent")  # nothing to look with


def test_the_wizard_starts_with_the_names_naming_had_unless_settings_are_given(
    home: Path,
) -> None:
    assert starting_deployment(Deployment()) == (Deployment(), False)  # no draft yet
    from spcs_wizard.engine.known_deployments import save_draft

    draft = with_settings(Deployment(), {"prefix": "CAROL_"}, "test")
    save_draft(draft)
    assert load_draft() == draft
    assert starting_deployment(Deployment()) == (draft, True)
    given = with_settings(Deployment(), {"prefix": "DAN_"}, "test")
    assert starting_deployment(given) == (given, False)  # a file or --set wins
    (home / "wizard-draft.toml").write_text('prefix = "bad prefix!"\n', encoding="utf-8")
    assert starting_deployment(Deployment()) == (Deployment(), False)  # invalid: defaults


def test_naming_remembers_the_names_for_the_next_start(home: Path) -> None:
    async def scenario() -> None:
        app = WizardApp(WizardContext(), start="naming")
        async with app.run_test(size=(120, 40)) as pilot:
            field = app.screen.query_one("#set-prefix", Input)
            field.value = "ERIN_"
            await until(pilot, lambda: app.wizard.deployment.prefix == "ERIN_", what="valid")
            await pilot.press("ctrl+b")  # leaving Naming keeps them
            await until(pilot, lambda: (home / "wizard-draft.toml").exists(), what="draft")

    asyncio.run(scenario())
    draft = load_draft()
    assert draft is not None
    assert draft.deployment_id == "ERIN_MILVUS_DEMO"


def test_welcome_says_the_names_are_last_times_once_not_on_each_visit(home: Path) -> None:
    from spcs_wizard.engine.known_deployments import save_draft

    save_draft(with_settings(Deployment(), {"prefix": "FRED_"}, "test"))

    def told(app: WizardApp) -> int:
        return sum("Names from last time" in n.message for n in app._notifications)

    async def scenario() -> None:
        app = WizardApp(WizardContext(use_draft=True))
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: told(app) == 1, what="the names said")
            assert app.wizard.deployment.deployment_id == "FRED_MILVUS_DEMO"
            for step in ("connection", "welcome"):  # away and back
                app.go(step)
                await until(pilot, lambda s=step: app.step == s and app.screen.is_mounted)
            await until(pilot, lambda: app.screen.query("#cost"), what="welcome again")
            # Its look at the deployment (the worker that says the names) done and shown.
            await until(pilot, lambda: not any(w.is_running for w in app.workers), what="done")
            await pilot.pause()
            assert told(app) == 1

    asyncio.run(scenario())


# -- a child started from a thread that ends -------------------------------------------------
def test_an_emulator_child_outlives_the_thread_that_started_it() -> None:
    """PR_SET_PDEATHSIG fires when the starting *thread* ends: the wizard's look at its
    deployments started the rehearsal's registry from a short-lived thread, and the
    registry was killed as that thread ended (the monitor then failed)."""
    started: list[subprocess.Popen[bytes]] = []
    thread = threading.Thread(target=lambda: started.append(spawn(["sleep", "30"])))
    thread.start()
    thread.join()
    (child,) = started
    try:
        try:
            code = child.wait(timeout=2)  # SIGTERM at once without the spawning thread
        except subprocess.TimeoutExpired:
            code = None
        assert code is None, f"the child ended ({code}) as the thread that started it did"
    finally:
        child.kill()
        child.wait()


def test_a_childs_port_is_never_one_the_kernel_hands_to_connections() -> None:
    """A port the kernel gives out (bind to 0) goes next to any connection or bind(0) of
    any process, which may take it before the child listens (and a probe of the port
    would reach that other listener). A child's port is drawn below the ephemeral range,
    and is free when drawn."""
    low, _ = ephemeral_ports()
    for _ in range(50):
        port = free_port()
        assert PORTS_FROM <= port < low
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))  # free, as said
    with socket.socket() as taken:  # the kernel's own choice is outside it
        taken.bind(("127.0.0.1", 0))
        assert taken.getsockname()[1] >= low


# -- the wizard ------------------------------------------------------------------------------
async def picked_from_welcome(pilot: Pilot[None], app: WizardApp, shown: str) -> DataTable:
    """Welcome's list of known deployments, once it is mounted (after the first frame)
    and its row shows ``shown``; focused, for Enter to pick the row up."""
    await until(pilot, lambda: bool(app.screen.query("#known")), what="the list")
    table = app.screen.query_one("#known", DataTable)
    await until(pilot, lambda: shown in table_text(table), what=shown)
    table.focus()
    return table


def test_welcome_lists_a_deployment_live_and_enter_picks_it_up(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    """A fresh wizard (default names, not connected) lists the deployment the rehearsal
    has, with its live condition and cost; Enter on its row takes its names, connects and
    goes where it stopped: the Monitor, healthy."""
    rehearsal, deployed = deployed_wizard
    other = with_settings(Deployment(), {"prefix": "ZED_"}, "test")

    async def scenario() -> None:
        app = WizardApp(WizardContext(chosen=other, rehearsal=rehearsal, refresh_seconds=0.5))
        async with app.run_test(size=(120, 40)) as pilot:
            table = await picked_from_welcome(pilot, app, "running")
            row = table_text(table)
            assert "MILVUS_DEMO | rehearsal | deployed | running | 0.22" in row
            # "last used" counts on while Welcome is open (it stayed as first shown).
            key = app.known[0].key
            used = str(table.get_cell(key, "last used"))
            assert re.fullmatch(r"\d+s", used), used  # deployed seconds ago
            await until(pilot, lambda: str(table.get_cell(key, "last used")) != used, what="on")
            kept = notices_kept(app)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, MonitorScreen), what="monitor")
            assert app.wizard.deployment.deployment_id == "MILVUS_DEMO"
            fresh = app.screen.query_one("#freshness", Static)
            await until(pilot, lambda: "healthy" in text_of(fresh), what="healthy")
            # "Picking up …: connecting …" was said, and is gone once it went on; what
            # stays says where it went.
            assert any(m.startswith("Picking up MILVUS_DEMO") for m in kept)
            shown = notes(app)
            assert not any("connecting" in m for m in shown), shown
            assert any("(local record): here is its Monitor" in m for m in shown), shown

    asyncio.run(scenario())
    assert deployed.deployment.deployment_id == "MILVUS_DEMO"


def test_a_rehearsal_deployment_read_starting_as_the_wizard_starts_is_looked_at_again(
    deployed_wizard,  # type: ignore[no-untyped-def]
) -> None:
    """The wizard started again: the rehearsal's emulator starts its Milvus again with it
    (seconds, in real time), so the first look reads "starting". Once Milvus serves, the
    row says "running"; it used to stay "starting" until the next look (a step later)."""
    rehearsal, _ = deployed_wizard
    rehearsal.stop()
    rehearsal.start()  # as a new wizard's look does: Milvus Lite starts, not serving yet
    assert not rehearsal.until_serving(0)
    other = with_settings(Deployment(), {"prefix": "ZED_"}, "test")
    app = WizardApp(WizardContext(chosen=other, rehearsal=rehearsal))
    seen: list[str] = []
    shown = app._live_seen

    def noted(key: str, live) -> None:  # type: ignore[no-untyped-def]
        seen.append(live.condition)
        shown(key, live)

    app._live_seen = noted  # type: ignore[method-assign]

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            table = await picked_from_welcome(pilot, app, "running")
            assert "MILVUS_DEMO | rehearsal | deployed | running | 0.22" in table_text(table)
            assert seen == ["starting", "running"]

    asyncio.run(scenario())


def test_a_look_still_running_as_the_wizard_closes_ends_without_a_thread_failing(
    deployed_wizard,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The wizard closes while it looks at a known deployment (a status statement whose
    answer is late): the rehearsal closes the connections still open to its emulator
    before it stops it, so the statement's cancel timer (the connector's, at its network
    timeout) does not fail against a stopped emulator in a thread of its own."""
    from spcs_wizard.emulator.faults import StatementFault

    rehearsal, _ = deployed_wizard
    rehearsal.network_timeout = 1.0  # the connector's cancel timer: 1 s
    late = StatementFault(match="SHOW COMPUTE POOLS", delay=3.0)
    rehearsal.started.faults.statements.append(late)
    failed: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failed.append(args.exc_value))
    other = with_settings(Deployment(), {"prefix": "ZED_"}, "test")
    app = WizardApp(WizardContext(chosen=other, rehearsal=rehearsal, refresh_seconds=0.5))

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: late.times == 0, what="the look's statement sent")
            app.exit()

    asyncio.run(scenario())
    deadline = threading.Event()
    for _ in range(100):  # the look ends: its statement answered or its connection gone
        if not app._looking:
            break
        deadline.wait(0.1)
    assert not app._looking
    for timer in [t for t in threading.enumerate() if isinstance(t, threading.Timer)]:
        timer.join(5)
    assert failed == []


def test_a_deployment_left_at_a_wait_is_picked_up_at_deploy_not_monitor(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    """Left while it waited for its services (they were made; the endpoint grants after
    the wait never ran): picked up, it goes to Deploy to finish, not to the Monitor,
    which would have said "healthy"."""
    rehearsal, deployed = deployed_wizard
    session = deployed.session
    assert session.resume_point() == "monitor"
    mark_left(session.state_dir, "wait-service-milvus")
    assert session.resume_point() == "deploy"
    other = with_settings(Deployment(), {"prefix": "ZED_"}, "test")

    async def scenario() -> None:
        app = WizardApp(WizardContext(chosen=other, rehearsal=rehearsal, refresh_seconds=0.5))
        async with app.run_test(size=(120, 40)) as pilot:
            await picked_from_welcome(pilot, app, "cut short")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, DeployScreen), what="deploy")
            assert app.wizard.deployment.deployment_id == "MILVUS_DEMO"
            # Said as it is shown (not "so Next goes on to Deploy", Deploy already shown).
            said = await until_said(pilot, app, "partly deployed (local record)")
            assert said.startswith(
                "MILVUS_DEMO is partly deployed (local record): here is Deploy, to finish it."
            )

    asyncio.run(scenario())


def test_the_palette_picks_up_a_known_deployment_from_any_step(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    rehearsal, _ = deployed_wizard
    other = with_settings(Deployment(), {"prefix": "ZED_"}, "test")

    async def scenario() -> None:
        app = WizardApp(WizardContext(chosen=other, rehearsal=rehearsal, refresh_seconds=0.5))
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: bool(app.known), what="known read")
            app.go("naming")
            await until(pilot, lambda: app.step == "naming", what="naming")
            await pilot.press("ctrl+p")
            await until(pilot, lambda: bool(app.screen.query("CommandInput")), what="palette")
            app.screen.query_one("CommandInput", Input).value = "Pick up"
            await until(
                pilot,
                lambda: listed(app).startswith("Pick up: MILVUS_DEMO (rehearsal)"),
                what="listed",
            )
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, MonitorScreen), what="monitor")
            assert app.wizard.deployment.deployment_id == "MILVUS_DEMO"

    asyncio.run(scenario())


def test_a_run_cut_short_is_said_on_welcome_and_shown_on_deploy(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    """The last wizard was left while a step ran: its next start says so, and Deploy's
    checklist shows what the record has (done earlier, cut short) before it runs."""
    _, context = deployed_wizard
    context.session.state().intend("service-jupyter")  # begun, never known to end

    async def scenario() -> None:
        app = WizardApp(context)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(
                pilot,
                lambda: any("cut short" in str(n.message) for n in app._notifications),
                what="told",
            )
            assert isinstance(app.screen, WelcomeScreen)
            table = app.screen.query_one("#known", DataTable)
            assert "partly, cut short" in table_text(table)
            app.go("deploy")
            await until(
                pilot,
                lambda: isinstance(app.screen, DeployScreen) and bool(app.screen.query(Checklist)),
                what="deploy",
            )
            checklist = app.screen.query_one(Checklist)
            await until(
                pilot, lambda: checklist.states.get("service-jupyter") == "cut short", what="!"
            )
            assert checklist.states["warehouse"] == "recorded"
            summary = text_of(app.screen.query_one("#summary", Static))
            assert "cut short at service-jupyter" in summary
            assert f"{checklist.count('recorded')}/{len(checklist.states)}" in summary

    asyncio.run(scenario())


def test_deploy_shows_every_step_an_earlier_run_saw_done(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    """After a whole deploy, Deploy's checklist and summary count every step: the ones it
    ran, the ones it found in place and the waits it passed (the quit dialog's count and
    the next start's agree)."""
    from spcs_wizard.engine.job import JobProgress

    _, context = deployed_wizard
    state = context.session.state()
    state.executed.pop("grant-warehouse")  # as if an administrator's grant was found
    state.seen["grant-warehouse"] = 0.0
    state.save()

    async def scenario() -> None:
        app = WizardApp(context)
        async with app.run_test(size=(120, 40)) as pilot:
            await visit(pilot, app, "deploy")
            await until(pilot, lambda: bool(app.screen.query("#summary")), what="composed")
            summary = app.screen.query_one("#summary", Static)
            checklist = app.screen.query_one(Checklist)
            await until(pilot, lambda: "earlier run" in text_of(summary), what="the record")
            total = len(checklist.states)
            assert f"Deployed by an earlier run ({total}/{total} steps done" in text_of(summary)
            assert set(checklist.states.values()) == {"recorded"}
            results = {step: result for step, (_, result) in checklist._said.items()}
            assert results["grant-warehouse"] == "found in place earlier"
            assert results["wait-pool-milvus"] == "ready earlier"
            assert results["warehouse"] == "done earlier"
            log = app.screen.query_one("#log", RichLog)
            await until(pilot, lambda: bool(log.lines), what="the log's word")
            said = " ".join(strip.text.strip() for strip in log.lines)
            assert "Nothing has run since the wizard started" in said
            # Build & push ran in this wizard (its steps are in the record): said so, not
            # "nothing has run".
            built = JobProgress.of("Build & push", ["image-milvus"], subject=context.job_subject)
            built.finish(True, "images in place")
            app.jobs[built.title] = built
            await visit_composed(pilot, app, "review")
            await visit_composed(pilot, app, "deploy")
            log = app.screen.query_one("#log", RichLog)
            await until(pilot, lambda: bool(log.lines), what="the log's word again")
            said = " ".join(strip.text.strip() for strip in log.lines)
            assert said.startswith(
                "Deploy has not run since the wizard started (Build & push has: the steps it "
                "ran read 'done earlier')"
            ), said
            await pilot.pause()

    asyncio.run(scenario())


def test_the_place_cannot_change_while_a_job_runs_there(home: Path) -> None:
    from textual.widgets import RadioSet

    from spcs_wizard.engine.job import JobProgress

    async def scenario() -> None:
        app = WizardApp(WizardContext())
        async with app.run_test(size=(120, 40)) as pilot:
            release = threading.Event()
            job = JobProgress.of("Deploy", ["a"])
            app.run_job(job, lambda feed: (release.wait(30), (True, ""))[1])
            app.go("welcome")  # the job started on another screen; Welcome opens now
            await until(pilot, lambda: bool(app.screen.query("#mode-lock")), what="welcome")
            assert app.screen.query_one("#mode", RadioSet).disabled
            assert "Deploy is running here" in text_of(app.screen.query_one("#mode-lock", Static))
            await pilot.click("#account")
            assert app.wizard.mode == "rehearsal"
            release.set()
            await until(pilot, lambda: job.finished, what="ended")
            assert not app.screen.query_one("#mode", RadioSet).disabled
            await pilot.click("#account")
            await until(pilot, lambda: app.wizard.mode == "account", what="switched")

    asyncio.run(scenario())


def test_container_start_times_read_in_either_form_snowflake_gives() -> None:
    import datetime as dt

    from spcs_wizard.engine.snapshot import _time_text, parse_time

    utc = dt.datetime(2025, 11, 24, 15, 58, tzinfo=dt.UTC)
    assert parse_time("2025-11-24 15:58:00.000 +0000") == utc.timestamp()  # SHOW's text
    assert parse_time(_time_text(utc.astimezone(dt.timezone(dt.timedelta(hours=-8))))) == (
        utc.timestamp()  # a TIMESTAMP_LTZ the connector made a datetime of
    )
    assert parse_time("2025-11-24T15:58:00Z") == utc.timestamp()
    assert parse_time("not a time") is None
    assert parse_time(None) is None
    snap = Snapshot("D", utc.timestamp() + 30, [], [], account_clock=utc.timestamp() + 150)
    assert snap.age("2025-11-24 15:58:00.000 +0000") == 150  # on the account's clock
    fast = Snapshot("D", 0, [], [], account_clock=utc.timestamp() + 150, account_speed=30)
    assert fast.age("2025-11-24 15:58:00.000 +0000") == 5  # in this machine's seconds
    assert Snapshot("D", utc.timestamp() + 30, [], []).age("2025-11-24T15:58:00Z") == 30


def test_a_live_answer_never_moves_the_cursor_off_the_row_being_picked(home: Path) -> None:
    """Rows are updated in place as each live look answers: the cursor stays where the
    person put it, so Enter picks the deployment they chose."""
    from spcs_wizard.engine.known_deployments import KnownDeployment, LiveStatus

    rows = [
        KnownDeployment(with_settings(Deployment(), {"prefix": p}, "t"), "prod", 0.0, "deploy")
        for p in ("A_", "B_", "C_")
    ]

    async def scenario() -> None:
        app = WizardApp(WizardContext())
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, WelcomeScreen), what="welcome")
            app._looking = True  # no look of its own: the answers are given here
            app._known_read(rows)
            table = app.screen.query_one("#known", DataTable)
            await until(pilot, lambda: table.row_count == 3, what="listed")
            table.move_cursor(row=2)
            app._live_seen(rows[0].key, LiveStatus("running", 0.22))
            app._live_seen(rows[1].key, LiveStatus("suspended", 0.0))
            await pilot.pause()
            assert table.cursor_row == 2
            assert "running | 0.22" in table_text(table)
            app._known_read(list(reversed(rows)))  # read again, another order: same row
            await until(pilot, lambda: table.get_row_at(0)[0] == "C_MILVUS_DEMO", what="again")
            assert table.cursor_row == 0  # C_, still the one chosen

    asyncio.run(scenario())


def test_build_shows_images_pushed_by_the_record_unless_torn_down(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    """A restarted wizard's Build & push says the images are pushed (the record has
    them); after a teardown they went with the database, and it says nothing of them."""
    from spcs_wizard.tui.screens.build import BuildScreen

    rehearsal, context = deployed_wizard

    async def build_screen() -> tuple[bool, str]:
        app = WizardApp(context, start="build")
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, BuildScreen), what="build")
            await app.workers.wait_for_complete()
            await pilot.pause()
            return (
                app.screen.query_one("#next").disabled,  # type: ignore[attr-defined]
                text_of(app.screen.query_one("#phase-milvus", Static)),
            )

    disabled, phase = asyncio.run(build_screen())
    assert (disabled, phase.split(" (")[0]) == (False, "pushed")
    rehearsal.start()  # the wizard stopped it as it closed
    runner = context.session.connect()
    try:
        assert context.session.teardown(runner).failed is None
    finally:
        runner.con.close()
    disabled, phase = asyncio.run(build_screen())
    assert (disabled, phase) == (True, "waiting")

"""The wizard beyond the happy rehearsal: a real-account connection created from the
form (against the emulator, with an encrypted file keyring), a wrong password, resuming
where the deployment is, a failed deploy step retried, the command palette and help."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from keyrings.cryptfile.cryptfile import CryptFileKeyring
from textual.pilot import Pilot
from textual.widgets import Button, Collapsible, DataTable, Input, Label, Select, Static

from spcs_wizard.credentials import keychain
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.engine.rehearsal import Rehearsal
from spcs_wizard.tui.app import WizardApp
from spcs_wizard.tui.context import WizardContext
from spcs_wizard.tui.screens.console import ConsoleScreen
from spcs_wizard.tui.screens.help import HelpScreen
from spcs_wizard.tui.widgets.checklist import Checklist
from tests.conftest import ADMIN_PASSWORD
from tests.emulator_harness import refuse
from tests.test_emulator_registry import podman, registry_emulator  # noqa: F401 - fixtures
from tests.wizard_harness import (
    job_strip,
    listed,
    notes,
    notices_kept,
    palette_go,
    search_palette,
    shown_line,
    text_of,
    until,
    until_deployed,
    until_said,
    visit,
    visit_composed,
)


def dialog_up(app: WizardApp) -> bool:
    """A confirmation dialog is pushed and composed (its question and buttons are there:
    a test that asked right after the push once found none)."""
    from spcs_wizard.tui.screens.dialog import ConfirmDialog

    return isinstance(app.screen, ConfirmDialog) and bool(app.screen.query("#question"))


@pytest.fixture
def account_world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, CryptFileKeyring]]:
    """Snowflake CLI's files and the OS keyring (an encrypted file) in a temp directory."""
    monkeypatch.setenv("SNOWFLAKE_HOME", str(tmp_path / "snowflake"))
    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "state"))
    backend = CryptFileKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")  # type: ignore[misc]
    backend.keyring_key = "unlock-the-test-keyring"
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield tmp_path / "snowflake", backend
    keyring.set_keyring(previous)


def save_connection_to(emulator: Emulator) -> None:
    """Connection ``emu`` to the emulator as ADMIN, its password in the keyring."""
    from spcs_wizard.credentials.login import LoginRequest, save

    account = emulator.settings.account_identifier
    request = LoginRequest(
        "emu", account, "ADMIN", host=emulator.host, port=emulator.port, protocol="http"
    )
    save(request, ADMIN_PASSWORD)


def fill_new_connection(app: WizardApp, emulator: Emulator, password: str) -> None:
    screen = app.screen
    screen.query_one("#new", Collapsible).collapsed = False
    values = {
        "#new-name": "rehearsal-acct",
        "#new-account": emulator.settings.account_identifier,
        "#new-user": "ADMIN",
        "#new-secret": password,
        "#new-host": emulator.host,  # the form's optional address: the emulator's
        "#new-port": str(emulator.port),
    }
    for selector, value in values.items():
        screen.query_one(selector, Input).value = value


def test_a_connection_made_in_the_wizard_is_tried_kept_in_the_keyring_and_used(
    emulator: Emulator, account_world: tuple[Path, CryptFileKeyring]
) -> None:
    home, backend = account_world

    async def scenario() -> None:
        wizard = WizardContext(mode="account")
        app = WizardApp(wizard, start="connection")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.app.workers.wait_for_complete()
            fill_new_connection(app, emulator, "wrong-password-1")
            app.screen.query_one("#create", Button).press()
            who = app.screen.query_one("#who", Static)
            await until(pilot, lambda: "✗" in text_of(who), what="the refusal")
            assert "password" in text_of(who).lower()
            assert not (home / "connections.toml").exists()  # a failed try saves nothing
            assert keychain.load(keychain.connection_key("rehearsal-acct", "password")) is None

            app.screen.query_one("#new-secret", Input).value = ADMIN_PASSWORD
            app.screen.query_one("#create", Button).press()
            await until(pilot, lambda: wizard.ready, what="connected")
            saved = (home / "connections.toml").read_text()
            assert "rehearsal-acct" in saved
            assert ADMIN_PASSWORD not in saved
            assert ADMIN_PASSWORD.encode() not in Path(backend.file_path).read_bytes()
            key = keychain.connection_key("rehearsal-acct", "password")
            assert keychain.load(key) == ADMIN_PASSWORD
            assert app.screen.query_one("#new-secret", Input).value == ""  # not left on screen
            assert "Snowpark Container Services" in text_of(app.screen.query_one("#preflight"))
            assert wizard.deployment.account == emulator.settings.account_identifier
            select = app.screen.query_one("#connections", Select)
            await until(pilot, lambda: select.value == "rehearsal-acct", what="listed")

    asyncio.run(scenario())


def test_the_wizard_resumes_at_the_monitor_for_a_finished_deployment(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    _, context = deployed_wizard
    context.connected_as = None

    async def scenario() -> None:
        app = WizardApp(context, start="connection")
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: context.ready, what="connected")
            await pilot.press("ctrl+n")
            assert app.step == "monitor"
            said = await until_said(pilot, app, "(local record): here is its Monitor")
            assert said.startswith("MILVUS_DEMO is deployed (local record)")
            assert "Naming, Review and Build are a ctrl+p away" in said

    asyncio.run(scenario())


def test_deploy_after_a_teardown_says_only_the_account_wide_prerequisites_remain(
    deployed_wizard,  # type: ignore[no-untyped-def]
) -> None:
    """A teardown keeps the account-wide objects (for other deployments) and forgets the
    rest, the images with their repository: Deploy says so, not "Earlier runs: 6/35"."""
    from spcs_wizard.tui.screens.deploy import DeployScreen

    _, context = deployed_wizard
    runner = context.session.connect()
    try:
        assert context.session.teardown(runner).ok
    finally:
        runner.con.close()
    shared = context.session.record().shared
    assert context.session.record().executed == shared
    assert len(shared) == 3

    async def scenario() -> None:
        app = WizardApp(context, start="deploy")
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DeployScreen), what="deploy")
            summary = app.screen.query_one("#summary", Static)
            await until(pilot, lambda: "account-wide" in text_of(summary), what="record")
            steps = len(context.session.plan().steps)
            assert text_of(summary) == (
                f"Only the account-wide prerequisites are in place (3 of {steps} steps: "
                "kept by a teardown for other deployments). Deploy makes the rest."
            )
            assert str(app.screen.query_one("#start", Button).label) == "Deploy"

    asyncio.run(scenario())


@pytest.fixture
def refusing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], WizardContext]]:
    """Makes a started rehearsal (nothing deployed) whose account refuses the first
    statement matching the one given, for want of a privilege, and a connected wizard for
    it; the rehearsal stops after the test."""
    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))
    started: list[Rehearsal] = []

    def make(statement: str) -> WizardContext:
        rehearsal = Rehearsal(tmp_path / "rehearsal", speed=600, registry=False)
        rehearsal.start()
        started.append(rehearsal)
        refuse(rehearsal.started, statement)
        return WizardContext(rehearsal=rehearsal, connected_as="ADMIN")

    yield make
    for rehearsal in started:
        rehearsal.stop()


def test_a_failed_step_shows_why_and_retry_resumes(
    refusing: Callable[[str], WizardContext],
) -> None:
    context = refusing("CREATE WAREHOUSE")

    async def scenario() -> None:
        app = WizardApp(context, start="deploy")
        async with app.run_test(size=(120, 40)) as pilot:
            start = app.screen.query_one("#start", Button)
            await pilot.click("#start")
            await until(pilot, lambda: "Retry" in str(start.label), what="the failure")
            checklist = app.screen.query_one(Checklist)
            assert checklist.states["warehouse"] == "failed"
            assert checklist.states["database"] == "todo"  # nothing after it ran
            assert app.screen.query_one("#next", Button).disabled
            await pilot.click("#start")  # the fault fired once: the retry goes through
            await until_deployed(pilot, app)
            assert checklist.states["role"] == "skipped"  # done by the first run
            assert checklist.states["warehouse"] == "done"

    asyncio.run(scenario())


def test_a_deploy_failing_after_the_pools_offers_to_suspend_them(
    refusing: Callable[[str], WizardContext],
) -> None:
    """The pools were made, then a service failed to be created: the pools would stay up,
    billed, until the retry. The wizard says so and offers to suspend them (focus on
    Cancel); Yes suspends them (Retry waits for that: pressed meanwhile, its resume raced
    the suspend), and Retry resumes them and finishes."""
    import threading

    from spcs_wizard.tui.screens.dialog import ConfirmDialog

    context = refusing("CREATE SERVICE")

    class HeldSuspend:
        """The emulator holds the first SUSPEND until the test lets it go."""

        def __init__(self) -> None:
            self.reached = threading.Event()
            self.release = threading.Event()

        def before(self, sql: str) -> None:
            said = sql.upper().split()  # ALTER ... SUSPEND (not AUTO_SUSPEND_SECS)
            if said[:1] == ["ALTER"] and said[-1:] == ["SUSPEND"] and not self.reached.is_set():
                self.reached.set()
                self.release.wait(timeout=60)

        def after(self, sql: str) -> bool:
            return False

    held = HeldSuspend()
    assert context.rehearsal is not None
    context.rehearsal.started.faults.drill = held

    def pool_states() -> set[str]:
        runner = context.session.connect()
        try:
            return {p.state for p in context.session.snapshot(runner).pools}
        finally:
            runner.con.close()

    async def scenario() -> None:
        app = WizardApp(context, start="deploy")
        async with app.run_test(size=(120, 40)) as pilot:
            start = app.screen.query_one("#start", Button)
            await pilot.click("#start")
            await until(
                pilot,
                lambda: isinstance(app.screen, ConfirmDialog) and bool(app.screen.query("#no")),
                what="the offer",
            )
            question = text_of(app.screen.query_one("#question", Static))
            assert "MILVUS_COMPUTE_POOL and JUPYTER_COMPUTE_POOL are up" in question
            assert "credits an hour" in question
            await until(pilot, lambda: app.focused is not None, what="focus")
            assert app.focused.id == "no"  # type: ignore[union-attr]
            assert "Retry" in str(start.label)
            assert pool_states() <= {"IDLE", "ACTIVE"}  # up while nothing runs on them
            await pilot.click("#yes")
            await until(pilot, lambda: not isinstance(app.screen, ConfirmDialog), what="closed")
            await until(pilot, held.reached.is_set, what="the suspend under way")
            assert start.disabled  # no Retry while it runs
            held.release.set()
            await until(pilot, lambda: pool_states() == {"SUSPENDED"}, what="suspended")
            await until(pilot, lambda: not start.disabled, what="Retry again")
            await until(pilot, lambda: not start.has_class("-active"), what="released")
            await pilot.click("#start")  # the retry resumes them and goes on
            await until_deployed(pilot, app)
            assert app.job is not None  # and says so as it ends
            assert "; resumed MILVUS_COMPUTE_POOL, JUPYTER_COMPUTE_POOL)" in app.job.message
            assert not isinstance(app.screen, ConfirmDialog)  # a success offers nothing
            assert pool_states() <= {"IDLE", "ACTIVE"}

    asyncio.run(scenario())


def test_the_monitor_watches_a_deploy_live_and_looks_again_as_its_steps_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Next during a deploy opens the Monitor with the deploy still running: its top line
    says the deploy is under way (not "Deploy finishes it"), and it looks again as steps
    end, as its waits look, and when the deploy ends, not a whole interval later (an hour
    here)."""
    from spcs_wizard.engine.rehearsal import Rehearsal
    from spcs_wizard.tui.screens.monitor import MonitorScreen

    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))
    rehearsal = Rehearsal(tmp_path / "rehearsal", speed=30, registry=False)
    rehearsal.start()
    # Milvus' pool held STARTING: the deploy waits with pools and no services ("partly
    # deployed") until the Monitor has been seen to say so; then it goes on.
    rehearsal.started.stick_pool("MILVUS_COMPUTE_POOL")
    context = WizardContext(rehearsal=rehearsal, connected_as="ADMIN", refresh_seconds=3600)

    async def scenario() -> None:
        app = WizardApp(context, start="deploy")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.click("#start")
            await until(pilot, lambda: app.job is not None, what="the deploy")
            await pilot.press("ctrl+n")
            await until(pilot, lambda: isinstance(app.screen, MonitorScreen), what="monitor")
            top = app.screen.query_one("#freshness", Static)
            seen: list[tuple[str, bool]] = []  # the top line, and whether the deploy ran

            def said(text: str) -> bool:
                seen.append((text_of(top), app.job is not None and app.job.running))
                return seen[-1][0].startswith(text)

            await until(pilot, lambda: said("deploying: partly made"), what="under way")
            assert app.job is not None
            assert app.job.running
            # It looks again at each of the wait's looks, not only as steps end: the
            # pool's wait goes on (no step ends) and the Monitor's look moves with it.
            first = app.screen.history.last.taken_at  # type: ignore[attr-defined]
            waits = len(app.job.log)
            await until(
                pilot,
                lambda: (
                    app.screen.history.last.taken_at > first  # type: ignore[attr-defined]
                    and len(app.job.log) > waits
                ),  # type: ignore[union-attr]
                what="looked again during the wait",
            )
            assert app.job.current == "wait-pool-milvus"
            rehearsal.started.release_pool("MILVUS_COMPUTE_POOL")
            await until(pilot, lambda: said("") and app.job.finished, what="done")  # type: ignore[union-attr]
            assert app.job.ok
            await until(pilot, lambda: said("healthy"), what="healthy, at once")
            assert not any("Deploy finishes it" in line for line, _ in seen), seen
            # Not "healthy" while the deploy still waits (for the public URLs, say).
            assert not any(line.startswith("healthy") for line, running in seen if running)
            assert any(line.startswith("deploying: running so far · 0.22 credits/h now")
                       for line, running in seen if running), seen  # fmt: skip
            await pilot.pause()

    try:
        asyncio.run(scenario())
    finally:
        rehearsal.stop()


def test_a_deploy_is_the_wizards_job_back_and_next_keep_it_and_quit_asks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deploy outlives its screen: while it waits on a service that never starts, going
    Back and coming again leave it running, every screen shows its one-line status,
    Deploy comes back with the checklist as it is and no second deploy to start; ctrl+q
    asks (focus on Cancel, Escape stays), "Stop after this step" ends it and closes the
    wizard, and the next start resumes it."""
    from spcs_wizard.engine.rehearsal import Rehearsal
    from spcs_wizard.tui.jobs import QuitDialog
    from spcs_wizard.tui.screens.build import BuildScreen
    from spcs_wizard.tui.screens.deploy import DeployScreen
    from spcs_wizard.tui.screens.monitor import MonitorScreen

    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))
    rehearsal = Rehearsal(tmp_path / "rehearsal", speed=600, registry=False)
    rehearsal.start()
    rehearsal.started.faults.stuck_services.add("MILVUS_DEMO.PUBLIC.MILVUS")
    context = WizardContext(rehearsal=rehearsal, connected_as="ADMIN")

    def checklist_shown(app: WizardApp) -> bool:
        found = app.screen.query(Checklist) if isinstance(app.screen, DeployScreen) else ()
        return bool(found) and bool(found.first().states)  # type: ignore[union-attr]

    async def scenario() -> None:
        app = WizardApp(context, start="deploy")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.click("#start")
            await until(pilot, lambda: app.job is not None and app.job.waiting != ""
                        and app.job.current == "wait-service-milvus", what="the wait")  # fmt: skip
            assert job_strip(app).startswith("Deploy ")
            nav = text_of(app.screen.query_one("#nav-status", Static))
            assert nav == "deploying: Next watches it live"  # not "deploy first"
            assert not app.screen.query_one("#next", Button).disabled
            await pilot.press("ctrl+b")
            await until(pilot, lambda: isinstance(app.screen, BuildScreen), what="back")
            await until(pilot, lambda: "wait-service-milvus" in job_strip(app), what="the strip")
            assert app.job is not None
            assert app.job.running
            # The deploy pushed the images already: Build & push says so, and lets Next on.
            next_button = app.screen.query_one("#next", Button)
            await until(pilot, lambda: not next_button.disabled, what="images recorded")
            phase = text_of(app.screen.query_one("#phase-milvus", Static))
            assert phase.startswith("pushed (local record")
            app.go("deploy")  # what the palette's "Go to: Deploy" does
            await until(pilot, lambda: checklist_shown(app), what="again")
            checklist = app.screen.query_one(Checklist)
            assert checklist.states["role"] in ("done", "skipped")
            assert checklist.states["service-milvus"] in ("done", "skipped")
            assert checklist.states["wait-service-milvus"] in ("running", "waiting")
            assert app.screen.query_one("#start", Button).disabled  # no second deploy
            nav = text_of(app.screen.query_one("#nav-status", Static))
            assert nav == "deploying: Next watches it live"  # shown again, still running
            # Next goes to the Monitor and leaves the deploy running, as Back does.
            await pilot.press("ctrl+n")
            await until(pilot, lambda: isinstance(app.screen, MonitorScreen), what="monitor")
            assert "wait-service-milvus" in job_strip(app)
            assert app.job.running
            app.go("deploy")
            await until(pilot, lambda: checklist_shown(app), what="deploy again")
            await pilot.press("ctrl+q")
            await until(pilot, lambda: isinstance(app.screen, QuitDialog), what="asked")
            assert getattr(app.focused, "id", None) == "no"
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, DeployScreen), what="stayed")
            assert app.is_running
            assert app.job.running
            await pilot.press("ctrl+q")
            await until(pilot, lambda: isinstance(app.screen, QuitDialog), what="asked again")
            await pilot.click("#stop")
            await until(pilot, lambda: not app.is_running, timeout=60, what="closed")
        job = app.job
        assert job is not None
        assert job.finished
        assert not job.ok
        assert job.stop_requested
        assert "stopped" in job.summary()

    try:
        asyncio.run(scenario())
        state = context.session.state()  # what the next start resumes from
        assert "service-milvus" in state.executed
        assert "wait-service-milvus" not in state.executed
    finally:
        rehearsal.stop()


def asked(app: WizardApp) -> bool:
    """The quit question is open and composed (its line of the job is there to read)."""
    from spcs_wizard.tui.jobs import QuitDialog

    return isinstance(app.screen, QuitDialog) and bool(app.screen.query("#quit-job"))


def test_a_deploy_that_ends_under_the_quit_question_is_shown_ended_when_it_closes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+q while a deploy runs, and the deploy finishes while the question is open:
    Escape shows the Deploy screen as the job is now (every step ticked, the strip
    "finished"), not as it was when the question opened (found by the new-user helper)."""
    from spcs_wizard.tui.jobs import QuitDialog
    from spcs_wizard.tui.screens.deploy import DeployScreen

    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))
    # slow enough that the question opens before the pools are up
    rehearsal = Rehearsal(tmp_path / "rehearsal", speed=30, registry=False)
    rehearsal.start()
    context = WizardContext(rehearsal=rehearsal, connected_as="ADMIN")

    async def scenario() -> None:
        app = WizardApp(context, start="deploy")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.click("#start")
            await until(pilot, lambda: app.job is not None and app.job.running, what="running")
            await pilot.press("ctrl+q")
            await until(pilot, lambda: asked(app), what="asked")
            job = app.job
            assert job is not None
            assert not job.finished  # it ends under the question
            line = app.screen.query_one("#quit-job", Static)
            assert text_of(line).startswith("Deploy ")
            await until(pilot, lambda: job.finished, timeout=120, what="the deploy ended")
            assert isinstance(app.screen, QuitDialog)  # all of it under the question
            # The question says it as it is now: ended, the line as the strip's.
            await until(pilot, lambda: "finished after" in text_of(line), what="said ended")
            dialog = app.screen
            assert text_of(dialog.query_one("#quit-title", Label)) == "Deploy has ended"
            assert "nothing runs now" in text_of(dialog.query_one("#question", Static))
            assert str(dialog.query_one("#stop", Button).label) == "Quit"  # no step to stop
            assert not dialog.query_one("#leave", Button).display  # nor a job to leave
            assert app.focused is dialog.query_one("#no", Button)  # still on Cancel
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, DeployScreen), what="stayed")
            assert job.ok, job.summary()
            states = app.screen.query_one(Checklist).states
            assert set(states.values()) <= {"done", "skipped"}, states
            strip = app.screen.query_one("#job-strip", Static)
            assert "finished" in text_of(strip)
            assert not app.screen.query_one("#next", Button).disabled

    try:
        asyncio.run(scenario())
    finally:
        rehearsal.stop()


def test_the_quit_question_follows_the_job_and_closes_the_wizard_once_it_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+q while a job runs: the question's line of the job moves with it (a step
    done, its clock), and a job that ends while it is open is said ended, its choice
    then Quit. That closes the wizard: "Stop after this step, then quit" used to wait for
    the job's end, which had already come, and the wizard stayed open saying it would
    close."""
    from spcs_wizard.engine.events import StepDone, StepStarted
    from spcs_wizard.engine.job import JobProgress
    from spcs_wizard.tui.jobs import QuitDialog

    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))  # nothing known here

    async def scenario() -> None:
        context = WizardContext()
        app = WizardApp(context)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: bool(app.screen.query("#job-strip")), what="composed")
            job = JobProgress.of("Deploy", ["role", "user"], subject=context.job_subject)
            job.record("event", StepStarted("role", "Create the role"))
            app.job = job  # (the job's feed: the entries below, as a deploy's thread sends)
            await pilot.press("ctrl+q")
            await until(pilot, lambda: asked(app), what="asked")
            line = app.screen.query_one("#quit-job", Static)
            assert text_of(line).startswith("Deploy 0/2 · role ")
            app._job_entry(job, "event", StepDone("role", 1, 0.1))
            app._job_entry(job, "event", StepStarted("user", "Create the user"))
            await until(pilot, lambda: text_of(line).startswith("Deploy 1/2 · user "), what="on")
            app._job_entry(job, "event", StepDone("user", 1, 0.1))
            app._job_entry(job, "finished", (True, "done"))
            await until(pilot, lambda: "finished after" in text_of(line), what="ended")
            assert isinstance(app.screen, QuitDialog)
            assert str(app.screen.query_one("#stop", Button).label) == "Quit"
            await pilot.click("#stop")
            await until(pilot, lambda: not app.is_running, what="closed")

    asyncio.run(scenario())


def test_the_job_strip_cuts_a_long_wait_with_an_ellipsis(tmp_path: Path) -> None:
    """At 80 columns the one line every screen shows of a job ends in "…" when a step's
    wait says more than fits, not mid-word with nothing to say it was cut."""
    from spcs_wizard.engine.events import StepStarted, StepWaiting
    from spcs_wizard.engine.job import JobProgress

    async def scenario() -> None:
        context = WizardContext()
        app = WizardApp(context)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: bool(app.screen.query("#job-strip")), what="composed")
            step = "wait-endpoints-jupyter"
            job = JobProgress.of("Deploy", [step], subject=context.job_subject)
            job.record("event", StepStarted(step, "Wait for the notebook's endpoints"))
            detail = "PENDING: waiting for the compute pool's nodes to start the containers"
            job.record("event", StepWaiting(step, detail, 3))
            job.stop_requested = True  # its words come last
            app.job = job
            app._show_job()
            strip = app.screen.query_one("#job-strip", Static)
            await until(pilot, lambda: strip.display and strip.size.width > 0, what="shown")
            assert len(job.summary()) > strip.size.width  # more than fits
            await pilot.pause()  # drawn
            line = shown_line(strip)
            assert line.startswith(f"Deploy 0/1 · {step}")
            assert line.endswith("…"), line
            await pilot.pause()

    asyncio.run(scenario())


def test_the_deploy_log_wraps_to_its_width_and_again_when_it_changes(tmp_path: Path) -> None:
    """At 80 columns a long log line wraps within the log (Textual's RichLog rendered
    at 78 cells at least, 2 more than the log has there); narrowed, the lines already
    written wrap again instead of being cut."""
    from spcs_wizard.tui.screens.deploy import DeployScreen
    from spcs_wizard.tui.widgets.event_log import EventLog

    words = [f"word{i}" for i in range(40)]

    async def scenario() -> None:
        app = WizardApp(WizardContext(connected_as="ADMIN"), start="deploy")
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DeployScreen), what="deploy")
            await until(pilot, lambda: bool(app.screen.query(EventLog)), what="composed")
            log = app.screen.query_one(EventLog)
            log.line(" ".join(words))

            def wrapped() -> bool:
                room = log.scrollable_content_region.width
                shown = " ".join(strip.text for strip in log.lines).split()
                return (
                    log.virtual_size.width <= room
                    and all(strip.cell_length <= room for strip in log.lines)
                    and shown == ["|", *words]
                )

            await until(pilot, lambda: len(log.lines) > 1 and wrapped(), what="wrapped")
            lines_at_80 = len(log.lines)
            await pilot.resize_terminal(60, 24)
            await until(pilot, lambda: len(log.lines) > lines_at_80, what="wrapped again")
            assert wrapped()
            await pilot.pause()

    asyncio.run(scenario())


def test_welcomes_choices_say_which_is_chosen_without_colour(tmp_path: Path) -> None:
    """● the chosen place, ○ the other (Textual's radio buttons differ by colour alone),
    swapped as the choice changes."""
    from textual.widgets import RadioSet

    async def scenario() -> None:
        app = WizardApp(WizardContext())
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: bool(app.screen.query("#mode")), what="welcome")

            def marks() -> list[str]:
                return [
                    str(app.screen.query_one(f"#{place}").render()).split()[0]
                    for place in ("rehearsal", "account")
                ]

            assert marks() == ["▐●▌", "▐○▌"]
            app.screen.query_one("#mode", RadioSet).focus()
            await pilot.press("down", "enter")
            await until(pilot, lambda: app.wizard.mode == "account", what="account chosen")
            assert marks() == ["▐○▌", "▐●▌"]

    asyncio.run(scenario())


def test_welcome_names_the_connection_the_wizard_started_on_and_where_it_was_given(
    tmp_path: Path,
) -> None:
    """Started on a connection (`-c`, or $SPCS_WIZARD_CONNECTION without one), Welcome's
    account choice is chosen and says which connection and where it came from: a variable
    left set in a shell no longer turns the rehearsal into an account unexplained."""

    async def label(context: WizardContext) -> str:
        app = WizardApp(context)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: bool(app.screen.query("#account")), what="welcome")
            return str(app.screen.query_one("#account").render())

    given = WizardContext(
        mode="account",
        connection_name="nosuch",
        started_on=("nosuch", "$SPCS_WIZARD_CONNECTION"),
    )
    shown = asyncio.run(label(given))
    assert "▐●▌ A Snowflake account: connection nosuch ($SPCS_WIZARD_CONNECTION)" in shown
    given.connection_name = "mine"  # another chosen on Connection: its own, no source
    assert asyncio.run(label(given)).rstrip().endswith("A Snowflake account: connection mine")
    plain = asyncio.run(label(WizardContext()))
    assert "▐○▌ A Snowflake account (connections.toml, or a new connection)" in plain


def test_palette_help_theme_and_steps_that_need_a_connection(tmp_path: Path) -> None:
    async def scenario() -> None:
        app = WizardApp(WizardContext())
        said = notices_kept(app)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"Go to: Review")
            await until(pilot, lambda: listed(app).startswith("Go to: Review"), what="palette")
            await pilot.press("enter")
            await until(pilot, lambda: app.step == "review", what="review")
            await pilot.press("ctrl+p")
            await pilot.press(*"Go to: Monitor")
            await until(pilot, lambda: listed(app).startswith("Go to: Monitor"), what="palette")
            await pilot.press("enter")
            # Connection first (said), then Monitor, asked for, once the rehearsal is reached.
            await until(pilot, lambda: app.step == "monitor", what="on to the step asked")
            assert "Connect first (step 2); Monitor follows once connected." in said, said
            await pilot.press("f1")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)
            assert app.theme == "textual-dark"
            await pilot.press("ctrl+t")
            assert app.theme == "textual-light"
            # A theme picked in the palette is the one ctrl+t comes back to.
            app.theme = "nord"
            await pilot.press("ctrl+t")
            assert app.theme == "textual-light"
            await pilot.press("ctrl+t")
            assert app.theme == "nord"
            app.theme = "catppuccin-latte"  # a light one
            await pilot.press("ctrl+t", "ctrl+t")
            assert app.theme == "catppuccin-latte"
            await pilot.resize_terminal(200, 60)
            await pilot.resize_terminal(80, 24)
            assert app.step == "monitor"

    asyncio.run(scenario())


def test_a_rehearsal_build_says_its_images_are_recorded_not_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rehearsal mode notes the images as pushed without building or sending them; Build
    & push said "copied <digest> in 0.0 s" for each."""
    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))
    rehearsal = Rehearsal(tmp_path / "rehearsal", speed=600, registry=False)
    context = WizardContext(rehearsal=rehearsal, refresh_seconds=0.5)

    async def scenario() -> None:
        app = WizardApp(context)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("ctrl+n")
            await until(pilot, lambda: context.ready, what="the rehearsal connection")
            await visit(pilot, app, "build")
            await until(pilot, lambda: bool(app.screen.query("#start")), what="its Start")
            # It says it makes more than images: the plan's steps before them.
            steps = context.session.images_plan().steps
            first = sum(1 for s in steps if s.kind.value != "image")
            said = text_of(app.screen.query_one("#first-steps", Static))
            assert f"Before the images, what they need: {first} steps of the plan" in said
            await pilot.click("#start")
            await until(pilot, lambda: app.job is not None and app.job.finished, what="done")
            assert app.job is not None
            assert app.job.ok
            assert len(app.job.step_ids) == first + 3  # and the three images
            for image in ("milvus", "gateway", "jupyter"):
                phase = text_of(app.screen.query_one(f"#phase-{image}", Static))
                assert phase.startswith("recorded sha256:"), phase
                assert phase.endswith("(rehearsal: nothing sent)")  # whole at 120 columns

    try:
        asyncio.run(scenario())
    finally:
        rehearsal.stop()


def console_screen(app: WizardApp) -> tuple[ConsoleScreen, Static]:
    """The console, the wizard's screen now, and its status line under the answers."""
    screen = app.screen
    assert isinstance(screen, ConsoleScreen)
    return screen, screen.query_one("#answer-status", Static)


def test_the_console_screen_answers_the_seed_question(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    """Through Pilot: the deployed Milvus over its public endpoint (REST v2, the session
    token), the demo loaded with one key, the question asked, the history recalled, a
    filter built from a field, an operator and a value."""
    from spcs_wizard.console import demo

    _, context = deployed_wizard

    async def scenario() -> None:
        app = WizardApp(context, start="console")
        async with app.run_test(size=(120, 40)) as pilot:
            screen, status = console_screen(app)
            await until(pilot, lambda: "connected: REST v2" in text_of(status), what="open")
            # Asked before anything is loaded: how to load something, not "does not exist".
            screen.query_one("#question", Input).value = demo.QUESTION
            await pilot.press("enter")
            await until(pilot, lambda: "No collection yet" in text_of(status), what="said")
            assert "ctrl+d (Demo)" in text_of(status)
            screen.query_one("#question", Input).value = ""
            await pilot.press("ctrl+d")
            await until(pilot, lambda: "demo: 3 rows" in text_of(status), what="demo loaded")
            question = screen.query_one("#question", Input)
            assert app.focused is question  # the question has the focus from the start
            question.value = demo.QUESTION
            await pilot.press("enter")
            await until(pilot, lambda: "hits in" in text_of(status), what="the answer")
            answers = screen.query_one("#answers", DataTable)
            assert answers.get_row_at(0)[2].plain == demo.DOCS[1]
            # A rehearsal's Cortex has no model: the status says what its scores mean.
            assert app.wizard.mode == "rehearsal"
            assert "Cortex hashes words (no model)" in text_of(status)
            # Enter on a hit shows it whole (the table cuts long texts); Escape closes it.
            from spcs_wizard.tui.screens.hit_dialog import HitDialog

            answers.focus()
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, HitDialog), what="the hit")
            whole = text_of(app.screen.query_one("#hit-text", Static))
            assert " ".join(whole.split()) == demo.DOCS[1]
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen, what="closed")
            question.focus()
            question.value = ""
            await pilot.press("up")
            assert question.value == demo.QUESTION  # the history
            screen.query_one("#filter-value", Input).value = "1"
            await pilot.click("#filter-add")  # no field chosen: said, nothing added
            await until_said(pilot, app, "Choose a field and type a value.")
            assert screen.query_one("#filter", Input).value == ""
            screen.query_one("#filter-field", Select).value = "id"
            screen.query_one("#filter-op", Select).value = ">"
            add = screen.query_one("#filter-add", Button)
            await until(pilot, lambda: not add.has_class("-active"), what="released")
            assert answers.row_count == 3
            await pilot.click("#filter-add")
            assert screen.query_one("#filter", Input).value == "id > 1"
            # The hits shown follow the filter added (asked again), not the ones before it.
            await until(pilot, lambda: answers.row_count == 2, what="filtered answer")
            screen.query_one("#filter", Input).value = "id > 2"  # typed: Enter asks again
            screen.query_one("#filter", Input).focus()
            await pilot.press("enter")
            await until(pilot, lambda: answers.row_count == 1, what="filtered again")

    asyncio.run(scenario())


def test_the_console_waits_for_the_rehearsals_milvus_started_again(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    """The wizard started again on a rehearsal deployment: the emulator starts its
    Milvus again with it (seconds, in real time), and the console, opened at once, waits
    for it and connects, where it said "still starting" before."""

    rehearsal, context = deployed_wizard
    rehearsal.stop()
    rehearsal.start()  # as a new wizard does: Milvus Lite starts again, not serving yet
    assert not rehearsal.until_serving(0)

    async def scenario() -> None:
        app = WizardApp(context, start="console")
        async with app.run_test(size=(120, 40)) as pilot:
            _, status = console_screen(app)
            said: list[str] = []

            def connected() -> bool:
                said.append(text_of(status))
                return "connected: REST v2" in said[-1]

            await until(pilot, connected, what="open")
            assert not any("still starting" in s or "✗" in s for s in said), said
            assert any("waiting for the rehearsal's Milvus to start" in s for s in said)

    asyncio.run(scenario())


def test_the_hits_fit_the_width_and_keep_their_fields_in_view() -> None:
    """A long text is cut with "…" so the fields column stays on screen, at any width
    and as the terminal is resized; the cells keep the whole text (Enter shows it)."""
    from textual.app import App, ComposeResult

    from spcs_wizard.console.transport import Hit
    from spcs_wizard.tui.widgets.hits_table import HitsTable

    long_text = "Milvus answers questions about vectors " * 8
    fields = '{"n": 7, "source": "a.jsonl"}'
    hits = [
        Hit(1, 0.91, {"text": long_text, "n": 7, "source": "a.jsonl"}),
        Hit(2, 0.5, {"text": "short"}),
    ]

    class Hits(App[None]):
        def compose(self) -> ComposeResult:
            yield HitsTable()

    def lines(table: HitsTable) -> list[str]:
        return ["".join(s.text for s in table.render_line(y)).rstrip() for y in range(3)]

    async def scenario() -> None:
        app = Hits()
        async with app.run_test(size=(80, 10)) as pilot:
            table = app.query_one(HitsTable)
            table.show(hits)
            for width in (80, 50, 120):
                await pilot.resize_terminal(width, 10)
                await pilot.pause()
                header, first, second = lines(table)
                assert header.split() == ["score", "id", "text", "fields"], width
                assert len(first) <= width
                assert "…" in first  # the text, cut
                if width >= 80:
                    assert first.endswith("…  " + fields), (width, first)  # whole, and last
                else:  # the fields take up to half of what the score and id leave
                    assert first.endswith("…"), (width, first)
                    assert '{"n": 7' in first, (width, first)
                assert second.split() == ["0.500", "2", "short"]
            assert table.get_row_at(0)[2].plain == " ".join(long_text.split())
            assert str(table.get_row_at(0)[3]) == fields

    asyncio.run(scenario())


def test_the_console_inserts_a_text_and_loads_a_file(deployed_wizard, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from spcs_wizard.tui.screens.console import LoadDialog

    _, context = deployed_wizard
    data = tmp_path / "notes.jsonl"
    data.write_text("".join(f'{{"text": "note {i} about milvus", "n": {i}}}\n' for i in range(40)))

    async def scenario() -> None:
        app = WizardApp(context, start="console")
        async with app.run_test(size=(120, 40)) as pilot:
            screen, status = console_screen(app)
            await until(pilot, lambda: "connected" in text_of(status), what="open")
            for kind, value in (("insert-text", "Milvus runs on SPCS."), ("load-path", str(data))):
                await pilot.press("ctrl+l")
                await until(pilot, lambda: isinstance(app.screen, LoadDialog), what="dialog")
                box = app.screen.query_one(f"#{kind}", Input)
                box.value = value
                if kind == "insert-text":
                    await pilot.click("#ok")
                else:  # Enter in a box does what the button does
                    box.focus()
                    await pilot.press("enter")
                await until(pilot, lambda: app.screen is screen, what="dialog closed")
            await until(pilot, lambda: "demo: 41 rows" in text_of(status), what="41 rows")
            # A loaded record's other fields come back with it: in the answers and whole.
            screen.query_one("#question", Input).value = "note 7 about milvus"
            await pilot.press("enter")
            answers = screen.query_one("#answers", DataTable)
            await until(pilot, lambda: answers.row_count > 0, what="answers")
            rows = [[str(c) for c in answers.get_row_at(i)] for i in range(answers.row_count)]
            loaded = [r for r in rows if str(r[2]).startswith("note ")]
            assert loaded, rows
            assert all(r[3] == f'{{"n": {str(r[2]).split()[1]}}}' for r in loaded), loaded
            assert all(r[3] == "" for r in rows if r not in loaded)  # the seed's: no fields
            assert "ctrl+r goes to the hits" in text_of(status)
            # A look at the collection begun before that answer and ending after it (its
            # worker waited for the connection) leaves the answer's status as it is.
            screen.show_fields("demo", 999, ["text", "n"])
            assert "ctrl+r goes to the hits" in text_of(status)
            await pilot.press("ctrl+r")  # from the question box to the hits
            assert app.focused is answers
            answers.move_cursor(row=rows.index(loaded[0]))
            await pilot.press("enter")
            await until(pilot, lambda: bool(app.screen.query("#hit-fields")), what="the hit")
            assert '"n":' in text_of(app.screen.query_one("#hit-fields", Static))
            assert "vector" not in text_of(app.screen.query_one("#hit-fields", Static))
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen, what="hit closed")
            # The same file into a collection of its own: named in the dialog (a name
            # Milvus would refuse is said there first), made, and the one asked next.
            await pilot.press("ctrl+l")
            await until(pilot, lambda: isinstance(app.screen, LoadDialog), what="dialog")
            into = app.screen.query_one("#load-collection", Input)
            assert into.value == "demo"  # the collection open
            into.value = "9 notes"
            app.screen.query_one("#load-path", Input).value = str(data)
            await pilot.click("#ok")
            await until_said(pilot, app, "'9 notes' cannot name a collection")
            assert isinstance(app.screen, LoadDialog)
            into.value = "notes"
            into.focus()  # (the warning's toast may cover the button)
            await pilot.press("enter")
            await until(pilot, lambda: app.screen is screen, what="dialog closed")
            await until(pilot, lambda: "notes: 40 rows" in text_of(status), what="40 rows")
            assert screen.collection == "notes"
            assert answers.row_count == 0  # demo's hits went with demo: not under "notes"
            # The filter builder offers the loaded records' own field (dynamic in Milvus:
            # describing the collection does not list it); a field not there is refused.
            field = screen.query_one("#filter-field", Select)
            field.value = "n"
            with pytest.raises(Exception, match="Illegal select value"):
                field.value = "year"
            # Away and back: the collection, the question, the filter, the builder and
            # the hits are as they were left.
            screen.query_one("#filter-op", Select).value = "like"
            screen.query_one("#filter-value", Input).value = "12"
            screen.query_one("#filter", Input).value = "n < 5"
            screen.query_one("#question", Input).value = "note 3 about milvus"
            screen.query_one("#question", Input).focus()
            await pilot.press("enter")
            await until(pilot, lambda: answers.row_count > 0, what="notes' answers")
            hits = [[str(c) for c in answers.get_row_at(i)] for i in range(answers.row_count)]
            said = text_of(status)
            assert said.startswith(("1 hit", "2 hits", "3 hits", "4 hits", "5 hits"))
            assert all(int(h[3].split()[-1].rstrip("}")) < 5 for h in hits), hits
            await visit(pilot, app, "monitor")
            await until(pilot, lambda: bool(app.screen.query("#pools")), what="monitor up")
            await pilot.pause()
            await visit(pilot, app, "console")
            await until(pilot, lambda: bool(app.screen.query("#answers")), what="console up")
            again = app.screen
            assert isinstance(again, ConsoleScreen)
            assert again is not screen
            shown = again.query_one("#answers", DataTable)
            await until(pilot, lambda: shown.row_count == len(hits), what="hits again")
            assert [[str(c) for c in shown.get_row_at(i)] for i in range(shown.row_count)] == hits
            assert again.query_one("#question", Input).value == "note 3 about milvus"
            assert again.query_one("#filter", Input).value == "n < 5"
            assert again.query_one("#filter-value", Input).value == "12"
            assert again.query_one("#filter-op", Select).value == "like"
            chosen = again.query_one("#filter-field", Select)
            await until(pilot, lambda: chosen.value == "n", what="the field, once the fields came")
            assert again.collection == "notes"
            await until(pilot, lambda: again.names is not None, what="collections read")
            await pilot.pause()
            assert text_of(again.query_one("#answer-status", Static)) == said

    asyncio.run(scenario())


@pytest.mark.long
def test_an_account_deploy_asks_for_the_secrets_and_keeps_them_in_the_keyring(
    registry_emulator: Emulator,  # noqa: F811
    podman,  # type: ignore[no-untyped-def]  # noqa: F811
    account_world: tuple[Path, CryptFileKeyring],
    tmp_path: Path,
) -> None:
    """A real-account deploy (the emulator with its registry, through a connection from
    connections.toml whose password is in the keyring): Build & push, the first step that
    needs the secrets, asks for them (it once failed there at once); the dialog refuses two
    different entries, keeps the secrets in the keyring; the images are built and pushed
    with an issued registry token; then Deploy runs without asking again."""
    from spcs_wizard.model.config_file import with_settings
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.tui.screens.secrets_dialog import SecretsDialog
    from tests.test_images import our_builder

    home, backend = account_world
    save_connection_to(registry_emulator)
    contexts = tmp_path / "images"
    for name in ("milvus", "milvus-gateway", "jupyter"):
        (contexts / name).mkdir(parents=True)
        (contexts / name / "Containerfile").write_text(
            f"FROM localhost/test-base:1\nLABEL s={name}\n"
        )
    podman.trust(registry_emulator.settings.registry_host)
    registry_emulator.clock.speed = 600.0
    d = with_settings(
        # every image built (copying: test_images_copy.py)
        Deployment(milvus={"source": ""}, gateway={"source": ""}),
        {"account": registry_emulator.settings.account_identifier},
        "t",
    )
    context = WizardContext(
        chosen=d,
        mode="account",
        connection_name="emu",
        connected_as="ADMIN",
        contexts=contexts,
        builder=our_builder(podman),
        image_mode="build",
    )
    typed = "Typed-Secret-9"
    screens: list[str] = []

    async def scenario() -> None:
        from spcs_wizard.tui.screens.build import BuildScreen
        from spcs_wizard.tui.screens.deploy import DeployScreen

        app = WizardApp(context, start="build")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.click("#start")  # a real account: what it costs comes first
            await until(pilot, lambda: dialog_up(app), what="cost")
            question = text_of(app.screen.query_one("#question", Static))
            assert "creates and starts the compute pools" in question.lower()
            assert "credits an hour" in question
            assert "Rehearsal" not in question
            await pilot.click("#yes")
            await until(pilot, lambda: isinstance(app.screen, SecretsDialog), what="dialog")
            dialog = app.screen
            keys = [slot.key for slot in dialog.slots]  # type: ignore[attr-defined]
            assert set(keys) == {"milvus_user_password", "jupyter_password"}
            for key in keys:  # too short for Snowflake's password policy
                dialog.query_one(f"#s-{key}", Input).value = "Short-pw-1"
                dialog.query_one(f"#c-{key}", Input).value = "Short-pw-1"
            await pilot.click("#ok")
            problem = text_of(dialog.query_one("#secret-problem", Static))
            assert "password of the Milvus user" in problem
            assert "it has 10 characters (Snowflake wants 14 to 256)" in problem
            assert isinstance(app.screen, SecretsDialog)
            ok = dialog.query_one("#ok", Button)
            await until(pilot, lambda: not ok.has_class("-active"), what="the button released")
            for key in keys:
                dialog.query_one(f"#s-{key}", Input).value = typed
                dialog.query_one(f"#c-{key}", Input).value = "something else"
            await pilot.click("#ok")
            assert "differ" in text_of(dialog.query_one("#secret-problem", Static))
            for key in keys:
                dialog.query_one(f"#c-{key}", Input).value = typed
            screens.append(app.export_screenshot())  # both typed: shown masked
            await until(pilot, lambda: not ok.has_class("-active"), what="the button released")
            await pilot.click("#ok")
            await until(pilot, lambda: isinstance(app.screen, BuildScreen), what="closed")
            next_button = app.screen.query_one("#next", Button)
            await until(pilot, lambda: not next_button.disabled, timeout=300, what="pushed")
            assert "pushed" in text_of(app.screen.query_one("#phase-jupyter", Static))
            await pilot.click("#next")
            await until(pilot, lambda: isinstance(app.screen, DeployScreen), what="deploy")
            await pilot.click("#start")
            await until(pilot, lambda: dialog_up(app), what="cost")
            await pilot.click("#yes")
            await until_deployed(pilot, app, timeout=300)
            assert app.job is not None  # on an account too, it says what the deploy made
            assert app.job.message.startswith("Deployed (")
            assert not isinstance(app.screen, SecretsDialog)  # known since Build
            screens.append(app.export_screenshot())
        for key in keys:
            stored = keychain.load(keychain.deployment_key(d.deployment_id, key))
            assert stored == typed
        assert typed.encode() not in Path(backend.file_path).read_bytes()
        assert len(screens) == 2
        assert not [screen for screen in screens if typed in screen]
        assert typed not in (home / "connections.toml").read_text()

    asyncio.run(scenario())


def test_without_docker_or_podman_build_offers_milvus_alone(
    registry_emulator: Emulator,  # noqa: F811
    account_world: tuple[Path, CryptFileKeyring],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The account path on a machine with skopeo but neither docker nor podman: Build &
    push says so as it opens and offers Milvus alone, focus on Cancel; Escape keeps the
    notebook and says what to do; Build and push asks again; Milvus alone drops the
    notebook's image, its cost and its secret, and Milvus' image (in the repository
    already: docker.io is out of reach here) completes the step."""
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.registry import repository_path
    from spcs_wizard.tui.screens.build import BuildScreen
    from spcs_wizard.tui.screens.secrets_dialog import SecretsDialog
    from spcs_wizard.tui.widgets.event_log import EventLog
    from tests.tools import require_tool

    skopeo = require_tool("skopeo", "skopeo")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "skopeo").symlink_to(skopeo)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no docker, no podman
    save_connection_to(registry_emulator)
    registry_emulator.clock.speed = 600.0
    d = Deployment(account=registry_emulator.settings.account_identifier, prefix="t")
    for image in (d.milvus, d.gateway):  # copied earlier (docker.io is out of reach here)
        digest = "sha256:" + "c" * 64
        registry_emulator.add_image(repository_path(d), image.image, image.tag, digest)
    context = WizardContext(chosen=d, mode="account", connection_name="emu")

    def logged(app: WizardApp) -> str:
        return "\n".join(line.text for line in app.screen.query_one(EventLog).lines)

    async def scenario() -> None:
        app = WizardApp(context, start="build")
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: dialog_up(app), what="the offer")
            assert app.screen.title_text == "Deploy Milvus alone?"  # type: ignore[attr-defined]
            question = text_of(app.screen.query_one("#question", Static))
            assert "Neither docker nor podman works on this machine" in question
            assert getattr(app.focused, "id", None) == "no"
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, BuildScreen), what="kept")
            assert context.deployment.notebook
            assert "the notebook's image must be built" in logged(app)
            assert "The notebook stays in, so its image cannot be built here" in logged(app)
            await pilot.click("#start")
            await until(pilot, lambda: dialog_up(app), what="asked again")
            await pilot.click("#yes")  # Milvus alone
            await until(pilot, lambda: getattr(app.screen, "confirm", "") == "Create and start"
                        and dialog_up(app), what="the cost")  # fmt: skip
            cost = text_of(app.screen.query_one("#question", Static))
            assert "the compute pool T_MILVUS_COMPUTE_POOL:" in cost  # as named in the account
            assert "JUPYTER" not in cost
            assert not context.deployment.notebook
            await pilot.click("#yes")
            await until(pilot, lambda: isinstance(app.screen, SecretsDialog), what="secrets")
            dialog = app.screen
            assert [slot.key for slot in dialog.slots] == ["milvus_user_password"]  # type: ignore[attr-defined]
            dialog.query_one("#s-milvus_user_password", Input).value = "Alone-Secret-pw9"
            dialog.query_one("#c-milvus_user_password", Input).value = "Alone-Secret-pw9"
            await pilot.click("#ok")
            await until(pilot, lambda: isinstance(app.screen, BuildScreen), what="building")
            next_button = app.screen.query_one("#next", Button)
            await until(pilot, lambda: not next_button.disabled, timeout=120, what="done")
            assert not app.screen.query("#image-jupyter")
            assert "already in the repository" in text_of(
                app.screen.query_one("#phase-milvus", Static)
            )

    asyncio.run(scenario())


def test_a_connection_named_but_missing_is_said_and_offered_to_be_made(
    emulator: Emulator, account_world: tuple[Path, CryptFileKeyring]
) -> None:
    """`spcs-wizard tui -c nosuch`: the Connection screen said nothing of 'nosuch' and
    showed an empty choice. Now it says the name is not there, opens New connection with
    the name filled in, and another connection can still be chosen."""
    save_connection_to(emulator)
    wizard = WizardContext(mode="account", connection_name="nosuch")

    async def scenario() -> None:
        app = WizardApp(wizard, start="connection")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            who = screen.query_one("#who", Static)
            await until(pilot, lambda: "'nosuch'" in text_of(who), what="the name, missing")
            assert "no connection named 'nosuch' in connections.toml" in text_of(who)
            assert "or make it under New connection" in text_of(who)
            assert not screen.query_one("#new", Collapsible).collapsed
            assert screen.query_one("#new-name", Input).value == "nosuch"
            next_button = screen.query_one("#next", Button)
            assert next_button.disabled
            # Beside Next too, in sight whatever the form's height.
            said = text_of(screen.query_one("#nav-status", Static))
            assert said == "no connection 'nosuch': make it or pick one"
            select = screen.query_one("#connections", Select)
            assert select.is_blank()
            await pilot.click("#connect")  # nothing chosen: said, and nothing tried
            await until_said(pilot, app, "Choose a connection first")
            assert wizard.connection_name == "nosuch"
            select.value = "emu"
            connect = screen.query_one("#connect", Button)
            await until(pilot, lambda: not connect.has_class("-active"), what="released")
            await pilot.click("#connect")
            await until(pilot, lambda: not next_button.disabled, what="connected")
            assert wizard.connection_name == "emu"
            assert "nosuch" not in text_of(who)

    asyncio.run(scenario())


def test_a_missing_connection_with_none_to_choose_says_to_make_one_or_rehearse(
    account_world: tuple[Path, CryptFileKeyring],
) -> None:
    """No connection at all yet: nothing "above" to choose; make one, or rehearse."""
    wizard = WizardContext(mode="account", connection_name="nosuch")

    async def scenario() -> None:
        app = WizardApp(wizard, start="connection")
        async with app.run_test(size=(80, 24)) as pilot:
            who = app.screen.query_one("#who", Static)
            await until(pilot, lambda: "'nosuch'" in text_of(who), what="the name, missing")
            assert "choose one above" not in text_of(who)
            assert "make it under New connection (or go Back to Welcome and choose " in (
                text_of(who)
            )
            said = text_of(app.screen.query_one("#nav-status", Static))
            assert said == "no connection 'nosuch': make it"

    asyncio.run(scenario())


def test_an_mfa_connection_asks_for_the_passcode_in_a_dialog(
    emulator: Emulator, account_world: tuple[Path, CryptFileKeyring]
) -> None:
    from spcs_wizard.credentials.login import LoginRequest, save
    from spcs_wizard.tui.screens.passcode_dialog import PasscodeDialog
    from tests.emulator_harness import connect

    with connect(emulator) as con:
        con.cursor().execute(
            "CREATE USER MFAUSER PASSWORD = 'Mfa-user-pw1-long' EXT_AUTHN_DUO = TRUE"
        )
        con.cursor().execute("GRANT ROLE SYSADMIN TO USER MFAUSER")
    emulator.sessions.mfa_passcodes["MFAUSER"] = "246810"
    request = LoginRequest(
        "mfa",
        emulator.settings.account_identifier,
        "MFAUSER",
        "mfa",
        host=emulator.host,
        port=emulator.port,
        protocol="http",
    )
    save(request, "Mfa-user-pw1-long")
    wizard = WizardContext(mode="account", connection_name="mfa")

    async def scenario() -> None:
        app = WizardApp(wizard, start="connection")
        async with app.run_test(size=(120, 40)) as pilot:
            select = app.screen.query_one("#connections", Select)
            await until(pilot, lambda: select.value == "mfa", what="the connection listed")
            await pilot.click("#connect")
            await until(
                pilot,
                lambda: isinstance(app.screen, PasscodeDialog) and app.screen.query("#passcode"),
                what="the dialog, composed",
            )
            await until(pilot, lambda: getattr(app.focused, "id", None) == "passcode", what="focus")
            app.screen.query_one("#passcode", Input).value = "246810"
            await pilot.press("enter")
            await until(pilot, lambda: wizard.ready, what="connected")
            assert "MFAUSER" in str(wizard.connected_as)

    asyncio.run(scenario())


@pytest.mark.long
def test_every_footer_key_and_palette_action_runs_on_every_step(
    deployed_wizard,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Open every door: on each of the nine steps, ctrl+p opens the palette (it once
    crashed on five: their command tuples shadowed Textual's providers), each of the
    screen's own palette actions is chosen and run, and each key the footer shows is
    pressed. Generated from the screens' PALETTE_ACTIONS and bindings, so a new one cannot
    go untested. A dialog that opens is closed with Escape; a key that leaves the step
    comes back to it; Teardown's Finish, last, leaves the wizard. Only ctrl+q (quit) is
    left out here (the tmux tests quit with it)."""
    from textual.screen import ModalScreen

    from spcs_wizard.tui.app import SCREENS, screen_class

    _, context = deployed_wizard
    monkeypatch.setenv("BROWSER", "true")  # `o` hands the URL to /bin/true, not a browser
    pressed: list[tuple[str, str]] = []

    async def settle(pilot: Pilot[None], app: WizardApp, step: str) -> None:
        cls = screen_class(step)
        await pilot.pause()
        while isinstance(app.screen, ModalScreen):
            modal = app.screen
            await pilot.press("escape")
            await until(pilot, lambda m=modal: app.screen is not m, what=f"{step}: closed")
        if not isinstance(app.screen, cls):
            app.go(step)
            await until(pilot, lambda: isinstance(app.screen, cls), what=f"back to {step}")
        assert app.is_running, step

    async def scenario() -> None:
        app = WizardApp(context, start="welcome")
        async with app.run_test(size=(120, 40)) as pilot:
            for step in SCREENS:
                cls = screen_class(step)
                await visit(pilot, app, step)
                for title, _, action in cls.PALETTE_ACTIONS:
                    assert callable(getattr(app.screen, f"action_{action}")), (step, action)
                    await search_palette(pilot, app, title)
                    await pilot.press("enter")  # run it
                    pressed.append((step, title))
                    await settle(pilot, app, step)
                elsewhere = "Welcome" if step == "teardown" else "Teardown"  # (not here)
                await search_palette(pilot, app, f"Go to: {elsewhere}")
                await pilot.press("escape")
                await settle(pilot, app, step)
                finish = step == "teardown"  # its Next is Finish: it leaves the wizard
                # Every key the footer shows, and ours it does not (Back and Next are on
                # their buttons, the theme is in help and the palette).
                ours = {b.key for b in (*WizardApp.BINDINGS, *type(app.screen).BINDINGS)}
                shown = {
                    key: active
                    for key, active in app.screen.active_bindings.items()
                    if (active.binding.show or key in ours)
                    and key != "ctrl+q"
                    and not (finish and key == "ctrl+n")
                }
                assert shown, step
                for key, active in shown.items():
                    name = active.binding.action
                    assert callable(getattr(active.node, f"action_{name}", None)), (step, key)
                    await pilot.press(key)
                    pressed.append((step, key))
                    await settle(pilot, app, step)
            await pilot.press("ctrl+n")  # Finish, on the last step
            await until(pilot, lambda: not app.is_running, what="finished")
        assert {k for _, k in pressed} >= {"ctrl+n", "ctrl+b", "f1", "ctrl+t", "s", "u", "r"}

    asyncio.run(scenario())


def test_every_palette_entry_runs_textuals_own_too(
    deployed_wizard,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Every entry the palette lists on the Monitor, Textual's own (Theme, Keys, Maximize,
    Screenshot, Quit) as well as the wizard's (Go to, Help, Light or dark theme, Pick up):
    each chosen and run; a dialog or panel it opens is closed with Escape, and Quit, last,
    ends the app. Generated from the palette's own list, so a new entry cannot go
    unpressed."""
    from textual.screen import ModalScreen

    from spcs_wizard.tui.screens.monitor import MonitorScreen
    from spcs_wizard.tui.widgets.step_bar import STEPS

    _, context = deployed_wizard
    monkeypatch.setenv("HOME", str(tmp_path))  # the screenshot's Downloads, if it makes one
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(tmp_path / "Downloads"))
    ran: list[str] = []

    async def scenario() -> None:
        app = WizardApp(context, start="monitor")
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, MonitorScreen), what="monitor")
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert {"Theme", "Keys", "Maximize", "Screenshot", "Quit", "Help"} <= set(titles)
            # Every other step, not the one shown.
            assert [t for t in titles if t.startswith("Go to: ")] == [
                f"Go to: {title}" for key, title in STEPS if key != "monitor"
            ]
            for title in [t for t in titles if t != "Quit"] + ["Quit"]:
                await search_palette(pilot, app, title)
                await until(pilot, lambda t=title: listed(app).startswith(t), what=title)
                await pilot.press("enter")
                ran.append(title)
                if title == "Quit":
                    break
                await pilot.pause()
                while isinstance(app.screen, ModalScreen) or app.screen.query("HelpPanel"):
                    await pilot.press("escape")
                    await pilot.pause()
                if app.screen.maximized is not None:
                    app.screen.minimize()
                if not isinstance(app.screen, MonitorScreen):
                    app.go("monitor")
                    await until(pilot, lambda: isinstance(app.screen, MonitorScreen), what="back")
                assert app.is_running, title
            await until(pilot, lambda: not app.is_running, what="quit")
        assert ran == [t for t in titles if t != "Quit"] + ["Quit"]

    asyncio.run(scenario())


def test_quit_and_help_stay_in_the_footer_at_80_columns_on_every_step(
    deployed_wizard,  # type: ignore[no-untyped-def]
) -> None:
    """The footer keeps the keys a person needs most where it is narrowest: each of the
    screen's own keys, quit and help, all within 80 columns (the footer cuts the rest)."""
    from spcs_wizard.tui.app import SCREENS, screen_class
    from spcs_wizard.tui.widgets.footer import KeyFooter

    _, context = deployed_wizard

    async def scenario() -> None:
        app = WizardApp(context, start="welcome")
        async with app.run_test(size=(80, 24)) as pilot:
            for step in SCREENS:
                cls = screen_class(step)
                await visit(pilot, app, step)
                await pilot.pause()
                own = {b.key for b in cls.BINDINGS if b.show}
                footer = app.screen.query_one(KeyFooter)
                await until(
                    pilot,
                    lambda o=own, f=footer: (
                        {"ctrl+q", "f1"} | o <= {p.item.key for p in f.placed()}
                    ),
                    what=f"{step}: footer keys",
                )
                for spot in footer.placed():
                    if spot.item.key in {"ctrl+q", "f1"} | own:
                        assert 0 < spot.end <= 80 - len("▏^p palette "), (step, spot)

    asyncio.run(scenario())


def test_each_step_opens_with_its_focus_where_the_work_is(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    """Welcome: the list of deployments (when there is one), else the choice of place;
    Naming: the first name; Review: the step table; Console: the question; Teardown: the
    list of what would go (not its button, nor a switch that changes what goes)."""
    _, context = deployed_wizard
    expected = {
        "naming": "set-prefix",
        "review": "steps",
        "console": "question",
        "teardown": "checklist",
    }

    async def scenario() -> None:
        app = WizardApp(context, start="welcome")
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: getattr(app.focused, "id", None) == "known", what="list")
            for step, widget in expected.items():
                app.go(step)
                await until(
                    pilot, lambda w=widget: getattr(app.focused, "id", None) == w, what=step
                )

    asyncio.run(scenario())


def test_reviews_steps_are_whole_beside_their_sql_from_100_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Side by side with the SQL (from 100 columns), the step table shows its longest id
    and role whole, with no sideways scroll: at 110 columns ACCOUNTADMIN read
    "ACCOUNTADMI" (found by the new-user helper)."""
    from spcs_wizard.tui.screens.review import ReviewScreen

    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))  # no draft of names

    for width in (100, 110, 140):

        async def scenario(width: int = width) -> None:
            app = WizardApp(WizardContext(), start="review")
            async with app.run_test(size=(width, 34)) as pilot:
                await until(pilot, lambda: isinstance(app.screen, ReviewScreen), what="review")
                table = app.screen.query_one("#steps", DataTable)
                await until(pilot, lambda: table.row_count > 0, what="the steps")
                await pilot.pause()
                assert table.virtual_size.width <= table.scrollable_content_region.width, width
                sql = app.screen.query_one("#steps-pane").children[-1]
                assert sql.region.x >= table.region.right, width  # beside it, not under

        asyncio.run(scenario())


def test_teardowns_switches_turn_on_space_not_enter_and_the_summary_says_what_stays(
    deployed_wizard,  # type: ignore[no-untyped-def]
) -> None:
    """Enter on a teardown option changes nothing and says which key does; Space turns it,
    and the summary names what the teardown would then keep. (Textual's switch turned on
    Enter: a stray Enter changed what a teardown removed without a word.)"""
    from textual.widgets import Switch

    from spcs_wizard.tui.widgets.checklist import Checklist

    _, context = deployed_wizard

    async def scenario() -> None:
        app = WizardApp(context, start="teardown")
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: bool(app.screen.query("#summary")), what="teardown")
            screen = app.screen
            summary = screen.query_one("#summary", Static)
            rows = screen.query_one(Checklist)
            everything = rows.row_count
            assert "account-wide (other deployments" in text_of(summary)
            assert "holding data" not in text_of(summary)
            await until(pilot, lambda: screen.recorded is not None, what="the record read")
            assert "record has nothing made" not in text_of(summary)  # it was deployed
            keep = screen.query_one("#keep-data", Switch)
            keep.focus()
            await pilot.press("enter")
            await until(pilot, lambda: bool(app._notifications), what="the explanation")
            said = [n.message for n in app._notifications]
            assert any("Space" in m and "Enter leaves it" in m for m in said)
            assert keep.value is False
            assert rows.row_count == everything
            await pilot.press("space")
            await until(
                pilot, lambda: "Kept: " in text_of(summary) and "holding data" in text_of(summary)
            )
            kept = int(text_of(summary).split("Kept: ")[1].split()[0])
            assert rows.row_count == everything - kept
            assert text_of(summary).startswith(f"{rows.row_count} items of ")
            shared = screen.query_one("#include-shared", Switch)
            shared.focus()
            await pilot.press("enter")
            assert shared.value is False
            await pilot.press("space")
            await until(pilot, lambda: "account-wide" not in text_of(summary))
            assert rows.row_count > everything - kept  # the shared objects are listed now

    asyncio.run(scenario())


@pytest.mark.long
def test_a_known_account_deployment_is_looked_at_and_picked_up_through_its_connection(
    emulator: Emulator,
    account_world: tuple[Path, CryptFileKeyring],
) -> None:
    """The account path of Welcome's list: a deployment recorded for connection ``emu``
    (the emulator, its password in the keyring) is looked at through that connection
    (nothing of it is in the account: "not deployed"); Enter picks it up: account mode,
    that connection, connected, and on to Deploy (the record says partly)."""
    from spcs_wizard.engine.known_deployments import remember
    from spcs_wizard.engine.state import DeploymentState
    from spcs_wizard.model.config_file import with_settings
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.paths import deployment_dir
    from spcs_wizard.tui.screens.deploy import DeployScreen
    from tests.wizard_harness import table_text

    save_connection_to(emulator)
    d = with_settings(
        Deployment(), {"prefix": "ACC_", "account": emulator.settings.account_identifier}, "t"
    )
    directory = deployment_dir(d.deployment_id)
    remember(directory, d, "emu")
    DeploymentState.load(directory / "state.json", d.deployment_id).record("role")

    async def scenario() -> None:
        app = WizardApp(WizardContext(rehearsal=None))
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: bool(app.screen.query("#known")), what="welcome")
            table = app.screen.query_one("#known", DataTable)
            await until(pilot, lambda: "not deployed" in table_text(table), what="looked at")
            assert "ACC_MILVUS_DEMO | emu | partly | not deployed" in table_text(table)
            await until(pilot, lambda: getattr(app.focused, "id", None) == "known", what="focus")
            await pilot.press("enter")
            await until(
                pilot,
                lambda: isinstance(app.screen, DeployScreen) and bool(app.screen.query("#summary")),
                what="deploy",
            )
            summary = app.screen.query_one("#summary", Static)
            await until(pilot, lambda: "Earlier runs: 1/" in text_of(summary), what="record")
            assert (app.wizard.mode, app.wizard.connection_name) == ("account", "emu")
            assert app.wizard.deployment.deployment_id == "ACC_MILVUS_DEMO"
            assert app.wizard.ready  # connected through emu, preflight passed

    asyncio.run(scenario())


def test_the_palettes_keys_panel_closes_with_escape_and_a_screenshot_says_where_it_went(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual's own palette entries: "Keys" opened a panel Escape did not close, and
    "Screenshot" said "Failed to save screenshot" (no Downloads folder), nothing more."""
    from textual.widgets import HelpPanel

    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no Downloads folder there
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "state"))

    async def scenario() -> None:
        app = WizardApp(WizardContext(), start="welcome")
        async with app.run_test(size=(120, 40)) as pilot:
            welcome = app.screen
            await search_palette(pilot, app, "Keys")
            await pilot.press("enter")
            await until(pilot, lambda: bool(welcome.query(HelpPanel)), what="the keys panel")
            await pilot.press("escape")
            await until(pilot, lambda: not welcome.query(HelpPanel), what="closed")
            assert app.screen is welcome
            assert app.is_running
            await search_palette(pilot, app, "Screenshot")
            await pilot.press("enter")
            said = await until_said(pilot, app, "Saved to ")
            picture = Path(said.removeprefix("Saved to "))
            assert picture.parent == tmp_path / "state" / "screenshots"
            assert picture.name.startswith("spcs-wizard-welcomescreen-")
            assert "Where to deploy" in picture.read_text().replace("&#160;", " ")

    asyncio.run(scenario())


def test_after_a_rename_deploy_and_the_strip_follow_the_new_names_not_the_old_job(
    deployed_wizard,  # type: ignore[no-untyped-def]
) -> None:
    """A deploy run in the wizard, then Naming gives another prefix: Deploy shows the new
    names (nothing done, "Deploy"), not the old names' ended job ("Deploy again", every
    step ticked), and the job strip says nothing of it; back to the old names, the job is
    theirs again."""
    from spcs_wizard.tui.screens.deploy import DeployScreen

    _, context = deployed_wizard

    def ticked(app: WizardApp) -> int:
        states = app.screen.query_one(Checklist).states.values()
        return sum(s in ("done", "skipped") for s in states)

    async def scenario() -> None:
        app = WizardApp(context, start="deploy")
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DeployScreen), what="deploy")
            await pilot.click("#start")
            await until(pilot, lambda: app.job is not None and app.job.finished, what="ran")
            assert app.job is not None
            assert app.job.ok
            steps = len(app.screen.query_one(Checklist).states)
            assert ticked(app) == steps
            await visit_composed(pilot, app, "naming")
            assert job_strip(app).startswith("Deploy")  # the old names' job, still theirs
            app.screen.query_one("#set-prefix", Input).value = "ZED_"
            await until(pilot, lambda: context.deployment.prefix == "ZED_", what="renamed")
            await visit_composed(pilot, app, "deploy")
            assert ticked(app) == 0
            assert str(app.screen.query_one("#start", Button).label) == "Deploy"
            assert app.screen.query_one("#next", Button).disabled
            assert job_strip(app) == ""
            await visit_composed(pilot, app, "naming")
            app.screen.query_one("#set-prefix", Input).value = ""
            await until(pilot, lambda: context.deployment.prefix == "", what="named back")
            await visit_composed(pilot, app, "deploy")
            assert ticked(app) == steps
            assert job_strip(app).startswith("Deploy")

    asyncio.run(scenario())


def test_on_an_account_a_rename_leaves_the_old_names_job_to_them(
    emu: Emulator, account_world: tuple[Path, CryptFileKeyring]
) -> None:
    """The account path of a rename after a deploy: connected through connection ``emu``,
    a deploy that the account stops at the warehouse grant; Naming gives another prefix,
    and Deploy shows the new names (nothing done, no job, no failure), then the old
    names' failed job again once they are named back."""
    from spcs_wizard.model.config_file import with_settings
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.tui.screens.deploy import DeployScreen
    from spcs_wizard.tui.screens.secrets_dialog import SecretsDialog

    save_connection_to(emu)
    refuse(emu, "GRANT USAGE ON WAREHOUSE")
    d = with_settings(Deployment(), {"account": emu.settings.account_identifier}, "t")
    context = WizardContext(chosen=d, mode="account", connection_name="emu")

    async def scenario() -> None:
        app = WizardApp(context, start="connection")
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: bool(app.screen.query("#connections")), what="connection")
            app.screen.query_one("#connections", Select).value = "emu"
            await pilot.click("#connect")
            await until(pilot, lambda: context.ready, what="connected")
            await visit_composed(pilot, app, "deploy")
            await pilot.click("#start")
            await until(pilot, lambda: dialog_up(app), what="what it costs")
            await pilot.click("#yes")
            await until(pilot, lambda: isinstance(app.screen, SecretsDialog), what="secrets")
            dialog = app.screen
            for key in [slot.key for slot in dialog.slots]:  # type: ignore[attr-defined]
                for box in ("s", "c"):
                    dialog.query_one(f"#{box}-{key}", Input).value = "Typed-Secret-9-long"
            await pilot.click("#ok")
            await until(pilot, lambda: app.job is not None and app.job.finished, what="ended")
            assert app.job is not None
            assert not app.job.ok
            states = app.screen.query_one(Checklist).states
            assert states["grant-warehouse"] == "failed"
            await visit_composed(pilot, app, "naming")
            app.screen.query_one("#set-prefix", Input).value = "ZED_"
            await until(pilot, lambda: context.deployment.prefix == "ZED_", what="renamed")
            await visit_composed(pilot, app, "deploy")
            assert isinstance(app.screen, DeployScreen)
            states = app.screen.query_one(Checklist).states
            assert set(states.values()) == {"todo"}
            assert str(app.screen.query_one("#start", Button).label) == "Deploy"
            assert job_strip(app) == ""
            await visit_composed(pilot, app, "naming")
            app.screen.query_one("#set-prefix", Input).value = ""
            await until(pilot, lambda: context.deployment.prefix == "", what="named back")
            await visit_composed(pilot, app, "deploy")
            states = app.screen.query_one(Checklist).states
            assert states["grant-warehouse"] == "failed"
            assert job_strip(app).startswith("Deploy")
            await pilot.pause()

    asyncio.run(scenario())


def test_naming_applies_keys_typed_in_a_burst_in_their_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fast typist's keys reach Naming all at once, as a terminal hands them over:
    12 backspaces, then "DB_1". Textual ran the backspaces only after they bubbled up to
    the app, behind the letters typed after them ("MIDB_1"); each key counts in order."""
    from textual import events

    from spcs_wizard.tui.screens.naming import NamingScreen

    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))

    async def scenario() -> None:
        app = WizardApp(WizardContext(), start="naming")
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, NamingScreen), what="naming")
            await until(pilot, lambda: bool(app.screen.query("#set-database-name")), what="up")
            box = app.screen.query_one("#set-database-name", Input)
            box.focus()
            box.cursor_position = len(box.value)
            await pilot.pause()
            typed = [("backspace", None)] * 12 + [(c, c) for c in "DB"] + [("underscore", "_")]
            for key, character in [*typed, ("1", "1")]:  # all queued before any is handled
                app.post_message(events.Key(key, character))
            await until(pilot, lambda: box.value == "DB_1", what=f"DB_1, not {box.value!r}")
            await until(pilot, lambda: app.wizard.deployment.database.name == "DB_1", what="kept")
            await pilot.pause()

    asyncio.run(scenario())


def test_leaving_naming_with_a_bad_name_keeps_what_was_typed_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Back from Naming with one name invalid: the valid edits count, the invalid one is
    not cut to a valid stem ("my wh" is not kept as MY), the wizard says what is left to
    fix, and Naming shows it again as typed, with its problem, until it is fixed."""
    from spcs_wizard.tui.screens.naming import NamingScreen

    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))
    context = WizardContext()

    async def scenario() -> None:
        app = WizardApp(context, start="naming")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            warehouse = screen.query_one("#set-warehouse-name", Input)
            screen.query_one("#set-prefix", Input).value = "ZED_"
            for typed in ("m", "my", "my ", "my w", "my wh"):  # as typed, key by key
                warehouse.value = typed
                await pilot.pause()
            problem = screen.query_one("#problem", Static)
            await until(pilot, lambda: "my wh" in text_of(problem), what="refused")
            said = text_of(problem)
            assert said.startswith("✗ Warehouse: 'my wh' is not a valid Snowflake identifier")
            assert "warehouse.name" not in said  # the label, not the setting's key
            assert context.deployment.prefix == "ZED_"  # the valid edit counts
            assert context.deployment.warehouse.name == "MILVUS_WAREHOUSE"  # not "MY"
            await pilot.press("ctrl+b")
            told = await until_said(pilot, app, "Warehouse: 'my wh'")
            assert "Warehouse stays MILVUS_WAREHOUSE until it is fixed (the other" in told
            assert "Naming still shows what you typed" in told
            assert context.deployment.warehouse.name == "MILVUS_WAREHOUSE"
            await visit(pilot, app, "naming")
            await until(pilot, lambda: bool(app.screen.query("#set-warehouse-name")))
            screen = app.screen
            assert isinstance(screen, NamingScreen)
            warehouse = screen.query_one("#set-warehouse-name", Input)
            assert warehouse.value == "my wh"
            assert warehouse.has_class("-invalid")
            assert app.focused is warehouse  # the cursor where the fix is, at its end
            assert warehouse.cursor_position == len("my wh")
            assert "'my wh'" in text_of(screen.query_one("#problem", Static))
            assert screen.query_one("#next", Button).disabled
            warehouse.value = "MY_WH"
            await until(pilot, lambda: context.deployment.warehouse.name == "MY_WH", what="ok")
            await pilot.press("ctrl+b")
            await until(pilot, lambda: not isinstance(app.screen, NamingScreen), what="left")
            assert context.naming_typed == {}
            await visit(pilot, app, "naming")
            await until(pilot, lambda: bool(app.screen.query("#set-warehouse-name")))
            value = app.screen.query_one("#set-warehouse-name", Input).value
            assert value == "MY_WH"
            assert context.deployment.deployment_id == "ZED_MILVUS_DEMO"

    asyncio.run(scenario())


def test_a_step_asked_for_before_connecting_follows_once_connected(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    """The palette's "Go to: Teardown" from Welcome, not yet connected: Connection first,
    saying so, then Teardown (not where the deployment stopped); a step asked for and then
    left for another is no longer followed."""
    _, context = deployed_wizard
    context.connected_as = None

    async def scenario() -> None:
        app = WizardApp(context, start="welcome")
        said = notices_kept(app)
        async with app.run_test(size=(120, 40)) as pilot:
            await palette_go(pilot, app, "Go to: Teardown")
            await until(pilot, lambda: app.step == "teardown", what="teardown")
            assert any("Teardown follows once connected" in n for n in said), said
            assert context.after_connect is None
            assert not any("follows once connected" in n for n in notes(app))  # done
            context.connected_as = None
            context.mode = "account"  # (no connection picked: it stays on Connection)
            context.connection_name = None
            app.go("console")  # asked for, then left for Naming before connecting
            assert context.after_connect == "console"
            await until(pilot, lambda: bool(app.screen.query("TitleBar")), what="connection")
            await pilot.pause()
            app.go("naming")
            assert context.after_connect is None
            await until(pilot, lambda: bool(app.screen.query("TitleBar")), what="naming")

    asyncio.run(scenario())


def test_the_checklist_cuts_long_rows_to_the_width_with_an_ellipsis() -> None:
    """Deploy's and Teardown's checklist does not scroll sideways: at 80 columns what a
    step does ends in "…" within the width (never cut mid-word with no sign); a result
    takes its third once there is one, cut the same way; wider, the text is whole."""
    from textual.app import App, ComposeResult

    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.plan import build_plan

    steps = build_plan(Deployment()).steps
    longest = max(steps, key=lambda s: len(s.title))

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield Checklist(id="checklist")

    def shown(table: Checklist, step_id: str, column: str) -> str:
        return str(table.get_cell(step_id, column))

    async def scenario() -> None:
        app = One()
        async with app.run_test(size=(80, 24)) as pilot:
            table = app.query_one(Checklist)
            table.show_steps(steps)
            await pilot.pause()
            title = shown(table, longest.id, "title")
            assert title.endswith("…")
            assert longest.title.startswith(title[:-1])
            used = sum(c.get_render_width(table) for c in table.columns.values())
            assert used <= table.size.width - table.scrollbar_size_vertical
            table.mark(longest.id, "failed", "Insufficient privileges to operate on " * 3)
            await pilot.pause()
            result = shown(table, longest.id, "result")
            assert result.startswith("Insufficient")
            assert result.endswith("…")
            used = sum(c.get_render_width(table) for c in table.columns.values())
            assert used <= table.size.width - table.scrollbar_size_vertical
            integration = next(s for s in steps if s.id == "security-integration")
            assert shown(table, integration.id, "title").endswith("…")
            await pilot.resize_terminal(200, 40)
            await pilot.pause()
            assert shown(table, integration.id, "title") == integration.title
            # Narrower than the wizard is made for (60 columns): a column is never
            # narrower than its heading, so what it does keeps that and the result is
            # cut, with "…", to what is left ("already don" ran past the edge, no sign,
            # in Deploy at 64 columns).
            await pilot.resize_terminal(60, 24)
            for step in steps:
                table.mark(step.id, "skipped", "already done")
            await pilot.pause()
            used = sum(c.get_render_width(table) for c in table.columns.values())
            assert used <= table.size.width - table.scrollbar_size_vertical
            result = shown(table, longest.id, "result")
            assert result.endswith("…")
            assert "already done".startswith(result[:-1])

    asyncio.run(scenario())


def test_build_cards_show_their_whole_phase_at_80_columns() -> None:
    """Three image cards side by side at 80 columns: a phase of three lines shows all
    three (the card grows), not two with the rest cut."""
    from textual.app import App, ComposeResult
    from textual.containers import Horizontal

    from spcs_wizard.tui.screens.build import ImageProgress

    class Cards(App[None]):
        CSS_PATH = Path(WizardApp.CSS_PATH)  # type: ignore[arg-type]

        def compose(self) -> ComposeResult:
            with Horizontal(classes="row"):
                for image in ("milvus", "gateway", "jupyter"):
                    yield ImageProgress(image)

    async def scenario() -> None:
        app = Cards()
        async with app.run_test(size=(80, 24)) as pilot:
            card = app.query_one("#image-milvus", ImageProgress)
            said = "pushed (local record; checked again on a run)"
            card.phase(said)
            await pilot.pause()
            phase = app.query_one("#phase-milvus", Static)
            lines = phase.render_lines(phase.region.reset_offset)  # as painted
            painted = " ".join("".join(s.text for s in line).strip() for line in lines)
            assert painted.split() == said.split(" ")

    asyncio.run(scenario())


def test_on_an_account_a_step_asked_before_connecting_follows_the_connect(
    emulator: Emulator, account_world: tuple[Path, CryptFileKeyring]
) -> None:
    """The account path of "Go to" before a connection: from Welcome in account mode,
    the palette's "Go to: Teardown" says to connect first; Connection waits for one to be
    chosen (an account is never reached unasked); Connect, and Teardown follows."""
    from spcs_wizard.tui.screens.teardown import TeardownScreen

    save_connection_to(emulator)
    wizard = WizardContext(mode="account")

    async def scenario() -> None:
        app = WizardApp(wizard, start="welcome")
        async with app.run_test(size=(120, 40)) as pilot:
            await palette_go(pilot, app, "Go to: Teardown")
            await until_said(pilot, app, "Connect first (step 2); Teardown follows once connected")
            await until(pilot, lambda: bool(app.screen.query("#connections")), what="connection")
            await pilot.pause()
            assert app.step == "connection"
            assert not wizard.ready  # nothing reached before a connection is chosen
            app.screen.query_one("#connections", Select).value = "emu"
            await pilot.click("#connect")
            await until(pilot, lambda: isinstance(app.screen, TeardownScreen), what="teardown")
            assert wizard.ready
            assert wizard.connection_name == "emu"
            assert not any("follows once connected" in n for n in notes(app))  # done
            await until(pilot, lambda: bool(app.screen.query("TitleBar")), what="drawn")
            await pilot.pause()  # (its header's title is set after it mounts)

    asyncio.run(scenario())


def test_text_is_fitted_with_an_ellipsis_only_when_cut() -> None:
    from spcs_wizard.fitted_text import fitted

    assert fitted("Hohenzollern-Sigmaringen", 24) == "Hohenzollern-Sigmaringen"
    assert fitted("Hohenzollern-Sigmaringen", 12) == "Hohenzoller…"
    assert fitted("日本語の名前", 7) == "日本語…"  # wide characters count two cells
    assert fitted("abc", 0) == "…"


def test_teardown_says_when_this_machine_has_made_nothing_for_the_deployment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing deployed from here: the list is what a teardown would look for, and the
    summary says the record has nothing made (it looked the same as after a deploy)."""
    from spcs_wizard.tui.screens.teardown import TeardownScreen

    monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "home"))

    async def scenario() -> None:
        app = WizardApp(WizardContext(connected_as="ADMIN"), start="teardown")
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, TeardownScreen), what="teardown")
            screen = app.screen
            assert isinstance(screen, TeardownScreen)
            await until(pilot, lambda: screen.recorded is False, what="the record read")
            summary = text_of(screen.query_one("#summary", Static))
            assert summary.endswith(
                "This machine's record has nothing made for it: Tear down looks in the "
                "account first, and may find nothing to remove."
            )
            await pilot.pause()

    asyncio.run(scenario())

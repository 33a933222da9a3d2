"""The class dashboard driven by Textual's Pilot against the emulator: live rows, every
key and palette action pressed, each dialog cancelled and confirmed, a failed look marked
stale; on the rehearsal and on an account reached through connections.toml."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import keyring
import pytest
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Static

from spcs_wizard.emulator.faults import Faults
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.emulator.settings import EmulatorSettings
from spcs_wizard.engine.deployment_session import Target
from spcs_wizard.engine.rehearsal import Rehearsal
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.registry import repository_path
from spcs_wizard.tui.class_dashboard import ClassApp, ClassScreen
from spcs_wizard.tui.screens.dialog import ConfirmDialog
from spcs_wizard.workshop.classroom import Classroom
from spcs_wizard.workshop.roster import numbered
from spcs_wizard.workshop.workshop import Workshop, workshop_dir
from tests.cli_harness import connections_home
from tests.conftest import ADMIN_PASSWORD
from tests.wizard_harness import listed, notes, open_without_a_browser, text_of, until, until_said


def _provisioned(target: Target, directory: Path, attendees: int, account: str) -> Classroom:
    workshop = Workshop("WS", numbered(attendees), Deployment(account=account), connections=3)
    mode = "record" if target.is_rehearsal else "build"
    room = Classroom(workshop, target, directory, image_mode=mode)  # type: ignore[arg-type]
    pool = room.pool()
    try:
        report = room.provision(pool)
        assert report.ok, [r.to_dict() for r in report.failed]
    finally:
        pool.close()
    return room


def _column(app: ClassApp, name: str) -> list[str]:
    table = app.screen.query_one("#class", DataTable)
    at = [str(c.label) for c in table.columns.values()].index(name)
    return [str(table.get_row_at(i)[at]) for i in range(table.row_count)]


async def _looked(pilot: Pilot[None], app: ClassApp, what: str) -> None:
    """Wait for a look that begins after now to end (not one already under way)."""
    screen = app.screen
    assert isinstance(screen, ClassScreen)
    await until(pilot, lambda: not screen.looking, what="the look under way")
    before = screen.looks
    screen.action_refresh()
    await until(pilot, lambda: screen.looks > before and not screen.acting, what=what)


async def _confirm(pilot: Pilot[None], app: ClassApp, key: str) -> None:
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what=f"{key}: asks")
    focused = app.focused
    assert isinstance(focused, Button)
    assert focused.id == "no"  # never the action's button first
    await pilot.click("#yes")
    screen = app.screen
    assert isinstance(screen, ClassScreen)
    await until(pilot, lambda: screen.acting is None, timeout=120, what=f"{key}: done")


@pytest.mark.long
# The account stops answering on purpose below: a look's statement then outlasts the
# connection's network timeout, and the connector's cancel timer fails to reach the
# account, in a thread of its own. The dashboard's command quiets those threads
# (quiet_background_output: the look reports the failure as "stale"); pytest's own hook
# replaces that one here, so that one warning, and no other, is expected.
@pytest.mark.filterwarnings(
    r"ignore:(?s).*/queries/v1/abort-request:pytest.PytestUnhandledThreadExceptionWarning"
)
def test_the_dashboard_shows_every_attendee_live_and_acts_on_the_whole_class(
    tmp_path: Path, no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROWSER", "true")  # `o` hands the URL to /bin/true, not a browser
    rehearsal = Rehearsal(
        tmp_path / "r", speed=600, registry=False, run_services=False, network_timeout=3
    )
    rehearsal.start()
    try:
        room = _provisioned(Target(rehearsal=rehearsal), tmp_path / "ws", 3, rehearsal.account)
        app = ClassApp(room, refresh_secs=3600)  # looks when asked: the test decides

        async def scenario() -> None:
            async with app.run_test(size=(140, 30)) as pilot:
                await until(pilot, lambda: isinstance(app.screen, ClassScreen), what="screen")
                await _looked(pilot, app, "the first look")
                screen = app.screen
                assert isinstance(screen, ClassScreen)
                assert _column(app, "attendee") == ["attendee 01", "attendee 02", "attendee 03"]
                assert _column(app, "state") == ["running"] * 3
                assert _column(app, "pools") == ["2 active"] * 3
                assert _column(app, "cr/h") == ["0.22"] * 3
                fresh = text_of(screen.query_one("#freshness", Static))
                assert fresh.startswith("at ")  # the time of the look first: never cut
                assert " · 3 of 3 running · 0.66 credits/h (cr/h) now" in fresh
                # At 80x24 every column is in view (no sideways scrolling), and the
                # freshness line wraps whole rather than losing its end.
                await pilot.resize_terminal(80, 24)
                await pilot.pause()
                table = screen.query_one("#class", DataTable)
                assert table.virtual_size.width <= table.scrollable_content_region.width
                line = screen.query_one("#freshness", Static)
                painted = " ".join(
                    "".join(seg.text for seg in row).strip()
                    for row in line.render_lines(line.region.reset_offset)
                )
                assert painted.split() == fresh.split()
                await pilot.resize_terminal(140, 30)
                # An attendee's last error: its column is past the edge at 80 columns, so
                # the line under the table says it for the highlighted row, whole.
                failure = "services: Insufficient privileges to operate on service 'MILVUS'"
                room.workshop.last_errors["02"] = failure
                await _looked(pilot, app, "a look with an error")
                await pilot.press("down")
                selected = screen.query_one("#selected", Static)
                await until(pilot, lambda: "02" in text_of(selected), what="02 highlighted")
                assert text_of(selected).endswith(f"\nlast error: {failure}")
                await pilot.press("up")
                await until(pilot, lambda: "last error" not in text_of(selected), what="01")
                await pilot.press("u")  # every one runs: said, nothing asked or billed
                await until_said(
                    pilot, app, "Every attendee's deployment is running already: nothing to resume."
                )
                assert app.screen is screen

                # Every key the footer shows, and every palette action: each dialog that
                # opens is cancelled with Escape, so the class is as it was.
                keys = [b.key for b in (*ClassScreen.BINDINGS, *ClassApp.BINDINGS)]
                for key in [k for k in keys if k != "ctrl+q"]:
                    await pilot.press(key)
                    await pilot.pause()
                    if isinstance(app.screen, ModalScreen):
                        await pilot.press("escape")
                        await until(pilot, lambda: app.screen is screen, what=f"{key}: closed")
                for title, _, _ in ClassScreen.PALETTE_ACTIONS:
                    await pilot.press("ctrl+p")
                    await until(
                        pilot, lambda: bool(app.screen.query("CommandInput")), what="palette"
                    )
                    app.screen.query_one("CommandInput", Input).value = title
                    await until(pilot, lambda t=title: listed(app).startswith(t), what=title)
                    await pilot.press("enter")
                    await until(pilot, lambda: not app.screen.query("CommandInput"), what=title)
                    if isinstance(app.screen, ModalScreen):
                        await pilot.press("escape")
                        await until(pilot, lambda: app.screen is screen, what=f"{title}: closed")
                await _looked(pilot, app, "a look after the cancels")
                assert _column(app, "state") == ["running"] * 3  # nothing was confirmed

                # `o` where no browser exists copies the attendee's address and says so; it
                # said "Opened" before, whatever happened.
                copied = await open_without_a_browser(pilot, app)
                assert text_of(screen.query_one("#selected", Static)) == (
                    f"attendee 01: {copied} (o opens it)"
                )
                # A rehearsal's address stands in for one: copied and said, never opened.
                assert any(
                    m.startswith("Rehearsal: ") and copied in m and "nothing answers" in m
                    for m in notes(app)
                )
                assert not any(m.startswith(("Opened", "Opening")) for m in notes(app))

                await _confirm(pilot, app, "s")
                await _looked(pilot, app, "after suspend")
                assert _column(app, "state") == ["suspended"] * 3
                assert text_of(screen.query_one("#selected", Static)) == (
                    "attendee 01: suspended (u resumes the class)"  # not "no address yet"
                )
                await pilot.press("s")
                await until_said(
                    pilot,
                    app,
                    "Every attendee's deployment is suspended already: nothing to suspend.",
                )
                assert app.screen is screen
                assert "suspend: 3 done" in text_of(screen.query_one("#last-action", Static))
                await _confirm(pilot, app, "u")
                await _looked(pilot, app, "after resume")
                assert "SUSPENDED" not in " ".join(_column(app, "pools")).upper()

                port = rehearsal.started.port
                rehearsal.started.stop_serving()  # the account stops answering
                await _looked(pilot, app, "a failed look")
                assert text_of(screen.query_one("#freshness", Static)).startswith("stale:")
                rehearsal.started.serve_again(port)
                await _looked(pilot, app, "a look again")
                assert "stale" not in text_of(screen.query_one("#freshness", Static))

                await _confirm(pilot, app, "t")
                await _looked(pilot, app, "after teardown")
                assert _column(app, "state") == ["not deployed"] * 3
                shown.append(screen)
                screen.action_refresh()  # a look under way as it closes
                await pilot.press("ctrl+q")

        shown: list[ClassScreen] = []
        asyncio.run(scenario())
        assert not (tmp_path / "ws" / "workshop.json").exists()
        # Its connections are closed once the look under way has ended, never under it.
        assert shown[0].closed.wait(60)
        assert not shown[0].looking or shown[0]._idle.is_set()
    finally:
        rehearsal.stop()
        # The cancel timers of the statements the unanswering account left end here, in
        # this test (whose mark expects their failure), not during the next one.
        for thread in threading.enumerate():
            if type(thread).__name__ == "_TrackedQueryCancellationTimer":
                thread.join(60)


def test_the_dashboard_watches_a_class_on_an_account(
    tmp_path: Path, no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = Emulator(
        EmulatorSettings(
            state_dir=tmp_path / "emu", admin_password=ADMIN_PASSWORD, speed=600, run_services=False
        ),
        Faults(),
    )
    emu.start()
    try:
        for slug in ("01", "02"):
            # The class's shared repository (a workshop's default).
            d = Deployment(prefix=f"WS_{slug}_", image_repository={"database": "WS_IMAGES"})
            for svc in map(d.image, ("milvus", "gateway", "jupyter")):
                emu.add_image(repository_path(d), svc.image, svc.tag, "sha256:" + "c" * 64)
        monkeypatch.setenv("SNOWFLAKE_HOME", str(connections_home(tmp_path, "dev", emu)))
        monkeypatch.setenv("SNOWFLAKE_CONNECTIONS_DEV_PASSWORD", ADMIN_PASSWORD)
        monkeypatch.setenv("SPCS_WIZARD_HOME", str(tmp_path / "state"))
        # An account's passwords need a keyring: an encrypted file one, here.
        from keyrings.cryptfile.cryptfile import CryptFileKeyring

        backend = CryptFileKeyring()
        backend.file_path = str(tmp_path / "keyring.cfg")  # type: ignore[misc]
        backend.keyring_key = "unlock-the-test-keyring"
        keyring.set_keyring(backend)
        target = Target(connection_name="dev")
        where = workshop_dir(target, "WS")  # where the wizard finds recorded workshops
        room = _provisioned(target, where, 2, emu.settings.account_identifier)
        app = ClassApp(room, refresh_secs=3600)

        async def scenario() -> None:
            async with app.run_test(size=(140, 30)) as pilot:
                await until(pilot, lambda: isinstance(app.screen, ClassScreen), what="screen")
                await _looked(pilot, app, "the first look")
                assert _column(app, "state") == ["running"] * 2
                endpoints = [r.endpoint or "" for r in app.screen.rows]  # type: ignore[attr-defined]
                assert all(e.endswith(".snowflakecomputing.app") for e in endpoints), endpoints
                assert "connection dev" in str(app.screen.sub_title)
                # On an account `o` opens the address; with no browser here, it is copied.
                copied = await open_without_a_browser(pilot, app)
                assert copied == endpoints[0]
                selected = text_of(app.screen.query_one("#selected", Static))
                assert selected == f"attendee 01: {copied} (o opens it)"
                assert any("No web browser here" in m and copied in m for m in notes(app))
                await _confirm(pilot, app, "s")
                await _looked(pilot, app, "after suspend")
                assert _column(app, "state") == ["suspended"] * 2
                await pilot.press("escape")  # the dashboard's only screen: it stays
                assert isinstance(app.screen, ClassScreen)
                await pilot.press("ctrl+q")

        asyncio.run(scenario())
        # The wizard opens the same class from its palette, over its step; Escape comes back.
        from spcs_wizard.tui.app import WizardApp
        from spcs_wizard.tui.context import WizardContext
        from spcs_wizard.tui.screens.welcome import WelcomeScreen

        wizard = WizardApp(WizardContext(mode="account", connection_name="dev"))

        async def from_the_wizard() -> None:
            async with wizard.run_test(size=(140, 36)) as pilot:
                await until(
                    pilot, lambda: bool(wizard.workshops), timeout=30, what="the workshop listed"
                )
                assert wizard.workshops == [("dev", "WS")]
                await pilot.press("ctrl+p")
                await until(
                    pilot, lambda: bool(wizard.screen.query("CommandInput")), what="palette"
                )
                title = "Workshop WS (connection dev): class dashboard"
                wizard.screen.query_one("CommandInput", Input).value = title
                await until(pilot, lambda: listed(wizard).startswith(title), what="listed first")
                await pilot.press("enter")
                await until(pilot, lambda: isinstance(wizard.screen, ClassScreen), what="dashboard")
                await _looked(pilot, wizard, "the wizard's look")  # type: ignore[arg-type]
                assert _column(wizard, "state") == ["suspended"] * 2  # type: ignore[arg-type]
                dashboards.append(wizard.screen)  # type: ignore[arg-type]
                await pilot.press("escape")
                await until(pilot, lambda: isinstance(wizard.screen, WelcomeScreen), what="back")

        dashboards: list[ClassScreen] = []
        asyncio.run(from_the_wizard())
        assert dashboards[0].closed.wait(60)  # its connections closed before the account
    finally:
        emu.stop()

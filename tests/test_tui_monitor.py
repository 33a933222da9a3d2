"""The monitor against a deployed rehearsal: an injected container failure shows within
two refreshes, a lost emulator marks the panels stale (no crash), suspend and resume
work from the keyboard, endpoint URLs go to the clipboard, logs follow and filter."""

from __future__ import annotations

import asyncio
import re
import threading
import time

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, RichLog, Static

from spcs_wizard.tui.app import WizardApp
from spcs_wizard.tui.screens.dialog import ConfirmDialog
from spcs_wizard.tui.screens.monitor import MonitorScreen
from spcs_wizard.tui.widgets.services_table import ServicesTable
from tests.wizard_harness import (
    listed,
    notes,
    open_without_a_browser,
    table_text,
    text_of,
    until,
    until_said,
)


async def healthy_monitor(app: WizardApp, pilot: Pilot[None]) -> MonitorScreen:
    """The monitor, once a refresh has shown the deployment healthy."""
    screen = app.screen
    assert isinstance(screen, MonitorScreen)
    fresh = screen.query_one("#freshness", Static)
    await until(pilot, lambda: "healthy" in text_of(fresh), what="healthy")
    return screen


def test_a_failing_container_shows_within_two_refreshes(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    rehearsal, context = deployed_wizard

    async def scenario() -> None:
        app = WizardApp(context, start="monitor")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await healthy_monitor(app, pilot)
            fresh = screen.query_one("#freshness", Static)
            before = screen.refreshes
            rehearsal.started.fail_service("MILVUS_DEMO.PUBLIC.MILVUS")
            services = screen.query_one("#services", DataTable)
            await until(pilot, lambda: "FAILED" in table_text(services), what="FAILED shown")
            # The refresh that saw it may be the one already under way, or the next.
            assert screen.refreshes - before <= 2
            assert "failing" in text_of(fresh)
            assert "Container exited with code 1" in text_of(screen.query_one("#problems", Static))
            assert max(screen.history.restart_series("MILVUS")) > 0  # the sparkline rises

    asyncio.run(scenario())


# The connector aborts the timed-out query from a timer thread of its own, which fails
# against the stopped endpoint: that is the outage this test makes, not a fault of ours.
@pytest.mark.long
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_lost_account_marks_the_panels_stale_and_recovers(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    rehearsal, context = deployed_wizard

    async def scenario() -> None:
        app = WizardApp(context, start="monitor")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await healthy_monitor(app, pilot)
            fresh = screen.query_one("#freshness", Static)
            port = rehearsal.started.port
            rehearsal.started.stop_serving()
            await until(pilot, lambda: "stale" in text_of(fresh), what="stale")
            assert screen.query_one("#services").has_class("-stale")
            assert "next try in" in text_of(fresh)  # an unreachable account is asked less
            assert "RUNNING" in table_text(screen.query_one("#services", DataTable))  # kept
            await until(  # the connector's abort timer has given up (within this test)
                pilot,
                lambda: not [t for t in threading.enumerate() if isinstance(t, threading.Timer)],
                what="the connector's abort timer",
            )
            rehearsal.started.serve_again(port)
            await until(pilot, lambda: "healthy" in text_of(fresh), what="recovered")
            assert not screen.query_one("#services").has_class("-stale")

    asyncio.run(scenario())


def test_suspend_resume_copy_url_and_logs(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    _, context = deployed_wizard

    async def scenario() -> None:
        app = WizardApp(context, start="monitor")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await healthy_monitor(app, pilot)
            fresh = screen.query_one("#freshness", Static)
            services = screen.query_one("#services", DataTable)
            await pilot.press("s")  # asks first, saying what stops being billed
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
            question = text_of(app.screen.query_one("#question", Static))
            assert "Rehearsal: nothing is billed" in question
            assert "credits an hour" in question
            assert app.focused is not None
            assert app.focused.id == "no"  # never on the destructive button
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen, what="the dialog closed")
            assert "RUNNING" in table_text(services)  # Escape changed nothing
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
            await pilot.click("#yes")
            # The services are suspended one after the other: a refresh between the two
            # shows one of each, so wait for the state where none runs.
            await until(
                pilot,
                lambda: (
                    "SUSPENDED" in table_text(services) and "RUNNING" not in table_text(services)
                ),
                what="both suspended",
            )
            # Said as suspended (not as torn down, not as failing), and billed nothing.
            await until(pilot, lambda: "suspended:" in text_of(fresh), what="said suspended")
            assert "0 credits/h now" in text_of(fresh)
            await pilot.press("s")  # already suspended: said, nothing asked
            name = context.deployment.deployment_id
            await until_said(pilot, app, f"{name} is suspended already: nothing to suspend.")
            assert app.screen is screen
            await pilot.press("u")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
            assert "starts the compute pools" in text_of(app.screen.query_one("#question", Static))
            await pilot.click("#yes")
            await until(pilot, lambda: "healthy" in text_of(fresh), timeout=60, what="resumed")
            await pilot.press("u")  # running already: said, nothing asked
            await until_said(pilot, app, f"{name} is running already: nothing to resume.")
            assert app.screen is screen

            endpoints = screen.query_one("#endpoints", DataTable)
            # After a resume the endpoints get their URLs again a little later, one by one:
            # wait for every row's (`c` copies the selected one; any URL shown is not enough).
            await until(
                pilot,
                lambda: (
                    bool(screen.endpoint_list)  # type: ignore[attr-defined]
                    and all(e.link for e in screen.endpoint_list)
                ),  # type: ignore[attr-defined]
                what="URLs",
            )
            assert ".snowflakecomputing.app" in table_text(endpoints)
            await pilot.press("c")
            assert app.clipboard.startswith("https://")
            # The table shows the host under "https://"; `c` copies the whole URL.
            host = app.clipboard.removeprefix("https://")
            assert host in table_text(screen.query_one("#endpoints", DataTable)).splitlines()[0]
            assert "https://" in [str(c.label) for c in endpoints.columns.values()]
            said = [n.message for n in app._notifications]
            assert any("endpoint" in m and "(the selected row)" in m for m in said)

            # `o` in a rehearsal copies the emulator's stand-in address and says what it
            # is (the dashboard's test opens a real account's).
            copied = await open_without_a_browser(pilot, app)
            assert any(
                m.startswith("Rehearsal: ") and copied in m and "nothing answers" in m
                for m in notes(app)
            )

            log = screen.query_one("#log", RichLog)

            def shown() -> str:
                return "\n".join(strip.text for strip in log.lines)

            await until(pilot, lambda: "readiness" in shown(), what="log lines")
            assert "pulling image" in shown()
            search = screen.query_one("#log-search", Input)
            search.value = "readiness"
            await until(pilot, lambda: "pulling image" not in shown(), what="filtered")
            assert "readiness" in shown()
            search.value = ""
            await until(pilot, lambda: "pulling image" in shown(), what="unfiltered")

    asyncio.run(scenario())


def test_a_log_followed_while_its_pane_is_hidden_is_wrapped_when_shown(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    """Started at 80x24 the log pane is not shown, yet its lines come: widened, the pane
    shows them wrapped to its width (written at no width, they were a character a line,
    and stayed so), and again after a second time hidden and shown at the same width."""
    _, context = deployed_wizard

    async def scenario() -> None:
        app = WizardApp(context, start="monitor")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await healthy_monitor(app, pilot)
            log = screen.query_one("#log", RichLog)
            await until(pilot, lambda: not screen.query_one("#pane-logs").display, what="hidden")
            await until(pilot, lambda: bool(screen.log_lines), what="a log read")

            def readable() -> bool:
                texts = [strip.text.rstrip() for strip in log.lines]
                return bool(texts) and all(len(t) > 1 for t in texts if t)

            for _ in range(2):
                await pilot.resize_terminal(120, 40)
                await until(pilot, lambda: log.size.width > 10, what="shown")
                await until(pilot, readable, what="lines wrapped to the pane")
                shown = " ".join(strip.text.strip() for strip in log.lines)
                assert "[milvus]" in shown or "[gateway]" in shown, shown[:200]
                await pilot.resize_terminal(80, 24)
                await until(pilot, lambda: log.size.width == 0, what="hidden again")
                screen.restart_log()  # read again from the start, while hidden
                await until(pilot, lambda: bool(screen.log_lines), what="read again")

    asyncio.run(scenario())


def test_panes_side_by_side_when_wide_one_at_a_time_when_narrow(deployed_wizard) -> None:  # type: ignore[no-untyped-def]
    """At 120x40 pools and services, endpoints, trends and the log are all on screen; at
    80x24 one pane at a time, chosen by the tabs. Container ages are relative and in the
    past, in this machine's time though the rehearsal's clock runs fast."""
    from textual.widgets import Tabs

    _, context = deployed_wizard

    async def scenario() -> None:
        app = WizardApp(context, start="monitor")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await healthy_monitor(app, pilot)
            panes = ["#pane-status", "#pane-endpoints", "#pane-trends", "#pane-logs"]

            def shown() -> list[str]:
                return [p for p in panes if screen.query_one(p).display]

            def on_screen(pane: str) -> bool:
                region = screen.query_one(pane).region
                return region.width > 0 and region.bottom <= 40 and region.right <= 120

            await until(pilot, lambda: all(on_screen(p) for p in panes), what="laid out")
            assert shown() == panes
            assert not screen.query_one("#pane-tabs").display
            services = table_text(screen.query_one("#services", DataTable))
            # "8s ago 14:55": in this machine's time, though the rehearsal's clock runs
            # 600 times faster (it read "1h ago" a few real seconds after the deploy).
            # Read against this machine's clock, its start times would be in the future.
            started = re.findall(r"\b(\d+)([smhd]) ago (\d\d:\d\d)\b", services)
            assert started, services
            lately = {
                time.strftime("%H:%M", time.localtime(time.time() - m * 60)) for m in range(11)
            }
            for number, unit, at in started:
                assert unit == "s" or (unit == "m" and int(number) <= 10), services
                assert at in lately, services
            trends = text_of(screen.query_one("#trends", Static))  # type: ignore[arg-type]
            assert "last " in trends or "per refresh" in trends
            table = screen.query_one(ServicesTable)

            def images_fit() -> bool:
                """Every image's tag in view: the table needs no sideways scroll, and an
                image cut is cut at its start."""
                images = [str(row[-1]).rsplit("/", 1)[-1] for row in table.rows_shown]
                cells = [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]
                return table.virtual_size.width <= table.scrollable_content_region.width and all(
                    cell == image or (cell.startswith("…") and image.endswith(cell[1:]))
                    for image, cell in zip(images, cells, strict=True)
                )

            assert images_fit()
            assert any(":3.11-slim" in str(row[-1]) for row in table.rows_shown)

            await pilot.resize_terminal(80, 24)
            await until(pilot, lambda: screen.has_class("-narrow"), what="narrow")
            await until(pilot, images_fit, what="the images fitted again")
            cells = [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]
            assert any(c.startswith("…") and c.endswith(":3.11-slim") for c in cells), cells
            assert shown() == ["#pane-status", "#pane-trends"]
            tabs = screen.query_one("#pane-tabs", Tabs)
            assert tabs.display
            await pilot.press("ctrl+p")  # the palette reaches each pane too
            await until(pilot, lambda: bool(app.screen.query("CommandInput")), what="palette")
            app.screen.query_one("CommandInput", Input).value = "Show the log pane"
            await until(pilot, lambda: listed(app).startswith("Show the log pane"), what="listed")
            await pilot.press("enter")
            await until(pilot, lambda: shown() == ["#pane-logs"], what="the log pane")
            tabs.active = "endpoints"
            await until(pilot, lambda: shown() == ["#pane-endpoints"], what="endpoints")
            await pilot.resize_terminal(120, 40)
            await until(pilot, lambda: shown() == panes, what="all again")

    asyncio.run(scenario())


def test_suspend_resume_copy_and_open_of_a_deployment_not_there_say_so_and_ask_nothing(
    deployed_wizard,  # type: ignore[no-untyped-def]
) -> None:
    """On a deployment the account does not have (never made, or torn down), s and u
    asked what suspending would save and then said "Suspended: services and pools."."""
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.tui.context import WizardContext

    rehearsal, deployed = deployed_wizard
    other = Deployment(account=deployed.deployment.account, prefix="nobody")
    context = WizardContext(chosen=other, rehearsal=rehearsal, refresh_seconds=0.5)

    async def scenario() -> None:
        app = WizardApp(context, start="monitor")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            fresh = screen.query_one("#freshness", Static)
            await until(pilot, lambda: "not deployed" in text_of(fresh), what="a look")
            for key, verb in (("s", "suspend"), ("u", "resume")):
                await pilot.press(key)
                await until_said(pilot, app, f"Nothing to {verb}: NOBODY_MILVUS_DEMO is not")
                assert app.screen is screen  # no question asked
            assert not any("Suspended" in m for m in notes(app))
            said = "No public endpoint: NOBODY_MILVUS_DEMO is not deployed."
            for count, key in enumerate(("c", "o"), 1):  # no URL to copy or open, and why
                await pilot.press(key)
                await until(
                    pilot, lambda n=count: sum(said in m for m in notes(app)) == n, what=key
                )

    asyncio.run(scenario())

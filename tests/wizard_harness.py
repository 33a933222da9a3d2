"""Helpers for driving the real wizard with Textual's Pilot."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text
from textual.app import App
from textual.content import Content
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Static

from spcs_wizard.engine.deployment_session import DeploymentSession
from spcs_wizard.engine.rehearsal import Rehearsal
from spcs_wizard.model.config_file import with_settings
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.tui.context import WizardContext


async def until(
    pilot: Pilot[None], holds: Callable[[], bool], timeout: float = 120.0, what: str = ""
) -> None:
    """Let the app run until ``holds()`` (a readiness check, not a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not holds():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or holds}")
        await pilot.pause(0.05)


async def until_deployed(pilot: Pilot[None], app: App[None], timeout: float = 120.0) -> None:
    """Until the wizard's deploy has ended well, with Next on (Next is on while it runs
    too: it opens the Monitor to watch it). An earlier deploy that failed (the one a
    Retry follows) is not taken for it."""
    from textual.widgets import Button

    from spcs_wizard.tui.app import WizardApp

    assert isinstance(app, WizardApp)
    before = app.job if app.job is not None and app.job.finished else None

    def ended() -> bool:
        job = app.job
        return (
            job is not None
            and job.title == "Deploy"
            and job.finished
            and (job.ok or job is not before)
        )

    await until(pilot, ended, timeout=timeout, what="the deploy's end")
    assert app.job is not None
    # The failure whole, with its logs (the job's message is only its hint).
    failed = [item for kind, item in app.job.log if type(item).__name__ == "StepFailed"]
    assert app.job.ok, f"{app.job.message} {failed}"
    assert not app.screen.query_one("#next", Button).disabled


async def open_without_a_browser(pilot: Pilot[None], app: App[None]) -> str:
    """Press `o` where no browser exists (a server; the one boundary stood in for here:
    Python's browser lookup finding none); returns what was copied instead."""
    import webbrowser

    import pytest

    def no_browser(using: str | None = None) -> None:
        raise webbrowser.Error("could not locate runnable browser")

    app.copy_to_clipboard("")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(webbrowser, "get", no_browser)
        await pilot.press("o")
    await until(pilot, lambda: app.clipboard.startswith("https://"), what="copied")
    return app.clipboard


def notes(app: App[None]) -> list[str]:
    """The notifications the app has shown and still holds, as text."""
    return [str(n.message) for n in app._notifications]


def notices_kept(app: App[None]) -> list[str]:
    """Every notification the app shows from now on, kept here as it is shown (one that
    is cleared at once is still seen)."""
    kept: list[str] = []
    shown = app.notify

    def notify(message: str, *args: Any, **kwargs: Any) -> None:
        kept.append(str(message))
        shown(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return kept


async def until_said(pilot: Pilot[None], app: App[None], text: str, what: str = "") -> str:
    """Until a notification contains ``text``; returns the whole of it."""
    await until(pilot, lambda: any(text in m for m in notes(app)), what=what or text)
    return next(m for m in notes(app) if text in m)


async def search_palette(pilot: Pilot[None], app: App[None], text: str) -> None:
    """Open the palette with its key and search it for ``text``, set in one go: typed
    letter by letter, each letter costs a search and a repaint."""
    from textual.widgets import Input

    await pilot.press("ctrl+p")
    await until(pilot, lambda: bool(app.screen.query("CommandInput")), what="palette open")
    app.screen.query_one("CommandInput", Input).value = text
    await until(pilot, lambda: listed(app).startswith(text), what=f"{text} first")


async def palette_go(pilot: Pilot[None], app: App[None], title: str) -> None:
    """Run the palette's entry ``title`` (e.g. "Go to: Teardown") as a person would."""
    await search_palette(pilot, app, title)
    await pilot.press("enter")


def listed(app: App[None]) -> str:
    """The command palette's options, first (highlighted) first; "" when it is closed."""
    from textual.command import CommandList

    lists = app.screen.query(CommandList)
    if not lists:
        return ""
    options = lists.first()
    return "\n".join(
        str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
    )


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text (Rich renderables rendered at its width)."""
    content = widget.content
    if isinstance(content, str | Content | Text):
        return str(content) if not isinstance(content, str) else Text.from_markup(content).plain
    console = Console(width=max(widget.size.width, 40), file=io.StringIO(), record=True)
    console.print(content)
    return console.export_text()


def shown_line(widget: Widget, y: int = 0) -> str:
    """Line ``y`` of a widget as the terminal shows it (cut, wrapped or not), padding
    stripped: the line the screen last drew."""
    return widget.render_line(y).text.strip()


def job_strip(app: App[None]) -> str:
    """The line every step screen shows of the wizard's job ("" while it is hidden)."""
    widget = app.screen.query_one("#job-strip", Static)
    return text_of(widget) if widget.display else ""


async def visit_composed(pilot: Pilot[None], app: object, step: str) -> None:
    """``visit``, then until the step's screen has composed its widgets."""
    await visit(pilot, app, step)
    await until(pilot, lambda: bool(app.screen.query("#job-strip")), what="composed")  # type: ignore[attr-defined]


def table_text(table: DataTable) -> str:  # type: ignore[type-arg]
    return "\n".join(
        " | ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)
    )


def deployed_rehearsal(directory: Path, speed: float = 600) -> tuple[Rehearsal, WizardContext]:
    """A started rehearsal with the whole deployment made (images recorded, not built)."""
    # A short network timeout: a lost emulator shows as stale within seconds.
    rehearsal = Rehearsal(directory, speed=speed, registry=False, network_timeout=3)
    rehearsal.start()
    d = with_settings(Deployment(), {"account": rehearsal.account}, "test")
    context = WizardContext(chosen=d, rehearsal=rehearsal, refresh_seconds=0.5)
    session: DeploymentSession = context.session
    runner = session.connect()
    try:
        outcome = session.deploy(runner)
    finally:
        runner.con.close()
    assert outcome.ok, outcome.failed
    rehearsal.started.clock.advance(120)  # public endpoints get their URL after a while
    context.connected_as = "logged in as ADMIN with role ACCOUNTADMIN"
    return rehearsal, context


async def visit(pilot: Pilot[None], app: object, step: str) -> None:
    """Show the wizard's ``step`` (as the palette's "Go to" does) and wait for its screen."""
    from spcs_wizard.tui.app import WizardApp, screen_class

    assert isinstance(app, WizardApp)
    cls = screen_class(step)
    app.go(step)
    await until(pilot, lambda: isinstance(app.screen, cls), what=step)

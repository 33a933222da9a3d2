"""Make the README's screenshots from a real rehearsal (Textual's own SVG export).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Runs the wizard with Pilot against the local emulator: the welcome screen, the review,
the deploy checklist once deployed, the live monitor, and the console's answer to the
seed's question.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SIZE = (110, 34)


async def shoot(out: Path) -> None:
    from textual.widgets import Button, Input, Static

    from spcs_wizard.console import demo
    from spcs_wizard.engine.rehearsal import Rehearsal
    from spcs_wizard.tui.app import WizardApp
    from spcs_wizard.tui.context import WizardContext

    wizard = WizardContext(
        rehearsal=Rehearsal(Path(tempfile.mkdtemp()), speed=300, registry=False),
        refresh_seconds=1,
    )
    app = WizardApp(wizard)

    async def wait(pilot, holds, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while not holds():
            if time.monotonic() > deadline:
                raise SystemExit("timed out")
            await pilot.pause(0.1)

    async with app.run_test(size=SIZE) as pilot:
        app.save_screenshot("welcome.svg", str(out))
        await pilot.press("ctrl+n")
        await wait(pilot, lambda: wizard.ready)
        await pilot.press("ctrl+n", "ctrl+n")
        await pilot.pause()
        app.save_screenshot("review.svg", str(out))
        await pilot.press("ctrl+n")
        await pilot.click("#start")
        await wait(pilot, lambda: not app.screen.query_one("#next", Button).disabled)
        await pilot.press("ctrl+n")
        await pilot.click("#start")
        await wait(pilot, lambda: not app.screen.query_one("#next", Button).disabled)
        app.save_screenshot("deploy.svg", str(out))
        await pilot.press("ctrl+n")
        for _ in range(8):  # a few refreshes, so the sparklines have a history
            await pilot.pause(1)
        app.save_screenshot("monitor.svg", str(out))
        await pilot.press("ctrl+n")
        status = app.screen.query_one("#answer-status", Static)
        await wait(pilot, lambda: "connected" in str(status.content))
        await pilot.press("ctrl+d")
        await wait(pilot, lambda: "demo: 3 rows" in str(status.content))
        question = app.screen.query_one("#question", Input)
        question.focus()
        question.value = demo.QUESTION
        await pilot.press("enter")
        await wait(pilot, lambda: "hits in" in str(status.content))
        app.save_screenshot("console.svg", str(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ["SPCS_WIZARD_HOME"] = tempfile.mkdtemp()
    asyncio.run(shoot(args.out.resolve()))
    print(f"screenshots in {args.out}")


if __name__ == "__main__":
    main()

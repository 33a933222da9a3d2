"""Step 1: rehearsal or a real account, what will happen, and what it costs."""

from __future__ import annotations

from collections.abc import Iterable

from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Label, Markdown, RadioButton, RadioSet

from spcs_wizard.tui.screens.base import WizardScreen
from spcs_wizard.tui.widgets.cost_table import CostTable

INTRO = """\
**spcs-wizard** deploys Milvus on Snowpark Container Services, step by step: a role and
a user, a warehouse, a database with its stages and image repository, two compute
pools, the Milvus and notebook images (built for linux/amd64), and the two services.
Every statement is shown before it runs; re-running is safe; teardown removes only what
this tool made.
"""


class WelcomeScreen(WizardScreen):
    STEP = "welcome"

    def compose_body(self) -> Iterable[Widget]:
        with VerticalScroll():
            yield Markdown(INTRO)
            yield Label("Where to deploy", classes="section")
            with RadioSet(id="mode"):
                yield RadioButton(
                    "Rehearsal: a local SPCS emulator and Milvus Lite, no account needed",
                    id="rehearsal",
                    value=self.wizard.mode == "rehearsal",
                )
                yield RadioButton(
                    "A Snowflake account (a connection from connections.toml, or a new one)",
                    id="account",
                    value=self.wizard.mode == "account",
                )
            yield Label("What it costs while running (estimate)", classes="section")
            yield CostTable(self.wizard.deployment, id="cost")

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        mode = "rehearsal" if event.pressed.id == "rehearsal" else "account"
        if mode != self.wizard.mode:
            self.wizard.mode = mode
            self.wizard.connected_as = None

"""Step 4: the plan: every step with the role that runs it, its SQL, and the cost."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static, TabbedContent, TabPane

from spcs_wizard.model.plan import Plan
from spcs_wizard.model.plan_export import to_script
from spcs_wizard.tui.screens.base import WizardScreen
from spcs_wizard.tui.widgets.cost_table import CostTable


class ReviewScreen(WizardScreen):
    STEP = "review"
    AUTO_FOCUS = "#steps"  # the table: up and down show each step's SQL
    # Below 100 columns the steps and the SQL of the one picked are stacked, not side by
    # side: beside the SQL, the table cut the roles to their first letters at 80.
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-stacked"), (100, "-wide")]

    def compose_body(self) -> Iterable[Widget]:
        with TabbedContent(id="review"):
            with TabPane("Steps", id="tab-steps"), Horizontal(id="steps-pane"):
                yield DataTable(id="steps", cursor_type="row")
                with VerticalScroll(id="step-sql"):
                    yield Static("", id="step-detail")
            with TabPane("SQL script", id="tab-sql"), VerticalScroll():
                yield Static("", id="script")
            with TabPane("Cost", id="tab-cost"), VerticalScroll():
                yield Label("Estimated credits per hour while running", classes="section")
                yield CostTable(self.wizard.deployment, id="cost")

    def on_mount(self) -> None:
        self.plan: Plan = self.wizard.session.plan()
        table = self.query_one("#steps", DataTable)
        table.add_columns("#", "step", "runs as")
        for i, step in enumerate(self.plan.steps, 1):
            table.add_row(str(i), step.id, step.role.name, key=step.id)
        script = Syntax(to_script(self.plan), "sql", word_wrap=True, background_color="default")
        self.query_one("#script", Static).update(script)
        self.show_step(self.plan.steps[0].id)
        self.query_one("#nav-status", Static).update(
            f"{len(self.plan.steps)} steps for {self.wizard.deployment.deployment_id}"
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value:
            self.show_step(event.row_key.value)

    def show_step(self, step_id: str) -> None:
        step = self.plan.step(step_id)
        sql = "\n".join(s.text() + ";" for s in step.statements) or f"-- {step.kind.value} step"
        if step.check is not None:
            sql += f"\n-- done when: {step.check.sql.text()}"
        detail = self.query_one("#step-detail", Static)
        head = Text.assemble((step.title, "bold"), f"\nruns as {step.role.name}")
        if step.doc:
            head.append(f"\n{step.doc}", style="dim underline")
        if step.fixes:
            head.append(f"\nfixes the guide: {step.fixes}", style="italic")
        detail.update(Group(head, Syntax(sql, "sql", word_wrap=True, background_color="default")))

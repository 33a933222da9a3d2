"""Estimated credits per hour of a deployment (from the engine's cost model)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from textual.widgets import Static

if TYPE_CHECKING:
    from spcs_wizard.model.deployment import Deployment


def cost_table(deployment: Deployment) -> Table:
    from spcs_wizard.model.cost import SOURCE, estimate

    cost = estimate(deployment)
    table = Table(expand=True, box=None, header_style="bold")
    table.add_column("item")
    table.add_column("size")
    table.add_column("credits/hour", justify="right")
    table.add_column("note", overflow="fold")
    for line in cost.lines:
        rate = "see table" if line.credits_per_hour is None else f"{line.credits_per_hour:g}"
        table.add_row(line.item, line.detail, rate, line.note)
    total = f"{cost.running_per_hour:g}" + ("" if cost.complete else "+")
    pools = "both pools" if deployment.notebook else "the pool"
    table.add_row("[bold]running[/]", pools, f"[bold]{total}[/]", "+ warehouse when used")
    table.caption = f"Snowflake Service Consumption Table: {SOURCE}"
    return table


class CostTable(Static):
    """The estimate of a deployment; without one yet, a line saying it is coming."""

    def __init__(self, deployment: Deployment | None, **kwargs: object) -> None:
        self.pending = deployment is None
        shown = "Working out the cost…" if deployment is None else cost_table(deployment)
        super().__init__(shown, **kwargs)  # type: ignore[arg-type]

    def show(self, deployment: Deployment) -> None:
        self.pending = False
        self.update(cost_table(deployment))

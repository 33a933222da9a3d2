"""Restarts and up/down of each service over the last refreshes, as one-line sparklines."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from spcs_wizard.engine.status_history import StatusHistory
from spcs_wizard.tui.widgets.when import ago

BARS = "▁▂▃▄▅▆▇█"


WIDTH = 12  # bars: the last 12 refreshes


def spark(values: Sequence[int], width: int = WIDTH) -> str:
    """The last ``width`` values scaled to eight heights; zero is the lowest bar."""
    shown = list(values)[-width:]
    top = max(shown, default=0)
    if top <= 0:
        return BARS[0] * len(shown)
    return "".join(BARS[round(v / top * (len(BARS) - 1))] for v in shown)


def up_line(values: Sequence[int], width: int = WIDTH) -> Text:
    text = Text()
    for v in list(values)[-width:]:
        text.append("█" if v else "▁", style="green" if v else "bold red")
    return text


class Trends(Static):
    def show(self, history: StatusHistory, services: Sequence[tuple[str, str]]) -> None:
        """``services``: (label, service name) pairs, in display order."""
        table = Table(box=None, show_header=True, header_style="dim", padding=(0, 2, 0, 0))
        span = history.span(WIDTH)
        table.add_column(f"last {ago(span)}" if span else "per refresh", no_wrap=True)
        table.add_column("restarts", no_wrap=True)
        table.add_column("up", no_wrap=True)
        for label, name in services:
            restarts = history.restart_series(name)
            last = restarts[-1] if restarts else 0
            table.add_row(
                label,
                Text(spark(restarts), style="yellow" if last else "dim") + Text(f" {last}"),
                up_line(history.up_series(name)),
            )
        if span:  # the time scale under the bars: oldest on the left, now on the right
            bars = min(len(history.times), WIDTH)
            left = f"{ago(span)} ago"
            gap = bars - len(left) - len("now")
            scale = f"{left}{' ' * gap}now" if gap > 0 else f"{left} → now"
            table.add_row("", Text(scale, style="dim"), "")
        self.update(table)

"""``spcs-wizard rehearse``: the whole flow headless, against the local SPCS emulator."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape

from spcs_wizard.cli import exit_codes
from spcs_wizard.cli.options import FiniteRange, deployment_options
from spcs_wizard.cli.session import EventPrinter

if TYPE_CHECKING:
    from spcs_wizard.engine.stages import Stage
    from spcs_wizard.model.deployment import Deployment


@click.command("rehearse")
@deployment_options
@click.option(
    "--keep",
    is_flag=True,
    help="Leave the deployment in the rehearsal account (the wizard then opens on it) "
    "instead of tearing it down.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object at the end (for CI).")
@click.option("--steps", is_flag=True, help="Also print each deploy and teardown step.")
@click.option(
    "--speed",
    default=30.0,
    show_default=True,
    type=FiniteRange(min=0.001),
    help="How many times faster than real time pools and services start.",
)
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the rehearsal account lives. Default: the wizard's, under the state home.",
)
def rehearse_command(
    deployment: Deployment,
    keep: bool,
    as_json: bool,
    steps: bool,
    speed: float,
    home: Path | None,
) -> None:
    """The whole flow with no account, no network and no docker or podman: start the
    local SPCS emulator, deploy (images recorded, not built), check that it runs, ask the
    seed's question ("Who started AI research?") through the Milvus endpoint, tear down.
    Exit 0 when every stage passed, 1 at the first that did not (it says what next).

    A deployment that was already in the rehearsal account before the run is kept."""
    from spcs_wizard.engine.rehearsal import Rehearsal, rehearsal_home
    from spcs_wizard.engine.rehearse import rehearse

    console = Console(highlight=False, soft_wrap=True)  # a line per stage, even in a log
    printer = EventPrinter(as_json=False)
    printer.console = console
    where = home or rehearsal_home()
    outcome = rehearse(
        Rehearsal(where, speed=speed, registry=False),
        deployment,
        keep=keep,
        on_stage=(lambda _: None) if as_json else lambda stage: print_stage(console, stage),
        on_event=printer if steps and not as_json else lambda _: None,
    )
    if as_json:
        click.echo(json.dumps(outcome.to_dict()))
    elif outcome.ok:
        total = sum(s.seconds for s in outcome.stages)
        console.print(f"[bold green]Rehearsal passed[/] in {total:.1f} s")
    if outcome.kept and not as_json:
        reach = _reach(where, deployment.deployment_id)
        console.print(f"The deployment is kept ({outcome.kept_because}). {reach}")
    if not outcome.ok:
        nothing_done = outcome.stages[-1].name == "start"  # e.g. a --home it cannot use
        sys.exit(exit_codes.USAGE if nothing_done else exit_codes.FAILURE)


def _reach(where: Path, deployment_id: str) -> str:
    from spcs_wizard.engine.rehearsal import rehearsal_home

    if where.resolve() != rehearsal_home().resolve():
        return (
            f"It is in {where}, which the wizard does not open (its rehearsal account is "
            f"{rehearsal_home()}); 'spcs-wizard rehearse --home {where}' finds it again."
        )
    # Welcome's list, not Next: the wizard starts on the names Naming had last time,
    # which may be another deployment's.
    return (
        f"The wizard ('spcs-wizard', rehearsal) reaches it: on Welcome, Enter on its row "
        f"({deployment_id}) goes on to its Monitor; its Teardown removes it. So do the "
        "commands, with --rehearsal and the same settings ('spcs-wizard status --rehearsal')."
    )


def print_stage(console: Console, stage: Stage) -> None:
    """A stage as it ends: its mark, name, time and detail; what to do when it failed."""
    mark = "[green]✓[/]" if stage.ok else "[bold red]✗[/]"
    console.print(f"{mark} {stage.name:<9} {stage.seconds:6.1f} s  {escape(stage.detail)}")
    if stage.hint:
        console.print(f"  next: {escape(stage.hint)}")

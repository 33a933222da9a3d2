"""``spcs-wizard tui`` (and ``spcs-wizard`` alone on a terminal): the Textual wizard."""

from __future__ import annotations

import click

from spcs_wizard.cli.options import FiniteRange, deployment_options
from spcs_wizard.model.deployment import Deployment


@click.command("tui")
@deployment_options
@click.option(
    "--connection",
    "-c",
    "connection_name",
    envvar="SPCS_WIZARD_CONNECTION",
    help="Start on a real account with this connection (default: rehearsal mode).",
)
@click.option(
    "--refresh",
    default=5.0,
    show_default=True,
    type=FiniteRange(min=0.5),
    help="Seconds between monitor refreshes.",
)
@click.option(
    "--speed",
    default=30.0,
    show_default=True,
    type=FiniteRange(min=0.001),
    help="Rehearsal only: how many times faster than real time pools and services start.",
)
def tui_command(
    deployment: Deployment, connection_name: str | None, refresh: float, speed: float
) -> None:
    """The wizard: Welcome, Connection, Naming, Review, Build & push, Deploy, Monitor,
    Console, Teardown. Starts in rehearsal mode (a local SPCS emulator and Milvus Lite,
    no account needed); -c CONNECTION starts on a real account. Without settings (no
    spcs-wizard.toml, no --set), it starts with the names Naming had last time."""
    from spcs_wizard.engine.known_deployments import starting_deployment
    from spcs_wizard.engine.rehearsal import Rehearsal
    from spcs_wizard.tui.app import run
    from spcs_wizard.tui.context import WizardContext

    deployment, from_draft = starting_deployment(deployment)
    wizard = WizardContext(
        deployment=deployment,
        from_draft=from_draft,
        mode="account" if connection_name else "rehearsal",
        connection_name=connection_name,
        rehearsal=None if connection_name else Rehearsal(speed=speed),
        refresh_seconds=refresh,
    )
    run(wizard)

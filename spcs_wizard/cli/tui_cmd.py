"""``spcs-wizard tui`` (and ``spcs-wizard`` alone on a terminal): the Textual wizard."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from spcs_wizard.cli.options import FiniteRange, given_deployment_options
from spcs_wizard.cli.session import ConfigurationError
from spcs_wizard.cli.wizard_start import (
    CONNECTION_ENV,
    REFRESH_SECONDS,
    REHEARSAL_SPEED,
    interactive,
    start_wizard,
)

if TYPE_CHECKING:
    from spcs_wizard.model.deployment import Deployment


@click.command("tui")
@given_deployment_options
@click.option(
    "--connection",
    "-c",
    "connection_name",
    envvar=CONNECTION_ENV,
    help="Start on a real account with this connection (default: rehearsal mode).",
)
@click.option(
    "--refresh",
    default=REFRESH_SECONDS,
    show_default=True,
    type=FiniteRange(min=0.5),
    help="Seconds between monitor refreshes.",
)
@click.option(
    "--speed",
    default=REHEARSAL_SPEED,
    show_default=True,
    type=FiniteRange(min=0.001),
    help="Rehearsal only: how many times faster than real time pools and services start.",
)
def tui_command(
    deployment: Deployment | None, connection_name: str | None, refresh: float, speed: float
) -> None:
    """The wizard: Welcome, Connection, Naming, Review, Build & push, Deploy, Monitor,
    Console, Teardown. Starts in rehearsal mode (a local SPCS emulator and Milvus Lite,
    no account needed); -c CONNECTION starts on a real account. Without settings (no
    spcs-wizard.toml, no --set), it starts with the names Naming had last time."""
    from spcs_wizard.tui import start_up

    with start_up.held():  # until the first screen is drawn, or the command stops
        _run_wizard(deployment, connection_name, refresh, speed)


def _run_wizard(
    deployment: Deployment | None, connection_name: str | None, refresh: float, speed: float
) -> None:
    # Settings given are checked now (a mistake is said before the wizard starts); with
    # none, the wizard loads last time's draft or the defaults once its first screen is up.
    from_draft = False
    if deployment is not None:
        from spcs_wizard.engine.known_deployments import starting_deployment

        deployment, from_draft = starting_deployment(deployment)
    if not interactive():  # a full-screen app with no one to see it would run forever
        raise ConfigurationError(
            "the wizard needs a terminal, and stdin or stdout is not one here; in a script, "
            "run its steps as commands ('spcs-wizard --help' lists them), or the whole "
            "rehearsal headless with 'spcs-wizard rehearse'"
        )
    source = click.get_current_context().get_parameter_source("connection_name")
    given = {ParameterSource.ENVIRONMENT: f"${CONNECTION_ENV}", ParameterSource.COMMANDLINE: "-c"}
    start_wizard(deployment, from_draft, connection_name, refresh, speed, given.get(source, ""))

"""Starting the wizard: the one way ``spcs-wizard tui`` and ``spcs-wizard`` alone on a
terminal start it. Without Click: the bare command with no settings given starts the
wizard from here before Click is imported (cli/entry.py)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from spcs_wizard.model.settings_env import env_overrides
from spcs_wizard.paths import default_config_path

if TYPE_CHECKING:
    from spcs_wizard.model.deployment import Deployment

REFRESH_SECONDS = 5.0  # between the monitor's looks
REHEARSAL_SPEED = 30.0  # how many times faster than real time a rehearsal's objects start
CONNECTION_ENV = "SPCS_WIZARD_CONNECTION"  # the account to start on (else: rehearsal)


def interactive() -> bool:
    """A person at a terminal: both stdin and stdout are one."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def settings_around() -> bool:
    """Deployment settings given without a flag: a settings file ($SPCS_WIZARD_CONFIG or
    ./spcs-wizard.toml) or an SPCS_WIZARD_<SECTION>__<FIELD> variable."""
    return default_config_path() is not None or bool(env_overrides(os.environ))


def start_wizard(
    deployment: Deployment | None,
    from_draft: bool,
    connection_name: str | None,
    refresh: float,
    speed: float,
    connection_given: str,
) -> None:
    """Run the wizard until it is quit: on the account of ``connection_name`` (given by
    ``connection_given``: "-c" or the variable; "" for none), else in rehearsal mode; with
    ``deployment`` (checked already), else with last time's draft or the defaults, loaded
    once its first screen is up."""
    from spcs_wizard.tui.app import run
    from spcs_wizard.tui.context import WizardContext

    run(
        WizardContext(
            chosen=deployment,
            from_draft=from_draft,
            use_draft=deployment is None,
            mode="account" if connection_name else "rehearsal",
            connection_name=connection_name,
            started_on=(connection_name, connection_given) if connection_name else None,
            rehearsal_speed=None if connection_name else speed,
            refresh_seconds=refresh,
        )
    )


def start_alone() -> None:
    """The wizard as ``spcs-wizard tui`` starts it when given nothing (the connection from
    $SPCS_WIZARD_CONNECTION, as its ``-c`` reads it)."""
    from spcs_wizard.tui import start_up

    with start_up.held():
        connection = os.environ.get(CONNECTION_ENV) or None
        given = f"${CONNECTION_ENV}" if connection else ""
        start_wizard(None, False, connection, REFRESH_SECONDS, REHEARSAL_SPEED, given)

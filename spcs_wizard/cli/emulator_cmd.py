"""``spcs-wizard emulator``: run the local SPCS emulator (rehearsals, tests, demos)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import click

from spcs_wizard.cli.options import FiniteRange
from spcs_wizard.paths import state_home

PASSWORD_ENV = "SPCS_WIZARD_EMULATOR_PASSWORD"


def _admin_password(state_dir: Path) -> str:
    """Needed on the first start only (afterwards only its hash is in the state)."""
    if (state_dir / "account.json").exists():
        return os.environ.get(PASSWORD_ENV, "")
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():
        raise click.UsageError(
            f"the first start creates the ADMIN user and needs its password: set {PASSWORD_ENV}"
        )
    return str(
        click.prompt(
            "Password for the emulator's ADMIN user", hide_input=True, confirmation_prompt=True
        )
    )


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--speed",
    default=1.0,
    show_default=True,
    type=FiniteRange(min=0.001),
    help="How many times faster than real time pools and services progress.",
)
@click.option(
    "--faults",
    "faults_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Faults to inject (TOML; see the emulator docs).",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the emulated account lives. Default: <state home>/emulator.",
)
@click.option(
    "--registry/--no-registry",
    default=None,
    help="Run the account's image registry (docker-registry on 127.0.0.1). "
    "Default: when docker-registry is installed.",
)
@click.option("--organization", default="REHEARSAL", show_default=True)
@click.option("--account", default="LOCAL", show_default=True)
@click.option(
    "--profile",
    type=click.Choice(["standard", "trial"]),
    default="standard",
    show_default=True,
    help="What kind of account to be: 'trial' refuses what a trial account refuses "
    "(external access integrations).",
)
def emulator_command(
    host: str,
    port: int,
    speed: float,
    faults_file: Path | None,
    state_dir: Path | None,
    registry: bool | None,
    organization: str,
    account: str,
    profile: str,
) -> None:
    """Run a local Snowflake endpoint with Snowpark Container Services, for rehearsals.

    The real Snowflake connector (and so every spcs-wizard command) can log in to it;
    compute pools and services go through their states on a clock you can speed up.
    The ADMIN user's password comes from $SPCS_WIZARD_EMULATOR_PASSWORD, or a prompt.
    """
    # Imported here so that other commands start without loading the emulator.
    from spcs_wizard.emulator.faults import Faults
    from spcs_wizard.emulator.registry import RegistryUnavailableError, find_registry_binary
    from spcs_wizard.emulator.server import Emulator
    from spcs_wizard.emulator.settings import EmulatorSettings

    directory = state_dir or state_home() / "emulator"
    try:
        faults = Faults.from_file(faults_file) if faults_file else Faults()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    settings = EmulatorSettings(
        state_dir=directory,
        organization=organization.upper(),
        account=account.upper(),
        admin_password=_admin_password(directory),
        speed=speed,
        registry=registry if registry is not None else find_registry_binary() is not None,
        profile=profile,
    )
    try:
        emulator = Emulator(settings, faults)
        emulator.start(host, port)
    except RegistryUnavailableError as exc:
        raise click.ClickException(str(exc)) from None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port"
        ) from None
    click.echo(
        f"SPCS emulator for {settings.account_identifier} listening on "
        f"http://{emulator.host}:{emulator.port} ({profile} account, speed x{speed:g}, "
        f"state in {directory}).\n"
        f"Connect with host={emulator.host} port={emulator.port} protocol=http "
        f"account={settings.account_identifier.lower()} user={settings.admin_user}. "
        "Ctrl-C stops it.",
    )
    if settings.registry:
        click.echo(
            f"Image registry: {settings.registry_host} (plain HTTP on loopback; log in "
            "as 0sessiontoken with an issued token in JSON form, as snow spcs image-registry "
            "login does; or a user name with its programmatic access token or password)."
        )
    else:
        click.echo("Image registry: off (install docker-registry, or pass --registry).")
    sys.stdout.flush()
    # A service manager (or `timeout`) stops us with SIGTERM: shut down cleanly then too.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=emulator.stop).start())
    try:
        emulator.wait()
    except KeyboardInterrupt:
        click.echo("Stopping.")
    finally:
        emulator.stop()

"""``spcs-wizard config``: create and inspect the deployment settings file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from spcs_wizard.cli.options import deployment_options
from spcs_wizard.model.config_file import save_deployment, setting_paths, to_toml
from spcs_wizard.paths import DEFAULT_CONFIG_NAME

if TYPE_CHECKING:
    from spcs_wizard.model.deployment import Deployment


@click.group("config")
def config_group() -> None:
    """Create, show and check deployment settings."""


@config_group.command("init")
@click.argument(
    "path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_CONFIG_NAME
)
@deployment_options
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init_command(path: Path, deployment: Deployment, force: bool) -> None:
    """Write a commented settings file (defaults plus any --prefix/--set given)."""
    if path.exists() and not force:
        raise click.UsageError(f"{path} exists; pass --force to overwrite it")
    save_deployment(deployment, path)
    click.echo(f"Wrote {path}. Edit it, then run: spcs-wizard plan --config {path}")


@config_group.command("show")
@deployment_options
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
def show_command(deployment: Deployment, as_json: bool) -> None:
    """Print the effective settings after file, environment and flags."""
    if as_json:
        click.echo(json.dumps(deployment.model_dump(by_alias=True), indent=2))
    else:
        click.echo(to_toml(deployment), nl=False)


@config_group.command("keys")
def keys_command() -> None:
    """List every setting key (for --set and SPCS_WIZARD_* variables)."""
    for key, info in setting_paths().items():
        env = "SPCS_WIZARD_" + key.upper().replace(".", "__")
        click.echo(f"{key:36} {env:46} {info.description or ''}".rstrip())

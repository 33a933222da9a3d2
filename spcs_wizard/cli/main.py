"""Entry point of the ``spcs-wizard`` command."""

from __future__ import annotations

import sys

import click

from spcs_wizard import __version__
from spcs_wizard.cli import exit_codes
from spcs_wizard.cli.config_cmd import config_group
from spcs_wizard.cli.connections_cmd import connections_group, login_command
from spcs_wizard.cli.console_cmd import console_command, load_command, query_command
from spcs_wizard.cli.deploy_cmd import deploy_command, teardown_command
from spcs_wizard.cli.emulator_cmd import emulator_command
from spcs_wizard.cli.images_cmd import images_group
from spcs_wizard.cli.plan_cmd import plan_command
from spcs_wizard.cli.rehearse_cmd import rehearse_command
from spcs_wizard.cli.specs_cmd import specs_group
from spcs_wizard.cli.status_cmd import (
    endpoints_command,
    logs_command,
    preflight_command,
    resume_command,
    status_command,
    suspend_command,
)
from spcs_wizard.cli.tui_cmd import tui_command
from spcs_wizard.model.config_file import ConfigError
from spcs_wizard.model.identifiers import IdentifierError

EPILOG = """\b
Exit codes: 0 ok, 1 failure, 2 usage or configuration error (nothing was done),
3 partly done or needs attention.
"""


@click.group(
    invoke_without_command=True,
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "-V", "--version", prog_name="spcs-wizard")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Deploy Milvus on Snowflake Snowpark Container Services, watch it, query it.

    Alone on a terminal, starts the wizard (rehearsal mode: no account needed). Every
    step of the wizard is also a command; 'spcs-wizard plan' shows what a deployment
    creates, in order, with the SQL it runs.
    """
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            ctx.invoke(tui_command)
        else:
            click.echo(ctx.get_help())


cli.add_command(tui_command)
cli.add_command(plan_command)
cli.add_command(config_group)
cli.add_command(emulator_command)
cli.add_command(specs_group)
cli.add_command(login_command)
cli.add_command(images_group)
cli.add_command(connections_group)
cli.add_command(console_command)
cli.add_command(query_command)
cli.add_command(load_command)
cli.add_command(rehearse_command)
for command in (
    preflight_command,
    deploy_command,
    status_command,
    logs_command,
    endpoints_command,
    suspend_command,
    resume_command,
    teardown_command,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user mistakes become one clear line on stderr, never a traceback."""
    try:
        cli.main(args=argv, prog_name="spcs-wizard", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return exit_codes.FAILURE
    except click.ClickException as exc:
        exc.show()
        return exit_codes.USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except (ConfigError, IdentifierError) as exc:
        click.echo(f"error: {exc}", err=True)
        return exit_codes.USAGE
    return exit_codes.OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

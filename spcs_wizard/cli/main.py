"""Entry point of the ``spcs-wizard`` command."""

from __future__ import annotations

import importlib
import sys

import click

from spcs_wizard import __version__
from spcs_wizard.cli import exit_codes

# Each command: where it is (imported only when it runs or shows its help: `spcs-wizard
# --help` and the wizard start without the other commands' imports), and the summary the
# command list shows, which is its help's first sentence (tests/test_cli.py holds them
# equal).
COMMANDS: dict[str, tuple[str, str]] = {
    "config": ("config_cmd:config_group", "Create, show and check deployment settings."),
    "connections": (
        "connections_cmd:connections_group",
        "List, try and remove Snowflake connections (connections.toml + keyring).",
    ),
    "console": (
        "console_cmd:console_command",
        "An interactive console: questions, collections, loading, filters.",
    ),
    "deploy": (
        "deploy_cmd:deploy_command",
        "Create everything the plan lists, skipping what is already there; safe to re-run, "
        "and it resumes where an interrupted run stopped.",
    ),
    "emulator": (
        "emulator_cmd:emulator_command",
        "Run a local Snowflake endpoint with Snowpark Container Services, for rehearsals.",
    ),
    "endpoints": (
        "status_cmd:endpoints_command",
        "Public URLs of the services (log in to them with Snowflake).",
    ),
    "images": (
        "images_cmd:images_group",
        "Put the images (linux/amd64) into the account's repository: Milvus and its gateway "
        "copied as they are from their source registries, Jupyter built (it bakes a model in).",
    ),
    "load": (
        "console_cmd:load_command",
        "Load a file (text lines, CSV, JSON lines or Parquet) into a collection: embedded in "
        "batches, then flushed and indexed so searches are fast at once.",
    ),
    "login": (
        "connections_cmd:login_command",
        "Save a connection to connections.toml (shared with Snowflake CLI) and its secret to "
        "the OS keyring, then try it.",
    ),
    "logs": ("status_cmd:logs_command", "The service container's log (SYSTEM$GET_SERVICE_LOGS)."),
    "plan": (
        "plan_cmd:plan_command",
        "Show every step a deployment takes: role, SQL, check, undo.",
    ),
    "preflight": (
        "status_cmd:preflight_command",
        "Check that this login can deploy: roles, SPCS, public endpoints.",
    ),
    "query": (
        "console_cmd:query_command",
        "Ask a collection a question: the text is embedded with the collection's model and "
        "the nearest rows come back with their scores and the latency.",
    ),
    "rehearse": (
        "rehearse_cmd:rehearse_command",
        "The whole flow with no account, no network and no docker or podman: start the local "
        "SPCS emulator, deploy (images recorded, not built), check that it runs, ask the "
        'seed\'s question ("Who started AI research?") through the Milvus endpoint, tear down.',
    ),
    "resume": ("status_cmd:resume_command", "Resume the compute pools and the services."),
    "specs": (
        "specs_cmd:specs_group",
        "Render, validate and compare the Milvus and Jupyter service specifications.",
    ),
    "status": (
        "status_cmd:status_command",
        "Compute pools, services, containers (restarts, messages) and endpoints.",
    ),
    "suspend": (
        "status_cmd:suspend_command",
        "Suspend the services and their compute pools (no credits while suspended).",
    ),
    "teardown": (
        "deploy_cmd:teardown_command",
        "Remove what this deployment created, newest first.",
    ),
    "workshop": (
        "workshop_cmd:workshop_group",
        "Run a hands-on workshop on one shared account: a deployment per attendee (their own "
        "prefix, role, user, pools and services), provisioned side by side, watched, "
        "suspended and torn down together.",
    ),
    "tui": (
        "tui_cmd:tui_command",
        "The wizard: Welcome, Connection, Naming, Review, Build & push, Deploy, Monitor, "
        "Console, Teardown.",
    ),
}


def load_command(name: str) -> click.Command:
    module, attribute = COMMANDS[name][0].split(":")
    command: click.Command = getattr(
        importlib.import_module(f"spcs_wizard.cli.{module}"), attribute
    )
    return command


class Commands(click.Group):
    """The commands of COMMANDS, each imported when it is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name) if cmd_name in COMMANDS else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, shortened(COMMANDS[name][1], limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def shortened(summary: str, limit: int) -> str:
    """A command's summary in ``limit`` characters, cut at a word with "..." as Click
    cuts a command's own help (its helper for that is deprecated in Click 8.2)."""
    if len(summary) <= limit:
        return summary
    import textwrap

    return textwrap.shorten(summary, max(limit, 3), placeholder="...", break_on_hyphens=False)


EPILOG = """\b
Exit codes: 0 ok, 1 failure, 2 usage or configuration error (nothing was done),
3 partly done or needs attention.
"""


@click.group(
    cls=Commands,
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
        from spcs_wizard.cli.wizard_start import interactive

        if interactive():  # as `spcs-wizard tui`, its options read as it reads them
            tui = load_command("tui")
            with tui.make_context("tui", [], parent=ctx) as tui_ctx:
                tui.invoke(tui_ctx)
        else:
            click.echo(ctx.get_help())


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user mistakes become one clear line on stderr, never a traceback."""
    try:
        cli.main(args=argv, prog_name="spcs-wizard", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return exit_codes.FAILURE
    except click.NoSuchOption as exc:
        if exc.ctx is not None and exc.ctx.command is cli and wizard_option(exc.option_name):
            # `spcs-wizard` alone is the wizard, but its options belong to `tui`.
            exc.message += (
                f" The wizard's options go after 'tui': spcs-wizard tui {exc.option_name} …"
            )
        exc.show()
        return exit_codes.USAGE
    except click.ClickException as exc:
        exc.show()
        return exit_codes.USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except Exception as exc:
        if not is_user_error(exc):
            raise
        click.echo(f"Error: {exc}", err=True)  # as Click says its own
        return exit_codes.USAGE
    return exit_codes.OK


def wizard_option(name: str) -> bool:
    """One of `spcs-wizard tui`'s options (given to the bare command instead)."""
    return any(name in p.opts for p in load_command("tui").params)


def is_user_error(exc: Exception) -> bool:
    """Settings or a name that cannot be used: said in one line."""
    from spcs_wizard.model.config_file import ConfigError
    from spcs_wizard.model.identifiers import IdentifierError

    return isinstance(exc, ConfigError | IdentifierError)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

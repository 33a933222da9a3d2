"""What the account commands share: the connection option, secrets, event rendering."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click
from rich.markup import escape

from spcs_wizard.cli.out_console import OutConsole
from spcs_wizard.cli.wizard_start import interactive

if TYPE_CHECKING:  # (the engine's modules load when used: `spcs-wizard tui` starts sooner)
    from pathlib import Path

    from spcs_wizard.cli.push_bars import PushBars
    from spcs_wizard.engine.deployment_session import DeploymentSession, Target
    from spcs_wizard.engine.events import Event
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.images.push import PushEvent
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.sql import SecretSlot


REHEARSAL_HELP = (
    "On the wizard's rehearsal account instead (the local SPCS emulator the wizard uses "
    "with no account; nothing billed)."
)


def connection_option(func: Callable[..., Any] | None = None, *, rehearsal: bool = True) -> Any:
    """``--connection`` (and ``--rehearsal`` unless told not to): the command gets
    ``target``, with the rehearsal's emulator running for as long as the command runs and
    ``deployment`` (when it has one) on the rehearsal's account."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(
            *args: Any, connection_name: str | None, on_rehearsal: bool = False, **kwargs: Any
        ) -> Any:
            with chosen_target(connection_name, on_rehearsal) as target:
                if target.rehearsal is not None and kwargs.get("deployment") is not None:
                    kwargs["deployment"] = on_account(kwargs["deployment"], target)
                return func(*args, target=target, **kwargs)

        if rehearsal:
            wrapper = click.option(
                "--rehearsal", "on_rehearsal", is_flag=True, help=REHEARSAL_HELP
            )(wrapper)
        return click.option(
            "--connection",
            "-c",
            "connection_name",
            envvar="SPCS_WIZARD_CONNECTION",
            help="Connection from Snowflake's connections.toml. Default: the default "
            "connection (config.toml's default_connection_name, "
            "$SNOWFLAKE_DEFAULT_CONNECTION_NAME), else the one named 'default'.",
        )(wrapper)

    return decorate if func is None else decorate(func)


@contextmanager
def chosen_target(
    connection_name: str | None, on_rehearsal: bool, services: bool = False
) -> Iterator[Target]:
    """The account a command works on: the connection (or the default one), or with
    ``on_rehearsal`` the wizard's rehearsal account, its emulator started for the command
    (``services``: with Milvus Lite behind each running Milvus service)."""
    from spcs_wizard.engine.deployment_session import Target

    if not on_rehearsal:
        from spcs_wizard.credentials.connections_file import default_connection_name

        yield Target(connection_name=connection_name or default_connection_name() or "default")
        return
    context = click.get_current_context(silent=True)
    if connection_name and context is not None:
        from click.core import ParameterSource

        if context.get_parameter_source("connection_name") == ParameterSource.COMMANDLINE:
            raise click.UsageError("--rehearsal or --connection: one account at a time")
    from spcs_wizard.engine.rehearsal import rehearsal_home

    with rehearsal_target(rehearsal_home(), services) as target:
        yield target


@contextmanager
def rehearsal_target(home: Path, services: bool) -> Iterator[Target]:
    """A rehearsal account's emulator, running while the block runs (images recorded,
    not built: no registry is started)."""
    from spcs_wizard.engine.deployment_session import Target
    from spcs_wizard.engine.rehearsal import Rehearsal

    place = Rehearsal(home, registry=False, run_services=services)
    try:
        place.start()
    except OSError as exc:  # in use by another process (it is named), or not writable
        # Nothing was done: exit 2, as `rehearse` does for the same.
        raise ConfigurationError(f"the rehearsal emulator could not start: {exc}") from None
    try:
        if services:  # its Milvus starts again with it; what does not serve is said later
            place.until_serving()
        yield Target(rehearsal=place)
    finally:
        place.stop()


def on_account(deployment: Deployment, target: Target) -> Deployment:
    """The deployment on the rehearsal's account (its registry host comes from it)."""
    from spcs_wizard.model.config_file import with_settings

    assert target.rehearsal is not None
    return with_settings(deployment, {"account": target.rehearsal.account}, "rehearsal")


def same_target(target: Target) -> str:
    """How to name this account again on the command line: "--rehearsal" or "-c NAME"."""
    return "--rehearsal" if target.is_rehearsal else f"-c {target.connection_name}"


@contextmanager
def open_runner(target: Target) -> Iterator[SqlRunner]:
    from spcs_wizard.connection import (
        ConnectionFailedError,
        MissingConnectionError,
        open_connection,
    )
    from spcs_wizard.engine.runner import SqlRunner

    if target.rehearsal is not None:
        try:
            runner = target.connect()
        except ConnectionFailedError as exc:
            raise click.ClickException(str(exc)) from None
        try:
            yield runner
        finally:
            runner.con.close()
        return
    connection_name = target.connection_name or "default"
    try:
        con = open_connection(connection_name, ask_passcode=ask_passcode)
    except ConnectionFailedError as exc:
        missing = isinstance(exc, MissingConnectionError)
        chosen = _choose_connection(connection_name) if missing else None
        if chosen is None:
            raise connection_failure(exc) from None
        try:
            con = open_connection(chosen, ask_passcode=ask_passcode)
        except ConnectionFailedError as again:
            raise click.ClickException(str(again)) from None
    try:
        yield SqlRunner(con)
    finally:
        con.close()


class ConfigurationError(click.ClickException):
    """A configuration the command cannot use (exit 2, as the README says)."""

    exit_code = 2


def connection_failure(exc: Exception) -> click.ClickException:
    """The CLI error for a failed connection: exit 2 when the connection does not exist
    (configuration), 1 when it exists but did not connect."""
    from spcs_wizard.connection import MissingConnectionError

    if not isinstance(exc, MissingConnectionError):
        return click.ClickException(str(exc))
    context = click.get_current_context(silent=True)
    offers = context is not None and any(p.name == "on_rehearsal" for p in context.command.params)
    # No account yet: the wizard's rehearsal is what this person may have been using.
    return ConfigurationError(
        str(exc) + ("; or, for the wizard's rehearsal account, add --rehearsal" if offers else "")
    )


def _choose_connection(missing: str) -> str | None:
    """On a terminal, offer the connections that do exist instead of failing."""
    if not interactive():
        return None
    import questionary

    from spcs_wizard.credentials.connections_file import all_connections

    names = sorted(all_connections())
    if not names:
        return None
    return questionary.select(
        f"There is no connection named {missing!r}. Use which one?", choices=names
    ).ask()


def ask_passcode() -> str | None:
    """The MFA passcode, asked on a terminal (empty: approve a push instead)."""
    if not interactive():
        return None
    import questionary

    with no_echo():
        return questionary.password("MFA passcode (empty to approve a push):").ask() or None


def confirm(question: str) -> bool:
    import questionary

    return bool(questionary.confirm(question, default=False).ask())


def ask_and_keep(session: DeploymentSession) -> Callable[[SecretSlot], str]:
    """A deployment secret nothing provides (``SPCS_WIZARD_SECRET_<KEY>``, the OS
    keyring): a masked prompt on a terminal; the answer is then kept in the keyring when
    one is available, so the next run does not ask."""

    from spcs_wizard.model.secret_rules import secret_variable

    def ask(slot: SecretSlot) -> str:
        value = _ask_secret(slot, secret_variable(slot))
        problem = session.give_secret(slot, value)
        click.echo(
            f"Not kept: {problem}" if problem else "Kept in the OS keyring for the next run.",
            err=True,
        )
        return value

    return ask


def _ask_secret(slot: SecretSlot, variable: str) -> str:
    if not interactive():  # asked before the deployment's first change
        raise ConfigurationError(
            f"the deployment needs the {slot.description} ({variable}): set the variable, "
            "or store it in the keyring by running once on a terminal. Nothing was done."
        )
    import questionary

    from spcs_wizard.model.secret_rules import secret_problem

    with no_echo():
        while True:
            first = questionary.password(f"{slot.description.capitalize()}:").ask()
            if first is None:  # Ctrl-C
                raise click.Abort()
            problem = secret_problem(slot, str(first))
            if problem is not None:
                click.echo(f"That {slot.description} cannot be used: {problem}. Try again.")
                continue
            if questionary.password("Once more, to confirm:").ask() == first:
                return str(first)
            click.echo("They differ; try again.")


@contextmanager
def no_echo() -> Iterator[None]:
    """The terminal does not echo what is typed while secrets are being asked for, also
    between two prompts: a secret typed before its prompt is ready is not shown either
    (each prompt masks its own input and gives this setting back when it is done)."""
    try:
        import termios

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError):  # not a terminal (or not POSIX)
        yield
        return
    quiet = list(saved)
    quiet[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)


class EventPrinter:
    """Renders engine events as lines (Rich) or JSON lines (``--json``)."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.console = OutConsole(highlight=False)
        self.bars: PushBars | None = None
        self._image = "image"  # the image step under way

    def push(self, event: PushEvent) -> None:
        """Byte progress of an image push: bars per image and per layer."""
        if self.bars is None:
            from spcs_wizard.cli.push_bars import PushBars

            self.bars = PushBars(self.console)
        self.bars.start_image(self._image)
        self.bars(event)

    def build_line(self, line: str) -> None:
        """A line of a container build or push, shown dimmed under its step."""
        self.console.print(f"[dim]    | {escape(line)}[/]", markup=True, highlight=False)

    def __call__(self, event: Event) -> None:
        from spcs_wizard.engine.events import StepDone, StepFailed, StepSkipped, StepStarted

        if self.as_json:
            click.echo(json.dumps(event.to_dict()))
            return
        if event.step_id.startswith("image-") and isinstance(event, StepStarted):
            self._image = event.step_id.removeprefix("image-")
        elif self.bars is not None and not event.step_id.startswith("image-"):
            self.bars.close()  # the image steps are over: back to plain lines
            self.bars = None
        if isinstance(event, StepSkipped):
            self.console.print(f"[dim]  - {event.step_id}: {event.reason}[/]")
        elif isinstance(event, StepStarted):
            self.console.print(f"[cyan]  > {event.step_id}[/]: {event.title}")
        elif isinstance(event, StepDone):
            self.console.print(f"[green]  ✓ {event.step_id}[/] ({event.seconds:.1f} s)")
        elif isinstance(event, StepFailed):
            code = f" [{event.code}]" if event.code else ""
            self.console.print(f"[bold red]  ✗ {event.step_id}{code}[/]: {event.message}")
            self.console.print(f"    next: {event.hint}")
            for line in event.logs[-20:]:
                self.console.print(f"    [dim]| {line}[/]")
        else:  # waiting
            self.console.print(f"[dim]    … {getattr(event, 'detail', '')}[/]")

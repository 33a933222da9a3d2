"""Options shared by every command that works on a deployment."""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from spcs_wizard.cli.wizard_start import settings_around
from spcs_wizard.paths import CONFIG_ENV, default_config_path

if TYPE_CHECKING:
    from collections.abc import Callable

    from spcs_wizard.model.deployment import Deployment


def deployment_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add --config/--prefix/--account/--set and pass a validated ``deployment``."""
    return _settings_options(func, given_only=False)


def given_deployment_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The same options, but ``deployment`` is None when no settings are given (no file,
    no SPCS_WIZARD_* variable, no flag): the caller may then leave the deployment model
    unloaded until it is needed."""
    return _settings_options(func, given_only=True)


def workshop_deployment_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The same options for a workshop's settings: --prefix is not offered (the workshop
    gives each attendee theirs; given anyway, it is refused with the reason)."""
    return _settings_options(func, given_only=False, show_prefix=False)


def _settings_options(
    func: Callable[..., Any], given_only: bool, show_prefix: bool = True
) -> Callable[..., Any]:

    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"Deployment settings (TOML). Default: ${CONFIG_ENV}, else ./spcs-wizard.toml "
        "if present, else built-in defaults.",
    )
    @click.option(
        "--prefix", hidden=not show_prefix, help="Prefix for every account-level name, e.g. ALICE_."
    )
    @click.option("--account", help="Account identifier ORG-ACCOUNT (gives the registry host).")
    @click.option(
        "--set",
        "assignments",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override any setting, e.g. --set warehouse.size=SMALL (repeatable).",
    )
    @functools.wraps(func)
    def wrapper(
        *args: Any,
        config_path: Path | None,
        prefix: str | None,
        account: str | None,
        assignments: tuple[str, ...],
        **kwargs: Any,
    ) -> Any:
        given = (
            config_path is not None
            or prefix is not None
            or account is not None
            or bool(assignments)
            or settings_around()
        )
        kwargs["deployment"] = (
            resolve_deployment(config_path, prefix, account, assignments)
            if given or not given_only
            else None
        )
        return func(*args, **kwargs)

    return wrapper


def resolve_deployment(
    config_path: Path | None,
    prefix: str | None = None,
    account: str | None = None,
    assignments: tuple[str, ...] = (),
) -> Deployment:
    from spcs_wizard.model.config_file import ConfigError, load_deployment, parse_assignment

    overrides: dict[str, str] = dict(parse_assignment(a) for a in assignments)
    if prefix is not None:
        overrides["prefix"] = prefix
    if account is not None:
        overrides["account"] = account
    path = config_path or default_config_path()
    try:
        return load_deployment(path, overrides=overrides)
    except ConfigError:
        raise
    except ValueError as exc:  # pragma: no cover - defensive: any validation slip
        raise ConfigError(str(exc)) from None


def dns_domain_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--dns-domain DOMAIN``: a schema's service DNS domain, checked and normalised as it
    is parsed (``ab12cd34`` -> ``ab12cd34.svc.spcs.internal``); passed as ``domain``."""

    def checked(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        from spcs_wizard.model.names import dns_domain

        if value is None:
            return None
        try:
            return dns_domain(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return click.option(
        "--dns-domain", "domain", metavar="DOMAIN", callback=checked, help=help_text
    )


class FiniteRange(click.FloatRange):
    """A FloatRange that also refuses ``nan`` and ``inf``: float() reads both, and nan
    passes every bound (each comparison with it is false)."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number

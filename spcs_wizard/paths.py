"""Where spcs-wizard keeps local files (never secrets: those live in the OS keyring)."""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_ENV = "SPCS_WIZARD_CONFIG"
DEFAULT_CONFIG_NAME = "spcs-wizard.toml"


def state_home() -> Path:
    """``$SPCS_WIZARD_HOME``, else ``$XDG_STATE_HOME/spcs-wizard``, else ``~/.local/state``."""
    explicit = os.environ.get("SPCS_WIZARD_HOME")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "spcs-wizard"


def cache_home() -> Path:
    """What can be made again, kept to be quicker: ``$SPCS_WIZARD_HOME/cache`` when that is
    set, else ``$XDG_CACHE_HOME/spcs-wizard``, else ``~/.cache/spcs-wizard``."""
    explicit = os.environ.get("SPCS_WIZARD_HOME")
    if explicit:
        return Path(explicit) / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spcs-wizard"


def deployment_dir(deployment_id: str) -> Path:
    """Local state of one deployment (rendered specs, progress), by its id."""
    return state_home() / "deployments" / deployment_id.lower()


def default_config_path() -> Path | None:
    """``$SPCS_WIZARD_CONFIG``, else ``./spcs-wizard.toml`` when it exists."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit)
    local = Path.cwd() / DEFAULT_CONFIG_NAME
    return local if local.exists() else None

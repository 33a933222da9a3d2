"""Deployment settings from the environment: ``SPCS_WIZARD_<SECTION>__<FIELD>``. Apart
from config_file (which validates them against the model) so that a command can tell
whether any are set without loading the model."""

from __future__ import annotations

from collections.abc import Mapping

ENV_PREFIX = "SPCS_WIZARD_"
# SPCS_WIZARD_* variables that are not deployment settings: files, the connection,
# secrets (SPCS_WIZARD_SECRET_<KEY>), the emulator's password, the setup's venv.
_NOT_SETTINGS = {"CONFIG", "HOME", "CONNECTION", "VENV"}
_NOT_SETTINGS_PREFIXES = ("SECRET_", "EMULATOR_")


def env_overrides(environ: Mapping[str, str]) -> dict[str, str]:
    """``SPCS_WIZARD_WAREHOUSE__SIZE=SMALL`` -> ``{"warehouse.size": "SMALL"}``."""
    found = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :]
        if name in _NOT_SETTINGS or name.startswith(_NOT_SETTINGS_PREFIXES):
            continue
        found[name.lower().replace("__", ".")] = value
    return found

"""The ``spcs-wizard`` command against an emulator, through connections.toml."""

from __future__ import annotations

import os
from pathlib import Path

from spcs_wizard.emulator.faults import Faults
from spcs_wizard.emulator.server import Emulator
from spcs_wizard.emulator.settings import EmulatorSettings
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.registry import repository_path
from tests.conftest import ADMIN_PASSWORD
from tests.emulator_harness import SECRETS


def connections_home(tmp_path: Path, name: str, emu: Emulator) -> Path:
    """A SNOWFLAKE_HOME whose connections.toml has connection ``name`` to the emulator
    as ADMIN (its password comes from SNOWFLAKE_CONNECTIONS_<NAME>_PASSWORD)."""
    home = tmp_path / "snowflake"
    home.mkdir()
    (home / "connections.toml").write_text(
        f'[{name}]\naccount = "{emu.settings.account_identifier.lower()}"\nuser = "ADMIN"\n'
        f'host = "127.0.0.1"\nport = {emu.port}\nprotocol = "http"\n'
    )
    (home / "connections.toml").chmod(0o600)
    return home


def fast_emulator(
    tmp_path: Path, images: tuple[str, ...] = ("milvus", "gateway", "jupyter")
) -> tuple[Emulator, dict[str, str]]:
    """A started emulator on a fast clock (no services run) with deployment ``cli``'s
    ``images`` recorded, and the environment for the command: a connection to it in
    connections.toml, the secrets in variables, the state in a temporary home."""
    emu = Emulator(
        EmulatorSettings(
            state_dir=tmp_path / "emu",
            admin_password=ADMIN_PASSWORD,
            speed=300,
            run_services=False,
        ),
        Faults(),
    )
    emu.start()
    d = Deployment(prefix="cli")
    for svc in map(d.image, images):  # pushed earlier (the images commands come later)
        emu.add_image(repository_path(d), svc.image, svc.tag, "sha256:" + "a" * 64)
    home = connections_home(tmp_path, "rehearsal", emu)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPCS_WIZARD_", "SNOWFLAKE"))}
    env.update(
        {
            "COLUMNS": "200",
            # No keyring here: secrets come from the variables below or the prompt.
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            "SNOWFLAKE_HOME": str(home),
            "SNOWFLAKE_CONNECTIONS_REHEARSAL_PASSWORD": ADMIN_PASSWORD,
            "SPCS_WIZARD_CONNECTION": "rehearsal",
            "SPCS_WIZARD_PREFIX": "cli",
            "SPCS_WIZARD_HOME": str(tmp_path / "state"),
            "SPCS_WIZARD_SECRET_MILVUS_USER_PASSWORD": SECRETS["milvus_user_password"],
            "SPCS_WIZARD_SECRET_JUPYTER_PASSWORD": SECRETS["jupyter_password"],
        }
    )
    return emu, env

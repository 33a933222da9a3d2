"""Run the installed ``spcs-wizard`` command as a user or a script would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

COMMAND = Path(sys.executable).with_name("spcs-wizard")


def clean_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any spcs-wizard or Snowflake settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPCS_WIZARD_", "SNOWFLAKE_"))}
    env.update(extra or {})
    return env


def run_command(
    *args: str,
    env: dict[str, str],
    cwd: Path | None = None,
    input_text: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMMAND), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL if input_text is None else None,
        input=input_text,
        timeout=timeout,
        check=False,
    )

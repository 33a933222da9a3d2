"""The ``spcs-wizard`` command. Alone (or as ``spcs-wizard tui``) on a terminal with no
settings given, it starts the wizard at once, without importing Click and the command
line's modules (a twentieth of the wizard's start-up, docs/performance.md); everything
else is the command line of cli/main.py."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in ([], ["tui"]):
        from spcs_wizard.cli import wizard_start

        if wizard_start.interactive() and not wizard_start.settings_around():
            wizard_start.start_alone()
            return 0
    from spcs_wizard.cli.main import main as command_line

    return command_line(argv)

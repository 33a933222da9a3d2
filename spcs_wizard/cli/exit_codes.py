"""Exit codes every command uses (documented in README and ``--help``)."""

import click

OK = 0
FAILURE = 1  # something went wrong while doing the job
USAGE = 2  # bad flags, bad configuration, invalid names: nothing was done
PARTIAL = 3  # part of the job was done, or something needs attention


class NeedsAttention(click.ClickException):
    """Said like any error ("Error: ..."), with exit 3: what was asked for is not there
    now (a log of a suspended or missing service), and nothing failed."""

    exit_code = PARTIAL

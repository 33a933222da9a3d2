"""Exit codes every command uses (documented in README and ``--help``)."""

OK = 0
FAILURE = 1  # something went wrong while doing the job
USAGE = 2  # bad flags, bad configuration, invalid names: nothing was done
PARTIAL = 3  # part of the job was done, or something needs attention

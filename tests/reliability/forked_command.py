"""The ``spcs-wizard`` command, forked from a process that imported it once.

Importing the command (the Snowflake connector above all) takes about a second and a
half on 2 cores; a test that kills the command at each of 57 steps would spend most of
its time on imports. This helper imports once, then forks a fresh process per run that
runs the command's own ``main`` with the given arguments in that environment, so each
run is a real, separate process that a real SIGKILL ends mid-request.

Protocol on stdin/stdout, one JSON object per line: ``{"args": [...], "stderr": PATH}``
is answered by ``{"pid": N}`` when the run started and ``{"exit": CODE}`` when it ended
(a negative code is the signal that ended it).
"""

from __future__ import annotations

import json
import os
import sys

import snowflake.connector  # noqa: F401 - the slow import, done once before the forks

from spcs_wizard.cli.main import main


def serve() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the run: its own process, stdin and stdout closed, stderr to a file
            null = os.open(os.devnull, os.O_RDWR)
            err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(null, 0)
            os.dup2(null, 1)
            os.dup2(err, 2)
            try:
                code = main(list(request["args"]))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"exit": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    serve()

"""Run a builder command in a pseudo-terminal and hand over what it draws, line by line.

podman and docker draw per-layer byte progress bars only on a terminal; through a pipe
podman says just "Copying blob <id>". A pseudo-terminal gets the bars, and with them the
bytes sent. Cursor movements and colours are dropped; carriage returns split frames.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
from collections.abc import Callable, Mapping, Sequence

_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
_SPLIT = re.compile(rb"[\r\n]+")


def run_in_terminal(
    command: Sequence[str],
    env: Mapping[str, str],
    on_line: Callable[[str], None],
    input_text: str | None = None,
    columns: int = 200,
) -> tuple[int, str]:
    """Run ``command`` on a pseudo-terminal ``columns`` wide; each redrawn line goes to
    ``on_line``. Returns the exit code and all the text."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen(
        list(command),
        env={**env, "TERM": "xterm", "COLUMNS": str(columns)},
        stdin=subprocess.PIPE if input_text is not None else slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
    )
    os.close(slave)
    if input_text is not None and proc.stdin is not None:
        proc.stdin.write(input_text.encode())
        proc.stdin.close()
    pending, text = b"", []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other end closed: the command is done
                break
            if not chunk:
                break
            pending += _ANSI.sub(b"", chunk)
            *complete, pending = _SPLIT.split(pending)
            for raw in complete:
                line = raw.decode(errors="replace").strip()
                if line:
                    text.append(line)
                    on_line(line)
    finally:
        os.close(master)
        proc.wait()
    if pending.strip():
        line = pending.decode(errors="replace").strip()
        text.append(line)
        on_line(line)
    return proc.returncode, "\n".join(text)

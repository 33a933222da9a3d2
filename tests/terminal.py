"""Drive a command in a real terminal (tmux) and read the screen as a person sees it."""

from __future__ import annotations

import shlex
import subprocess
import time
import uuid
from collections.abc import Mapping

from tests.tools import require_tool


class Terminal:
    def __init__(
        self, command: list[str], env: Mapping[str, str], width: int = 120, height: int = 40
    ) -> None:
        self.tmux = require_tool("tmux", "tmux")
        self.name = "spcsw-" + uuid.uuid4().hex[:8]
        env_args = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        # A tmux server of its own (-L): on the shared default server, a test ending its last
        # session stops that server just as another test's new-session reaches it ("server
        # exited unexpectedly", seen in CI with two workers).
        self.server = [self.tmux, "-L", self.name]
        # Keep the pane after the command exits, so its last screen can still be read.
        subprocess.run(
            [
                *self.server,
                "new-session",
                "-d",
                "-s",
                self.name,
                "-x",
                str(width),
                "-y",
                str(height),
                *env_args,
                shlex.join(command) + "; sleep 600",
            ],
            check=True,
        )

    def send(self, *keys: str) -> None:
        subprocess.run([*self.server, "send-keys", "-t", self.name, *keys], check=True)

    def type(self, text: str) -> None:
        subprocess.run([*self.server, "send-keys", "-t", self.name, "-l", text], check=True)

    def screen(self, history: bool = False, joined: bool = False) -> str:
        """What the screen shows (``history``: and what scrolled off); ``joined``: a line
        the terminal wrapped as one line again, as a person selecting it gets it."""
        args = ["capture-pane", "-p", "-t", self.name] + (["-S", "-"] if history else [])
        args += ["-J"] if joined else []
        return subprocess.run(
            [*self.server, *args], check=True, capture_output=True, text=True
        ).stdout

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        """Poll the screen until ``text`` shows (a readiness check, not a fixed sleep)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen(history=True)
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen()}")

    def wait_gone(self, text: str, timeout: float = 30.0) -> str:
        """Poll the screen (not the scrollback) until ``text`` no longer shows."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text not in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never went away; the screen shows:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run([*self.server, "kill-server"], check=False)

"""Find a container builder (docker with buildx, or podman) and build for linux/amd64.

SPCS runs linux/amd64 images only
(https://docs.snowflake.com/en/developer-guide/snowpark-container-services/working-with-registry-repository),
so every build passes ``--platform linux/amd64``; on another CPU the build needs
emulation (QEMU/binfmt), which the warning says. Builds go through the builder's own
command line: python-on-whales' buildx wrapper does not drive podman (it calls
``podman buildx inspect``, which podman does not have).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PLATFORM = "linux/amd64"


class BuilderError(RuntimeError):
    """No usable builder, or a build that failed; the message says what to do."""


class NoBuilderError(BuilderError):
    """Neither docker nor podman works here; ``tried`` says why each did not."""

    def __init__(self, tried: str) -> None:
        super().__init__(
            f"no container builder works here ({tried}). Install podman (apt-get install "
            "podman) or docker with buildx, then run this again."
        )
        self.tried = tried


@dataclass(frozen=True)
class Builder:
    name: str  # "docker" or "podman"
    command: tuple[str, ...]  # the executable and any global options
    env: dict[str, str] = field(default_factory=dict)

    def run(
        self,
        *args: str,
        input_text: str | None = None,
        on_line: Callable[[str], None] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a builder command, streaming its output lines to ``on_line``."""
        env = {**os.environ, **self.env}
        proc = subprocess.Popen(
            [*self.command, *args],
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        if input_text is not None and proc.stdin is not None:
            proc.stdin.write(input_text)
        if proc.stdin is not None:
            proc.stdin.close()
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if on_line is not None:
                on_line(line.rstrip("\n"))
        proc.wait()
        return subprocess.CompletedProcess(proc.args, proc.returncode, "".join(lines), "")


def platform_warning(machine: str | None = None) -> str | None:
    """Why an amd64 build on this CPU may be slow or fail, or None on amd64."""
    arch = (machine or platform.machine()).lower()
    if arch in ("x86_64", "amd64"):
        return None
    return (
        f"this computer is {arch}; SPCS runs linux/amd64, so the image is built for "
        "linux/amd64 under emulation (enable QEMU: 'docker run --privileged --rm "
        "tonistiigi/binfmt --install amd64', or 'apt-get install qemu-user-static' for "
        "podman) and the build is slower"
    )


def _works(command: Sequence[str], env: dict[str, str]) -> bool:
    try:
        return (
            subprocess.run(
                [*command, "info"],
                capture_output=True,
                timeout=30,
                env={**os.environ, **env},
                check=False,
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def find_builder(
    prefer: str | None = None,
    podman_options: Sequence[str] = (),
    extra_env: dict[str, str] | None = None,
) -> Builder:
    """docker (with a reachable daemon and buildx) or podman; ``prefer`` picks one.
    ``podman_options`` and ``extra_env`` (storage, registries.conf, auth file) are for
    callers that keep podman's state elsewhere, such as the tests."""
    env = {"BUILDAH_ISOLATION": os.environ.get("BUILDAH_ISOLATION", "chroot"), **(extra_env or {})}
    candidates = [prefer] if prefer else ["docker", "podman"]
    tried = []
    for name in candidates:
        path = shutil.which(name)
        if path is None:
            tried.append(f"{name}: not installed")
            continue
        command = (path, *podman_options) if name == "podman" else (path,)
        if name == "docker":
            buildx = subprocess.run(
                [path, "buildx", "version"], capture_output=True, check=False, timeout=30
            )
            if buildx.returncode != 0:
                tried.append("docker: buildx is missing (apt-get install docker-buildx)")
                continue
        if not _works(command, env):
            tried.append(
                f"{name}: installed but not working ('{name} info' failed; is the daemon running?)"
            )
            continue
        return Builder(name, tuple(command), env if name == "podman" else dict(extra_env or {}))
    raise NoBuilderError("; ".join(tried))


def build(
    builder: Builder, context: Path, tag: str, on_line: Callable[[str], None] | None = None
) -> None:
    """Build ``context`` (its Containerfile or Dockerfile) as ``tag`` for linux/amd64."""
    file = next(
        (context / f for f in ("Containerfile", "Dockerfile") if (context / f).exists()), None
    )
    if file is None:
        raise BuilderError(f"{context} has no Containerfile or Dockerfile")
    args = ["build", "--platform", PLATFORM, "-t", tag, "-f", str(file), str(context)]
    if builder.name == "docker":
        args = ["buildx", *args, "--load"]
    result = builder.run(*args, on_line=on_line)
    if result.returncode != 0:
        tail = result.stdout.strip().splitlines()[-3:]
        raise BuilderError(f"building {tag} failed: {' / '.join(tail)}")

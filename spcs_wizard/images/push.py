"""Log in to the account's registry and push an image, reporting each layer's bytes.

Login uses the open connection's session token as the password of the user
``0sessiontoken`` (works for SSO, key-pair and MFA users too) unless a password is
given, and passes it on standard input, never on the command line. An image whose
pushed digest the ledger recorded and the repository still holds is not pushed again;
within a push the registry skips layers it has ("layer-skipped").

The push runs on a pseudo-terminal, where podman and docker draw byte progress bars
(``terminal.py``, ``progress.py``). A push that fails for a passing reason (the registry
unreachable, a reset connection, a 5xx, a timeout) is tried again, up to ``ATTEMPTS``
times with a growing pause; the layers that did arrive are not sent again.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from spcs_wizard.images.builder import Builder
from spcs_wizard.images.progress import PushProgress
from spcs_wizard.images.terminal import run_in_terminal

SESSION_TOKEN_USER = "0sessiontoken"
ATTEMPTS = 3
# What a push that may work on the next try fails with (podman's and docker's wording).
TRANSIENT = re.compile(
    r"connection refused|connection reset|broken pipe|\beof\b|i/o timeout|timeout|"
    r"tls handshake|\b50[0234]\b|service unavailable|bad gateway|temporarily",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PushEvent:
    # "layer" (bytes of one layer), "layer-skipped", "manifest", "retry" (detail: why),
    # "done" (detail: digest), "skipped" (the whole image was already there), or
    # "recorded" (a rehearsal's image noted as pushed, nothing sent; detail: digest)
    kind: str
    detail: str
    layer_bytes: int = 0
    layer_total: int = 0
    image_bytes: int = 0
    image_total: int = 0
    rate: float = 0.0  # bytes per second of this image so far
    eta: float | None = None  # seconds left, when it can be told


class PushError(RuntimeError):
    pass


def _explain(output: str, host: str) -> str:
    text = output.lower()
    if "unauthorized" in text or "authentication required" in text or "denied" in text:
        return (
            f"the registry {host} refused the push: the role has no WRITE on the image "
            "repository, or the login token expired. Log in again, or grant WRITE (or "
            "ownership) on the repository to your role."
        )
    if "quota" in text or "too large" in text:
        return f"the registry {host} refused the image: it is over the repository's limits."
    if "connection refused" in text or "no such host" in text or "timeout" in text:
        return f"the registry {host} cannot be reached; check the network and try again."
    return f"pushing to {host} failed: " + " / ".join(output.strip().splitlines()[-3:])


def on_loopback(host: str) -> bool:
    """A registry on this machine (the local emulator's): plain HTTP is expected there."""
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0][1:]
    return name in ("127.0.0.1", "localhost", "::1")


def plain_http(builder: Builder, host: str, flag: str = "--tls-verify=false") -> list[str]:
    """podman's and skopeo's flag for a registry on this machine, which speaks plain HTTP
    (docker already treats 127.0.0.0/8 so); nothing for any other registry: the account's
    registry is always HTTPS."""
    return [flag] if builder.name in ("podman", "skopeo") and on_loopback(host) else []


def login(builder: Builder, host: str, secret: str, user: str = SESSION_TOKEN_USER) -> None:
    result = builder.run(
        "login", *plain_http(builder, host), host, "-u", user, "--password-stdin",
        input_text=secret,
    )  # fmt: skip
    if result.returncode != 0:
        last = result.stdout.strip().splitlines()[-1] if result.stdout else ""
        if "server gave HTTP response to HTTPS client" in last:
            raise PushError(
                f"the registry {host} speaks plain HTTP, and {builder.name} expects HTTPS: "
                "mark it insecure in registries.conf ([[registry]] location = "
                f'"{host}" insecure = true), then run again'
            )
        raise PushError(
            f"the registry {host} refused the login as {user}: {last}. Open a new "
            "connection (the session token may have expired) or check the password."
        )


class PushLedger:
    """Which local image (by ID) was pushed to which reference with which digest, kept in
    a small JSON file beside the deployment's state: the registry re-compresses layers, so
    the pushed digest differs from the local one and only a record can match them."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, str]:
        try:
            return dict(json.loads(self.path.read_text(encoding="utf-8")))
        except (FileNotFoundError, ValueError):
            return {}

    def get(self, image_id: str, remote: str) -> str | None:
        return self._read().get(f"{image_id} {remote}")

    def put(self, image_id: str, remote: str, digest: str) -> None:
        data = self._read()
        data[f"{image_id} {remote}"] = digest
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        tmp.replace(self.path)


def image_id(builder: Builder, local: str) -> str | None:
    result = builder.run("image", "inspect", "--format", "{{.Id}}", local)
    return result.stdout.strip() if result.returncode == 0 else None


def push(
    builder: Builder,
    local: str,
    remote: str,
    on_event: Callable[[PushEvent], None] = lambda e: None,
    remote_digest: str | None = None,
    ledger: PushLedger | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Push ``local`` to ``remote`` (docker: tagged so first); returns the manifest digest. When
    ``remote_digest`` (from SHOW IMAGES IN IMAGE REPOSITORY) is what ``ledger`` recorded for
    this very local image, the repository already has it and nothing is sent."""
    host = remote.split("/", 1)[0]
    missing = PushError(f"no local image {local!r} to push; build it first")
    # podman pushes a local image to a destination named apart; docker pushes a tag.
    # (One process fewer for podman: the push's own cost, benchmarks/push_bench.py.)
    if builder.name != "podman" and builder.run("tag", local, remote).returncode != 0:
        raise missing
    local_id: str | None = None
    looked_up: Future[str | None] | None = None
    if ledger is not None and remote_digest:  # it may be there already: the id first
        local_id = image_id(builder, local)
        if local_id is None:
            raise missing
        if ledger.get(local_id, remote) == remote_digest:
            on_event(PushEvent("skipped", remote_digest))
            return remote_digest
    with ThreadPoolExecutor(1) as beside:
        if local_id is None:  # the id (for the ledger) is looked up while the push runs
            looked_up = beside.submit(image_id, builder, local)
        try:
            digest = _push(builder, local, remote, host, on_event, sleep)
        except PushError:
            if looked_up is not None and looked_up.result() is None:
                raise missing from None
            raise
        if looked_up is not None:
            local_id = looked_up.result()
    if ledger is not None and local_id and digest:
        ledger.put(local_id, remote, digest)
    on_event(PushEvent("done", digest))
    return digest


def _push(
    builder: Builder,
    local: str,
    remote: str,
    host: str,
    on_event: Callable[[PushEvent], None],
    sleep: Callable[[float], None],
) -> str:
    """The push itself; its manifest digest."""
    with TemporaryDirectory() as tmp:
        digest_file = Path(tmp) / "digest"
        args = ["push", remote]
        if builder.name == "podman":
            args = [
                "push",
                *plain_http(builder, host),
                "--digestfile",
                str(digest_file),
                local,
                remote,
            ]
        output = push_with_retries(builder, args, host, on_event, sleep)
        digest = digest_file.read_text().strip() if digest_file.exists() else ""
    if not digest:
        found = re.search(r"digest: (sha256:[0-9a-f]{64})", output)
        digest = found.group(1) if found else ""
    return digest


class _TransientPushError(PushError):
    """A push failure that may pass (the next attempt is worth it)."""


def push_with_retries(
    builder: Builder,
    args: list[str],
    host: str,
    on_event: Callable[[PushEvent], None],
    sleep: Callable[[float], None],
) -> str:
    """Run the push, again after a passing failure; returns the output of the one that
    worked. Raises PushError with the reason and what to do."""
    from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

    progress = PushProgress()

    def attempt() -> str:
        code, output = run_in_terminal(
            [*builder.command, *args],
            {**os.environ, **builder.env},
            lambda line: _report(line, progress, on_event),
        )
        if code == 0:
            return output
        transient = TRANSIENT.search(output)
        if transient is None:
            raise PushError(_explain(output, host))
        raise _TransientPushError(_explain(output, host) + f" (tried {ATTEMPTS} times)")

    def before_sleep(state: Any) -> None:
        pause = state.next_action.sleep if state.next_action else 0
        on_event(PushEvent("retry", f"{state.outcome.exception()}; trying again in {pause:.0f} s"))

    retrying = Retrying(
        stop=stop_after_attempt(ATTEMPTS),
        wait=wait_exponential(multiplier=1, min=1, max=4),  # 1 s, then 2 s
        retry=retry_if_exception_type(_TransientPushError),
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    return str(retrying(attempt))


def _report(line: str, progress: PushProgress, on_event: Callable[[PushEvent], None]) -> None:
    moved = progress.feed(line)
    if moved is not None:
        layer_id, layer = moved
        on_event(
            PushEvent(
                "layer-skipped" if layer.skipped else "layer",
                layer_id,
                layer.done,
                layer.total,
                progress.done,
                progress.total,
                progress.rate,
                progress.eta,
            )
        )
    elif "Writing manifest" in line or "digest:" in line:
        on_event(PushEvent("manifest", line.strip()))

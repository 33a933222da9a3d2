"""Log in to the account's registry and push an image, reporting each layer.

Login uses the open connection's session token as the password of the user
``0sessiontoken`` (works for SSO, key-pair and MFA users too) unless a password is
given, and passes it on standard input, never on the command line. An image whose
pushed digest the ledger recorded and the repository still holds is not pushed again;
within a push the registry skips layers it has (podman does not report that without a
terminal, so "layer-skipped" events come only from builders that do).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from spcs_wizard.images.builder import Builder

SESSION_TOKEN_USER = "0sessiontoken"
_BLOB = re.compile(r"Copying blob (?:sha256:)?([0-9a-f]{8,})(.*)")


@dataclass(frozen=True)
class PushEvent:
    kind: str  # "layer", "layer-skipped", "manifest", "done", or "skipped" (whole image)
    detail: str


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


def login(builder: Builder, host: str, secret: str, user: str = SESSION_TOKEN_USER) -> None:
    result = builder.run("login", host, "-u", user, "--password-stdin", input_text=secret)
    if result.returncode != 0:
        raise PushError(
            f"the registry {host} refused the login as {user}: "
            f"{result.stdout.strip().splitlines()[-1] if result.stdout else ''}. "
            "Open a new connection (the session token may have expired) or check "
            "the password."
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
) -> str:
    """Tag ``local`` as ``remote`` and push it; returns the manifest digest. When
    ``remote_digest`` (from SHOW IMAGES IN IMAGE REPOSITORY) is what ``ledger`` recorded for
    this very local image, the repository already has it and nothing is sent."""
    host = remote.split("/", 1)[0]
    tagged = builder.run("tag", local, remote)
    if tagged.returncode != 0:
        raise PushError(f"no local image {local!r} to push; build it first")
    local_id = image_id(builder, local)
    if (
        ledger is not None
        and local_id
        and remote_digest
        and (ledger.get(local_id, remote) == remote_digest)
    ):
        on_event(PushEvent("skipped", remote_digest))
        return remote_digest

    def line(text: str) -> None:
        match = _BLOB.search(text)
        if match:
            skipped = "skipped" in match.group(2) or "exists" in match.group(2)
            on_event(PushEvent("layer-skipped" if skipped else "layer", match.group(1)[:12]))
        elif "Writing manifest" in text or "digest:" in text:
            on_event(PushEvent("manifest", text.strip()))

    with TemporaryDirectory() as tmp:
        digest_file = Path(tmp) / "digest"
        args = ["push", remote]
        if builder.name == "podman":
            args = ["push", "--digestfile", str(digest_file), remote]
        result = builder.run(*args, on_line=line)
        if result.returncode != 0:
            raise PushError(_explain(result.stdout, host))
        digest = digest_file.read_text().strip() if digest_file.exists() else ""
    if not digest:
        found = re.search(r"digest: (sha256:[0-9a-f]{64})", result.stdout)
        digest = found.group(1) if found else ""
    if ledger is not None and local_id and digest:
        ledger.put(local_id, remote, digest)
    on_event(PushEvent("done", digest))
    return digest

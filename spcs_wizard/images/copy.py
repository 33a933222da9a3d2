"""Copy an image registry to registry with skopeo: no daemon, no local image store.

The Milvus image SPCS runs is the upstream image as it is (the service spec sets its
command), so it needs no build: skopeo reads the source's manifest, takes the linux/amd64
image from a multi-platform index (SPCS runs linux/amd64 only), streams each blob to the
account's repository, and skips the blobs the repository already has (mounting them from
another repository of the same registry where it can). Why skopeo: docs/dependencies.md.

skopeo shares podman's libraries (containers/image): the same login (``skopeo login``
into the same auth file, the token on standard input), the same byte progress on a
terminal, so a copy reports its layers and retries exactly as a push does (push.py).
An image whose linux/amd64 digest the repository already holds is not copied again.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

from spcs_wizard.images.builder import Builder, BuilderError
from spcs_wizard.images.push import PushError, PushEvent, plain_http, push_with_retries

PLATFORM_OS, PLATFORM_ARCH = "linux", "amd64"
INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)


def find_copier(extra_env: dict[str, str] | None = None) -> Builder:
    """skopeo, with the registries configuration of ``extra_env`` (else of this process's
    environment) passed as its flag: skopeo 1.9 reads ``--registries-conf``, not the
    CONTAINERS_REGISTRIES_CONF variable podman reads."""
    found = shutil.which("skopeo")
    if found is None:
        raise BuilderError(
            "skopeo is not installed, so images cannot be copied registry to registry: "
            "install it (apt-get install skopeo; brew install skopeo), or build and push "
            "them instead ('spcs-wizard images push' with podman or docker)"
        )
    env = dict(extra_env or {})
    command: tuple[str, ...] = (found,)
    conf = env.get("CONTAINERS_REGISTRIES_CONF") or os.environ.get("CONTAINERS_REGISTRIES_CONF")
    if conf:
        command += ("--registries-conf", conf)
    return Builder("skopeo", command, env)


def linux_amd64_digest(copier: Builder, source: str) -> str | None:
    """The digest of the source's linux/amd64 image: its entry in a multi-platform index,
    or None for a single image (its digest is known once it is copied). Raises
    PushError when the source cannot be read or has no linux/amd64 image."""
    found = copier.run(
        "inspect", *plain_http(copier, source.split("/", 1)[0]), "--raw", f"docker://{source}"
    )
    if found.returncode != 0:
        last = found.stdout.strip().splitlines()[-1:] or [""]
        raise PushError(
            f"cannot read the source image {source}: {last[0]}. Check the name and tag, "
            "and that this machine reaches its registry."
        )
    try:
        manifest = json.loads(found.stdout)
    except ValueError:
        raise PushError(f"the source image {source} has no readable manifest") from None
    if manifest.get("mediaType") not in INDEX_TYPES and "manifests" not in manifest:
        return None
    for entry in manifest.get("manifests") or []:
        platform = entry.get("platform") or {}
        if (platform.get("os"), platform.get("architecture")) == (PLATFORM_OS, PLATFORM_ARCH):
            return str(entry["digest"])
    offered = sorted(
        f"{(e.get('platform') or {}).get('os')}/{(e.get('platform') or {}).get('architecture')}"
        for e in manifest.get("manifests") or []
    )
    raise PushError(
        f"the source image {source} has no linux/amd64 image (it has {', '.join(offered)}); "
        "SPCS runs linux/amd64 only"
    )


def copy_image(
    copier: Builder,
    source: str,
    remote: str,
    on_event: Callable[[PushEvent], None] = lambda e: None,
    remote_digest: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Copy ``source``'s linux/amd64 image to ``remote``; returns its manifest digest (the
    source's own: the copy changes no byte). When ``remote_digest`` (from SHOW IMAGES IN
    IMAGE REPOSITORY) is already that digest, nothing is sent."""
    if remote_digest is not None:  # the source's digest first: it may need no copy
        wanted = linux_amd64_digest(copier, source)
        if wanted is not None and remote_digest == wanted:
            on_event(PushEvent("skipped", wanted))
            return wanted
        return _copy(copier, source, remote, on_event, sleep)
    # Nothing there yet: straight to the copy. The source is read only if the copy fails,
    # to say plainly what is wrong with it (unreadable, no linux/amd64 image) and not to
    # retry then; read before the copy, or beside it (a process of its own on the same
    # cores), it made every copy slower: 1.2x and 1.1x skopeo's own (docs/performance.md).
    source_read = False

    def source_problem() -> None:  # raises the source's own problem, if it is one
        nonlocal source_read
        if not source_read:
            source_read = True
            linux_amd64_digest(copier, source)

    def pause(seconds: float) -> None:  # before a retry: waiting won't mend the source
        source_problem()
        sleep(seconds)

    try:
        return _copy(copier, source, remote, on_event, pause)
    except PushError:
        source_problem()
        raise


def _copy(
    copier: Builder,
    source: str,
    remote: str,
    on_event: Callable[[PushEvent], None],
    sleep: Callable[[float], None],
) -> str:
    host = remote.split("/", 1)[0]
    with TemporaryDirectory() as tmp:
        digest_file = Path(tmp) / "digest"
        args = [
            "copy",
            "--override-os",
            PLATFORM_OS,
            "--override-arch",
            PLATFORM_ARCH,
            "--digestfile",
            str(digest_file),
            *plain_http(copier, source.split("/", 1)[0], "--src-tls-verify=false"),
            *plain_http(copier, host, "--dest-tls-verify=false"),
            f"docker://{source}",
            f"docker://{remote}",
        ]
        push_with_retries(copier, args, host, on_event, sleep)
        digest = digest_file.read_text().strip() if digest_file.exists() else ""
    on_event(PushEvent("done", digest))
    return digest

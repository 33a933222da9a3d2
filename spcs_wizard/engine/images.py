"""The deployment's image steps: put each service image into the repository's URL (as
SHOW IMAGE REPOSITORIES reports it, for exactly its name), logged in with a token issued
for the connection. An image with a source (Milvus) is copied from it as it is, with
skopeo; one without (Jupyter), or any when skopeo is missing, is built for linux/amd64 from
``images/<name>/`` and pushed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spcs_wizard.images.builder import (
    Builder,
    BuilderError,
    NoBuilderError,
    build,
    find_builder,
)
from spcs_wizard.images.copy import copy_image, find_copier
from spcs_wizard.images.push import PushError, PushEvent, PushLedger, login, push
from spcs_wizard.model.identifiers import string_literal

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.step import Step

# images/<name>/ of the project, installed as the package spcs_wizard.image_contexts.
CONTEXTS = Path(str(resources.files("spcs_wizard.image_contexts")))

ALONE = "--set notebook=false, or notebook = false in spcs-wizard.toml"
ADVICE = {
    frozenset({"jupyter"}): "Nothing was changed. Deploy Milvus alone: its image is copied, "
    f"no docker or podman needed ({ALONE}; the wizard offers it at Build & push). Or install "
    "podman (apt-get install podman) and run again.",
    frozenset({"milvus"}): "Nothing was changed. Install skopeo (apt-get install skopeo) to "
    "copy Milvus' images (Milvus and its gateway), or podman (apt-get install podman) to "
    "build them, then run again.",
    frozenset({"milvus", "jupyter"}): "Nothing was changed. Install podman (apt-get install "
    "podman) to make every image; or skopeo (apt-get install skopeo) to copy Milvus' two and "
    f"deploy Milvus alone ({ALONE}). Then run again.",
}


@dataclass(frozen=True)
class ImageBlocked:
    """Why this machine cannot put a service's image into the repository."""

    service: str  # "milvus" (its image or its gateway's) or "jupyter"
    message: str


def blocked_advice(blocked: list[ImageBlocked]) -> str:
    """What to do when these images cannot be made here."""
    return ADVICE[frozenset(b.service for b in blocked)]


@dataclass
class RegistryPusher:
    runner: SqlRunner
    deployment: Deployment
    contexts: Path = CONTEXTS
    ledger: PushLedger | None = None
    builder: Builder | None = None
    on_line: Callable[[str], None] = lambda line: None
    on_push: Callable[[PushEvent], None] = lambda event: None
    # The connection's user and PAT (or password), for a registry that refuses the token.
    fallback_login: Callable[[], tuple[str, str] | None] | None = None
    # Copy the images that have a source (skopeo) instead of building them.
    copy: bool = True
    copier: Builder | None = None
    # For skopeo and the builder found here, e.g. an insecure registry's configuration.
    copier_env: dict[str, str] = field(default_factory=dict)
    sleep: Callable[[float], None] = time.sleep  # the pause before a push or copy is retried
    _logged_in: set[tuple[str, str]] = field(default_factory=set)  # (tool, host)
    way: str = ""  # how the last image got there: "copied", or "built and pushed"

    def __call__(self, step: Step) -> None:
        d = self.deployment
        svc = d.image(step.id.removeprefix("image-"))
        url = self.repository_url()
        host = url.split("/", 1)[0]
        remote = f"{url}/{svc.image}:{svc.tag}"
        if svc.source and self.copy:
            copier = self.copier = self.copier or self._copier_or_builder_hint()
            if copier is not None:
                self._log_in_once(copier, host)
                self.way = "copied"
                copy_image(
                    copier,
                    f"{svc.source}:{svc.tag}",
                    remote,
                    self.on_push,
                    remote_digest=self.remote_digest(svc.image, svc.tag),
                    sleep=self.sleep,
                )
                return
        builder = self.builder = self.builder or find_builder(extra_env=self.copier_env or None)
        self.way = "built and pushed"
        local = f"localhost/spcs-wizard/{svc.image}:{svc.tag}"
        build(builder, self.contexts / svc.image, local, on_line=self.on_line)
        self._log_in_once(builder, host)
        push(
            builder,
            local,
            remote,
            self.on_push,
            remote_digest=self.remote_digest(svc.image, svc.tag),
            ledger=self.ledger,
            sleep=self.sleep,
        )

    def blocked(self, step: Step) -> ImageBlocked | None:
        """Why this step's image cannot be made here (no skopeo to copy it, no docker or
        podman to build it), found before anything runs; None when it can. The tools
        found are kept for the step itself."""
        key = step.id.removeprefix("image-")
        copied = bool(self.deployment.image(key).source and self.copy)
        if copied:
            try:
                self.copier = self.copier or find_copier(self.copier_env)
                return None
            except BuilderError:
                pass
        try:
            self.builder = self.builder or find_builder(extra_env=self.copier_env or None)
            return None
        except NoBuilderError as none:
            whose = "Milvus' gateway image" if key == "gateway" else "Milvus' image"
            if key == "jupyter":
                why = "the notebook's image must be built (its embedding model is baked in)"
            elif copied:
                why = f"{whose} can be neither copied (skopeo is not installed) nor built"
            else:
                why = f"{whose} must be built (copying is off)"
            # The gateway belongs to the Milvus service: the same advice holds for both.
            service = "milvus" if key == "gateway" else key
            return ImageBlocked(service, f"{why}, and neither docker nor podman works here "
                                f"({none.tried})")  # fmt: skip

    def _copier_or_builder_hint(self) -> Builder | None:
        """skopeo; without it, None when a builder can build the image instead, or the
        error that says to install either."""
        try:
            return find_copier(self.copier_env)
        except BuilderError as no_copier:
            if self.builder is not None:
                return None
            try:
                self.builder = find_builder(extra_env=self.copier_env or None)
            except BuilderError as no_builder:
                raise BuilderError(f"{no_copier}. {no_builder}") from None
            return None

    def _log_in_once(self, tool: Builder, host: str) -> None:
        if (tool.name, host) not in self._logged_in:
            self.login(tool, host)
            self._logged_in.add((tool.name, host))

    def login(self, builder: Builder, host: str) -> None:
        """Snowflake's documented registry login: user ``0sessiontoken`` with a token
        issued for this connection, in the JSON form Snowflake CLI's ``snow spcs
        image-registry login`` sends (works for SSO, key-pair and MFA users). When the
        registry refuses it, the connection's programmatic access token (or password)
        with its user name."""
        try:
            login(builder, host, registry_token(self.runner.con))
        except PushError as refused:
            found = self.fallback_login() if self.fallback_login else None
            if found is None:
                raise PushError(
                    f"{refused} No other way to log in: this connection has no programmatic "
                    "access token or password (spcs-wizard login --auth pat)."
                ) from None
            user, secret = found
            login(builder, host, secret, user=user)

    def repository_url(self) -> str:
        n = self.deployment.names()
        where = f"{n.image_database.sql()}.{n.image_schema.sql()}"
        rows = self.runner.query(
            f"SHOW IMAGE REPOSITORIES LIKE {string_literal(n.image_repository.name)} "
            f"IN SCHEMA {where}",
            n.sys_admin,
        )
        # LIKE's '_' matches any character: the row is the one of exactly this name.
        ours = [r for r in rows if str(r.get("name")) == n.image_repository.name]
        if not ours:
            raise PushError(
                f"the image repository {n.repository} does not exist or "
                "this role cannot see it; run the deployment's earlier steps first"
            )
        return str(ours[0]["repository_url"])

    def remote_digest(self, image: str, tag: str) -> str | None:
        n = self.deployment.names()
        rows = self.runner.query_or_missing(
            f"SHOW IMAGES IN IMAGE REPOSITORY {n.repository}", n.sys_admin
        )
        return next(
            (str(r["digest"]) for r in rows if str(r["image_path"]).endswith(f"/{image}:{tag}")),
            None,
        )


def registry_token(con: Any) -> str:
    """A registry password for ``0sessiontoken``: a token issued by the session's token
    request (ISSUE), as ``{"token": ..., "expires_in": ...}``, the form Snowflake CLI
    sends (``snow spcs image-registry token``). The connector adopts the issued token as
    the session's own, so the connection goes on working."""
    import json

    issued = con.rest._token_request("ISSUE")
    data = issued.get("data") or {}
    return json.dumps({"token": data["sessionToken"], "expires_in": data["validityInSecondsST"]})

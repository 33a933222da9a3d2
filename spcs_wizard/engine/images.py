"""The deployment's image steps: build each service image for linux/amd64 from
``images/<name>/`` and push it to the repository's URL (as SHOW IMAGE REPOSITORIES
reports it), logged in with a token issued for the connection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spcs_wizard.images.builder import Builder, build, find_builder
from spcs_wizard.images.push import PushError, PushEvent, PushLedger, login, push
from spcs_wizard.model.identifiers import string_literal

if TYPE_CHECKING:
    from spcs_wizard.engine.runner import SqlRunner
    from spcs_wizard.model.deployment import Deployment
    from spcs_wizard.model.step import Step

# images/<name>/ of the project, installed as the package spcs_wizard.image_contexts.
CONTEXTS = Path(str(resources.files("spcs_wizard.image_contexts")))


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
    _logged_in: set[str] = field(default_factory=set)

    def __call__(self, step: Step) -> None:
        d = self.deployment
        svc = d.milvus if step.id == "image-milvus" else d.jupyter
        builder = self.builder = self.builder or find_builder()
        local = f"localhost/spcs-wizard/{svc.image}:{svc.tag}"
        build(builder, self.contexts / svc.image, local, on_line=self.on_line)
        url = self.repository_url()
        host = url.split("/", 1)[0]
        if host not in self._logged_in:
            self.login(builder, host)
            self._logged_in.add(host)
        remote = f"{url}/{svc.image}:{svc.tag}"
        push(
            builder,
            local,
            remote,
            self.on_push,
            remote_digest=self.remote_digest(svc.image, svc.tag),
            ledger=self.ledger,
        )

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
        where = f"{n.database.sql()}.{n.schema_.sql()}"
        rows = self.runner.query(
            f"SHOW IMAGE REPOSITORIES LIKE {string_literal(n.image_repository.name)} "
            f"IN SCHEMA {where}",
            n.sys_admin,
        )
        return str(rows[0]["repository_url"])

    def remote_digest(self, image: str, tag: str) -> str | None:
        n = self.deployment.names()
        rows = self.runner.query_or_missing(
            f"SHOW IMAGES IN IMAGE REPOSITORY {n.in_schema(n.image_repository)}", n.sys_admin
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

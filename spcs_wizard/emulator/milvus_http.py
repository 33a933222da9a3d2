"""Milvus' RESTful API v2, served by the emulator for a running Milvus service, with
Milvus' authentication when the specification turns it on.

A deployed Milvus serves REST v2 on its port 19530; Milvus Lite serves gRPC only, so the
emulator runs this small HTTP server (on 127.0.0.1) in front of it and answers each call
with ``milvus_rest``. With ``common.security.authorizationEnabled`` (the container's
``COMMON_SECURITY_AUTHORIZATIONENABLED: "true"``), every call must carry the credentials
of Milvus' root user in ``Authorization`` (``Bearer root:<password>``, or ``Basic``); a
call without them, or with a wrong password, gets Milvus' refusal: HTTP 200 with code
1800, "user hasn't authenticated" (https://milvus.io/docs/authenticate.md;
https://milvus.io/api-reference/restful/v2.5.x/About.md).

The root password is ``common.security.defaultRootPassword`` the first time Milvus starts
on its data, and then what Milvus keeps with the data (its etcd, on the volume): changing
the secret later does not change it, as in Milvus. It is kept as a salted hash.
Milvus Lite itself has no authentication: gRPC calls are checked by ``milvus_grpc_auth``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from spcs_wizard.emulator.objects import hash_secret, verify_secret
from spcs_wizard.specs.validate import AUTH_ON, ROOT_PASSWORD

if TYPE_CHECKING:
    from pathlib import Path

    from spcs_wizard.emulator.catalog import Account, Obj

ROOT_USER = "root"
DEFAULT_ROOT_PASSWORD = "Milvus"  # Milvus' documented default
NOT_AUTHENTICATED = {"code": 1800, "message": "user hasn't authenticated"}


class RootCredential:
    """Milvus' root password as Milvus keeps it with its data, set once."""

    def __init__(self, path: Path, initial: str) -> None:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(hash_secret(initial))
        self.stored = path.read_text().strip()

    def accepts(self, user: str, password: str) -> bool:
        return user == ROOT_USER and verify_secret(password, self.stored)


def credentials(header: str) -> tuple[str, str] | None:
    """(user, password) from ``Bearer user:password`` or ``Basic base64(user:password)``."""
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            value = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
    elif scheme.lower() != "bearer":
        return None
    user, colon, password = value.strip().partition(":")
    return (user, password) if colon else None


class MilvusRest:
    """The HTTP server for one Milvus service; ``credential`` None: authentication off."""

    def __init__(self, grpc_address: str, credential: RootCredential | None) -> None:
        self.grpc_address = grpc_address
        self.credential = credential
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(
            target=self.server.serve_forever, daemon=True, name="spcs-milvus-rest"
        )
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def allowed(self, authorization: str) -> bool:
        if self.credential is None:
            return True
        found = credentials(authorization)
        return found is not None and self.credential.accepts(*found)

    def answer(self, path: str, authorization: str, raw: bytes) -> dict[str, Any]:
        if not self.allowed(authorization):
            return dict(NOT_AUTHENTICATED)
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            return {"code": 1100, "message": "the body is not JSON"}
        from spcs_wizard.emulator.milvus_rest import answer

        return answer(self.grpc_address, path, body)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        rest = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                reply = rest.answer(self.path, self.headers.get("Authorization", ""), raw)
                body = json.dumps(reply, default=str).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def root_credential(
    account: Account, svc: Obj, container: dict[str, Any], data: Path
) -> RootCredential | None:
    """The root credential of the Milvus container when its authentication is on (None:
    off); kept in its data directory, so it goes and comes with the data."""
    from spcs_wizard.emulator.container_env import env

    seen = env(account, svc, container)
    if seen.get(AUTH_ON, "").strip().lower() != "true":
        return None
    initial = seen.get(ROOT_PASSWORD) or DEFAULT_ROOT_PASSWORD
    return RootCredential(data / "spcs-emulator-root-credential", initial)

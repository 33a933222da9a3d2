"""The account's image registry: a real CNCF distribution registry (Debian's
``docker-registry``) on 127.0.0.1, with the emulator as its token service.

Snowflake's registry accepts ``docker login`` as ``0sessiontoken`` with a token issued for
an open connection, in the JSON form Snowflake CLI sends (any kind of user: SSO, key
pair, MFA), or with a user name and its programmatic access token or password
(https://docs.snowflake.com/en/developer-guide/snowpark-container-services/working-with-registry-repository).
Pushing needs WRITE and pulling READ on the image repository; the repository path is
``<db>/<schema>/<repository>/<image>``, lower case. The registry side follows the
distribution token specification (https://distribution.github.io/distribution/spec/auth/token/):
the registry answers 401 with a Bearer realm, the client fetches a token from the realm
with Basic credentials, and the token (RS256, certificate chain in ``x5c``) lists the
granted actions.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from spcs_wizard.emulator.children import spawn
from spcs_wizard.emulator.objects import holds_pat, mfa_enrolled, verify_secret

if TYPE_CHECKING:
    from spcs_wizard.emulator.auth import Sessions
    from spcs_wizard.emulator.catalog import Account
    from spcs_wizard.emulator.faults import Faults

SERVICE = "spcs-emulator-registry"
ISSUER = "spcs-emulator"
SESSION_TOKEN_USER = "0sessiontoken"
MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    )
)


class RegistryUnavailableError(RuntimeError):
    pass


def find_registry_binary() -> str | None:
    return shutil.which("docker-registry") or shutil.which("registry")


@dataclass
class SigningKey:
    key: rsa.RSAPrivateKey
    cert_der: bytes

    @classmethod
    def load_or_create(cls, directory: Path) -> SigningKey:
        directory.mkdir(parents=True, exist_ok=True)
        key_path, cert_path = directory / "token-key.pem", directory / "token-cert.pem"
        if key_path.exists() and cert_path.exists():
            key = serialization.load_pem_private_key(key_path.read_bytes(), None)
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            assert isinstance(key, rsa.RSAPrivateKey)
            return cls(key, cert.public_bytes(serialization.Encoding.DER))
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256())
        )
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_path.chmod(0o600)
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cls(key, cert.public_bytes(serialization.Encoding.DER))

    def token(self, subject: str, access: list[dict[str, Any]], ttl: int = 300) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "aud": SERVICE,
            "iat": now,
            "nbf": now - 5,
            "exp": now + ttl,
            "jti": secrets.token_hex(8),
            "access": access,
        }
        headers = {"x5c": [base64.b64encode(self.cert_der).decode()]}
        return jwt.encode(claims, self.key, algorithm="RS256", headers=headers)


class TokenService:
    """Answers the registry's token requests from the account's users and grants."""

    def __init__(
        self, account: Account, sessions: Sessions, faults: Faults, key: SigningKey
    ) -> None:
        self.account = account
        self.sessions = sessions
        self.faults = faults
        self.key = key

    def _roles_for(self, user: str, password: str) -> tuple[str, set[str]] | None:
        """Who may log in, and with which roles. Accepted, as Snowflake documents
        (working-with-registry-repository#registry-authentication, and Snowflake CLI's
        ``snow spcs image-registry login``): user ``0sessiontoken`` with a token issued
        by the session token request, in its JSON form ``{"token": ..., "expires_in":
        ...}``; a user name with one of its programmatic access tokens; a user name with
        its password, unless the user is enrolled in MFA (a password alone does not sign
        such a user in). A bare session token is refused: the documented flow sends the
        JSON form, and the emulator is the stricter side."""
        if user.lower() == SESSION_TOKEN_USER:
            if self.faults.refuse_session_token_logins:
                return None
            try:
                issued = json.loads(password)
            except ValueError:
                return None
            token = issued.get("token") if isinstance(issued, dict) else None
            if not isinstance(token, str) or "expires_in" not in issued:
                return None
            checked = self.sessions.check(token)
            if isinstance(checked, str):
                return None
            session = checked.session
            return session.user, self.account.effective_roles(session.role)
        obj = self.account.get("USER", (user.upper(),))
        if obj is None:
            return None
        stored = obj.props.get("PASSWORD")
        by_password = (
            bool(stored) and not mfa_enrolled(obj) and verify_secret(password, str(stored))
        )
        if not (holds_pat(obj, password) or by_password):
            return None
        role = str(obj.props.get("DEFAULT_ROLE") or "PUBLIC")
        return obj.short, self.account.effective_roles(role)

    def issue(self, authorization: str, scopes: list[str]) -> tuple[int, dict[str, Any]]:
        if not authorization.startswith("Basic "):
            return 401, {"errors": [{"code": "UNAUTHORIZED", "message": "credentials needed"}]}
        try:
            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return 401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]}
        found = self._roles_for(user, password)
        if found is None:
            return 401, {
                "errors": [
                    {"code": "UNAUTHORIZED", "message": "incorrect user name, password or token"}
                ]
            }
        subject, roles = found
        access = [a for a in (self._grant(scope, roles) for scope in scopes) if a]
        token = self.key.token(subject, access)
        return 200, {
            "token": token,
            "access_token": token,
            "expires_in": 300,
            "issued_at": dt.datetime.now(dt.UTC).isoformat(),
        }

    def _grant(self, scope: str, roles: set[str]) -> dict[str, Any] | None:
        kind, _, rest = scope.partition(":")
        name, _, actions = rest.rpartition(":")
        if kind != "repository" or not name:
            return None
        parts = name.split("/")
        repo = next(
            (
                o
                for o in self.account.of_kind("IMAGE REPOSITORY")
                if len(parts) >= 4 and "/".join(o.name).lower() == "/".join(parts[:3])
            ),
            None,
        )
        if repo is None:
            return None
        allowed = []
        for action in actions.split(","):
            need = {"pull": ("READ", "WRITE"), "push": ("WRITE",)}.get(action)
            if need is None or (action == "push" and self.faults.refuse_pushes):
                continue
            if repo.owner in roles or any(
                g.on_kind == "IMAGE REPOSITORY"
                and g.on_name == repo.fqn
                and g.role in roles
                and g.privilege in (*need, "ALL")
                for g in self.account.grants
            ):
                allowed.append(action)
        return {"type": "repository", "name": name, "actions": allowed} if allowed else None


class RegistryProcess:
    """A docker-registry process on 127.0.0.1 that trusts the emulator's tokens."""

    def __init__(self, directory: Path, realm: str, key: SigningKey) -> None:
        self.directory = directory
        self.realm = realm
        self.key = key
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, binary: str, port: int) -> None:
        self.port = port
        data = self.directory / "data"
        data.mkdir(parents=True, exist_ok=True)
        cert_pem = self.directory / "token-cert.pem"
        config = self.directory / "config.yml"
        config.write_text(
            "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {data}\n  delete:\n    enabled: true\n"
            f"http:\n  addr: 127.0.0.1:{port}\n"
            f"auth:\n  token:\n    realm: {self.realm}\n    service: {SERVICE}\n"
            f"    issuer: {ISSUER}\n    rootcertbundle: {cert_pem}\n"
        )
        log = (self.directory / "registry.log").open("ab")
        self._proc = spawn(
            [binary, "serve", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # readiness: /v2/ answers (401 without a token)
            if self._proc.poll() is not None:
                raise RegistryUnavailableError(
                    f"docker-registry exited; see {self.directory / 'registry.log'}"
                )
            try:
                if requests.get(f"http://{self.host}/v2/", timeout=1).status_code in (200, 401):
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RegistryUnavailableError("docker-registry did not start within 20 seconds")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._proc = None

    def _get(self, path: str, scope: str, method: str = "GET") -> requests.Response:
        token = self.key.token("emulator", [scope_to_access(scope)])
        return requests.request(
            method,
            f"http://{self.host}{path}",
            timeout=10,
            headers={"Authorization": f"Bearer {token}", "Accept": MANIFEST_TYPES},
        )

    def _manifests(self, prefix: str, action: str) -> Iterator[tuple[str, str, str]]:
        """(repository, tag, digest) of every tagged manifest under ``prefix``."""
        catalog = self._get("/v2/_catalog?n=1000", "registry:catalog:*").json()
        for name in catalog.get("repositories") or []:
            if not (name == prefix or name.startswith(prefix + "/")):
                continue
            scope = f"repository:{name}:{action}"
            tags = self._get(f"/v2/{name}/tags/list", scope).json().get("tags") or []
            for tag in tags:
                head = self._get(f"/v2/{name}/manifests/{tag}", scope, method="HEAD")
                digest = head.headers.get("Docker-Content-Digest")
                if digest:
                    yield name, tag, digest

    def images(self, repository_path: str) -> dict[str, str]:
        """``{"name:tag": digest}`` for every image under ``db/schema/repo``."""
        return {
            f"{name[len(repository_path) + 1 :]}:{tag}": digest
            for name, tag, digest in self._manifests(repository_path, "pull")
            if name != repository_path
        }

    def delete_under(self, prefix: str) -> None:
        """Delete every manifest of every repository under ``prefix`` (``db``,
        ``db/schema`` or ``db/schema/repo``), so its images are gone from the listing."""
        for name, _, digest in list(self._manifests(prefix, "*")):
            scope = f"repository:{name}:*"
            self._get(f"/v2/{name}/manifests/{digest}", scope, method="DELETE")


def scope_to_access(scope: str) -> dict[str, Any]:
    kind, _, rest = scope.partition(":")
    name, _, actions = rest.rpartition(":")
    return {"type": kind, "name": name, "actions": actions.split(",")}

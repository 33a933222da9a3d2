"""The HTTP server: the connector's REST endpoints over the emulated account.

Built on the standard library's ThreadingHTTPServer rather than an ASGI stack: the
protocol is a handful of JSON POSTs, and owning the socket lets the fault injector drop a
connection mid-request, which an ASGI server does not allow.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests

from spcs_wizard.emulator import ingress, protocol
from spcs_wizard.emulator.auth import LoginError, Sessions
from spcs_wizard.emulator.catalog import Account, Obj, RoleGrant
from spcs_wizard.emulator.children import free_port
from spcs_wizard.emulator.clock import Clock
from spcs_wizard.emulator.errors import SnowflakeError
from spcs_wizard.emulator.executor import Executor
from spcs_wizard.emulator.faults import Faults
from spcs_wizard.emulator.objects import hash_secret
from spcs_wizard.emulator.registry import (
    RegistryProcess,
    RegistryUnavailableError,
    SigningKey,
    TokenService,
    find_registry_binary,
)
from spcs_wizard.emulator.runtime import ServiceRuntime
from spcs_wizard.emulator.settings import EmulatorSettings
from spcs_wizard.emulator.traffic import Traffic

log = logging.getLogger("spcs_wizard.emulator")


class Emulator:
    """One emulated account behind one HTTP port."""

    def __init__(self, settings: EmulatorSettings, faults: Faults | None = None) -> None:
        self.settings = settings
        self.faults = faults or Faults()
        self.account = Account.load(settings.account, settings.state_dir)
        # Emulated time goes on from where the saved state left it (saved events carry
        # emulated times, which run ahead of real time when sped up); while the emulator
        # was stopped, time passed at the same speed (a rehearsal's one-shot commands).
        self.clock = Clock(settings.speed, start=self.account.resumed_time(settings.speed))
        self.account.clock_reading = self.clock.now
        self._bootstrap()
        self.executor = Executor(self.account, self.clock, settings)
        self.sessions = Sessions(self.account, settings)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.registry: RegistryProcess | None = None
        self._stop_lock = threading.Lock()
        self.tokens: TokenService | None = None
        self.runtime = ServiceRuntime(self.account, self.clock, settings)
        self._registry_outage = False  # armed by registry_dies_on_push
        self.executor.runtime = self.runtime
        self.traffic = Traffic()

    def _bootstrap(self) -> None:
        """First start: an administrator with ACCOUNTADMIN, like a new trial account."""
        name = self.settings.admin_user.upper()
        if self.account.get("USER", (name,)) is not None:
            return
        if not self.settings.admin_password:
            raise ValueError("the emulator's first start needs an administrator password")
        admin = Obj(
            "USER",
            (name,),
            "ACCOUNTADMIN",
            self.clock.now(),
            {"PASSWORD": hash_secret(self.settings.admin_password), "DEFAULT_ROLE": "ACCOUNTADMIN"},
        )
        self.account.put(admin)
        self.account.role_grants.append(
            RoleGrant("ACCOUNTADMIN", "USER", name, "ACCOUNTADMIN", self.clock.now())
        )
        self.account.save()

    def reset_admin_password(self, password: str) -> None:
        """Give the administrator a new password (the rehearsal mode makes one per run and
        never writes it anywhere; only its salted hash is saved)."""
        with self.account.lock:
            admin = self.account.get("USER", (self.settings.admin_user.upper(),))
            if admin is None:
                raise ValueError("the emulator has no administrator yet")
            admin.props["PASSWORD"] = hash_secret(password)
            self.account.save()
        self.settings.admin_password = password

    # -- lifecycle of the server -------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._serve(host, port)
        if self.settings.run_services:
            self.runtime.start()
        if self.settings.registry:
            try:
                self._start_registry()
            except Exception:
                self.stop()
                raise
        return self.port

    def _serve(self, host: str, port: int) -> None:
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = _Server((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True, name="spcs-emulator"
        )
        self._thread.start()

    def stop_serving(self) -> None:
        """Drill: the endpoint stops answering (an outage); the account, its sessions and
        its services stay as they are until ``serve_again``."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def serve_again(self, port: int, host: str = "127.0.0.1") -> None:
        self._serve(host, port)

    def _start_registry(self) -> None:
        binary = find_registry_binary()
        if binary is None:
            raise RegistryUnavailableError(
                "the image registry needs Debian's docker-registry package "
                "(apt-get install docker-registry), or run without --registry"
            )
        directory = self.settings.state_dir / "registry"
        key = SigningKey.load_or_create(directory)
        self.tokens = TokenService(self.account, self.sessions, self.faults, key)
        realm = f"http://{self.host}:{self.port}/registry/token"
        self.registry = RegistryProcess(directory, realm, key)
        self.registry.start(binary, self.settings.registry_port or free_port())
        self.settings.registry_host = self.registry.host
        registry = self.registry
        # What the registry holds, plus images recorded without a push (rehearsals that
        # skip the build): a pushed image wins over a recorded one of the same name.
        self.account.images_in = lambda path: {
            **self.account.images.get(path, {}),
            **registry.images(path),
        }

        def drop_pushed(prefix: str) -> None:
            try:
                registry.delete_under(prefix)
            except requests.RequestException:  # the registry is down (a drill): keep going
                log.warning("could not delete the images under %s from the registry", prefix)

        self.account.on_images_dropped = drop_pushed

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        assert self._server is not None, "not started"
        return str(self._server.server_address[0])

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C raises KeyboardInterrupt here)."""
        assert self._thread is not None, "not started"
        while self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def stop(self) -> None:
        """Stop everything; safe to call twice, from two threads at once (SIGTERM's
        handler and the command's own finally both do)."""
        with self._stop_lock:
            self.runtime.stop()
            if self.registry is not None:
                self.registry.stop()
                self.registry = None
            server, self._server = self._server, None
            if server is not None:
                server.shutdown()
                server.server_close()
                # The clock's reading too: a fast clock ran on since the last change, and
                # the next start goes on from here (what ran stays running).
                with self.account.lock:
                    self.account.save()

    def connect_args(
        self, user: str | None = None, password: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """Keyword arguments for ``snowflake.connector.connect`` that reach this emulator."""
        args: dict[str, Any] = {
            "account": self.settings.account_identifier.lower(),
            "user": user or self.settings.admin_user,
            "host": self.host,
            "port": self.port,
            "protocol": "http",
            "login_timeout": 30,
            "network_timeout": 30,
        }
        if password is not None or user is None:
            args["password"] = password if password is not None else self.settings.admin_password
        args.update(extra)
        return args

    # -- helpers for tests and rehearsal -------------------------------------------------------
    def add_image(self, repository_path: str, name: str, tag: str, digest: str) -> None:
        """Record an image as pushed to ``db/schema/repo`` without pushing it (tests, and
        rehearsals that skip the build)."""
        with self.account.lock:
            self.account.images.setdefault(repository_path.lower(), {})[f"{name}:{tag}".lower()] = (
                digest
            )
            self.account.save()

    def registry_dies_on_push(self) -> None:
        """Drill: the next time a push is authorized, the registry process stops right
        after handing out the token: the push has begun and finds nobody."""
        self._registry_outage = True

    def _registry_outage_now(self) -> None:
        if self._registry_outage and self.registry is not None:
            self._registry_outage = False
            self.registry.stop()

    def restart_registry(self) -> None:
        """Start the registry again after a drill: same port, same data."""
        binary = find_registry_binary()
        if self.registry is not None and binary is not None:
            self.registry.start(binary, self.registry.port)

    def stick_pool(self, pool: str) -> None:
        """Fault: the pool stays STARTING."""
        self.faults.stuck_pools.add(pool.upper())
        self._apply_object_faults()

    def release_pool(self, pool: str) -> None:
        """The fault ends: a pool held STARTING starts, on the clock, from its creation."""
        self.faults.stuck_pools.discard(pool.upper())
        with self.account.lock:
            for obj in self.account.of_kind("COMPUTE POOL"):
                if obj.short == pool.upper():
                    obj.props.pop("STUCK", None)
            self.account.save()

    def fail_service(self, service: str) -> None:
        """Fault: the service's containers fail (and restart) from now on."""
        self.faults.failing_services.add(service.upper())
        self._apply_object_faults()

    def _apply_object_faults(self) -> None:
        with self.account.lock:
            now = self.clock.now()
            for pool in self.account.of_kind("COMPUTE POOL"):
                if pool.short in self.faults.stuck_pools:
                    pool.props["STUCK"] = True
            for svc in self.account.of_kind("SERVICE"):
                if svc.fqn in self.faults.failing_services and "FAIL_AFTER" not in svc.props:
                    svc.props["FAIL_AFTER"] = now
                if svc.fqn in self.faults.stuck_services:
                    svc.props["STUCK"] = True
            self.account.save()

    # -- request handling -------------------------------------------------------------------------
    def handle(
        self, path: str, query: dict[str, str], body: dict[str, Any], token: str
    ) -> dict[str, Any]:
        with self.traffic.request(statement=path == "/queries/v1/query-request"):
            return self._answer(path, query, body, token)

    def _answer(
        self, path: str, query: dict[str, str], body: dict[str, Any], token: str
    ) -> dict[str, Any]:
        if path == "/session/v1/login-request":
            try:
                record = self.sessions.login(body.get("data") or {}, query)
            except LoginError as exc:
                return protocol.failure(exc.code, exc.message)
            s = record.session
            data = body.get("data") or {}
            wants_mfa_token = bool(
                (data.get("SESSION_PARAMETERS") or {}).get("CLIENT_REQUEST_MFA_TOKEN")
            )
            mfa_token = (
                self.sessions.issue_mfa_token(s.user)
                if wants_mfa_token and data.get("PASSCODE")
                else None
            )
            return protocol.login_response(record, self.settings, mfa_token)
        if path == "/session/authenticator-request":
            data = body.get("data") or {}
            proof = self.sessions.start_sso(
                str(data.get("LOGIN_NAME") or ""), str(data.get("BROWSER_MODE_REDIRECT_PORT") or "")
            )
            if proof is None:
                return protocol.failure(
                    "390190", "External browser login is not possible for this user."
                )
            return protocol.ok(
                {"ssoUrl": f"http://{self.host}:{self.port}/sso?proof={proof}", "proofKey": proof}
            )
        if path == "/session/token-request":
            renewed = self.sessions.renew(token, str(body.get("oldSessionToken", "")))
            if isinstance(renewed, str):
                return protocol.failure(
                    renewed, "Authentication token has expired. The user must authenticate again."
                )
            return protocol.ok(
                {
                    "sessionToken": renewed.token,
                    "validityInSecondsST": int(self.settings.session_validity_secs),
                    "masterToken": renewed.master_token,
                    "validityInSecondsMT": int(self.settings.master_validity_secs),
                    "sessionId": renewed.session.id,
                }
            )
        if path == "/session" and query.get("delete") == "true":
            self.sessions.logout(token)
            return protocol.ok(None)
        if path == "/telemetry/send":
            return protocol.ok(None)
        checked = self.sessions.check(token)
        if isinstance(checked, str):
            return protocol.failure(checked, "Your session has expired. Please login again.")
        if path == "/session/heartbeat":
            return protocol.ok(None)
        if path == "/queries/v1/abort-request":
            return protocol.ok(None)
        if path == "/queries/v1/query-request":
            sql = str(body.get("sqlText", ""))
            try:
                self.faults.before_statement(sql)
                result = self.executor.execute(checked.session, sql)
                if self._object_faults_pending():
                    self._apply_object_faults()
            except SnowflakeError as exc:
                return protocol.query_error(exc)
            if self.faults.answer_lost(sql):
                raise AnswerLostError(sql)
            late = self.faults.answer_delay(sql)
            if late:
                time.sleep(late)  # a fault: the answer is late (e.g. past the client's timeout)
            return protocol.query_result(result, checked.session)
        return protocol.failure("390400", f"Unknown request {path}")

    def _object_faults_pending(self) -> bool:
        return bool(
            self.faults.stuck_pools or self.faults.failing_services or self.faults.stuck_services
        )


class _Server(ThreadingHTTPServer):
    # Connections waiting to be accepted: socketserver's 5 dropped some of a client's
    # questions sent side by side (each on a new connection), which were sent again a
    # second later, as an account's endpoint never makes them wait.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request (killed, timed out) is not an error of the
        emulator: no traceback for it; anything else is logged as before."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("client %s left mid-request", client_address)
            return
        super().handle_error(request, client_address)


class AnswerLostError(Exception):
    """A drill: the statement ran, and its answer never reaches the client."""


class _Handler(BaseHTTPRequestHandler):
    emulator: Emulator
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.client_address[0], *args)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        fault = self.emulator.faults.next_http_fault()
        if fault == "drop" or self.emulator._server is None:  # a fault, or an outage drill
            self._drop()
            return
        if isinstance(fault, int):
            self._send(fault, {"message": "Injected HTTP failure (SPCS emulator fault)."})
            return
        host = self.headers.get("Host", "")
        if ingress.is_ingress(host):  # a service's public endpoint, not the Snowflake API
            status, payload = ingress.handle(
                self.emulator, host, self.path, self.headers.get("Authorization", ""), raw
            )
            self._send(status, payload)
            return
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            raw = gzip.decompress(raw)
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            self._send(HTTPStatus.BAD_REQUEST, protocol.failure("390400", "Malformed body."))
            return
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path == "/registry/token":
            self._registry_token(parse_qs(url.query).get("scope", []))
            return
        if url.path == "/sso":
            self._sso(query.get("proof", ""))
            return
        auth = self.headers.get("Authorization", "")
        token = auth.split('Token="', 1)[1].rstrip('"') if 'Token="' in auth else ""
        try:
            reply = self.emulator.handle(url.path, query, body, token)
        except AnswerLostError:
            self._drop()
            return
        except Exception:  # a bug in the emulator must not look like a network failure
            log.exception("emulator error on %s", url.path)
            reply = protocol.failure("000603", "Internal error in the SPCS emulator.")
        self._send(HTTPStatus.OK, reply)

    do_GET = do_POST  # noqa: N815 - stdlib naming

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):  # the client may be gone already (killed)
            self.connection.shutdown(socket.SHUT_RDWR)

    def _sso(self, proof: str) -> None:
        """Stands in for the identity provider's login page: it signs the pending user in
        and sends the browser back to the connector's local port with a token."""
        redirect = self.emulator.sessions.complete_sso(proof)
        if redirect is None:
            self._send(HTTPStatus.NOT_FOUND, {"message": "no such SSO request"})
            return
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", redirect)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _registry_token(self, scopes: list[str]) -> None:
        tokens = self.emulator.tokens
        if tokens is None:
            self._send(HTTPStatus.NOT_FOUND, {"errors": [{"message": "no registry"}]})
            return
        status, payload = tokens.issue(
            self.headers.get("Authorization", ""), [s for scope in scopes for s in scope.split(" ")]
        )
        if status == 200 and any(",push" in s or ":push" in s for s in scopes):
            self.emulator._registry_outage_now()  # a drill, when one is armed
        self._send(status, payload)

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        # A client that gave up waiting (a timeout, a kill) has left: not an error here.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

"""The Milvus service's public door: adds Milvus' credentials to requests that Snowflake
has already authenticated, and forwards them to Milvus' RESTful API v2.

Why it exists: SPCS ingress takes the ``Authorization`` header for the caller's Snowflake
token, and Milvus' REST API reads its own credentials from that same header, so a client
cannot send both. The gateway is the service's public endpoint; Milvus' port 19530 is
private. Only ``POST /v2/vectordb/...`` passes, with every incoming header dropped except
the body's type; ``GET /healthz`` answers the readiness probe without asking Milvus (the
service's DNS name resolves only once every container is ready, this one included).

It runs as ``python3 -c <this file>`` from the service specification, on the stock Python
image, with nothing but the standard library. Settings come from the environment:
``GATEWAY_PORT`` (where it listens), ``MILVUS_ADDRESS`` (``http://host:port``),
``MILVUS_USER`` and ``MILVUS_PASSWORD`` (from the Snowflake SECRET; never logged).
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import threading
import urllib.parse
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/v2/vectordb/"
MAX_BODY = 64 * 1024 * 1024  # Milvus' own REST limit is about this size


def settings(env: Mapping[str, str]) -> tuple[str, int, str, int, str]:
    """(host, port, upstream host, upstream port, Authorization value), or exit with why."""
    password = env.get("MILVUS_PASSWORD", "")
    if not password:
        sys.exit("MILVUS_PASSWORD is empty: the gateway does not run without Milvus' password")
    address = urllib.parse.urlsplit(env.get("MILVUS_ADDRESS", "http://localhost:19530"))
    if address.scheme != "http" or not address.hostname:
        sys.exit(f"MILVUS_ADDRESS must be http://host:port, not {env.get('MILVUS_ADDRESS')!r}")
    user = env.get("MILVUS_USER") or "root"
    port = int(env.get("GATEWAY_PORT", "8080"))
    host = env.get("GATEWAY_HOST", "0.0.0.0")  # the emulator keeps it on 127.0.0.1
    return host, port, address.hostname, address.port or 19530, f"Bearer {user}:{password}"


def make_handler(
    upstream_host: str, upstream_port: int, authorization: str
) -> type[BaseHTTPRequestHandler]:
    local = threading.local()  # one kept-alive connection to Milvus per serving thread

    def forward(path: str, body: bytes) -> tuple[int, str | None, bytes]:
        for attempt in (1, 2):  # a kept-alive connection Milvus closed: once more, anew
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = http.client.HTTPConnection(
                    upstream_host, upstream_port, timeout=300
                )
            try:
                conn.request(
                    "POST",
                    path,
                    body,
                    {"Content-Type": "application/json", "Authorization": authorization},
                )
                reply = conn.getresponse()
                return reply.status, reply.getheader("Content-Type"), reply.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "spcs-wizard-gateway"

        def _send(self, status: int, body: bytes, content_type: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type or "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _refuse(self, status: int, message: str) -> None:
            self._send(status, json.dumps({"code": status, "message": message}).encode())

        def do_GET(self) -> None:
            if self.path == "/healthz":
                self._send(200, b"OK", "text/plain")
            else:
                self._refuse(404, f"{self.path}: the gateway serves POST {PREFIX}... only")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if not self.path.startswith(PREFIX):
                self._refuse(404, f"{self.path}: the gateway serves POST {PREFIX}... only")
                return
            if length > MAX_BODY:
                self._refuse(413, f"the body has {length} bytes; at most {MAX_BODY} pass")
                return
            body = self.rfile.read(length)
            try:
                status, content_type, reply = forward(self.path, body)
            except (OSError, http.client.HTTPException) as exc:
                self._refuse(
                    502,
                    f"Milvus is not answering at {upstream_host}:{upstream_port} "
                    f"({exc.__class__.__name__}); see the milvus container's log",
                )
                return
            self._send(status, reply, content_type)

        def log_message(self, format: str, *args: object) -> None:  # never a header
            sys.stderr.write(f"gateway: {self.command} {self.path.split('?', 1)[0]}\n")

    return Handler


def main() -> None:
    host, port, upstream, upstream_port, authorization = settings(os.environ)
    server = ThreadingHTTPServer((host, port), make_handler(upstream, upstream_port, authorization))
    server.daemon_threads = True
    sys.stderr.write(f"gateway: listening on {port}, Milvus at {upstream}:{upstream_port}\n")
    server.serve_forever()


if __name__ == "__main__":
    main()

"""Milvus' gRPC with authentication on, as the emulator serves it: a gRPC server on
127.0.0.1 that checks each call's credentials and passes it, unchanged, to Milvus Lite
(which has no authentication of its own).

A client sends its credentials as the ``authorization`` metadata, base64 of
``user:password`` (pymilvus does so for ``token="user:password"`` or ``user=``,
``password=``). A call without them, or with a wrong password, ends with
``UNAUTHENTICATED``, as Milvus answers when ``common.security.authorizationEnabled`` is
on (https://milvus.io/docs/authenticate.md: "you will receive a gRPC error"). The calls
pass as bytes, so every Milvus method the client knows goes through as it is; Milvus'
service has unary methods only.
"""

from __future__ import annotations

import spcs_wizard.grpc_quiet  # noqa: F401 - before grpc loads

# isort: split

from concurrent import futures
from typing import TYPE_CHECKING, Any

import grpc

from spcs_wizard.emulator.milvus_http import credentials

if TYPE_CHECKING:
    from spcs_wizard.emulator.milvus_http import RootCredential

REFUSED = "auth check failure, please check username and password are correct"
_SIZES = [  # Milvus' own message limits (grpc.serverMaxSendSize / RecvSize, 512 MiB)
    ("grpc.max_send_message_length", 512 * 1024 * 1024),
    ("grpc.max_receive_message_length", 512 * 1024 * 1024),
]
_NOT_PASSED = {"authorization", "user-agent"}


def _user_password(metadata: dict[str, str]) -> tuple[str, str] | None:
    """What REST's ``Basic`` carries, without the word: base64 of ``user:password``."""
    return credentials("Basic " + metadata.get("authorization", ""))


class _Forward(grpc.GenericRpcHandler):
    def __init__(self, channel: grpc.Channel, credential: RootCredential) -> None:
        self.channel = channel
        self.credential = credential

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        method = details.method
        given = list(details.invocation_metadata)  # type: ignore[attr-defined]
        metadata = {k: str(v) for k, v in given}
        # Passed on: what the client said (a database name, say), not its credentials.
        passed = [(k, v) for k, v in given if k not in _NOT_PASSED and not k.startswith("grpc-")]
        upstream = self.channel.unary_unary(method)

        def call(request: bytes, context: grpc.ServicerContext) -> Any:
            found = _user_password(metadata)
            if found is None or not self.credential.accepts(*found):
                context.abort(grpc.StatusCode.UNAUTHENTICATED, REFUSED)
            try:
                return upstream(request, timeout=300, metadata=passed)
            except grpc.RpcError as failed:
                context.abort(failed.code(), failed.details() or "")  # type: ignore[attr-defined]

        return grpc.unary_unary_rpc_method_handler(call)


class GrpcAuth:
    """The checking gRPC server in front of one Milvus Lite."""

    def __init__(self, milvus_lite: str, credential: RootCredential) -> None:
        self.channel = grpc.insecure_channel(milvus_lite, options=_SIZES)
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="spcs-milvus-grpc"),
            handlers=[_Forward(self.channel, credential)],
            options=_SIZES,
        )
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    def stop(self) -> None:
        self.server.stop(grace=None)
        self.channel.close()

"""gRPC's C core writes its own log lines (keepalive GOAWAYs, reconnects) straight to the
process's stderr, which in the wizard lands on top of the full-screen UI. Its verbosity is
read once, when grpc first loads: import this module before anything imports grpc
(pymilvus does). A value the user set stays."""

from __future__ import annotations

import os

os.environ.setdefault("GRPC_VERBOSITY", "NONE")

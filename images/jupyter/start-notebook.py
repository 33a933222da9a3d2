"""Start JupyterLab with the password from $JUPYTER_PASSWORD; never without one.

Milvus checks credentials: its user and password come from a Snowflake SECRET as
$MILVUS_USER and $MILVUS_PASSWORD; notebooks get them joined as $MILVUS_TOKEN too, so
``MilvusClient(uri=os.environ["MILVUS_URI"], token=os.environ["MILVUS_TOKEN"])`` connects.
"""

import os
import sys

from jupyter_server.auth import passwd

password = os.environ.get("JUPYTER_PASSWORD", "")
if not password:
    sys.exit("JUPYTER_PASSWORD is empty: refusing to start a notebook without a password")
if os.environ.get("MILVUS_PASSWORD"):
    user = os.environ.get("MILVUS_USER") or "root"
    os.environ["MILVUS_TOKEN"] = f"{user}:{os.environ['MILVUS_PASSWORD']}"
hashed = passwd(password)
os.execvp(
    "jupyter",
    [
        "jupyter",
        "lab",
        "--ip=0.0.0.0",
        "--port=8888",
        "--no-browser",
        "--allow-root",
        f"--ServerApp.password={hashed}",
        "--ServerApp.token=",
        "--notebook-dir=/home/jovyan/work",
    ],
)

"""Start JupyterLab with the password from $JUPYTER_PASSWORD; never without one."""

import os
import sys

from jupyter_server.auth import passwd

password = os.environ.get("JUPYTER_PASSWORD", "")
if not password:
    sys.exit("JUPYTER_PASSWORD is empty: refusing to start a notebook without a password")
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

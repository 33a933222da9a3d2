"""Snowflake CLI's connection files, read and written as Snowflake CLI and the connector do.

Location: ``$SNOWFLAKE_HOME`` if set, else ``~/.snowflake`` if it exists, else
``~/.config/snowflake``; ``connections.toml`` holds one table per connection and
``config.toml`` may name the default (``default_connection_name``), which
``$SNOWFLAKE_DEFAULT_CONNECTION_NAME`` overrides
(https://docs.snowflake.com/en/developer-guide/snowflake-cli/connecting/configure-connections).
Writing goes through tomlkit, so comments and other connections stay exactly as they
were; the file is kept readable by its owner only, and never holds a secret.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

SECRET_KEYS = {
    "password",
    "token",
    "private_key_file_pwd",
    "private_key_passphrase",
    "passcode",
    "oauth_client_secret",
}


class ConnectionsFileError(ValueError):
    pass


def snowflake_home() -> Path:
    explicit = os.environ.get("SNOWFLAKE_HOME")
    if explicit:
        return Path(explicit).expanduser()
    legacy = Path.home() / ".snowflake"
    if legacy.exists():
        return legacy
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "snowflake"


def connections_path() -> Path:
    return snowflake_home() / "connections.toml"


def _read(path: Path) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return tomlkit.document()
    except (TOMLKitError, OSError) as exc:
        raise ConnectionsFileError(f"{path}: cannot be read ({exc})") from None


def list_connections(path: Path | None = None) -> dict[str, dict[str, Any]]:
    doc = _read(path or connections_path())
    return {name: dict(table) for name, table in doc.items() if isinstance(table, dict)}


def all_connections() -> dict[str, dict[str, Any]]:
    """Every connection, read now (a long-running wizard sees connections saved since it
    started): config.toml's ``[connections.<name>]`` tables, then connections.toml's,
    which win for the same name, as in the connector."""
    config = _read(snowflake_home() / "config.toml").unwrap().get("connections", {})
    found = {name: dict(t) for name, t in config.items() if isinstance(t, dict)}
    found.update(_read(connections_path()).unwrap())
    return {name: table for name, table in found.items() if isinstance(table, dict)}


def default_connection_name() -> str | None:
    if os.environ.get("SNOWFLAKE_DEFAULT_CONNECTION_NAME"):
        return os.environ["SNOWFLAKE_DEFAULT_CONNECTION_NAME"]
    config = _read(snowflake_home() / "config.toml")
    value = config.get("default_connection_name")
    return str(value) if value else None


def _write(path: Path, doc: tomlkit.TOMLDocument) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(tomlkit.dumps(doc), encoding="utf-8")
    tmp.chmod(0o600)  # the connector warns about files others can read
    tmp.replace(path)


def save_connection(name: str, params: dict[str, Any], path: Path | None = None) -> Path:
    """Add or replace one connection; every other line of the file stays as it was."""
    leaked = SECRET_KEYS & set(params)
    if leaked:
        raise ConnectionsFileError(
            f"refusing to write {', '.join(sorted(leaked))} into connections.toml: secrets "
            "go to the OS keyring"
        )
    target = path or connections_path()
    doc = _read(target)
    table = tomlkit.table()
    for key, value in params.items():
        if value is not None and value != "":
            table.add(key, value)
    if name in doc:
        doc[name] = table
    else:
        doc.add(name, table)  # tomlkit puts a blank line before it
    _write(target, doc)
    return target


def remove_connection(name: str, path: Path | None = None) -> bool:
    target = path or connections_path()
    doc = _read(target)
    if name not in doc:
        return False
    del doc[name]
    _write(target, doc)
    return True

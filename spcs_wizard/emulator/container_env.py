"""What a container the emulator runs reads from its specification: ``env``, and the
Snowflake SECRETs it names (``containers[].secrets`` with ``envVarName``).

Snowflake hands a container the secret's value. The emulator keeps no secret values (it
stores a salted hash of each, so nothing secret reaches its state on disk), so a
container it runs reads, for ``password`` or ``secret_string``, the secret's stored hash:
the same text for every container that names the secret, and the same after an emulator
restart. A username is not secret and is read as it is. Programs that only pass a
password on to another container the emulator runs (the Milvus gateway to Milvus) cannot
tell the difference; nothing outside the emulator ever sees the text.
(https://docs.snowflake.com/en/developer-guide/snowpark-container-services/specification-reference,
``containers.secrets``.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spcs_wizard.emulator.catalog import Account, Obj

_FIELDS = {"username": "USERNAME", "password": "PASSWORD", "secret_string": "SECRET_STRING"}


def qualified(svc: Obj, name: str) -> tuple[str, ...]:
    """A name a specification gives (a secret, a stage), resolved as SPCS does: partly
    qualified names are taken in the service's database and schema."""
    parts = tuple(p.upper() for p in name.split("."))
    return parts if len(parts) == 3 else (*svc.name[: 3 - len(parts)], *parts)


def secret_env(account: Account, svc: Obj, container: dict[str, Any]) -> dict[str, str]:
    """``envVarName`` -> what the container reads, for each secret it can read now (a
    dropped secret is simply absent, as a container started after the drop would find)."""
    found: dict[str, str] = {}
    for ref in container.get("secrets") or []:
        source = ref.get("snowflakeSecret")
        name = source.get("objectName") if isinstance(source, dict) else source
        variable, key = ref.get("envVarName"), str(ref.get("secretKeyRef", "")).lower()
        if not name or not variable or key not in _FIELDS:
            continue
        secret = account.get("SECRET", qualified(svc, str(name)))
        value = None if secret is None else secret.props.get(_FIELDS[key])
        if value is not None:
            found[str(variable)] = str(value)
    return found


def env(account: Account, svc: Obj, container: dict[str, Any]) -> dict[str, str]:
    """The container's environment: its ``env``, then its secrets."""
    plain = container.get("env") if isinstance(container.get("env"), dict) else {}
    return {**{str(k): str(v) for k, v in plain.items()}, **secret_env(account, svc, container)}

"""Load a deployment from defaults, a TOML file, the environment and flags, in that order.

* TOML: any subset of the model, for example ``[warehouse]\nsize = "SMALL"``.
* Environment: ``SPCS_WIZARD_<SECTION>__<FIELD>``, for example
  ``SPCS_WIZARD_WAREHOUSE__SIZE=SMALL`` or ``SPCS_WIZARD_PREFIX=ALICE_``.
* Flags: ``--set warehouse.size=SMALL`` (and the shortcuts ``--prefix``, ``--account``).

Every problem is reported as a :class:`ConfigError` naming the setting, where the value
came from, and what would be accepted.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

import tomlkit
from pydantic import BaseModel, ValidationError

from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.identifiers import IdentifierError
from spcs_wizard.model.settings_env import ENV_PREFIX, env_overrides

if TYPE_CHECKING:
    from pathlib import Path


class ConfigError(ValueError):
    """A setting that cannot be used; the message says which, from where, and why."""


@cache
def setting_paths(model: type[BaseModel] = Deployment, prefix: str = "") -> dict[str, Any]:
    """Every leaf setting as ``dotted.path -> FieldInfo``."""
    paths: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = prefix + (info.alias or name)
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths.update(setting_paths(annotation, key + "."))
        else:
            paths[key] = info
    return paths


def _unknown(path: str, source: str) -> ConfigError:
    known = list(setting_paths())
    close = difflib.get_close_matches(path, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else " 'spcs-wizard config keys' lists them."
    return ConfigError(f"{source}: there is no setting {path!r}.{hint}")


def _set(tree: dict[str, Any], path: str, value: Any, source: str) -> None:
    if path not in setting_paths():
        raise _unknown(path, source)
    *parents, leaf = path.split(".")
    node = tree
    for part in parents:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"{source}: {part!r} is a section, not a value")
    node[leaf] = value


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in tree.items():
        path = prefix + key
        if isinstance(value, Mapping):
            yield from _flatten(value, path + ".")
        else:
            yield path, value


def read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file (create one with 'spcs-wizard config init {path}')"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    return data


def parse_assignment(text: str) -> tuple[str, str]:
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise ConfigError(f"--set {text!r}: expected KEY=VALUE, for example warehouse.size=SMALL")
    return path.strip(), value.strip()


def load_deployment(
    path: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Deployment:
    """Defaults, then the TOML file, then the environment, then explicit overrides."""
    tree: dict[str, Any] = Deployment().model_dump(by_alias=True)
    sources: dict[str, str] = {}
    if path is not None:
        for key, value in _flatten(read_toml(path)):
            _set(tree, key, value, str(path))
            sources[key] = str(path)
    env = os.environ if environ is None else environ
    for key, value in env_overrides(env).items():
        source = f"environment variable {ENV_PREFIX}{key.upper().replace('.', '__')}"
        _set(tree, key, value, source)
        sources[key] = source
    for key, value in (overrides or {}).items():
        _set(tree, key, value, f"--set {key}")
        sources[key] = "command line"
    return validate(tree, sources)


def with_settings(deployment: Deployment, changes: Mapping[str, Any], source: str) -> Deployment:
    """A copy of ``deployment`` with dotted-path ``changes``, checked as a whole (a wizard
    screen edits names one by one; a bad value raises ConfigError naming it)."""
    tree: dict[str, Any] = deployment.model_dump(by_alias=True)
    for key, value in changes.items():
        _set(tree, key, value, source)
    return validate(tree, dict.fromkeys(changes, source))


def validate(tree: Mapping[str, Any], sources: Mapping[str, str] | None = None) -> Deployment:
    try:
        return Deployment.model_validate(tree)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, sources or {})) from None
    except IdentifierError as exc:  # pragma: no cover - pydantic wraps these
        raise ConfigError(str(exc)) from None


def _describe(exc: ValidationError, sources: Mapping[str, str]) -> str:
    lines = []
    for error in exc.errors():
        path = ".".join(str(p) for p in error["loc"])
        message = error["msg"]
        for lead in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(lead)
        origin = sources.get(path)
        where = f" (from {origin})" if origin else ""
        if str(error.get("input")) not in message:  # say what was given, unless it is said
            message += _given(path, error)
        lines.append(f"{path or 'configuration'}{where}: {message}")
    return "invalid configuration:\n  " + "\n  ".join(lines)


def _given(path: str, error: Any) -> str:
    """ ", not 'HUGE'": the value that was refused, when it is short and plain (never for a
    setting whose name says it could hold a secret)."""
    value = error.get("input")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    if re.search(r"pass|secret|token|key", path, re.IGNORECASE) or len(str(value)) > 60:
        return ""
    return f", not {value!r}"


def to_toml(deployment: Deployment, *, with_comments: bool = True) -> str:
    """The whole model as TOML, each setting with its description as a comment."""
    doc = tomlkit.document()
    if with_comments:
        doc.add(tomlkit.comment("spcs-wizard deployment settings. Every key is optional;"))
        doc.add(tomlkit.comment("environment variables SPCS_WIZARD_<SECTION>__<KEY> and"))
        doc.add(tomlkit.comment("--set section.key=value override this file."))
        doc.add(tomlkit.nl())
    _fill(doc, deployment, with_comments)
    return tomlkit.dumps(doc)


def _fill(container: Any, model: BaseModel, with_comments: bool) -> None:
    data = model.model_dump(by_alias=True)
    fields = type(model).model_fields
    sections = []
    for name, info in fields.items():
        key = info.alias or name
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            sections.append((key, value))
            continue
        item = tomlkit.item(data[key])
        if with_comments and info.description:
            item.comment(info.description)
        container.add(key, item)
    for key, value in sections:
        table = tomlkit.table()
        _fill(table, value, with_comments)
        container.add(key, table)


def save_deployment(deployment: Deployment, path: Path) -> None:
    """Write atomically: a crash mid-write never leaves a truncated file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(to_toml(deployment), encoding="utf-8")
    tmp.replace(path)

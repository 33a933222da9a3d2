"""Check a service specification against Snowflake's documented format, and against the
rules that make it safe to run.

Structure (unknown keys, types, required fields, a public endpoint that is not HTTP, a
memory or block volume without a size) is checked with the JSON Schema in
``spcs_wizard/schemas/service-spec.schema.json``; what a schema cannot express (a volume
mounted but not declared, a secret that is not one of the deployment's, a service role
naming an unknown endpoint, duplicate names, a password written into ``env``, etcd, the
health port or Milvus' own port made public, Milvus with authentication off or its root
password not from a SECRET) is checked here. Every problem carries its path in the
document, such as ``spec.endpoints[2].protocol``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import yaml

# Ports that must never be reachable from the internet: Milvus's embedded etcd and its
# metrics/health port (the guide made both public).
PRIVATE_PORTS = {
    2379: "etcd",
    9091: "Milvus health and metrics",
    # With authentication on, a client of Milvus' own port could not send its credentials
    # through Snowflake's ingress (it takes the Authorization header): the gateway is public.
    19530: "Milvus' own gRPC and REST; publish the gateway instead",
}
# The only doors meant for the internet: the Milvus gateway (it adds Milvus' credentials to
# calls Snowflake has authenticated) and the notebook (its own password). Each container
# says which port it listens on in these variables (specs/milvus.yaml, specs/jupyter.yaml).
PUBLIC_DOORS = ("GATEWAY_PORT", "JUPYTER_PORT")
AUTH_ON = "COMMON_SECURITY_AUTHORIZATIONENABLED"  # common.security.authorizationEnabled
ROOT_PASSWORD = "COMMON_SECURITY_DEFAULTROOTPASSWORD"  # common.security.defaultRootPassword
_SECRET_LOOKING = re.compile(r"(PASSWORD|PASSWD|TOKEN|SECRET|API_KEY)", re.IGNORECASE)
# Jupyter's way of switching its login off: --NotebookApp.token='' (as in the guide).
_NO_AUTH = re.compile(r"--\w+App\.(token|password)=(''|\"\"|)", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class SpecProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: {self.message}"


@cache
def schema() -> dict[str, Any]:
    text = resources.files("spcs_wizard").joinpath("schemas/service-spec.schema.json")
    return json.loads(text.read_text())


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


KINDS = {list: "a list", str: "a text", int: "a number", float: "a number", bool: "true or false"}


def _structural(document: Any) -> list[SpecProblem]:
    if document is None:
        return [SpecProblem("", "the specification is empty: it needs a 'spec' mapping")]
    if not isinstance(document, dict):  # the schema's words would be "... is not of type"
        kind = KINDS.get(type(document), type(document).__name__)
        return [SpecProblem("", f"a specification is a mapping with a 'spec' key, not {kind}")]
    validator = jsonschema.Draft202012Validator(schema())
    problems = []
    for error in validator.iter_errors(document):
        if error.context:
            # No alternative of a oneOf fits: report the most specific reason among them
            # (its path is absolute, so never shorter than the oneOf's own). An alternative
            # for another type says least ("... is not of type 'string'" of an object).
            reasons = [e for e in error.context if e.validator != "type"] or error.context
            best = jsonschema.exceptions.best_match(reasons)
            problems.append(SpecProblem(_path(best.absolute_path), best.message))
            continue
        if error.validator == "oneOf" and not isinstance(error.instance, dict):
            # Every alternative "fits" what is not a mapping (their required keys only
            # apply to mappings); its own type error says what is wrong.
            continue
        base = _path(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(error.schema.get("properties") or {})
            for key in sorted(set(error.instance) - known):
                where = f"{base}.{key}" if base else key
                problems.append(SpecProblem(where, f"unknown key {key!r}"))
            continue
        problems.append(SpecProblem(base, _explain(error)))
    return problems


def _explain(error: jsonschema.ValidationError) -> str:
    """Say what the rule is, where the schema's wording would only say what failed."""
    rule = list(error.schema_path)
    if "then" in rule and error.absolute_path and error.absolute_path[-1] == "protocol":
        return (
            f"{error.instance!r}: only HTTP endpoints can be public (ingress is HTTP); "
            "use HTTP or HTTPS, or make the endpoint private"
        )
    if "then" in rule and error.validator == "required":
        return "a memory or block volume needs a size (for block storage: 1Gi to 16384Gi)"
    if error.validator == "oneOf":  # more than one alternative fits (none would have context)
        keys = [key for option in error.validator_value for key in option.get("required", [])]
        if keys:
            return f"give one of {' or '.join(map(repr, keys))}, not both"
    path = list(error.absolute_path)
    if error.validator == "pattern" and path and path[-1] == "name" and path[0] == "spec":
        return (
            f"{error.instance!r} is not a valid name: up to 63 lower-case letters, digits "
            "or '-', starting with a letter and ending with a letter or digit"
        )
    return error.message


def _items(parent: Any, field: str) -> list[Any]:
    """``parent[field]`` when it is a list; anything else (the structural check reports
    it) reads as empty, so a malformed document gets messages, never a traceback."""
    value = parent.get(field) if isinstance(parent, dict) else None
    return value if isinstance(value, list) else []


def _name(item: Any) -> str | None:
    name = item.get("name") if isinstance(item, dict) else None
    return name if isinstance(name, str) else None


def _consistency(doc: dict[str, Any], known_secrets: Sequence[str] | None) -> list[SpecProblem]:
    """Rules Snowflake itself enforces beyond the structure."""
    spec = doc.get("spec") or {}
    problems: list[SpecProblem] = []
    for field in ("containers", "endpoints", "volumes"):
        seen: dict[str, int] = {}
        for i, item in enumerate(_items(spec, field)):
            name = _name(item)
            if name in seen:
                problems.append(
                    SpecProblem(
                        f"spec.{field}[{i}].name",
                        f"{name!r} is already used by spec.{field}[{seen[name]}]",
                    )
                )
            elif name is not None:
                seen[name] = i
    volumes = {_name(v) for v in _items(spec, "volumes")}
    wanted = {s.upper() for s in known_secrets} if known_secrets is not None else None
    for i, c in enumerate(_items(spec, "containers")):
        if not isinstance(c, dict):
            continue
        for j, mount in enumerate(_items(c, "volumeMounts")):
            if isinstance(mount, dict) and _name(mount) not in volumes:
                problems.append(
                    SpecProblem(
                        f"spec.containers[{i}].volumeMounts[{j}].name",
                        f"volume {mount.get('name')!r} is mounted but not declared in spec.volumes",
                    )
                )
        for j, secret in enumerate(_items(c, "secrets")):
            ref = secret.get("snowflakeSecret") if isinstance(secret, dict) else None
            name = ref.get("objectName") if isinstance(ref, dict) else ref
            if wanted is not None and isinstance(name, str) and name.upper() not in wanted:
                problems.append(
                    SpecProblem(
                        f"spec.containers[{i}].secrets[{j}].snowflakeSecret",
                        f"secret {name!r} is not one the deployment creates and grants "
                        f"({', '.join(sorted(wanted)) or 'none'})",
                    )
                )
    names = {_name(e) for e in _items(spec, "endpoints")}
    for i, role in enumerate(_items(doc, "serviceRoles")):
        if not isinstance(role, dict):
            continue  # the structural check reports it
        for j, endpoint in enumerate(_items(role, "endpoints")):
            if isinstance(endpoint, str) and endpoint not in names:
                problems.append(
                    SpecProblem(
                        f"serviceRoles[{i}].endpoints[{j}]",
                        f"no endpoint named {endpoint!r} in spec.endpoints",
                    )
                )
    return problems


def _security(doc: dict[str, Any]) -> list[SpecProblem]:
    """What Snowflake accepts but this tool refuses to deploy: the guide's flaws."""
    spec = doc.get("spec") or {}
    problems: list[SpecProblem] = []
    for i, c in enumerate(_items(spec, "containers")):
        if not isinstance(c, dict):
            continue
        env = c.get("env")
        for key, value in (env if isinstance(env, dict) else {}).items():
            if _SECRET_LOOKING.search(str(key)) and str(value).strip():
                problems.append(
                    SpecProblem(
                        f"spec.containers[{i}].env.{key}",
                        "looks like a secret written in plain text; reference a Snowflake SECRET "
                        "under spec.containers[].secrets instead",
                    )
                )
        for field in ("command", "args"):
            for j, arg in enumerate(_items(c, field)):
                if _NO_AUTH.fullmatch(str(arg)):
                    problems.append(
                        SpecProblem(
                            f"spec.containers[{i}].{field}[{j}]",
                            "turns authentication off (an empty token or password); take the "
                            "password from a Snowflake SECRET instead",
                        )
                    )
        problems += _milvus_auth(i, c)
    doors = _public_doors(spec)
    for i, ep in enumerate(e for e in _items(spec, "endpoints") if isinstance(e, dict)):
        port = ep.get("port")
        if not ep.get("public") or not isinstance(port, int):
            continue
        if port in PRIVATE_PORTS:
            message = f"port {port} ({PRIVATE_PORTS[port]}) must not be public"
        elif port not in doors:
            message = (
                f"port {port} is neither the gateway's (GATEWAY_PORT) nor the notebook's "
                "(JUPYTER_PORT), the only ports meant for the internet: make it private "
                "(no public: true)"
            )
        else:
            continue
        problems.append(SpecProblem(f"spec.endpoints[{i}].public", message))
    return problems


def _public_doors(spec: dict[str, Any]) -> set[int]:
    """The ports the gateway and the notebook listen on (PUBLIC_DOORS), as their
    containers set them."""
    doors = set()
    for c in _items(spec, "containers"):
        env = c.get("env") if isinstance(c, dict) else None
        for name in PUBLIC_DOORS:
            value = str((env if isinstance(env, dict) else {}).get(name)).strip()
            if value.isdigit():  # (an unset one reads "None")
                doors.add(int(value))
    return doors


def _runs_milvus(c: dict[str, Any]) -> bool:
    """Milvus' image (``.../milvus:v2.5.4``, also by digest), or its own command first
    (``milvus run standalone``) in an image of another name."""
    image = str(c.get("image")).rpartition("/")[2]
    return re.sub("[:@].*", "", image) == "milvus" or _items(c, "command")[:1] == ["milvus"]


def _milvus_auth(i: int, c: dict[str, Any]) -> list[SpecProblem]:
    """Milvus with authentication off makes whoever reaches it root; with it on, the root
    password must come from a SECRET (else it is Milvus' documented default, "Milvus")."""
    if not _runs_milvus(c):
        return []
    env = c.get("env") if isinstance(c.get("env"), dict) else {}
    if str(env.get(AUTH_ON)).strip().lower() != "true":
        return [
            SpecProblem(
                f"spec.containers[{i}].env",
                f"Milvus runs with authentication off (anyone who reaches it is root): set "
                f'{AUTH_ON}: "true" and take the root password from a Snowflake SECRET '
                f"(envVarName {ROOT_PASSWORD})",
            )
        ]
    named = {s.get("envVarName") for s in _items(c, "secrets") if isinstance(s, dict)}
    if ROOT_PASSWORD not in named:
        return [
            SpecProblem(
                f"spec.containers[{i}].secrets",
                f"no Snowflake SECRET gives {ROOT_PASSWORD}: Milvus' root password would be "
                'its published default ("Milvus")',
            )
        ]
    return []


def validate_document(
    doc: Any, known_secrets: Sequence[str] | None = None, *, security: bool = True
) -> list[SpecProblem]:
    """Structure and consistency as Snowflake checks them; with ``security``, also the
    rules this tool adds (no plain-text secrets, no disabled auth, no public etcd)."""
    problems = _structural(doc)
    if isinstance(doc, dict):
        problems += _consistency(doc, known_secrets)
        if security:
            problems += _security(doc)
    return sorted(set(problems))


def validate_text(
    text: str, known_secrets: Sequence[str] | None = None, *, security: bool = True
) -> list[SpecProblem]:
    """Problems of a YAML specification; an empty list means it is valid."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
            # (a ReaderError: a character YAML refuses; its text says which and where)
            return [SpecProblem("", f"not valid YAML: {str(exc).splitlines()[0]}")]
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}"
        return [SpecProblem("", f"not valid YAML at {where}: {exc.problem}")]
    return validate_document(doc, known_secrets, security=security)

"""Render the service specifications from the deployment model.

Templates are ``specs/milvus.yaml`` and ``specs/jupyter.yaml`` (shipped as the package
``spcs_wizard.spec_templates``); ``${name}`` placeholders are filled with values that are
already validated by the model, then the result is parsed and validated again.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from spcs_wizard.model.names import service_dns_name
from spcs_wizard.model.node_capacity import GATEWAY_CPU, GATEWAY_MEMORY
from spcs_wizard.model.registry import spec_image_path

if TYPE_CHECKING:
    from spcs_wizard.model.deployment import Deployment, ServiceConfig

SERVICES = ("milvus", "jupyter")


# Stands for the schema's DNS domain while it is not known: it exists only once the schema
# does (SYSTEM$GET_SERVICE_DNS_DOMAIN). A spec holding it never resolves, so it never
# deploys by mistake; the engine always renders with the real domain.
UNKNOWN_DOMAIN = "${schema_dns_domain}"


def dns_name(d: Deployment, service: str, domain: str | None) -> str:
    """The DNS name of one of the deployment's services inside SPCS."""
    n = d.names()
    name = n.service(service)
    return service_dns_name(name.name, domain or UNKNOWN_DOMAIN)


def dns_domain_sql(d: Deployment) -> str:
    """The query that tells the deployment schema's service DNS domain."""
    n = d.names()
    from spcs_wizard.model.identifiers import string_literal

    return f"SELECT SYSTEM$GET_SERVICE_DNS_DOMAIN({string_literal(f'{n.database}.{n.schema_}')})"


def template_values(d: Deployment, domain: str | None = None) -> dict[str, str]:
    n = d.names()
    return {
        "milvus_image": spec_image_path(d, d.milvus),
        "jupyter_image": spec_image_path(d, d.jupyter),
        "gateway_image": spec_image_path(d, d.gateway),
        "gateway_program": json.dumps(gateway_program()),
        "milvus_secret": n.in_schema(n.milvus_secret),
        "milvus_volume_size": d.milvus.volume_size,
        "milvus_dns_name": dns_name(d, "milvus", domain),
        "jupyter_secret": n.in_schema(n.jupyter_secret),
        "files_stage": n.in_schema(n.files_stage),
        # What each container asks of a node (a shared pool's size depends on it).
        "milvus_cpu": f"{d.milvus.cpu:g}",
        "milvus_memory": d.milvus.memory,
        "jupyter_cpu": f"{d.jupyter.cpu:g}",
        "jupyter_memory": d.jupyter.memory,
        "gateway_cpu": f"{GATEWAY_CPU:g}",
        "gateway_memory": GATEWAY_MEMORY,
    }


def gateway_program() -> str:
    """The gateway container's program (``spcs_wizard/specs/gateway.py``), which the Milvus
    specification passes to ``python3 -c``: the stock image runs it as it is."""
    return resources.files("spcs_wizard.specs").joinpath("gateway.py").read_text()


def template(service: str) -> str:
    return resources.files("spcs_wizard.spec_templates").joinpath(f"{service}.yaml").read_text()


@dataclass(frozen=True)
class RenderedSpec:
    service: str
    file_name: str
    text: str


def needs_domain(service: str) -> bool:
    """Whether the service's specification names another service (the notebook names
    Milvus), so it can only be rendered for real once the schema exists."""
    return "${milvus_dns_name}" in template(service)


def render(d: Deployment, service: str, domain: str | None = None) -> RenderedSpec:
    if service not in SERVICES:
        raise ValueError(f"no specification template for {service!r}; known: {SERVICES}")
    config: ServiceConfig = d.service(service)
    text = string.Template(template(service)).substitute(template_values(d, domain))
    return RenderedSpec(service, config.spec_file, text)


def render_all(d: Deployment, domain: str | None = None) -> list[RenderedSpec]:
    """The specifications of the services the deployment runs."""
    return [render(d, s, domain) for s in d.service_keys]


def write_all(d: Deployment, directory: Path, domain: str | None = None) -> list[Path]:
    """Write every rendered specification into ``directory`` (the plan's PUT source)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in render_all(d, domain):
        path = directory / spec.file_name
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(spec.text, encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written

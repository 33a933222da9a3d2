"""What a compute pool node holds, what each service asks of one, and how many nodes a
pool needs for a number of them (a workshop's shared pools).

Node sizes are the instance family table of CREATE COMPUTE POOL
(https://docs.snowflake.com/en/sql-reference/sql/create-compute-pool): vCPUs and memory
of one node. Families the table gives no figure for are missing here, and a pool sized
from them is refused rather than guessed.

A service's requests are the sum of its containers' ``resources.requests``; since the
2024_06 bundle a container that states none is taken to request 0.5 CPU and 0.5 GiB,
requests are checked against one node's capacity, and limits above it are capped
(https://docs.snowflake.com/en/release-notes/bcr-bundles/2024_06/bcr-1648). Snowflake
adds nodes, up to MAX_NODES, when the services need more room
(https://docs.snowflake.com/en/developer-guide/snowflake-cli/services/manage-services);
a service that finds none stays PENDING
(https://docs.snowflake.com/en/sql-reference/functions/system_get_service_status).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spcs_wizard.model.deployment import Deployment

# vCPUs and GiB of memory of one node.
NODE_CAPACITY: dict[str, tuple[float, float]] = {
    "CPU_X64_XS": (1, 6),
    "CPU_X64_S": (3, 13),
    "CPU_X64_M": (6, 28),
    "CPU_X64_SL": (14, 54),
    "CPU_X64_L": (28, 116),
    "HIGHMEM_X64_S": (6, 58),
    "HIGHMEM_X64_M": (28, 240),
    "GPU_NV_S": (6, 27),
    "GPU_NV_M": (44, 178),
}

# The node limit the same page gives for CPU and high-memory families; a class whose pools
# would need more is refused before anything is made (split it into two workshops).
NODE_LIMIT = 150

# What a container that states no requests is taken to ask for (bcr-1648).
DEFAULT_CPU = 0.5
DEFAULT_MEMORY_GIB = 0.5

# The Milvus service's gateway container: a small Python proxy.
GATEWAY_CPU = 0.25
GATEWAY_MEMORY = "256Mi"

_MEMORY = re.compile(r"([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?")
_UNITS = {
    None: 1 / 2**30,
    "Ki": 1 / 2**20,
    "Mi": 1 / 2**10,
    "Gi": 1.0,
    "Ti": 2**10,
    "K": 1e3 / 2**30,
    "M": 1e6 / 2**30,
    "G": 1e9 / 2**30,
    "T": 1e12 / 2**30,
}


def memory_gib(text: str) -> float:
    """``"4Gi"`` -> 4.0, ``"512Mi"`` -> 0.5 (a bare number is bytes, as in a spec)."""
    match = _MEMORY.fullmatch(str(text).strip())
    if not match:
        raise ValueError(f"{text!r} is not an amount of memory such as 4Gi or 512Mi")
    return float(match.group(1)) * _UNITS[match.group(2)]


def cpu_amount(value: str | float) -> float:
    """``1``, ``0.5`` or ``"500m"`` -> vCPUs."""
    text = str(value).strip()
    if text.endswith("m"):
        return float(text[:-1]) / 1000
    return float(text)


@dataclass(frozen=True)
class Requests:
    cpu: float
    memory_gib: float

    def __add__(self, other: Requests) -> Requests:
        return Requests(self.cpu + other.cpu, self.memory_gib + other.memory_gib)

    def __sub__(self, other: Requests) -> Requests:
        return Requests(self.cpu - other.cpu, self.memory_gib - other.memory_gib)

    def holds(self, other: Requests) -> bool:
        """Whether this much room takes ``other`` (a hair of slack for float sums)."""
        return self.cpu + 1e-9 >= other.cpu and self.memory_gib + 1e-9 >= other.memory_gib

    def __str__(self) -> str:
        return f"{self.cpu:g} CPU and {self.memory_gib:g} GiB"


def container_requests(container: dict[str, object]) -> Requests:
    """One container's requests as Snowflake counts them (the defaults where unstated)."""
    resources = container.get("resources")
    requests = resources.get("requests") if isinstance(resources, dict) else None
    requests = requests if isinstance(requests, dict) else {}
    cpu = requests.get("cpu")
    memory = requests.get("memory")
    return Requests(
        DEFAULT_CPU if cpu is None else cpu_amount(cpu),  # type: ignore[arg-type]
        DEFAULT_MEMORY_GIB if memory is None else memory_gib(str(memory)),
    )


def service_requests(d: Deployment, key: str) -> Requests:
    """What one instance of the service asks of a node: Milvus with its gateway, or the
    notebook (the values the specifications are rendered with)."""
    svc = d.service(key)
    asked = Requests(svc.cpu, memory_gib(svc.memory))
    if key == "milvus":
        asked = asked + Requests(GATEWAY_CPU, memory_gib(GATEWAY_MEMORY))
    return asked


def capacity(family: str) -> Requests | None:
    found = NODE_CAPACITY.get(family)
    return None if found is None else Requests(*found)


def per_node(family: str, asked: Requests) -> int:
    """How many instances asking ``asked`` one node holds (0: not even one)."""
    node = capacity(family)
    if node is None:
        raise ValueError(f"no confirmed node size for {family}")
    # A hair of slack so 0.1 + 0.2 style sums do not lose a whole instance.
    by_cpu = math.floor(node.cpu / asked.cpu + 1e-9) if asked.cpu else 10**6
    by_memory = math.floor(node.memory_gib / asked.memory_gib + 1e-9) if asked.memory_gib else 10**6
    return min(by_cpu, by_memory)


def nodes_for(family: str, asked: Requests, instances: int) -> int:
    """The nodes a pool needs to run ``instances`` services asking ``asked`` each."""
    fits = per_node(family, asked)
    if fits < 1:
        raise ValueError(f"one service asks {asked}; a {family} node has {capacity(family)}")
    return max(1, math.ceil(instances / fits))


def fit_problem(d: Deployment, key: str) -> str | None:
    """Why the service cannot run on a node of its pool (None: it can, or the family's
    size is not known, which Snowflake then checks)."""
    family = d.service(key).pool.instance_family
    node = capacity(family)
    asked = service_requests(d, key)
    if node is None or node.holds(asked):
        return None
    return (
        f"the {key} service asks {asked} (its cpu and memory settings"
        + (", with the gateway's" if key == "milvus" else "")
        + f"), more than a {family} node has ({node}): lower {key}.cpu or {key}.memory, "
        f"or choose a larger {key}.pool.instance_family"
    )

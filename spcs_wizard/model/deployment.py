"""The deployment model: names and sizes of everything the seed procedure creates.

One validated value describes a whole deployment. Defaults reproduce the names of the
Milvus guide this tool replaces (MILVUS_ROLE, MILVUS_DEMO, MILVUS_COMPUTE_POOL, ...),
except where the guide's name would now lie about the object (its ``allow_all_rule``
egress rule is no longer open to everything, so it is called ``MILVUS_EGRESS_RULE``).

An optional ``prefix`` (for workshops: ``ALICE_``) is applied to every account-level
name, so attendees sharing one account never collide. Schema-level objects live inside
the prefixed database and keep their plain names.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from spcs_wizard.model import identifiers

if TYPE_CHECKING:
    from spcs_wizard.model.names import Names


def _identifier(value: str) -> str:
    return identifiers.parse(value).name


# A field holding an object name; stored in the upper-case form Snowflake resolves it to.
Name = Annotated[str, AfterValidator(_identifier)]

# https://docs.snowflake.com/en/sql-reference/sql/create-warehouse (WAREHOUSE_SIZE)
WarehouseSize = Literal[
    "XSMALL",
    "SMALL",
    "MEDIUM",
    "LARGE",
    "XLARGE",
    "XXLARGE",
    "XXXLARGE",
    "X4LARGE",
    "X5LARGE",
    "X6LARGE",
]
_WAREHOUSE_ALIASES = {
    "X-SMALL": "XSMALL",
    "X-LARGE": "XLARGE",
    "2X-LARGE": "XXLARGE",
    "X2LARGE": "XXLARGE",
    "3X-LARGE": "XXXLARGE",
    "X3LARGE": "XXXLARGE",
    "4X-LARGE": "X4LARGE",
    "5X-LARGE": "X5LARGE",
    "6X-LARGE": "X6LARGE",
}

# https://docs.snowflake.com/en/sql-reference/sql/create-compute-pool (INSTANCE_FAMILY)
INSTANCE_FAMILIES = (
    "CPU_X64_XS",
    "CPU_X64_S",
    "CPU_X64_M",
    "CPU_X64_SL",
    "CPU_X64_L",
    "HIGHMEM_X64_S",
    "HIGHMEM_X64_M",
    "HIGHMEM_X64_SL",
    "HIGHMEM_X64_L",
    "GPU_NV_XS",
    "GPU_NV_S",
    "GPU_NV_M",
    "GPU_NV_SM",
    "GPU_NV_2M",
    "GPU_NV_3M",
    "GPU_NV_SL",
    "GPU_NV_L",
    "GPU_GCP_NV_L4_1_24G",
    "GPU_GCP_NV_L4_4_24G",
    "GPU_GCP_NV_A100_8_40G",
)

_HOST_PORT = re.compile(
    r"(?=.{1,253}(:|$))([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+"
    r"(:(\d{1,5}))?"
)


class Section(BaseModel):
    """Common configuration of every section: unknown keys are errors, values are checked
    again on assignment so a wizard screen can edit the model field by field."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


class AdminRoles(Section):
    """System roles that run each kind of step (as in the guide)."""

    account_admin: Name = Field("ACCOUNTADMIN", description="Integrations, BIND SERVICE ENDPOINT")
    security_admin: Name = Field("SECURITYADMIN", description="Roles and grants")
    user_admin: Name = Field("USERADMIN", description="Users")
    sys_admin: Name = Field(
        "SYSADMIN", description="Warehouse, database, pools and services; owns the services"
    )


class RoleConfig(Section):
    name: Name = Field("MILVUS_ROLE", description="Role given to the people who use Milvus")


class UserConfig(Section):
    create: bool = Field(
        True,
        description="Create a person user (TYPE = PERSON) for the notebook's browser login; "
        "Snowflake asks them to enrol in MFA at first sign-in (docs/users-and-mfa.md)",
    )
    name: Name = Field("MILVUS_USER", description="That user's login name")
    grant_to: list[Name] = Field(
        default_factory=list,
        description="Existing users who get the deployment's role (they sign in as "
        "themselves, with their own MFA); comma-separated",
    )

    @field_validator("grant_to", mode="before")
    @classmethod
    def _split_users(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


class WarehouseConfig(Section):
    name: Name = Field("MILVUS_WAREHOUSE", description="Warehouse for the services' queries")
    size: WarehouseSize = Field("XSMALL", description="WAREHOUSE_SIZE")
    auto_suspend_secs: int = Field(180, ge=0, description="Seconds idle before it suspends")
    auto_resume: bool = True
    initially_suspended: bool = Field(
        True, description="Start suspended: it costs nothing until something queries it"
    )

    @field_validator("size", mode="before")
    @classmethod
    def _size_alias(cls, value: object) -> object:
        if isinstance(value, str):
            upper = value.strip().upper().replace("_", "-")
            return _WAREHOUSE_ALIASES.get(upper, upper.replace("-", ""))
        return value


class DatabaseConfig(Section):
    name: Name = Field("MILVUS_DEMO", description="Database holding repository, stages, services")
    schema_name: Name = Field("PUBLIC", alias="schema", description="Schema inside it")

    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)


class StagesConfig(Section):
    specs: Name = Field("YAML_STAGE", description="Stage holding the service specifications")
    data: Name = Field("DATA", description="Stage for Milvus data (server-side encrypted)")
    files: Name = Field("FILES", description="Stage for notebook files (server-side encrypted)")


class ImageRepositoryConfig(Section):
    name: Name = Field("MILVUS_REPO", description="Image repository in the database")
    database: str = Field(
        "",
        description="A database of its own for the repository, shared by several "
        "deployments (a workshop's class: the images are pushed once); made if missing and "
        "left at teardown unless asked. Empty: the deployment's database",
    )

    @field_validator("database")
    @classmethod
    def _database(cls, value: str) -> str:
        return identifiers.parse(value, what="image repository database").name if value else ""


class SecurityIntegrationConfig(Section):
    create: bool = Field(
        True, description="Create the SPCS ingress OAuth integration if the account lacks it"
    )
    name: Name = Field("SNOWSERVICES_INGRESS_OAUTH", description="Shared by the whole account")


class EgressConfig(Section):
    enabled: bool = Field(
        False,
        description="Give the notebook outbound access to 'hosts' (off: its embedding model is "
        "baked in, and trial accounts have no external access)",
    )
    network_rule: Name = Field("MILVUS_EGRESS_RULE", description="Network rule (in the schema)")
    integration: Name = Field("MILVUS_EGRESS_EAI", description="External access integration")
    hosts: list[str] = Field(
        default_factory=lambda: [
            "pypi.org:443",
            "files.pythonhosted.org:443",
            "huggingface.co:443",
            "cdn-lfs.huggingface.co:443",
        ],
        description="host:port the notebook may reach (the guide allowed 0.0.0.0:80 and :443)",
    )

    @field_validator("hosts", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("hosts")
    @classmethod
    def _check_hosts(cls, hosts: list[str]) -> list[str]:
        checked = []
        for raw in hosts:
            host = raw.strip().lower()
            if host.startswith(("0.0.0.0", "*")) or host in {"", ":443", ":80"}:
                raise ValueError(
                    f"{raw!r} opens egress to the whole internet; list the hosts the "
                    "notebook needs, for example 'pypi.org:443'"
                )
            match = _HOST_PORT.fullmatch(host)
            port = match.group(7) if match else None
            if not match or (port is not None and not 0 < int(port) < 65536):
                raise ValueError(f"{raw!r} is not a host name with an optional :port")
            checked.append(host)
        return checked


class ComputePoolConfig(Section):
    name: Name
    instance_family: str = Field("CPU_X64_S", description="INSTANCE_FAMILY")
    min_nodes: int = Field(1, ge=1)
    max_nodes: int = Field(1, ge=1)
    auto_resume: bool = True
    auto_suspend_secs: int = Field(3600, ge=0, description="Seconds idle before it suspends")
    shared: bool = Field(
        False,
        description="The pool is shared by several deployments (a workshop's class): its "
        "name is used without the prefix, and teardown leaves it unless asked",
    )

    @field_validator("instance_family", mode="before")
    @classmethod
    def _family(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().upper()
            if value not in INSTANCE_FAMILIES:
                raise ValueError(
                    f"unknown instance family {value!r}; known: {', '.join(INSTANCE_FAMILIES)}"
                )
        return value

    @model_validator(mode="after")
    def _nodes(self) -> ComputePoolConfig:
        if self.max_nodes < self.min_nodes:
            raise ValueError(
                f"max_nodes ({self.max_nodes}) is smaller than min_nodes ({self.min_nodes})"
            )
        return self


class ImageConfig(Section):
    image: str = Field(description="Image name in the repository")
    tag: str = Field("latest", description="Image tag pushed and referenced by the spec")
    source: str = Field(
        "",
        description="Registry repository the image is copied from as it is (the tag is "
        "the same), e.g. docker.io/milvusdb/milvus; empty: built from images/<image>/",
    )

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        # OCI distribution spec, repository path component.
        if not re.fullmatch(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*", value):
            raise ValueError(
                f"{value!r} is not a valid image name (lower-case letters, digits, '.', '_', '-')"
            )
        return value

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        # A registry host (optional), then the OCI distribution spec's repository path.
        component = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
        host = r"(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?"
        if value and not re.fullmatch(rf"{host}{component}(?:/{component})*", value.strip()):
            raise ValueError(
                f"{value!r} is not an image repository (e.g. docker.io/milvusdb/milvus; "
                "the tag is the service's tag)"
            )
        return value.strip()

    @field_validator("tag")
    @classmethod
    def _tag(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}", value):
            raise ValueError(f"{value!r} is not a valid image tag")
        return value


class ServiceConfig(ImageConfig):
    name: Name
    spec_file: str = Field(description="File name of the specification on the stage")
    min_instances: int = Field(1, ge=1)
    max_instances: int = Field(1, ge=1)
    volume_size: str = Field(
        "20Gi", description="Block storage volume for the service's data (1Gi to 16384Gi)"
    )
    cpu: float = Field(0.5, gt=0, le=64, description="vCPUs the service's container requests")
    memory: str = Field("1Gi", description="Memory the service's container requests (e.g. 4Gi)")
    pool: ComputePoolConfig

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: str) -> str:
        from spcs_wizard.model.node_capacity import memory_gib

        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?(Mi|Gi)", value.strip()) or memory_gib(value) <= 0:
            raise ValueError(f"{value!r} is not an amount of memory such as 4Gi or 512Mi")
        return value.strip()

    @field_validator("volume_size")
    @classmethod
    def _volume_size(cls, value: str) -> str:
        # https://docs.snowflake.com/en/developer-guide/snowpark-container-services/block-storage-volume
        match = re.fullmatch(r"(\d+)Gi", value.strip())
        if not match or not 1 <= int(match.group(1)) <= 16384:
            raise ValueError(f"{value!r} is not a block volume size from 1Gi to 16384Gi")
        return value.strip()

    @field_validator("spec_file")
    @classmethod
    def _spec_file(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*\.ya?ml", value):
            raise ValueError(f"{value!r} must be a plain .yaml file name")
        return value

    @model_validator(mode="after")
    def _instances(self) -> ServiceConfig:
        if self.max_instances < self.min_instances:
            raise ValueError(
                f"max_instances ({self.max_instances}) is smaller than "
                f"min_instances ({self.min_instances})"
            )
        return self


class SecretsConfig(Section):
    jupyter_password: Name = Field(
        "JUPYTER_PASSWORD", description="SECRET object holding the notebook's password"
    )
    milvus_root: Name = Field(
        "MILVUS_ROOT",
        description="SECRET object (TYPE = PASSWORD) holding Milvus' root user and password",
    )


def _milvus() -> ServiceConfig:
    return ServiceConfig(
        name="MILVUS",
        image="milvus",
        tag="v2.5.26",
        # The upstream image runs as it is: the service spec gives its command.
        source="docker.io/milvusdb/milvus",
        spec_file="milvus.yaml",
        cpu=1,
        memory="4Gi",
        pool=ComputePoolConfig(name="MILVUS_COMPUTE_POOL"),
    )


def _gateway() -> ImageConfig:
    # Milvus' public door (specs/gateway.py, run by the spec's command): a stock Python,
    # copied as it is; built from images/milvus-gateway/ only where nothing can copy.
    return ImageConfig(image="milvus-gateway", tag="3.11-slim", source="docker.io/library/python")


def _jupyter() -> ServiceConfig:
    return ServiceConfig(
        name="JUPYTER",
        image="jupyter",
        tag="latest",
        spec_file="jupyter.yaml",
        cpu=0.5,
        memory="2Gi",
        pool=ComputePoolConfig(name="JUPYTER_COMPUTE_POOL"),
    )


def _deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


# A prefix leaves room for the names it goes in front of (the longest default one has 20
# characters); the model then checks every prefixed name against the 255 limit.
PREFIX_MAX = 200


def _prefix_fix(suggestion: str | None, room: int = PREFIX_MAX) -> str | None:
    """A suggested prefix that is itself valid: cut to ``room``, one trailing ``_``."""
    if not suggestion:
        return None
    cut = suggestion[: room - 1].rstrip("_")
    return cut + "_" if cut else None


def normalise_prefix(value: str) -> str:
    """``alice`` -> ``ALICE_``; empty stays empty; anything else must be identifier-like."""
    value = value.strip()
    if not value:
        return ""
    if len(value) > PREFIX_MAX:
        raise identifiers.IdentifierError(
            "prefix",
            value,
            f"it has {len(value)} characters; a prefix may have at most {PREFIX_MAX}, to "
            "leave room for the names it prefixes",
            _prefix_fix(identifiers.suggest(value)),
        )
    try:
        return identifiers.parse(value if value.endswith("_") else value + "_").name
    except identifiers.IdentifierError as exc:
        raise identifiers.IdentifierError(
            "prefix", value, exc.rule, _prefix_fix(exc.suggestion)
        ) from None


_LOCATOR = re.compile(r"[a-z]{1,3}[0-9]{3,7}(\.[a-z0-9-]+){0,3}")


def _account_text(value: str) -> str:
    """What identifies the account in a pasted value: no scheme, path or Snowflake domain."""
    text = re.sub(r"^[a-z]+://", "", value.strip(), flags=re.IGNORECASE).split("/")[0]
    return re.sub(r"(\.registry)?\.snowflakecomputing\.com$", "", text, flags=re.IGNORECASE)


def normalise_login_account(value: str) -> str:
    """For logging in: ``ORG-ACCOUNT`` in any form :func:`normalise_account` takes, or a
    legacy account locator with its region (``xy12345.us-east-2.aws``), which the
    connector accepts as it is (the registry host needs the ORG-ACCOUNT form)."""
    text = _account_text(value).lower()
    if _LOCATOR.fullmatch(text):
        return text
    return normalise_account(value)


def normalise_account(value: str) -> str:
    """Accept ``org-account``, ``org.account`` or a ``*.snowflakecomputing.com`` URL."""
    text = _account_text(value)
    if not text:
        return ""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*[.-][A-Za-z0-9_-]+", text) and text.count(".") <= 1:
        org, _, account = text.replace(".", "-", 1).partition("-")
        return f"{org}-{account}".upper()
    raise ValueError(
        f"{value!r} is not an account identifier in the <orgname>-<accountname> form "
        "(Snowsight shows it under your account's details, for example MYORG-MYACCOUNT)"
    )


class Deployment(Section):
    """Everything one deployment creates, named and sized."""

    prefix: str = Field("", description="Put before every account-level name (workshops)")
    account: str = Field(
        "", description="Account identifier <orgname>-<accountname>; gives the registry host"
    )
    admin_roles: AdminRoles = Field(default_factory=AdminRoles)
    role: RoleConfig = Field(default_factory=RoleConfig)
    user: UserConfig = Field(default_factory=UserConfig)
    warehouse: WarehouseConfig = Field(default_factory=WarehouseConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    image_repository: ImageRepositoryConfig = Field(default_factory=ImageRepositoryConfig)
    stages: StagesConfig = Field(default_factory=StagesConfig)
    security_integration: SecurityIntegrationConfig = Field(
        default_factory=SecurityIntegrationConfig
    )
    egress: EgressConfig = Field(default_factory=EgressConfig)
    notebook: bool = Field(
        True,
        description="Deploy the Jupyter notebook next to Milvus (false: Milvus alone, e.g. "
        "where neither docker nor podman can build the notebook's image)",
    )
    secrets: SecretsConfig = Field(default_factory=SecretsConfig)
    milvus: ServiceConfig = Field(default_factory=_milvus)
    jupyter: ServiceConfig = Field(default_factory=_jupyter)
    gateway: ImageConfig = Field(
        default_factory=_gateway,
        description="Image of the Milvus service's gateway container (adds Milvus' "
        "credentials to requests Snowflake has authenticated)",
    )

    @model_validator(mode="before")
    @classmethod
    def _merge_service_defaults(cls, data: object) -> object:
        """Partial service sections (``milvus={"tag": ...}``) keep the other defaults."""
        if isinstance(data, dict):
            defaults: tuple[tuple[str, Any], ...] = (
                ("milvus", _milvus),
                ("jupyter", _jupyter),
                ("gateway", _gateway),
            )
            for key, default in defaults:
                if isinstance(data.get(key), dict):
                    data = {**data, key: _deep_merge(default().model_dump(), data[key])}
        return data

    @field_validator("prefix", mode="before")
    @classmethod
    def _prefix(cls, value: object) -> object:
        return normalise_prefix(value) if isinstance(value, str) else value

    @field_validator("account", mode="before")
    @classmethod
    def _account(cls, value: object) -> object:
        return normalise_account(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _distinct(self) -> Deployment:
        pools = [self.milvus.pool.name, self.jupyter.pool.name]
        services = [self.milvus.name, self.jupyter.name]
        stages = [self.stages.specs, self.stages.data, self.stages.files]
        for kind, names in (("compute pool", pools), ("service", services), ("stage", stages)):
            if len(set(names)) != len(names):
                raise ValueError(f"two {kind}s have the same name: {', '.join(names)}")
        if self.milvus.spec_file == self.jupyter.spec_file:
            raise ValueError("the two services need different spec_file names")
        from spcs_wizard.model.node_capacity import fit_problem

        for key in self.service_keys:
            problem = fit_problem(self, key)
            if problem:
                raise ValueError(problem)
        # Every prefixed name must still fit Snowflake's 255-character limit; the fix is
        # a shorter prefix (the names themselves are fine).
        for name in account_level_base_names(self):
            full = self.prefix + name
            if self.prefix and len(full) > identifiers.MAX_LENGTH:
                raise identifiers.IdentifierError(
                    "prefix",
                    self.prefix,
                    f"with it, {name} would have {len(full)} characters (the limit is "
                    f"{identifiers.MAX_LENGTH})",
                    _prefix_fix(self.prefix, identifiers.MAX_LENGTH - len(name)),
                )
            identifiers.parse(full, what="prefixed name")
        return self

    def names(self) -> Names:
        from spcs_wizard.model.names import Names

        return Names.of(self)

    @property
    def service_keys(self) -> tuple[Literal["milvus", "jupyter"], ...]:
        """The services this deployment runs: Milvus, and the notebook unless it is off."""
        return ("milvus", "jupyter") if self.notebook else ("milvus",)

    def service(self, key: str) -> ServiceConfig:
        """The settings of the service ``milvus`` or ``jupyter``."""
        return self.milvus if key == "milvus" else self.jupyter

    @property
    def image_keys(self) -> tuple[str, ...]:
        """The images the services run: Milvus' two (Milvus, its gateway), the notebook's."""
        return ("milvus", "gateway", "jupyter") if self.notebook else ("milvus", "gateway")

    def image(self, key: str) -> ImageConfig:
        """The image ``milvus``, ``gateway`` or ``jupyter``."""
        return self.gateway if key == "gateway" else self.service(key)

    @property
    def deployment_id(self) -> str:
        """Identifies this deployment in object comments and local state."""
        return self.prefix + self.database.name


def account_level_base_names(d: Deployment) -> list[str]:
    return [
        d.role.name,
        d.user.name,
        d.warehouse.name,
        d.database.name,
        d.egress.integration,
        *(svc.pool.name for svc in (d.milvus, d.jupyter) if not svc.pool.shared),
    ]

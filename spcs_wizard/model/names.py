"""Resolved names of one deployment: the model's names as Snowflake will store them, with
the workshop prefix applied to account-level objects."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from spcs_wizard.model import identifiers
from spcs_wizard.model.identifiers import Identifier

if TYPE_CHECKING:
    from spcs_wizard.model.deployment import ComputePoolConfig, Deployment


DNS_SUFFIX = "svc.spcs.internal"


def dns_label(name: str) -> str:
    """A Snowflake name as a DNS label: lower case, ``_`` as ``-`` (labels have no
    underscores)."""
    return name.lower().replace("_", "-")


def dns_domain(answer: str) -> str:
    """The schema's service DNS domain from what SYSTEM$GET_SERVICE_DNS_DOMAIN returns.

    Since the 2024_06 behaviour change a service's DNS name is
    ``<service>.<unique-id>.svc.spcs.internal``, the unique id (4 to 8 characters)
    belonging to the schema
    (https://docs.snowflake.com/en/release-notes/bcr-bundles/2024_06/bcr-1656). The
    function's answer is taken whole when it already ends in ``svc.spcs.internal`` and as
    the bare unique id otherwise.
    """
    text = answer.strip().strip(".").lower()
    label = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    if not re.fullmatch(rf"{label}(?:\.{label})*", text):
        raise ValueError(f"not a DNS domain: {answer!r}")
    return text if text.endswith("." + DNS_SUFFIX) else f"{text}.{DNS_SUFFIX}"


def service_dns_name(service: str, domain: str) -> str:
    """A service's DNS name inside SPCS, as SHOW SERVICES reports it in ``dns_name``:
    ``<service>.<unique-id>.svc.spcs.internal`` (``domain`` is what
    :func:`dns_domain` returns)."""
    return f"{dns_label(service)}.{domain}"


class Names(BaseModel):
    """Resolved identifiers of one deployment, prefix applied where it belongs."""

    model_config = ConfigDict(frozen=True)

    role: Identifier
    user: Identifier
    warehouse: Identifier
    database: Identifier
    schema_: Identifier
    image_repository: Identifier
    # Where the repository lives: the deployment's schema, or a shared database's PUBLIC.
    image_database: Identifier
    image_schema: Identifier
    spec_stage: Identifier
    data_stage: Identifier
    files_stage: Identifier
    network_rule: Identifier
    external_access_integration: Identifier
    security_integration: Identifier
    jupyter_secret: Identifier
    milvus_secret: Identifier
    milvus_pool: Identifier
    jupyter_pool: Identifier
    milvus_service: Identifier
    jupyter_service: Identifier
    account_admin: Identifier
    security_admin: Identifier
    user_admin: Identifier
    sys_admin: Identifier

    @classmethod
    def of(cls, d: Deployment) -> Names:
        def account_level(name: str) -> Identifier:
            return identifiers.parse(d.prefix + name)

        def pool(config: ComputePoolConfig) -> Identifier:
            # A shared pool (a workshop's class) is named as it is: no one's prefix.
            return identifiers.parse(config.name) if config.shared else account_level(config.name)

        return cls(
            role=account_level(d.role.name),
            user=account_level(d.user.name),
            warehouse=account_level(d.warehouse.name),
            database=account_level(d.database.name),
            schema_=Identifier(d.database.schema_name),
            image_repository=Identifier(d.image_repository.name),
            image_database=(
                identifiers.parse(d.image_repository.database)
                if d.image_repository.database
                else account_level(d.database.name)
            ),
            image_schema=Identifier(
                "PUBLIC" if d.image_repository.database else d.database.schema_name
            ),
            spec_stage=Identifier(d.stages.specs),
            data_stage=Identifier(d.stages.data),
            files_stage=Identifier(d.stages.files),
            network_rule=Identifier(d.egress.network_rule),
            external_access_integration=account_level(d.egress.integration),
            # One per account, shared by every deployment: never prefixed.
            security_integration=Identifier(d.security_integration.name),
            jupyter_secret=Identifier(d.secrets.jupyter_password),
            milvus_secret=Identifier(d.secrets.milvus_root),
            milvus_pool=pool(d.milvus.pool),
            jupyter_pool=pool(d.jupyter.pool),
            milvus_service=Identifier(d.milvus.name),
            jupyter_service=Identifier(d.jupyter.name),
            account_admin=Identifier(d.admin_roles.account_admin),
            security_admin=Identifier(d.admin_roles.security_admin),
            user_admin=Identifier(d.admin_roles.user_admin),
            sys_admin=Identifier(d.admin_roles.sys_admin),
        )

    def service(self, key: str) -> Identifier:
        """The name of the service ``milvus`` or ``jupyter``."""
        return self.milvus_service if key == "milvus" else self.jupyter_service

    def pool(self, key: str) -> Identifier:
        """The compute pool of the service ``milvus`` or ``jupyter``."""
        return self.milvus_pool if key == "milvus" else self.jupyter_pool

    @property
    def repository(self) -> str:
        """The image repository's fully qualified name."""
        return identifiers.qualified(self.image_database, self.image_schema, self.image_repository)

    @property
    def shared_repository(self) -> bool:
        """Whether the repository is in a shared database of its own."""
        return self.image_database != self.database

    def in_schema(self, name: Identifier) -> str:
        """Fully qualified name of a schema-level object."""
        return identifiers.qualified(self.database, self.schema_, name)

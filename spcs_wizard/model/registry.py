"""Image registry addresses derived from the account and the deployment model.

Snowflake documents the registry host name as
``<orgname>-<acctname>.registry.snowflakecomputing.com`` and the repository URL as
``<registry host>/<db>/<schema>/<repository>``, all lower case; underscores in the
organization and account names become dashes in the host name
(https://docs.snowflake.com/en/developer-guide/snowpark-container-services/working-with-registry-repository).
"""

from __future__ import annotations

from spcs_wizard.model.deployment import Deployment, ImageConfig, normalise_account

REGISTRY_DOMAIN = "registry.snowflakecomputing.com"


class AccountMissingError(ValueError):
    def __init__(self) -> None:
        super().__init__(
            "the image registry host comes from the account identifier, and none is set: "
            "pass --account ORG-ACCOUNT (or set account in the config file)"
        )


def registry_host(account: str, domain: str = REGISTRY_DOMAIN) -> str:
    """``MYORG-MY_ACCT`` -> ``myorg-my-acct.registry.snowflakecomputing.com``."""
    normalised = normalise_account(account)
    if not normalised:
        raise AccountMissingError()
    return f"{normalised.lower().replace('_', '-')}.{domain}"


def repository_path(deployment: Deployment) -> str:
    names = deployment.names()
    return "/".join(
        (names.image_database.lower(), names.image_schema.lower(), names.image_repository.lower())
    )


def repository_url(deployment: Deployment, host: str | None = None) -> str:
    """Where images are pushed: host plus ``db/schema/repository`` in lower case."""
    return f"{host or registry_host(deployment.account)}/{repository_path(deployment)}"


def image_reference(deployment: Deployment, service: ImageConfig, host: str | None = None) -> str:
    """Full reference of a service's image, as written in its specification."""
    return f"{repository_url(deployment, host)}/{service.image}:{service.tag}"


def spec_image_path(deployment: Deployment, service: ImageConfig) -> str:
    """The image as a specification may name it without the host (``/db/schema/repo/...``)."""
    return f"/{repository_path(deployment)}/{service.image}:{service.tag}"

"""A deployment's resolved names: the prefix on account-level objects only, and the DNS
names services have inside SPCS."""

from __future__ import annotations

import pytest

from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.names import dns_domain, dns_label, service_dns_name


def test_the_prefix_goes_on_account_level_objects_only() -> None:
    names = Deployment(account="myorg-myaccount", prefix="bob_").names()
    assert {field: ident.name for field, ident in names} == {
        "role": "BOB_MILVUS_ROLE",
        "user": "BOB_MILVUS_USER",
        "warehouse": "BOB_MILVUS_WAREHOUSE",
        "database": "BOB_MILVUS_DEMO",
        "schema_": "PUBLIC",
        "image_repository": "MILVUS_REPO",
        "image_database": "BOB_MILVUS_DEMO",  # the deployment's own, unless a shared one
        "image_schema": "PUBLIC",
        "spec_stage": "YAML_STAGE",
        "data_stage": "DATA",
        "files_stage": "FILES",
        "network_rule": "MILVUS_EGRESS_RULE",
        "external_access_integration": "BOB_MILVUS_EGRESS_EAI",
        "security_integration": "SNOWSERVICES_INGRESS_OAUTH",  # one per account, shared
        "jupyter_secret": "JUPYTER_PASSWORD",
        "milvus_secret": "MILVUS_ROOT",
        "milvus_pool": "BOB_MILVUS_COMPUTE_POOL",
        "jupyter_pool": "BOB_JUPYTER_COMPUTE_POOL",
        "milvus_service": "MILVUS",
        "jupyter_service": "JUPYTER",
        "account_admin": "ACCOUNTADMIN",
        "security_admin": "SECURITYADMIN",
        "user_admin": "USERADMIN",
        "sys_admin": "SYSADMIN",
    }
    assert names.in_schema(names.spec_stage) == "BOB_MILVUS_DEMO.PUBLIC.YAML_STAGE"
    assert (names.repository, names.shared_repository) == (
        "BOB_MILVUS_DEMO.PUBLIC.MILVUS_REPO",
        False,
    )
    # A repository in a shared database (a workshop's class) is named without the prefix.
    shared = Deployment(prefix="bob_", image_repository={"database": "ws_images"}).names()
    assert (shared.repository, shared.shared_repository) == ("WS_IMAGES.PUBLIC.MILVUS_REPO", True)


def test_a_schema_of_its_own_holds_the_repository_unless_the_images_database_is_shared() -> None:
    own = Deployment(prefix="bob_", database={"schema_name": "VECTORS"}).names()
    assert own.repository == "BOB_MILVUS_DEMO.VECTORS.MILVUS_REPO"
    shared = Deployment(
        prefix="bob_",
        database={"schema_name": "VECTORS"},
        image_repository={"database": "ws_images"},
    ).names()
    assert shared.repository == "WS_IMAGES.PUBLIC.MILVUS_REPO"  # the shared database's own


def test_a_pool_shared_by_a_class_is_named_as_it_is_and_the_others_with_the_prefix() -> None:
    names = Deployment(
        prefix="bob_",
        milvus={"pool": {"name": "ws_milvus_pool", "shared": True}},
    ).names()
    assert (names.milvus_pool.name, names.jupyter_pool.name) == (
        "WS_MILVUS_POOL",
        "BOB_JUPYTER_COMPUTE_POOL",
    )


def test_without_a_prefix_the_names_are_the_guides() -> None:
    names = Deployment(account="myorg-myaccount").names()
    assert (names.database.name, names.milvus_pool.name) == ("MILVUS_DEMO", "MILVUS_COMPUTE_POOL")


@pytest.mark.parametrize(
    ("answer", "domain"),
    [
        ("ab12cd34", "ab12cd34.svc.spcs.internal"),
        (" AB12CD34. ", "ab12cd34.svc.spcs.internal"),
        ("XB12CD3X.", "xb12cd3x.svc.spcs.internal"),  # only the dot comes off its ends
        ("ab12cd34.svc.spcs.internal", "ab12cd34.svc.spcs.internal"),
        (".x-1.svc.spcs.internal.", "x-1.svc.spcs.internal"),
        ("svc.spcs.internal", "svc.spcs.internal.svc.spcs.internal"),  # no unique id in it
    ],
)
def test_the_dns_domain_is_the_unique_id_under_svc_spcs_internal(answer: str, domain: str) -> None:
    assert dns_domain(answer) == domain


@pytest.mark.parametrize("answer", ["", "-ab", "ab-", "a b", "a..b", "a_b", "x" * 64])
def test_what_is_not_a_dns_domain_is_refused(answer: str) -> None:
    with pytest.raises(ValueError, match=r"^not a DNS domain: ") as caught:
        dns_domain(answer)
    assert repr(answer) in str(caught.value)


def test_a_services_dns_name_is_its_label_in_the_domain() -> None:
    assert dns_label("Milvus_Svc_2") == "milvus-svc-2"
    assert service_dns_name("Milvus_Svc", "ab12.svc.spcs.internal") == (
        "milvus-svc.ab12.svc.spcs.internal"
    )

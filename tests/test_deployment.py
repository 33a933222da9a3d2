"""The deployment model: defaults, prefix, TOML, environment and flags."""

from __future__ import annotations

import tomllib
from typing import TYPE_CHECKING

import pytest

from spcs_wizard.model.config_file import (
    ConfigError,
    load_deployment,
    save_deployment,
    setting_paths,
    to_toml,
)
from spcs_wizard.model.deployment import Deployment, normalise_account
from spcs_wizard.model.registry import AccountMissingError, image_reference, registry_host

if TYPE_CHECKING:
    from pathlib import Path


def test_defaults_reproduce_the_guides_names() -> None:
    n = Deployment().names()
    assert n.role.name == "MILVUS_ROLE"
    assert n.user.name == "MILVUS_USER"
    assert n.warehouse.name == "MILVUS_WAREHOUSE"
    assert n.database.name == "MILVUS_DEMO"
    assert n.schema_.name == "PUBLIC"
    assert n.image_repository.name == "MILVUS_REPO"
    assert (n.spec_stage.name, n.data_stage.name, n.files_stage.name) == (
        "YAML_STAGE",
        "DATA",
        "FILES",
    )
    assert (n.milvus_pool.name, n.jupyter_pool.name) == (
        "MILVUS_COMPUTE_POOL",
        "JUPYTER_COMPUTE_POOL",
    )
    assert (n.milvus_service.name, n.jupyter_service.name) == ("MILVUS", "JUPYTER")
    assert n.security_integration.name == "SNOWSERVICES_INGRESS_OAUTH"


@pytest.mark.parametrize("given", ["alice", "ALICE_", "Alice", " alice "])
def test_prefix_is_normalised_and_applied_to_account_level_names(given: str) -> None:
    d = Deployment(prefix=given)
    n = d.names()
    assert d.prefix == "ALICE_"
    for account_level in (
        n.role,
        n.user,
        n.warehouse,
        n.database,
        n.milvus_pool,
        n.jupyter_pool,
        n.external_access_integration,
    ):
        assert account_level.name.startswith("ALICE_")
    # Schema-level objects live inside the prefixed database and keep their names.
    assert n.image_repository.name == "MILVUS_REPO"
    assert n.in_schema(n.spec_stage) == "ALICE_MILVUS_DEMO.PUBLIC.YAML_STAGE"
    # The account's ingress integration is one per account: never prefixed.
    assert n.security_integration.name == "SNOWSERVICES_INGRESS_OAUTH"


def test_prefix_that_pushes_a_name_past_255_characters_is_rejected() -> None:
    with pytest.raises(ValueError, match="at most 200"):
        Deployment(prefix="A" * 240)
    with pytest.raises(ValueError, match="255"):  # a long name configured: the prefix fits less
        Deployment(prefix="A" * 190, warehouse={"name": "W" * 70})


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("myorg-myaccount", "MYORG-MYACCOUNT"),
        ("MYORG-MY_ACCT", "MYORG-MY_ACCT"),
        ("myorg.myaccount", "MYORG-MYACCOUNT"),
        ("https://myorg-myaccount.snowflakecomputing.com", "MYORG-MYACCOUNT"),
        ("myorg-myaccount.snowflakecomputing.com/console", "MYORG-MYACCOUNT"),
        ("", ""),
    ],
)
def test_account_identifier_forms(given: str, normalised: str) -> None:
    assert normalise_account(given) == normalised


def test_account_without_organization_is_rejected_with_where_to_find_it() -> None:
    with pytest.raises(ValueError, match="Snowsight"):
        normalise_account("xy12345")


def test_registry_host_is_lower_case_with_dashes() -> None:
    assert registry_host("MYORG-MY_ACCT") == "myorg-my-acct.registry.snowflakecomputing.com"
    d = Deployment(account="myorg-my_acct", prefix="bob")
    assert image_reference(d, d.milvus) == (
        "myorg-my-acct.registry.snowflakecomputing.com/bob_milvus_demo/public/milvus_repo/"
        f"milvus:{d.milvus.tag}"
    )
    with pytest.raises(AccountMissingError, match="--account"):
        registry_host("")


def test_toml_round_trip_preserves_every_value(tmp_path: Path) -> None:
    d = load_deployment(
        overrides={
            "prefix": "carol",
            "warehouse.size": "x-small",
            "milvus.pool.max_nodes": "2",
            "egress.hosts": "pypi.org:443,files.pythonhosted.org:443",
        }
    )
    path = tmp_path / "spcs-wizard.toml"
    save_deployment(d, path)
    text = path.read_text()
    assert "# Put before every account-level name" in text  # commented for people
    assert load_deployment(path, environ={}) == d
    assert tomllib.loads(text)["milvus"]["pool"]["max_nodes"] == 2


def test_every_setting_is_in_the_toml_file() -> None:
    text = to_toml(Deployment(), with_comments=False)
    data = tomllib.loads(text)
    for path in setting_paths():
        node = data
        for part in path.split("."):
            node = node[part]


def test_precedence_defaults_file_environment_flags(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[warehouse]\nsize = "SMALL"\nauto_suspend_secs = 60\n[role]\nname = "R1"\n')
    env = {"SPCS_WIZARD_WAREHOUSE__SIZE": "MEDIUM", "SPCS_WIZARD_ROLE__NAME": "R2"}
    d = load_deployment(path, environ=env, overrides={"role.name": "R3"})
    assert d.warehouse.auto_suspend_secs == 60  # file
    assert d.warehouse.size == "MEDIUM"  # environment beats file
    assert d.role.name == "R3"  # flag beats environment
    assert d.warehouse.auto_resume is True  # default


def test_unknown_setting_names_the_source_and_a_close_match(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[warehouse]\nsise = 'SMALL'\n")
    with pytest.raises(
        ConfigError,
        match=r"c\.toml: there is no setting 'warehouse\.sise'.*"
        r"Did you mean 'warehouse\.size'",
    ):
        load_deployment(path, environ={})


def test_an_unknown_setting_far_from_any_points_to_the_command_that_lists_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[nosuch]\nkey = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_deployment(path, environ={})
    assert str(caught.value).endswith(
        "there is no setting 'nosuch.key'. 'spcs-wizard config keys' lists them."
    )


def test_invalid_values_are_all_reported_with_their_source() -> None:
    env = {"SPCS_WIZARD_ROLE__NAME": "my role", "SPCS_WIZARD_MILVUS__POOL__MIN_NODES": "0"}
    with pytest.raises(ConfigError) as caught:
        load_deployment(environ=env, overrides={"egress.hosts": "0.0.0.0:443"})
    message = str(caught.value)
    assert "role.name (from environment variable SPCS_WIZARD_ROLE__NAME)" in message
    assert "Try 'MY_ROLE'" in message
    assert "milvus.pool.min_nodes" in message
    assert "whole internet" in message


def test_a_refused_value_is_repeated_unless_the_message_says_it() -> None:
    with pytest.raises(ConfigError) as caught:
        load_deployment(environ={}, overrides={"warehouse.size": "HUGE"})
    assert "or 'X6LARGE', not 'HUGE'" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        load_deployment(environ={}, overrides={"prefix": "1bad"})
    assert str(caught.value).count("1bad") == 1  # the identifier's own message names it


def test_broken_toml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[warehouse\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_deployment(path, environ={})
    with pytest.raises(ConfigError, match="config init"):
        load_deployment(tmp_path / "missing.toml", environ={})


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"milvus.pool.min_nodes": "3", "milvus.pool.max_nodes": "2"}, "max_nodes"),
        ({"milvus.pool.instance_family": "CPU_X64_HUGE"}, "unknown instance family"),
        ({"jupyter.pool.name": "MILVUS_COMPUTE_POOL"}, "same name"),
        ({"milvus.image": "Milvus Image"}, "not a valid image name"),
        ({"milvus.spec_file": "../etc/passwd"}, ".yaml file name"),
        ({"egress.hosts": "*.example.com:443"}, "whole internet"),
        ({"egress.hosts": "example.com:99999"}, "host name"),
        ({"warehouse.auto_suspend_secs": "-1"}, "greater than or equal"),
    ],
)
def test_invalid_sizes_and_names_are_refused(overrides: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        load_deployment(environ={}, overrides=overrides)


def test_the_model_rechecks_values_assigned_one_by_one() -> None:
    d = Deployment()
    d.warehouse.name = "analytics_wh"
    assert d.warehouse.name == "ANALYTICS_WH"
    with pytest.raises(ValueError, match="not a valid Snowflake identifier"):
        d.warehouse.name = "analytics-wh"


def test_other_spcs_wizard_variables_are_not_settings() -> None:
    env = {
        "SPCS_WIZARD_CONNECTION": "x",
        "SPCS_WIZARD_SECRET_JUPYTER_PASSWORD": "s",
        "SPCS_WIZARD_EMULATOR_PASSWORD": "p",
        "SPCS_WIZARD_HOME": "/tmp",
        "SPCS_WIZARD_PREFIX": "zoe",
    }
    assert load_deployment(environ=env).prefix == "ZOE_"

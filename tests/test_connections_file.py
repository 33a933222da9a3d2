"""Where Snowflake CLI's connection files are and what they say, as Snowflake CLI and the
connector read them (a temporary home; the real files and environment of this machine are
never read)."""

from __future__ import annotations

from pathlib import Path

import pytest

from spcs_wizard.credentials import connections_file as files


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("SNOWFLAKE_HOME", "XDG_CONFIG_HOME", "SNOWFLAKE_DEFAULT_CONNECTION_NAME"):
        monkeypatch.delenv(name, raising=False)
    return home


def test_snowflake_home_is_the_variable_then_the_old_folder_then_xdg(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert files.snowflake_home() == home / ".config" / "snowflake"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg"))
    assert files.snowflake_home() == home / "xdg" / "snowflake"
    (home / ".snowflake").mkdir()  # the older place wins once it exists
    assert files.snowflake_home() == home / ".snowflake"
    monkeypatch.setenv("SNOWFLAKE_HOME", "~/elsewhere")  # and the variable over both
    assert files.snowflake_home() == home / "elsewhere"
    assert files.connections_path() == home / "elsewhere" / "connections.toml"


def test_the_default_connection_is_the_variable_then_config_toml(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert files.default_connection_name() is None
    config = home / ".config" / "snowflake" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('default_connection_name = "dev"\n')
    assert files.default_connection_name() == "dev"
    monkeypatch.setenv("SNOWFLAKE_DEFAULT_CONNECTION_NAME", "prod")
    assert files.default_connection_name() == "prod"


def test_connections_toml_wins_over_config_toml_for_the_same_name(home: Path) -> None:
    folder = home / ".config" / "snowflake"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text(
        'default_connection_name = "a"\n'
        '[connections.a]\naccount = "from-config"\n'
        '[connections.b]\naccount = "only-in-config"\n'
    )
    (folder / "connections.toml").write_text('[a]\naccount = "from-connections"\nport = 1\n')
    assert files.all_connections() == {
        "a": {"account": "from-connections", "port": 1},
        "b": {"account": "only-in-config"},
    }


def test_a_config_toml_without_connections_adds_none(home: Path) -> None:
    folder = home / ".config" / "snowflake"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text('default_connection_name = "a"\n')
    (folder / "connections.toml").write_text('[a]\naccount = "x"\n')
    assert files.all_connections() == {"a": {"account": "x"}}


def test_an_unreadable_file_is_named_with_the_reason(home: Path) -> None:
    folder = home / ".config" / "snowflake"
    folder.mkdir(parents=True)
    (folder / "connections.toml").write_text("[a\n")
    with pytest.raises(files.ConnectionsFileError) as caught:
        files.list_connections()
    assert str(caught.value).startswith(f"{folder / 'connections.toml'}: cannot be read (")


def test_saving_replaces_one_connection_and_removing_a_missing_one_says_so(
    home: Path,
) -> None:
    path = files.save_connection("a", {"account": "x", "role": "", "warehouse": None})
    assert path == home / ".config" / "snowflake" / "connections.toml"
    assert path.read_text() == '[a]\naccount = "x"\n'  # empty values are not written
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    files.save_connection("b", {"account": "y"})
    files.save_connection("a", {"account": "z"})
    assert path.read_text() == '[a]\naccount = "z"\n\n[b]\naccount = "y"\n'
    assert files.remove_connection("c") is False
    assert files.remove_connection("a") is True
    assert files.list_connections() == {"b": {"account": "y"}}
    assert not path.with_name("connections.toml.tmp").exists()

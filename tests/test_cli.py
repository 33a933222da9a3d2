"""The installed ``spcs-wizard`` command, run as a user or a script would run it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from spcs_wizard import __version__
from tests.command import COMMAND, clean_environment, run_command


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    extra = {"SPCS_WIZARD_HOME": str(cwd / "state"), "COLUMNS": "120", **(env or {})}
    return run_command(
        *args, env=clean_environment(extra), cwd=cwd, input_text=input_text, timeout=60
    )


def assert_clean_usage_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    # Said the one way, Click's own or ours: "Error: ...", never "error: ...".
    assert re.search(r"^Error: ", result.stderr, re.MULTILINE), result.stderr
    assert not re.search(r"^error: ", result.stderr, re.MULTILINE), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def test_command_is_installed_and_reports_its_version(tmp_path: Path) -> None:
    assert COMMAND.exists(), "run the setup script: the console script is missing"
    result = run("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"spcs-wizard, version {__version__}"
    help_text = run("--help", cwd=tmp_path).stdout
    assert "plan" in help_text
    assert "Exit codes" in help_text


def test_the_command_list_says_what_each_command_says_of_itself() -> None:
    """`--help` lists the commands without importing them, from summaries kept beside the
    list: each must be its command's own first sentence, and each name its command."""
    import click

    from spcs_wizard.cli.main import COMMANDS, cli, load_command

    assert COMMANDS, "no commands"
    for name, (_where, summary) in COMMANDS.items():
        command = load_command(name)
        assert command.name == name
        assert summary == command.get_short_help_str(limit=1000), name
    with click.Context(cli) as ctx:
        assert cli.get_command(ctx, "nosuch") is None


def test_help_imports_no_command(tmp_path: Path) -> None:
    """What makes `--help` fast (0.02x `snow --help`, benchmarks/cli_bench.py): the
    command modules and the deployment model stay unimported."""
    code = (
        "import sys\nfrom spcs_wizard.cli.main import main\n"
        "sys.stdout = open('/dev/null', 'w')\nmain(['--help'])\n"
        "sys.stdout = sys.__stdout__\n"
        "print(sorted(m for m in sys.modules if m.startswith('spcs_wizard.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = result.stdout.strip()
    assert "spcs_wizard.cli.main" in loaded
    assert "_cmd" not in loaded, loaded
    assert "spcs_wizard.model" not in loaded, loaded


def test_the_wizard_checks_settings_given_before_it_starts(tmp_path: Path) -> None:
    """The wizard leaves the model for after its first screen only when no settings are
    given: a bad one, by flag or by environment, is said in one line before any screen."""
    by_flag = run("tui", "--set", "warehouse.size=HUGE", cwd=tmp_path)
    assert_clean_usage_error(by_flag, "warehouse.size (from command line)", "not 'HUGE'")
    by_env = run("tui", cwd=tmp_path, env={"SPCS_WIZARD_WAREHOUSE__SIZE": "HUGE"})
    assert_clean_usage_error(by_env, "SPCS_WIZARD_WAREHOUSE__SIZE", "not 'HUGE'")


def test_the_wizard_without_a_terminal_says_so_instead_of_drawing_into_a_pipe(
    tmp_path: Path,
) -> None:
    """Started from a script (stdin and stdout not a terminal), the full-screen app had no
    one to answer it and ran until killed, writing escape codes into the pipe."""
    for args in (("tui",), ("tui", "-c", "nosuch"), ("tui", "--prefix", "alice")):
        result = run(*args, cwd=tmp_path)
        assert_clean_usage_error(result, "the wizard needs a terminal", "spcs-wizard --help")
        assert "'spcs-wizard rehearse'" in result.stderr  # the wizard's flow, headless
        assert "\x1b[" not in result.stdout + result.stderr  # nothing drawn
    assert "Usage:" in run(cwd=tmp_path).stdout  # alone, without a terminal: the help


def test_plan_table_with_a_prefix(tmp_path: Path) -> None:
    result = run("plan", "--prefix", "alice", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Deployment plan for ALICE_MILVUS_DEMO" in result.stdout
    assert "ALICE_MILVUS_COMPUTE_POOL" in result.stdout
    said = " ".join(result.stdout.split())
    assert "never shown): milvus_user_password, jupyter_password." in said
    assert "Made up at deploy time and kept only by Snowflake: milvus_root_password." in said
    # Under each step's title: its id and what kind of step it is, in words.
    lines = [line.strip(" │") for line in result.stdout.splitlines()]
    for kind in (
        "step role · runs SQL",
        "step image-jupyter · puts an image in the repository",
        "step wait-pool-milvus · waits, looking until it holds",
    ):
        assert any(line.startswith(kind) for line in lines), kind
    assert "spec-milvus · uploads a file (PUT)" in said


def test_plan_sql_is_a_script_with_role_switches_and_no_secret(tmp_path: Path) -> None:
    result = run("plan", "--sql", "--account", "myorg-myacct", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    script = result.stdout
    assert script.splitlines()[0].startswith("-- spcs-wizard")
    assert "USE ROLE ACCOUNTADMIN;" in script
    assert "PASSWORD = '&{ milvus_user_password }'" in script
    assert "CREATE SERVICE IF NOT EXISTS MILVUS_DEMO.PUBLIC.MILVUS" in script


def test_plan_json_validates_against_the_published_schema(tmp_path: Path) -> None:
    result = run("plan", "--json", "--prefix", "bob", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    schema = json.loads(
        resources.files("spcs_wizard.schemas").joinpath("plan.schema.json").read_text()
    )
    jsonschema.validate(data, schema)
    assert data["deployment_id"] == "BOB_MILVUS_DEMO"
    teardown = json.loads(run("plan", "--teardown", "--keep-data", "--json", cwd=tmp_path).stdout)
    jsonschema.validate(teardown, schema)
    kinds = {s["target"]["kind"] for s in teardown["steps"]}
    assert "DATABASE" not in kinds
    assert "SERVICE" in kinds


def test_teardown_table_lists_services_before_pools(tmp_path: Path) -> None:
    out = run("plan", "--teardown", cwd=tmp_path).stdout
    assert out.index("service-milvus") < out.index("compute-pool-milvus")
    # Each row says what undoing runs, and which step it undoes: not "Create ...".
    said = " ".join(out.split()).replace("│ ", "").replace(" │", "")
    assert "DROP SERVICE IF EXISTS MILVUS_DEMO.PUBLIC.MILVUS" in said
    assert "undoes step service-milvus: Create the service" in said
    assert not re.search(r"^│ +\d+ │ Create", out, re.MULTILINE)
    assert "security-integration" not in out
    shared = run("plan", "--teardown", "--include-shared", cwd=tmp_path).stdout
    assert "security-integration" in shared


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("plan", "--prefix", "bad name!"), ("prefix 'bad name!'", "Try 'BAD_NAME_'")),
        (("plan", "--set", "role.name=select"), ("reserved keyword", "SELECT_1")),
        (("plan", "--set", "warehouse.sise=SMALL"), ("Did you mean 'warehouse.size'",)),
        (("plan", "--set", "nonsense"), ("expected KEY=VALUE",)),
        (("plan", "--sql", "--json"), ("choose one of --sql and --json",)),
        (("plan", "--keep-data"), ("go with --teardown",)),
        (("plan", "--account", "xy12345"), ("<orgname>-<accountname>",)),
        (("plan", "--config", "missing.toml"), ("config init",)),
        (("plan", "--bogus"), ("No such option",)),
        # The bare command is the wizard, but its options are tui's: said where they go.
        (
            ("--speed", "60"),
            ("No such option '--speed'", "go after 'tui': spcs-wizard tui --speed"),
        ),
        (("-c", "x"), ("No such option '-c'", "spcs-wizard tui -c …")),
    ],
)
def test_user_mistakes_exit_2_with_one_clear_message(
    tmp_path: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    result = run(*args, cwd=tmp_path)
    assert_clean_usage_error(result, *fragments)
    assert result.stdout == ""


def test_config_init_show_and_environment(tmp_path: Path) -> None:
    result = run("config", "init", "--prefix", "carol", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "spcs-wizard.toml"
    assert 'prefix = "CAROL_"' in path.read_text()
    again = run("config", "init", cwd=tmp_path)
    assert_clean_usage_error(again, "--force")
    # ./spcs-wizard.toml is picked up; the environment overrides it; flags override both.
    env = {"SPCS_WIZARD_WAREHOUSE__SIZE": "medium"}
    shown = json.loads(run("config", "show", "--json", cwd=tmp_path, env=env).stdout)
    assert shown["prefix"] == "CAROL_"
    assert shown["warehouse"]["size"] == "MEDIUM"
    flagged = run(
        "config", "show", "--json", "--set", "warehouse.size=LARGE", cwd=tmp_path, env=env
    )
    assert json.loads(flagged.stdout)["warehouse"]["size"] == "LARGE"
    # SPCS_WIZARD_CONFIG points elsewhere.
    other = tmp_path / "other.toml"
    other.write_text('prefix = "dan"\n')
    plan = run("plan", "--json", cwd=tmp_path, env={"SPCS_WIZARD_CONFIG": str(other)})
    assert json.loads(plan.stdout)["deployment_id"] == "DAN_MILVUS_DEMO"


def test_config_keys_lists_every_setting_with_its_variable(tmp_path: Path) -> None:
    out = run("config", "keys", cwd=tmp_path).stdout
    assert "milvus.pool.instance_family" in out
    assert "SPCS_WIZARD_MILVUS__POOL__INSTANCE_FAMILY" in out


def test_output_into_a_closed_pipe_is_not_an_error(tmp_path: Path) -> None:
    # Thousands of egress hosts make the script far larger than a pipe's buffer, so the
    # command is still writing when 'head' exits.
    hosts = ",".join(f"h{i}.example.com:443" for i in range(4000))
    shell = f"'{COMMAND}' plan --sql --set 'egress.hosts={hosts}' | head -n 1"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.startswith("-- spcs-wizard")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("rehearse", "--speed", "nan"),
            "Invalid value for '--speed': 'nan' is not a finite number",
        ),
        (
            ("rehearse", "--speed", "inf"),
            "Invalid value for '--speed': 'inf' is not a finite number",
        ),
        (
            ("tui", "--refresh", "nan"),
            "Invalid value for '--refresh': 'nan' is not a finite number",
        ),
        (
            ("emulator", "--speed", "-inf"),
            "Invalid value for '--speed': -inf is not in the range",
        ),
    ],
)
def test_a_speed_or_period_that_is_not_a_number_is_refused(
    tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    """float() reads 'nan' and 'inf', and nan passes any bound: a rehearsal at speed nan
    waited forever."""
    assert_clean_usage_error(run(*args, cwd=tmp_path), said)


def test_a_long_summary_is_cut_at_a_word_as_click_cuts_help() -> None:
    from spcs_wizard.cli.main import shortened

    summary = "Compute pools, services, containers (restarts, messages) and endpoints."
    assert shortened(summary, 200) == summary
    assert shortened(summary, 30) == "Compute pools, services,..."
    assert len(shortened(summary, 30)) <= 30
    assert shortened("non-hyphen-breaking words", 15) == "..."  # no word fits with "..."

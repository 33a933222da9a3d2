"""Hostile input, generated (hypothesis), into every setting that reaches SQL, YAML, TOML
or a path, and into the secrets: quotes, semicolons, ``$$``, comments, newlines, NUL,
confusables, right-to-left marks, 10,000 characters. Each is refused with a message that
names the setting, or comes out as exactly one statement, valid YAML, a TOML file that
reads back the same, and one directory under the state home. Malformed files (the
connections file, the settings file, the local state, a spec) get a message, never a
traceback."""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import snowflake.connector
import sqlglot
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from snowflake.connector.errors import DatabaseError
from sqlglot.tokens import TokenType

from spcs_wizard.emulator.server import Emulator
from spcs_wizard.emulator.sql_lexer import split_statements
from spcs_wizard.model.config_file import (
    ConfigError,
    setting_paths,
    to_toml,
    validate,
    with_settings,
)
from spcs_wizard.model.deployment import Deployment
from spcs_wizard.model.plan import build_plan
from spcs_wizard.model.plan_steps import USER_PASSWORD
from spcs_wizard.model.secret_rules import secret_problem
from spcs_wizard.paths import deployment_dir
from spcs_wizard.specs.render import render_all
from tests.cli_harness import fast_emulator
from tests.command import run_command
from tests.reliability.drills import emulator_at

FRAGMENTS = [
    "'",
    '"',
    ";",
    "$$",
    "--",
    "/*",
    "*/",
    "\\",
    "\n",
    "\r\n",
    "\x00",
    "`",
    "$(id)",
    "../",
    "/",
    " ",
    "\t",
    "ＡＢＣ",
    "Аlice",
    "ß",
    "İ",
    "\u202e",
    "\u200b",
    "😀",
    "{{x}}",
    "${x}",
    "&{ milvus_user_password }",
    "DROP TABLE x",
    "a",
    "Z",
    "_",
    "1",
    ".",
    "@",
    "#",
    ":",
    ",",
]
hostile = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12).map("".join),
    st.sampled_from(FRAGMENTS).map(lambda f: (f * 10_000)[:10_000]),
)
# Names as a setting accepts them, with the characters that are legal but unusual ($, _).
plain = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_$]{0,60}\Z")
# The same, as a quoted identifier (inner quotes doubled): what a name setting accepts.
quoted = hostile.map(lambda v: '"' + v.replace('"', '""') + '"')
# Passwords that meet the policy around hostile fragments.
PASSWORDS = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=20).map(
    lambda parts: "Aa1" + "".join(parts) + "x" * 14
)
TEXT_SETTINGS = sorted(p for p, info in setting_paths().items() if info.annotation is str)
LIST_SETTINGS = ["user.grant_to", "egress.hosts"]


def one_statement(sql: str) -> bool:
    """One statement by our Snowflake double's splitter and by sqlglot's Snowflake lexer."""
    tokens = sqlglot.tokenize(sql, read="snowflake")
    return len(split_statements(sql)) == 1 and not any(
        t.token_type is TokenType.SEMICOLON for t in tokens
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(TEXT_SETTINGS + LIST_SETTINGS),
    value=st.one_of(hostile, quoted, plain),
    egress=st.booleans(),
)
def test_any_setting_is_refused_by_name_or_safe_everywhere(
    path: str, value: str, egress: bool
) -> None:
    base = Deployment(egress={"enabled": egress})
    refused: ConfigError | None = None
    try:
        d = with_settings(base, {path: value}, "--set")
    except ConfigError as exc:
        refused = exc
    if refused is not None:
        assert path in str(refused)  # the message names the setting
        return
    plan = build_plan(d, Path("/state/specs"))
    for step in plan.steps:
        for sql in [*step.statements, *step.undo, *([step.check.sql] if step.check else [])]:
            assert one_statement(sql.text()), (path, sql.text())
    for spec in render_all(d):
        assert isinstance(yaml.safe_load(spec.text), dict), spec
    again = validate(tomllib.loads(to_toml(d)))
    assert again == d
    home = Path("/state")
    folder = home / "deployments" / Path(deployment_dir(d.deployment_id)).name
    assert Path(deployment_dir(d.deployment_id)).parent.name == "deployments"
    assert folder.resolve().parent == (home / "deployments").resolve()


@settings(max_examples=300, deadline=None)
@given(secret=st.one_of(hostile, PASSWORDS))
def test_any_secret_is_refused_with_a_reason_or_one_literal(secret: str) -> None:
    user_step = next(s for s in build_plan(Deployment(), Path("/s")) if s.id == "user")
    problem = secret_problem(USER_PASSWORD, secret)
    if problem is not None:
        assert problem  # said why; the prompt and the dialog show it and ask again
        return
    statement = user_step.statements[0].executable({USER_PASSWORD.key: secret})
    assert one_statement(statement)
    assert secret not in user_step.statements[0].text()  # what is shown has a placeholder


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = emulator_at(tmp_path_factory.mktemp("hostile") / "emu")
    yield emu
    emu.stop()


USERS = itertools.count()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(password=PASSWORDS.filter(lambda p: secret_problem(USER_PASSWORD, p) is None))
def test_a_hostile_password_is_stored_exactly_and_signs_in(
    account: Emulator, password: str
) -> None:
    """Through the deploy's own statement: the user it makes signs in with exactly the
    text given, and with nothing else."""
    d = Deployment(prefix=f"h{next(USERS)}")
    user_step = next(s for s in build_plan(d, Path("/s")) if s.id == "user")
    name = d.names().user.name
    with snowflake.connector.connect(**account.connect_args()) as con:
        cur = con.cursor()
        cur.execute("USE ROLE USERADMIN")
        cur.execute(user_step.statements[0].executable({USER_PASSWORD.key: password}))
    as_user = {"user": name, "role": "PUBLIC"}
    with snowflake.connector.connect(**account.connect_args(password=password, **as_user)):
        pass
    with pytest.raises(DatabaseError, match="Incorrect username or password"):
        snowflake.connector.connect(**account.connect_args(password=password + "x", **as_user))


MALFORMED = {
    "connections": "[rehearsal\naccount = \x00'unclosed",
    "settings": "[warehouse]\nsize = = 'SMALL'\n",
    "state": '{"executed": {"role": ',
    "spec": 'spec:\n  containers: [ {name: a, image: "b" \n\x00',
}


@pytest.mark.parametrize("which", sorted(MALFORMED))
def test_a_malformed_file_gets_a_message_never_a_traceback(which: str, tmp_path: Path) -> None:
    emu, env = fast_emulator(tmp_path)
    try:
        text = MALFORMED[which]
        args = ["deploy"]
        if which == "connections":
            (Path(env["SNOWFLAKE_HOME"]) / "connections.toml").write_text(text)
            named = "connections.toml"
        elif which == "settings":
            (tmp_path / "spcs-wizard.toml").write_text(text)
            env["SPCS_WIZARD_CONFIG"] = str(tmp_path / "spcs-wizard.toml")
            named = "spcs-wizard.toml"
        elif which == "state":
            state = Path(env["SPCS_WIZARD_HOME"], "deployments", "cli_milvus_demo", "state.json")
            state.parent.mkdir(parents=True)
            state.write_text(text)
            named = "state.json"
        else:
            (tmp_path / "bad.yaml").write_text(text)
            args = ["specs", "validate", str(tmp_path / "bad.yaml")]
            named = "bad.yaml"
        result = run_command(*args, env=env)
        assert result.returncode in (1, 2), result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        assert named in result.stdout + result.stderr
        assert not emu.account.get("ROLE", ("CLI_MILVUS_ROLE",))  # nothing was changed
    finally:
        emu.stop()

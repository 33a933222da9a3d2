"""Identifier rules as Snowflake documents them, checked against sqlglot's Snowflake parser."""

from __future__ import annotations

import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from spcs_wizard.model import identifiers
from spcs_wizard.model.identifiers import (
    IdentifierError,
    dollar_quoted,
    parse,
    quote,
    string_literal,
)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("milvus_demo", "MILVUS_DEMO"),
        ("MyIdentifier1", "MYIDENTIFIER1"),
        ("My$identifier", "MY$IDENTIFIER"),
        ("_my_identifier", "_MY_IDENTIFIER"),
        ("x" * 255, "X" * 255),
    ],
)
def test_valid_unquoted_names_fold_to_upper_case(text: str, stored: str) -> None:
    assert parse(text).name == stored


@pytest.mark.parametrize(
    ("text", "rule_fragment", "suggestion"),
    [
        ("", "empty", None),
        ("x" * 300, "300 characters", "X" * 255),
        ("1abc", "start with a letter", "_1ABC"),
        ("milvus-demo", "found '-'", "MILVUS_DEMO"),
        ("a'b", 'found "\'"', "A_B"),
        ('a"b', "found '\"'", "A_B"),
        ("x;DROP DATABASE y", "found ' ' ';'", "X_DROP_DATABASE_Y"),
        ("x--y", "found '-'", "X_Y"),
        ("démo", "found 'é'", "DEMO"),  # accents dropped, not the letter
        ("select", "reserved keyword", "SELECT_1"),
        ("é", "start with a letter", "E"),
    ],
)
def test_hostile_names_are_rejected_with_rule_and_fix(
    text: str, rule_fragment: str, suggestion: str | None
) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse(text, what="database name")
    error = caught.value
    assert rule_fragment in error.rule
    assert error.suggestion == suggestion
    assert str(error).startswith("database name ")
    if suggestion:
        assert parse(suggestion).name == suggestion  # the proposed fix is itself valid


def _table_name(sql: str) -> tuple[str, bool]:
    table = sqlglot.parse_one(sql, read="snowflake").find(exp.Table)
    assert table is not None
    ident = table.this
    return ident.this, bool(ident.args.get("quoted"))


@given(st.text(min_size=1, max_size=300) | st.sampled_from(sorted(identifiers.QUOTED_ANYWAY)))
def test_parse_rejects_or_yields_a_plain_identifier_sqlglot_agrees_on(text: str) -> None:
    error: IdentifierError | None = None
    try:
        ident = parse(text)
    except IdentifierError as caught:
        error = caught
    if error is not None:
        assert error.rule
        if error.suggestion is not None:
            assert parse(error.suggestion).name == error.suggestion
        return
    assert ident.name == text.upper()
    plain = ident.name not in identifiers.QUOTED_ANYWAY
    assert ident.sql() == (ident.name if plain else f'"{ident.name}"')
    assert _table_name(f"SELECT * FROM {ident.sql()}") == (ident.name, not plain)


@given(
    st.text(min_size=1, max_size=255).filter(lambda s: "\x00" not in s)
    | st.sampled_from(sorted(identifiers.RESERVED_KEYWORDS | identifiers.QUOTED_ANYWAY))
)
def test_quote_round_trips_any_stored_name_as_one_identifier(name: str) -> None:
    rendered = quote(name)
    statements = sqlglot.parse(f"SELECT * FROM {rendered}; SELECT 2", read="snowflake")
    assert len(statements) == 2  # nothing in the name can end the statement early
    parsed, quoted = _table_name(f"SELECT * FROM {rendered}")
    assert parsed == name
    assert quoted == (rendered != name)


@given(st.text().filter(lambda s: "\x00" not in s))
def test_string_literal_round_trips_and_stays_one_token(value: str) -> None:
    literal = string_literal(value)
    statements = sqlglot.parse(f"SELECT {literal}; SELECT 2", read="snowflake")
    assert len(statements) == 2
    assert statements[0].expressions[0].this == value


def test_string_literal_escapes_quote_and_backslash() -> None:
    assert string_literal("it's") == "'it\\'s'"
    assert string_literal("a\\b") == "'a\\\\b'"
    with pytest.raises(ValueError, match="NUL"):
        string_literal("a\x00b")


def test_quote_leaves_plain_names_plain_and_quotes_the_rest() -> None:
    assert quote("MILVUS_DEMO") == "MILVUS_DEMO"
    assert quote("milvus_demo") == '"milvus_demo"'  # lower case only resolves if quoted
    assert quote("SELECT") == '"SELECT"'
    assert quote("DESCRIBE") == '"DESCRIBE"'  # not reserved, but a keyword to other readers
    assert parse("describe").sql() == '"DESCRIBE"'  # still a valid name to type
    assert quote('a"b') == '"a""b"'


def test_dollar_quoted_refuses_early_terminator() -> None:
    assert dollar_quoted("spec: {}") == "$$spec: {}$$"
    with pytest.raises(ValueError, match=r"\$\$"):
        dollar_quoted("a $$ b")


@given(st.text(max_size=400))
def test_suggest_always_returns_a_valid_identifier_or_nothing(text: str) -> None:
    suggestion = identifiers.suggest(text)
    if suggestion is not None:
        assert parse(suggestion).name == suggestion


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=400))
def test_every_suggested_fix_is_itself_valid(value: str) -> None:
    """A suggestion the user cannot use is worse than none: whatever is typed, the fix
    offered for a name parses, and the fix offered for a prefix makes a valid model."""
    from spcs_wizard.model.deployment import Deployment, normalise_prefix

    fixed = identifiers.suggest(value)
    if fixed is not None:
        assert identifiers.parse(fixed).name == fixed
    suggestion = None
    try:
        normalise_prefix(value)
    except identifiers.IdentifierError as exc:
        suggestion = exc.suggestion
    if suggestion is not None:
        assert normalise_prefix(suggestion) == suggestion
        Deployment(prefix=suggestion)


def test_prefix_fixes_for_the_cases_users_met() -> None:
    from spcs_wizard.model.deployment import Deployment, normalise_prefix

    with pytest.raises(identifiers.IdentifierError) as accented:
        normalise_prefix("ünïcode")
    assert accented.value.suggestion == "UNICODE_"
    with pytest.raises(identifiers.IdentifierError) as long:
        normalise_prefix("a" * 300)
    assert long.value.suggestion is not None
    assert len(long.value.suggestion) <= 200
    with pytest.raises(Exception, match="would have") as full:
        Deployment(prefix="b" * 199, milvus={"pool": {"name": "P" * 60}})
    err = full.value
    suggestion = getattr(err, "suggestion", None) or str(err).split("Try '")[1].split("'")[0]
    Deployment(prefix=suggestion, milvus={"pool": {"name": "P" * 60}})


def test_the_limit_is_exactly_255_characters() -> None:
    assert identifiers.parse("A" * 255).name == "A" * 255
    with pytest.raises(identifiers.IdentifierError, match="256 characters and the limit is 255"):
        identifiers.parse("A" * 256)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("-" * 60, "-" * 60),  # up to 60 characters: shown whole
        ("-" * 61, "-" * 57 + "..."),  # longer: cut to 57 and an ellipsis, 60 in all
    ],
)
def test_the_error_shows_the_name_cut_to_sixty_characters(value: str, shown: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse(value)
    assert str(caught.value) == (
        f"name {shown!r} is not a valid Snowflake identifier: it must start with a letter "
        "(A-Z) or an underscore."
    )


def test_the_error_without_a_fix_is_one_sentence() -> None:
    with pytest.raises(IdentifierError) as caught:
        parse("", what="prefix")
    assert str(caught.value) == "prefix '' is not a valid Snowflake identifier: it is empty."
    assert (caught.value.rule, caught.value.suggestion) == ("it is empty", None)


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("-a-", "A"),  # what is cut at the ends is underscores, not spaces
        ("Xmas-", "XMAS"),  # only underscores: an X at the end stays
        ("a_-b", "A_B"),  # runs of underscores become one
        ("$x", "_$X"),  # a leading dollar is kept, behind an underscore
    ],
)
def test_suggest_cleans_the_ends_and_the_runs(text: str, fix: str) -> None:
    assert identifiers.suggest(text) == fix


def test_constants_that_cannot_be_written_say_why() -> None:
    with pytest.raises(ValueError, match=r"^a Snowflake string constant cannot contain a NUL"):
        string_literal("a\x00b")
    with pytest.raises(
        ValueError, match=r"^text containing '\$\$' cannot be written as a \$\$-quoted constant$"
    ):
        dollar_quoted("a$$b")


def test_what_is_not_text_is_no_name() -> None:
    with pytest.raises(identifiers.IdentifierError) as caught:
        identifiers.parse(5, what="the database name")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "the database name '5' is not a valid Snowflake identifier: it must be text."
    )
    assert caught.value.suggestion is None


def test_the_characters_refused_are_named_the_first_five_in_order() -> None:
    with pytest.raises(identifiers.IdentifierError) as caught:
        identifiers.parse("a-b c.d/e!f?g$h_i")
    assert caught.value.rule == (
        "it may contain only letters A-Z, digits, '_' and '$' (found ' ' '!' '-' '.' '/')"
    )
    with pytest.raises(identifiers.IdentifierError) as caught:
        identifiers.parse("naïve")
    assert caught.value.rule.endswith("(found 'ï')")


def test_an_identifier_in_lower_case_is_its_stored_name_lowered() -> None:
    assert identifiers.parse("Milvus_Demo$1").lower() == "milvus_demo$1"

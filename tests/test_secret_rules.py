"""What a secret must be before it reaches Snowflake, and where it may come from."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spcs_wizard.model.secret_rules import (
    new_password,
    password_problem,
    secret_problem,
    secret_variable,
)
from spcs_wizard.model.sql import SecretSlot

USER = SecretSlot("milvus_user_password", "the Milvus user's password", is_user_password=True)
OTHER = SecretSlot("jupyter_password", "the notebook's password")


def test_each_secret_has_its_own_variable() -> None:
    assert secret_variable(USER) == "SPCS_WIZARD_SECRET_MILVUS_USER_PASSWORD"
    assert secret_variable(OTHER) == "SPCS_WIZARD_SECRET_JUPYTER_PASSWORD"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "it is empty"),
        ("Abcdefghijk1\x00xyz", "it contains a NUL character, which Snowflake cannot store"),
        ("short1A", "it has 7 characters (Snowflake wants 14 to 256)"),
        ("A1" + "a" * 255, "it has 257 characters (Snowflake wants 14 to 256)"),
        ("abcdefghijklmn", "it needs a digit and an upper-case letter"),
        ("abcdefghijklm1", "it needs an upper-case letter"),
        ("!!!!!!!!!!!!!!", "it needs a digit, an upper-case letter and a lower-case letter"),
        ("Ab1", "it has 3 characters (Snowflake wants 14 to 256)"),
        (
            "x",
            "it has 1 character (Snowflake wants 14 to 256); it needs a digit and an "
            "upper-case letter",
        ),
    ],
)
def test_a_users_password_meets_snowflakes_policy(value: str, problem: str) -> None:
    assert secret_problem(USER, value) == problem


@pytest.mark.parametrize("value", ["A1" + "a" * 12, "A1" + "a" * 254])  # 14 and 256
def test_the_policy_bounds_are_inclusive(value: str) -> None:
    assert password_problem(value) is None


def test_other_secrets_need_only_to_be_storable() -> None:
    assert secret_problem(OTHER, "x") is None
    assert secret_problem(OTHER, "") == "it is empty"


def test_a_made_password_meets_the_policy_and_is_never_the_same() -> None:
    made = {new_password() for _ in range(200)}
    assert len(made) == 200
    for password in made:
        assert password_problem(password) is None
        assert len(password) == 35  # 24 random bytes (32 characters) and the policy's three
    # No fixed part: the three characters the policy needs are drawn and placed at random.
    assert len({p[-3:] for p in made}) > 100
    assert len({p[:3] for p in made}) > 100


def test_the_policys_three_characters_go_where_the_draw_says() -> None:
    random_part = "x" * 32
    # Each drawn first of its pool and put first: the digit, before the lower-case
    # letter, before the upper-case one (each is put in before the one before it).
    assert new_password(lambda _: random_part, lambda n: 0) == "0aA" + random_part
    # Each drawn last of its pool and put last.
    assert new_password(lambda _: random_part, lambda n: n - 1) == random_part + "Zz9"
    # Every place and every character of each pool can be drawn, and nothing beyond.
    asked: list[int] = []
    new_password(lambda _: random_part, lambda n: asked.append(n) or 0)
    assert asked == [33, 26, 34, 26, 35, 10]  # (place, character) for each of the three


URL_SAFE = string.ascii_letters + string.digits + "-_"


@given(st.text(alphabet=URL_SAFE, min_size=32, max_size=32))
def test_a_made_password_meets_the_policy_whatever_its_random_part(random_part: str) -> None:
    assert password_problem(new_password(lambda _: random_part)) is None
    # Wherever the three go.
    for place in (0, 7, 32):
        made = new_password(lambda _: random_part, lambda n, p=place: min(p, n - 1))
        assert password_problem(made) is None

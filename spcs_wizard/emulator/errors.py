"""Snowflake errors as the server reports them: error code, SQLSTATE and message.

Codes and wording follow what Snowflake returns for these cases (the connector shows
them as ``<code> (<sqlstate>): <message>``); see
https://docs.snowflake.com/en/developer-guide/python-connector/python-connector-api#errors
"""

from __future__ import annotations


class SnowflakeError(Exception):
    def __init__(self, code: int, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.sqlstate = sqlstate
        self.message = message


def syntax_error(position: int, near: str) -> SnowflakeError:
    return SnowflakeError(
        1003,
        "42000",
        f"SQL compilation error:\nsyntax error line 1 at position {position} unexpected '{near}'.",
    )


def unsupported(statement: str) -> SnowflakeError:
    return SnowflakeError(
        1003,
        "42000",
        f"SQL compilation error:\nthe SPCS emulator does not support this statement: "
        f"{statement[:80]}",
    )


def does_not_exist(kind: str, name: str) -> SnowflakeError:
    return SnowflakeError(
        2003,
        "02000",
        f"SQL compilation error:\n{kind.title()} '{name}' does not exist or not authorized.",
    )


def already_exists(kind: str, name: str) -> SnowflakeError:
    return SnowflakeError(2002, "42710", f"SQL compilation error:\nObject '{name}' already exists.")


def insufficient_privileges(what: str) -> SnowflakeError:
    return SnowflakeError(
        3001, "42501", f"SQL access control error:\nInsufficient privileges to operate on {what}."
    )


def invalid_value(message: str) -> SnowflakeError:
    return SnowflakeError(2029, "22023", f"SQL compilation error:\n{message}")


def no_current(kind: str) -> SnowflakeError:
    return SnowflakeError(
        90105,
        "22000",
        f"Cannot perform operation. This session does not have a current {kind}. Call "
        f"'USE {kind.upper()}', or use a qualified name.",
    )


def check_new_password(password: str) -> None:
    """Snowflake's built-in password policy for a new password: 14 to 256 characters,
    with a digit, an upper-case and a lower-case letter (user-guide/password-authentication;
    CREATE PASSWORD POLICY's defaults). The code is the emulator's choice: the docs do not
    list one."""
    kinds = (str.isdigit, str.isupper, str.islower)
    if not 14 <= len(password) <= 256 or not all(any(map(k, password)) for k in kinds):
        raise SnowflakeError(
            3002,
            "28000",
            "Password does not meet the password policy requirements: at least 14 and at most "
            "256 characters, with at least 1 digit, 1 upper-case and 1 lower-case letter.",
        )

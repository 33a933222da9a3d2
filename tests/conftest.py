"""Shared test setup."""

from __future__ import annotations

import logging

# sqlglot logs a warning for every Snowflake statement it parses as a generic Command;
# the tests check the parse results themselves.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

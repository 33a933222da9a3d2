"""A next step for each kind of failure, from Snowflake's error code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spcs_wizard.engine.events import StepFailed

if TYPE_CHECKING:
    from snowflake.connector.errors import Error as ConnectorError

    from spcs_wizard.model.step import Step

HINTS = {
    3001: "The role {role} lacks a privilege this step needs. Run it with a role that has "
    "it, or ask an administrator to grant it (see {doc}).",
    2003: "Something this step needs does not exist or is not visible to {role}. Run the "
    "deployment again: the earlier steps create it.",
    2002: "An object with this name already exists and was not made by this deployment. "
    "Choose another name (or a --prefix).",
    1003: "Snowflake rejected the statement's syntax; see {doc}.",
    395018: "The service specification was rejected; check it with 'spcs-wizard specs validate'.",
}
CONNECTION_HINT = (
    "The connection failed. Run the deployment again: finished steps are "
    "checked and skipped, and it resumes here."
)
NO_ANSWER_HINT = (
    "No answer came back from Snowflake in time (a network problem, or a slow account); "
    "the statement may or may not have run. Check the network, then run the deployment "
    "again: it checks what is there and resumes here."
)
# The connector's own codes for requests that got no usable answer (errorcode.py):
# could not connect, connection closed, request failed or timed out, retries exhausted.
NO_ANSWER_CODES = frozenset({250001, 250002, 250003, 250005, 251011, 251012})


EXTERNAL_ACCESS_HINT = (
    "Trial accounts have no external access by default. The notebook does not need it (its "
    "embedding model is in its image): deploy without egress (--set egress.enabled=false, "
    "or egress.enabled = false in the settings file), or ask Snowflake to enable external "
    "access. Then run the deployment again; it resumes here."
)


def error_code(exc: ConnectorError) -> int | None:
    """Snowflake's error code of a connector error; None when it carries none (the
    connector stores -1 then)."""
    return exc.errno if isinstance(exc.errno, int) and exc.errno > 0 else None


def step_failed(step: Step, exc: ConnectorError, logs: list[str] | None = None) -> StepFailed:
    """The failure event of a step whose statement Snowflake refused: its message, the
    next step for its code, the code and SQL state, and any container log lines."""
    code = error_code(exc)
    message = str(exc.msg).strip()  # never empty: the connector says "Unknown error"
    return StepFailed(step.id, message, hint_for(code, step), code, exc.sqlstate, logs or [])


def hint_for(code: int | None, step: Step) -> str:
    if step.id == "external-access-integration" and code == 3001:
        return EXTERNAL_ACCESS_HINT
    template = HINTS.get(code or 0)
    if template is None:
        if code in NO_ANSWER_CODES:
            return NO_ANSWER_HINT
        if code is not None and 390000 <= code < 400000:
            return CONNECTION_HINT
        return f"See {step.doc} for what this statement needs, then run the deployment again."
    return template.format(role=step.role.name, doc=step.doc)

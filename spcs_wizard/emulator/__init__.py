"""A local Snowflake endpoint for Snowpark Container Services, for tests and rehearsals.

It speaks the HTTP protocol of snowflake-connector-python (login, session tokens,
query requests, PUT/GET to a local directory) and executes the SQL this tool relies on
against an in-memory account that persists to a directory, with SPCS lifecycles
(compute pools, services, containers, endpoints) on a clock that can run faster than
real time. Every behaviour cites the Snowflake documentation page it follows.

Why our own server rather than fakesnow's: fakesnow runs generic SQL on DuckDB, but none
of the statements we need (compute pools, services, image repositories, integrations,
grants, SHOW ... IN SERVICE) are tables; they are an object model with owners,
privileges and lifecycles. fakesnow also does not import with the 5.x connector. A small
Starlette app with an object model of its own is less code than bending DuckDB to it.
"""

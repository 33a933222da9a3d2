"""The engine: runs the plan over a Snowflake connection, waits, reports, tears down.

It knows nothing about terminals: the CLI and the TUI both drive it and render the same
progress events.
"""

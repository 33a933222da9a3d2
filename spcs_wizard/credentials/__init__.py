"""Connections (Snowflake CLI's connections.toml) and secrets (the OS keyring)."""

"""The Textual wizard: screens over the engine (no SQL, builds or files in here)."""

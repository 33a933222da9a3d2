"""spcs-wizard: deploy Milvus on Snowpark Container Services from the terminal."""

__version__ = "0.1.0"

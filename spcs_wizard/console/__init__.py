"""The query console's engine: Milvus over gRPC (pymilvus) or the RESTful API v2 through
an SPCS public endpoint, embedders, bulk loading, and the questions people ask."""

"""The seed guide's notebook demo: three sentences, then "Who started AI research?"."""

DOCS = (
    "Artificial intelligence was founded as an academic discipline in 1956.",
    "Alan Turing was the first person to conduct substantial research in AI.",
    "Born in Maida Vale, London, Turing was raised in southern England.",
)
QUESTION = "Who started AI research?"
COLLECTION = "demo"

"""The price catalogue: ORM models, store, read path, refresh publishing."""

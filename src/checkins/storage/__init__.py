"""Persistence: the tables, the engine and session factory, and the photo blob store."""

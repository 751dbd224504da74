"""Process-wide resources: the database engine (cached per URL) and the photo store.

Only the engine is cached (``st.cache_resource`` is shared by every session of the process);
sessions and patient data never are. Pages import these; the router calls them first so a
missing database is reported once, in a sentence.
"""

from __future__ import annotations

import streamlit as st

from checkins.storage.db import Database, default_url, home
from checkins.storage.photos import PhotoStore


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    return Database.connect(url)


def db() -> Database:
    """The Database for $CHECKINS_DATABASE_URL (or the SQLite file in $CHECKINS_HOME)."""
    return _database(default_url())


def store() -> PhotoStore:
    return PhotoStore(home() / "photos")

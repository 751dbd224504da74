"""Process-wide resources: the database engine (cached per URL) and the photo store.

Only the engine is cached (``st.cache_resource`` is shared by every session of the process);
sessions and patient data never are. Pages import these; the router calls them first so a
missing database is reported once, in a sentence.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from checkins.storage.db import Database, default_url, home
from checkins.storage.photos import BlobStore, open_store


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    return Database.connect(url)


def db() -> Database:
    """The Database for $CHECKINS_DATABASE_URL (or the SQLite file in $CHECKINS_HOME)."""
    return _database(default_url())


@st.cache_resource(show_spinner=False)
def _store(spec: str, folder: str) -> BlobStore:
    return open_store(spec, Path(folder))


def store() -> BlobStore:
    """The photo store $CHECKINS_PHOTO_STORE names (s3://…), or the folder in $CHECKINS_HOME."""
    return _store(os.environ.get("CHECKINS_PHOTO_STORE", ""), str(home()))

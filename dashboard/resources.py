"""Process-wide resources: the database engine (cached per URL), the photo store, the rules in
force (parsed once per rule file, not on every check-in) and the link key (read once, then passed
to whatever signs or verifies a patient link).

Only the engine, the store, the rules and the key are cached (``st.cache_resource`` is shared
by every session of the process); sessions and patient data never are. Pages import these; the
router calls ``db()`` first so a missing database is reported once, in a sentence. A broken rule
file is logged and shown as the generic sentence where the rules are used (``ui.attempt``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import streamlit as st

from checkins.links import SECRET_ENV, LinkKey, load_key
from checkins.rules import RULES_FILE_ENV, RuleSet, load_rules
from checkins.services.views import Actor
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


@st.cache_resource(show_spinner=False)
def _rules(path: str) -> RuleSet:
    return load_rules(Path(path) if path else None)


def rules(actor: Actor) -> RuleSet:
    """The rules in force in the actor's clinic: its own file (``rules_path`` on its row), else
    the file $CHECKINS_RULES_FILE names, else the shipped ones; each file read and validated
    once per process (cached by its path), then passed to the services."""
    from checkins.services import clinic

    with db().read() as s:
        own = clinic.get_clinic(session=s, actor=actor).rules_path
    return _rules(own or os.environ.get(RULES_FILE_ENV, "").strip())


@st.cache_resource(show_spinner=False)
def _link_key(setting: str, folder: str) -> LinkKey:
    return load_key()  # reads $CHECKINS_SECRET_KEY, else the key file in ``folder``


def link_key() -> LinkKey:
    """The link key, read once per process (and again only if its setting changes). The cache
    is keyed on a digest of the setting, never on the secret itself."""
    setting = hashlib.sha256(os.environ.get(SECRET_ENV, "").encode()).hexdigest()
    return _link_key(setting, str(home()))

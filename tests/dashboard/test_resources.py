"""resources: the link key is read once per process, and again only when its setting changes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "dashboard") not in sys.path:
    sys.path.insert(0, str(ROOT / "dashboard"))

import resources  # noqa: E402 - needs the path above

from checkins.links import LinkKey, load_key  # noqa: E402


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[str]]:
    """Each time the key is read from the environment or the key file (the cache emptied)."""
    monkeypatch.setenv("CHECKINS_HOME", str(tmp_path))
    monkeypatch.setenv("CHECKINS_SECRET_KEY", "first-secret-" + "a" * 40)
    seen: list[str] = []

    def counted() -> LinkKey:
        seen.append("read")
        return load_key()

    monkeypatch.setattr(resources, "load_key", counted)
    st.cache_resource.clear()  # no key cached by an earlier test
    yield seen
    st.cache_resource.clear()


def test_the_key_is_read_once_for_every_rerun(reads: list[str]) -> None:
    first = resources.link_key()
    for _ in range(5):  # a patient's reruns
        assert resources.link_key() is first
    assert reads == ["read"]


def test_a_changed_setting_is_read_again(reads: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    first = resources.link_key()
    monkeypatch.setenv("CHECKINS_SECRET_KEY", "second-secret-" + "b" * 40)
    second = resources.link_key()
    assert second is not first and second != first
    assert resources.link_key() is second
    assert reads == ["read", "read"]

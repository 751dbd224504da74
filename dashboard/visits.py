"""A visit: one stay on one page, across its reruns. Reads are audited once per visit.

Streamlit reruns a page on every click, and a timed fragment reruns part of it every few
seconds; neither is a new look at the patient's data. The router calls ``begin`` with the page
it is about to run: arriving at another page (or reloading, which starts a new session) starts
a new visit. A page asks ``first(read)`` before an audited read, passes the answer to the
service as ``audit_read``, and calls ``seen(read)`` once the read has succeeded.
"""

from __future__ import annotations

import streamlit as st
from state import StateKeys


def begin(page: str) -> None:
    """The router is about to run ``page``: a different page than last run starts a visit."""
    if st.session_state.get(StateKeys.VISIT_PAGE) != page:
        st.session_state[StateKeys.VISIT_PAGE] = page
        st.session_state[StateKeys.VISIT_READS] = set()


def first(read: str) -> bool:
    """True if ``read`` (e.g. "case:12", "photo:7:thumb") has not been audited in this visit."""
    reads: set[str] = st.session_state.get(StateKeys.VISIT_READS) or set()
    return read not in reads


def seen(*reads: str) -> None:
    """These reads have been audited in this visit: their reruns are not audited again."""
    current: set[str] = st.session_state.get(StateKeys.VISIT_READS) or set()
    st.session_state[StateKeys.VISIT_READS] = current | set(reads)

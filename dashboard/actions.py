"""Buttons that run a provider action on a case in a callback, and the sentence it leaves.

A callback runs before the page is redrawn, so a single run shows the case's new state (no
second ``st.rerun``). A refusal (someone else claimed first) is caught inside the unit of work so
its audit event is committed, and its sentence is shown as a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import resources
import streamlit as st
from state import StateKeys

from checkins.domain import CheckinsError
from checkins.services.views import Actor

FLASH = StateKeys.CASE_FLASH
Action = Callable[..., None]


def _run(
    fn: Callable[..., object],
    done: str,
    item_id: int,
    actor: Actor,
    fields: dict[str, str] | None = None,
) -> None:
    values = {name: st.session_state.get(key) for name, key in (fields or {}).items()}
    with resources.db().session() as s:
        try:
            fn(session=s, actor=actor, item_id=item_id, **values)
            st.session_state[FLASH] = ("success", done.format(**values))
        except CheckinsError as exc:  # inside the unit of work: the refusal is committed
            st.session_state[FLASH] = ("warning", exc.message)


def bind(item_id: int, actor: Actor) -> Action:
    """``action(widget, label, fn, done, fields=None, **widget_kwargs)`` for this case.

    ``widget`` is ``st.button`` or ``st.form_submit_button``; ``fn`` a queue service taking
    ``session``, ``actor`` and ``item_id``; ``fields`` maps its other arguments to the session
    state keys of form widgets; ``done`` may name them (``"Resolved: {disposition.label}."``).
    """

    def action(
        widget: Callable[..., object],
        label: str,
        fn: Callable[..., object],
        done: str,
        fields: dict[str, str] | None = None,
        **kw: Any,
    ) -> None:
        widget(label, on_click=_run, args=(fn, done, item_id, actor, fields), **kw)

    return action


def show_flash() -> None:
    """The outcome of the last action, once."""
    flash = st.session_state.pop(FLASH, None)
    if flash is not None:
        (st.success if flash[0] == "success" else st.warning)(flash[1])

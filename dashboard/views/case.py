"""Provider: one case: treatment, answers, rules, photos beside the baseline, chart, actions."""

from __future__ import annotations

import actions
import auth
import case_ui
import streamlit as st

from checkins import access
from checkins.domain import AccessDenied

actor = auth.current_actor()
try:
    access.require_case_access(actor)
except AccessDenied as denied:
    st.error(denied.message, icon=":material/block:")
    st.stop()
item_id = case_ui.chosen_item()
case, tz = case_ui.open_case(actor, item_id)  # audited once per visit

case_ui.header(case, tz)
actions.show_flash()
case_ui.other_open(case)
left, right = st.columns([3, 2], gap="large")
with right:
    case_ui.action_panel(case, actor, item_id)
    case_ui.exports(case, actor, item_id)
with left:
    case_ui.details(case, tz)
case_ui.photos(case, actor, tz)
case_ui.redness(case, actor)
case_ui.history(case, tz)

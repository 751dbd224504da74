"""The dashboard's server: ``streamlit run dashboard/serve.py``.

Streamlit finds the ``st.App`` below and serves ``app.py`` (the router) with the upload guard in
front of its endpoints (``uploads.UploadGuard``: no uploads before sign-in or a valid patient
link, and a cap per session). Serving ``app.py`` directly would run without that guard.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware
from uploads import UploadGuard

app = st.App("app.py", middleware=[Middleware(UploadGuard)])

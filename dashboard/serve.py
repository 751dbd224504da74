"""The dashboard's server: ``streamlit run dashboard/serve.py``.

Streamlit finds the ``st.App`` below and serves ``app.py`` (the router) behind two guards,
outermost first:

- ``headers.SecurityHeaders``: X-Frame-Options, a frame-ancestors policy, nosniff and
  Referrer-Policy on every response;
- ``uploads.UploadGuard``: no uploads before sign-in or a valid patient link, and a cap per
  session.

Serving ``app.py`` directly would run without them.
"""

from __future__ import annotations

import streamlit as st
from headers import SecurityHeaders
from starlette.middleware import Middleware
from uploads import UploadGuard

app = st.App("app.py", middleware=[Middleware(SecurityHeaders), Middleware(UploadGuard)])

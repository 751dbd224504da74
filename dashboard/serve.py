"""The dashboard's server: ``streamlit run dashboard/serve.py``.

Streamlit finds the ``st.App`` below and serves ``app.py`` (the router) behind three guards,
outermost first:

- ``headers.SecurityHeaders``: X-Frame-Options, a frame-ancestors policy, nosniff and
  Referrer-Policy on every response;
- ``media_guard.MediaGuard``: the media route serves downloads only, never a rendered image
  (photos and QR codes are sent inside the page, ``inline.image``);
- ``uploads.UploadGuard``: no uploads before sign-in or a valid patient link, and a cap per
  session.

Serving ``app.py`` directly would run without them.
"""

from __future__ import annotations

import streamlit as st
from headers import SecurityHeaders
from media_guard import MediaGuard
from starlette.middleware import Middleware
from uploads import UploadGuard

app = st.App(
    "app.py",
    middleware=[Middleware(SecurityHeaders), Middleware(MediaGuard), Middleware(UploadGuard)],
)

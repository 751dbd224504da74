"""Images sent inside the page, never served by URL: patient photos and the link's QR code.

``st.image(bytes)`` stores the image in Streamlit's media store and the browser fetches it from
``/media/<hash>.jpg``: an address that answers anyone who has it, with no session, for as long as
the store keeps it (after the tab has closed). A photo is patient data and the QR code is the
patient's credential, so ``image`` hands ``st.image`` a ``data:`` URI instead: Streamlit passes a
data URI through untouched (``image_utils.image_to_url``), the bytes travel in the session's own
WebSocket message, and no URL for them exists. ``media_guard.MediaGuard`` refuses any rendered
image the media route is still asked for, so a ``st.image(bytes)`` added later shows broken
rather than leaking.

What is sent is the copy made for showing (thumbnail or display copy); an original is scaled
down first (``max_width``), as ``st.image`` did, so a page stays a sensible size.
"""

from __future__ import annotations

import base64
import io
from typing import Literal

import streamlit as st

# Streamlit's own cap for an image as wide as the page (image_utils.MAXIMUM_CONTENT_WIDTH): what
# st.image(bytes) sent for the full-size photo before.
PAGE_WIDTH = 1460
_SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def _mime(data: bytes) -> str | None:
    return next((m for sig, m in _SIGNATURES.items() if data.startswith(sig)), None)


def _width(data: bytes) -> int:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:  # reads the header only
        return int(im.size[0])


def _reencoded(data: bytes, max_width: int | None) -> tuple[bytes, str]:
    """``data`` as a JPEG (a PNG if it has transparency) at most ``max_width`` px wide."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as opened:
        w, h = opened.size
        im: Image.Image = opened
        if max_width and w > max_width:
            size = (max_width, max(1, round(h * max_width / w)))
            opened.draft("RGB", size)  # a JPEG decodes at a reduced scale: faster
            im = opened.resize(size, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if "A" in im.getbands():  # a photo has none; keep what a PNG's alpha shows
            im.save(out, format="PNG")
            return out.getvalue(), "image/png"
        im.convert("RGB").save(out, format="JPEG", quality=90)
        return out.getvalue(), "image/jpeg"


def data_uri(data: bytes, *, max_width: int | None = None) -> str:
    """A JPEG or PNG as a ``data:`` URI; anything else, or wider than ``max_width`` px, is
    re-encoded first (JPEG, quality 90, as st.image does)."""
    mime = _mime(data)
    if mime is None or (max_width is not None and _width(data) > max_width):
        data, mime = _reencoded(data, max_width)
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image(
    data: bytes,
    *,
    alt: str,
    caption: str | None = None,
    width: int | Literal["stretch", "content"] = "content",
    max_width: int | None = None,
) -> None:
    """``st.image`` for patient data: the same element (caption, alt text, width, full-screen
    button), with the bytes in the page instead of at a /media/ address. Call it inside the
    column or container it belongs in (``with col: inline.image(...)``)."""
    st.image(data_uri(data, max_width=max_width), caption=caption, width=width, alt=alt)

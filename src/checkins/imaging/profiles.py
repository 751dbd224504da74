"""Embedded colour profiles: is a photo's profile one whose pixels must be converted to sRGB?

Pillow's ImageCms (LittleCMS) alone, no NumPy: intake chooses the copy it stores
(``checkins.imaging.stored``) before the array stack is imported.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import ImageCms

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@lru_cache(maxsize=16)
def _transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """A cached transform from an embedded profile to sRGB, or ``None`` when none is needed."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        description = ImageCms.getProfileDescription(profile) or ""
        if "srgb" in description.lower() and mode == "RGB":
            return None
        return ImageCms.buildTransform(
            profile, _SRGB, mode, "RGB", renderingIntent=ImageCms.Intent.PERCEPTUAL
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # an unusable profile: the pixels are taken to be sRGB


def icc_needs_conversion(icc: bytes | None, mode: str) -> bool:
    """True when an embedded profile is usable and is not sRGB (so pixels must be converted)."""
    return bool(icc) and icc is not None and _transform(icc, mode) is not None

"""Safe decoding of untrusted photo bytes: sniff, cap, open, reduce, orient, convert to sRGB.

Only JPEG, PNG, WebP and HEIC/HEIF are accepted, recognised by their first bytes (never by a file
name or a declared type), and only the matching Pillow decoder is allowed to run. The size of an
upload and the pixel count of an image (read from its header, before any pixel is decoded) are
capped; Pillow's decompression-bomb warning is an error; a truncated or corrupt file is refused.
Every refusal is a ``PhotoRejected`` with a code for programs and a sentence for the patient.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import cv2
import numpy as np
from PIL import Image, ImageCms, ImageFile

from checkins.domain import InvalidInput
from checkins.i18n import N_
from checkins.imaging.color import U8

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 50_000_000
# A camera's progressive JPEG has about ten scans; thousands of scans are how a small file makes
# libjpeg-turbo spend minutes (libjpeg-turbo issues 284, 252). Refused outright above this.
MAX_JPEG_SCANS = 64
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
FULL = 1 << 30  # as ``min_edge``: no reduction

try:  # pillow-heif is a dependency; without it HEIC is refused like any unknown type.
    import pillow_heif

    # Only the opener: no AVIF plugin, no encoders registered with Pillow; security limits stay on.
    pillow_heif.register_heif_opener()
    HEIF_AVAILABLE = True
except ImportError:  # pragma: no cover - the dependency is installed everywhere we run
    HEIF_AVAILABLE = False


class PhotoRejected(InvalidInput):
    """A photo we will not analyse or store. ``code`` says why; ``message`` tells the patient."""

    code = "photo_rejected"


_MESSAGES = {
    "empty_file": N_("The file is empty. Please take the photo again and send it."),
    "too_large_file": N_(
        "The file is larger than 25 MB. Please send the photo straight from your camera, "
        "not an edited or combined file."
    ),
    "unsupported_type": N_(
        "This file is not a photo we can read. Please send a JPEG, PNG, WebP or HEIC photo "
        "from your camera."
    ),
    "too_many_pixels": N_(
        "The image is too large to check (over 50 megapixels). Please send a normal camera photo."
    ),
    "corrupt": N_(
        "The photo could not be read; it may be damaged or incomplete. "
        "Please take it again and send it."
    ),
    "decode_timeout": N_(
        "The photo took too long to read and was not accepted. Please take it again and send it."
    ),
    "busy": N_(
        "Many photos are being checked right now. Please wait a minute and send it again; "
        "nothing was lost."
    ),
}


def rejected(code: str) -> PhotoRejected:
    """The ``PhotoRejected`` for ``code`` with its patient-facing sentence."""
    return PhotoRejected(_MESSAGES[code], code=code)


_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"heif"}
_HEIF_GENERIC = {b"mif1", b"msf1", b"mif2"}


def sniff_format(data: bytes) -> str | None:
    """The Pillow format name for ``data`` by its signature, or ``None`` when not accepted."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if len(data) >= 16 and data[4:8] == b"ftyp" and HEIF_AVAILABLE:
        box = int.from_bytes(data[:4], "big")
        box = min(max(box, 16), 256, len(data))
        major = data[8:12]
        brands = {major} | {data[i : i + 4] for i in range(16, box - 3, 4)}
        if major in _HEIF_BRANDS or (major in _HEIF_GENERIC and brands & _HEIF_BRANDS):
            return "HEIF"
    return None


def check_bytes(data: bytes) -> str:
    """Refuse empty, oversized, unknown and scan-bomb inputs; return the sniffed format."""
    if len(data) == 0:
        raise rejected("empty_file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise rejected("too_large_file")
    fmt = sniff_format(data)
    if fmt is None:
        raise rejected("unsupported_type")
    return fmt


def jpeg_scans(data: bytes) -> int:
    """An upper bound on a JPEG's scan count: SOS markers (FF DA) cannot occur in entropy-coded
    data, so counting them counts scans (plus one per embedded thumbnail)."""
    return data.count(b"\xff\xda")


T = TypeVar("T")


def guarded(step: Callable[[], T]) -> T:
    """Run a decoding step with bomb warnings as errors, mapping decoder failures to refusals.

    Pillow raises many types for bad input (``UnidentifiedImageError``, ``OSError``,
    ``ValueError``, ``SyntaxError``, ``struct.error``, ``EOFError``, ``IndexError`` …); all of them
    mean the same to a patient: the photo could not be read.
    """
    try:
        with warnings.catch_warnings():
            # Pillow's chatter about malformed metadata ("Truncated File Read" …) is not news;
            # the decompression-bomb warning is, and becomes an error.
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return step()
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise rejected("too_many_pixels") from None
    except MemoryError:
        raise rejected("too_many_pixels") from None
    except Exception:  # any decoder failure on untrusted bytes is a refusal
        raise rejected("corrupt") from None


def open_image(data: bytes, fmt: str) -> ImageFile.ImageFile:
    """Open (header only) with the one decoder ``fmt`` names; refuse above ``MAX_PIXELS``."""

    def _open() -> ImageFile.ImageFile:
        im = Image.open(io.BytesIO(data), formats=[fmt])
        w, h = im.size
        if w <= 0 or h <= 0:
            raise rejected("corrupt")
        if w * h > MAX_PIXELS:
            raise rejected("too_many_pixels")
        # Only progressive (and arithmetic-coded progressive) JPEGs can have many scans.
        if fmt == "JPEG" and im.info.get("progressive") and jpeg_scans(data) > MAX_JPEG_SCANS:
            raise rejected("corrupt")
        return im

    return guarded(_open)


def exif_orientation(im: Image.Image) -> int:
    """The EXIF orientation (1–8); 1 when absent, invalid or unreadable."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Tag data larger than file" etc.
            value = im.getexif().get(0x0112, 1)
    except Exception:  # a broken EXIF block is ignored, not fatal
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def apply_orientation(im: Image.Image, orientation: int) -> Image.Image:
    """Pixels as they should be shown for EXIF ``orientation`` (ImageOps.exif_transpose's map)."""
    method = _TRANSPOSE.get(orientation)
    return im if method is None else im.transpose(method)


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


def to_srgb_rgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert any decoded mode to 8-bit RGB in sRGB, through the embedded profile when present."""
    if icc and im.mode in ("RGB", "CMYK", "L"):
        transform = _transform(icc, im.mode)
        if transform is not None:
            return ImageCms.applyTransform(im, transform) or im.convert("RGB")
    if im.mode == "RGB":
        return im
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, dtype=np.float32)
        top = 65535.0 if im.mode.startswith("I;16") else max(float(arr.max()), 1.0)
        grey = np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(np.repeat(grey[:, :, None], 3, axis=2))
    if im.mode in ("RGBA", "LA", "PA", "P", "La", "RGBa"):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return im.convert("RGB")


def pow2_factor(long_edge: int, min_edge: int) -> int:
    """The largest power of two ``f`` with ``long_edge / f`` still ≥ ``min_edge`` (at least 1)."""
    f = 1
    while long_edge // (2 * f) >= min_edge:
        f *= 2
    return f


def reduce_pow2(rgb: U8, min_edge: int) -> U8:
    """``rgb`` (h, w, 3) box-reduced by the largest power of two keeping long edge ≥ min_edge."""
    f = pow2_factor(max(rgb.shape[:2]), min_edge)
    if f == 1:
        return rgb
    h, w = rgb.shape[0] // f, rgb.shape[1] // f
    return np.asarray(cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA), dtype=np.uint8)


@dataclass(frozen=True)
class DecodedPhoto:
    """A photo decoded at reduced scale, upright and in sRGB.

    ``rgb`` is uint8 (h, w, 3); ``width``/``height`` are the full-resolution size after
    orientation; ``scale`` is ``rgb``'s width over ``width`` (≤ 1).
    """

    rgb: U8
    width: int
    height: int
    format: str
    orientation: int
    icc_profile: bytes | None
    converted_icc: bool
    source_mode: str = "RGB"

    @property
    def scale(self) -> float:
        return float(self.rgb.shape[1]) / float(self.width)


def decode(data: bytes, *, min_edge: int) -> DecodedPhoto:
    """Decode ``data`` at the smallest scale whose long edge is still ≥ ``min_edge`` pixels.

    ``min_edge=FULL`` decodes at full resolution.

    JPEG uses the decoder's DCT scaling (``Image.draft``: 1/2, 1/4, 1/8), so a 12 MP photo asked
    for ≥ 480 px is decoded at 1/8 and never at full size. Other formats decode fully and are then
    reduced. Orientation and the ICC profile are applied to the reduced pixels.
    """
    fmt = check_bytes(data)
    im = open_image(data, fmt)
    full_w, full_h = im.size
    orientation = exif_orientation(im)
    icc = im.info.get("icc_profile")
    icc_bytes = icc if isinstance(icc, bytes) and icc else None

    def _load() -> Image.Image:
        long_edge = max(full_w, full_h)
        if fmt == "JPEG" and long_edge > min_edge:
            f = min_edge / long_edge
            im.draft("RGB", (max(1, int(full_w * f + 0.999)), max(1, int(full_h * f + 0.999))))
        im.load()  # the first frame of an animated PNG or WebP
        loaded: Image.Image = im
        return loaded

    loaded = guarded(_load)
    converted = icc_needs_conversion(icc_bytes, loaded.mode)

    def _finish() -> Image.Image:
        # Formats without DCT scaling (and JPEG beyond 1/8) reduce by whole powers of two with a
        # box filter, which is what the JPEG decoder's scaling amounts to: both paths agree.
        factor = pow2_factor(max(loaded.size), min_edge)
        small = loaded if factor == 1 else loaded.reduce(factor)
        return to_srgb_rgb(apply_orientation(small, orientation), icc_bytes)

    rgb = np.asarray(guarded(_finish), dtype=np.uint8)
    if orientation in (5, 6, 7, 8):
        full_w, full_h = full_h, full_w
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.size == 0:
        raise rejected("corrupt")
    return DecodedPhoto(
        rgb=np.ascontiguousarray(rgb),
        width=full_w,
        height=full_h,
        format=fmt,
        orientation=orientation,
        icc_profile=icc_bytes,
        converted_icc=converted,
        source_mode=loaded.mode,
    )


@dataclass(frozen=True)
class Header:
    """What the header says, before any pixel is decoded."""

    format: str
    width: int
    height: int
    orientation: int
    icc_profile: bytes | None
    mode: str
    progressive: bool


def read_header(data: bytes) -> Header:
    """Check the bytes and read the header (format, size, orientation, profile, mode)."""
    fmt = check_bytes(data)
    im = open_image(data, fmt)
    icc = im.info.get("icc_profile")
    return Header(
        format=fmt,
        width=im.size[0],
        height=im.size[1],
        orientation=exif_orientation(im),
        icc_profile=icc if isinstance(icc, bytes) and icc else None,
        mode=im.mode,
        progressive=bool(im.info.get("progressive")),
    )

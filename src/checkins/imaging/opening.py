"""Opening untrusted photo bytes with Pillow alone: sniff, cap, open, read the orientation, and
decode at reduced scale (``load_reduced``).

Only JPEG, PNG, WebP and HEIC/HEIF are accepted, recognised by their first bytes (never by a file
name or a declared type), and only the matching Pillow decoder is allowed to run. The size of an
upload and the pixel count of an image (read from its header, before any pixel is decoded) are
capped; Pillow's decompression-bomb warning is an error; a truncated or corrupt file is refused.
Every refusal is a ``PhotoRejected`` with a code for programs and a sentence for the patient.

This module imports neither NumPy nor OpenCV, so a command can decode its first photos while
another thread is still importing them (``checkins.imaging.batch``); ``checkins.imaging.decode``
finishes the job in arrays.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from PIL import Image, ImageFile

from checkins.domain import InvalidInput
from checkins.i18n import N_

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 50_000_000
# A camera's progressive JPEG has about ten scans; thousands of scans are how a small file makes
# libjpeg-turbo spend minutes (libjpeg-turbo issues 284, 252). Refused outright above this.
MAX_JPEG_SCANS = 64
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
FULL = 1 << 30  # as ``min_edge``: no reduction
# Long edge of the image the analysis runs on (``checkins.imaging.pipeline``), here so the first
# decode can start before the pipeline is imported. Chosen so a 12 MP JPEG decodes at 1/8 (504
# px): the colour metrics are means over tens of thousands of skin pixels and do not need more,
# and blur that matters to a provider (σ ≳ 1/500 of the frame) is still visible at this scale.
ANALYSIS_EDGE = 480

# The JPEG and PNG decoders load now, not on the first photo: a command that decodes while
# another thread imports NumPy and OpenCV would otherwise wait for the import lock and the GIL.
Image.preinit()

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


@dataclass(frozen=True)
class Loaded:
    """A photo opened and decoded by Pillow, at the smallest scale ``load_reduced`` allowed.

    ``image`` is not yet upright nor converted to sRGB; ``width``/``height`` are the full size as
    stored (before orientation).
    """

    image: Image.Image
    format: str
    width: int
    height: int
    orientation: int
    icc_profile: bytes | None


def load_reduced(data: bytes, *, min_edge: int) -> Loaded:
    """Check and open ``data``, then decode it at the smallest scale whose long edge is still
    ≥ ``min_edge`` pixels (``FULL``: full resolution).

    JPEG uses the decoder's DCT scaling (``Image.draft``: 1/2, 1/4, 1/8), so a 12 MP photo asked
    for ≥ 480 px is decoded at 1/8 and never at full size. Other formats decode fully (the caller
    reduces them). Raises ``PhotoRejected``.
    """
    fmt = check_bytes(data)
    im = open_image(data, fmt)
    full_w, full_h = im.size
    orientation = exif_orientation(im)
    icc = im.info.get("icc_profile")

    def _load() -> Image.Image:
        long_edge = max(full_w, full_h)
        if fmt == "JPEG" and long_edge > min_edge:
            f = min_edge / long_edge
            im.draft("RGB", (max(1, int(full_w * f + 0.999)), max(1, int(full_h * f + 0.999))))
            if im.size != (full_w, full_h):
                from checkins.imaging import turbo

                # The same library and settings as Pillow's decoder, the same pixels, in one call
                # without the GIL; anything it does not decode cleanly goes to Pillow below.
                pixels = turbo.decompress(data, im.size[0], im.size[1], im.mode)
                if pixels is not None:
                    return Image.frombytes(im.mode, im.size, pixels)
        # One decoder call for the whole file (it is in memory): Pillow releases the GIL for
        # each call, and 64 KB blocks would make a thread wait for it ~25 times per photo.
        im.decodermaxblock = max(im.decodermaxblock, len(data))
        im.load()  # the first frame of an animated PNG or WebP
        loaded: Image.Image = im
        return loaded

    return Loaded(
        image=guarded(_load),
        format=fmt,
        width=full_w,
        height=full_h,
        orientation=orientation,
        icc_profile=icc if isinstance(icc, bytes) and icc else None,
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

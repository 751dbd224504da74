"""The copy of a photo we store, chosen and made with Pillow and libjpeg-turbo alone.

The choice (docs/metrics.md, "Stored copy", says why):

- a JPEG that is already upright (orientation 1) and sRGB (no profile, or an sRGB one) is stored
  **losslessly**: its marker segments are rewritten keeping only what decoding needs (quantisation
  and Huffman tables, frame and scan headers, restart interval, Adobe colour-transform flag) and
  dropping every APPn block (EXIF, GPS, XMP, IPTC, MPF, ICC), comments and any bytes after the end
  of the image. The compressed pixels are copied byte for byte, so colour is exactly unchanged.
- a JPEG tagged with another EXIF orientation (phones store portrait photos sideways) is turned
  upright **losslessly in the DCT domain** by libjpeg-turbo's transform (``checkins.imaging.turbo``,
  or Debian's ``jpegtran``; ``-perfect``: it refuses rather than trims when the size is not a
  whole number of blocks), then stripped the same way; the stored copy needs no orientation tag.
- anything else (a wide-gamut profile, WebP, HEIC, a rotation the transform refuses) is decoded at
  full size and re-encoded (``checkins.imaging.render.reencoded_copy``).

``stage`` is intake's first step: the stored copy, and that copy decoded at the display scale.
It imports no NumPy or OpenCV, so a command can start it on its photos while another thread
imports them (``checkins.imaging.batch``); ``checkins.imaging.pipeline.process_staged`` does the
rest.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from checkins.imaging import turbo
from checkins.imaging.opening import FULL, Header, Loaded, jpeg_scans, load_reduced, read_header
from checkins.imaging.profiles import icc_needs_conversion

# Intake decodes at the smallest DCT scale whose long edge is still ≥ this, and the display copy
# is that image capped at DISPLAY_EDGE: a 12 MP photo gives a 1008 px display copy from a 1/4
# decode. At 1600 (a 1/2 decode) intake costs ~1.2–1.5× a full decode instead of ~0.8×
# (docs/performance.md, "Photo analysis").
DISPLAY_MIN_EDGE = 1000
# A lossless copy keeps the original scans; more than this and we re-encode to a plain one.
LOSSLESS_MAX_SCANS = 16

_JFIF_APP0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def _entropy_end(data: bytes, pos: int) -> int:
    """Index of the marker that ends the entropy-coded data starting at ``pos`` (-1 if none).

    In entropy-coded data 0xFF is followed by 0x00 (stuffing) or a restart marker (D0–D7);
    anything else, after optional 0xFF fill bytes, is the next marker. ``bytes.find`` jumps from
    one 0xFF to the next, which is far faster than a regular expression over megabytes.
    """
    n = len(data)
    i = data.find(b"\xff", pos)
    while 0 <= i < n - 1:
        nxt = data[i + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7:
            i = data.find(b"\xff", i + 2)
        elif nxt == 0xFF:
            i += 1
        else:
            return i
    return -1


def strip_jpeg(data: bytes) -> bytes | None:
    """The JPEG with every APPn (except Adobe APP14), COM and trailing byte removed.

    Returns ``None`` when the structure is not what a well-formed JPEG has (the caller then
    re-encodes). Pixels are untouched: the output decodes to exactly the same image.
    """
    if data[:2] != b"\xff\xd8":
        return None
    out = [b"\xff\xd8"]
    has_adobe = False
    saw_frame = saw_scan = False
    pos, n = 2, len(data)
    while pos < n:
        if data[pos] != 0xFF:
            return None
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            return None
        marker = data[pos]
        start = pos - 1
        pos += 1
        if marker == 0xD9:  # EOI: everything after it is dropped
            if not (saw_frame and saw_scan):
                return None
            body = b"".join(out[1:])
            header = b"\xff\xd8" if has_adobe else b"\xff\xd8" + _JFIF_APP0
            return header + body + b"\xff\xd9"
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            out.append(data[start:pos])
            continue
        if pos + 2 > n:
            return None
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > n:
            return None
        segment = data[start : pos + length]
        pos += length
        if 0xE0 <= marker <= 0xEF:
            if marker == 0xEE and segment[4:9] == b"Adobe":
                has_adobe = True
                out.append(segment)
            continue
        if marker == 0xFE:
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            saw_frame = True
        out.append(segment)
        if marker == 0xDA:
            saw_scan = True
            end = _entropy_end(data, pos)
            if end < 0:
                return None
            out.append(data[pos:end])
            pos = end
    return None


def can_store_losslessly(data: bytes, header: Header) -> bool:
    """True for an upright sRGB (or greyscale) JPEG with a plausible number of scans."""
    return (
        header.format == "JPEG"
        and header.orientation == 1
        and header.mode in ("RGB", "L")
        and not icc_needs_conversion(header.icc_profile, header.mode)
        and (not header.progressive or jpeg_scans(data) <= LOSSLESS_MAX_SCANS)
    )


# jpegtran's arguments that undo each EXIF orientation (TIFF 6.0 / EXIF 2.32, tag 0x0112).
_JPEGTRAN_UNDO: dict[int, tuple[str, ...]] = {
    2: ("-flip", "horizontal"),
    3: ("-rotate", "180"),
    4: ("-flip", "vertical"),
    5: ("-transpose",),
    6: ("-rotate", "90"),
    7: ("-transverse",),
    8: ("-rotate", "270"),
}
JPEGTRAN_TIMEOUT_S = 20.0


def jpegtran() -> str | None:
    """Debian's jpegtran (package libjpeg-turbo-progs, installed by tools/ensure-chromium.sh)."""
    return shutil.which("jpegtran")


def can_rotate_losslessly(data: bytes, header: Header) -> bool:
    """True for a rotated sRGB (or greyscale) JPEG that jpegtran can turn upright."""
    return (
        header.format == "JPEG"
        and header.orientation in _JPEGTRAN_UNDO
        and header.mode in ("RGB", "L")
        and not icc_needs_conversion(header.icc_profile, header.mode)
        and (not header.progressive or jpeg_scans(data) <= LOSSLESS_MAX_SCANS)
        and (turbo.available() or jpegtran() is not None)
    )


def rotate_upright(data: bytes, orientation: int) -> bytes | None:
    """The JPEG turned upright in the DCT domain, all markers dropped; None if it cannot be.

    The compressed blocks are rearranged, not decoded: the pixels are exactly the original's,
    turned. ``-perfect`` makes jpegtran fail (rather than trim an edge) when the image is not a
    whole number of MCU blocks on a side that moves; the caller then re-encodes.

    libjpeg-turbo's transform runs in this process when its library is installed
    (``checkins.imaging.turbo``); otherwise the same transform runs as ``jpegtran``.
    """
    if orientation not in _JPEGTRAN_UNDO:
        return None
    if turbo.available():
        return turbo.transform(data, turbo.UNDO_ORIENTATION[orientation])
    tool = jpegtran()
    if tool is None:
        return None
    try:
        # A fixed tool; the arguments come from our own table, the photo goes in on stdin.
        done = subprocess.run(
            [tool, "-copy", "none", "-perfect", *_JPEGTRAN_UNDO[orientation]],
            input=data,
            capture_output=True,
            timeout=JPEGTRAN_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0 or done.stdout[:2] != b"\xff\xd8":
        return None
    return done.stdout


@dataclass(frozen=True)
class Staged:
    """A photo after ``stage``: the stored copy (None: to be re-encoded from the full decode)
    and the decoded image the rest is made from, at ``min_edge``."""

    stored: bytes | None
    loaded: Loaded
    min_edge: int


def stage(data: bytes) -> Staged:
    """Check ``data``, make the stored copy when it can be lossless, and decode what the
    renditions and the analysis need: the stored copy at the display scale, else the original
    at full size (it is re-encoded from that). Raises ``PhotoRejected``."""
    header = read_header(data)
    stored: bytes | None = None
    if can_store_losslessly(data, header):
        stored = strip_jpeg(data)
    elif can_rotate_losslessly(data, header):
        upright = rotate_upright(data, header.orientation)
        # libjpeg-turbo's in-process transform writes nothing ``strip_jpeg`` would drop (tested);
        # scanning its 12 MP output again would hold the GIL for ≈ 2 ms.
        if upright is not None:
            stored = upright if turbo.available() else strip_jpeg(upright)
    if stored is not None:
        # The stored copy is upright with no orientation tag: decode it, at reduced scale.
        return Staged(stored, load_reduced(stored, min_edge=DISPLAY_MIN_EDGE), DISPLAY_MIN_EDGE)
    return Staged(None, load_reduced(data, min_edge=FULL), FULL)

"""Decoding and storage: refusals, orientation, metadata stripping, formats."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from checkins.domain import InvalidInput
from checkins.imaging import (
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    PhotoRejected,
    analyze_bytes,
    process_photo,
)
from checkins.imaging.stored import strip_jpeg
from checkins.imaging.synthetic import stored_for_orientation, to_jpeg, to_png


def encoded(arr: NDArray[np.uint8], fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt, **params)
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height, with a token IDAT: never decoded if refused."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def refusal(data: bytes) -> str:
    with pytest.raises(PhotoRejected) as info:
        process_photo(data)
    with pytest.raises(PhotoRejected):
        analyze_bytes(data)
    err = info.value
    assert isinstance(err, InvalidInput)
    assert err.message.endswith(".") and "Traceback" not in err.message
    return err.code


def test_refusals_have_a_code_and_a_sentence(
    good_array: NDArray[np.uint8], good_jpeg: bytes
) -> None:
    small = good_array[:64, :64]
    cases = {
        "gif": (encoded(small, "GIF"), "unsupported_type"),
        "tiff": (encoded(small, "TIFF"), "unsupported_type"),
        "bmp": (encoded(small, "BMP"), "unsupported_type"),
        "pdf": (encoded(small, "PDF"), "unsupported_type"),
        "psd": (b"8BPS\x00\x01" + b"\x00" * 40, "unsupported_type"),
        "svg": (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>',
            "unsupported_type",
        ),
        "html": (b"<!doctype html><html><body><img src=x></body></html>", "unsupported_type"),
        "text": (b"hello, this is my cheek\n", "unsupported_type"),
        "empty": (b"", "empty_file"),
        "truncated": (good_jpeg[: len(good_jpeg) // 2], "corrupt"),
        "header_only": (good_jpeg[:600], "corrupt"),
        "bomb": (png_header_only(20_000, 20_000), "too_many_pixels"),
        "just_over_cap": (png_header_only(10_000, MAX_PIXELS // 10_000 + 1), "too_many_pixels"),
        "oversize": (
            good_jpeg + b"\x00" * (MAX_UPLOAD_BYTES + 1 - len(good_jpeg)),
            "too_large_file",
        ),
        "jpeg_named_but_png": (b"\xff\xd8\xff" + to_png(small)[3:], "corrupt"),
    }
    for name, (data, code) in cases.items():
        assert refusal(data) == code, name


def test_a_scan_bomb_is_refused_before_decoding(good_jpeg: bytes) -> None:
    # Thousands of SOS markers are how a small progressive JPEG keeps a decoder busy for minutes.
    body = good_jpeg[:-2] + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" * 500 + b"\xff\xd9"
    assert refusal(body) == "corrupt"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_gives_the_same_size_and_metrics(
    orientation: int, good_array: NDArray[np.uint8]
) -> None:
    upright = process_photo(to_jpeg(good_array, quality=95))
    stored_pixels = stored_for_orientation(good_array, orientation)
    data = to_jpeg(stored_pixels, quality=95, exif_orientation=orientation, with_gps=True)
    result = process_photo(data)
    a, b = result.analysis, upright.analysis
    assert (a.width, a.height) == (b.width, b.height) == (800, 600)
    assert a.metrics.mean_a_star == pytest.approx(b.metrics.mean_a_star, abs=0.3)
    assert a.metrics.erythema_index == pytest.approx(b.metrics.erythema_index, abs=0.5)
    assert a.metrics.red_area_fraction == pytest.approx(b.metrics.red_area_fraction, abs=0.02)
    assert a.quality.skin_fraction == pytest.approx(b.quality.skin_fraction, abs=0.02)
    with Image.open(io.BytesIO(result.stored)) as im:
        assert im.size == (800, 600)
        assert not im.getexif()
    with Image.open(io.BytesIO(result.display_jpeg)) as im:
        assert im.size == (800, 600)


def assert_clean(stored: bytes) -> None:
    for marker in (b"Exif", b"GPS", b"SyntheticCam", b"http://ns.adobe.com/xap", b"secret"):
        assert marker not in stored, marker
    with Image.open(io.BytesIO(stored)) as im:
        assert not im.getexif()
        assert "comment" not in im.info and "icc_profile" not in im.info
        im.load()
    assert stored.endswith(b"\xff\xd9") or stored.endswith(b"IEND\xaeB`\x82")


def test_stored_copy_has_no_metadata_and_nothing_after_the_image(
    good_array: NDArray[np.uint8],
) -> None:
    original = to_jpeg(good_array, exif_orientation=1, with_gps=True, comment=b"secret note")
    xmp = b"\xff\xe1\x00\x30http://ns.adobe.com/xap/1.0/\x00" + b"<x:xmpmeta secret/>"[:17]
    hostile = original[:2] + xmp + original[2:] + b"secret trailing bytes"
    result = process_photo(hostile)
    assert_clean(result.stored)
    assert_clean(result.display_jpeg)
    assert_clean(result.thumb_jpeg)
    # Upright sRGB JPEG: stored losslessly, so its pixels are exactly the original's.
    with Image.open(io.BytesIO(result.stored)) as a, Image.open(io.BytesIO(original)) as b:
        assert np.array_equal(np.asarray(a), np.asarray(b))


def test_lossless_strip_keeps_progressive_scans(good_array: NDArray[np.uint8]) -> None:
    original = to_jpeg(good_array, progressive=True, with_gps=True)
    stripped = strip_jpeg(original + b"junk")
    assert stripped is not None and b"GPS" not in stripped
    with Image.open(io.BytesIO(stripped)) as a, Image.open(io.BytesIO(original)) as b:
        assert np.array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "HEIF"])
def test_other_accepted_formats(fmt: str, good_array: NDArray[np.uint8]) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "SyntheticCam"
    data = encoded(stored_for_orientation(good_array, 6), fmt, exif=exif.tobytes(), quality=95)
    result = process_photo(data)
    a = result.analysis
    assert a.format == fmt and (a.width, a.height) == (800, 600)
    assert result.stored_format == ("PNG" if fmt == "PNG" else "JPEG")
    assert_clean(result.stored)
    reference = analyze_bytes(to_png(good_array)).metrics
    assert a.metrics.mean_a_star == pytest.approx(reference.mean_a_star, abs=1.0)


def test_renditions_are_bounded_and_come_from_the_photo() -> None:
    from checkins.imaging.synthetic import skin_photo

    big = skin_photo(width=2400, height=1800, seed=3)
    result = process_photo(to_jpeg(big))
    with (
        Image.open(io.BytesIO(result.display_jpeg)) as d,
        Image.open(io.BytesIO(result.thumb_jpeg)) as t,
    ):
        assert 1000 <= max(d.size) <= 1600 and max(t.size) == 320
        assert d.format == t.format == "JPEG"


@pytest.fixture(scope="module")
def whole_blocks() -> NDArray[np.uint8]:
    from checkins.imaging.synthetic import skin_photo

    # 1024 × 768: whole 16 px blocks on both sides, as a phone's 4032 × 3024 has.
    return skin_photo(width=1024, height=768, tone="tan", redness=0.4, seed=8)


@pytest.mark.parametrize("orientation", range(2, 9))
def test_a_rotated_jpeg_is_stored_upright_losslessly(
    orientation: int, whole_blocks: NDArray[np.uint8]
) -> None:
    """jpegtran turns the compressed blocks without decoding them: turning the stored copy
    back gives exactly the camera's pixels (a re-encoded copy never would)."""
    from checkins.imaging.stored import jpegtran, rotate_upright

    assert jpegtran() is not None, "jpegtran is missing: run tools/ensure-chromium.sh"
    data = to_jpeg(
        stored_for_orientation(whole_blocks, orientation),
        quality=95, exif_orientation=orientation, with_gps=True,
    )  # fmt: skip
    result = process_photo(data)
    assert_clean(result.stored)
    assert result.analysis.width == 1024 and result.analysis.height == 768
    with Image.open(io.BytesIO(result.stored)) as kept:
        assert kept.size == (1024, 768)  # upright, with no tag to say so
    back = rotate_upright(result.stored, {6: 8, 8: 6}.get(orientation, orientation))
    assert back is not None
    with Image.open(io.BytesIO(back)) as turned, Image.open(io.BytesIO(data)) as camera:
        assert np.array_equal(np.asarray(turned), np.asarray(camera))


@pytest.mark.parametrize("orientation", range(2, 9))
def test_the_in_process_transform_gives_jpegtrans_pixels(
    orientation: int, whole_blocks: NDArray[np.uint8]
) -> None:
    """libjpeg-turbo's tjTransform, called in-process, turns a photo exactly as Debian's jpegtran
    does (the fallback when the library is missing), and keeps no marker of the original."""
    import subprocess

    from checkins.imaging import turbo
    from checkins.imaging.stored import _JPEGTRAN_UNDO, jpegtran

    assert turbo.available(), "libturbojpeg is missing: run tools/ensure-chromium.sh"
    tool = jpegtran()
    assert tool is not None
    data = to_jpeg(
        stored_for_orientation(whole_blocks, orientation),
        quality=95, exif_orientation=orientation, with_gps=True,
    )  # fmt: skip
    ours = turbo.transform(data, turbo.UNDO_ORIENTATION[orientation])
    theirs = subprocess.run(
        [tool, "-copy", "none", "-perfect", *_JPEGTRAN_UNDO[orientation]],
        input=data, capture_output=True, check=True,
    ).stdout  # fmt: skip
    assert ours is not None
    assert b"Exif" not in ours and b"GPS" not in ours
    assert strip_jpeg(ours) == ours  # nothing to strip: intake stores it as it is
    with Image.open(io.BytesIO(ours)) as a, Image.open(io.BytesIO(theirs)) as b:
        assert a.size == b.size
        assert np.array_equal(np.asarray(a), np.asarray(b))
    assert turbo.transform(b"not a jpeg", turbo.ROT90) is None


def test_a_rotated_jpeg_jpegtran_cannot_turn_exactly_is_re_encoded(
    good_array: NDArray[np.uint8],
) -> None:
    # 798 px is not a whole number of 16 px blocks: -perfect refuses, intake re-encodes instead.
    odd = np.ascontiguousarray(good_array[:, :798])
    data = to_jpeg(stored_for_orientation(odd, 6), quality=95, exif_orientation=6)
    from checkins.imaging.stored import rotate_upright

    assert rotate_upright(data, 6) is None
    result = process_photo(data)
    assert_clean(result.stored)
    with Image.open(io.BytesIO(result.stored)) as kept:
        assert kept.size == (798, 600)

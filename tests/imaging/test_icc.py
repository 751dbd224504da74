"""Photos with a wide-gamut profile (Display P3, as iPhones embed) are measured in sRGB.

The test builds a Display P3 ICC profile itself (a matrix/TRC profile: P3 primaries adapted to
D50 with Bradford, the sRGB tone curve), re-expresses an sRGB skin photo in P3 numerically,
and checks that analysis through the embedded profile gives the sRGB photo's redness, while
the same pixels read as if they were sRGB would not.
"""

from __future__ import annotations

import io
import struct

import numpy as np
from PIL import Image, ImageCms

from checkins.imaging import analyze_bytes
from checkins.imaging.synthetic import skin_photo

# Display P3 (D65) linear RGB -> XYZ, and the Bradford D65 -> D50 adaptation.
P3_TO_XYZ_D65 = np.array(
    [
        [0.4865709, 0.2656677, 0.1982173],
        [0.2289746, 0.6917385, 0.0792869],
        [0.0, 0.0451134, 1.0439444],
    ]
)
SRGB_TO_XYZ_D65 = np.array(
    [
        [0.4123908, 0.3575843, 0.1804808],
        [0.2126390, 0.7151687, 0.0721923],
        [0.0193308, 0.1191948, 0.9505322],
    ]
)
BRADFORD_D65_TO_D50 = np.array(
    [
        [1.0478112, 0.0228866, -0.0501270],
        [0.0295424, 0.9904844, -0.0170491],
        [-0.0092345, 0.0150436, 0.7521316],
    ]
)


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + _s15(x) + _s15(y) + _s15(z)


def _srgb_curve() -> bytes:
    # parametricCurveType, function 3: the sRGB transfer function.
    g, a, b, c, d = 2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045
    return b"para\0\0\0\0" + struct.pack(">H", 3) + b"\0\0" + b"".join(map(_s15, (g, a, b, c, d)))


def _desc(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\0"
    return (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(ascii_))
        + ascii_
        + struct.pack(">II", 0, 0)
        + struct.pack(">HB", 0, 0)
        + b"\0" * 67
    )


def display_p3_profile() -> bytes:
    m = BRADFORD_D65_TO_D50 @ P3_TO_XYZ_D65
    curve = _srgb_curve()
    tags = [
        (b"desc", _desc("Display P3 (checkins test)")),
        (b"wtpt", _xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz(*m[:, 0])),
        (b"gXYZ", _xyz(*m[:, 1])),
        (b"bXYZ", _xyz(*m[:, 2])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\0\0\0\0public domain\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2026, 11, 26, 0, 0, 0)
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def _linear(v: np.ndarray) -> np.ndarray:
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def _encode(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


def srgb_to_p3(rgb: np.ndarray) -> np.ndarray:
    lin = _linear(rgb.astype(np.float64) / 255.0)
    p3 = lin @ (np.linalg.inv(P3_TO_XYZ_D65) @ SRGB_TO_XYZ_D65).T
    return np.round(_encode(p3) * 255.0).astype(np.uint8)


def png(arr: np.ndarray, icc: bytes | None = None) -> bytes:
    out = io.BytesIO()
    params = {"icc_profile": icc} if icc else {}
    Image.fromarray(arr).save(out, format="PNG", **params)
    return out.getvalue()


def test_the_profile_is_valid_for_littlecms() -> None:
    profile = ImageCms.ImageCmsProfile(io.BytesIO(display_p3_profile()))
    assert "Display P3" in ImageCms.getProfileDescription(profile)


def test_display_p3_photo_measures_like_its_srgb_original() -> None:
    srgb = skin_photo(width=900, height=700, tone="light", redness=0.6, seed=21)
    p3 = srgb_to_p3(srgb)
    reference = analyze_bytes(png(srgb)).metrics
    through_profile = analyze_bytes(png(p3, display_p3_profile())).metrics
    ignored_profile = analyze_bytes(png(p3)).metrics
    assert reference.mean_a_star is not None and through_profile.mean_a_star is not None
    assert ignored_profile.mean_a_star is not None
    assert abs(through_profile.mean_a_star - reference.mean_a_star) < 1.0
    # Read as sRGB, the same P3 numbers are visibly less red: the profile is what fixes it.
    assert reference.mean_a_star - ignored_profile.mean_a_star > 2.0

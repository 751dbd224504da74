"""The reference card: printed at true size, found in photos, and used to undo a colour cast."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from checkins.cli.analyze import card_command
from checkins.imaging import analyze_bytes, process_photo
from checkins.imaging.card import CARD_H_MM, CARD_W_MM, RENDER_DPI, detect_card, render_card
from checkins.imaging.synthetic import skin_photo, to_jpeg

WARM = (1.25, 1.0, 0.7)  # indoor tungsten-ish light
COOL = (0.85, 1.0, 1.3)  # shade / blue sky


def test_the_rendered_card_is_found_in_itself() -> None:
    card = render_card(px_per_mm=6)
    rgb = np.repeat(np.pad(card, 40, constant_values=255)[:, :, None], 3, axis=2)
    found = detect_card(rgb)
    assert found is not None and found.markers == 4
    assert found.mm_per_pixel == pytest.approx(1 / 6, rel=0.02)


@pytest.mark.parametrize("cast", [WARM, COOL])
def test_card_undoes_a_colour_cast(cast: tuple[float, float, float]) -> None:
    kw = {"width": 1200, "height": 900, "tone": "medium", "redness": 0.5, "seed": 4}
    plain = analyze_bytes(to_jpeg(skin_photo(**kw)))  # type: ignore[arg-type]
    plain_card = analyze_bytes(to_jpeg(skin_photo(card=True, **kw)))  # type: ignore[arg-type]
    cast_card = analyze_bytes(to_jpeg(skin_photo(card=True, cast=cast, **kw)))  # type: ignore[arg-type]
    cast_only = analyze_bytes(to_jpeg(skin_photo(cast=cast, **kw)))  # type: ignore[arg-type]
    a0 = plain.metrics.mean_a_star
    assert a0 is not None
    assert cast_card.calibration.card_detected and cast_card.metrics.calibrated
    assert not plain.metrics.calibrated and not cast_only.metrics.calibrated
    assert cast_card.metrics.mean_a_star == pytest.approx(a0, abs=1.5)
    assert plain_card.metrics.mean_a_star == pytest.approx(a0, abs=1.5)
    # …and the cast alone does move a* by more than that: the card is doing the work.
    assert abs((cast_only.metrics.mean_a_star or 0) - a0) > 1.5
    # The card is not skin.
    assert cast_card.quality.skin_fraction <= plain.quality.skin_fraction + 0.01


def test_card_gives_the_scale_at_full_resolution() -> None:
    photo = skin_photo(width=1200, height=900, card=True, seed=4)
    result = process_photo(to_jpeg(photo))
    cal = result.analysis.calibration
    # The synthetic card is 27 % of the frame width: 86 mm over 324 px.
    assert cal.mm_per_pixel == pytest.approx(86.0 / (0.27 * 1200), rel=0.05)
    assert cal.white_balance_gains is not None


def test_card_command_writes_a_true_size_pdf_and_png(tmp_path: Path) -> None:
    pdf = tmp_path / "card.pdf"
    assert card_command(str(pdf)) == 0
    text = pdf.read_bytes()
    assert text.startswith(b"%PDF")
    box = re.search(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", text)
    assert box is not None
    w_mm, h_mm = (float(v) / 72 * 25.4 for v in box.groups())
    assert w_mm == pytest.approx(210, abs=0.5) and h_mm == pytest.approx(297, abs=0.5)

    png = tmp_path / "card.png"
    assert card_command(str(png)) == 0
    with Image.open(png) as im:
        dpi = im.info["dpi"][0]
        assert dpi == pytest.approx(RENDER_DPI, abs=0.1)
        assert im.size[0] / dpi * 25.4 == pytest.approx(CARD_W_MM, abs=0.2)
        assert im.size[1] / dpi * 25.4 == pytest.approx(CARD_H_MM, abs=0.2)
        rgb = np.repeat(np.asarray(im.convert("L"))[:, :, None], 3, axis=2)
    assert detect_card(np.ascontiguousarray(rgb[::4, ::4])) is not None


def test_card_command_refuses_other_suffixes(tmp_path: Path) -> None:
    err = io.StringIO()
    assert card_command(str(tmp_path / "card.svg"), err=err) == 2
    assert ".pdf" in err.getvalue() and not (tmp_path / "card.svg").exists()

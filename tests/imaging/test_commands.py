"""`checkins analyze` contract and the isolated worker."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from checkins.imaging import PhotoRejected, process_photo_isolated
from checkins.imaging.commands import analyze_command

CONTRACT_KEYS = {
    "path", "ok", "width", "height", "format", "quality", "redness", "calibration",
    "algorithm_version", "region", "zones",
}  # fmt: skip


def test_analyze_prints_one_line_per_input_in_order(tmp_path: Path, good_jpeg: bytes) -> None:
    good = tmp_path / "cheek.jpg"
    good.write_bytes(good_jpeg)
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(b"<html>not a photo</html>")
    truncated = tmp_path / "half.jpg"
    truncated.write_bytes(good_jpeg[: len(good_jpeg) // 3])
    paths = [str(good), str(bad), str(tmp_path / "missing.jpg"), str(truncated), str(good)]
    out = io.StringIO()
    assert analyze_command(paths, out=out) == 2
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["path"] for line in lines] == paths
    first = lines[0]
    assert first["ok"] is True and set(first) == CONTRACT_KEYS
    assert (first["width"], first["height"], first["format"]) == (800, 600, "JPEG")
    assert set(first["quality"]) >= {"acceptable", "issues", "sharpness", "brightness",
                                     "skin_fraction"}  # fmt: skip
    assert set(first["redness"]) >= {"mean_a_star", "erythema_index", "red_area_fraction", "ita"}
    assert first["calibration"]["card_detected"] is False
    assert [line["ok"] for line in lines] == [True, False, False, False, True]
    assert lines[1]["error"]["code"] == "unsupported_type"
    assert lines[2]["error"]["code"] == "not_found"
    assert lines[3]["error"]["code"] == "corrupt"
    assert all(line["error"]["message"] for line in lines if not line["ok"])


def test_analyze_returns_zero_when_all_are_ok(tmp_path: Path, good_jpeg: bytes) -> None:
    p = tmp_path / "a.jpg"
    p.write_bytes(good_jpeg)
    out = io.StringIO()
    assert analyze_command([str(p)], out=out) == 0


def test_isolated_processing_matches_and_times_out(good_jpeg: bytes) -> None:
    result = process_photo_isolated(good_jpeg, timeout=60)
    assert result.analysis.width == 800
    with pytest.raises(PhotoRejected) as info:
        process_photo_isolated(good_jpeg, timeout=0.0001)
    assert info.value.code == "decode_timeout"
    # The pool was replaced, not left broken.
    assert process_photo_isolated(good_jpeg, timeout=60).analysis.height == 600
    with pytest.raises(PhotoRejected) as info:
        process_photo_isolated(b"GIF89a", timeout=60)
    assert info.value.code == "unsupported_type"

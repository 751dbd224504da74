"""`checkins analyze` contract and the isolated worker."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pytest

from checkins.cli.analyze import analyze_command
from checkins.imaging import PhotoRejected, process_photo_isolated

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


def test_analyze_mask_out_writes_the_measured_region_per_photo(tmp_path: Path) -> None:
    from PIL import Image

    from tests.imaging.realfaces import PORTRAITS, variants

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    face = next(v for v in variants("luispedro") if v.name == "portrait").data
    paths = [tmp_path / "a" / "photo.png", tmp_path / "b" / "photo.png"]  # the same file name
    paths[0].write_bytes(face)
    paths[1].write_bytes(next(v for v in variants(PORTRAITS[0]) if v.name == "cheek_closeup").data)
    out = io.StringIO()
    masks = tmp_path / "masks"
    assert analyze_command([str(p) for p in paths], out=out, mask_out=str(masks)) == 0
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["mask"] != second["mask"] and Path(first["mask"]).parent == masks
    assert first["region"] == "face" and second["region"] == "body"
    zones = {z["zone"]: z for z in first["zones"]}
    assert set(zones) == {"forehead", "left_cheek", "right_cheek", "nose", "chin"}
    assert all(
        z["mean_a_star"] is not None and z["erythema_index"] is not None for z in zones.values()
    )
    # mean_a_star is reported whatever the gate said (this small portrait is refused as too small).
    assert first["quality"]["acceptable"] is False and first["redness"]["mean_a_star"] is not None
    levels = set(np.unique(np.asarray(Image.open(first["mask"]))).tolist())
    assert 0 in levels and levels - {0} == {40, 80, 120, 160, 200}
    assert set(np.unique(np.asarray(Image.open(second["mask"]))).tolist()) == {0, 240}


def test_analyze_mask_out_into_a_file_is_a_sentence(tmp_path: Path, good_jpeg: bytes) -> None:
    p = tmp_path / "a.jpg"
    p.write_bytes(good_jpeg)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    out = io.StringIO()
    assert analyze_command([str(p)], out=out, mask_out=str(blocker)) == 2
    line = json.loads(out.getvalue())
    assert line["ok"] is False and "folder for the masks" in line["error"]["message"]


def test_a_pipe_or_a_folder_is_refused_with_a_sentence_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)  # reading it would block for ever
    out = io.StringIO()
    assert analyze_command([str(fifo), str(tmp_path)], out=out) == 2
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["error"]["code"] for line in lines] == ["not_a_file", "not_a_file"]
    assert all("not a photo file" in line["error"]["message"] for line in lines)


def test_analyze_in_a_process_with_other_threads_uses_spawned_workers(
    tmp_path: Path, good_jpeg: bytes
) -> None:
    """Forking is unsafe beside other threads (a library caller's, a server's): the same lines
    come out, in order, from the spawned pool instead."""
    import threading

    good = tmp_path / "cheek.jpg"
    good.write_bytes(good_jpeg)
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(b"<html>not a photo</html>")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        out = io.StringIO()
        assert analyze_command([str(good), str(bad), str(good)], out=out) == 2
    finally:
        stop.set()
        other.join()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["ok"] for line in lines] == [True, False, True]
    assert lines[1]["error"]["code"] == "unsupported_type"
    assert lines[0]["redness"] == lines[2]["redness"]

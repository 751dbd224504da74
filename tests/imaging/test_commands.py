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


def test_two_threads_find_the_same_face_as_one() -> None:
    """The face search from two threads at once (as `checkins analyze` runs it) finds what it
    finds alone: each thread has its own OpenCV cascade. One shared instance moved the face box
    from run to run, and once raised inside OpenCV."""
    from concurrent.futures import ThreadPoolExecutor

    from checkins.imaging.decode import decode
    from checkins.imaging.opening import ANALYSIS_EDGE
    from checkins.imaging.pipeline import reduce_pow2
    from checkins.imaging.zones import find_face
    from tests.imaging.realfaces import PORTRAITS, _source

    works = [
        reduce_pow2(decode(_source(n).read_bytes(), min_edge=ANALYSIS_EDGE).rgb, ANALYSIS_EDGE)
        for n in PORTRAITS
    ]
    alone = [find_face(w) for w in works]
    with ThreadPoolExecutor(max_workers=2) as threads:
        together = list(threads.map(find_face, works * 20))
    assert together == alone * 20


def test_the_threads_give_each_photo_the_figures_it_gets_alone(tmp_path: Path) -> None:
    """Real portraits, analysed two at a time in the worker's threads, measure exactly as each
    does alone: a face cascade shared by the threads once moved the face box from run to run
    (and once raised inside OpenCV)."""
    from checkins.imaging import analyze_bytes
    from tests.imaging.realfaces import PORTRAITS, _source

    paths = []
    for round_ in range(3):
        for name in PORTRAITS:
            p = tmp_path / f"{name}-{round_}.png"
            p.write_bytes(_source(name).read_bytes())
            paths.append(p)
    alone = {name: analyze_bytes(_source(name).read_bytes()).to_json() for name in PORTRAITS}
    out = io.StringIO()
    analyze_command([str(p) for p in paths], out=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == len(paths)
    for p, line in zip(paths, lines, strict=True):
        expected = alone[p.stem.rsplit("-", 1)[0]]
        assert line["ok"] is True, line
        assert line["redness"] == expected["redness"], p.name
        assert line["zones"] == expected["zones"], p.name

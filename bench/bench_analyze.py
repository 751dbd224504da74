"""Photo analysis against a plain full Pillow decode: time (median over photos) and peak memory.

Prints figures; asserts nothing (timings depend on the machine). Photos are synthetic 12 MP
phone-like JPEGs (quality 92, sensor noise) made on the fly; the memory test uses a 48 MP JPEG in
a fresh subprocess per measurement, comparing the growth of the peak resident set size.

    .venv/bin/python bench/bench_analyze.py [--photos 10] [--repeats 5]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from checkins.imaging import analyze_bytes, process_photo
from checkins.imaging.synthetic import TONES, skin_photo, stored_for_orientation, to_jpeg


def best_of(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def full_decode(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as im:
        im.load()


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


_PEAK = """
import sys, io
from PIL import Image
from checkins.imaging import analyze_bytes
data = open(sys.argv[1], "rb").read()
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0
before = hwm()
if sys.argv[2] == "full":
    im = Image.open(io.BytesIO(data)); im.load()
else:
    analyze_bytes(data)
after = hwm()
print((after - before) / 1024.0)
"""


def peak_growth_mb(path: str, mode: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, path, mode], check=True, capture_output=True, text=True
    )
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}; OpenCV threads {cv2.getNumThreads()}")

    tones = [t for t in TONES if t != "inflamed"]
    photos = []
    for i in range(args.photos):
        arr = skin_photo(
            width=4032, height=3024, tone=tones[i % len(tones)], redness=0.4, seed=i, noise=2.5
        )
        photos.append(to_jpeg(arr, quality=92, with_gps=True, exif_orientation=1))
    sizes = [len(p) / 1e6 for p in photos]
    print(f"{len(photos)} photos 4032×3024, JPEG q92, {min(sizes):.1f}–{max(sizes):.1f} MB")

    for data in photos[:2]:  # warm caches, lazy imports, the ArUco detector
        analyze_bytes(data)
        process_photo(data)
    rows = []
    for data in photos:
        full = best_of(lambda d=data: full_decode(d), args.repeats)
        ana = best_of(lambda d=data: analyze_bytes(d), args.repeats)
        proc = best_of(lambda d=data: process_photo(d), args.repeats)
        rows.append((full, ana, proc))
    full_ms = statistics.median(r[0] for r in rows)
    ana_ratio = statistics.median(r[1] / r[0] for r in rows)
    proc_ratio = statistics.median(r[2] / r[0] for r in rows)
    print(f"full Pillow decode      median {full_ms:6.1f} ms")
    print(
        f"analyze_bytes           median {statistics.median(r[1] for r in rows):6.1f} ms"
        f"   ratio {ana_ratio:.2f} (goal ≤ 0.60)"
    )
    print(
        f"process_photo (upright) median {statistics.median(r[2] for r in rows):6.1f} ms"
        f"   ratio {proc_ratio:.2f} (goal ≤ 1.00)"
    )

    # A portrait photo tagged orientation 6: the stored copy must be re-encoded.
    arr = skin_photo(width=4032, height=3024, tone="medium", seed=99, noise=2.5)
    rotated = to_jpeg(stored_for_orientation(arr, 6), quality=92, exif_orientation=6)
    full = best_of(lambda: full_decode(rotated), args.repeats)
    proc = best_of(lambda: process_photo(rotated), args.repeats)
    print(f"process_photo (orientation 6, re-encoded) {proc:6.1f} ms   ratio {proc / full:.2f}")

    # Peak memory on a 48 MP JPEG (8000×6000), each measurement in a fresh interpreter.
    base = skin_photo(width=4000, height=3000, tone="fair", seed=5, noise=0)
    big = cv2.resize(base, (8000, 6000), interpolation=cv2.INTER_CUBIC)
    del base
    rng = np.random.default_rng(0)
    for rows in range(0, 6000, 500):  # sensor-like noise, in slices to keep this process small
        band = big[rows : rows + 500].astype(np.int16)
        band += rng.integers(-3, 4, size=band.shape, dtype=np.int16)
        big[rows : rows + 500] = np.clip(band, 0, 255).astype(np.uint8)
    with tempfile.NamedTemporaryFile(suffix=".jpg", delete=False) as fh:
        fh.write(to_jpeg(big, quality=92))
        path = fh.name
    del big
    try:
        full_mb = statistics.median(peak_growth_mb(path, "full") for _ in range(3))
        ana_mb = statistics.median(peak_growth_mb(path, "analyze") for _ in range(3))
    finally:
        Path(path).unlink()
    ratio = ana_mb / full_mb if full_mb > 0 else float("nan")
    print(
        f"48 MP peak RSS growth: full decode {full_mb:6.1f} MB, analyze {ana_mb:5.1f} MB"
        f"   ratio {ratio:.2f} (goal ≤ 0.40)"
    )


if __name__ == "__main__":
    main()

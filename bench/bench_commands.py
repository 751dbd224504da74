"""The photo commands as the user runs them: whole `checkins` processes, wall time.

Prints figures; asserts nothing (timings depend on the machine). Two figures (issue 11, item 9):

1. `checkins analyze` on 16 12-MP JPEGs against a plain full Pillow decode of the same 16 files
   in one Python process (goal ≤ 0.45×).
2. `checkins submit` of a check-in with 8 12-MP portrait photos tagged EXIF orientation 6,
   against the same check-in with the same photos stored upright (goal ≤ 1.25×).

Each command is a fresh subprocess (interpreter start-up and imports included); the figure is
the median over ``--repeats`` runs after one warm-up run.

    .venv/bin/python bench/bench_commands.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from checkins.imaging.synthetic import TONES, skin_photo, stored_for_orientation, to_jpeg

BIN = Path(sys.executable).parent
CHECKINS = str(BIN / "checkins")

_DECODE = """
import sys
from PIL import Image
for path in sys.argv[1:]:
    with Image.open(path) as im:
        im.load()
"""


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, load {load:.1f}"


def timed(cmd: list[str], repeats: int, env: dict[str, str] | None = None) -> float:
    """Median wall time in ms of ``cmd`` as a subprocess (after one warm-up run)."""
    subprocess.run(cmd, check=False, capture_output=True, env=env)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=False, capture_output=True, env=env)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def photos(n: int, *, orientation: int, seed: int) -> list[bytes]:
    tones = [t for t in TONES if t != "inflamed"]
    out = []
    for i in range(n):
        arr = skin_photo(
            width=4032,
            height=3024,
            tone=tones[i % len(tones)],
            redness=0.4,
            seed=seed + i,
            noise=2.5,
        )
        if orientation != 1:
            arr = stored_for_orientation(arr, orientation)
        out.append(to_jpeg(arr, quality=92, exif_orientation=orientation))
    return out


def submit_time(tmp: Path, name: str, data: list[bytes], repeats: int) -> float:
    """Median ms of ``checkins submit`` storing ``data`` (a fresh database per run)."""
    folder = tmp / name
    folder.mkdir()
    names = []
    for i, d in enumerate(data):
        (folder / f"p{i}.jpg").write_bytes(d)
        names.append(f"p{i}.jpg")
    times = []
    for run in range(repeats + 1):
        home = tmp / f"{name}-home-{run}"
        env = {**os.environ, "CHECKINS_HOME": str(home)}
        env.pop("CHECKINS_DATABASE_URL", None)
        subprocess.run([CHECKINS, "init"], check=True, capture_output=True, env=env)
        checkin = {
            "treatment": {"procedure": "microneedling", "treated_at": "2026-11-20T10:00:00"},
            "submitted_at": "2026-11-21T10:00:00",
            "answers": {
                "temperature": None,
                "drainage_like_pus": False,
                "increased_warmth": False,
                "swelling": "none",
                "redness": "mild",
                "oozing": False,
                "pain": 2,
                "picked_or_peeled_skin": False,
                "notes": "",
            },
            "photos": names,
        }
        (folder / f"checkin-{run}.json").write_text(json.dumps(checkin))
        t0 = time.perf_counter()
        done = subprocess.run(
            [CHECKINS, "submit", str(folder / f"checkin-{run}.json")],
            check=False,
            capture_output=True,
            env=env,
        )
        elapsed = (time.perf_counter() - t0) * 1000
        if done.returncode != 0:
            raise SystemExit(f"submit failed: {done.stderr.decode()} {done.stdout.decode()}")
        if run:
            times.append(elapsed)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-submit", action="store_true")
    parser.add_argument("--skip-analyze", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if not args.skip_analyze:
            paths = []
            for i, data in enumerate(photos(16, orientation=1, seed=0)):
                p = tmp / f"a{i}.jpg"
                p.write_bytes(data)
                paths.append(str(p))
            full = timed([sys.executable, "-c", _DECODE, *paths], args.repeats)
            ana = timed([CHECKINS, "analyze", *paths], args.repeats)
            print(f"full Pillow decode of 16 12-MP JPEGs, one process  {full:7.0f} ms")
            print(
                f"checkins analyze of the same 16 files             {ana:7.0f} ms"
                f"   ratio {ana / full:.2f} (goal ≤ 0.45)"
            )
        if not args.skip_submit:
            upright = photos(8, orientation=1, seed=100)
            rotated = photos(8, orientation=6, seed=100)
            up = submit_time(tmp, "upright", upright, args.repeats)
            rot = submit_time(tmp, "rotated", rotated, args.repeats)
            print(f"checkins submit, 8 upright 12-MP photos             {up:7.0f} ms")
            print(
                f"checkins submit, the same 8 tagged orientation 6   {rot:7.0f} ms"
                f"   ratio {rot / up:.2f} (goal ≤ 1.25)"
            )
        print(f"load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

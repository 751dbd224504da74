"""The photo workers keep freed decoder buffers: a second lossless rotation of a 12 MP photo
takes its buffers back without faulting in tens of megabytes of fresh pages."""

from __future__ import annotations

import subprocess
import sys

from checkins.imaging import turbo

_FAULTS = """
import io, resource, sys, threading
from PIL import Image
from checkins.imaging import heap, turbo

buf = io.BytesIO()
Image.new("RGB", (4032, 3024), (200, 150, 130)).save(buf, "JPEG", quality=90)
data = buf.getvalue()
if sys.argv[1] == "keep":
    assert heap.keep_freed_memory()
threads = int(sys.argv[2])


def rotate():
    assert turbo.transform(data, turbo.ROT90) is not None


def round_():
    workers = [threading.Thread(target=rotate) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


round_()  # the first round faults its buffers in either way
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
round_()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) // threads)
"""


def _second_rotation_faults(mode: str, threads: int = 1) -> int:
    """Page faults per rotation in a second round of ``threads`` rotations side by side."""
    done = subprocess.run(
        [sys.executable, "-c", _FAULTS, mode, str(threads)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def test_kept_buffers_spare_the_page_faults() -> None:
    assert turbo.available(), "libturbojpeg0 is missing: run tools/ensure-chromium.sh"
    default = _second_rotation_faults("default")
    kept = _second_rotation_faults("keep")
    # The coefficient arrays alone are ≈ 36 MB, ≈ 9,000 pages of 4 KB.
    assert default > 5_000, f"the default allocator should fault the buffers in again ({default})"
    assert kept < default / 5, f"kept buffers should not be faulted in again ({kept} vs {default})"


def test_threads_share_the_kept_buffers() -> None:
    """A batch child runs a thread per core: each thread's rotation reuses freed memory too
    (with an arena per thread, glibc gave it back to the kernel whatever the threshold)."""
    default = _second_rotation_faults("default")
    kept = _second_rotation_faults("keep", threads=2)
    assert kept < default / 5, f"two threads fault their buffers in again ({kept} vs {default})"

"""The C parts of photo work, in-process: the photo workers keep freed decoder buffers (a second
lossless rotation of a 12 MP photo takes its buffers back without faulting in tens of megabytes
of fresh pages), and libjpeg-turbo's scaled decoder gives exactly Pillow's pixels."""

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


def test_the_in_process_decoder_gives_pillows_pixels() -> None:
    """``load_reduced`` decodes a JPEG through libjpeg-turbo's scaled decoder in one call
    without the GIL: the pixels are exactly Pillow's own reduced decode, at each scale."""
    import io

    import numpy as np
    from PIL import Image

    from checkins.imaging.opening import load_reduced
    from checkins.imaging.synthetic import skin_photo, to_jpeg

    data = to_jpeg(skin_photo(width=2016, height=1512, tone="tan", redness=0.4, seed=3))
    for edge in (240, 480, 1000):
        ours = load_reduced(data, min_edge=edge).image
        with Image.open(io.BytesIO(data)) as im:
            f = edge / 2016
            im.draft("RGB", (int(2016 * f + 0.999), int(1512 * f + 0.999)))
            im.load()
            assert ours.size == im.size and ours.size[0] < 2016
            assert np.array_equal(np.asarray(ours), np.asarray(im))
    assert turbo.decompress(b"not a jpeg", 10, 10, "RGB") is None
    assert turbo.decompress(data[: len(data) // 2], 252, 189, "RGB") is None  # cut short

"""Keep the C heap's freed memory for the next photo, in processes that handle photo after photo.

A 12 MP photo's decoder and lossless-transform buffers are tens of megabytes each, freed after
every photo. glibc's default gives such blocks back to the kernel (large blocks are ``mmap``\\ ed,
the heap top is trimmed), so the next photo takes a page fault per 4 KB page to get them back:
≈ 35 ms of kernel time in each 12 MP lossless rotation, a third of its cost (docs/performance.md,
"Photo commands as the user runs them"). The photo workers keep freed blocks instead; their
memory then stays at its peak (≈ 100 MB a worker) rather than falling back after each photo.
"""

from __future__ import annotations

import ctypes

# mallopt's parameters (glibc malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
# Above the largest block a 12 MP photo needs (a luma coefficient array: ≈ 24 MB) and within
# what glibc accepts on 64-bit systems (at most 32 MB for the mmap threshold).
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 256 << 20


def keep_freed_memory() -> bool:
    """Ask the C allocator to keep freed blocks; False where it cannot (not glibc)."""
    # The symbols already loaded into this process, the C library's among them.
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # One arena for every thread: a thread's own arena gives its freed heap back to the kernel
    # whatever the trim threshold says (two threads' rotations then ran 1.2x as fast as one).
    return all(
        mallopt(param, value)
        for param, value in (
            (_M_ARENA_MAX, 1),
            (_M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            (_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        )
    )

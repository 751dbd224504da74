"""Content-addressed photo store on disk.

A blob's key is the SHA-256 of its bytes; it lives at ``root/ab/cd/abcd…``. Each write goes to a
temporary file in the same directory, is fsynced, then renamed into place (and the directory
fsynced), so a reader never sees half a file and a crash leaves at worst an orphan temp file or
an unreferenced blob, both of which ``checkins reconcile`` removes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

_KEY = re.compile(r"^[0-9a-f]{64}$")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class PhotoStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError("not a photo key")
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        """Store bytes (idempotent) and return their key; durable once this returns."""
        key = sha256_hex(data)
        final = self.path(key)
        if final.exists():
            # Refresh its age: reconcile spares recent files, and a row may be about to name it.
            os.utime(final)
            return key
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            Path(tmp).replace(final)
            dir_fd = os.open(final.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def age_seconds(self, key: str, now: float) -> float:
        """Seconds since the blob was last written (reconcile spares recent blobs)."""
        return now - self.path(key).stat().st_mtime

    def keys(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for p in self.root.glob("*/*/*"):
            if _KEY.fullmatch(p.name):
                yield p.name

    def temp_files(self) -> Iterator[Path]:
        """Leftovers of writes that were interrupted before their rename."""
        if self.root.exists():
            yield from self.root.glob("*/*/.tmp-*")

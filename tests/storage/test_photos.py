"""PhotoStore: content-addressed, idempotent, atomic, and closed to keys that are not hashes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkins.storage.photos import PhotoStore, sha256_hex

PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 400  # ~100 kB, JPEG-ish magic


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_put_returns_the_sha256_and_stores_complete_bytes(store: PhotoStore) -> None:
    key = store.put(PHOTO)
    assert key == hashlib.sha256(PHOTO).hexdigest() == sha256_hex(PHOTO)
    path = store.path(key)
    assert path == store.root / key[:2] / key[2:4] / key
    assert path.read_bytes() == PHOTO
    assert store.get(key) == PHOTO
    assert store.exists(key)
    assert list(store.keys()) == [key]
    assert list(store.temp_files()) == []
    assert _files(store.root) == [path]


def test_put_is_idempotent(store: PhotoStore) -> None:
    key = store.put(PHOTO)
    before = store.path(key).stat()
    assert store.put(PHOTO) == key
    after = store.path(key).stat()
    # Not rewritten (same inode, same bytes); only its age is refreshed, see the test below.
    assert after.st_ino == before.st_ino and store.get(key) == PHOTO
    assert _files(store.root) == [store.path(key)]


def test_different_bytes_get_different_keys(store: PhotoStore) -> None:
    keys = {store.put(PHOTO), store.put(PHOTO + b"\x00"), store.put(b"")}
    assert len(keys) == 3
    assert set(store.keys()) == keys
    assert store.get(sha256_hex(b"")) == b""


def test_delete_removes_only_that_blob(store: PhotoStore) -> None:
    a, b = store.put(b"a"), store.put(b"b")
    store.delete(a)
    store.delete(a)  # deleting twice is fine
    assert not store.exists(a)
    assert list(store.keys()) == [b]


def test_concurrent_puts_of_the_same_photo(store: PhotoStore) -> None:
    keys: list[str] = []
    start = threading.Barrier(8)

    def put() -> None:
        start.wait()
        keys.append(store.put(PHOTO))

    threads = [threading.Thread(target=put) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert keys == [sha256_hex(PHOTO)] * 8
    assert store.get(keys[0]) == PHOTO
    assert list(store.temp_files()) == []


def test_failed_rename_leaves_nothing_behind(
    store: PhotoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", refuse)
    with pytest.raises(OSError, match="No space"):
        store.put(PHOTO)
    monkeypatch.undo()
    key = sha256_hex(PHOTO)
    assert not store.exists(key)
    assert list(store.temp_files()) == []
    assert store.put(PHOTO) == key  # and the next attempt succeeds
    assert store.get(key) == PHOTO


# Put a photo in a child process that is SIGKILLed between writing the temp file and renaming
# it: no exception handler runs, exactly as in a power cut or an OOM kill.
_CRASH = """
import os, signal, sys
from pathlib import Path
from checkins.storage.photos import PhotoStore

def die(self, target):
    os.kill(os.getpid(), signal.SIGKILL)

Path.replace = die
PhotoStore(sys.argv[1]).put(sys.stdin.buffer.read())
"""


def test_crash_between_write_and_rename_leaves_only_a_temp_file(store: PhotoStore) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CRASH, str(store.root)], input=PHOTO, check=False, timeout=60
    )
    assert done.returncode == -9  # killed, not a clean failure

    key = sha256_hex(PHOTO)
    assert not store.path(key).exists()
    assert not store.exists(key)
    assert list(store.keys()) == []
    temps = list(store.temp_files())
    assert len(temps) == 1
    (temp,) = temps
    assert temp.name.startswith(".tmp-")
    assert temp.parent == store.path(key).parent
    assert temp.read_bytes() == PHOTO  # written and fsynced before the rename
    assert _files(store.root) == [temp]

    # The store still works; the orphan is left for `checkins reconcile`.
    assert store.put(PHOTO) == key
    assert store.get(key) == PHOTO
    assert list(store.temp_files()) == temps


BAD_KEYS = [
    "",
    "../x",
    "../../etc/passwd",
    "/etc/passwd",
    "ab/cd",
    "a" * 63,
    "a" * 65,
    "A" * 64,  # upper case: keys are lower-case hex
    "g" * 64,
    "../" + "a" * 61,
    "a" * 62 + "/.",
    " " + "a" * 63,
    "a" * 64 + "\x00",
    "a" * 64 + "\n",
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_invalid_keys_are_refused(store: PhotoStore, key: str) -> None:
    for operation in (store.path, store.get, store.exists, store.delete):
        with pytest.raises(ValueError, match="not a photo key"):
            operation(key)


def test_keys_lists_only_blobs(store: PhotoStore) -> None:
    key = store.put(PHOTO)
    folder = store.path(key).parent
    for stray in (".tmp-abc", key + "\n", key.upper(), "notes.txt"):
        (folder / stray).write_bytes(b"x")
    assert list(store.keys()) == [key]
    assert [p.name for p in store.temp_files()] == [".tmp-abc"]


def test_key_with_trailing_newline_is_refused(store: PhotoStore) -> None:
    with pytest.raises(ValueError, match="not a photo key"):
        store.path("a" * 64 + "\n")


HEX = "0123456789abcdef"
# Mostly near-misses: hex strings around 64 long, with a stray character spliced in.
near_keys = st.builds(
    lambda body, junk, at: body[:at] + junk + body[at:],
    st.text(alphabet=HEX, min_size=62, max_size=66),
    st.text(max_size=2),
    st.integers(min_value=0, max_value=66),
)


def _is_key(key: str) -> bool:
    return len(key) == 64 and all(c in HEX for c in key)


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.one_of(st.text(max_size=80), near_keys))
def test_only_lower_hex_sha256_keys_are_accepted(store: PhotoStore, key: str) -> None:
    if _is_key(key):
        path = store.path(key)
        assert path.is_relative_to(store.root)
        assert path.name == key
    else:
        with pytest.raises(ValueError, match="not a photo key"):
            store.path(key)


def test_putting_an_existing_blob_again_makes_it_recent(store: PhotoStore) -> None:
    """reconcile spares young files; a blob about to be named again must look young."""
    key = store.put(b"same bytes")
    old = store.path(key).stat().st_mtime - 3600
    os.utime(store.path(key), (old, old))
    assert store.put(b"same bytes") == key
    assert store.path(key).stat().st_mtime > old + 3000

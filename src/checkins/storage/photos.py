"""Content-addressed photo stores: on disk (the default) or in S3-compatible object storage.

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
from typing import Any, Protocol

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


class BlobStore(Protocol):
    """What the services need of a photo store: the disk store above, or ``S3PhotoStore``."""

    def put(self, data: bytes) -> str: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def age_seconds(self, key: str, now: float) -> float: ...
    def keys(self) -> Iterator[str]: ...
    def temp_files(self) -> Iterator[Path]: ...


class S3PhotoStore:
    """Content-addressed photos in S3-compatible object storage (boto3).

    Keys are ``prefix/ab/cd/abcd…`` as on disk. Every object is written with server-side
    encryption (``ServerSideEncryption``, AES256 by default, or ``aws:kms``). An S3 PUT is
    atomic and durable once it returns, so the blobs-before-rows order holds as on disk and there
    are no temporary files; ``checkins reconcile`` lists the prefix to find orphans, dating them
    by ``LastModified`` (a repeated put copies the object onto itself to refresh it).
    """

    def __init__(self, client: Any, bucket: str, prefix: str = "", *, sse: str = "AES256") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.sse = sse

    def _name(self, key: str) -> str:
        if not _KEY.fullmatch(key):
            raise ValueError("not a photo key")
        return f"{self.prefix}{key[:2]}/{key[2:4]}/{key}"

    def put(self, data: bytes) -> str:
        key = sha256_hex(data)
        name = self._name(key)
        if self.exists(key):
            self.client.copy_object(
                Bucket=self.bucket,
                Key=name,
                CopySource={"Bucket": self.bucket, "Key": name},
                MetadataDirective="REPLACE",
                ServerSideEncryption=self.sse,
            )
            return key
        self.client.put_object(
            Bucket=self.bucket,
            Key=name,
            Body=data,
            ServerSideEncryption=self.sse,
            ContentType="application/octet-stream",
        )
        return key

    def get(self, key: str) -> bytes:
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None
        body: bytes = obj["Body"].read()
        return body

    def _head(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return head

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def age_seconds(self, key: str, now: float) -> float:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        return now - float(head["LastModified"].timestamp())

    def keys(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for obj in page.get("Contents", []):
                name = str(obj["Key"]).rsplit("/", 1)[-1]
                if _KEY.fullmatch(name):
                    yield name

    def temp_files(self) -> Iterator[Path]:
        return iter(())


def open_store(spec: str | None, home: Path) -> BlobStore:
    """The photo store ``spec`` names: ``s3://bucket/prefix`` (endpoint from
    ``CHECKINS_S3_ENDPOINT_URL`` for S3-compatible servers, credentials from boto3's usual
    chain), or, empty, the folder ``home/photos``. Entry points call this once."""
    if not spec:
        return PhotoStore(home / "photos")
    if not spec.startswith("s3://") or not spec[5:].split("/", 1)[0]:
        raise ValueError(
            "CHECKINS_PHOTO_STORE is s3://bucket/prefix, or empty for the local folder, "
            f"not {spec!r}."
        )
    import boto3

    bucket, _, prefix = spec[5:].partition("/")
    client = boto3.client(
        "s3",
        endpoint_url=os.environ.get("CHECKINS_S3_ENDPOINT_URL") or None,
        region_name=os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
    )
    return S3PhotoStore(client, bucket, prefix, sse=os.environ.get("CHECKINS_S3_SSE", "AES256"))

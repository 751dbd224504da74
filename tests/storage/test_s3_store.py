"""Photos in S3-compatible object storage, against a real S3 API server the tests start.

moto's standalone server (``python -m moto.server``) speaks the S3 REST API over HTTP on
loopback; boto3 talks to it exactly as to AWS or any S3-compatible service. No MinIO server
package can be installed here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from checkins.imaging.synthetic import skin_photo, to_jpeg
from checkins.services import intake
from checkins.services.reconcile import reconcile
from checkins.storage.db import Database
from checkins.storage.photos import S3PhotoStore, open_store, sha256_hex
from tests.services.helpers import ADMIN, RULES, at, calm_answers, make_treatment

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    port = _port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):  # noqa: S310
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("moto's S3 server did not start") from None
            time.sleep(0.2)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.fixture
def s3(
    s3_url: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> S3PhotoStore:
    for k, v in CREDENTIALS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("CHECKINS_S3_ENDPOINT_URL", s3_url)
    bucket = "photos-" + request.node.name.lower().replace("_", "-")[:40].strip("-")
    boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1").create_bucket(Bucket=bucket)
    store = open_store(f"s3://{bucket}/clinic-a", Path("/nonexistent"))
    assert isinstance(store, S3PhotoStore)
    return store


def test_blobs_are_content_addressed_and_encrypted_at_rest(s3: S3PhotoStore) -> None:
    key = s3.put(b"a photo")
    assert key == sha256_hex(b"a photo") and s3.put(b"a photo") == key  # idempotent
    assert s3.get(key) == b"a photo" and s3.exists(key)
    head = s3.client.head_object(Bucket=s3.bucket, Key=f"clinic-a/{key[:2]}/{key[2:4]}/{key}")
    assert head["ServerSideEncryption"] == "AES256"
    assert list(s3.keys()) == [key]
    s3.delete(key)
    assert not s3.exists(key)
    with pytest.raises(FileNotFoundError):
        s3.get(key)
    with pytest.raises(ValueError):
        s3.get("../../etc/passwd")


def test_intake_stores_photos_in_s3_and_reconcile_covers_it(db: Database, s3: S3PhotoStore) -> None:
    tid = make_treatment(db)
    photo = intake.prepare_photo(
        to_jpeg(skin_photo(width=800, height=600, tone="deep", redness=0.5, seed=9)),
        name="cheek.jpg",
        isolated=False,
    )
    with db.session() as s:
        res = intake.submit_checkin(
            ruleset=RULES,
            session=s,
            store=s3,
            actor=ADMIN,
            treatment_id=tid,
            answers=calm_answers(),
            photos=[photo],
            client_submission_id="s3-checkin-0001",
            submitted_at=at(30),
        )
    stored = res.photos[0]
    assert s3.get(stored.storage_key) == photo.processed.stored
    # An orphan (a blob whose row never committed) is found and, once old enough, removed.
    orphan = s3.put(b"written before a crash")
    with db.session() as s:
        fresh = reconcile(session=s, actor=ADMIN, store=s3, repair=True)
        assert orphan not in fresh.files_without_rows  # recent: maybe an intake in flight
        old = reconcile(
            session=s, actor=ADMIN, store=s3, repair=True, now=time.time() + 3600, grace_seconds=60
        )
    assert old.files_without_rows == [orphan] and not s3.exists(orphan)
    assert old.rows_without_files == [] and s3.exists(stored.storage_key)


def test_the_command_uses_the_store_its_environment_names(
    s3: S3PhotoStore, checkins_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from checkins.cli import main
    from tests.cli.test_triage_contract import VALID

    monkeypatch.setenv("CHECKINS_PHOTO_STORE", f"s3://{s3.bucket}/clinic-a")
    (tmp_path / "face.jpg").write_bytes(
        to_jpeg(skin_photo(width=800, height=600, tone="tan", redness=0.4, seed=4))
    )
    import io
    import json

    data = {**VALID, "photos": ["face.jpg"], "client_submission_id": "cli-s3-000001"}
    (tmp_path / "checkin.json").write_text(json.dumps(data))
    assert main(["init", "--json"], out=io.StringIO()) == 0
    out = io.StringIO()
    assert main(["submit", str(tmp_path / "checkin.json"), "--json"], out=out) == 0
    assert len(list(s3.keys())) == 4  # original, display copy, thumbnail, measured region
    assert not (checkins_home / "photos").exists() or not any((checkins_home / "photos").rglob("*"))
    monkeypatch.setenv("CHECKINS_PHOTO_STORE", "ftp://nowhere")
    bad = io.StringIO()
    assert main(["submit", str(tmp_path / "checkin.json"), "--json"], out=bad) == 2
    assert "s3://bucket/prefix" in json.loads(bad.getvalue())["error"]["message"]
    assert os.environ["CHECKINS_S3_ENDPOINT_URL"].startswith("http://127.0.0.1:")

"""Two dashboards and two workers behind nginx, on PostgreSQL and S3, in a real browser.

deploy/run-replicas.sh starts what docs/deploy.md describes: two `streamlit run` replicas and
two `checkins worker` processes behind nginx (deploy/nginx.conf.template), all on one throwaway
PostgreSQL database (tests/pgcluster.py) and one S3 bucket on moto's standalone server.

A patient on a phone uploads a photo and sends an urgent check-in while Dr Lee, in another
browser on the other replica, waits on the review queue; the case appears there and he claims
it. The check-in and the claim are in the shared database, the photo is in the bucket (and not
on disk), one worker sends the on-call alert once, and nginx's access log shows both replicas
served traffic and every request of a browser went to that browser's replica.

Then a patient's replica is killed half way through a check-in: the page reconnects through
nginx to the other replica, the new session restores the draft (with the photo the dead replica
had received) and the check-in is stored with it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pgcluster  # tests/ is on sys.path (tests/conftest.py): the fixture's own module
import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect
from sqlalchemy import select

from checkins.demo_accounts import DEMO_ACCOUNTS
from checkins.storage.db import Database
from checkins.storage.models import (
    CheckIn,
    OutboxMessage,
    Photo,
    ReviewItem,
    User,
)
from checkins.storage.photos import S3PhotoStore
from tests.deploy import nginx
from tests.e2e.conftest import DESKTOP, PHONE, Server, wait_for_draft
from tests.e2e.test_patient_journey import choose, new_patient_link, photo, settle, upload
from tests.e2e.test_provider_journey import open_top_case, shot
from tests.messaging.servers import SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LEE = next((u, p, n) for u, n, _, p in DEMO_ACCOUNTS if u == "dr.lee")
BUCKET, PREFIX = "clinic-photos", "replicas"
ON_CALL = "oncall@maple.example"
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# Streamlit points the favicon of a :material/...: page icon at fonts.gstatic.com; the policy
# blocks it (tests/e2e/test_proxy_headers.py). Nothing else may be refused.
FAVICON = "fonts.gstatic.com"


def _get_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - loopback only
            return bool(r.status == 200)
    except OSError:
        return False


def _wait_for(
    what: str, ok: Callable[[], bool], proc: subprocess.Popen[bytes], timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while not ok():
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode} before {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not after {timeout:.0f} s")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's standalone S3 server (``python -m moto.server``) on loopback, with our bucket."""
    port = nginx.free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for("moto's S3 server answers", lambda: _get_ok(f"{url}/moto-api/"), proc, 60)
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", **_credentials())
        s3.create_bucket(Bucket=BUCKET)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": S3_ENV["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": S3_ENV["AWS_SECRET_ACCESS_KEY"],
    }


@dataclass
class Replicas:
    server: Server  # url: the proxy's; db_url: the shared PostgreSQL database
    prefix: Path  # nginx's directory (config, logs/access.log, the dashboards' logs)
    ports: tuple[int, int]
    smtp: SmtpServer
    s3: S3PhotoStore


@pytest.fixture(scope="module")
def replicas(
    pg_cluster: pgcluster.Cluster, s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replicas]:
    nginx.require_nginx()
    db_url = pg_cluster.create_database("replicas_e2e")
    home = tmp_path_factory.mktemp("replicas") / "home"
    home.mkdir()
    smtp = SmtpServer().start()
    port, ports = nginx.free_port(), (nginx.free_port(), nginx.free_port())
    url = f"http://127.0.0.1:{port}"
    prefix = nginx.make_prefix()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKINS_")}
    env.update(
        S3_ENV,
        CHECKINS_HOME=str(home),
        CHECKINS_SECRET_KEY="e2e-replicas-secret-" + "r" * 40,  # one key: links open on both
        CHECKINS_DATABASE_URL=db_url,
        CHECKINS_PHOTO_STORE=f"s3://{BUCKET}/{PREFIX}",
        CHECKINS_S3_ENDPOINT_URL=s3_endpoint,
        CHECKINS_SMTP_URL=smtp.url,
        CHECKINS_MAIL_FROM="clinic@maple.example",
        CHECKINS_BASE_URL=url,
        CHECKINS_PROXY_PREFIX=str(prefix),
        CHECKINS_BIN=str(BIN),
        PYTHONUNBUFFERED="1",
    )
    env.update(nginx.launcher_env(listen_port=port, replica_ports=ports))
    server = Server(url=url, home=home, db_url=db_url, env=env)
    # One clinic, one provider, one on-call address; no demo data: the patient's check-in is
    # the only case, so it is the top row of the queue.
    server.checkins("init", "--clinic-name", "Maple Skin Clinic", "--phone", "(555) 010-0199",
                    "--office-hours", "always", "--alert-email", ON_CALL)  # fmt: skip
    server.checkins("users", "add", LEE[0], "--name", LEE[2], "--role", "provider",
                    "--password", LEE[1])  # fmt: skip
    # Its own process group: stopping the group stops the launcher and everything it started.
    launcher = subprocess.Popen(
        ["bash", str(nginx.LAUNCHER)],
        cwd=ROOT,
        env=env,
        stdout=(prefix / "launcher.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for p in ports:
            health = f"http://127.0.0.1:{p}/_stcore/health"
            _wait_for(f"the dashboard on {p} is healthy", lambda u=health: _get_ok(u), launcher,
                      120)  # fmt: skip
        nginx.wait_listening(port, launcher)
        s3 = S3PhotoStore(
            boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                         **_credentials()), BUCKET, PREFIX)  # fmt: skip
        yield Replicas(server=server, prefix=prefix, ports=ports, smtp=smtp, s3=s3)
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGTERM)  # the launcher's trap stops its children
            try:
                launcher.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(launcher.pid, signal.SIGKILL)
                launcher.wait()
        smtp.stop()
        pg_cluster.drop_database("replicas_e2e")
        shutil.rmtree(prefix, ignore_errors=True)


def new_context(browser: Browser, *, phone: bool) -> tuple[BrowserContext, Page, list[str]]:
    """A fresh browser (its own cookies) and a page that collects policy violations."""
    if phone:
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
        )
    else:
        context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(60_000)
    refused: list[str] = []

    def console(message: ConsoleMessage) -> None:
        text = message.text
        if ("Content Security Policy" in text or "Refused to" in text) and FAVICON not in text:
            refused.append(text)

    page.on("console", console)
    return context, page, refused


def replica_of(context: BrowserContext) -> str:
    """The replica nginx pinned this browser to (its HttpOnly route cookie)."""
    (cookie,) = [c for c in context.cookies() if c["name"] == "checkins_replica"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    return cookie["value"]


def test_a_patient_checks_in_on_one_replica_while_a_provider_claims_on_the_other(
    browser: Browser, replicas: Replicas
) -> None:
    server = replicas.server
    tid, link = new_patient_link(server, "Robin Replica")
    assert link.startswith(server.url + "/")  # the link points at the proxy, not a replica

    # The patient opens their link on a phone: nginx pins this browser to one replica.
    patient_ctx, patient, patient_refused = new_context(browser, phone=True)
    patient.goto(link)
    # A replica's first page runs the app cold (imports, engine): allow it a minute.
    day1 = patient.get_by_role("heading", name="Day 1 after your treatment")
    expect(day1).to_be_visible(timeout=60_000)
    patient_replica = replica_of(patient_ctx)

    # Dr Lee signs in, in another browser: the next newcomer goes to the other replica.
    lee_ctx, lee, lee_refused = new_context(browser, phone=False)
    lee.goto(server.url)
    expect(lee.get_by_role("textbox", name="Username")).to_be_visible(timeout=60_000)
    lee_replica = replica_of(lee_ctx)
    assert {patient_replica, lee_replica} == {"a", "b"}, "both browsers on one replica"
    lee.get_by_role("textbox", name="Username").fill(LEE[0])
    lee.get_by_role("textbox", name="Password").fill(LEE[1])
    lee.get_by_role("button", name="Sign in").click()
    expect(lee.get_by_text(f"Signed in as {LEE[2]}")).to_be_attached(timeout=30_000)
    expect(lee.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(lee.get_by_text("No cases match these filters.")).to_be_visible()

    # Meanwhile the patient uploads a photo (PUT /_stcore/upload_file/...: their replica holds
    # the session, so the upload is accepted) and answers.
    upload(patient, photo("cheek.jpg", redness=0.6, seed=31))
    expect(patient.get_by_text(re.compile("cheek.jpg.*good photo"))).to_be_visible()
    # Its thumbnail comes inside the page, over the replica's WebSocket: drawn, not broken.
    thumb = patient.get_by_role("img", name=re.compile(r"^Your photo cheek\.jpg"))
    expect(thumb).to_be_visible()
    patient.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    settle(patient)
    patient.get_by_label("Temperature", exact=True).fill("102")
    patient.get_by_label("Temperature", exact=True).press("Tab")
    settle(patient)
    choose(patient, "drainage that looks like pus", "No")
    choose(patient, "getting warmer", "No")
    choose(patient, "How swollen", "Mild")
    choose(patient, "How red", "Moderate (like a sunburn)")
    choose(patient, "oozing clear fluid", "No")
    patient.get_by_label("Pain, from 0 (none) to 10 (worst)").fill("4")
    patient.get_by_label("Pain, from 0 (none) to 10 (worst)").press("Tab")
    choose(patient, "picked, rubbed or peeled", "No")
    shot(patient, "replicas-1-patient-phone")
    patient.get_by_role("button", name=re.compile("Send check-in")).click()
    expect(patient.get_by_test_id("stAlertContentError")).to_contain_text("Contact the office now")

    # The case, written through the patient's replica, reaches Dr Lee's queue on the other one
    # at its next refresh; he opens it and claims it.
    expect(lee.get_by_text(re.compile(r"^1 case · "))).to_be_visible(timeout=60_000)
    title = open_top_case(lee)
    assert "Robin Replica" in title, title
    expect(lee.locator('[data-testid="stImage"]').first).to_be_visible()  # the photo, from S3
    lee.get_by_role("button", name="Claim", exact=True).click()
    expect(lee.get_by_text("You claimed it.")).to_be_visible()
    shot(lee, "replicas-2-provider-desktop")
    assert patient_refused == [] and lee_refused == []  # the real proxy's headers broke nothing

    # Both browsers stayed where nginx put them the whole time.
    assert replica_of(patient_ctx) == patient_replica and replica_of(lee_ctx) == lee_replica
    patient_ctx.close()
    lee_ctx.close()

    # The shared database has the check-in and the claim; the photo is in the bucket only.
    db = Database.connect(server.db_url)
    try:
        with db.read() as s:
            (checkin,) = s.scalars(select(CheckIn).where(CheckIn.treatment_id == tid)).all()
            assert checkin.triage is not None and checkin.triage.severity == "urgent"
            (item,) = s.scalars(select(ReviewItem).where(ReviewItem.checkin_id == checkin.id))
            lee_id = s.scalar(select(User.id).where(User.username == LEE[0]))
            assert item.claimed_by == lee_id and item.status == "claimed"
            (stored,) = s.scalars(select(Photo).where(Photo.checkin_id == checkin.id)).all()
            assert stored.original_name == "cheek.jpg"
            key = stored.storage_key
    finally:
        db.dispose()
    assert replicas.s3.exists(key)
    head = replicas.s3.client.head_object(Bucket=BUCKET, Key=f"{PREFIX}/{key[:2]}/{key[2:4]}/{key}")
    assert head["ServerSideEncryption"] == "AES256"
    assert not (server.home / "photos").exists() or not any((server.home / "photos").rglob(key))

    # One of the two workers sent the on-call alert, once.
    def alerts() -> list[tuple[str, str, int]]:
        db = Database.connect(server.db_url)
        try:
            with db.read() as s:
                rows = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alert"))
                return [(r.to_address, r.status, r.attempts) for r in rows]
        finally:
            db.dispose()

    deadline = time.monotonic() + 90  # a worker looks every 15 s
    while alerts() != [(ON_CALL, "sent", 1)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alerts() == [(ON_CALL, "sent", 1)]
    assert len([m for m in replicas.smtp.inbox.messages if m["To"] == ON_CALL]) == 1

    # nginx's log: both replicas served traffic, and each browser only its own.
    def streams() -> list[nginx.LogLine]:  # a WebSocket is logged when it closes
        return [line for line in nginx.access_log(replicas.prefix)
                if line.path == "/_stcore/stream"]  # fmt: skip

    deadline = time.monotonic() + 30
    while len(streams()) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    lines = nginx.access_log(replicas.prefix)
    assert {line.served_by for line in lines} == {"a", "b"}
    pinned = [line for line in lines if line.replica_cookie != "-"]
    assert pinned and all(line.served_by == line.replica_cookie for line in pinned)
    assert all(", " not in line.upstream for line in lines)  # no failover was needed
    uploads = [line for line in lines if line.path == "/_stcore/upload_file/-"]
    assert uploads, "no upload went through the proxy"
    assert all(u.method == "PUT" and u.status < 300 and u.served_by == patient_replica
               for u in uploads), uploads  # fmt: skip
    # Thumbnails and photos came inside the pages (dashboard/inline.py): no /media/ request.
    assert not [line for line in lines if line.path == "/media/-"]
    assert {(s.status, s.served_by) for s in streams()} >= {(101, "a"), (101, "b")}


def test_when_a_patients_replica_dies_the_page_moves_to_the_other_and_loses_nothing(
    browser: Browser, replicas: Replicas
) -> None:
    """docs/deploy.md, "When a replica dies". Runs last: it leaves one replica dead."""
    server = replicas.server
    tid, link = new_patient_link(server, "Casey Failover")
    ctx, page, refused = new_context(browser, phone=True)
    page.goto(link)
    expect(page.get_by_role("heading", name="Day 1 after your treatment")).to_be_visible(
        timeout=60_000
    )
    first = replica_of(ctx)
    upload(page, photo("chin.jpg", redness=0.4, seed=41))
    expect(page.get_by_text(re.compile("chin.jpg.*good photo"))).to_be_visible()
    settle(page)
    page.get_by_label("Temperature", exact=True).fill("99.1")
    page.get_by_label("Temperature", exact=True).press("Tab")

    # The form is kept as a draft in the shared database and store at the end of the run that
    # checked the photo, a few seconds on: wait for it, as a patient's pause would.
    wait_for_draft(server.db_url, tid, ["chin.jpg"], {"temperature": "99.1"})

    # The replica holding this patient's session dies without a word.
    port = replicas.ports[0 if first == "a" else 1]
    pid = int((replicas.prefix / "run" / f"dashboard-{port}.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while _get_ok(f"http://127.0.0.1:{port}/_stcore/health") and time.monotonic() < deadline:
        time.sleep(0.1)

    # Streamlit's page reconnects by itself: nginx sends it to the other replica and re-pins
    # the cookie there. The new session runs at the patient's next tap (Streamlit reruns on a
    # reconnect only when a run was cut short) and restores the draft: the photo the dead
    # replica received comes back from the shared store.
    choose(page, "drainage that looks like pus", "No")  # settle() waits out "Connecting"
    restored = page.get_by_text("what you entered before is still here, with 1 photo")
    expect(restored).to_be_visible(timeout=90_000)
    expect(page.get_by_text(re.compile("chin.jpg.*good photo"))).to_be_visible()
    # The draft is what was kept before the failure: that first tap is not in it, so answer on.
    expect(page.get_by_label("Temperature", exact=True)).to_have_value(re.compile(r"^99\.1$"))
    second = replica_of(ctx)
    assert second != first
    shot(page, "replicas-3-patient-after-failover")
    choose(page, "drainage that looks like pus", "No")
    choose(page, "getting warmer", "No")
    choose(page, "How swollen", "None")
    choose(page, "How red", "Mild (pink)")
    choose(page, "oozing clear fluid", "No")
    # The new session drew the form anew; the old session's field lingers hidden in the page,
    # so pick the one a person (and the accessibility tree) sees.
    pain = page.get_by_role("textbox", name="Pain, from 0 (none) to 10 (worst)")
    pain.fill("1")
    pain.press("Tab")
    choose(page, "picked, rubbed or peeled", "No")
    page.get_by_role("button", name=re.compile("Send check-in")).click()
    answer = page.get_by_text(re.compile("normal for this stage of healing|with your provider"))
    expect(answer).to_be_visible(timeout=60_000)
    assert replica_of(ctx) == second and refused == []
    ctx.close()

    db = Database.connect(server.db_url)
    try:
        with db.read() as s:
            (checkin,) = s.scalars(select(CheckIn).where(CheckIn.treatment_id == tid)).all()
            assert checkin.temperature_f == 99.1 and checkin.triage is not None
            names = s.scalars(select(Photo.original_name).where(Photo.checkin_id == checkin.id))
            assert list(names) == ["chin.jpg"]  # uploaded to the replica that died
    finally:
        db.dispose()
    # The requests that still named the dead replica were answered by the other one.
    moved = [line for line in nginx.access_log(replicas.prefix)
             if line.replica_cookie == first and line.served_by == second]  # fmt: skip
    assert moved and any(", " in line.upstream for line in moved), moved  # tried, then moved

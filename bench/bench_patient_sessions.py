"""Twenty patients checking in at once, each in their own headless Chromium context.

    .venv/bin/python bench/bench_patient_sessions.py               # 20 sessions, 2 photos each
    .venv/bin/python bench/bench_patient_sessions.py --sessions 10 --photos 1

What it does:

1. Prepares a throwaway CHECKINS_HOME (``checkins init`` + ``checkins demo``), adds one fresh
   patient and treatment per session and issues their links, then serves the dashboard.
2. Opens every link at the same moment (one browser, one context per patient, 390 × 844),
   uploads the photos (distinct synthetic skin photos, 1600 × 1200 JPEG) and waits until each is
   marked "good photo": that is the analysis time, photos being decoded in the imaging worker
   pool, not on the page's script thread.
3. Answers (half the patients report a 102 °F fever, half are calm), then all press "Send
   check-in" together; the time from the click to the result on screen is the send time.
4. Counts the rows: one check-in per session and every photo stored, nothing lost or doubled.

It prints the median and worst times; it asserts nothing (a failed session is reported).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.async_api import Browser, Page, async_playwright  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from checkins.domain import utcnow  # noqa: E402
from checkins.imaging.synthetic import skin_photo, to_jpeg  # noqa: E402
from checkins.services import clinic  # noqa: E402
from checkins.services.views import Actor  # noqa: E402
from checkins.storage.db import Database  # noqa: E402

SETUP = Actor.system(1, "bench set-up")
from checkins.storage.models import CheckIn, Photo  # noqa: E402
from tests.e2e.conftest import CHROMIUM, PHONE, Server, start_server, stop_server  # noqa: E402

TIMEOUT_MS = 300_000


@dataclass
class Outcome:
    index: int
    ok: bool
    analysis_s: float = 0.0
    send_s: float = 0.0
    result: str = ""
    error: str = ""


def make_patients(server: Server, n: int) -> list[tuple[int, str]]:
    db = Database.connect(server.db_url)
    try:
        ids = []
        with db.session() as s:
            for i in range(n):
                pid = clinic.create_patient(
                    session=s, actor=SETUP, display_name=f"Bench Patient {i:02d}"
                )
                ids.append(
                    clinic.create_treatment(
                        session=s,
                        actor=SETUP,
                        patient_id=pid,
                        procedure="microneedling",
                        treated_at=utcnow() - timedelta(days=1.5),
                    ).id
                )
    finally:
        db.dispose()
    out = []
    for tid in ids:
        url = (
            server.checkins("link", "--treatment", str(tid), "--base-url", server.url)
            .strip()
            .splitlines()[-1]
        )
        out.append((tid, url))
    return out


async def choose(page: Page, question: str, option: str) -> None:
    group = page.locator("[data-testid='stRadio']").filter(has_text=question)
    await group.get_by_text(option, exact=True).click()


async def fill_number(page: Page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    await box.fill(value)
    await box.press("Tab")


async def session(
    browser: Browser,
    index: int,
    url: str,
    photos: list[bytes],
    start: asyncio.Barrier,
    send: asyncio.Barrier,
) -> Outcome:
    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    outcome = Outcome(index=index, ok=False)
    try:
        await page.goto(url)
        await page.get_by_role("heading", name=re.compile("after your treatment")).wait_for()
        await start.wait()
        t0 = time.perf_counter()
        await page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
            [
                {"name": f"p{index}-{k}.jpg", "mimeType": "image/jpeg", "buffer": data}
                for k, data in enumerate(photos)
            ]
        )
        verdicts = page.get_by_text(re.compile(r"good photo|please retake"))
        for _ in range(TIMEOUT_MS // 250):
            if await verdicts.count() >= len(photos):
                break
            await asyncio.sleep(0.25)
        outcome.analysis_s = time.perf_counter() - t0
        fever = index % 2 == 0
        await fill_number(page, "Temperature", "102" if fever else "98.4")
        for question in ("drainage that looks like pus", "getting warmer", "oozing clear"):
            await choose(page, question, "No")
        await choose(page, "picked, rubbed or peeled", "No")
        await choose(page, "How swollen", "Mild")
        await choose(page, "How red", "Mild (pink)")
        await fill_number(page, "Pain, from 0 (none) to 10 (worst)", "2")
        await send.wait()
        t1 = time.perf_counter()
        await page.get_by_role("button", name=re.compile("Send check-in")).click()
        result = page.locator(
            "[data-testid='stAlertContentError'], [data-testid='stAlertContentSuccess'],"
            " [data-testid='stAlertContentWarning']"
        ).filter(has_text=re.compile("Contact the office now|normal for this stage|provider"))
        await result.first.wait_for()
        outcome.send_s = time.perf_counter() - t1
        outcome.result = (await result.first.inner_text()).strip().splitlines()[-1]
        outcome.ok = True
    except Exception as exc:
        outcome.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
        if start.n_waiting:
            await start.abort()
        if send.n_waiting:
            await send.abort()
    finally:
        await context.close()
    return outcome


async def drive(urls: list[str], photos_per_session: int) -> list[Outcome]:
    photos = [
        [to_jpeg(skin_photo(redness=0.35, seed=100 * i + k)) for k in range(photos_per_session)]
        for i in range(len(urls))
    ]
    start = asyncio.Barrier(len(urls))
    send = asyncio.Barrier(len(urls))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            return await asyncio.gather(
                *(session(browser, i, url, photos[i], start, send) for i, url in enumerate(urls))
            )
        finally:
            await browser.close()


def count_rows(server: Server, treatment_ids: list[int]) -> tuple[int, int, int]:
    db = Database.connect(server.db_url)
    try:
        with db.read() as s:
            checkins = s.scalar(
                select(func.count())
                .select_from(CheckIn)
                .where(CheckIn.treatment_id.in_(treatment_ids))
            )
            photos = s.scalar(
                select(func.count())
                .select_from(Photo)
                .join(CheckIn, CheckIn.id == Photo.checkin_id)
                .where(CheckIn.treatment_id.in_(treatment_ids))
            )
            measured = s.scalar(
                select(func.count())
                .select_from(Photo)
                .join(CheckIn, CheckIn.id == Photo.checkin_id)
                .where(CheckIn.treatment_id.in_(treatment_ids), Photo.mean_a_star.is_not(None))
            )
        return checkins or 0, photos or 0, measured or 0
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--photos", type=int, default=2, help="photos per check-in")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-patients-") as tmp:
        print(f"Preparing the demo clinic and {args.sessions} patients…", flush=True)
        server = start_server(Path(tmp) / "home")
        try:
            patients = make_patients(server, args.sessions)
            started = time.perf_counter()
            outcomes = asyncio.run(drive([u for _, u in patients], args.photos))
            wall = time.perf_counter() - started
            checkins, photos, measured = count_rows(server, [t for t, _ in patients])
        finally:
            stop_server(server)

    ok = [o for o in outcomes if o.ok]
    print(
        f"\n{args.sessions} patient sessions at once, {args.photos} photos each (wall {wall:.1f} s)"
    )
    for o in outcomes:
        if not o.ok:
            print(f"  session {o.index}: FAILED {o.error}")
    print(f"  succeeded:            {len(ok)}/{len(outcomes)}")
    if ok:
        analysis = [o.analysis_s for o in ok]
        send = [o.send_s for o in ok]
        print(
            f"  photos analysed:      median {statistics.median(analysis):5.1f} s, "
            f"worst {max(analysis):5.1f} s (upload to every verdict shown)"
        )
        print(
            f"  send → result:        median {statistics.median(send):5.2f} s, "
            f"worst {max(send):5.2f} s"
        )
        urgent = sum(1 for o in ok if "Contact" in o.result)
        print(f"  results:              {urgent} urgent, {len(ok) - urgent} other")
    expected_photos = len(ok) * args.photos
    print(
        f"  rows stored:          {checkins} check-ins (expected {len(ok)}), {photos} photos "
        f"(expected {expected_photos}), {measured} with redness metrics"
    )
    lost = checkins != len(ok) or photos != expected_photos
    print("  nothing lost or doubled" if not lost else "  MISMATCH: rows lost or doubled")


if __name__ == "__main__":
    main()

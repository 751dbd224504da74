"""Make the synthetic demo clinic: sample_data/demo.json and sample_data/photos/*.jpg.

Run from the repository root: `.venv/bin/python sample_data/make_sample_data.py`. Everything is
synthetic (names, answers and photos drawn by code from a fixed seed); no real patient data.

The clinic has patients whose follow-up is complete (treated 16–45 days ago; their flagged
check-ins were resolved by a provider, so the manager's trends have data) and patients in
recovery now (treated 0–5 days ago, some with open urgent and review cases), both procedures,
and redness that is calm, follows the expected course, or worsens.
"""

from __future__ import annotations

import json
import math
import random
import shutil
from pathlib import Path
from typing import Any

from checkins.imaging.synthetic import skin_photo, to_jpeg

OUT = Path(__file__).resolve().parent
SEED = 20261126
WIDTH, HEIGHT = 960, 720
HISTORY = 30  # patients whose follow-up is complete (trends need groups of 11 or more)
TONES = ("fair", "light", "medium", "tan", "deep")

FIRST = [
    "Avery",
    "Blake",
    "Casey",
    "Devon",
    "Emerson",
    "Finley",
    "Gray",
    "Harper",
    "Indy",
    "Jordan",
    "Kendall",
    "Logan",
    "Morgan",
    "Noel",
    "Oakley",
    "Parker",
    "Quinn",
    "Reese",
    "Sawyer",
    "Taylor",
    "Umber",
    "Vale",
    "Wren",
    "Xen",
    "Yael",
    "Zion",
    "Arden",
    "Briar",
    "Cody",
    "Dana",
    "Ellis",
    "Frankie",
    "Glen",
    "Hollis",
    "Islay",
    "Jules",
    "Kit",
    "Lane",
]
LAST = ["Testpatient", "Sample", "Demo", "Example", "Synthetic", "Placeholder"]


def redness_course(trajectory: str, day: float) -> float:
    """Relative redness of the treated area (0 = baseline skin, 1 = very red) by day."""
    if day < 0:
        return 0.0
    if trajectory == "calm":
        return 0.45 * math.exp(-day / 2.0) + 0.03
    if trajectory == "worsening":
        return min(0.95, 0.5 + 0.06 * day)
    return 0.75 * math.exp(-day / 3.0) + 0.05


def reported_redness(r: float) -> str:
    return "severe" if r > 0.75 else "moderate" if r > 0.45 else "mild" if r > 0.12 else "none"


def answers(rng: random.Random, r: float, day: float, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "temperature": {"value": round(rng.uniform(97.6, 99.1), 1), "unit": "F"}
        if rng.random() < 0.7
        else None,
        "drainage_like_pus": False,
        "increased_warmth": False,
        "swelling": "mild" if day < 2 else "none",
        "redness": reported_redness(r),
        "oozing": day < 1,
        "pain": max(0, min(10, round(4 * r + rng.uniform(-1, 1)))),
        "picked_or_peeled_skin": False,
        "notes": "",
        "sun_exposure": False,
        "routine_followed": True,
    }
    base.update(overrides)
    return base


def photo(name: str, *, tone: str, r: float, seed: int, blur: float = 0.0) -> str:
    arr = skin_photo(width=WIDTH, height=HEIGHT, tone=tone, redness=r, blur=blur, seed=seed)
    (OUT / "photos" / name).write_bytes(to_jpeg(arr, quality=85))
    return name


def make() -> dict[str, Any]:
    rng = random.Random(SEED)
    if (OUT / "photos").exists():
        shutil.rmtree(OUT / "photos")
    (OUT / "photos").mkdir(parents=True)
    patients: list[dict[str, Any]] = []
    names = [f"{f} {LAST[i % len(LAST)]}" for i, f in enumerate(FIRST)]
    # HISTORY whose follow-up is complete, 8 in recovery now.
    plan: list[tuple[str, float, str]] = []
    for i in range(HISTORY):
        traj = "worsening" if i in (5, 17, 29) else "calm" if i % 4 == 0 else "expected"
        plan.append((("microneedling", "microneedling_rf")[i % 2], 16 + i * 1.2, traj))
    recent = [
        ("microneedling_rf", 1.4, "expected"),
        ("microneedling", 3.3, "expected"),
        ("microneedling_rf", 2.2, "worsening"),
        ("microneedling", 1.2, "calm"),
        ("microneedling_rf", 4.3, "expected"),
        ("microneedling", 8.4, "worsening"),
        ("microneedling_rf", 0.6, "expected"),
        ("microneedling", -1.5, "expected"),
    ]
    plan.extend(recent)
    for pi, (procedure, days_ago, traj) in enumerate(plan):
        tone = TONES[pi % len(TONES)]
        slug = f"p{pi:02d}"
        checkins: list[dict[str, Any]] = [
            {
                "hours": -rng.uniform(2, 30),
                "baseline": True,
                "photos": [photo(f"{slug}-baseline.jpg", tone=tone, r=0.0, seed=pi * 100)],
            }
        ]
        for day in (1, 3, 7, 14):
            if pi < HISTORY and rng.random() < 0.06:
                continue  # a missed check-in: adherence is not perfect
            # During the scheduled day; patients in recovery now checked in early that day.
            hours = day * 24 + (rng.uniform(1, 14) if pi < HISTORY else rng.uniform(0.5, 4))
            r = redness_course(traj, hours / 24)
            ans = answers(rng, r, hours / 24)
            blur = 0.0
            review: dict[str, Any] | None = None
            if traj == "worsening" and day >= 7:
                ans.update(redness="moderate", increased_warmth=pi >= HISTORY and day == 7)
            # Most completed follow-ups had one check-in a provider looked at, as in a clinic.
            kind = pi % 6 if pi < HISTORY else -1
            if kind == 0 and day == 3:
                ans["oozing"] = True
            if kind == 1 and day == 1:
                ans["picked_or_peeled_skin"] = True
            if kind == 2 and day == 3:
                blur = 6.0  # an unreadable photo: the gate sends it to a provider
            if kind == 3 and day == 7:
                hours = max(hours, 170.0)
                ans["redness"] = "moderate"
            if kind == 4 and day == 1 and pi % 12 == 4:
                ans["temperature"] = {"value": 38.9, "unit": "C"}
            checkins.append(
                {
                    "hours": round(hours, 2),
                    "answers": ans,
                    "photos": [
                        photo(
                            f"{slug}-d{day:02d}.jpg", tone=tone, r=r, seed=pi * 100 + day, blur=blur
                        )
                    ],
                    "review": review,
                }
            )
        patients.append(
            {
                "name": names[pi],
                "procedure": procedure,
                "treated_days_ago": round(days_ago, 2),
                "needle_depth_mm": (0.5, 1.0, 1.5, 2.0, 2.5)[pi % 5],
                "areas": ["face"],
                "antiviral": pi % 3 == 0,
                "trajectory": traj,
                "tone": tone,
                "show_link": pi >= HISTORY,
                "checkins": checkins,
            }
        )
    # The current patients carry today's warning signs: open urgent and review cases.
    now = patients[HISTORY:]
    urgent = now[0]["checkins"][1]["answers"]
    urgent.update(temperature={"value": 102.2, "unit": "F"}, swelling="moderate")
    now[1]["checkins"][2]["answers"].update(drainage_like_pus=True)  # day 3
    now[4]["checkins"][2]["answers"].update(oozing=True)  # day 3: review
    now[2]["checkins"][1]["answers"].update(picked_or_peeled_skin=True)  # day 1: review
    _resolve_history(rng, patients[:HISTORY])
    return {
        "clinic": {
            "name": "Riverside Skin Clinic (demo)",
            "phone": "(555) 010-0199",
            "time_zone": "America/New_York",
            "target_response_minutes": 60,
            "reference_card": True,
            "after_hours_phone": "(555) 010-0911",
            "office_hours": "mon-fri 08:00-18:00, sat 09:00-13:00",
        },
        "patients": patients,
    }


def _resolve_history(rng: random.Random, patients: list[dict[str, Any]]) -> None:
    """Every flagged check-in of a completed follow-up was resolved by a provider."""
    for p in patients:
        for c in p["checkins"]:
            if c.get("baseline"):
                continue
            a = c["answers"]
            flagged = (
                (a["redness"] in ("moderate", "severe") and c["hours"] > 168)
                or (a["oozing"] and c["hours"] > 24)
                or a["increased_warmth"]
                or a["drainage_like_pus"]
            )
            t = a.get("temperature")
            flagged = flagged or bool(
                t and (t["value"] if t["unit"] == "F" else t["value"] * 9 / 5 + 32) >= 101.5
            )
            # Warning signs mostly lead to contact; photo and routine flags are mostly needless.
            choices, weights = (
                (
                    [
                        "contacted_patient",
                        "self_care_advised",
                        "visit_scheduled",
                        "no_action_needed",
                    ],
                    [40, 30, 15, 15],
                )
                if flagged
                else (["no_action_needed", "self_care_advised"], [70, 30])
            )
            c["review"] = {
                "disposition": rng.choices(choices, weights)[0],
                "first_minutes": round(rng.uniform(5, 90)),
                "resolve_minutes": round(rng.uniform(60, 300)),
                "reply": "Thanks for checking in. This looks like the normal course; keep up "
                "your routine and send another photo at your next check-in.",
            }


if __name__ == "__main__":
    data = make()
    (OUT / "demo.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    n = sum(len(c["photos"]) for p in data["patients"] for c in p["checkins"])
    print(f"wrote {len(data['patients'])} patients and {n} photos to {OUT}")

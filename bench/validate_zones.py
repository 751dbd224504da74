"""The measured region on real portraits: the figures kept in docs/metrics.md.

Runs every portrait and variant of tests/imaging/realfaces.py through ``analyze_bytes`` and
prints a Markdown table: the region found, the gate's verdict, mean a* against the labelled
skin's a*, the share of measured pixels on labelled skin, the a* error per zone, and the
inflamed version's measured rise against the true rise. Asserts nothing (the tests do).

    .venv/bin/python bench/validate_zones.py
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.imaging.realfaces import PORTRAITS, Measured, card_variants, measure, variants

ZONES = ("forehead", "left_cheek", "right_cheek", "nose", "chin", "area")


def _f(v: float | None, digits: int = 2) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def main() -> None:
    print(
        f"# {platform.node()} · {platform.processor() or platform.machine()} · "
        f"Python {platform.python_version()}"
    )
    print()
    print(
        "| portrait | variant | region | gate | a* | labelled a* | error | limit | on skin | "
        + " | ".join(z.replace("_", " ") for z in ZONES)
        + " |"
    )
    print("|" + "---|" * (9 + len(ZONES)))
    rises: list[str] = []
    all_on: list[float] = []
    started = time.perf_counter()
    for p in PORTRAITS:
        done: dict[str, Measured] = {}
        for v in variants(p):
            m = measure(v)
            done[v.name] = m
            a = m.analysis
            gate = "ok" if a.quality.acceptable else ", ".join(i.code for i in a.quality.issues)
            if m.on_skin is not None:
                all_on.append(m.on_skin)
            zone = " | ".join(_f(m.zone_errors.get(z), 1) for z in ZONES)
            refused = "framing" in gate or "background" in gate
            ok = m.error is not None and (m.error <= v.limit or refused)
            print(
                f"| {p} | {v.name} | {a.region_kind} | {gate} | {_f(a.metrics.mean_a_star)} | "
                f"{m.truth_a:.2f} | {_f(m.error)}{'' if ok else ' ✗'} | {v.limit} | "
                f"{_f(m.on_skin, 3)}{'' if (m.on_skin or 0) >= 0.9 else ' ✗'} | {zone} |"
            )
        calm, red = done["portrait"], done["inflamed"]
        if (
            calm.analysis.metrics.mean_a_star is not None
            and red.analysis.metrics.mean_a_star is not None
        ):
            true_rise = red.truth_a - calm.truth_a
            rise = red.analysis.metrics.mean_a_star - calm.analysis.metrics.mean_a_star
            rises.append(f"| {p} | {rise:.2f} | {true_rise:.2f} | {rise / true_rise:.2f} |")
    print()
    print("| portrait | measured rise | true rise | share |")
    print("|---|---|---|---|")
    print("\n".join(rises))
    print()
    on = sorted(all_on)
    print(
        f"on labelled skin: median {on[len(on) // 2]:.3f}, lowest {on[0]:.3f}, "
        f"{sum(v >= 0.9 for v in on)}/{len(on)} photos ≥ 0.90"
    )
    print()
    print("Under a warm light (linear R × 1.2, B × 0.75), against the skin's a* in its own light:")
    print()
    print("| portrait | own a* | card: a* | card: gate | card: on skin | no card: a* |")
    print("|---|---|---|---|---|---|")
    for p in PORTRAITS:
        own, carded, plain = (measure(v) for v in card_variants(p))
        c = carded.analysis
        gate = "ok" if c.quality.acceptable else ", ".join(i.code for i in c.quality.issues)
        cal = " (calibrated)" if c.metrics.calibrated else ""
        print(
            f"| {p} | {own.truth_a:.2f} | {_f(c.metrics.mean_a_star)}{cal} | {gate} | "
            f"{_f(carded.on_skin, 3)} | {_f(plain.analysis.metrics.mean_a_star)} |"
        )
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()

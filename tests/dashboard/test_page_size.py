"""The pages stay thin: a page in dashboard/views/ guards, then calls its parts (*_ui.py) and the
services; at most 120 lines each (STYLE.md), so logic that grows goes where it can be tested."""

from __future__ import annotations

from pathlib import Path

VIEWS = Path(__file__).resolve().parents[2] / "dashboard" / "views"
MAX_LINES = 120


def test_every_page_is_at_most_120_lines() -> None:
    pages = sorted(VIEWS.glob("*.py"))
    assert pages, f"no pages found in {VIEWS}"
    lines = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in pages}
    too_long = {name: n for name, n in lines.items() if n > MAX_LINES}
    assert not too_long, f"pages over {MAX_LINES} lines (move their parts to a *_ui.py): {too_long}"

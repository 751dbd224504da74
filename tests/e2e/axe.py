"""axe-core in the real browser: WCAG 2.1 A/AA violations of a page, for any e2e test.

axe-core's script comes from the ``axe-playwright-python`` package (PyPI, a dev dependency), so
nothing is downloaded at run time. Use it from any journey::

    from tests.e2e.axe import assert_accessible
    assert_accessible(page, "the queue")

or, to look at what axe found, ``violations(page)``. Only the WCAG 2.0/2.1 A and AA rules run
(``WCAG_TAGS``); a violation counts when its impact is serious or critical (``BLOCKING``).
"""

from __future__ import annotations

import json
from typing import Any

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Page

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
BLOCKING = frozenset({"serious", "critical"})


def violations(
    page: Page,
    *,
    impacts: frozenset[str] = BLOCKING,
    include: str | None = None,
    exclude: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """axe's WCAG 2.1 A/AA violations on the page as it is now, of the given impacts.

    ``include`` is a CSS selector to limit the run to (default: the whole document); ``exclude``
    selectors are left out (e.g. a third-party widget the test does not own).
    """
    page.evaluate(AXE_SCRIPT)
    context: dict[str, Any] = {"include": [include] if include else [["html"]]}
    if exclude:
        context["exclude"] = [[s] for s in exclude]
    options = {"runOnly": {"type": "tag", "values": list(WCAG_TAGS)}, "resultTypes": ["violations"]}
    result: dict[str, Any] = page.evaluate(
        "([context, options]) => axe.run(context, options)", [context, options]
    )
    return [v for v in result["violations"] if v.get("impact") in impacts]


def describe(found: list[dict[str, Any]]) -> str:
    """One readable block per violation: rule, impact, help, and the first nodes' selectors."""
    lines = []
    for v in found:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:5]:
            target = json.dumps(node.get("target"))
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}: {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page: Page, where: str, **kwargs: Any) -> None:
    """Fail with axe's findings when the page has a serious or critical WCAG 2.1 A/AA issue."""
    found = violations(page, **kwargs)
    assert not found, f"axe-core found WCAG 2.1 A/AA violations on {where}:\n{describe(found)}"

"""ui.plain: a name is shown as typed wherever Streamlit would read it as Markdown."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "dashboard") not in sys.path:
    sys.path.insert(0, str(ROOT / "dashboard"))

import ui  # noqa: E402 - needs the path above


def _unescape(text: str) -> str:
    """What CommonMark shows for numeric character references (the inverse of ui.plain)."""
    return html.unescape(text).replace(ui.WORD_JOINER, "")


def test_every_markdown_mark_is_escaped_and_reads_back_as_typed() -> None:
    for name in [
        "![x](http://evil/x.png)",
        "**Dr** _Lee_",
        ":red[big]",
        "$x^2$",
        "<b>",
        "Dr. O'Neil",
        "www.x.com a@b.org",
    ]:
        escaped = ui.plain(name)
        assert _unescape(escaped) == name
        assert not re.search(r"[!\[\]()*_:$<`/@.]", escaped)  # no mark is left as itself


def test_urls_and_addresses_are_broken_up_so_no_autolink_can_form() -> None:
    shown = html.unescape(ui.plain("see http://evil/x www.evil.com me@evil.com"))
    assert "http://" not in shown and "www." not in shown and "e@e" not in shown
    assert shown.replace(ui.WORD_JOINER, "") == "see http://evil/x www.evil.com me@evil.com"


def test_line_breaks_cannot_start_a_heading_or_a_list() -> None:
    assert ui.plain("Dr Lee\n# Admin\n- x") == "Dr Lee &#35; Admin &#45; x"


def test_sign_in_caption_and_case_status_use_it() -> None:
    app = (ROOT / "dashboard" / "app.py").read_text()
    assert "ui.plain(actor.name)" in app
    case = (ROOT / "dashboard" / "case_ui.py").read_text()  # the case page's parts
    assert "ui.plain(item.claimed_by_name" in case

"""Downloads a spreadsheet opens: no cell may run as a formula (CSV injection)."""

from __future__ import annotations

import csv
import io
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "dashboard") not in sys.path:
    sys.path.insert(0, str(ROOT / "dashboard"))

import staff  # noqa: E402 - needs the path above

NOTE = "=cmd|' /C calc'!A0"


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize(
    "cell", [NOTE, "+1+1", "-2+3", "@SUM(A1:A2)", "\tx", "\r=1+1", '=HYPERLINK("http://e/")']
)
def test_formula_cells_are_prefixed_with_a_quote(cell: str) -> None:
    frame = pd.DataFrame({"Rule": [cell], "Cases": [-3], "Rate": [12.5]})
    header, row = _rows(staff.csv_bytes(frame))
    assert header == ["Rule", "Cases", "Rate"]
    assert row == ["'" + cell, "-3", "12.5"]  # numbers stay numbers, even negative ones


def test_plain_text_and_headers_are_left_alone() -> None:
    frame = pd.DataFrame({"=evil header": ["fever", "a-b", None]})
    header, *rows = _rows(staff.csv_bytes(frame))
    assert header == ["'=evil header"]
    assert rows == [["fever"], ["a-b"], [""]]


def test_the_trends_page_downloads_through_the_escaping_writer() -> None:
    page = (ROOT / "dashboard" / "views" / "trends.py").read_text()
    helpers = (ROOT / "dashboard" / "trends_ui.py").read_text()
    assert "staff.csv_bytes(frame)" in helpers
    assert ".to_csv(" not in page + helpers


def test_streamlits_raw_table_export_is_off() -> None:
    """st.dataframe's own CSV download (the case page's table) writes cells raw: it is hidden."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True
    dashboard = [p.read_text() for p in (ROOT / "dashboard").rglob("*.py")]
    assert not any(".to_csv(" in text for text in dashboard if "def csv_bytes" not in text)

"""Cells of published results: numbers, "63%" strings, suppression markers and blanks.

Shared by :mod:`analytics.ingest.unit_level`, :mod:`analytics.ingest.column_kinds` and
:mod:`analytics.ingest.published_shapes`, so that every shape reads a cell by the same rule: blanks and
the markers of :data:`MISSING_MARKERS` are missing, never zero; "63%" is 63; "1,234" is 1234.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.ingest.codebook import normalise_label
from analytics.ingest.raw import RawTable

#: Cells read as missing (never zero): suppression and "not available" markers of published tables.
MISSING_MARKERS = frozenset({
    "*", "**", "-", "\u2013", "\u2014", "[c]", "[x]", "[z]", "[low]", "[u]", "c", "x", "..", ".",
    "suppressed", "n/a", "na", "not available", "no data", "insufficient data", "insufficient responses",
})
#: "n<11", "< 11", "n < 5", "≤10": fewer-than markers, also missing.
_FEWER_THAN = re.compile(r"^(n\s*)?[<\u2264]\s*\d+$")

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass(frozen=True)
class _Cell:
    value: float | None
    kind: str  # "blank", "marker", "number", "bad"
    percent_sign: bool = False
    thousands: bool = False
    text: str = ""


def _is_blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _parse_cell(value: object) -> _Cell:
    """Read one cell: a number, a percentage string, a missing marker, a blank, or a bad cell."""
    if _is_blank(value):
        return _Cell(None, "blank")
    if isinstance(value, (bool, np.bool_)):
        return _Cell(None, "bad", text=str(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        if math.isnan(number):
            return _Cell(None, "blank")
        if math.isinf(number):
            return _Cell(None, "bad", text=str(value))
        return _Cell(number, "number", text=str(value))
    text = str(value).replace("\u00a0", " ").strip()
    folded = normalise_label(text) if text not in (".", "..") else text
    if folded in MISSING_MARKERS or text in MISSING_MARKERS or _FEWER_THAN.match(folded):
        return _Cell(None, "marker", text=text)
    body = text
    percent = body.endswith("%")
    if percent:
        body = body[:-1].strip()
    thousands = bool(_THOUSANDS.match(body))
    if thousands:
        body = body.replace(",", "")
    try:
        number = float(body)
    except ValueError:
        return _Cell(None, "bad", text=text)
    if not math.isfinite(number):
        return _Cell(None, "bad", text=text)
    return _Cell(number, "number", percent_sign=percent, thousands=thousands, text=text)


def _parse_column(raw: RawTable, column: str) -> list[_Cell]:
    return [_parse_cell(v) for v in raw.frame[column].tolist()]


def _label_text(value: object) -> str | None:
    """A unit or wave label as text: ``2024.0`` -> ``"2024"``; blanks -> None."""
    if _is_blank(value):
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return str(value).strip()


def _rows(raw: RawTable) -> list[int]:
    return [int(r) for r in raw.frame.index]

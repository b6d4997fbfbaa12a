"""Writing tables for people to open in a spreadsheet, safely.

Spreadsheet formula injection: a cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return may be run as a formula by Excel or LibreOffice when a CSV is opened (OWASP "CSV
Injection"). Every text cell that begins so is prefixed with a single quote, which spreadsheets show as
text. Numbers are left alone (a negative number is a number, not a formula).

Characters XML 1.0 does not allow (the C0 control characters other than tab, line feed and carriage
return, e.g. ESC, which a workbook may carry escaped as ``_x001B_``) cannot be written to an XLSX file, and
are invisible in a CSV: every text cell loses them before it is written.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analytics.errors import InputError

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Characters an XLSX cell cannot hold (XML 1.0): C0 controls except tab, line feed, carriage return.
ILLEGAL_XML_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise_cell(value: object) -> object:
    """Prefix a text cell that a spreadsheet could read as a formula with ``'``, and drop the characters an
    XLSX cell cannot hold (:data:`ILLEGAL_XML_CHARACTERS`).

    >>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_cell(-3.5)
    -3.5
    """
    if not isinstance(value, str):
        return value
    value = ILLEGAL_XML_CHARACTERS.sub("", value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot run as spreadsheet formulas."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(neutralise_cell, na_action="ignore")
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as CSV bytes (UTF-8 with BOM, no index), neutralised: what a download button serves.

    Lines end with CRLF (RFC 4180), so the CSV writer also quotes any cell holding a lone carriage
    return, which would otherwise split the row in a spreadsheet.
    """
    return neutralise_formulas(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def write_table(frame: pd.DataFrame, path: str | Path, *, sheet_name: str = "Results") -> Path:
    """Write ``frame`` to ``.csv`` (UTF-8 with BOM, so Excel shows accents) or ``.xlsx``, neutralised."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError("The output file must end in .csv or .xlsx.", file=path.name)
    if not path.parent.exists():
        raise InputError("The folder for the output file does not exist.", file=str(path))
    safe = neutralise_formulas(frame)
    if suffix == ".csv":
        path.write_bytes(csv_bytes(frame))
    else:
        safe.to_excel(path, index=False, sheet_name=sheet_name, engine="openpyxl")
    return path

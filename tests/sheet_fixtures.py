"""A small workbook with a cover sheet and two response sheets holding different teams, for the tests of
choosing a workbook's sheet (analytics.dataset and the Data page).

Fictional and deterministic; the bytes are cached because a workbook's bytes hold the time it was saved.
"""

from __future__ import annotations

import io
from functools import lru_cache

import openpyxl

#: Sheet name -> (directorate, teams, respondents per team). "Acute" holds more responses, so it is the
#: sheet chosen automatically; "Community" must be asked for.
RESPONSE_SHEETS = {
    "Acute": ("Medicine", ("Ward A", "Ward B"), 13),
    "Community": ("Community services", ("District North", "District South"), 12),
}
COVER_SHEET = "Read me"
QUESTION_CODES = ("Q9F", "Q9G", "Q9H", "Q9I")


@lru_cache(maxsize=2)
def two_response_sheets_xlsx() -> bytes:
    """Sheets: "Read me" (text only), "Acute" (26 responses), "Community" (24 responses); headers Team,
    Directorate and the question codes Q9F–Q9I, answers 1–5."""
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = COVER_SHEET
    cover.append(["Staff survey 2025: responses by service"])
    cover.append(["The responses are on the following sheets."])
    for name, (directorate, teams, per_team) in RESPONSE_SHEETS.items():
        sheet = book.create_sheet(name)
        sheet.append(["Team", "Directorate", *QUESTION_CODES])
        for t, team in enumerate(teams):
            for r in range(per_team):
                sheet.append([team, directorate, *[1 + (r + t + q) % 5 for q in range(len(QUESTION_CODES))]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

"""Small survey files for the Data page and dataset tests: a CSV headed by question codes and a workbook
headed by question text, in two different shapes (as two survey years' exports often are).

Every file is fictional and deterministic; they are kept small so that tests run in seconds.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
import openpyxl

AGREEMENT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
#: Question code -> wording (NHS Staff Survey 2024/2025) of the questions the small files hold.
QUESTIONS = {
    "q9f": "My immediate manager works together with me to come to an understanding of problems.",
    "q9g": "My immediate manager is interested in listening to me when I describe challenges I face.",
    "q9h": "My immediate manager cares about my concerns.",
    "q9i": "My immediate manager takes effective action to help me with any problems I face.",
    "q26a": "I often think about leaving this organisation.",
}
#: Teams (directorate, team) of the small files; 12 respondents each.
TEAMS = (("Medicine", "Ward A"), ("Medicine", "Ward B"), ("Surgery", "Theatres"), ("Surgery", "Day Unit"))
RESPONDENTS_PER_TEAM = 12
LOCAL_QUESTIONS = ("Pulse: I feel safe to speak up", "Pulse: I have time to reflect")


def _answers(seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for t, (directorate, team) in enumerate(TEAMS):
        for _ in range(RESPONDENTS_PER_TEAM):
            base = 1 + t % 3 + int(rng.integers(0, 2))
            row = {"directorate": directorate, "team": team, "site": "Main site" if t < 2 else "North site"}
            for code in QUESTIONS:
                row[code] = int(np.clip(base + rng.integers(-1, 2), 1, 5))
            for local in LOCAL_QUESTIONS:
                row[local] = int(np.clip(base + rng.integers(-1, 2), 1, 5))
            rows.append(row)
    return rows


def codes_csv(seed: int = 1) -> bytes:
    """A CSV headed by question codes ("Q9f"), numeric answers 1-5. Its team is in "Squad", which is not
    recognised; "Location" (a site) is taken for the team instead, so the user must correct it."""
    header = ["Respondent", "Directorate", "Location", "Squad", *[c.upper() for c in QUESTIONS], *LOCAL_QUESTIONS]
    lines = [",".join(header)]
    for i, row in enumerate(_answers(seed), start=1):
        cells = [str(1000 + i), row["directorate"], row["site"], row["team"],
                 *[str(row[c]) for c in QUESTIONS], *[str(row[q]) for q in LOCAL_QUESTIONS]]
        lines.append(",".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


@lru_cache(maxsize=4)
def question_text_xlsx(seed: int = 2) -> bytes:
    """A workbook headed by question text with a matrix stem, text answers, "Division" and "Ward"
    columns, and the local questions under shorter headers than in :func:`codes_csv`.

    Cached: a workbook's bytes hold the time it was saved, and tests need the same bytes each time."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Responses"
    stem = "To what extent do you agree or disagree with the following statements?"
    header = ["Division", "Ward", *[f"{stem} - {w}" for w in QUESTIONS.values()], "Speak up", "Time to reflect"]
    sheet.append(header)
    for row in _answers(seed):
        sheet.append([row["directorate"], row["team"], *[AGREEMENT[row[c] - 1] for c in QUESTIONS],
                      *[AGREEMENT[row[q] - 1] for q in LOCAL_QUESTIONS]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def not_a_spreadsheet() -> bytes:
    """Bytes no reader accepts as a table (a PNG signature followed by binary noise)."""
    return b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

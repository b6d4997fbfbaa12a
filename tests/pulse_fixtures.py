"""A Qualtrics-style local pulse survey export (three header rows, a Department column, four agreement
questions of its own answered with "Neutral"), with its hand-computed scores.

Rows: Department A, 12 respondents, each answering Agree / Neutral / Strongly agree / Agree
(7.5, 5, 10, 7.5: mean 7.5). Department B, 12 respondents: the first answers Don't know / Strongly agree /
Disagree / Agree ((10 + 2.5 + 7.5) / 3 = 6.6667, "Don't know" missing), the other 11 Neutral / Neutral /
Disagree / Agree ((5 + 5 + 2.5 + 7.5) / 4 = 5.0).
"""

from __future__ import annotations

import csv
import io
import json

QUESTIONS = {
    "Q1": "I feel valued for the work I do.",
    "Q2": "My manager supports me when I am under pressure.",
    "Q3": "I have the equipment I need to do my job well.",
    "Q4": "I would recommend my team as a place to work.",
}
#: Hand-computed pulse scores (mean of respondent means; Neutral = 5.0, Don't know missing).
DEPT_A_SCORE = 7.5
DEPT_B_SCORE = (11 * 5.0 + (10 + 2.5 + 7.5) / 3) / 12          # 5.138889
ORGANISATION_SCORE = (12 * 7.5 + 11 * 5.0 + (10 + 2.5 + 7.5) / 3) / 24  # 6.319444
#: What the organisation score would be if "Neutral" were dropped as missing (the bug): A respondents
#: (7.5 + 10 + 7.5) / 3, B respondents (2.5 + 7.5) / 2 and the first (10 + 2.5 + 7.5) / 3.
SCORE_WITHOUT_NEUTRAL = (12 * 25 / 3 + 11 * 5.0 + 20 / 3) / 24


def pulse_rows() -> list[list[str]]:
    rows = []
    for i in range(12):
        rows.append([f"2025-03-{i + 1:02d} 09:00:00", f"R_A{i:02d}", "Department A",
                     "Agree", "Neutral", "Strongly agree", "Agree"])
    rows.append(["2025-03-14 09:00:00", "R_B00", "Department B", "Don't know", "Strongly agree", "Disagree", "Agree"])
    for i in range(1, 12):
        rows.append([f"2025-03-{i + 1:02d} 10:00:00", f"R_B{i:02d}", "Department B",
                     "Neutral", "Neutral", "Disagree", "Agree"])
    return rows


def pulse_csv() -> bytes:
    """The export as Qualtrics writes it: identifiers, question texts, ImportId JSON, then the answers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["StartDate", "ResponseId", "Department", *QUESTIONS])
    writer.writerow(["Start Date", "Response ID", "Which department do you work in?", *QUESTIONS.values()])
    writer.writerow([json.dumps({"ImportId": i}) for i in ("startDate", "_recordId", "QID7", "QID1", "QID2",
                                                          "QID3", "QID4")])
    writer.writerows(pulse_rows())
    return out.getvalue().encode("utf-8")

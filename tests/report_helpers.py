"""Small survey and HR files for the report, scorecard and export tests.

Every respondent gives the same numeric code (1-5) to every question, so each measure's respondent score
is known by hand: ``(code - 1) / 4 * 10`` for positively worded questions and ``(5 - code) / 4 * 10`` for
the reverse-keyed ones (q5a, q5c, q26a-c). Codes 4 and 5 are the two favourable options of a positive
question, so % positive is the share of codes >= 4.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analytics.ingest.codebook import load_codebook
from analytics.dataset import DatasetSpec, FilePayload

_BOOK = load_codebook()
# 5-point questions only: every question of a row gets the same code 1..5 (a yes/no question would refuse 3-5).
ITEMS = tuple(c for c, item in _BOOK.items.items() if _BOOK.scales[item.scale].n_options == 5)


def survey_csv(teams: Mapping[str, tuple[str, Sequence[int]]], wave: str) -> bytes:
    """A respondent-level CSV: ``{team: (directorate, codes)}``, one row per code, every question = code."""
    header = ["Survey year", "Directorate", "Team", *[code.upper() for code in ITEMS]]
    rows = [",".join(header)]
    for team, (directorate, codes) in teams.items():
        for code in codes:
            rows.append(",".join([wave, _quote(directorate), _quote(team), *[str(int(code))] * len(ITEMS)]))
    return ("\n".join(rows) + "\n").encode("utf-8")


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def team_month_csv(teams: Mapping[str, tuple[str, int, int, float, float]],
                   months: Sequence[str]) -> bytes:
    """Team-month HR figures: ``{team: (directorate, staff_in_post, leavers_per_month, fte_days_lost,
    fte_days_available)}`` repeated for every month ``YYYY-MM``."""
    rows = ["Month,Directorate,Team,Staff in post,Leavers,FTE days lost,FTE days available"]
    for month in months:
        for team, (directorate, staff, leavers, lost, available) in teams.items():
            rows.append(f"{month},{_quote(directorate)},{_quote(team)},{staff},{leavers},{lost},{available}")
    return ("\n".join(rows) + "\n").encode("utf-8")


def random_teams(rng: np.random.Generator, *, n_directorates: int, teams_per_directorate: int,
                 max_size: int, prefix: str = "") -> dict[str, tuple[str, list[int]]]:
    """Random team sizes (many small) and random codes 1-5 for each respondent."""
    teams: dict[str, tuple[str, list[int]]] = {}
    for d in range(n_directorates):
        for t in range(teams_per_directorate):
            size = int(rng.integers(1, max_size + 1))
            teams[f"{prefix}Team {d}.{t}"] = (f"Directorate {d}", rng.integers(1, 6, size=size).tolist())
    return teams


def spec_from(surveys: Sequence[tuple[str, bytes]], hr: tuple[str, bytes] | None = None,
              label: str = "Test trust") -> DatasetSpec:
    return DatasetSpec(label=label, survey_files=tuple(FilePayload(name, content) for name, content in surveys),
                       staff_file=FilePayload(*hr) if hr else None)


def hand_score(codes: Sequence[int], reverse: bool = False) -> float:
    """Mean respondent score of a group answering every question with ``codes``."""
    values = [((5 - c) if reverse else (c - 1)) / 4 * 10 for c in codes]
    return float(np.mean(values))


def cell_texts(frame: pd.DataFrame) -> set[str]:
    return {v for v in frame.to_numpy().ravel().tolist() if isinstance(v, str)}


def html_table(document: str, ref: str) -> list[list[str]]:
    """The cells (text) of the table block ``ref`` ("Table 1") of a rendered board pack, header row first."""
    import html as html_lib
    import re

    anchor = ref.lower().replace(" ", "-")
    start = document.index(f'id="{anchor}"')
    end = document.index("</table>", start)
    rows = re.findall(r"<tr>(.*?)</tr>", document[start:end], flags=re.S)
    cells = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S) for row in rows]
    return [[html_lib.unescape(re.sub(r"<br>", " ", re.sub(r"<(?!br>)[^>]+>", "", c))).strip() for c in row]
            for row in cells]


def without_plotly_bundle(document: str) -> str:
    """The document with the inlined Plotly library removed (its code holds URL strings of its own)."""
    from render.pack import plotly_js

    bundle = plotly_js()
    assert document.count(bundle) == 1, "the Plotly library must be inlined exactly once"
    return document.replace(bundle, "")


def staff_csv(teams: Mapping[str, tuple[str, int]], *, doctors_in_training: Mapping[str, int] | None = None) -> bytes:
    """An ESR-style employee-level staff file: ``{team: (directorate, permanent staff)}`` in post since 2015,
    plus per team one leaver on 15/01/2023 and one starter on 31/12/2025 (so the extract covers 2023-2025);
    ``doctors_in_training`` adds rotating Foundation Year 1 doctors to a team (in post Aug 2024 to Aug 2025)."""
    rows = ["Employee Number,Directorate,Organisation,Staff Group,Job Role,Assignment Start Date,"
            "Termination Date,FTE"]
    number = 1000
    for team, (directorate, size) in teams.items():
        for _ in range(size):
            number += 1
            rows.append(f"{number},{_quote(directorate)},{_quote(team)},Nursing and Midwifery Registered,Staff Nurse,"
                        "01/04/2015,,1.00")
        for start, end in (("01/04/2015", "15/01/2023"), ("31/12/2025", "")):
            number += 1
            rows.append(f"{number},{_quote(directorate)},{_quote(team)},Nursing and Midwifery Registered,Staff Nurse,"
                        f"{start},{end},1.00")
    for team, count in (doctors_in_training or {}).items():
        directorate = teams[team][0]
        for _ in range(count):
            number += 1
            rows.append(f"{number},{_quote(directorate)},{_quote(team)},Medical and Dental,Foundation Year 1,"
                        "07/08/2024,05/08/2025,1.00")
    return ("\n".join(rows) + "\n").encode("utf-8")

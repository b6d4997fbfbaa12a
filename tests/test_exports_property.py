"""Property: random trusts with random anonymity thresholds never put a unit with n < k into any export.

Random respondent-level surveys (one or two waves; many small teams), random k from 5 to 30, and team-month
HR figures for every team. For each: the scorecards (frames, the XLSX read back with openpyxl, and the CSV
of every sheet) show a unit with fewer than k responses only with the text "fewer than k responses"; the
board pack (its content model and the rendered HTML) never names such a unit at all; and no export holds a
respondent-level row (every data row is a unit).
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from openpyxl import load_workbook

from analytics import settings
from analytics.dataset import load_dataset
from analytics.report.pack import Table, build_board_pack, data_sources_table
from analytics.report.scorecards import LEVEL_SHEETS, QUESTIONS_SHEET, build_scorecards
from tests.report_helpers import spec_from, survey_csv, team_month_csv, without_plotly_bundle
from render.pack import render_html

MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024, 2025) for m in range(1, 13)]


@st.composite
def trusts(draw):
    """(k, waves) where waves maps wave -> {team: (directorate, codes)}; team names never prefix one another."""
    k = draw(st.integers(settings.MIN_GROUP_SIZE_FLOOR, 30))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    layout = [(f"Directorate {d}", [f"Team {d}.{t}" for t in range(draw(st.integers(1, 5)))])
              for d in range(draw(st.integers(1, 3)))]
    waves = {}
    for wave in draw(st.sampled_from([["2025"], ["2024", "2025"]])):
        teams = {}
        for directorate, names in layout:
            for name in names:
                size = draw(st.one_of(st.integers(1, 6), st.integers(1, 45)))
                teams[name] = (directorate, rng.integers(1, 6, size=size).tolist())
        waves[wave] = teams
    return k, waves


def true_counts(waves) -> dict[tuple[str, str], int]:
    """Respondents per (wave, unit) at every level, by counting rows."""
    counts: dict[tuple[str, str], int] = {}
    for wave, teams in waves.items():
        for team, (directorate, codes) in teams.items():
            counts[(wave, team)] = len(codes)
            counts[(wave, directorate)] = counts.get((wave, directorate), 0) + len(codes)
            counts[(wave, settings.ORGANISATION_UNIT)] = counts.get((wave, settings.ORGANISATION_UNIT), 0) + len(codes)
    return counts


def check_scorecard_rows(rows: list[list[object]], header: list[str], counts, k: int, sheet: str) -> None:
    """Every row is a unit; a unit below k has every survey figure empty and the suppression text in every
    status column; shown counts are the true n. (HR columns follow the HR rule, checked in test_scorecards_people.)"""
    text = settings.SUPPRESSED_LABEL.format(k=k)
    unit_col = 3 if sheet == QUESTIONS_SHEET else len([h for h in header[:3] if not str(h).endswith(
        (": score", "% positive", "responses")) and not str(h).startswith("HR")]) - 1
    wave_col = 1 if sheet == QUESTIONS_SHEET else 0
    first_value = 4 if sheet == QUESTIONS_SHEET else unit_col + 1
    survey_cols = [i for i, h in enumerate(header) if i >= first_value and not str(h).startswith("HR")]

    def empty(value: object) -> bool:
        return value == "" if isinstance(value, str) else bool(pd.isna(value))

    for row in rows:
        unit, wave = str(row[unit_col]).lstrip("'"), str(row[wave_col])
        assert (wave, unit) in counts, (sheet, wave, unit)  # a unit, never a respondent
        n = counts[(wave, unit)]
        for i in survey_cols:
            name, value = str(header[i]), row[i]
            if name.endswith("status"):
                assert n >= k or value == text, (sheet, unit, name, value, n, k)
            elif n < k:
                assert empty(value), (sheet, unit, name, value, n, k)
            if name.endswith("responses") and not empty(value):
                assert float(value) == n >= k, (sheet, unit, name, value, n)


def check_pack(pack, document: str, waves, counts, k: int) -> None:
    wave = pack.wave
    small_now = {unit for (w, unit), n in counts.items() if w == wave and n < k}
    small_any = {unit for (w, unit), n in counts.items() if n < k}
    for table in pack.tables():
        for column in ("unit", "parent", "label", "file", "measure_label"):
            if column in table.frame.columns:
                named = set(table.frame[column].dropna().astype(str))
                banned = small_any if "fell" in table.title or "falls" in table.title else small_now
                assert not named & banned, (table.ref, column, named & banned)
    for figure in pack.figures():
        for column in figure.data.columns:
            if figure.data[column].dtype == object or pd.api.types.is_string_dtype(figure.data[column]):
                assert not set(figure.data[column].dropna().astype(str)) & small_now, figure.ref
    texts = " ".join(pack.texts())
    body = without_plotly_bundle(document)
    for unit in small_now - {settings.ORGANISATION_UNIT}:
        pattern = re.escape(unit) + r"(?![0-9])"
        assert not re.search(pattern, texts), unit
        assert not re.search(pattern, body), unit
    respondents = data_sources_table_counts(pack)
    assert all(n >= k for n in respondents), respondents


def data_sources_table_counts(pack) -> list[int]:
    table = next(b for b in pack.section("sources").blocks if isinstance(b, Table))
    return [int(m.group(1).replace(",", "")) for m in
            (re.match(r"([\d,]+) respondents", str(v)) for v in table.frame["rows"]) if m]


@hypothesis_settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trusts())
def test_no_export_holds_a_unit_below_the_threshold(trust):
    k, waves = trust
    hr_teams = {team: (directorate, 20, 1, 3.0, 600.0)
                for teams in waves.values() for team, (directorate, _) in teams.items()}
    spec = spec_from([(f"survey_{w}.csv", survey_csv(teams, w)) for w, teams in waves.items()],
                     hr=("hr_team_month.csv", team_month_csv(hr_teams, MONTHS)))
    dataset = load_dataset(spec, min_group_size=k)
    counts = true_counts(waves)

    cards = build_scorecards(dataset.survey, sources=data_sources_table(dataset))
    book = load_workbook(io.BytesIO(cards.to_xlsx()))
    for sheet, frame in cards.sheets.items():
        header = [str(c) for c in frame.columns]
        check_scorecard_rows(frame.values.tolist(), header, counts, k, sheet)
        xlsx_rows = [list(r) for r in book[sheet].iter_rows(values_only=True)]
        check_scorecard_rows(xlsx_rows[1:], [str(c) for c in xlsx_rows[0]], counts, k, sheet)
        csv_rows = list(csv.reader(io.StringIO(cards.to_csv(sheet).decode("utf-8-sig"), newline="")))
        check_scorecard_rows(csv_rows[1:], csv_rows[0], counts, k, sheet)
    assert set(cards.sheets) >= set(LEVEL_SHEETS.values())

    pack = build_board_pack(dataset)
    check_pack(pack, render_html(pack), waves, counts, k)

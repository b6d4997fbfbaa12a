"""One source per fact (issue 14): on the sample trust, the Board and Relationships pages' data functions, the
board pack content (analytics.report) and the command line give the same number for each headline figure and
adjusted p-value; the adjusted p is checked against scipy, and the RAG rule against hand arithmetic."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats as sps

from analytics import board, relate
from analytics.dataset import SAMPLE_DIR, load_dataset, sample_spec
from analytics.format import format_change, format_delta, format_score
from analytics.rag import RAG_AMBER, RAG_GREEN, RAG_RED, rag_rating
from analytics.report.pack import Table, build_board_pack
from cli import main

WAVE = "2025"
TOL = 1e-9


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(sample_spec())


@pytest.fixture(scope="module")
def pack(dataset):
    return build_board_pack(dataset, wave=WAVE)


def _table(pack, section: str, title_start: str) -> pd.DataFrame:
    for s in pack.sections:
        if s.key == section:
            for block in s.blocks:
                if isinstance(block, Table) and block.title.startswith(title_start):
                    return block.frame
    raise AssertionError(f"no table '{title_start}' in section {section}")


def _cell(frame: pd.DataFrame, x: str, y: str, column: str):
    rows = frame[(frame["x"] == x) & (frame["y"] == y) & (frame["group"].isna() | (frame["group"] == ""))]
    assert len(rows) == 1
    return rows.iloc[0][column]


@pytest.fixture(scope="module")
def cli_rows(tmp_path_factory):
    out = tmp_path_factory.mktemp("relate") / "relate.csv"
    d = SAMPLE_DIR
    code = main(["relate", "--survey", str(d / "survey_2023.csv"), str(d / "survey_2024.xlsx"),
                 str(d / "survey_2025.csv"), "--hr", str(d / "hr_staff_esr.csv"), "--absence",
                 str(d / "hr_absence_esr.csv"), "--wave", WAVE, "--exclude-doctors-in-training", "--out", str(out)])
    assert code == 0
    return pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False, na_values=[""])


def test_headline_pair_matrix_pack_and_cli_quote_one_adjusted_p(dataset, pack, cli_rows):
    x, y = "compassionate_leadership", "leaver_rate"
    # The Relationships page: the chosen pair (the headline) and the matrix, as its data functions ask.
    pair = relate.relate_survey_hr(dataset.survey, dataset.hr, waves=[WAVE], measures=[x], outcomes=[y])
    matrix = relate.relate_survey_hr(dataset.survey, dataset.hr, waves=[WAVE], measures=list(relate.DEFAULT_MEASURES),
                                     count_models=False)
    # Expected from scipy: BH over the wave's family (every default measure x every HR outcome, same teams).
    units = matrix.units
    measures = [m for m in relate.DEFAULT_MEASURES if m in units.columns]
    outcomes = list(relate.HR_OUTCOMES)
    pvalues = []
    for m in measures:
        for o in outcomes:
            both = units[[m, o]].apply(pd.to_numeric, errors="coerce").dropna()
            pvalues.append(sps.pearsonr(both[m], both[o]).pvalue)
    expected = sps.false_discovery_control(pvalues, method="bh")[measures.index(x) * len(outcomes) + outcomes.index(y)]
    headline = _cell(pair.table, x, y, "p_adj")
    in_matrix = _cell(matrix.table, x, y, "p_adj")
    in_pack = _cell(_table(pack, "methods", "Relationships with staff outcomes: the statistics"), x, y, "p_adj")
    in_cli = _cell(cli_rows, x, y, "p_adj")
    assert headline == pytest.approx(expected, abs=TOL)
    assert in_matrix == pytest.approx(expected, abs=TOL)
    assert in_pack == pytest.approx(expected, abs=TOL)
    assert in_cli == pytest.approx(expected, abs=1e-6)
    # The unadjusted p and r agree too, and every source states the same family beside the figure.
    for frame in (pair.table, matrix.table, _table(pack, "methods", "Relationships with staff outcomes: the statistics"), cli_rows):
        assert _cell(frame, x, y, "p") == pytest.approx(_cell(matrix.table, x, y, "p"), abs=1e-6)
        assert _cell(frame, x, y, "p_adj_family") == (
            f"Benjamini–Hochberg across the {len(pvalues)} associations of {len(measures)} survey measures with "
            f"{len(outcomes)} HR outcomes between teams (wave {WAVE})")


def test_pack_states_the_family_beside_its_adjusted_p(pack):
    captions = [block.caption for s in pack.sections for block in s.blocks
                if isinstance(block, Table) and block.title.startswith("Relationships with staff outcomes")]
    assert len(captions) == 1
    # 6 default measures x 3 HR outcomes on the sample trust = 18 tests in the wave's family.
    assert f"Benjamini–Hochberg across the 18 associations of 6 survey measures with 3 HR outcomes between teams " \
           f"(wave {WAVE})" in captions[0]


def test_a_stratified_or_adjusted_row_is_its_own_family(dataset):
    x, y = "compassionate_leadership", "leaver_rate"
    weighted = relate.relate_survey_hr(dataset.survey, dataset.hr, waves=[WAVE], measures=[x], outcomes=[y],
                                       weights=relate.WEIGHT_RESPONSES)
    row = weighted.table.iloc[0]
    assert row["p_adj"] == pytest.approx(row["p"], abs=TOL)          # a family of one test
    assert "1 rows of this analysis" in row["p_adj_family"]


def test_board_headlines_equal_the_pack_headlines(dataset, pack):
    report = board.board_report(dataset.survey, dataset.hr, wave=WAVE)
    page = report.headline.set_index("measure")
    in_pack = _table(pack, "headlines", "Headline measures").set_index("measure")
    for measure in page.index:
        if pd.isna(page.loc[measure, "value"]):
            continue
        assert in_pack.loc[measure, "value"] == pytest.approx(page.loc[measure, "value"], abs=TOL), measure
        if "p" in page.columns and pd.notna(page.loc[measure, "p"]):
            assert in_pack.loc[measure, "p"] == pytest.approx(page.loc[measure, "p"], abs=TOL), measure


def test_one_hr_window_for_the_wave_headlines_exceptions_and_relationships(dataset, pack):
    report = board.board_report(dataset.survey, dataset.hr, wave=WAVE)
    windows = board.hr_windows(dataset.hr, WAVE)
    # The sample HR data end in December 2025: the 2025 concurrent window (Apr 2025 to Mar 2026) is cut to 9 months.
    assert windows.current == (pd.Timestamp("2025-04-01"), pd.Timestamp("2025-12-31"))
    assert windows.window.months == 9
    assert (report.exceptions.window_start, report.exceptions.window_end) == windows.current
    pair = relate.relate_survey_hr(dataset.survey, dataset.hr, waves=[WAVE], measures=["morale"],
                                   outcomes=["sickness_rate"])
    assert pair.windows[WAVE] == windows.current
    low = _table(pack, "exceptions", "Low compassionate leadership")
    if len(low):
        assert set(pd.to_datetime(low["window_start"])) == {windows.current[0]}
        assert set(pd.to_datetime(low["window_end"])) == {windows.current[1]}


@pytest.mark.parametrize("value, expected", [
    (5.52, RAG_RED),      # shown as 5.5; red at 5.5 or below
    (5.56, RAG_AMBER),    # shown as 5.6
    (6.46, RAG_GREEN),    # shown as 6.5; green at 6.5 or above (the full value, 6.46, would be Amber)
])
def test_rag_is_judged_on_the_value_as_shown(value, expected):
    shown = float(format_score(value))
    hand = RAG_GREEN if shown >= 6.5 else RAG_RED if shown <= 5.5 else RAG_AMBER
    assert rag_rating(value, green_at=6.5, red_at=5.5) == hand == expected


def test_a_change_that_rounds_to_zero_reads_no_change():
    assert format_delta(0.04) == "no change" and format_delta(-0.049) == "no change"
    assert format_delta(0.06) == "+0.1" and format_delta(-1.25, 1, " pp") == "−1.2 pp"
    assert format_change(0.04, False) == "– no change"
    assert format_change(0.36, True) == "▲ +0.4 (significant)"


def test_the_headline_hr_period_names_the_cut_window(dataset):
    report = board.board_report(dataset.survey, dataset.hr, wave=WAVE)
    # Apr 2025 to Dec 2025 is 9 whole months (the sample HR data end in December 2025).
    assert board.headline_hr_period(report.headline) == "Apr 2025 to Dec 2025, 9 months"

"""Board pack: content model (analytics.report.pack), self-contained A4 HTML and PDF (render.pack), and the
download helpers (ui.downloads).

Expected figures are hand arithmetic on a small trust (every respondent gives one code to every question,
so a respondent's score is (code - 1) / 4 * 10), scipy for the Welch test, and the analytics functions the
pack is built from for what the pack must show unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics import board
from analytics.dataset import load_dataset
from analytics.errors import InputError
from analytics.report.pack import SECTION_TITLES, BoardPack, Bullets, Column, Figure, Table, Text, build_board_pack, \
    data_sources_table
from tests.report_helpers import hand_score, html_table, spec_from, survey_csv, team_month_csv, \
    without_plotly_bundle
from analytics import format as fmt
from analytics.hr import HRExclusions
from render import pack as pack_render
from render.pack import format_kind, render_html, render_pdf

K = 5
GENERATED = dt.datetime(2025, 11, 3, 9, 30)
_rng = np.random.default_rng(20251103)
# Ten teams of 12-18 respondents in two directorates, and one team of 2 in Surgery: it is suppressed, and
# Surgery's smallest other team is hidden with it (complementary suppression).
SIZES = {"Ward A1": 12, "Ward A2": 14, "Ward A3": 16, "Ward A4": 13, "Ward A5": 18,
         "Clinic B1": 15, "Clinic B2": 17, "Clinic B3": 12, "Clinic B4": 14, "Clinic B5": 16}
TINY = "Tiny Team"


def _teams(wave_shift: int) -> dict[str, tuple[str, list[int]]]:
    teams = {}
    for index, (team, size) in enumerate(SIZES.items()):
        centre = 2 + (index % 4) + wave_shift * 0.3
        codes = np.clip(np.round(_rng.normal(centre, 0.9, size)), 1, 5).astype(int).tolist()
        teams[team] = ("Medicine" if team.startswith("Ward") else "Surgery", codes)
    teams[TINY] = ("Surgery", [5, 5])
    return teams


TEAMS = {"2024": _teams(0), "2025": _teams(1)}
#: Leavers per month by team (constant), for hand arithmetic of the leaver rate; 20 staff in post each.
LEAVERS_PER_MONTH = {team: i % 3 for i, team in enumerate([*SIZES, TINY])}
HR_TEAMS = {team: ("Medicine" if team.startswith("Ward") else "Surgery", 20, LEAVERS_PER_MONTH[team],
                   1.0 + i, 600.0) for i, team in enumerate([*SIZES, TINY])}
MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024, 2025) for m in range(1, 13)]


@pytest.fixture(scope="module")
def dataset():
    spec = spec_from([("survey_2024.csv", survey_csv(TEAMS["2024"], "2024")),
                      ("survey_2025.csv", survey_csv(TEAMS["2025"], "2025"))],
                     hr=("hr_team_month.csv", team_month_csv(HR_TEAMS, MONTHS)))
    return load_dataset(spec, min_group_size=K)


@pytest.fixture(scope="module")
def pack(dataset) -> BoardPack:
    return build_board_pack(dataset, generated_at=GENERATED)


@pytest.fixture(scope="module")
def document(pack) -> str:
    return render_html(pack)


def _all_codes(wave: str) -> list[int]:
    return [c for _, codes in TEAMS[wave].values() for c in codes]


# --- content model ---------------------------------------------------------------------------------------
def test_sections_in_order(pack):
    assert [s.key for s in pack.sections] == list(SECTION_TITLES)
    assert pack.wave == "2025" and pack.previous_wave == "2024" and pack.min_group_size == K


def test_headline_table_is_the_board_analytics_unchanged(pack, dataset):
    expected = board.headline_measures(dataset.survey, dataset.hr, wave="2025",
                                       hr_description=dataset.hr_exclusions)
    table = pack.tables()[0]
    assert table.ref == "Table 1"
    pd.testing.assert_frame_equal(table.frame, expected.reset_index(drop=True))


def test_headline_survey_score_by_hand(pack):
    frame = pack.tables()[0].frame.set_index("measure")
    assert frame.loc["compassionate_leadership", "value"] == pytest.approx(hand_score(_all_codes("2025")))
    assert frame.loc["compassionate_leadership", "previous"] == pytest.approx(hand_score(_all_codes("2024")))
    now = [(c - 1) / 4 * 10 for c in _all_codes("2025")]
    before = [(c - 1) / 4 * 10 for c in _all_codes("2024")]
    assert frame.loc["compassionate_leadership", "p"] == pytest.approx(
        stats.ttest_ind(now, before, equal_var=False).pvalue)


def test_headline_leaver_and_sickness_rates_by_hand(pack):
    frame = pack.tables()[0].frame.set_index("measure")
    teams = len(HR_TEAMS)
    leavers = 12 * sum(LEAVERS_PER_MONTH.values())
    assert frame.loc["leaver_rate", "value"] == pytest.approx(100 * leavers / ((20 * teams + 20 * teams) / 2))
    lost = 12 * sum(spec[3] for spec in HR_TEAMS.values())
    assert frame.loc["sickness_rate", "value"] == pytest.approx(100 * lost / (12 * 600.0 * teams))


def test_every_statement_cites_a_table_of_the_pack(pack):
    refs = {t.ref for t in pack.tables()}
    bullets = next(b for b in pack.section("statements").blocks if isinstance(b, Bullets))
    assert len(bullets.items) == len(bullets.refs) > 5
    for source in bullets.refs:
        tables = re.findall(r"Table \d+", source)
        assert set(tables) <= refs
    assert any("H1 in Table 1" in source for source in bullets.refs)


def test_suppressed_units_are_in_no_table_or_figure(pack, dataset):
    hidden = dataset.survey.unit_scores
    hidden_teams = set(hidden.loc[hidden["suppressed"] & (hidden["level"] == "team"), "unit"])
    assert TINY in hidden_teams and len(hidden_teams) >= 2  # the tiny team and its complement
    for block in [*pack.tables(), *pack.figures()]:
        frame = block.frame if isinstance(block, Table) else block.data
        for column in frame.columns:
            if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                assert not set(frame[column].dropna().astype(str)) & hidden_teams, (block.ref, column)
    assert not any(team in text for text in pack.texts() for team in hidden_teams)


def test_anonymity_and_sources_sections(pack, dataset):
    anonymity = pack.section("anonymity")
    assert f"Anonymity threshold used: {K} responses" in anonymity.blocks[0].text
    counts = next(b for b in anonymity.blocks if isinstance(b, Table)).frame.set_index("level")
    assert counts.loc["Team", "units"] == len(SIZES) + 1
    assert counts.loc["Team", "hidden"] == 2
    sources = data_sources_table(dataset)
    assert sources["file"].tolist() == ["survey_2024.csv", "survey_2025.csv", "hr_team_month.csv"]
    assert sources.loc[1, "rows"] == f"{len(_all_codes('2025'))} respondents"
    assert sources.loc[2, "covers"] == "01 Jan 2023 to 31 Dec 2025"


def test_small_survey_file_count_is_not_shown():
    spec = spec_from([("survey_2025.csv", survey_csv({"Only team": ("D", [3, 4, 5])}, "2025"))])
    small = load_dataset(spec, min_group_size=K)
    assert data_sources_table(small).loc[0, "rows"] == "fewer than 5 responses"
    pack = build_board_pack(small, generated_at=GENERATED)
    headline = pack.tables()[0].frame
    assert headline.loc[headline["measure"] == "compassionate_leadership", "value"].isna().all()
    assert "Only team" not in without_plotly_bundle(render_html(pack))


def test_pack_without_hr_says_so(dataset):
    survey_only = load_dataset(spec_from([("survey_2025.csv", survey_csv(TEAMS["2025"], "2025"))]), min_group_size=K)
    pack = build_board_pack(survey_only, generated_at=GENERATED)
    texts = " ".join(pack.texts())
    assert "No HR data was supplied" in texts
    assert pack.previous_wave is None
    assert "There is no survey wave before 2025" in texts


def test_unknown_wave_and_window_are_refused(dataset):
    with pytest.raises(InputError, match="There is no wave '2019'"):
        build_board_pack(dataset, wave="2019")
    with pytest.raises(InputError, match="The window must be one of"):
        build_board_pack(dataset, window_kind="yearly")


def test_directorate_narrows_exceptions_only(dataset):
    pack = build_board_pack(dataset, directorate="Medicine", generated_at=GENERATED)
    exceptions = [t for t in pack.section("exceptions").blocks if isinstance(t, Table)]
    for table in exceptions:
        assert set(table.frame["parent"].astype(str)) <= {"Medicine"}
    assert "Exceptions shown for: Medicine" in pack.section("summary").blocks[1].items


def test_column_kinds_are_checked():
    with pytest.raises(ValueError, match="unknown column kind"):
        Column("x", "X", "percentage")


# --- HTML -----------------------------------------------------------------------------------------------
def test_html_has_no_external_reference(document):
    assert document.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]*\bsrc\s*=", document, flags=re.I)
    assert not re.search(r"<link\b", document, flags=re.I)
    assert not re.search(r"<img\b|<iframe\b|<object\b|<embed\b", document, flags=re.I)
    rest = without_plotly_bundle(document)
    assert not re.search(r"https?://|@import|url\(", rest, flags=re.I)
    assert rest.count("<script") == len(re.findall(r'class="block figure"', rest)) + 1


def test_html_prints_to_a4_with_page_breaks(document):
    assert "@page { size: A4;" in document
    assert "section.major { break-before: page;" in document
    assert "break-inside: avoid" in document
    assert "thead { display: table-header-group; }" in document


def test_html_holds_every_section_and_the_threshold(document):
    positions = [document.index(f">{title}</h2>") for title in SECTION_TITLES.values()]
    assert positions == sorted(positions)
    assert f"Anonymity threshold: {K} responses" in document


def test_html_headline_cells_are_the_computed_figures(document, pack):
    headline = pack.tables()[0].frame.set_index("ref")
    rows = {row[0]: row for row in html_table(document, "Table 1")[1:]}
    assert rows["H1"][2] == fmt.format_score(headline.loc["H1", "value"])
    assert rows["H1"][2] == fmt.format_score(hand_score(_all_codes("2025")))
    assert rows["H4"][2] == fmt.format_pct(headline.loc["H4", "value"])
    assert rows["H1"][5] == ("yes" if headline.loc["H1", "significant"] else "no")
    assert rows["H1"][6].endswith(headline.loc["H1", "rag"])
    assert rows["H6"][2] == f"{len(_all_codes('2025')):,}"
    # The p-value and the test's name are in Annex A, not in the body's RAG summary.
    tests = next(t for t in pack.section("methods").blocks if isinstance(t, Table) and "tests of change" in t.title)
    annex = {row[0]: row for row in html_table(document, tests.ref)[1:]}
    assert annex["H1"][3] == f"{headline.loc['H1', 'p']:.3f}"
    assert annex["H1"][2] == "Welch t-test on respondent scores"


def test_html_relationship_table_shows_r_with_its_interval(document, pack):
    relationships = next(t for t in pack.section("relationships").blocks if isinstance(t, Table))
    first = relationships.frame.iloc[0]
    expected = (f"{fmt.format_r(first['r'])} ({fmt.format_r(first['r_ci_low'])} to "
                f"{fmt.format_r(first['r_ci_high'])})")
    rows = html_table(document, relationships.ref)
    assert rows[0][3] == "Association (95% CI)"  # the body names no statistic
    assert rows[1][3] == expected
    # Annex A names it: Pearson r with the same interval.
    annex = next(t for t in pack.section("methods").blocks if isinstance(t, Table) and "Relationships" in t.title)
    rows = html_table(document, annex.ref)
    assert rows[0][3] == "Pearson r (95% CI)"
    assert rows[1][3] == expected


def test_html_escapes_text(dataset):
    pack = build_board_pack(dataset, generated_at=GENERATED)
    pack.sections[0].blocks.append(Text("<script>alert(1)</script> & more"))
    document = render_html(pack)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in document


def test_suppressed_row_shows_only_the_text():
    table = Table(ref="Table 9", title="t", frame=pd.DataFrame({"unit": ["A"], "n": [3], "pct": [50.0],
                                                               "suppressed": [True]}),
                  columns=[Column("unit", "Unit"), Column("n", "n", "n"), Column("pct", "%", "pct")])
    cells = pack_render.table_html(table, 5)
    assert cells.count("fewer than 5 responses") == 2 and "50.0" not in cells and ">3<" not in cells


@pytest.mark.parametrize(("value", "kind", "text"), [
    (7.06, "score", "7.1"), (12.345, "pct", "12.3%"), (1234, "n", "1,234"), (-0.234, "r", "\u22120.23"),
    (0.0004, "p", "< 0.001"), (0.0341, "p", "0.034"), (1.5, "pp", "+1.5 pp"), (-33, "change_n", "\u221233"),
    (0.04, "change", "0.0"), (1.234, "ratio", "1.23"), (None, "score", "no data"), (float("nan"), "bool", "not tested"),
    (True, "bool", "yes"),
])
def test_format_kind(value, kind, text):
    assert format_kind(value, kind) == text


def test_unknown_figure_kind_is_refused():
    with pytest.raises(InputError, match="Unknown figure kind"):
        pack_render.figure_object(Figure(ref="Figure 9", kind="pie", title="", data=pd.DataFrame()), 5)


# --- PDF ------------------------------------------------------------------------------------------------
needs_pdf_tools = pytest.mark.skipif(pack_render.chromium_path() is None or shutil.which("pdftotext") is None,
                                     reason="PDF test needs Chromium (apt-get install chromium) and pdftotext "
                                            "(poppler-utils)")


@needs_pdf_tools
def test_pdf_text_has_the_sections_and_headline_figures(pack, tmp_path):
    data = render_pdf(pack)
    assert data.startswith(b"%PDF")
    path = tmp_path / "board.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout
    flat = re.sub(r"\s+", " ", text)
    for title in SECTION_TITLES.values():
        assert title in flat, title
    assert f"Anonymity threshold used: {K} responses" in flat
    assert fmt.format_score(hand_score(_all_codes("2025"))) in flat
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "A4" in pages
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) >= len(SECTION_TITLES) - 1


def test_pdf_without_chromium_says_so(pack, monkeypatch):
    monkeypatch.setattr(pack_render, "chromium_path", lambda: None)
    with pytest.raises(InputError, match="PDF is printed by the Chromium web browser.*HTML board pack works"):
        render_pdf(pack)


# --- download helpers -------------------------------------------------------------------------------------
def test_download_files(dataset):
    from ui import downloads
    from ui.state import Filters

    downloads.clear_cache()
    filters = Filters(wave="2025", directorate=None)
    first = downloads.board_pack_html(dataset, filters)
    assert first.startswith(b"<!DOCTYPE html>") and b"Headline measures" in first
    assert downloads.board_pack_html(dataset, filters) is first  # cached
    broken = downloads.board_pack_html(dataset, Filters(wave="1999", directorate=None))
    assert b"could not be made" in broken and b"There is no wave &#x27;1999&#x27;" in broken
    workbook = downloads.scorecards_xlsx(dataset, filters)
    assert workbook[:2] == b"PK"
    csv_text = downloads.scorecards_csv(dataset, Filters(wave="2025", directorate="Medicine"))
    assert b"Ward A1" in csv_text and b"Clinic B1" not in csv_text


def test_download_buttons_in_an_app(monkeypatch):
    from streamlit.testing.v1 import AppTest

    def app():
        from analytics.dataset import load_dataset
        from tests.report_helpers import spec_from, survey_csv
        from ui.downloads import board_pack_buttons, scorecards_button
        from ui.state import Filters

        data = load_dataset(spec_from([("survey_2025.csv", survey_csv({"Ward": ("D", [3] * 12)}, "2025"))]),
                            min_group_size=5)
        filters = Filters(wave="2025", directorate=None)
        board_pack_buttons(data, filters)
        scorecards_button(data, filters, csv=True)

    monkeypatch.setattr(pack_render, "chromium_path", lambda: None)
    at = AppTest.from_function(app, default_timeout=60)
    at.run()
    assert not at.exception
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    assert set(buttons) == {"Board pack (HTML)", "Board pack (PDF)", "Team scorecards (XLSX)", "Team scorecards (CSV)"}
    assert buttons["Board pack (PDF)"].disabled and "Chromium" in buttons["Board pack (PDF)"].help
    assert not buttons["Board pack (HTML)"].disabled


# --- HR exclusions ----------------------------------------------------------------------------------------
def _staff_dataset(exclude_doctors: bool):
    from tests.report_helpers import staff_csv

    staff = staff_csv({team: (directorate, 20) for team, (directorate, _) in TEAMS["2025"].items()},
                      doctors_in_training={"Ward A1": 6})
    spec = spec_from([("survey_2024.csv", survey_csv(TEAMS["2024"], "2024")),
                      ("survey_2025.csv", survey_csv(TEAMS["2025"], "2025"))], hr=("staff.csv", staff))
    return load_dataset(spec, min_group_size=K, exclusions=HRExclusions(doctors_in_training=exclude_doctors))


def test_doctors_in_training_follow_the_dataset_choice():
    excluded = build_board_pack(_staff_dataset(True), generated_at=GENERATED)
    summary = " ".join(excluded.section("summary").blocks[1].items)
    assert "doctors in training" in summary.lower()
    from analytics.report.pack import DOCTORS_IN_TRAINING_CAVEAT

    assert DOCTORS_IN_TRAINING_CAVEAT not in excluded.texts()
    included = build_board_pack(_staff_dataset(False), generated_at=GENERATED)
    caveats = [b.text for s in included.sections for b in s.blocks if isinstance(b, Text) and b.style == "caveat"]
    assert DOCTORS_IN_TRAINING_CAVEAT in caveats
    # Six rotating doctors leave Ward A1 in the window: the leaver rate is higher when they are counted.
    rate = {name: p.tables()[0].frame.set_index("measure").loc["leaver_rate", "value"]
            for name, p in (("excluded", excluded), ("included", included))}
    assert rate["excluded"] < rate["included"]


def test_staff_group_exclusion_is_stated_and_applied(dataset):
    pack = build_board_pack(_staff_dataset(False), exclusions=HRExclusions(staff_groups=["Medical and Dental"]),
                            generated_at=GENERATED)
    summary = " ".join(pack.section("summary").blocks[1].items)
    assert "Staff groups left out of every HR figure: Medical and Dental." in summary
    baseline = build_board_pack(_staff_dataset(True), generated_at=GENERATED)
    left_out = pack.tables()[0].frame.set_index("measure").loc["leaver_rate", "value"]
    assert left_out == pytest.approx(baseline.tables()[0].frame.set_index("measure").loc["leaver_rate", "value"])
    with pytest.raises(InputError, match="Students"):
        build_board_pack(_staff_dataset(False), exclusions=HRExclusions(staff_groups=["Students"]))

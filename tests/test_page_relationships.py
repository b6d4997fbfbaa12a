"""AppTests of the Relationships page, on the sample trust and after an upload of small files.

The scatter must hold one point per shown team and nothing of a suppressed team (no name in any figure's
JSON or any text on the page); the figures hold the expected series; the numbers shown are those of
:mod:`analytics.relate`.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from analytics import relate
from analytics.dataset import DatasetSpec, FilePayload, load_dataset, sample_spec
from tests.test_cli_relate import TEAMS as UPLOAD_TEAMS
from tests.test_cli_relate import survey_file, team_month_file
from analytics import format as fmt
from ui import relationships_view as view
from tests.page_helpers import check_no_exception, figures, trace

PAGE = "pages/relationships.py"


@pytest.fixture
def whole_app(app_test):
    """app.py run as the browser runs it (frame, then this page): see the ``app_test`` fixture."""
    app_test.switch_page(PAGE)
    return app_test





def page_text(at) -> str:
    """Every text element of the page (markdown, captions, metrics, tables) as one string."""
    parts = [e.value for e in (*at.markdown, *at.caption, *at.info, *at.warning)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(str(p) for p in parts)


def check_association_wording(text: str) -> None:
    """"associated with" is used, "drives" never, and every "cause(s/d)" is negated ("not caused by");
    "reverse causation" is a caveat, not a claim."""
    assert "associated with" in text.lower()
    assert not re.search(r"\bdrives?\b", text)
    for match in re.finditer(r"\bcause[sd]?\b", text):
        before = text[max(0, match.start() - 40):match.start()]
        assert re.search(r"\bnot\b", before), before + match.group()


def hidden_teams(unit_scores: pd.DataFrame, wave: str) -> set[str]:
    """Teams of the wave that are suppressed (every row) and so must appear nowhere."""
    teams = unit_scores[(unit_scores["level"] == "team") & (unit_scores["wave"].astype(str) == wave)]
    shown = set(teams.loc[~teams["suppressed"], "unit"])
    return set(teams["unit"]) - shown


@pytest.fixture(scope="module")
def sample_dataset():
    return load_dataset(sample_spec())


#: The sections that run only while open (lazy expanders); tests open them through session state.
LAZY_SECTIONS = ("relationships_change_open", "relationships_drivers_open", "relationships_slopes_open")


def test_sample_trust(whole_app, sample_dataset):
    at = whole_app
    for section in LAZY_SECTIONS:
        at.session_state[section] = True
    at.run()
    check_no_exception(at)
    wave = at.session_state["wave"]
    hidden = hidden_teams(sample_dataset.survey.unit_scores, wave)
    assert hidden

    charts = figures(at)
    scatter, matrix, drivers = charts
    points = trace(scatter, "Teams")
    expected = relate.relate_survey_hr(sample_dataset.survey, sample_dataset.hr, waves=[wave],
                                       measures=["compassionate_leadership"], outcomes=["leaver_rate"])
    assert sorted(points["text"]) == sorted(expected.units["unit"])
    assert len(points["x"]) == 48
    assert [t["name"] for t in scatter["data"]] == ["Teams", "95% confidence band", "Least-squares line"]
    assert matrix["data"][0]["type"] == "heatmap"
    assert matrix["data"][0]["x"] == ["Leaver rate", "Sickness absence rate", "Stability index"]
    assert len(matrix["data"][0]["y"]) == len(relate.DEFAULT_MEASURES)
    assert drivers["data"][0]["type"] == "bar" and len(drivers["data"][0]["y"]) == 4

    row = expected.table.iloc[0]
    assert at.subheader[0].value == "Compassionate leadership and leaver rate"
    # The pair's table: statistics as text with the typographic minus, as in the sentences.
    pair = at.dataframe[0].value
    assert "Measure" not in pair.columns
    assert pair["Pearson r"].tolist() == [fmt.format_r(row["r"])] and pair["Pearson r"][0].startswith(fmt.MINUS)
    assert pair["r 95% CI"][0] == f"{fmt.format_r(row['r_ci_low'])} to {fmt.format_r(row['r_ci_high'])}"
    assert pair["ρ 95% CI"][0] == f"{fmt.format_r(row['rho_ci_low'])} to {fmt.format_r(row['rho_ci_high'])}"
    assert "-" not in "".join(pair["Pearson r"]) + "".join(pair["r 95% CI"])
    assert pair["Ratio per point"][0].startswith(fmt.format_number(row["rate_ratio"], 2) + " (")
    matrix_table = at.dataframe[1].value
    assert len(matrix_table) == 18 and "Ratio per point" not in matrix_table.columns
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Pearson r"] == fmt.format_r(row["r"])
    assert metrics["Spearman ρ"] == fmt.format_r(row["rho"])
    assert metrics["Teams (n)"] == "48"
    text = page_text(at)
    assert f"leaver odds {fmt.format_number(row['rate_ratio'], 2)} times as high" in text
    assert f"unit of analysis: team · n = 48 teams" in text
    assert "concurrent window" in text and "doctors in training" in text
    check_association_wording(text)
    for name in hidden:
        assert name not in json.dumps(charts), name
        assert name not in text, name
    assert len(at.get("download_button")) == 5      # pair, matrix, change, drivers and slopes tables

    # morale against compassionate leadership, stratified by directorate: one series per directorate
    at.selectbox(key="relationships_y").set_value("morale")
    at.selectbox(key="relationships_by").set_value(relate.BY_DIRECTORATE)
    at.run()
    check_no_exception(at)
    scatter = figures(at)[0]
    directorates = sorted(set(expected.units["parent"]))
    assert [t["name"] for t in scatter["data"]][:len(directorates)] == directorates
    r = float(at.metric[0].value.replace(fmt.MINUS, "-"))
    assert r > 0.6                                       # planted: team morale rises with leadership
    assert not any("share question" in w.value for w in at.warning)  # the two measures share no question
    table = at.dataframe[0].value
    assert list(table["Group"])[:1] == ["All units"] and set(table["Group"][1:]) == set(directorates)
    for name in hidden:
        assert name not in json.dumps(figures(at)), name


def upload_spec(tmp_path) -> DatasetSpec:
    months = pd.period_range("2024-04", "2026-03", freq="M")
    return DatasetSpec(
        label="Test upload",
        survey_files=(FilePayload("survey_2024.csv", open(survey_file(tmp_path / "a.csv", "2024"), "rb").read()),
                      FilePayload("survey_2025.csv", open(survey_file(tmp_path / "b.csv", "2025"), "rb").read())),
        staff_file=FilePayload("team_month.csv", open(team_month_file(tmp_path / "hr.csv", months), "rb").read()))


def test_after_an_upload(whole_app, tmp_path):
    at = whole_app
    at.session_state["dataset_spec"] = upload_spec(tmp_path)
    at.run()
    check_no_exception(at)
    assert at.session_state["wave"] == "2025"
    charts = figures(at)
    points = trace(charts[0], "Teams")
    shown = [t for t in UPLOAD_TEAMS if t not in ("Small Team", "Tiny Team")]
    assert sorted(points["text"]) == sorted(shown)
    # point area shows responses: the largest team (Recovery, 15 responses) has the largest marker
    sizes = dict(zip(points["text"], points["marker"]["size"]))
    assert max(sizes, key=sizes.get) == "Recovery"
    text = page_text(at)
    for name in ("Small Team", "Tiny Team"):
        assert name not in json.dumps(charts) and name not in text
    assert "leaver odds" in text and "Teams (n) 7" in text
    # no staff group in a team-month file without one: no staff-mix stratification offered
    assert relate.BY_STAFF_MIX not in at.selectbox(key="relationships_by").options

    # the sidebar's directorate: only its teams (3 in Medicine: too few for statistics, said so)
    at.selectbox(key="directorate").set_value("Medicine")
    at.run()
    check_no_exception(at)
    assert sorted(trace(figures(at)[0], "Teams")["text"]) == ["Ward A", "Ward B", "Ward C"]
    assert at.metric[0].value == fmt.NO_DATA
    assert "too few units (n=3; at least 5 needed)" in page_text(at)


def test_survey_files_only(whole_app, tmp_path):
    """Without HR files the page says so and relates survey measures to survey outcomes."""
    at = whole_app
    spec = upload_spec(tmp_path)
    at.session_state["dataset_spec"] = DatasetSpec(label="Survey only", survey_files=spec.survey_files)
    at.run()
    check_no_exception(at)
    assert any("No HR data" in i.value for i in at.info)
    assert at.selectbox(key="relationships_y").options == ["Morale", "Thinking about leaving", "Staff engagement"]
    scatter, matrix = figures(at)[:2]
    assert len(trace(scatter, "Teams")["x"]) == 7
    assert matrix["data"][0]["x"] == ["Morale", "Thinking about leaving"]
    text = page_text(at)
    assert "survey measures only (no HR window)" in text
    # compassionate leadership and morale share no question: no shared-items warning
    assert not any("share question" in w.value for w in at.warning)
    at.selectbox(key="relationships_x").set_value("thinking_about_leaving").run()
    check_no_exception(at)
    assert any("share questions q26a, q26b, q26c" in w.value for w in at.warning)


def test_compare_with_wave_follows_the_sidebar(whole_app):
    """The change section compares with the wave before the sidebar's, unless the user chose one that is
    still valid."""
    at = whole_app
    at.session_state["relationships_change_open"] = True
    at.run()
    check_no_exception(at)
    box = lambda: at.selectbox(key=view.WAVE_FROM_KEY)   # noqa: E731
    assert at.session_state["wave"] == "2025"
    assert box().options == ["2024", "2023"] and box().value == "2024"
    at.selectbox(key="wave").set_value("2024").run()
    check_no_exception(at)
    assert box().options == ["2023"] and box().value == "2023"
    at.selectbox(key="wave").set_value("2025").run()
    assert box().value == "2024"                          # not left on 2023
    box().set_value("2023").run()                         # the user's choice ...
    check_no_exception(at)
    assert any("Waves 2023 to 2025" in c.value for c in at.caption)
    at.selectbox(key="directorate").set_value("Medicine").run()
    assert box().value == "2023"                          # ... outlasts other changes while valid


def test_settle_wave_from_rules():
    state = {}
    view.settle_wave_from(state, ["2024", "2023"])
    assert state[view.WAVE_FROM_KEY] == "2024"
    state[view.WAVE_FROM_KEY], state[view.WAVE_FROM_PICKED_KEY] = "2023", True
    view.settle_wave_from(state, ["2024", "2023"])
    assert state[view.WAVE_FROM_KEY] == "2023"            # picked and valid: kept
    view.settle_wave_from(state, ["2022"])
    assert state[view.WAVE_FROM_KEY] == "2022" and not state[view.WAVE_FROM_PICKED_KEY]
    state[view.WAVE_FROM_KEY] = "2023"                    # left over, not picked: back to the default
    view.settle_wave_from(state, ["2024", "2023"])
    assert state[view.WAVE_FROM_KEY] == "2024"


def test_result_tables_fit_a_1400_pixel_window(sample_dataset):
    """Main area at 1400 px with the sidebar open is about 940 px: the matrix table's fixed widths fit it,
    and CIs read "−0.52 to 0.00"."""
    result = relate.relate_survey_hr(sample_dataset.survey, sample_dataset.hr, waves=["2025"], count_models=False)
    shown, config = view.result_display(sample_dataset, result.table)
    assert list(shown.columns) == ["Measure", "Outcome", "n", "Pearson r", "r 95% CI", "Spearman ρ", "ρ 95% CI",
                                   "p (BH)"]
    assert sum(config[c]["width"] for c in shown.columns) <= 940
    assert view.ci_text(-0.5249, 0.001) == f"{fmt.MINUS}0.52 to 0.00"
    assert view.p_text(0.0004) == "<0.001" and view.p_text(0.0521) == "0.052" and view.p_text(None) == ""
    download = view.result_download(sample_dataset, result.table)
    assert download["Pearson r"].tolist() == result.table["r"].tolist()   # full precision in the CSV


def test_titles_are_sentence_case():
    assert view.lower_first("Leaver rate") == "leaver rate"
    assert view.lower_first("NHS staff survey index") == "NHS staff survey index"


def test_drivers_and_slopes_tables_fit_inside_their_sections(sample_dataset):
    """Inside an expander the table has about 880 px; statistics read as in the sentences."""
    drivers = relate.drivers(sample_dataset.survey, "morale", predictors=relate.DRIVERS_ITEMS, wave="2025")
    shown, config = view.drivers_display(sample_dataset, drivers)
    assert sum(config[c]["width"] for c in shown.columns) <= 880
    assert shown["Correlation with outcome (r)"].tolist() == [fmt.format_r(r) for r in drivers.table["r"]]
    assert list(view.drivers_download(sample_dataset, drivers).columns)[:2] == ["Outcome", "Wave"]
    slopes = relate.within_between(sample_dataset.survey, "morale", wave="2025")
    shown, config = view.slopes_display(sample_dataset, slopes)
    assert sum(config[c]["width"] for c in shown.columns) <= 880
    within = slopes.table.iloc[0]
    assert shown["Slope"].tolist() == ["Within teams", "Between teams"]
    assert shown["95% CI"][0] == view.ci_text(within["ci_low"], within["ci_high"])
    assert view.slopes_download(sample_dataset, slopes)["Points per point"].tolist() == slopes.table["coef"].tolist()

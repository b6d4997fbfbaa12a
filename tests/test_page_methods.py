"""The Methods & data quality page: its text, codebook table and data-quality tables (AppTest on the sample
data and on an upload), and the helpers of ui.methods_view."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.survey import reliability
from analytics import settings
from analytics.ingest.codebook import load_codebook
from analytics.dataset import DatasetSpec, FilePayload, load_dataset, sample_spec
from survey_fixtures import codes_csv
from ui import methods_view as view

ROOT = Path(__file__).resolve().parent.parent
PAGE = "pages/methods.py"


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------
def test_methods_text_has_every_rule_with_the_settings_filled_in():
    sections = view.methods_sections()
    titles = [title for title, _ in sections]
    for expected in ("Scoring each answer (0 to 10)", "Missing answers are never zero",
                     "Measures: sub-scores and themes",
                     "Team, directorate and organisation scores", "% positive",
                     "Comparing with published NHS Staff Survey figures",
                     "Anonymity: the minimum reporting group and complementary suppression", "HR outcomes",
                     "Survey and HR periods (windows)", "The four behaviours of compassionate leadership",
                     "Statistics used", "Data-quality checks"):
        assert expected in titles
    text = "\n".join(body for _, body in sections)
    assert not re.search(r"[{}]", text)  # every placeholder filled
    assert "$" not in text  # Streamlit markdown would read it as LaTeX
    assert f"k is {settings.DEFAULT_MIN_GROUP_SIZE} by default" in text
    assert f"never set below {settings.MIN_GROUP_SIZE_FLOOR}" in text
    assert "1 April 2025 to 31 March 2026" in text  # concurrent window of a 2025 survey
    assert "1 November 2025 to 31 October 2026" in text  # lagged window
    assert "not NHS method" in text
    for statistic in ("Fisher's z", "Spearman", "Benjamini–Hochberg", "quasi-likelihood", "MixedLM", "Shapley",
                      "Cronbach's α", "ICC(1) and ICC(2)", "rwg(j)"):
        assert statistic in text
    assert "causes" not in text.replace("not that one causes the other", "")


def test_codebook_table_lists_every_question_with_scale_and_reverse_keying():
    book = load_codebook()
    table = view.codebook_table(book)
    assert list(table.columns) == list(view.CODEBOOK_COLUMNS)
    item_rows = table[table["Question"] != ""]
    assert len(item_rows) == sum(len(m.items) for m in book.measures if not m.is_theme)
    q26a = item_rows[item_rows["Question"] == "q26a"].iloc[0]
    assert q26a["Reverse-keyed"] == "yes" and q26a["Wording"] == "I often think about leaving this organisation."
    assert q26a["Scale"] == book.scales["agreement"].label
    scales = view.scales_text(book)
    assert "Strongly disagree / Disagree / Neither agree nor disagree / Agree / Strongly agree" in scales
    assert "Never / Rarely / Sometimes / Often / Always" in scales
    assert "Don't know" in scales
    themes = table[table["Measure"].str.endswith("(theme)")]
    assert len(themes) == sum(m.is_theme for m in book.measures)
    assert themes[themes["Measure"] == "Morale (theme)"]["Wording"].item() == (
        "Theme: mean of thinking about leaving, work pressure, stressors (a respondent needs all of them); "
        f"{3 + 3 + 7} questions through its sub-scores.")


def test_missingness_names_the_theme_of_each_sub_score():
    book = load_codebook()
    table = pd.DataFrame({"wave": ["2025", "2025"], "item": ["q26a", "q9f"],
                          "measures": ["thinking_about_leaving", "compassionate_leadership"],
                          "pct_missing": [2.0, 1.0]})
    frame, _ = view.missingness_display(table, book)
    # compassionate leadership is a sub-score of the People Promise element "We are compassionate and inclusive"
    assert frame.set_index("Question")["Measures"].to_dict() == {
        "q26a": "Thinking about leaving (in Morale)",
        "q9f": "Compassionate leadership (in We are compassionate and inclusive)"}


def test_aggregation_verdicts_are_a_list_under_the_table():
    table = pd.DataFrame({
        "wave": ["2025"] * 3, "label": ["Measure A", "Measure B", "Measure C"], "n_teams": [10, 10, 1],
        "n_respondents": [200, 200, 12], "icc1": [0.1, 0.02, float("nan")], "icc2": [0.8, 0.4, float("nan")],
        "rwg_j_mean": [0.75, 0.8, float("nan")], "share_strong_agreement": [0.9, 0.8, float("nan")],
        "note": ["", "", "fewer than two teams with at least 11 respondents"],
    })
    frame, config = view.aggregation_display(table, "2025")
    assert config["In words"] is None  # hidden in the table, kept in its CSV
    assert view.aggregation_verdicts(frame).split("\n") == [
        "- **Team means are reliable and team members broadly agree**: Measure A.",
        "- **Team means are not yet reliable enough to rank teams; compare them with care**: Measure B.",
        "- **Fewer than two teams with at least 11 respondents**: Measure C.",
    ]


def test_findings_summary_counts_by_file_severity_and_kind():
    survey = load_dataset(DatasetSpec(label="x", survey_files=(FilePayload("pulse_2024.csv", codes_csv()),)),
                          min_group_size=5).survey
    summary = view.findings_summary(survey.findings)
    assert summary["Findings"].sum() == len(survey.findings)
    assert view.findings_summary(None).empty


# --------------------------------------------------------------------------------------------------
# AppTests
# --------------------------------------------------------------------------------------------------
def _run(app_test, spec: DatasetSpec | None = None):
    if spec is not None:
        app_test.session_state["dataset_spec"] = spec
    app_test.switch_page(PAGE)
    app_test.run()
    assert not app_test.exception, app_test.exception
    assert not app_test.error
    return app_test


def _table(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_methods_page_on_sample_data(app_test):
    at = _run(app_test)
    dataset = load_dataset(sample_spec())
    survey = dataset.survey
    wave = dataset.waves[-1]
    # the rules, one expander each
    assert len(at.expander) >= len(view.methods_sections())
    # the codebook in use
    codebook = _table(at, "Reverse-keyed")
    assert "q9f" in codebook["Question"].tolist()
    # Cronbach's alpha of the latest wave, at full precision, as analytics.survey.reliability computes it
    alpha = _table(at, "α").set_index("Measure")
    expected = reliability.measure_reliability(survey.scored, survey.codebook)
    expected = expected[expected["wave"] == wave].set_index("label")
    np.testing.assert_allclose(alpha.loc["Compassionate leadership", "α"],
                               expected.loc["Compassionate leadership", "alpha"], rtol=1e-12)
    assert alpha.loc["Morale", "Note"] == "theme: mean of thinking about leaving, work pressure, stressors"
    assert alpha.loc["Morale", "Questions"] == 3 + 3 + 7  # through its sub-scores
    low, high = expected.loc["Compassionate leadership", ["ci_low", "ci_high"]]
    assert alpha.loc["Compassionate leadership", "95% CI"] == f"{low:.2f} to {high:.2f}"
    assert alpha.loc["Compassionate leadership", "95% CI low"] == low  # full precision kept for the CSV
    assert alpha.loc["Morale", "95% CI"] == ""
    # missingness per question and wave, organisation level
    missing = next(d.value for d in at.dataframe if any(c.startswith("% missing") for c in d.value.columns))
    assert [c for c in missing.columns if c.startswith("% missing")] == [f"% missing {w}" for w in dataset.waves]
    # ICC / rwg in words
    agreement = _table(at, "ICC(2)").set_index("Measure")
    assert agreement.loc["Compassionate leadership", "In words"].startswith("team means are")
    assert any(m.value.startswith("**In words**\n\n- **Team means are") for m in at.markdown)
    # no team or directorate names in any table: pooled figures only
    teams = set(survey.unit_scores.loc[survey.unit_scores["level"] == settings.LEVEL_TEAM, "unit"])
    for frame in (d.value for d in at.dataframe):
        cells = set(frame.astype(str).to_numpy().ravel())
        assert not (cells & teams)
    assert any("Data-quality findings" == s.value for s in at.subheader)


def test_methods_page_without_respondent_data_explains_why(app_test):
    team_month = FilePayload.from_path(ROOT / "sample_data" / "hr_team_month.csv")
    at = _run(app_test, DatasetSpec(label="HR only", staff_file=team_month))
    assert any(view.NO_SCORED_TEXT == i.value for i in at.info)
    assert _table(at, "Reverse-keyed") is not None  # the codebook is still shown


def test_methods_page_on_an_upload_at_a_lower_threshold(app_test):
    k = 5
    upload = DatasetSpec(label="Uploaded: pulse_2024.csv",
                         survey_files=(FilePayload("pulse_2024.csv", codes_csv()),))
    app_test.session_state["min_group_size"] = k
    at = _run(app_test, upload)
    alpha = _table(at, "α").set_index("Measure")
    survey = load_dataset(upload, min_group_size=k).survey
    expected = reliability.measure_reliability(survey.scored, survey.codebook, min_group_size=k).set_index("label")
    np.testing.assert_allclose(alpha.loc["Compassionate leadership", "α"],
                               expected.loc["Compassionate leadership", "alpha"], rtol=1e-12)
    assert any(c.value.startswith("Uploaded: pulse_2024.csv. Organisation-level figures only; anonymity threshold 5")
               for c in at.caption)


def test_interval_text():
    assert view.interval_text(0.8649, 0.891) == "0.86 to 0.89"
    assert view.interval_text(float("nan"), 0.9) == ""

"""AppTests of the Team explorer page, on the sample trust and after an upload of small files.

Figures are read from their JSON (``json.loads(at.get("plotly_chart")[i].proto.spec)``). Suppressed teams
may be named (grey cells, listed in the team chooser) but must never carry a number.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analytics import settings
from analytics.dataset import DatasetSpec, FilePayload, load_dataset, sample_spec
from ui import explorer_view
from ui import tables
from tests.page_helpers import check_no_exception, figures, trace

PAGE = "pages/team_explorer.py"
K = settings.DEFAULT_MIN_GROUP_SIZE
SUPPRESSED = settings.SUPPRESSED_LABEL.format(k=K)
COMPLEMENTARY = settings.COMPLEMENTARY_LABEL.format(k=K)
LABEL_OF_REASON = {settings.SUPPRESSION_PRIMARY: SUPPRESSED, settings.SUPPRESSION_COMPLEMENTARY: COMPLEMENTARY}
AGREEMENT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]

# Small upload: (directorate, team) -> (respondents, centre of the answers on the 0-4 option index).
# 2025: "Tiny" has 4 respondents (suppressed); "Ward B" is then hidden too (complementary suppression:
# Tiny alone could be recovered from North's total). "Ward A" moves from disagree to agree.
WAVE_2024 = {("North", "Ward A"): (14, 1.2), ("North", "Ward B"): (13, 2.5), ("North", "Tiny"): (12, 2.5),
             ("South", "Ward C"): (15, 3.0), ("South", "Ward D"): (12, 2.0)}
WAVE_2025 = {("North", "Ward A"): (14, 3.6), ("North", "Ward B"): (13, 2.5), ("North", "Tiny"): (4, 2.5),
             ("South", "Ward C"): (15, 3.0), ("South", "Ward D"): (12, 2.0)}


def survey_csv(sizes: dict, seed: int, leaving: bool = True) -> bytes:
    """A survey export: directorate, team, the four compassionate-leadership questions and (if ``leaving``)
    q26a-c, as text."""
    rng = np.random.default_rng(seed)
    rows = []
    for (directorate, team), (n, centre) in sizes.items():
        for _ in range(n):
            row = {"Directorate": directorate, "Team": team}
            for question in ("Q9f", "Q9g", "Q9h", "Q9i"):
                row[question] = AGREEMENT[int(np.clip(round(rng.normal(centre, 0.7)), 0, 4))]
            if leaving:
                for question in ("Q26a", "Q26b", "Q26c"):
                    row[question] = AGREEMENT[int(rng.integers(0, 5))]
            rows.append(row)
    return pd.DataFrame(rows).to_csv(index=False).encode()


def hr_csv() -> bytes:
    """Team-month HR figures for 24 months: 30 in post, a leaver every third month, 5% sickness."""
    rows = []
    for directorate, team in WAVE_2024:
        for month in pd.period_range("2024-01", "2025-12", freq="M"):
            rows.append({"Directorate": directorate, "Team": team, "Month": str(month), "Staff in post": 30,
                         "Leavers": 1 if month.month % 3 == 0 else 0, "FTE days lost": 40.0,
                         "FTE days available": 800.0})
    return pd.DataFrame(rows).to_csv(index=False).encode()


def upload_spec() -> DatasetSpec:
    return DatasetSpec(label="Test upload",
                       survey_files=(FilePayload("survey_2024.csv", survey_csv(WAVE_2024, 1)),
                                     FilePayload("survey_2025.csv", survey_csv(WAVE_2025, 2))),
                       staff_file=FilePayload("hr_team_month.csv", hr_csv()))


@pytest.fixture
def whole_app(app_test):
    """app.py run as the browser runs it (frame, then this page): see the ``app_test`` fixture."""
    app_test.switch_page(PAGE)
    return app_test





def check_heatmap(fig: dict, shown: set[str], hidden: dict[str, str]) -> None:
    """Rows are exactly ``shown | hidden`` (plus directorate heading rows, "<b>…</b>"); hidden rows (team ->
    the words of its suppression reason) have no score, no cell text and no number in hover, and one label
    across the row saying why."""
    scores, grey = trace(fig, "Scores"), trace(fig, "Suppressed")
    headings = {y for y in scores["y"] if y.startswith("<b>")}
    assert set(scores["y"]) - headings == shown | set(hidden)
    for row, team in enumerate(scores["y"]):
        if team in hidden:
            assert all(v is None for v in scores["z"][row]), team
            assert all(t == "" for t in scores["text"][row]), team
            assert all(g == 1 for g in grey["z"][row]), team
            for hover in scores["hovertext"][row] + grey["hovertext"][row]:
                assert hidden[team] in hover
                rest = hover.replace(team, "").replace(hidden[team], "")
                assert not re.search(r"\d", rest), hover
        elif team in shown:
            assert any(v is not None for v in scores["z"][row]), team
    assert not set(hidden) & set(trace(fig, "Score labels")["y"])
    # a team suppressed as a whole carries one label across its row: why, and nothing else
    labelled = {a["y"]: a["text"] for a in fig["layout"].get("annotations", []) if not a["y"].startswith("<b>")}
    assert labelled == hidden


def open_tab(at, label: str):
    """Open one of the team's tabs (each runs its content only when open) and run the page."""
    assert label in explorer_view.TEAM_TABS
    at.session_state[explorer_view.TEAM_TABS_KEY] = label
    at.run()
    check_no_exception(at)
    return at


def test_sample_heatmap_table_and_team_in_depth(whole_app):
    at = whole_app
    at.run()
    check_no_exception(at)
    dataset = load_dataset(sample_spec())
    teams = dataset.survey.unit_scores
    teams = teams[(teams["level"] == "team") & (teams["wave"] == "2025")]
    hidden_rows = teams[teams["suppressed"]].drop_duplicates("unit")
    hidden = {unit: LABEL_OF_REASON[reason] for unit, reason in zip(hidden_rows["unit"], hidden_rows["suppressed_reason"])}
    shown = set(teams["unit"]) - set(hidden)
    # the sample trust has teams hidden for both reasons
    assert shown and set(hidden.values()) == {SUPPRESSED, COMPLEMENTARY}
    charts = figures(at)
    check_heatmap(charts[0], shown, hidden)

    table = at.dataframe[0].value
    assert set(table["Team"]) == shown | set(hidden)
    gone = table[table["Note"] != ""]
    assert dict(zip(gone["Team"], gone["Note"])) == hidden
    numbers = [c for c in table.columns if c not in ("Team", "Directorate", "Note", "Change significant?")]
    assert gone[numbers].isna().all().all()
    assert (gone["Change significant?"] == "").all()
    assert table.loc[table["Note"] == "", "Responses (n)"].min() >= K

    # one team in depth: the first team shown, its behaviours, trend (with stars) and HR
    team = at.selectbox(key="team_explorer_team").value
    assert team in shown
    names = [t["name"] for t in charts[1]["data"]]
    assert names == [team, settings.ORGANISATION_UNIT]
    # a question hidden for this team says why: the first team shown (Medical Records, 20-21 answers per
    # question) has q9g hidden as a complement, which must not read "fewer than 11 responses"
    items = dataset.survey.item_results
    own = items[(items["wave"] == "2025") & (items["unit"] == team) & items["suppressed"]
                & items["item"].isin(["q9f", "q9g", "q9h", "q9i"])]
    notes = [a["text"] for a in charts[1]["layout"].get("annotations", [])]
    assert sorted(notes) == sorted(LABEL_OF_REASON[r] for r in own["suppressed_reason"])
    assert COMPLEMENTARY in notes
    bars = trace(charts[1], team)
    assert bars["textposition"] == "outside" and charts[1]["layout"]["xaxis"]["range"] == [0, 112]
    # on arrival only the first tab ran: no trend, no HR figures
    assert len(charts) == 2 and not at.metric
    captions = [c.value for c in at.caption]
    trend = figures(open_tab(at, "Trend across waves"))[1]
    captions += [c.value for c in at.caption]
    assert [t["name"] for t in trend["data"]] == ["Compassionate leadership", "Morale", "Staff engagement",
                                                  "changed significantly"]
    assert trace(trend, "Compassionate leadership")["x"] == ["2023", "2024", "2025"]
    hr_chart = figures(open_tab(at, "HR outcomes"))[1]
    captions += [c.value for c in at.caption]
    assert [t["name"] for t in hr_chart["data"]] == ["Leaver rate, rolling 12 months",
                                                     "Sickness absence rate, rolling 12 months"]
    assert [m.label for m in at.metric] == ["Leaver rate", "Stability index", "Sickness absence rate"]
    for caption in captions:
        assert "cause" not in caption.replace("not a cause", "")

    hr_table = at.dataframe[-1].value
    assert hr_table["Numerator"].iloc[0] == round(hr_table["Numerator"].iloc[0])  # leavers: a whole number

    # a suppressed team: the message (why) and nothing else
    suppressed_team = sorted(hidden)[0]
    at.selectbox(key="team_explorer_team").set_value(suppressed_team).run()
    check_no_exception(at)
    assert any(f"{suppressed_team}: {hidden[suppressed_team]}" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 1 and len(at.dataframe) == 1 and not at.metric

    # the directorate filter keeps that directorate's teams only
    at.sidebar.selectbox(key="directorate").set_value("Medicine").run()
    check_no_exception(at)
    medicine = set(teams.loc[teams["parent"] == "Medicine", "unit"])
    check_heatmap(figures(at)[0], medicine - set(hidden), {t: w for t, w in hidden.items() if t in medicine})
    assert set(at.dataframe[0].value["Directorate"]) == {"Medicine"}


def test_upload_suppressed_teams_have_no_values(whole_app):
    at = whole_app
    at.session_state["dataset_spec"] = upload_spec()
    at.run()
    check_no_exception(at)
    charts = figures(at)
    # Tiny (4 respondents) is below 11; Ward B (13) is hidden only so that Tiny cannot be worked out.
    check_heatmap(charts[0], {"Ward A", "Ward C", "Ward D"}, {"Tiny": SUPPRESSED, "Ward B": COMPLEMENTARY})
    assert trace(charts[0], "Scores")["y"] == ["<b>North</b>", "Tiny", "Ward A", "Ward B", "<b>South</b>", "Ward C",
                                               "Ward D"]

    table = at.dataframe[0].value.set_index("Team")
    assert table.loc["Ward A", "Responses (n)"] == 14
    assert table.loc["Ward A", "Change significant?"] == "significant"
    assert pd.isna(table.loc["Ward B", "Responses (n)"]) and table.loc["Ward B", "Note"] == COMPLEMENTARY
    assert table.loc["Tiny", "Note"] == SUPPRESSED

    # Ward A in depth: behaviours against the organisation, questions, trend with a star in 2025, HR
    assert at.selectbox(key="team_explorer_team").value == "Ward A"
    assert [t["name"] for t in charts[1]["data"]] == ["Ward A", settings.ORGANISATION_UNIT]
    items = at.dataframe[1].value
    assert items["Question"].tolist() == ["q9f", "q9g", "q9h", "q9i", "q26a", "q26b", "q26c"]
    assert items["Wording"].iloc[2] == "My immediate manager cares about my concerns."
    trend = figures(open_tab(at, "Trend across waves"))[1]
    assert trace(trend, "Compassionate leadership")["x"] == ["2024", "2025"]
    assert trace(trend, "changed significantly")["x"] == ["2025"]
    hr_table = open_tab(at, "HR outcomes").dataframe[-1].value
    # The 2025 wave's HR window: April 2025 to March 2026, cut to the data (to December 2025), 9 months.
    assert hr_table["Numerator"].iloc[0] == 3  # a leaver in Jun, Sep and Dec 2025 (March is before the window)
    assert hr_table["Denominator"].iloc[0] == 30
    assert hr_table["Rate (%)"].iloc[0] == pytest.approx(100 * 3 / 30)
    assert hr_table["Rate (%)"].iloc[2] == pytest.approx(100 * 40 * 9 / (800 * 9))
    assert any("Apr 2025 to Dec 2025 (9 months of the concurrent window" in c.value for c in at.caption)

    at.selectbox(key="team_explorer_team").set_value("Ward B").run()
    check_no_exception(at)
    assert any(f"Ward B: {COMPLEMENTARY} in wave 2025" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 1 and not at.metric


def test_upload_questions_not_asked_are_no_data(whole_app):
    # 2025 asks only the compassionate-leadership questions: "thinking about leaving" has no data in 2025,
    # which must not be called "fewer than 11 responses" (heatmap, question table, trend).
    at = whole_app
    at.session_state["dataset_spec"] = DatasetSpec(
        label="Test upload", survey_files=(FilePayload("survey_2024.csv", survey_csv(WAVE_2024, 1)),
                                           FilePayload("survey_2025.csv", survey_csv(WAVE_2025, 2, leaving=False))))
    at.session_state["team_explorer_trend_measures"] = ["compassionate_leadership", "thinking_about_leaving"]
    at.run()
    check_no_exception(at)
    charts = figures(at)
    heatmap = charts[0]
    assert trace(heatmap, "Scores")["x"] == ["Compassionate leadership", "Thinking about leaving"]
    blank = trace(heatmap, "No data")
    for team in ("Ward A", "Ward C", "Ward D"):
        row = blank["y"].index(team)
        assert blank["z"][row] == [None, 1] and blank["text"][row][1] == "no data"
        assert trace(heatmap, "Suppressed")["z"][row] == [None, None]
    captions = [c.value for c in at.caption]
    heatmap_caption = next(c for c in captions if c.startswith("Staff survey") and "measures" in c)
    # 5 teams x 2 measures: 3 scored, 2 hidden teams (4 cells), the 3 shown teams' leaving cells have no data
    assert "3 cells with no data" in heatmap_caption

    items = at.dataframe[1].value
    assert items["Question"].tolist() == ["q9f", "q9g", "q9h", "q9i"]
    item_caption = next(c for c in captions if "n = valid answers per question" in c)
    assert "4 questions; 3 more with no data for this team in this wave" in item_caption

    trend = figures(open_tab(at, "Trend across waves"))[1]
    leaving = trace(trend, "Thinking about leaving")
    assert leaving["x"] == ["2024", "2025"] and leaving["y"][0] is not None and leaving["y"][1] is None
    assert leaving["hovertext"][1].endswith("2025: no data")
    trend_caption = next(c.value for c in at.caption if "series" in c.value)
    assert "1 point with no data" in trend_caption and "fewer than" not in trend_caption


def test_hr_table_numbers_are_formatted_by_kind():
    summary = pd.DataFrame({
        "outcome": ["leaver_rate", "stability_index", "sickness_rate"],
        "value": [100 * 5 / 54.5, 100 * 49 / 54, 100 * 891.23456 / 17237.0],
        "numerator": [5.0, 54 * (100 * 49 / 54) / 100, 891.23456],
        "numerator_label": ["leavers", "staff in post at start still in post at end", "FTE days lost"],
        "denominator": [54.5, 54.0, 17237.0],
        "denominator_label": ["mean staff in post (start and end)", "staff in post at start", "FTE days available"],
    })
    out, config = explorer_view.hr_summary_display(summary)
    assert out["Numerator"].tolist() == [5.0, 49.0, 891.2] and out["Denominator"].tolist() == [54.5, 54.0, 17237.0]
    assert out["Rate (%)"].tolist() == pytest.approx(summary["value"].tolist())  # rounded only by the format
    assert config["Numerator"]["type_config"]["format"] == "localized"  # 17,237 and 5, not 17237.0 and 5.0
    assert config["Denominator"]["type_config"]["format"] == "localized"
    assert config["Rate (%)"]["type_config"]["format"] == "%.1f%%"


def test_csv_download_neutralises_formulas():
    frame = pd.DataFrame({"Team": ["=HYPERLINK(\"x\")", "Ward A"], "Change": [-0.5, 0.25]})
    text = tables.csv_bytes(frame).decode("utf-8-sig")  # what every table download serves
    assert text.splitlines() == ["Team,Change", "\"'=HYPERLINK(\"\"x\"\")\",-0.5", "Ward A,0.25"]


def test_scorecards_download_offered(whole_app):
    at = whole_app
    at.run()
    check_no_exception(at)
    labels = [button.proto.label for button in at.get("download_button")]
    assert "Team scorecards (XLSX)" in labels and "Team scorecards (CSV)" in labels


def test_a_selected_question_shows_its_whole_wording(whole_app):
    """The question table cuts a long wording at 1400 px: the selected row's question is shown in full below."""
    at = whole_app
    at.run()
    check_no_exception(at)
    assert explorer_view.QUESTION_DETAIL_HINT in [c.value for c in at.caption]
    items = at.dataframe[1].value
    longest = int(items["Wording"].astype(str).str.len().idxmax())
    at.session_state["team_explorer_items"] = {"selection": {"rows": [longest], "columns": [], "cells": []}}
    at.run()
    check_no_exception(at)
    row = items.iloc[longest]
    shown = [i.value for i in at.info if i.value.startswith(f"**{row['Question']}**")]
    assert shown == [explorer_view.question_detail(row)]
    assert tables.markdown_literal(row["Wording"]) in shown[0]


def test_question_detail_is_literal_markdown():
    row = pd.Series({"Question": "q1", "Measure": "Team pulse", "Wording": "I *love* my [team]_"})
    assert explorer_view.question_detail(row) == "**q1** · Team pulse  \nI \\*love\\* my \\[team\\]\\_"

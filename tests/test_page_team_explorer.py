"""AppTests of the Team explorer page, on the sample trust and after an upload of small files.

Figures are read from their JSON (``json.loads(at.get("plotly_chart")[i].proto.spec)``). Suppressed teams
may be named (grey cells, listed in the team chooser) but must never carry a number.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from analytics import settings
from analytics.dataset import DatasetSpec, FilePayload, load_dataset, sample_spec
from ui import explorer_view

PAGE = "pages/team_explorer.py"
K = settings.DEFAULT_MIN_GROUP_SIZE
SUPPRESSED = settings.SUPPRESSED_LABEL.format(k=K)
AGREEMENT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]

# Small upload: (directorate, team) -> (respondents, centre of the answers on the 0-4 option index).
# 2025: "Tiny" has 4 respondents (suppressed); "Ward B" is then hidden too (complementary suppression:
# Tiny alone could be recovered from North's total). "Ward A" moves from disagree to agree.
WAVE_2024 = {("North", "Ward A"): (14, 1.2), ("North", "Ward B"): (13, 2.5), ("North", "Tiny"): (12, 2.5),
             ("South", "Ward C"): (15, 3.0), ("South", "Ward D"): (12, 2.0)}
WAVE_2025 = {("North", "Ward A"): (14, 3.6), ("North", "Ward B"): (13, 2.5), ("North", "Tiny"): (4, 2.5),
             ("South", "Ward C"): (15, 3.0), ("South", "Ward D"): (12, 2.0)}


def survey_csv(sizes: dict, seed: int) -> bytes:
    """A survey export: directorate, team, the four compassionate-leadership questions and q26a-c, as text."""
    rng = np.random.default_rng(seed)
    rows = []
    for (directorate, team), (n, centre) in sizes.items():
        for _ in range(n):
            row = {"Directorate": directorate, "Team": team}
            for question in ("Q9f", "Q9g", "Q9h", "Q9i"):
                row[question] = AGREEMENT[int(np.clip(round(rng.normal(centre, 0.7)), 0, 4))]
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
def whole_app(app_test, monkeypatch):
    """The AppTest of app.py, run as the browser runs it (app.py first: sidebar, banner, then the page).

    AppTest resets Streamlit's "pages directory" flag before every run and, because ``pages/`` exists
    next to app.py, would otherwise run a switched-to page file on its own, without app.py and its sidebar.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    app_test.switch_page(PAGE)
    return app_test


def figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def trace(fig: dict, name: str) -> dict:
    found = [t for t in fig["data"] if t.get("name") == name]
    assert found, f"no trace {name!r} in {[t.get('name') for t in fig['data']]}"
    return found[0]


def check_no_exception(at) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def check_heatmap(fig: dict, shown: set[str], hidden: set[str]) -> None:
    """Rows are exactly ``shown | hidden``; hidden rows have no score, no cell text and no number in hover."""
    scores, grey = trace(fig, "Scores"), trace(fig, "Suppressed")
    assert set(scores["y"]) == shown | hidden
    for row, team in enumerate(scores["y"]):
        if team in hidden:
            assert all(v is None for v in scores["z"][row]), team
            assert all(t == "" for t in scores["text"][row]), team
            assert all(g == 1 for g in grey["z"][row]), team
            for hover in scores["hovertext"][row]:
                assert SUPPRESSED in hover
                rest = hover.replace(team, "").replace(SUPPRESSED, "")
                assert not re.search(r"\d", rest), hover
        else:
            assert any(v is not None for v in scores["z"][row]), team
    # a team suppressed as a whole carries one label across its row: the text, and nothing else
    labelled = {a["y"]: a["text"] for a in fig["layout"].get("annotations", [])}
    for team in hidden:
        assert labelled.get(team) == SUPPRESSED, team
    assert set(labelled) <= hidden


def test_sample_heatmap_table_and_team_in_depth(whole_app):
    at = whole_app
    at.run()
    check_no_exception(at)
    dataset = load_dataset(sample_spec())
    teams = dataset.survey.unit_scores
    teams = teams[(teams["level"] == "team") & (teams["wave"] == "2025")]
    hidden = set(teams.loc[teams["suppressed"], "unit"])
    shown = set(teams["unit"]) - hidden
    assert hidden and shown
    charts = figures(at)
    check_heatmap(charts[0], shown, hidden)

    table = at.dataframe[0].value
    assert set(table["Team"]) == shown | hidden
    gone = table[table["Note"] == SUPPRESSED]
    assert set(gone["Team"]) == hidden
    numbers = [c for c in table.columns if c not in ("Team", "Directorate", "Note", "Change significant?")]
    assert gone[numbers].isna().all().all()
    assert (gone["Change significant?"] == "").all()
    assert table.loc[table["Note"] == "", "Responses (n)"].min() >= K

    # one team in depth: the first team shown, its behaviours, trend (with stars) and HR
    team = at.selectbox(key="team_explorer_team").value
    assert team in shown
    names = [t["name"] for t in charts[1]["data"]]
    assert names == [team, settings.ORGANISATION_UNIT]
    trend = charts[2]
    assert [t["name"] for t in trend["data"]] == ["Compassionate leadership", "Morale", "Staff engagement",
                                                  "changed significantly"]
    assert trace(trend, "Compassionate leadership")["x"] == ["2023", "2024", "2025"]
    assert [t["name"] for t in charts[3]["data"]] == ["Leaver rate, rolling 12 months",
                                                      "Sickness absence rate, rolling 12 months"]
    assert [m.label for m in at.metric] == ["Leaver rate", "Stability index", "Sickness absence rate"]
    for caption in [c.value for c in at.caption]:
        assert "cause" not in caption.replace("not a cause", "")

    # a suppressed team: the message and nothing else
    suppressed_team = sorted(hidden)[0]
    at.selectbox(key="team_explorer_team").set_value(suppressed_team).run()
    check_no_exception(at)
    assert any(f"{suppressed_team}: {SUPPRESSED}" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 1 and len(at.dataframe) == 1 and not at.metric

    # the directorate filter keeps that directorate's teams only
    at.sidebar.selectbox(key="directorate").set_value("Medicine").run()
    check_no_exception(at)
    medicine = teams[teams["parent"] == "Medicine"]
    check_heatmap(figures(at)[0], set(medicine["unit"]) - hidden, set(medicine["unit"]) & hidden)
    assert set(at.dataframe[0].value["Directorate"]) == {"Medicine"}


def test_upload_suppressed_teams_have_no_values(whole_app):
    at = whole_app
    at.session_state["dataset_spec"] = upload_spec()
    at.run()
    check_no_exception(at)
    charts = figures(at)
    check_heatmap(charts[0], {"Ward A", "Ward C", "Ward D"}, {"Tiny", "Ward B"})
    assert trace(charts[0], "Scores")["y"] == ["Tiny", "Ward A", "Ward B", "Ward C", "Ward D"]

    table = at.dataframe[0].value.set_index("Team")
    assert table.loc["Ward A", "Responses (n)"] == 14
    assert table.loc["Ward A", "Change significant?"] == "significant"
    assert pd.isna(table.loc["Ward B", "Responses (n)"]) and table.loc["Ward B", "Note"] == SUPPRESSED

    # Ward A in depth: behaviours against the organisation, questions, trend with a star in 2025, HR
    assert at.selectbox(key="team_explorer_team").value == "Ward A"
    assert [t["name"] for t in charts[1]["data"]] == ["Ward A", settings.ORGANISATION_UNIT]
    trend = charts[2]
    assert trace(trend, "Compassionate leadership")["x"] == ["2024", "2025"]
    assert trace(trend, "changed significantly")["x"] == ["2025"]
    items = at.dataframe[1].value
    assert items["Question"].tolist() == ["q9f", "q9g", "q9h", "q9i", "q26a", "q26b", "q26c"]
    assert items["Wording"].iloc[2] == "My immediate manager cares about my concerns."
    hr_table = at.dataframe[-1].value
    assert hr_table["Numerator"].iloc[0] == 4  # a leaver in Mar, Jun, Sep and Dec 2025
    assert hr_table["Denominator"].iloc[0] == 30
    assert hr_table["Rate (%)"].iloc[0] == pytest.approx(100 * 4 / 30)
    assert hr_table["Rate (%)"].iloc[2] == pytest.approx(100 * 40 * 12 / (800 * 12))

    at.selectbox(key="team_explorer_team").set_value("Ward B").run()
    check_no_exception(at)
    assert any(f"Ward B: {SUPPRESSED}" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 1 and not at.metric


def test_csv_download_neutralises_formulas():
    frame = pd.DataFrame({"Team": ["=HYPERLINK(\"x\")", "Ward A"], "Change": [-0.5, 0.25]})
    text = explorer_view.csv_bytes(frame).decode("utf-8-sig")
    assert text.splitlines() == ["Team,Change", "\"'=HYPERLINK(\"\"x\"\")\",-0.5", "Ward A,0.25"]


def test_scorecards_download_offered(whole_app):
    at = whole_app
    at.run()
    check_no_exception(at)
    labels = [button.proto.label for button in at.get("download_button")]
    assert "Team scorecards (XLSX)" in labels and "Team scorecards (CSV)" in labels

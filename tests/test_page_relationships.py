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
from ui import format as fmt

PAGE = "pages/relationships.py"


@pytest.fixture
def whole_app(app_test, monkeypatch):
    """app.py run as the browser runs it (sidebar, banner, then the page): without this, AppTest would run
    the switched-to page file on its own because ``pages/`` exists next to app.py."""
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


def test_sample_trust(whole_app, sample_dataset):
    at = whole_app
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
    assert not at.warning                               # the two measures share no question
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

"""AppTests of the Trends page, on the sample trust and after an upload of small files.

Suppressed points must be gaps (no value, CI or n anywhere in the figure), and the HR charts carry the
national context lines, labelled as such.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analytics import settings
from analytics.dataset import load_dataset, sample_spec
from tests.test_page_team_explorer import upload_spec
from analytics import labels
from ui import trends_view as view
from tests.page_helpers import check_no_exception, figures, names, trace

PAGE = "pages/trends.py"
K = settings.DEFAULT_MIN_GROUP_SIZE
SUPPRESSED = settings.SUPPRESSED_LABEL.format(k=K)


@pytest.fixture
def whole_app(app_test):
    """app.py run as the browser runs it (frame, then this page): see the ``app_test`` fixture."""
    app_test.switch_page(PAGE)
    return app_test






def reference_lines(fig: dict) -> list[float]:
    return sorted(shape["y0"] for shape in fig["layout"].get("shapes", []))


def check_hr_charts(charts: list[dict], series: list[str]) -> None:
    """The last two charts: rolling leaver and sickness rates, with the national context lines."""
    leaver, sickness = charts[-2], charts[-1]
    assert names(leaver) == series and names(sickness) == series
    low, high, _ = labels.NATIONAL_CONTEXT["leaver_rate"]
    assert reference_lines(leaver) == [low, high]
    low, high, _ = labels.NATIONAL_CONTEXT["sickness_rate"]
    assert reference_lines(sickness) == [low, high]
    for fig in (leaver, sickness):
        notes = [a["text"] for a in fig["layout"].get("annotations", []) if a.get("text")]
        assert notes and all(text.startswith("National context: ") for text in notes)
        for t in fig["data"]:
            assert all(v is None or v >= 0 for v in t["y"])
        # rates from 0, with every value and both context lines inside the range
        bottom, top = fig["layout"]["yaxis"]["range"]
        values = [v for t in fig["data"] for v in t["y"] if v is not None]
        assert bottom == 0 and top >= max(values + reference_lines(fig))
        assert fig["layout"]["meta"]["caption"].endswith(view.RATE_AXIS_TEXT)
        label = next(a for a in fig["layout"]["annotations"] if a.get("text"))
        assert label["y"] in reference_lines(fig)


def test_sample_organisation_then_teams(whole_app):
    at = whole_app
    at.run()
    check_no_exception(at)
    charts = figures(at)
    assert len(charts) == 3
    survey = charts[0]
    assert names(survey) == ["Compassionate leadership", "Morale", "Staff engagement", "changed significantly"]
    assert trace(survey, "Morale")["x"] == ["2023", "2024", "2025"]
    assert all(v is not None for v in trace(survey, "Morale")["y"])
    check_hr_charts(charts, [settings.ORGANISATION_UNIT])
    table = at.dataframe[0].value
    assert set(table["Wave"]) == {"2023", "2024", "2025"} and len(table) == 9

    # the sidebar's HR exclusion (doctors in training, on by default) reaches the HR charts and captions
    excluded = trace(charts[1], settings.ORGANISATION_UNIT)["y"]
    assert any("doctors in training" in c.value for c in at.caption if c.value.startswith("HR records"))
    at.sidebar.checkbox(key="exclude_doctors_in_training").uncheck().run()
    check_no_exception(at)
    counted = trace(figures(at)[1], settings.ORGANISATION_UNIT)["y"]
    assert len(counted) == len(excluded) and counted != excluded
    assert not any("doctors in training" in c.value for c in at.caption if c.value.startswith("HR records"))

    # a team shown in every wave: its lines and, for HR, the organisation alongside
    at.radio(key="trends_level").set_value(settings.LEVEL_TEAM).run()
    check_no_exception(at)
    team = at.selectbox(key="trends_unit_team").value
    charts = figures(at)
    assert all(v is not None for v in trace(charts[0], "Compassionate leadership")["y"])
    check_hr_charts(charts, [team, settings.ORGANISATION_UNIT])

    # a team suppressed in every wave: no survey chart or table, only the message; HR is still shown
    dataset = load_dataset(sample_spec())
    teams = dataset.survey.unit_scores
    teams = teams[teams["level"] == settings.LEVEL_TEAM]
    always_hidden = sorted(teams.groupby("unit")["suppressed"].all().loc[lambda s: s].index)
    assert always_hidden
    at.selectbox(key="trends_unit_team").set_value(always_hidden[0]).run()
    check_no_exception(at)
    assert any(f"fewer than {K} responses in every wave" in i.value for i in at.info)
    charts = figures(at)
    assert len(charts) == 2
    check_hr_charts(charts, [always_hidden[0], settings.ORGANISATION_UNIT])
    assert list(at.dataframe[0].value.columns)[:2] == ["Unit", "12 months to"]


def test_upload_suppressed_wave_is_a_gap(whole_app):
    at = whole_app
    at.session_state["dataset_spec"] = upload_spec()
    at.session_state["trends_level"] = settings.LEVEL_TEAM
    at.run()
    check_no_exception(at)
    # Ward B is shown in 2024 and hidden in 2025 (complementary suppression)
    at.selectbox(key="trends_unit_team").set_value("Ward B").run()
    check_no_exception(at)
    charts = figures(at)
    line = trace(charts[0], "Compassionate leadership")
    assert line["x"] == ["2024", "2025"]
    assert line["y"][0] is not None and line["y"][1] is None
    assert line["error_y"]["array"][1] is None and line["error_y"]["arrayminus"][1] is None
    hidden_hover = line["hovertext"][1]
    # hidden as a complement (its own count reaches k): labelled so, with no number
    assert settings.COMPLEMENTARY_LABEL.format(k=K) in hidden_hover
    assert not re.search(r"\d", hidden_hover.replace("2025", "").replace(settings.COMPLEMENTARY_LABEL.format(k=K), ""))
    assert names(charts[0]) == ["Compassionate leadership", "changed significantly"]
    assert trace(charts[0], "changed significantly")["x"] == []

    table = at.dataframe[0].value
    row = table[table["Wave"] == "2025"].iloc[0]
    assert row["Note"] in (SUPPRESSED, settings.COMPLEMENTARY_LABEL.format(k=K))  # a label, never a number
    for column in ("Responses (n)", "Mean (0–10)", "95% CI low", "95% CI high", "% positive",
                   "Change since previous wave", "Change (BH-adjusted p)"):
        assert pd.isna(row[column]), column

    # HR for Ward B month by month: 30 in post, 4 leavers and 5% sickness in every 12-month window
    check_hr_charts(charts, ["Ward B", settings.ORGANISATION_UNIT])
    hr_table = at.dataframe[1].value
    ward_b = hr_table[hr_table["Unit"] == "Ward B"]
    assert list(hr_table.columns) == list(view.HR_TABLE_COLUMNS)
    assert pd.Timestamp(ward_b["12 months to"].tolist()[0]) == pd.Timestamp("2024-12-01")
    assert ward_b["Staff at start"].tolist() == [30] * 13 and ward_b["Leavers"].tolist() == [4] * 13
    assert ward_b["Leaver rate (%)"].tolist() == pytest.approx([100 * 4 / 30] * 13)
    assert ward_b["Sickness rate (%)"].tolist() == pytest.approx([5.0] * 13)

    # Ward A rose significantly from 2024 to 2025: a star at 2025
    at.selectbox(key="trends_unit_team").set_value("Ward A").run()
    check_no_exception(at)
    assert trace(figures(at)[0], "changed significantly")["x"] == ["2025"]


def test_hr_only_upload_lists_units_from_the_hr_data(whole_app):
    from analytics.dataset import DatasetSpec

    at = whole_app
    at.session_state["dataset_spec"] = DatasetSpec(label="HR only", staff_file=upload_spec().staff_file)
    at.session_state["trends_level"] = settings.LEVEL_TEAM
    at.run()
    check_no_exception(at)
    assert any("No survey results" in i.value for i in at.info)
    assert at.selectbox(key="trends_unit_team").options == ["Tiny", "Ward A", "Ward B", "Ward C", "Ward D"]
    charts = figures(at)
    assert len(charts) == 2
    check_hr_charts(charts, ["Tiny", settings.ORGANISATION_UNIT])


def test_directorate_chooser_follows_the_sidebar_when_it_changes(whole_app):
    at = whole_app
    at.session_state["trends_level"] = settings.LEVEL_DIRECTORATE
    at.run()
    check_no_exception(at)
    chooser = at.selectbox(key="trends_unit_directorate")
    first, second, third = chooser.options[:3]
    chooser.set_value(second).run()
    assert at.selectbox(key="trends_unit_directorate").value == second

    # the sidebar's directorate changes: the page's chooser follows it, dropping the earlier pick
    at.sidebar.selectbox(key="directorate").set_value(third).run()
    check_no_exception(at)
    assert at.selectbox(key="trends_unit_directorate").value == third
    assert at.subheader[0].value.endswith(third)

    # the user picks another directorate on the page: kept on later runs while the sidebar stays put
    at.selectbox(key="trends_unit_directorate").set_value(first).run()
    at.sidebar.checkbox(key="exclude_doctors_in_training").uncheck().run()
    check_no_exception(at)
    assert at.selectbox(key="trends_unit_directorate").value == first

    # back to all directorates in the sidebar: nothing to follow, the pick stays
    at.sidebar.selectbox(key="directorate").set_value(at.sidebar.selectbox(key="directorate").options[0]).run()
    assert at.selectbox(key="trends_unit_directorate").value == first


def test_rate_axis_range_starts_at_zero_and_holds_values_and_context_lines():
    # highest value 5.6 below the context line 5.7: the top is 5.7 plus 8% headroom
    assert view.rate_axis_range([5.3, 5.6, None], [5.6, 5.7]) == pytest.approx([0.0, 5.7 * 1.08])
    # a value above the lines sets the top
    assert view.rate_axis_range(pd.Series([12.9, float("nan")]), [10.0, 12.5]) == pytest.approx([0.0, 12.9 * 1.08])
    assert view.rate_axis_range([None, None]) == [0.0, 1.0]


def test_hr_table_display_formats_counts_days_and_rates():
    frame = pd.DataFrame({
        "unit": ["Organisation"], "month": pd.to_datetime(["2023-03-01"]),
        "window_start": pd.to_datetime(["2022-04-01"]),
        "staff_start": pd.array([4783], dtype="Int64"), "staff_end": pd.array([4668], dtype="Int64"),
        "leavers": pd.array([589], dtype="Int64"), "fte_days_lost": [81775.0588],
        "fte_days_available": [1496404.9689], "leaver_rate_12m": [100 * 589 / ((4783 + 4668) / 2)],
        "sickness_rate_12m": [100 * 81775.0588 / 1496404.9689],
    })
    display, config = view.hr_table_display(frame)
    assert list(display.columns) == list(view.HR_TABLE_COLUMNS)
    row = display.iloc[0]
    assert row["Staff at start"] == 4783 and str(display["Leavers"].dtype) == "Int64"
    # full precision kept; rounding is in the column formats
    assert row["FTE days lost"] == 81775.0588
    assert row["Sickness rate (%)"] == pytest.approx(100 * 81775.0588 / 1496404.9689)
    formats = {name: c.get("type_config", {}).get("format") for name, c in config.items()}
    assert formats["Staff at start"] == formats["Leavers"] == "%,d"
    assert formats["FTE days lost"] == formats["FTE days available"] == "%,.0f"
    assert formats["Leaver rate (%)"] == formats["Sickness rate (%)"] == "%.1f%%"
    assert formats["12 months to"] == "MMM YYYY"
    # every column has a width, and together they fit the page's table area at a 1400-px window (940 px)
    assert sum(c["width"] for c in config.values()) <= 935


def test_context_label_goes_on_the_side_away_from_the_data():
    # sickness 5.3-5.6%, lines at 5.6 and 5.7: the median 5.45 is below the middle 5.65, so above 5.7
    assert view.context_label_anchor([5.3, 5.45, 5.6], 5.6, 5.7) == (5.7, "bottom")
    # leaver rate 11-12.5%, lines at 10 and 12.5: the median 11.8 is above the middle 11.25, so under 10
    assert view.context_label_anchor([11.0, 11.8, 12.5, None], 10.0, 12.5) == (10.0, "top")
    assert view.context_label_anchor([], 10.0, 12.5) == (12.5, "bottom")

"""Tests for render.charts: figure contents read back from the figure JSON.

Anonymity checks plant tell-tale numbers (a score of 9.8765, n = 987, a CI of 9.1234 to 9.9876,
98.765% positive) on suppressed rows — values the analytics layer would already have blanked — and
assert that none of them, in any form, reaches any trace or annotation of the figure.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import plotly.colors
import pytest
import statsmodels.api as sm
from scipy import stats

from analytics import settings
from analytics.errors import InputError
from analytics.stats.fit import least_squares_fit
from render import charts
from analytics import labels

LEAKED_NUMBERS = (9.8765, 987, 9.1234, 9.9876, 98.765)
LEAKED_TEXT = ("9.9", "9.88", "987", "9.1", "98.8", "98.77")


# --- helpers --------------------------------------------------------------------------------------------

COMPLEMENTARY = settings.COMPLEMENTARY_LABEL.format(k=11)

def figure_json(fig) -> dict:
    """The figure as the browser receives it, without the theme template (which carries no data)."""
    spec = json.loads(fig.to_json())
    spec["layout"].pop("template", None)
    return spec


def leaves(obj):
    """Every scalar in a JSON structure, decoding Plotly's base64 typed arrays."""
    if isinstance(obj, dict):
        if "bdata" in obj and "dtype" in obj:
            yield from np.frombuffer(base64.b64decode(obj["bdata"]), dtype=obj["dtype"]).tolist()
            return
        for key, value in obj.items():
            yield key
            yield from leaves(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from leaves(value)
    else:
        yield obj


def assert_nothing_leaks(fig):
    for leaf in leaves(figure_json(fig)):
        if isinstance(leaf, bool) or leaf is None:
            continue
        if isinstance(leaf, (int, float)):
            assert not any(np.isclose(leaf, v) for v in LEAKED_NUMBERS), leaf
        else:
            assert not any(t in str(leaf) for t in LEAKED_TEXT), leaf


def trace(fig, name):
    spec = figure_json(fig)
    found = [t for t in spec["data"] if t.get("name") == name]
    assert found, f"no trace named {name!r}: {[t.get('name') for t in spec['data']]}"
    return found[0]


# --- data ------------------------------------------------------------------------------------------------
def unit_scores() -> pd.DataFrame:
    """Three scored teams, one suppressed team (with planted values), one team scored on one measure only,
    and a team hidden only by its n (flag false but n below k), and one with a missing flag."""
    rows = []

    def add(unit, parent, measure, n, mean, suppressed, wave=2025):
        ci = (mean - 0.4, mean + 0.4) if mean is not None else (None, None)
        rows.append(dict(wave=wave, level="team", unit=unit, parent=parent, measure=measure, n=n, mean=mean,
                         ci_low=ci[0], ci_high=ci[1], pct_positive=None, suppressed=suppressed))

    add("Ward A", "Medicine", "compassionate_leadership", 20, 7.2, False)
    add("Ward A", "Medicine", "morale", 19, 6.1, False)
    add("Theatres", "Surgery", "compassionate_leadership", 31, 6.4, False)
    add("Theatres", "Surgery", "morale", 30, 5.8, False)
    add("Clinic", "Surgery", "compassionate_leadership", 45, 7.7, False)
    # Clinic has no morale row at all -> "no data"
    for measure in ("compassionate_leadership", "morale"):
        rows.append(dict(wave=2025, level="team", unit="Ward B", parent="Medicine", measure=measure, n=987,
                         mean=9.8765, ci_low=9.1234, ci_high=9.9876, pct_positive=98.765, suppressed=True))
    rows.append(dict(wave=2025, level="team", unit="Small", parent="Surgery", measure="morale", n=6,
                     mean=9.8765, ci_low=9.1234, ci_high=9.9876, pct_positive=98.765, suppressed=False))
    rows.append(dict(wave=2025, level="team", unit="Unknown", parent="Surgery", measure="morale", n=987,
                     mean=9.8765, ci_low=9.1234, ci_high=9.9876, pct_positive=98.765, suppressed=pd.NA))
    add("Ward A", "Medicine", "morale", 18, 6.5, False, wave=2024)
    frame = pd.DataFrame(rows)
    frame["n"] = frame["n"].astype("Int64")
    frame["suppressed"] = frame["suppressed"].astype("boolean")
    return frame


# --- 1. heatmap --------------------------------------------------------------------------------------------
HEATMAP_ROWS = ["<b>Medicine</b>", "Ward A", "Ward B", "<b>Surgery</b>", "Clinic", "Small", "Theatres", "Unknown"]


def test_heatmap_scores_and_layout():
    fig = charts.heatmap_teams_by_measure(unit_scores(), wave=2025, min_group_size=11)
    scores = trace(fig, "Scores")
    assert scores["x"] == ["Compassionate leadership", "Morale"]
    # rows grouped by parent (a heading row each), then unit: Medicine (Ward A, Ward B), Surgery (...)
    assert scores["y"] == HEATMAP_ROWS
    assert scores["z"][1] == [7.2, 6.1]
    assert scores["z"][4] == [7.7, None]  # Clinic: no morale row
    assert scores["text"][1] == ["7.2", "6.1"]
    assert "95% CI 6.8 to 7.6" in scores["hovertext"][1][0] and "n = 20 responses" in scores["hovertext"][1][0]
    assert [c for _, c in scores["colorscale"]] == [c for _, c in plotly.colors.get_colorscale("Viridis")]
    # Colours: whole points around the shown scores (5.8 to 7.7), stated in the caption.
    assert (scores["zmin"], scores["zmax"]) == (5, 8) and fig.layout.meta["score_range"] == [5, 8]
    assert "Colours run from 5 to 8 points" in charts.figure_caption(fig)
    assert fig.layout.yaxis.title.text == "Team"
    # Heading rows have no cells, a blank tick and the parent's name written in the row.
    assert all(v is None for v in scores["z"][0]) and all(v is None for v in scores["z"][3])
    ticks = dict(zip(fig.layout.yaxis.tickvals, fig.layout.yaxis.ticktext))
    assert ticks["<b>Medicine</b>"] == "" and ticks["Ward A"] == "Ward A"
    notes = {a["y"]: a["text"] for a in figure_json(fig)["layout"]["annotations"]}
    assert notes["<b>Medicine</b>"] == "<b>Medicine</b>" and notes["<b>Surgery</b>"] == "<b>Surgery</b>"


def test_heatmap_score_text_colour_follows_cell_luminance():
    fig = charts.heatmap_teams_by_measure(unit_scores(), wave=2025, min_group_size=11)
    assert "texttemplate" not in trace(fig, "Scores")  # the scores' text is drawn by "Score labels"
    labels_trace = trace(fig, "Score labels")
    cells = list(zip(labels_trace["y"], labels_trace["x"], labels_trace["text"], labels_trace["textfont"]["color"]))
    assert [c[:3] for c in cells] == [("Ward A", "Compassionate leadership", "7.2"), ("Ward A", "Morale", "6.1"),
                                      ("Clinic", "Compassionate leadership", "7.7"),
                                      ("Theatres", "Compassionate leadership", "6.4"), ("Theatres", "Morale", "5.8")]
    for _, _, value, colour in cells:
        cell = charts.scale_colour(float(value), 5, 8)
        assert colour == charts.text_colour_on(cell)
    by_value = {value: colour for _, _, value, colour in cells}
    assert by_value["7.7"] == "#000000"  # light green-yellow end of Viridis: black text
    assert by_value["5.8"] == "#FFFFFF"  # dark blue end: white text
    assert labels_trace["hoverinfo"] == "skip" and labels_trace["mode"] == "text"


def test_relative_luminance_and_text_colour_by_hand():
    # WCAG: #808080 -> c = 128/255; ((c + 0.055) / 1.055) ** 2.4 on each channel; R, G and B weights sum to 1.
    c = 128 / 255
    assert charts.relative_luminance("#808080") == pytest.approx(((c + 0.055) / 1.055) ** 2.4)
    assert charts.relative_luminance("rgb(255, 0, 0)") == pytest.approx(0.2126)
    # Black wins when (L + 0.05)^2 >= 0.05 * 1.05, i.e. L >= 0.1791: #767676 (L = 0.1812) and
    # #757575 (L = 0.1779) fall either side.
    assert charts.relative_luminance("#767676") == pytest.approx(0.1812, abs=1e-4)
    assert charts.text_colour_on("#767676") == "#000000" and charts.text_colour_on("#757575") == "#FFFFFF"
    assert charts.scale_colour(5, 5, 8) == "rgb(68, 1, 84)" and charts.scale_colour(9, 5, 8) == "rgb(253, 231, 37)"
    viridis = plotly.colors.get_colorscale("Viridis")
    for position in (0.0, 0.13, 0.5, 0.77, 0.95, 1.0):  # the colour Plotly paints is the one judged
        expected = plotly.colors.sample_colorscale(viridis, [position], colortype="rgb")[0]
        assert charts.scale_colour(5 + 3 * position, 5, 8) == expected


def test_heatmap_suppressed_cells_are_grey_with_text_and_nothing_else():
    fig = charts.heatmap_teams_by_measure(unit_scores(), wave=2025, min_group_size=11)
    scores, grey = trace(fig, "Scores"), trace(fig, "Suppressed")
    rows = scores["y"]
    for unit in ("Ward B", "Small", "Unknown"):  # flagged; n below k; flag missing
        i = rows.index(unit)
        hidden_cols = [0, 1] if unit == "Ward B" else [1]
        for j in hidden_cols:
            assert scores["z"][i][j] is None and scores["text"][i][j] == ""
            assert grey["z"][i][j] == 1
            assert grey["hovertext"][i][j].endswith("fewer than 11 responses")
            assert "n =" not in grey["hovertext"][i][j]
        # A cell of a partly hidden row says so briefly; the row hidden whole gets the words once.
        if unit != "Ward B":
            assert grey["text"][i][1] == "n < 11"
    assert grey["text"][rows.index("Ward B")] == ["", ""]
    notes = {a["y"]: a for a in figure_json(fig)["layout"]["annotations"]}
    assert notes["Ward B"]["text"] == "fewer than 11 responses"
    # The row label sits on the cells' grey, so the gaps between cells cannot cut it.
    assert notes["Ward B"]["bgcolor"] == labels.SUPPRESSED_COLOUR
    assert notes["Ward B"]["font"]["color"] == charts.text_colour_on(labels.SUPPRESSED_COLOUR) == "#000000"
    assert set(notes) == {"Ward B", "<b>Medicine</b>", "<b>Surgery</b>"}
    assert grey["colorscale"][0][1] == labels.SUPPRESSED_COLOUR and grey["showscale"] is False
    assert_nothing_leaks(fig)


def test_heatmap_no_data_differs_from_suppressed():
    # Clinic has no morale row; Small and Unknown have no leadership row; "Empty" was not asked the
    # morale questions (n = 0, not flagged): all "no data", not grey.
    frame = pd.concat([unit_scores(), pd.DataFrame([dict(
        wave=2025, level="team", unit="Empty", parent="Surgery", measure="morale", n=0, mean=np.nan, ci_low=np.nan,
        ci_high=np.nan, pct_positive=np.nan, suppressed=False)])], ignore_index=True)
    fig = charts.heatmap_teams_by_measure(frame, wave=2025, min_group_size=11)
    blank, grey = trace(fig, "No data"), trace(fig, "Suppressed")
    rows = blank["y"]
    for unit, column in (("Clinic", 1), ("Small", 0), ("Unknown", 0), ("Empty", 0), ("Empty", 1)):
        i = rows.index(unit)
        assert blank["z"][i][column] == 1 and blank["text"][i][column] == "no data"
        assert blank["hovertext"][i][column].endswith(": no data")
        assert grey["z"][i][column] is None
    assert blank["colorscale"][0][1] == charts.NO_DATA_FILL != labels.SUPPRESSED_COLOUR
    # 7 teams x 2 measures = 14 cells: 5 scored, 4 hidden, 14 - 5 - 4 = 5 with no data.
    assert "5 cells with no data" in charts.figure_caption(fig)
    assert "fewer than 11 responses" not in json.dumps(blank)


def test_heatmap_labels_complementary_suppression_by_its_reason():
    frame = unit_scores()
    frame["suppressed_reason"] = np.where(frame["suppressed"].fillna(True), settings.SUPPRESSION_PRIMARY, "")
    frame.loc[frame["unit"] == "Ward B", "suppressed_reason"] = settings.SUPPRESSION_COMPLEMENTARY
    fig = charts.heatmap_teams_by_measure(frame, wave=2025, min_group_size=11)
    grey = trace(fig, "Suppressed")
    ward_b = grey["y"].index("Ward B")
    assert grey["hovertext"][ward_b][0].endswith(COMPLEMENTARY)
    notes = {a["y"]: a["text"] for a in figure_json(fig)["layout"]["annotations"]}
    assert notes["Ward B"] == COMPLEMENTARY
    assert grey["text"][grey["y"].index("Unknown")][1] == "n < 11"
    caption = charts.figure_caption(fig)
    # Ward B's row carries the words; only the primary reason appears as a short cell text.
    assert ("grey cells, not scored: fewer than 11 responses (“n < 11” in a cell), or "
            + COMPLEMENTARY + ";") in caption
    assert_nothing_leaks(fig)


def test_heatmap_caption_names_data_wave_unit_and_n():
    caption = charts.figure_caption(charts.heatmap_teams_by_measure(unit_scores(), wave=2025, min_group_size=11))
    assert caption.startswith("Staff survey, wave 2025.")
    assert "Unit of analysis: team." in caption
    assert "6 teams × 2 measures" in caption
    assert "3 teams with grey cells, not scored: fewer than 11 responses (“n < 11” in a cell);" in caption
    # 6 teams x 2 measures = 12 cells: 5 scored, 4 hidden, so 12 - 5 - 4 = 3 with no data.
    assert "3 cells with no data" in caption
    assert "19–45 responses per scored cell" in caption  # smallest and largest n of scored cells
    assert "987" not in caption and "6 responses" not in caption


def test_heatmap_uses_the_threshold_in_use():
    fig = charts.heatmap_teams_by_measure(unit_scores(), wave=2025, min_group_size=20)
    scores, grey = trace(fig, "Scores"), trace(fig, "Suppressed")
    ward_a = scores["y"].index("Ward A")
    assert scores["z"][ward_a] == [7.2, None]  # morale n = 19 < 20: hidden even though not flagged
    assert grey["text"][ward_a][1] == "n < 20"
    assert grey["hovertext"][ward_a][1].endswith("fewer than 20 responses")
    assert "19" not in scores["hovertext"][ward_a][1] and "6.1" not in json.dumps(figure_json(fig))


def test_heatmap_sort_and_measure_choice():
    fig = charts.heatmap_teams_by_measure(unit_scores(), wave=2025, min_group_size=11,
                                          measures=["compassionate_leadership"], sort_by="compassionate_leadership",
                                          score_range=(0, 10))
    scores = trace(fig, "Scores")
    assert scores["x"] == ["Compassionate leadership"]
    assert scores["y"][:3] == ["Clinic", "Ward A", "Theatres"]  # 7.7 > 7.2 > 6.4, then unscored rows
    assert not any(str(y).startswith("<b>") for y in scores["y"])  # no heading rows when sorted by a score
    assert (scores["zmin"], scores["zmax"]) == (0, 10) and "Colours run from 0 to 10 points" in charts.figure_caption(fig)
    assert_nothing_leaks(fig)


def test_heatmap_duplicate_team_names_get_their_parent():
    frame = unit_scores()
    extra = frame.iloc[[0]].assign(parent="Surgery", mean=6.9)
    fig = charts.heatmap_teams_by_measure(pd.concat([frame, extra]), wave=2025, measures=["compassionate_leadership"],
                                          min_group_size=11)
    assert {"Ward A (Medicine)", "Ward A (Surgery)"} <= set(trace(fig, "Scores")["y"])


def test_heatmap_organisation_level_with_blank_parent():
    frame = pd.DataFrame(dict(wave=["2025"] * 2, level=["organisation"] * 2, unit=["Organisation"] * 2,
                              parent=["", ""], measure=["morale", "inclusion"], n=[112, 110], mean=[6.0, 7.0],
                              ci_low=[5.8, 6.8], ci_high=[6.2, 7.2], pct_positive=[40.0, 55.0],
                              suppressed=[False, False]))
    fig = charts.heatmap_teams_by_measure(frame, wave="2025", level="organisation", min_group_size=11)
    scores = trace(fig, "Scores")
    assert scores["x"] == ["Inclusion", "Morale"]  # codebook order
    assert scores["y"] == ["Organisation"]  # one unit, no parent: no heading row
    assert scores["hovertext"][0][0].startswith("<b>Organisation</b><br>Inclusion: 7.0")
    assert "Unit of analysis: organisation. 1 organisation × 2 measures" in charts.figure_caption(fig)


@pytest.mark.parametrize("kwargs, message", [
    (dict(wave=2019), "There are no team results for wave 2019"),
    (dict(wave=2025, measures=["inclusion"]), "No results for inclusion in wave 2025"),
    (dict(wave=2025, sort_by="inclusion"), "Cannot sort by 'inclusion'"),
])
def test_heatmap_refusals(kwargs, message):
    with pytest.raises(InputError, match=message):
        charts.heatmap_teams_by_measure(unit_scores(), **kwargs, min_group_size=11)


def test_heatmap_refuses_a_table_without_suppression_flags():
    with pytest.raises(InputError, match="has no column 'suppressed'"):
        charts.heatmap_teams_by_measure(unit_scores().drop(columns="suppressed"), wave=2025, min_group_size=11)


def test_heatmap_refuses_duplicate_rows():
    frame = unit_scores()
    with pytest.raises(InputError, match="more than one row for Ward A and compassionate_leadership"):
        charts.heatmap_teams_by_measure(pd.concat([frame, frame.iloc[[0]]]), wave=2025, min_group_size=11)


# --- 2. scatter with fit -------------------------------------------------------------------------------------
def points() -> pd.DataFrame:
    return pd.DataFrame({
        "unit": ["T1", "T2", "T3", "T4", "T5", "Hidden"],
        "compassionate_leadership": [1.0, 2.0, 3.0, 4.0, 5.0, 9.8765],
        "leaver_rate": [2.0, 4.0, 5.0, 4.0, 5.0, 98.765],
        "n": [12, 48, 27, 12, 30, 987],
        "suppressed": [False, False, False, False, False, True],
    })


def test_scatter_fit_slope_by_hand_and_numpy():
    fig = charts.scatter_with_fit(points(), "compassionate_leadership", "leaver_rate", size="n")
    line = trace(fig, "Least-squares line")
    slope = (line["y"][-1] - line["y"][0]) / (line["x"][-1] - line["x"][0])
    # x̄ = 3, ȳ = 4; Sxy = (−2)(−2) + (−1)(0) + 0(1) + 1(0) + 2(1) = 6; Sxx = 4 + 1 + 0 + 1 + 4 = 10
    assert slope == pytest.approx(6 / 10)
    assert line["y"][0] == pytest.approx(4 - 0.6 * 3 + 0.6 * 1)  # intercept 2.2, at x = 1
    polyfit_slope, polyfit_intercept = np.polyfit([1, 2, 3, 4, 5], [2, 4, 5, 4, 5], 1)
    assert fig.layout.meta["fit"]["slope"] == pytest.approx(polyfit_slope)
    assert fig.layout.meta["fit"]["intercept"] == pytest.approx(polyfit_intercept)
    assert fig.layout.meta["fit"]["n"] == 5
    assert line["x"][0] == 1.0 and line["x"][-1] == 5.0


def test_scatter_band_matches_statsmodels_get_prediction():
    fig = charts.scatter_with_fit(points(), "compassionate_leadership", "leaver_rate", size="n")
    band = trace(fig, "95% confidence band")
    grid = np.array(trace(fig, "Least-squares line")["x"])
    k = len(grid)
    upper, lower = np.array(band["y"][:k]), np.array(band["y"][k:][::-1])
    assert band["x"] == list(grid) + list(grid[::-1]) and band["fill"] == "toself"
    model = sm.OLS([2.0, 4.0, 5.0, 4.0, 5.0], sm.add_constant([1.0, 2.0, 3.0, 4.0, 5.0])).fit()
    expected = model.get_prediction(sm.add_constant(grid)).conf_int(alpha=0.05)
    np.testing.assert_allclose(lower, expected[:, 0], rtol=1e-10)
    np.testing.assert_allclose(upper, expected[:, 1], rtol=1e-10)
    # By hand at x̄ = 3 (the middle of a 3-point grid): fitted 2.8, 3.4, 4.0, 4.6, 5.2, residuals
    # −0.8, 0.6, 1.0, −0.6, −0.2, SSE = 0.64 + 0.36 + 1 + 0.36 + 0.04 = 2.4, s = √(2.4 / 3); the
    # half-width is t(0.975, 3) · s · √(1/5 + 0).
    fit = least_squares_fit([1, 2, 3, 4, 5], [2, 4, 5, 4, 5], n_grid=3)
    assert fit.fitted[1] == pytest.approx(4.0)
    assert fit.ci_high[1] - fit.fitted[1] == pytest.approx(stats.t.ppf(0.975, 3) * np.sqrt(2.4 / 3) / np.sqrt(5))


def test_scatter_points_hover_sizes_and_suppression():
    fig = charts.scatter_with_fit(points(), "compassionate_leadership", "leaver_rate", size="n")
    markers = trace(fig, "Teams")
    assert markers["x"] == [1.0, 2.0, 3.0, 4.0, 5.0] and markers["text"] == ["T1", "T2", "T3", "T4", "T5"]
    assert "<b>T2</b>" in markers["hovertext"][1]
    assert "Compassionate leadership: 2.0" in markers["hovertext"][1] and "Leaver rate: 4.0%" in markers["hovertext"][1]
    assert "Responses: 48" in markers["hovertext"][1]
    sizes = markers["marker"]["size"]
    assert sizes[1] == 36  # the largest unit
    assert (sizes[0] / sizes[1]) ** 2 == pytest.approx(12 / 48, abs=1e-3)  # area proportional to n
    assert fig.layout.xaxis.title.text == "Compassionate leadership (score 0–10)"
    assert fig.layout.yaxis.title.text == "Leaver rate (%)"
    assert "Hidden" not in json.dumps(figure_json(fig))
    assert_nothing_leaks(fig)
    caption = charts.figure_caption(fig)
    assert "n = 5 teams, one point each" in caption
    assert "1 with fewer than 11 responses not shown" in caption
    assert "association, not a cause" in caption


def test_scatter_without_enough_points_draws_no_line():
    few = points().iloc[[0, 1, 5]]
    fig = charts.scatter_with_fit(few, "compassionate_leadership", "leaver_rate", size="n", period="2024–25")
    names = [t.name for t in fig.data]
    assert names == ["Teams"] and "fit" not in fig.layout.meta
    assert "Too few points for a fitted line" in charts.figure_caption(fig)
    assert least_squares_fit([1, 1, 1, 1], [1, 2, 3, 4]) is None  # no spread in x


def test_scatter_groups_by_colour_and_drops_incomplete_rows():
    frame = points().assign(benchmark=["Acute", "Acute", "Community", "Community", "Acute", "Acute"])
    frame.loc[2, "leaver_rate"] = np.nan
    fig = charts.scatter_with_fit(frame, "compassionate_leadership", "leaver_rate", color="benchmark")
    assert trace(fig, "Acute")["text"] == ["T1", "T2", "T5"]
    assert trace(fig, "Community")["text"] == ["T4"]
    assert "1 without both values not shown" in charts.figure_caption(fig)


def test_scatter_refuses_a_missing_column():
    with pytest.raises(InputError, match="has no column 'sickness_rate'"):
        charts.scatter_with_fit(points(), "compassionate_leadership", "sickness_rate")


# --- 3. trend lines ------------------------------------------------------------------------------------------
def wave_trends() -> pd.DataFrame:
    return pd.DataFrame({
        "wave": [2023, 2024, 2025, 2023, 2024, 2025],
        "measure": ["morale"] * 3 + ["compassionate_leadership"] * 3,
        "mean": [5.9, 6.0, 6.4, 7.0, 9.8765, 7.1],
        "ci_low": [5.7, 5.8, 6.2, 6.8, 9.1234, 6.9],
        "ci_high": [6.1, 6.2, 6.6, 7.2, 9.9876, 7.3],
        "n": [120, 130, 125, 118, 987, 122],
        "changed": [False, False, True, False, True, False],
        "suppressed": [False, False, False, False, True, False],
    })


def test_trend_lines_values_error_bars_and_significance():
    fig = charts.trend_lines(wave_trends(), "wave", "mean", color="measure", ci_low="ci_low", ci_high="ci_high",
                             markers_significant="changed")
    morale = trace(fig, "Morale")
    assert morale["x"] == [2023, 2024, 2025] and morale["y"] == [5.9, 6.0, 6.4]
    assert morale["error_y"]["array"] == pytest.approx([6.1 - 5.9, 6.2 - 6.0, 6.6 - 6.4])
    assert morale["error_y"]["arrayminus"] == pytest.approx([5.9 - 5.7, 6.0 - 5.8, 6.4 - 6.2])
    stars = trace(fig, "changed significantly")
    assert stars["x"] == [2025] and stars["y"] == [6.4]  # the suppressed flagged point gets no star
    assert stars["marker"]["symbol"] == "star" and morale["marker"]["symbol"] != "star"
    assert fig.layout.xaxis.type == "category" and list(fig.layout.xaxis.categoryarray) == [2023, 2024, 2025]
    assert fig.layout.yaxis.title.text == "Mean score (0–10)"
    assert fig.layout.xaxis.title.text == "Survey wave (year)"


def test_trend_lines_suppressed_point_is_a_gap():
    fig = charts.trend_lines(wave_trends(), "wave", "mean", color="measure", ci_low="ci_low", ci_high="ci_high",
                             markers_significant="changed", y_title="Score (0–10)")
    leadership = trace(fig, "Compassionate leadership")
    assert leadership["y"] == [7.0, None, 7.1]
    assert leadership["error_y"]["array"][1] is None
    assert leadership["hovertext"][1].endswith("fewer than 11 responses")
    assert_nothing_leaks(fig)
    caption = charts.figure_caption(fig)
    assert caption.startswith("Staff survey, waves 2023 to 2025.")
    assert "2 series, 5 points (118–130 responses each)" in caption
    assert "1 point with fewer than 11 responses left as gaps" in caption


def test_trend_lines_no_data_points_are_not_called_suppressed():
    # Morale not asked in 2026 (n = 0, not flagged): "no data"; leadership hidden in 2024 as a complement.
    frame = wave_trends().assign(suppressed_reason="")
    frame.loc[frame["suppressed"], "suppressed_reason"] = settings.SUPPRESSION_COMPLEMENTARY
    extra = pd.DataFrame([dict(wave=2026, measure="morale", mean=np.nan, ci_low=np.nan, ci_high=np.nan, n=0,
                               changed=False, suppressed=False, suppressed_reason="")])
    frame = pd.concat([frame, extra], ignore_index=True)
    fig = charts.trend_lines(frame, "wave", "mean", color="measure", ci_low="ci_low", ci_high="ci_high")
    morale = trace(fig, "Morale")
    assert morale["y"][-1] is None and morale["hovertext"][-1] == "<b>Morale</b>, 2026: no data"
    leadership = trace(fig, "Compassionate leadership")
    assert leadership["hovertext"][1].endswith(COMPLEMENTARY)
    caption = charts.figure_caption(fig)
    assert "2 series, 5 points (118–130 responses each)" in caption
    assert f"1 point {COMPLEMENTARY} left as gaps" in caption
    assert "1 point with no data" in caption and "fewer than" not in caption.replace(COMPLEMENTARY, "")
    assert_nothing_leaks(fig)


def test_trend_lines_monthly_bands_and_reference_line():
    months = pd.date_range("2024-01-01", periods=9, freq="MS")
    frame = pd.DataFrame({
        "unit": ["Ward A"] * 9,
        "month": months,
        "sickness_rate_12m": [4.0, 4.1, np.nan, 4.3, 4.4, 4.2, 4.6, 4.8, 5.0],
        "lo": [3.5, 3.6, np.nan, 3.8, 3.9, 3.7, 4.1, 4.3, 4.5],
        "hi": [4.5, 4.6, np.nan, 4.8, 4.9, 4.7, 5.1, 5.3, 5.5],
    })
    low, high, source = labels.NATIONAL_CONTEXT["sickness_rate"]
    fig = charts.trend_lines(frame, "month", "sickness_rate_12m", color="unit", ci_low="lo", ci_high="hi",
                             reference_lines=[(low, source)], data_label="HR records", unit_of_analysis="team")
    spec = figure_json(fig)
    bands = [t for t in spec["data"] if t.get("fill") == "toself"]
    assert len(bands) == 2  # the missing month splits the band in two
    assert len(bands[0]["x"]) == 2 * 2 and len(bands[1]["x"]) == 2 * 6
    assert fig.layout.xaxis.type == "date"
    assert fig.layout.yaxis.title.text == "Sickness absence rate, rolling 12 months (%)"
    assert trace(fig, "Ward A")["hovertext"][0].endswith(
        "Sickness absence rate, rolling 12 months: 4.0%<br>95% CI 3.5% to 4.5%")
    assert spec["layout"]["shapes"][0]["y0"] == 5.6
    assert "Jan 2024 to Sep 2024" in charts.figure_caption(fig)


def test_trend_lines_refuses_unknown_ci_style():
    with pytest.raises(InputError, match="ci_style must be"):
        charts.trend_lines(wave_trends(), "wave", "mean", color="measure", ci_style="ribbon")


# --- 4. behaviours ------------------------------------------------------------------------------------------
def item_results() -> pd.DataFrame:
    rows = []
    team_values = {"q9f": (62.5, 24), "q9g": (70.0, 24), "q9i": (55.0, 22), "q9a": (80.0, 24)}
    for item, (pct, n) in team_values.items():
        rows.append(dict(wave=2025, level="team", unit="Ward A", parent="Medicine", item=item, n=n,
                         pct_positive=pct, suppressed=False))
    rows.append(dict(wave=2025, level="team", unit="Ward A", parent="Medicine", item="q9h", n=987,
                     pct_positive=98.765, suppressed=True))
    for item, pct in {"q9f": 66.0, "q9g": 72.5, "q9h": 74.0, "q9i": 58.0}.items():
        rows.append(dict(wave=2025, level="organisation", unit="Organisation", parent=None, item=item, n=1500,
                         pct_positive=pct, suppressed=False))
    rows.append(dict(wave=2024, level="team", unit="Ward A", parent="Medicine", item="q9f", n=20,
                     pct_positive=50.0, suppressed=False))
    return pd.DataFrame(rows)


def test_behaviours_bar_team_against_organisation():
    fig = charts.behaviours_bar(item_results(), "Ward A", "Organisation", min_group_size=11)
    team, org = trace(fig, "Ward A"), trace(fig, "Organisation")
    categories = ["Attending (q9g)", "Understanding (q9f)", "Empathising (q9h)", "Helping (q9i)"]
    assert team["y"] == categories and org["y"] == categories
    assert team["x"] == [70.0, 62.5, None, 55.0]  # wave 2025 is the latest
    assert org["x"] == [72.5, 66.0, 74.0, 58.0]
    assert team["text"][0] == "70.0%"
    assert "is interested in listening to me when I describe challenges I face" in team["hovertext"][0]
    assert "n = 24" in team["hovertext"][0]
    assert org["marker"]["pattern"]["shape"] == "/" and team["marker"]["color"] != org["marker"]["color"]
    assert "interpretation, not NHS method" in fig.layout.title.subtitle.text
    assert fig.layout.xaxis.title.text == "Positive answers (%)"
    # Values are written beyond the bar ends, in the theme's font colour; the axis runs to 112 to leave
    # room for a full bar's "100.0%", and its ticks stop at 100.
    assert team["textposition"] == org["textposition"] == "outside"
    assert "color" not in team.get("textfont", {}) and "color" not in org.get("textfont", {})
    assert list(fig.layout.xaxis.range) == [0, 112] and list(fig.layout.xaxis.tickvals) == [0, 20, 40, 60, 80, 100]
    assert not fig.layout.shapes  # no value of 0 to mark


def test_behaviours_bar_marks_a_value_of_zero():
    frame = item_results()
    frame.loc[(frame["unit"] == "Ward A") & (frame["item"] == "q9i"), "pct_positive"] = 0.0
    fig = charts.behaviours_bar(frame, "Ward A", "Organisation", min_group_size=11)
    team = trace(fig, "Ward A")
    assert team["x"][3] == 0.0 and team["text"][3] == "0.0%"
    shapes = figure_json(fig)["layout"]["shapes"]
    assert len(shapes) == 1
    mark = shapes[0]
    # Helping is the 4th category (index 3); the team's bar is the upper half of it: 3 - 0.4 to 3.
    assert (mark["type"], mark["x0"], mark["y0"], mark["y1"]) == ("rect", 0, 3 - 0.4, 3)
    assert mark["x1"] > 0 and mark["fillcolor"] == labels.UNIT_COLOUR


def test_behaviours_bar_suppressed_question_shows_text_only():
    fig = charts.behaviours_bar(item_results(), "Ward A", "Organisation", min_group_size=11)
    team = trace(fig, "Ward A")
    assert team["hovertext"][2].endswith("fewer than 11 responses")
    notes = [a["text"] for a in figure_json(fig)["layout"]["annotations"]]
    assert "fewer than 11 responses" in notes
    assert_nothing_leaks(fig)
    caption = charts.figure_caption(fig)
    assert "wave 2025" in caption and "Ward A: n = 22–24 per question" in caption
    assert "Organisation: n = 1,500" in caption and "interpretation, not NHS method" in caption


def test_behaviours_bar_says_why_a_question_is_hidden():
    frame = item_results().assign(suppressed_reason="")
    frame.loc[frame["suppressed"], "suppressed_reason"] = settings.SUPPRESSION_COMPLEMENTARY
    fig = charts.behaviours_bar(frame, "Ward A", "Organisation", min_group_size=11)
    assert trace(fig, "Ward A")["hovertext"][2].endswith(COMPLEMENTARY)
    notes = [a["text"] for a in figure_json(fig)["layout"]["annotations"]]
    assert COMPLEMENTARY in notes and "fewer than 11 responses" not in notes
    assert_nothing_leaks(fig)


def test_behaviours_bar_earlier_wave_and_refusals():
    fig = charts.behaviours_bar(item_results(), "Ward A", wave=2024, min_group_size=11)
    assert trace(fig, "Ward A")["x"] == [None, 50.0, None, None]
    with pytest.raises(InputError, match="There are no results for Ward Z in wave 2025"):
        charts.behaviours_bar(item_results(), "Ward Z", min_group_size=11)
    twin = item_results().assign(parent="Surgery")
    with pytest.raises(InputError, match="More than one team is called Ward A"):
        charts.behaviours_bar(pd.concat([item_results(), twin]), "Ward A", min_group_size=11)
    fig = charts.behaviours_bar(pd.concat([item_results(), twin]), "Ward A", parent="Surgery", min_group_size=11)
    assert trace(fig, "Ward A")["x"][0] == 70.0


# --- 5. correlation matrix ---------------------------------------------------------------------------------
def correlation_rows() -> pd.DataFrame:
    base = dict(p=0.01, rho=0.0, rho_ci_low=-0.3, rho_ci_high=0.3, note="")
    rows = [
        dict(x="compassionate_leadership", y="sickness_rate", group="", n=24, r=-0.42, r_ci_low=-0.70,
             r_ci_high=-0.02, p_adj=0.04, **base),
        dict(x="compassionate_leadership", y="leaver_rate", group="", n=24, r=-0.18, r_ci_low=-0.54,
             r_ci_high=0.24, p_adj=0.41, **base),
        dict(x="morale", y="sickness_rate", group="", n=23, r=0.05, r_ci_low=-0.37, r_ci_high=0.45, p_adj=0.82,
             **base),
        dict(x="morale", y="leaver_rate", group="", n=3, r=np.nan, r_ci_low=np.nan, r_ci_high=np.nan,
             p_adj=np.nan, **{**base, "note": "too few units (n=3; at least 5 needed)"}),
        dict(x="compassionate_leadership", y="sickness_rate", group="Acute", n=12, r=-0.61, r_ci_low=-0.88,
             r_ci_high=-0.05, p_adj=0.03, **base),
    ]
    return pd.DataFrame(rows)


def test_correlation_matrix_cells_scale_and_annotations():
    fig = charts.correlation_matrix(correlation_rows())
    heat = figure_json(fig)["data"][0]
    assert heat["x"] == ["Compassionate leadership", "Morale"]
    assert heat["y"] == ["Sickness absence rate", "Leaver rate"]
    assert heat["z"] == [[-0.42, 0.05], [-0.18, None]]
    assert heat["text"][0][0] == "\u22120.42*<br>n = 24"  # p_adj 0.04 < 0.05
    assert heat["text"][1][0] == "\u22120.18<br>n = 24"
    assert "95% CI \u22120.70 to \u22120.02" in heat["hovertext"][0][0]
    assert "too few units" in heat["hovertext"][1][1]
    assert [c for _, c in heat["colorscale"]] == [c for _, c in plotly.colors.get_colorscale("PuOr")]
    assert (heat["zmin"], heat["zmax"], heat["zmid"]) == (-1, 1, 0)
    caption = charts.figure_caption(fig)
    assert "n = 3–24 teams per pair" in caption and "all units" in caption
    assert "association, not a cause" in caption and "Benjamini–Hochberg" in caption


def test_correlation_matrix_group_and_method():
    fig = charts.correlation_matrix(correlation_rows(), group="Acute", method="spearman")
    heat = figure_json(fig)["data"][0]
    assert heat["z"] == [[0.0]] and heat["colorbar"]["title"]["text"] == "Spearman ρ"
    assert "Pearson r = \u22120.61" in heat["hovertext"][0][0]
    assert "group: Acute" in charts.figure_caption(fig)


def test_correlation_matrix_refusals():
    with pytest.raises(InputError, match="no correlations for the group 'Community'"):
        charts.correlation_matrix(correlation_rows(), group="Community")
    with pytest.raises(InputError, match="choose a group"):
        charts.correlation_matrix(correlation_rows().assign(group=["A", "A", "B", "B", "Acute"]))
    with pytest.raises(InputError, match="must be 'pearson' or 'spearman'"):
        charts.correlation_matrix(correlation_rows(), method="kendall")


# --- theme-awareness -------------------------------------------------------------------------------------
def test_figures_have_transparent_backgrounds_and_a_caption():
    figures = [
        charts.heatmap_teams_by_measure(unit_scores(), wave=2025, min_group_size=11),
        charts.scatter_with_fit(points(), "compassionate_leadership", "leaver_rate"),
        charts.trend_lines(wave_trends(), "wave", "mean", color="measure"),
        charts.behaviours_bar(item_results(), "Ward A", min_group_size=11),
        charts.correlation_matrix(correlation_rows()),
    ]
    for fig in figures:
        assert fig.layout.paper_bgcolor == "rgba(0,0,0,0)" and fig.layout.plot_bgcolor == "rgba(0,0,0,0)"
        assert "Unit of analysis:" in charts.figure_caption(fig)


# --- funnel_figure ----------------------------------------------------------------------------------------

def funnel_units() -> pd.DataFrame:
    return pd.DataFrame({
        "unit": ["Ward 1", "Ward 2", "Ward 3", "Ward 4", "Ward 5", "Ward 6"],
        "parent": ["Medicine"] * 3 + ["Surgery"] * 3,
        "days_lost": [300.0, 520.0, 410.0, 150.0, 900.0, np.nan],
        "days_available": [8000.0, 9000.0, 10000.0, 5000.0, 12000.0, 7000.0],
    })


@pytest.mark.parametrize("kind, events, denominator", [("rate", "days_lost", "days_available"),
                                                       ("proportion", "leavers", "staff")])
def test_funnel_figure_traces_curves_and_points(kind, events, denominator):
    from analytics import stats as st

    units = funnel_units().assign(leavers=[3.0, 9.0, 4.0, 1.0, 20.0, 2.0], staff=[30.0, 45.5, 52.0, 12.0, 80.0, np.nan])
    table = st.funnel_table(units, events=events, denominator=denominator, kind=kind)
    fig = charts.funnel_figure(table, title="Funnel", rate_label="Rate", denominator_label="Denominator")
    spec = figure_json(fig)
    names = [t["name"] for t in spec["data"]]
    assert names[0].startswith("Target")
    assert names.count("95% limits") == 2 and names.count("99.8% limits") == 2
    legend = [t["name"] for t in spec["data"] if t.get("showlegend", True)]
    assert "95% limits" in legend and "99.8% limits" in legend
    # Target line at the table's target, across the grid.
    target = spec["data"][0]
    assert target["y"] == pytest.approx([table.attrs["target"]] * len(target["y"]))
    # Curves: x increasing; upper limits come down and lower limits go up as the denominator grows
    # (for a proportion, discreteness of the binomial allows wiggles within 0.5 percentage points).
    slack = 1e-9 if kind == "rate" else 0.5
    curves = {t["meta"]["limit"]: t for t in spec["data"] if isinstance(t.get("meta"), dict)}
    assert set(curves) == {"upper_95", "lower_95", "upper_998", "lower_998"}
    for key, trace in curves.items():
        x, y = np.array(trace["x"]), np.array(trace["y"])
        assert np.all(np.diff(x) > 0)
        assert x[0] == pytest.approx(0.9 * table["denominator"][table["position"] != "no data"].min())
        steps = np.diff(y)
        assert (steps <= slack).all() if key.startswith("upper") else (steps >= -slack).all()
        assert y[-1] < y[0] if key.startswith("upper") else y[-1] >= y[0]
    assert np.all(np.array(curves["upper_998"]["y"]) >= np.array(curves["upper_95"]["y"]))
    # The curves are funnel_limits on the grid.
    dispersion = table.attrs["phi"] if table.attrs["overdispersion_applied"] else None
    grid = np.array(curves["upper_95"]["x"])
    expected = 100 * st.funnel_limits(table.attrs["target"] / 100, grid, kind=kind, dispersion=dispersion)["upper_95"]
    assert curves["upper_95"]["y"] == pytest.approx(expected.tolist())
    # Points at (denominator, rate), one per unit with data, hover naming unit, rate and denominator.
    points = [t for t in spec["data"] if t["mode"] == "markers"]
    drawn = {u: (x, y) for t in points for u, x, y in zip(t["text"], t["x"], t["y"])}
    shown = table[table["position"] != "no data"]
    assert set(drawn) == set(shown["unit"])
    for _, row in shown.iterrows():
        assert drawn[row["unit"]] == (pytest.approx(row["denominator"]), pytest.approx(row["rate"]))
    for trace in points:
        assert trace["name"].lower() in settings.FUNNEL_POSITIONS
        for unit, hover in zip(trace["text"], trace["hovertext"]):
            assert unit in hover and "Rate:" in hover and "Denominator:" in hover
    missing = table.loc[table["position"] == "no data", "unit"].tolist()
    assert len(missing) == 1 and missing[0] not in drawn
    caption = charts.figure_caption(fig)
    assert "n = 5 teams" in caption and "1 with no data not shown" in caption and "99.8%" in caption


def test_funnel_figure_point_outside_curve_matches_position():
    from analytics import stats as st

    units = pd.DataFrame({"unit": list("ABCD"), "leavers": [30.0, 10.0, 11.0, 9.0], "staff": [100.0] * 4})
    table = st.funnel_table(units, events="leavers", denominator="staff", kind="proportion", target=10.0,
                            overdispersion=False)
    fig = charts.funnel_figure(table, title="Leavers", rate_label="Leaver rate")
    spec = figure_json(fig)
    above = [t for t in spec["data"] if t["name"] == "Above 99.8%"]
    assert len(above) == 1 and above[0]["text"] == ["A"]
    colours = {t["name"]: t["marker"]["color"] for t in spec["data"] if t["mode"] == "markers"}
    assert colours["Above 99.8%"] in labels.SERIES_COLOURS and colours["Within"] in labels.SERIES_COLOURS
    assert colours["Above 99.8%"] != colours["Within"]
    bare = table.copy()
    bare.attrs.clear()
    with pytest.raises(InputError, match="attrs"):
        charts.funnel_figure(bare, title="x", rate_label="y")

"""Tests for analytics.format and analytics.labels: NA-safe formatting, RAG boundaries, tiles, display metadata."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import plotly.colors
import pytest

from analytics import settings
from analytics.errors import InputError
from analytics import format as fmt
from analytics import labels

MISSING = [None, float("nan"), np.nan, pd.NA, pd.NaT, np.float64("nan"), float("inf")]


# --- numbers ---------------------------------------------------------------------------------------
def test_format_score_pct_n_examples():
    assert fmt.format_score(7.06) == "7.1"
    assert fmt.format_score(10) == "10.0"
    assert fmt.format_pct(12.34) == "12.3%"
    assert fmt.format_pct(0) == "0.0%"  # a real zero is shown as zero
    assert fmt.format_n(1234) == "1,234"
    assert fmt.format_n(np.int64(11)) == "11"
    assert fmt.format_number(1234.56) == "1,234.6"
    assert fmt.format_r(-0.234) == "\u22120.23"


def test_negative_zero_is_never_shown():
    assert fmt.format_score(-0.04) == "0.0"
    assert fmt.format_change(-0.04, False) == "– no change"   # rounds to zero: no change (issue 14)


@pytest.mark.parametrize("value", MISSING)
@pytest.mark.parametrize("formatter", [fmt.format_score, fmt.format_pct, fmt.format_n, fmt.format_number,
                                       fmt.format_r, fmt.format_change])
def test_missing_is_no_data_never_zero_or_nan(formatter, value):
    text = formatter(value)
    assert text == settings.NO_DATA_LABEL == "no data"
    assert "nan" not in text.lower() and "0" not in text


def test_format_value_and_ci():
    assert fmt.format_value(7.06, "score") == "7.1"
    assert fmt.format_value(5.54, "pct") == "5.5%"
    assert fmt.format_ci(6.84, 7.36) == "95% CI 6.8 to 7.4"
    assert fmt.format_ci(None, 7.36) == "95% CI: no data"
    with pytest.raises(InputError, match="Unknown number format 'money'"):
        fmt.format_value(1, "money")


def test_format_p():
    assert fmt.format_p(0.0004) == "p < 0.001"
    assert fmt.format_p(0.0341) == "p = 0.034"
    assert fmt.format_p(None) == "p: no data"


def test_format_change():
    assert fmt.format_change(0.4, True) == "▲ +0.4 (significant)"
    assert fmt.format_change(-0.2, False) == "▼ \u22120.2 (not significant)"
    assert fmt.format_change(0.0, False) == "– no change"
    assert fmt.format_change(0.3, None) == "▲ +0.3 (significance not tested)"
    assert fmt.format_change(0.3, pd.NA) == "▲ +0.3 (significance not tested)"
    assert fmt.format_change(-1.25, True, unit=" pp", decimals=2) == "▼ \u22121.25 pp (significant)"


# --- suppression -------------------------------------------------------------------------------------
def test_suppressed_text_uses_the_settings_label(monkeypatch):
    assert fmt.suppressed_text(11) == "fewer than 11 responses"
    assert fmt.suppressed_text() == f"fewer than {settings.DEFAULT_MIN_GROUP_SIZE} responses"
    monkeypatch.setattr(settings, "SUPPRESSED_LABEL", "under {k}")
    assert fmt.suppressed_text(7) == "under 7"


def test_suppressed_cell_never_shows_its_value():
    assert fmt.format_cell(9.87, "score", suppressed=True, min_group_size=11) == "fewer than 11 responses"
    assert fmt.format_cell(9.87, "score", suppressed=pd.NA) == "fewer than 11 responses"  # unknown -> hidden
    assert fmt.format_cell(9.87, "score", suppressed=False) == "9.9"
    assert fmt.format_cell(None, "score", suppressed=False) == "no data"  # distinct from suppressed


def test_is_missing():
    assert all(fmt.is_missing(v) for v in MISSING)
    assert not any(fmt.is_missing(v) for v in (0, 0.0, -1, "text", False))


# --- RAG ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [
    # judged as shown, to one decimal (issue 14): 6.9999 is 7.0 (Green), 6.0001 is 6.0 (Red)
    (7.0, "Green"), (9.5, "Green"), (6.9999, "Green"), (6.94, "Amber"), (6.0001, "Red"), (6.06, "Amber"),
    (6.0, "Red"), (2.0, "Red"),
])
def test_rag_boundaries_higher_is_better(value, expected):
    assert fmt.rag_status(value, green_at=7.0, red_at=6.0).label == expected


@pytest.mark.parametrize("value, expected", [
    # judged as shown: 4.01 is 4.0 (Green), 5.59 is 5.6 (Red)
    (4.0, "Green"), (3.1, "Green"), (4.01, "Green"), (4.06, "Amber"), (5.59, "Red"), (5.54, "Amber"), (5.6, "Red"),
    (8.0, "Red"),
])
def test_rag_boundaries_lower_is_better(value, expected):
    assert fmt.rag_status(value, green_at=4.0, red_at=5.6, higher_is_better=False).label == expected


def test_rag_has_shape_and_word_as_well_as_colour():
    statuses = [fmt.rag_status(v, green_at=7, red_at=6) for v in (8, 6.5, 5, None)]
    assert [s.label for s in statuses] == ["Green", "Amber", "Red", "No data"]
    assert len({s.icon for s in statuses}) == 4 and len({s.colour for s in statuses}) == 4
    assert statuses[1].text == "▲ Amber"
    for s in statuses:
        assert s.label in s.text and s.icon in s.text


def test_rag_missing_value_is_no_data():
    assert fmt.rag_status(pd.NA, green_at=7, red_at=6).label == "No data"


@pytest.mark.parametrize("green, red, higher, message", [
    (6.0, 7.0, True, "must be above the red threshold"),
    (7.0, 7.0, True, "must be above the red threshold"),
    (5.6, 4.0, False, "must be below the red threshold"),
    (None, 4.0, False, "Set both the green and the red threshold"),
])
def test_rag_refuses_thresholds_in_the_wrong_order(green, red, higher, message):
    with pytest.raises(InputError, match=message):
        fmt.rag_status(5.0, green_at=green, red_at=red, higher_is_better=higher)


def test_default_thresholds_are_valid_and_cover_measures():
    for name, thresholds in labels.DEFAULT_RAG_THRESHOLDS.items():
        fmt.rag_status(1.0, **thresholds.as_kwargs())  # raises if the order is wrong
    assert labels.default_rag_thresholds("compassionate_leadership") == labels.DEFAULT_RAG_THRESHOLDS["score"]
    assert labels.default_rag_thresholds("sickness_rate").higher_is_better is False
    assert labels.default_rag_thresholds("unknown_thing") is None


# --- headline tiles ------------------------------------------------------------------------------------
def test_headline_tile_with_change_and_rag():
    tile = fmt.headline_tile_data(label="Compassionate leadership", value=7.26, previous=6.86,
                                  change_significant=True, n=1234, thresholds=labels.DEFAULT_RAG_THRESHOLDS["score"])
    assert tile.value_text == "7.3"
    assert tile.delta_text == "▲ +0.4 (significant)"  # 7.26 - 6.86 = 0.40
    assert tile.delta_colour == "blue" and tile.delta_arrow == "off"
    assert tile.rag.label == "Green"
    assert tile.n_text == "n = 1,234"


def test_headline_tile_lower_is_better_and_not_significant():
    sickness = labels.DEFAULT_RAG_THRESHOLDS["sickness_rate"]
    worse = fmt.headline_tile_data(label="Sickness", value=5.9, previous=5.1, change_significant=True, kind="pct",
                                   thresholds=sickness)
    assert worse.delta_text == "▲ +0.8 pp (significant)"  # 5.9 - 5.1 = 0.8 percentage points
    assert worse.delta_colour == "orange"  # a rise in sickness is a deterioration
    assert worse.rag.label == "Red"
    flat = fmt.headline_tile_data(label="Sickness", value=5.2, previous=5.1, change_significant=False, kind="pct")
    assert flat.delta_colour == "gray"


def test_headline_tile_suppressed_shows_nothing_else():
    tile = fmt.headline_tile_data(label="Morale", value=9.87, previous=6.0, n=7, suppressed=True,
                                  min_group_size=11, thresholds=labels.DEFAULT_RAG_THRESHOLDS["score"])
    assert tile.value_text == "fewer than 11 responses"
    assert tile.delta_text is None and tile.rag is None and tile.n_text == ""
    assert "9.9" not in repr(tile) and "7" not in tile.n_text


def test_headline_tile_no_previous_wave():
    tile = fmt.headline_tile_data(label="Morale", value=None, previous=6.0)
    assert tile.value_text == "no data" and tile.delta_text is None and tile.delta_colour == "gray"


# --- labels --------------------------------------------------------------------------------------------
def test_measure_labels_and_help_come_from_the_codebook():
    assert labels.measure_label("compassionate_leadership") == "Compassionate leadership"
    assert labels.measure_label("not_a_measure") == "not_a_measure"
    assert "q9f, q9g, q9h, q9i" in labels.measure_help("compassionate_leadership")
    assert "Thinking about leaving" in labels.measure_help("morale")
    assert labels.item_wording("Q9H") == "My immediate manager cares about my concerns."


def test_behaviours_in_order_with_interpretation_note():
    assert labels.behaviour_items() == {"attending": "q9g", "understanding": "q9f", "empathising": "q9h",
                                        "helping": "q9i"}
    assert "an interpretation, not NHS method" in labels.BEHAVIOURS_NOTE


def test_axis_titles_carry_units():
    assert labels.axis_title("leaver_rate") == "Leaver rate (%)"
    assert labels.axis_title("morale") == "Morale (score 0–10)"
    assert labels.axis_title("fte_days_lost") == "FTE days lost (FTE days)"
    assert labels.value_kind("sickness_rate_12m") == "pct" and labels.value_kind("morale") == "score"
    assert labels.level_label("team", 1) == "team" and labels.level_label("directorate", 2) == "directorates"


def test_palettes_are_distinct_and_suppressed_grey_is_not_in_the_score_scale():
    assert len(set(labels.SERIES_COLOURS)) == len(labels.SERIES_COLOURS)
    assert "#000000" not in labels.SERIES_COLOURS  # black vanishes on a dark theme
    grey = plotly.colors.hex_to_rgb(labels.SUPPRESSED_COLOUR)
    for _, colour in plotly.colors.get_colorscale(labels.SEQUENTIAL_SCALE):
        rgb = plotly.colors.hex_to_rgb(colour) if colour.startswith("#") else plotly.colors.unlabel_rgb(colour)
        assert max(abs(a - b) for a, b in zip(rgb, grey)) > 40


def test_display_modules_do_not_import_streamlit():
    code = ("import sys, render.charts, analytics.format, analytics.labels; "
            "assert 'streamlit' not in sys.modules, 'streamlit imported'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=str(__import__("pathlib").Path(__file__).resolve().parent.parent))
    assert result.returncode == 0, result.stderr

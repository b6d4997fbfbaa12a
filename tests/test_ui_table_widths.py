"""Text columns sized to their longest value (issue 14: no team name cut at 1400 px)."""

import pandas as pd

from ui import tables
from ui.explorer_view import team_table_display


def test_width_fits_longest_value_by_hand():
    # "Obstetrics and Gynaecology – Medical Staff" is 42 characters: 42 × 7.5 + 28 = 343 px.
    names = ["Pharmacy", "Obstetrics and Gynaecology – Medical Staff", None]
    assert tables.fit_text_width(names, "Team") == 343


def test_width_never_below_the_header_or_above_the_limit():
    assert tables.fit_text_width(["A"], "Directorate") == round(11 * 7.5 + 28)  # 11 characters of header
    assert tables.fit_text_width(["x" * 200]) == tables.TEXT_WIDTH_LIMITS_PX[1]
    assert tables.fit_text_width([]) == tables.TEXT_WIDTH_LIMITS_PX[0]


def test_team_table_shows_whole_names_and_notes():
    table = pd.DataFrame({
        "unit": ["Clinical Support Services Pharmacy Team", "Ward 1"], "parent": ["Clinical Support Services"] * 2,
        "n": [20, None], "mean": [7.1, None], "ci_low": [6.5, None], "ci_high": [7.7, None],
        "pct_positive": [70.0, None], "previous_wave": [None, None], "change": [None, None], "p_adj": [None, None],
        "significant": [None, None], "suppressed": [False, True], "suppressed_reason": ["", "small_group"],
    })
    display, config = team_table_display(table, measure_label="Morale", min_group_size=11)
    team = config["Team"]
    # 39 characters: 39 × 7.5 + 28 = 320.5 -> 320 px (round half to even), and pinned for sideways scrolling.
    assert team["width"] == 320 and team["pinned"] is True
    longest_note = max(display["Note"].astype(str), key=len)
    assert config["Note"]["width"] >= len(longest_note) * 7.5


def test_board_exception_tables_fit_their_names():
    from ui.board_view import FALLS_CONFIG, LOW_LEADERSHIP_CONFIG, fitted_config
    falls = pd.DataFrame({"unit": ["Obstetrics and Gynaecology – Medical Staff"], "parent": ["Surgery"],
                          "label": ["Compassionate leadership"]})
    config = fitted_config(FALLS_CONFIG, falls)
    assert config["unit"]["width"] == 343            # 42 × 7.5 + 28
    assert config["parent"]["width"] == 170          # "Surgery" fits the configured 170 px: never narrower
    assert config["label"]["width"] == 208           # 24 × 7.5 + 28
    assert config["change"] == FALLS_CONFIG["change"] and FALLS_CONFIG["unit"]["width"] == 170  # nothing else changed
    low = fitted_config(LOW_LEADERSHIP_CONFIG, pd.DataFrame({"unit": ["Ward 1"], "parent": ["Medicine"]}))
    assert low["unit"]["width"] == 200 and list(low) == list(LOW_LEADERSHIP_CONFIG)

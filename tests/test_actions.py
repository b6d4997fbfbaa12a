"""The action log's checks and the figures read beside each action (analytics/actions.py)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics import actions, settings
from analytics.errors import InputError
from analytics.ingest.codebook import load_codebook

BOOK = load_codebook()
K = 11


def _unit_scores() -> pd.DataFrame:
    rows = [
        # wave, level, unit, parent, measure, n, mean, suppressed
        ("2024", "organisation", "Organisation", None, "morale", 400, 5.90, False),
        ("2025", "organisation", "Organisation", None, "morale", 410, 6.15, False),
        ("2024", "team", "Ward A", "Medicine", "morale", 14, 5.20, False),
        ("2025", "team", "Ward A", "Medicine", "morale", 15, 5.75, False),
        ("2024", "team", "Ward B", "Medicine", "morale", 12, 6.00, False),
        ("2025", "team", "Ward B", "Medicine", "morale", 8, None, True),      # hidden in 2025
        ("2024", "team", "Ward A", "Surgery", "morale", 20, 7.00, False),      # same name, other directorate
        ("2024", "directorate", "Medicine", None, "morale", 120, 5.80, False),
    ]
    frame = pd.DataFrame(rows, columns=["wave", "level", "unit", "parent", "measure", "n", "mean", "suppressed"])
    return frame.assign(ci_low=None, ci_high=None, pct_positive=None, suppressed_reason="")


def _item_results() -> pd.DataFrame:
    rows = [
        ("2024", "team", "Ward A", "Medicine", "q9g", 14, 50.0, False),
        ("2025", "team", "Ward A", "Medicine", "q9g", 15, 60.0, False),
    ]
    return pd.DataFrame(rows, columns=["wave", "level", "unit", "parent", "item", "n", "pct_positive", "suppressed"])


def _action(**fields) -> dict:
    base = {"level": "team", "parent": "Medicine", "unit": "Ward A", "wave": "2024", "addresses": "morale",
            "title": "Protected team time each month", "owner": "Ward manager", "due": "2025-03-31",
            "status": "in progress", "notes": ""}
    return {**base, **fields}


def test_check_action_tidies_and_keeps_a_known_unit():
    checked = actions.check_action(_action(title="  Huddles  ", due=pd.Timestamp("2025-06-30")), BOOK, _unit_scores())
    assert checked["title"] == "Huddles" and checked["due"] == "2025-06-30" and checked["status"] == "in progress"
    org = actions.check_action(_action(level="organisation", unit="anything"), BOOK, _unit_scores())
    assert (org["unit"], org["parent"]) == (settings.ORGANISATION_UNIT, "")


@pytest.mark.parametrize("fields, message", [
    ({"title": " "}, "needs a title"),
    ({"addresses": "weather"}, "Choose what the action addresses"),
    ({"status": "someday"}, "status must be one of"),
    ({"due": "next spring"}, "not a date"),
    ({"level": "ward"}, "team, a directorate or the organisation"),
    ({"unit": "Ward Z"}, "no team called 'Ward Z' in Medicine"),
    ({"parent": "Surgery", "unit": "Ward B"}, "no team called 'Ward B' in Surgery"),
])
def test_check_action_refuses_what_a_user_can_fix(fields, message):
    with pytest.raises(InputError, match=message):
        actions.check_action(_action(**fields), BOOK, _unit_scores())


def test_addressable_lists_the_four_behaviours_first_then_measures():
    choices = list(actions.addressable(BOOK))
    assert choices[:4] == ["attending", "understanding", "empathising", "helping"]
    assert "compassionate_leadership" in choices and "morale" in choices


def test_results_beside_actions_measure_behaviour_and_hidden_figures():
    table = pd.DataFrame([
        _action(),                                                   # morale, Ward A (Medicine) 5.20 -> 5.75
        _action(addresses="attending", title="Listening rounds"),    # q9g 50% -> 60%
        _action(unit="Ward B", title="Rota review"),                 # 6.00 -> hidden in 2025
        _action(wave="2025", title="Follow-up"),                     # no later wave
    ])
    out = actions.actions_with_results(table, _unit_scores(), _item_results(), BOOK, min_group_size=K).set_index("title")
    morale = out.loc["Protected team time each month"]
    assert (morale["value_raised"], morale["value_next"], morale["next_wave"]) == (5.20, 5.75, "2025")
    assert morale["change"] == pytest.approx(5.75 - 5.20) and morale["figure"] == actions.FIGURE_SCORE
    listening = out.loc["Listening rounds"]
    assert listening["change"] == pytest.approx(60.0 - 50.0) and listening["figure"] == actions.FIGURE_PCT_POSITIVE
    assert listening["addresses_label"] == "Attending"
    hidden = out.loc["Rota review"]
    assert hidden["value_raised"] == 6.00 and math.isnan(hidden["value_next"]) and math.isnan(hidden["n_next"])
    assert math.isnan(hidden["change"]) and hidden["result_note"] == f"2025 not shown: fewer than {K} responses"
    follow = out.loc["Follow-up"]
    assert pd.isna(follow["next_wave"]) and math.isnan(follow["change"]) and follow["result_note"] == "no later wave yet"


def test_status_summary_counts_every_status():
    table = pd.DataFrame([_action(status="open"), _action(status="done"), _action(status="done")])
    summary = actions.status_summary(table).set_index("status")["actions"].to_dict()
    assert summary == {"open": 1, "in progress": 0, "done": 2, "dropped": 0}

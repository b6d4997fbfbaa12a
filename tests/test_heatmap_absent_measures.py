"""The heatmap leaves out measures nobody answered (their questions are not in the file)."""

import numpy as np
import pandas as pd

from render.heatmap import absent_measures, heatmap_teams_by_measure


def _rows() -> pd.DataFrame:
    base = dict(wave="2026", level="team", parent="Medicine", ci_low=np.nan, ci_high=np.nan)
    return pd.DataFrame([
        {**base, "unit": "Ward A", "measure": "compassionate_leadership", "mean": 7.0, "n": 14, "suppressed": False},
        {**base, "unit": "Ward B", "measure": "compassionate_leadership", "mean": 6.0, "n": 13, "suppressed": False},
        # no question of "morale" in the file: no unit has an answer
        {**base, "unit": "Ward A", "measure": "morale", "mean": np.nan, "n": 0, "suppressed": False},
        {**base, "unit": "Ward B", "measure": "morale", "mean": np.nan, "n": 0, "suppressed": False},
        # every unit hidden (below k) is not "absent": the grey cells say why
        {**base, "unit": "Ward A", "measure": "staff_engagement", "mean": np.nan, "n": 4, "suppressed": True},
        {**base, "unit": "Ward B", "measure": "staff_engagement", "mean": np.nan, "n": 3, "suppressed": True},
    ])


def test_absent_measures_are_those_nobody_answered():
    assert absent_measures(_rows()) == ["morale"]


def test_heatmap_has_no_column_for_an_absent_measure():
    fig = heatmap_teams_by_measure(_rows(), wave="2026", min_group_size=11)
    columns = {str(x) for trace in fig.data for x in (trace.x if trace.x is not None else [])}
    assert not any("orale" in c for c in columns), columns
    assert any("ompassionate" in c for c in columns), columns

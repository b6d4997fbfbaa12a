"""Tests of analytics.ingest.quality: the data-quality finding builders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.ingest import quality
from analytics import settings


def test_format_rows():
    assert quality.format_rows([]) == ""
    assert quality.format_rows([7]) == "7"
    assert quality.format_rows([9, 4]) == "4 and 9"
    assert quality.format_rows([40, 12, 15]) == "12, 15 and 40"
    assert quality.format_rows(list(range(12, 55))) == "12, 13, 14 and 40 more"
    assert quality.format_rows(np.array([5, 5, 6])) == "5 and 6"


def test_make_findings_has_the_fixed_columns_and_types():
    frame = quality.make_findings([{"severity": "info", "kind": "k", "count": 3, "message": "m"}])
    assert tuple(frame.columns) == settings.FINDING_COLUMNS
    assert frame.loc[0, "file"] == "" and frame.loc[0, "rows"] == ""
    assert frame["count"].dtype == np.int64
    empty = quality.empty_findings()
    assert tuple(empty.columns) == settings.FINDING_COLUMNS and len(empty) == 0


def test_make_findings_refuses_an_unknown_severity():
    with pytest.raises(ValueError, match="severity"):
        quality.make_findings([{"severity": "bad", "kind": "k"}])


def test_invalid_value_findings_one_per_column_and_value():
    cells = pd.DataFrame({
        "column": ["q9f", "q9f", "q9f", "q9g"],
        "row": [12, 3, 15, 4],
        "value": ["7", "7", "Agreee", "0"],
        "kind": ["out_of_range", "out_of_range", "unknown_label", "out_of_range"],
    })
    out = quality.invalid_value_findings(cells, scale_texts={"q9f": "1-5 or Strongly disagree \u2026 Strongly agree"},
                                         file="s.xlsx", sheet="Data")
    assert out[["column", "kind", "value", "rows", "count"]].values.tolist() == [
        ["q9f", "out_of_range", "7", "3 and 12", 2],
        ["q9f", "unknown_label", "Agreee", "15", 1],
        ["q9g", "out_of_range", "0", "4", 1],
    ]
    assert (out["severity"] == "warning").all()
    assert (out["sheet"] == "Data").all()
    assert "1-5 or Strongly disagree" in out.loc[0, "message"]
    assert "treated as missing, not as zero" in out.loc[0, "message"]


def test_invalid_value_findings_cap_and_summary(monkeypatch):
    monkeypatch.setattr(settings, "MAX_VALUE_FINDINGS_PER_COLUMN", 2)
    cells = pd.DataFrame({
        "column": "comments", "row": [2, 3, 4, 5, 6, 7],
        "value": ["a", "a", "b", "c", "d", "d"], "kind": "unknown_label",
    })
    out = quality.invalid_value_findings(cells)
    # The two most frequent values ("a": 2, "d": 2) one by one; "b" and "c" in one summary finding.
    assert out["value"].tolist() == ["a", "d", ""]
    last = out.iloc[-1]
    assert last["kind"] == quality.KIND_OTHER_VALUES
    assert last["count"] == 2 and last["rows"] == "4 and 5"
    assert "free text" in last["message"]


def test_long_values_are_cut():
    cells = pd.DataFrame({"column": ["c"], "row": [2], "value": ["x" * 200], "kind": ["unknown_label"]})
    out = quality.invalid_value_findings(cells)
    assert len(out.loc[0, "value"]) == settings.FINDING_VALUE_MAX_CHARS


def test_missing_rate_findings_info_and_warning():
    scores = pd.DataFrame({
        "q1": [1.0] * 10,                          # complete: no finding
        "q2": [np.nan] * 3 + [1.0] * 7,            # 30%: at the threshold -> info
        "q3": [np.nan] * 4 + [1.0] * 6,            # 40% > 30% -> warning
    }, index=range(2, 12))
    out = quality.missing_rate_findings(scores, columns={"q3": "Q3 text"})
    assert out[["column", "severity", "count", "value", "rows"]].values.tolist() == [
        ["q2", "info", 3, f"{100 * 3 / 10:.1f}%", "2, 3 and 4"],
        ["Q3 text", "warning", 4, f"{100 * 4 / 10:.1f}%", "2, 3, 4 and 1 more"],
    ]
    assert "question q3" in out.loc[1, "message"]


def test_straight_lining_findings():
    # 9 items on one scale; row 2 answers 4 to all; row 3 answers 4 to 8 and skips one; row 4 answers
    # 4 to only 7 items (fewer than 8: not counted); row 5 varies.
    positions = pd.DataFrame(np.full((4, 9), 4.0), columns=[f"i{j}" for j in range(9)], index=[2, 3, 4, 5])
    positions.iloc[1, 0] = np.nan
    positions.iloc[2, :2] = np.nan
    positions.iloc[3, 5] = 2.0
    out = quality.straight_lining_findings(positions, {"Agreement": list(positions.columns)})
    assert out[["kind", "severity", "count", "rows", "value"]].values.tolist() == [
        ["straight_lining", "warning", 2, "2 and 3", "Agreement"]]


def test_straight_lining_ignores_short_blocks():
    positions = pd.DataFrame(np.full((3, 7), 2.0), columns=[f"i{j}" for j in range(7)])
    assert len(quality.straight_lining_findings(positions, {"Agreement": list(positions.columns)})) == 0


def test_unit_not_recorded_findings():
    blank = pd.Series([False, True, True, False], index=[2, 3, 4, 5])
    out = quality.unit_not_recorded_findings(blank, column="Ward", role="team", file="f.csv")
    assert out[["kind", "column", "rows", "count"]].values.tolist() == [["unit_not_recorded", "Ward", "3 and 4", 2]]
    assert settings.NOT_RECORDED_UNIT in out.loc[0, "message"]
    assert len(quality.unit_not_recorded_findings(blank & False, column="Ward")) == 0


def test_measure_coverage_and_wave_filled_findings():
    out = quality.measure_coverage_findings({"Compassionate leadership": (["q9h", "q9i"], 4), "Other": ([], 3)})
    assert out[["severity", "count", "value"]].values.tolist() == [["info", 2, "q9h, q9i"]]
    filled = quality.wave_filled_findings(pd.Series([True, False], index=[2, 3]), column="Year", wave="2025")
    assert filled[["rows", "value", "count"]].values.tolist() == [["2", "2025", 1]]


def test_concat_findings_keeps_order_and_columns():
    a = quality.make_findings([{"severity": "warning", "kind": "x", "count": 1}])
    b = quality.make_findings([{"severity": "info", "kind": "y", "count": 2}])
    out = quality.concat_findings([a, quality.empty_findings(), b])
    assert out["kind"].tolist() == ["x", "y"]
    assert tuple(out.columns) == settings.FINDING_COLUMNS

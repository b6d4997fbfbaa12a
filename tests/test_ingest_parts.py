"""Tests of the smaller pieces of analytics.ingest, called directly: what a file is (source), recognising
one column from its header (recognise), empty rows (frames), the Mapping data (mapping_model) and the
range and kind rules of unit-level result columns (unit_level helpers). End-to-end behaviour is in
tests/test_io.py, test_mapping.py and test_unit_level.py."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.errors import InputError
from analytics.ingest.frames import drop_empty_rows
from analytics.ingest.mapping_model import Mapping, copy_mapping, unmapped_columns
from analytics.ingest.raw import RawTable
from analytics.ingest.recognise import code_in_text, header_words, recognise_unit_columns, short_text
from analytics.ingest.source import looks_like_text, open_source
from analytics.ingest.unit_level import (VALUE_KIND_PCT_POSITIVE, VALUE_KIND_SCORE, _holds_counts, _holds_figures,
                                         _parse_cell, _value_kind, _values_in_range)


def _raw(columns: list[str]) -> RawTable:
    frame = pd.DataFrame({c: ["x", "y"] for c in columns}, index=[2, 3])
    return RawTable(frame=frame, file_name="f.csv", sheet=None, header_texts={c: [c] for c in columns})


# -- source ----------------------------------------------------------------------------------------

def test_source_kind_is_decided_by_content():
    src = open_source(b"a,b\n1,2\n", "data.csv")
    assert (src.kind, src.name, src.size, src.read_head(3)) == ("csv", "data.csv", 8, b"a,b")
    with pytest.raises(InputError, match="empty"):
        open_source(b"", "empty.csv")
    with pytest.raises(InputError, match="PDF"):
        open_source(b"%PDF-1.4 ...", "report.csv")
    with pytest.raises(InputError, match="named .xlsx but is not an Excel workbook: it is a text file"):
        open_source(b"a,b\n1,2\n", "data.xlsx")
    with pytest.raises(InputError, match="file name is needed"):
        open_source(b"a,b\n", None)


def test_looks_like_text():
    assert looks_like_text(b"Team,Q1\nWard 1,Agree\n")
    assert not looks_like_text(b"ab\x00cd")
    assert looks_like_text(b"\xff\xfea\x00b\x00")  # UTF-16 with a BOM


# -- recognise -------------------------------------------------------------------------------------

def test_code_in_text_needs_a_boundary():
    codes = ("q25a", "q9f", "q25", "q9", "q2")
    assert code_in_text("Q9f. My manager", codes) == "q9f"
    assert code_in_text("Q9_4", codes) is None
    assert code_in_text("q25a", codes) == "q25a"
    assert code_in_text("My manager cares (Q09f)", codes) == "q9f"
    assert code_in_text("", codes) is None


def test_header_words_and_short_text():
    assert header_words("Sub-team / Ward name") == ["sub", "team", "ward", "name"]
    assert short_text("abc", 10) == "abc"
    assert len(short_text("x" * 100, 60)) == 60


def test_unit_columns_prefer_a_name_to_a_code_and_skip_statements():
    raw = _raw(["Team code", "Team name", "Directorate", "Survey year", "I feel valued by my team"])
    found = recognise_unit_columns(raw)
    assert found == {"team": ("Team name", "team"), "directorate": ("Directorate", "directorate"),
                     "wave": ("Survey year", "survey year")}
    assert recognise_unit_columns(raw, exclude=["Team name"])["team"] == ("Team code", "team")
    assert recognise_unit_columns(_raw(["I feel valued by my team", "Year of birth"])) == {}


# -- frames and the mapping data -------------------------------------------------------------------

def test_drop_empty_rows_keeps_the_row_numbers():
    frame = pd.DataFrame({"a": [1, None, None], "b": ["x", None, "y"]}, index=[2, 3, 4])
    assert drop_empty_rows(frame).index.tolist() == [2, 4]
    full = pd.DataFrame({"a": [1, 2]})
    assert drop_empty_rows(full) is full


def test_mapping_copy_and_unmapped_columns():
    mapping = Mapping(team_col="Team", items={"Q1": "q1"})
    copied = copy_mapping(mapping)
    assert copied == mapping and copied is not mapping
    assert unmapped_columns(_raw(["Team", "Q1", "Notes"]), mapping) == ["Notes"]


# -- unit-level result columns ---------------------------------------------------------------------

def test_value_kind_rules():
    assert _value_kind(("q9f", "item"), says_percent=False, says_score=False) == VALUE_KIND_PCT_POSITIVE
    assert _value_kind(("q9f", "item"), says_percent=False, says_score=True) == VALUE_KIND_SCORE
    assert _value_kind(("engagement", "measure"), says_percent=False, says_score=False) == VALUE_KIND_SCORE
    assert _value_kind(None, says_percent=True, says_score=False) == VALUE_KIND_PCT_POSITIVE


def test_values_in_range_leaves_out_unnamed_columns_and_refuses_named_ones():
    notes: list[str] = []
    assert _values_in_range("c", [1.0, None, 10.0], [2, 3, 4], None, 10, notes, {})
    assert not _values_in_range("c", [1.0, 11.0], [2, 3], None, 10, notes, {})
    assert notes == ["Column 'c' has values outside 0–10 and is neither a 0–10 score nor a percentage; it was "
                     "left out."]
    with pytest.raises(InputError, match="not a percentage") as error:
        _values_in_range("c", [50.0, 120.0], [2, 3], ("q9f", "item"), 100, notes, {})
    assert error.value.row == 3


def test_count_and_figure_columns():
    counts = [_parse_cell(v) for v in [12, 30, "*", None]]
    assert _holds_counts(counts)
    assert not _holds_counts([_parse_cell(v) for v in [1.5, 2.5]])
    assert _holds_figures([_parse_cell(v) for v in [7.1, "63%", None]])
    assert not _holds_figures([_parse_cell(v) for v in [1, 2, 5]])  # answer codes

"""Tests of the pieces the table reader is built from, called directly: header detection
(analytics.ingest.header), the CSV delimiter and encoding sniffing (csv_reader), calamine cells to
columns (workbook) and the zip size checks (archive). End-to-end behaviour is in tests/test_io.py."""

from __future__ import annotations

import datetime as dt

import numpy as np
from analytics.ingest.archive import _human_bytes
from analytics.ingest.csv_reader import _best_delimiter, _decode_head, _sniff_text
from analytics.ingest.header import (LABEL_IDENTIFIER_ROW, LABEL_JOINED, LABEL_SINGLE, detect_header,
                                     header_notes, unique_labels)
from analytics.ingest.workbook import _column_from_cells

ANSWERS = ["Agree", "Disagree", "Agree", "Strongly agree"]


def _answers(n_rows: int, n_cols: int) -> list[list]:
    return [[ANSWERS[(r + c) % len(ANSWERS)] for c in range(n_cols)] for r in range(n_rows)]


def test_single_header_row():
    header = detect_header([["Team", "Q1", "Q2"]] + [["Ward 1", "Agree", "Disagree"], ["Ward 1", "Agree", "Agree"]])
    assert header.header_rows == [0] and header.data_start == 1 and header.title_rows == []
    assert header.labels == ["Team", "Q1", "Q2"] and header.label_rule == LABEL_SINGLE


def test_qualtrics_identifier_row_and_json_row():
    rows = [["ResponseId", "Q1", "Q2"],
            ["Response ID", "I am happy - Statement 1", "I am happy - Statement 2"],
            ['{"ImportId":"_recordId"}', '{"ImportId":"QID1_1"}', '{"ImportId":"QID1_2"}']] + _answers(6, 3)
    header = detect_header(rows)
    assert header.header_rows == [0, 1, 2] and header.data_start == 3
    assert header.label_rule == LABEL_IDENTIFIER_ROW
    assert header.labels == ["ResponseId", "Q1", "Q2"]
    assert header.header_texts["Q1"][1] == "I am happy - Statement 1"


def test_surveymonkey_merged_heading_is_carried_and_generic_subheadings_dropped():
    rows = [["Which team?", "How do you feel about:", None, "Comments"],
            ["Response", "My manager", "My team", "Open-Ended Response"]] + _answers(6, 4)
    header = detect_header(rows)
    assert header.label_rule == LABEL_JOINED
    assert header.labels == ["Which team?", "How do you feel about: - My manager",
                             "How do you feel about: - My team", "Comments"]


def test_title_rows_above_a_blank_row_are_skipped_and_named_in_the_notes():
    rows = [["Staff survey 2025", None, None], [None, None, None], ["Team", "Q1", "Q2"]] + _answers(5, 3)
    header = detect_header(rows)
    assert header.title_rows == [0] and header.header_rows == [2] and header.data_start == 3
    assert header_notes(header, 0, 0)[0] == "1 title row above the header skipped (row 1)."


def test_free_text_falls_back_to_the_fullest_row_and_unlabelled_columns_get_letters():
    rows = [["Comment", None], ["Lovely place to work", "x"], ["Too busy", None]]
    header = detect_header(rows, first_column=4)
    assert header.header_rows == [0] and header.data_start == 1
    assert header.labels == ["Comment", "Column F"]


def test_empty_preview_has_no_header_and_labels_are_made_unique():
    assert detect_header([[None, " "], []]) is None
    assert unique_labels(["Q9f", "Q9f", "Q9f (2)"]) == ["Q9f", "Q9f (3)", "Q9f (2)"]


def test_delimiter_and_encoding_sniffing():
    assert _best_delimiter("a;b;c\n1;2;3\n") == ";"
    assert _best_delimiter("a\tb\n1\t2\n") == "\t"
    assert _best_delimiter("just one column\n") == ","
    delimiter, records, at_end = _sniff_text("a,b\n1, \n", at_end=True)
    assert (delimiter, records, at_end) == (",", [["a", "b"], ["1", None]], True)
    assert _decode_head("caf\xe9".encode("cp1252"), at_end=True)[:2] == ("cp1252", "Windows-1252")
    assert _decode_head(b"a,b\n1,2", at_end=False)[2] == "a,b\n"


def test_calamine_cells_keep_their_kind():
    text = _column_from_cells(["a", "", "b"])
    assert str(text.dtype) == "str" and text.isna().tolist() == [False, True, False]
    assert _column_from_cells([1.0, 2.0, 3.0]).dtype == np.int64
    assert _column_from_cells([1.5, 2.0]).dtype == np.float64
    with_blank = _column_from_cells([1.0, "", 3.0])
    assert with_blank.dtype == np.float64 and np.isnan(with_blank[1])
    assert _column_from_cells([dt.datetime(2025, 1, 1), ""]).dtype.kind == "M"
    assert _column_from_cells([True, False]).dtype == bool
    assert list(_column_from_cells([1.0, "x"])) == [1, "x"]


def test_human_bytes():
    assert _human_bytes(512) == "512 bytes"
    assert _human_bytes(3 * 1024**2 // 2) == "1.5 MB"

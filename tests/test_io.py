"""Tests of analytics.ingest.io: reading CSV and XLSX exports, header detection, sheet choice and refusals.

Every fixture is built here (csv module, openpyxl, zipfile, a minimal OLE2 writer); no binary files are
committed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import struct
import time
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from hypothesis import strategies as st

from analytics import settings
from analytics.errors import InputError
from analytics.ingest.io import HEADER_ONLY_ROWS, PREVIEW_ROWS, column_letter, list_sheets, read_table

AGREEMENT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
TEAMS = ["Ward 1", "Ward 2", "Ward 3"]


# ------------------------------------------------------------------------------------------------
# Fixture builders
# ------------------------------------------------------------------------------------------------
def csv_bytes(rows, *, delimiter=",", encoding="utf-8", bom=False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if v is None else v for v in row] for row in rows])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(sheets: dict, *, merges: dict | None = None, hidden=(), origin: str = "A1") -> bytes:
    """A workbook with one sheet per entry; rows written from ``origin`` (e.g. "B3")."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    start_col = openpyxl.utils.column_index_from_string("".join(ch for ch in origin if ch.isalpha()))
    start_row = int("".join(ch for ch in origin if ch.isdigit()))
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.cell(row=start_row + r, column=start_col + c, value=value)
        for cell_range in (merges or {}).get(name, []):
            sheet.merge_cells(cell_range)
        if name in hidden:
            sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ole2_bytes(stream_names: list[str]) -> bytes:
    """A minimal, valid OLE2 compound file ([MS-CFB]) whose root holds empty streams of these names.

    Sector 0 is the FAT, sector 1 the directory (512-byte sectors, version 3).
    """
    free, end, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end)
    struct.pack_into("<I", header, 72, 0)
    struct.pack_into("<109I", header, 76, 0, *([free] * 108))
    fat = struct.pack("<128I", fat_sector, end, *([free] * 126))

    def entry(name: str, kind: int, child=no_stream, right=no_stream) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        raw = bytearray(128)
        raw[:len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 64, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 68, no_stream, right, child)
        struct.pack_into("<II", raw, 116, end, 0)
        return bytes(raw)

    entries = [entry("Root Entry", 5, child=1 if stream_names else no_stream)]
    for i, name in enumerate(stream_names):
        entries.append(entry(name, 2, right=i + 2 if i + 1 < len(stream_names) else no_stream))
    directory = b"".join(entries).ljust(512 * ((len(entries) * 128 + 511) // 512), b"\0")
    return bytes(header) + fat + directory


def likert(i: int, j: int) -> str:
    return AGREEMENT[(i * 3 + j * 7) % 5]


def qualtrics_rows(n: int = 12) -> list[list]:
    ids = ["StartDate", "EndDate", "Status", "Progress", "ResponseId", "Q1", "Q9f", "Q9g", "Q9f", "Q30"]
    texts = ["Start Date", "End Date", "Response Type", "Progress", "Response ID", "Which team do you work in?",
             "To what extent do you agree with the following statements? - My immediate manager works "
             "together with me to come to an understanding of problems.",
             "To what extent do you agree with the following statements? - My immediate manager is interested "
             "in listening to me when I describe challenges I face.",
             "Again: my immediate manager works together with me.", "Any other comments?"]
    imports = [json.dumps({"ImportId": key}, separators=(",", ":"))
               for key in ["startDate", "endDate", "status", "progress", "_recordId", "QID1", "QID12_4",
                           "QID12_5", "QID13", "QID30_TEXT"]]
    rows = [ids, texts, imports]
    for i in range(n):
        rows.append([f"2025-10-{i + 1:02d} 09:00:00", f"2025-10-{i + 1:02d} 09:12:00", "IP Address", 100,
                     f"R_{i:04d}xyz{i * 37 % 101}", TEAMS[i % 3], likert(i, 0), likert(i, 1), likert(i, 2),
                     f"comment number {i}"])
    return rows


SM_STEM = "To what extent do you agree or disagree with the following statements about your immediate manager?"
SM_STATEMENTS = ["My immediate manager cares about my concerns.", "My immediate manager encourages me at work.",
                 "My immediate manager gives me clear feedback on my work."]


def surveymonkey_rows(n: int = 12) -> list[list]:
    row1 = ["Respondent ID", "Collector ID", "Start Date", "End Date", SM_STEM, None, None,
            "Which team do you work in?", None, "Any other comments?"]
    row2 = [None, None, None, None, *SM_STATEMENTS, "Response", "Other (please specify)", "Open-Ended Response"]
    rows = [row1, row2]
    for i in range(n):
        rows.append([11400000 + i * 13, 4321, f"10/0{i % 9 + 1}/2025 09:00", f"10/0{i % 9 + 1}/2025 09:20",
                     likert(i, 0), likert(i, 1), likert(i, 2), TEAMS[i % 3] if i % 5 else "Other",
                     "Estates" if i % 5 == 0 else None, f"free text {i}"])
    return rows


SM_LABELS = ["Respondent ID", "Collector ID", "Start Date", "End Date",
             *[f"{SM_STEM} - {s}" for s in SM_STATEMENTS], "Which team do you work in?",
             "Which team do you work in? - Other (please specify)", "Any other comments?"]


def simple_rows(n: int = 10) -> list[list]:
    rows = [["Team", "q9f", "q9g", "q9h"]]
    for i in range(n):
        rows.append([TEAMS[i % 3], likert(i, 0), likert(i, 1), likert(i, 2)])
    return rows


# ------------------------------------------------------------------------------------------------
# CSV: encodings and delimiters
# ------------------------------------------------------------------------------------------------
def test_csv_utf8_one_header_row_index_is_spreadsheet_row(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(csv_bytes(simple_rows(10)))
    table = read_table(path)
    assert table.columns == ["Team", "q9f", "q9g", "q9h"]
    assert table.file_name == "staff.csv" and table.sheet is None and table.header_row == 1
    # header is row 1, so the 10 data rows are rows 2..11
    assert list(table.frame.index) == list(range(2, 2 + 10))
    assert table.frame.loc[2, "q9f"] == likert(0, 0)
    assert table.frame.loc[11, "Team"] == TEAMS[9 % 3]
    assert table.header_texts["q9f"] == ["q9f"]
    assert any("UTF-8" in note and "comma" in note for note in table.notes)


def test_csv_utf8_bom_is_not_part_of_first_label(tmp_path):
    rows = simple_rows(6)
    rows[1][0] = "Maternité"
    path = tmp_path / "bom.csv"
    path.write_bytes(csv_bytes(rows, bom=True))
    table = read_table(path)
    assert table.columns[0] == "Team"
    assert table.frame.loc[2, "Team"] == "Maternité"
    assert any("byte-order mark" in note for note in table.notes)


def test_csv_windows_1252_pound_sign_and_curly_apostrophe(tmp_path):
    rows = [["Team", "Budget", "q9f"]] + [[TEAMS[i % 3], "£1,200", "Don\u2019t know" if i % 2 else "Agree"]
                                          for i in range(8)]
    data = csv_bytes(rows, encoding="cp1252")
    assert b"\x92" in data and b"\xa3" in data  # the bytes Excel on Windows writes
    table = read_table(data, "export.csv")
    assert table.frame.loc[2, "Budget"] == "£1,200"
    assert table.frame.loc[3, "q9f"] == "Don\u2019t know"
    assert any("Windows-1252" in note for note in table.notes)


def test_csv_windows_1252_byte_after_the_sniffed_part_is_read_again(tmp_path):
    filler = [[TEAMS[i % 3], "Agree", f"comment {i:06d} " + "x" * 60] for i in range(15_000)]  # > 1 MiB
    rows = [["Team", "q9f", "Comment"]] + filler + [["Ward 1", "Agree", "It\u2019s fine"]]
    data = csv_bytes(rows, encoding="cp1252")
    assert len(data) > 1024 * 1024
    table = read_table(data, "late.csv")
    assert table.frame.loc[len(rows), "Comment"] == "It\u2019s fine"  # last row is row len(rows)
    assert any("Windows-1252" in note for note in table.notes)


@pytest.mark.parametrize("delimiter,name", [(";", "semicolon"), ("\t", "tab"), (",", "comma")])
def test_csv_delimiters_with_quoted_values(tmp_path, delimiter, name):
    rows = [["Team", "q9f", "Comment"]]
    for i in range(9):
        rows.append([TEAMS[i % 3], likert(i, 0), f"Busy; short-staffed, tired\t{i}"])
    table = read_table(csv_bytes(rows, delimiter=delimiter), "d.csv")
    assert table.columns == ["Team", "q9f", "Comment"]
    assert table.frame.loc[2, "Comment"] == "Busy; short-staffed, tired\t0"
    assert any(f"{name}-delimited" in note for note in table.notes)


def test_csv_semicolon_with_decimal_commas(tmp_path):
    rows = [["Team", "FTE", "Leavers"]] + [[TEAMS[i % 3], f"0,{i + 1}", i] for i in range(6)]
    table = read_table(csv_bytes(rows, delimiter=";"), "hr.csv")
    assert table.frame["FTE"].tolist() == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert any("decimal commas" in note for note in table.notes)


def test_csv_only_blank_cells_are_missing_and_text_answers_stay_text(tmp_path):
    rows = [["Team", "q9f", "Times"]] + [[TEAMS[i % 3], ["N/A", "None", "", "Agree"][i % 4], i] for i in range(8)]
    table = read_table(csv_bytes(rows), "na.csv")
    frame = table.frame
    assert frame.loc[2, "q9f"] == "N/A" and frame.loc[3, "q9f"] == "None"
    assert pd.isna(frame.loc[4, "q9f"])
    assert pd.api.types.is_integer_dtype(frame["Times"])


def test_csv_quoted_line_break_in_header_keeps_row_numbers(tmp_path):
    rows = [["Team", "My immediate manager\ncares about my concerns."]] + [[TEAMS[i % 3], likert(i, 0)]
                                                                              for i in range(6)]
    table = read_table(csv_bytes(rows), "nl.csv")
    assert table.columns == ["Team", "My immediate manager cares about my concerns."]
    assert table.header_texts[table.columns[1]] == ["My immediate manager\ncares about my concerns."]
    assert list(table.frame.index) == list(range(2, 8))


def test_csv_blank_lines_and_empty_rows_are_dropped_but_row_numbers_kept(tmp_path):
    rows = simple_rows(6)
    rows.insert(3, [None, None, None, None])  # becomes spreadsheet row 4
    data = csv_bytes(rows) + b"\r\n" + csv_bytes([["Ward 9", "Agree", "Agree", "Agree"]])
    table = read_table(data, "gaps.csv")
    # rows: 1 header, 2-3 data, 4 empty, 5-8 data, 9 blank line, 10 data
    assert list(table.frame.index) == [2, 3, 5, 6, 7, 8, 10]
    assert table.frame.loc[10, "Team"] == "Ward 9"


def test_csv_column_without_heading_gets_letter_and_empty_columns_are_dropped(tmp_path):
    rows = [["Team", "q9f", None, None]] + [[TEAMS[i % 3], likert(i, 0), f"note {i}", None] for i in range(6)]
    table = read_table(csv_bytes(rows), "blank.csv")
    assert table.columns == ["Team", "q9f", "Column C"]
    assert any("Column D ignored" in note for note in table.notes)


# ------------------------------------------------------------------------------------------------
# Header detection
# ------------------------------------------------------------------------------------------------
def test_title_rows_above_header_are_skipped(tmp_path):
    rows = [["Staff Survey 2025 \u2013 export"], [], *simple_rows(8)]
    table = read_table(csv_bytes(rows), "titled.csv")
    assert table.columns == ["Team", "q9f", "q9g", "q9h"]
    assert table.header_row == 3
    assert list(table.frame.index) == list(range(4, 12))
    assert any("title row above the header skipped (row 1)" in note for note in table.notes)


def test_title_row_directly_above_header_and_key_value_block(tmp_path):
    rows = [["Staff Survey 2025"], *simple_rows(8)]
    table = read_table(csv_bytes(rows), "t.csv")
    assert table.columns == ["Team", "q9f", "q9g", "q9h"] and table.header_row == 2
    rows = [["Survey", "Staff Survey 2025"], ["Exported", "2025-11-01"], [], *simple_rows(8)]
    path = tmp_path / "kv.xlsx"
    path.write_bytes(xlsx_bytes({"Data": rows}))
    table = read_table(path)
    assert table.columns == ["Team", "q9f", "q9g", "q9h"] and table.header_row == 4
    assert table.frame.index[0] == 5


def test_first_respondent_with_few_answers_is_data_not_header(tmp_path):
    rows = [["Team", "q9f", "q9g", "q9h", "q9i", "q2a"]]
    rows.append(["Ward 1", "Agree", None, None, None, None])
    for i in range(8):
        rows.append([TEAMS[i % 3], likert(i, 0), likert(i, 1), likert(i, 2), likert(i, 3), likert(i, 4)])
    table = read_table(csv_bytes(rows), "sparse.csv")
    assert table.header_row == 1 and table.frame.index[0] == 2
    assert table.frame.loc[2, "q9f"] == "Agree"


def test_first_respondent_who_mostly_wrote_comments_is_data_not_header(tmp_path):
    rows = [["ResponseId", "StartDate", "Team", "q9f", "q9g", "Comment 1", "Comment 2", "Comment 3"],
            ["R_first", "2025-10-01", "Ward 1", None, None, "Too few staff", "Long shifts", "Kind team"]]
    for i in range(8):
        rows.append([f"R_{i}", f"2025-10-0{i + 2}", TEAMS[i % 3], likert(i, 0), likert(i, 1), None, None, None])
    table = read_table(csv_bytes(rows), "comments.csv")
    assert table.header_row == 1 and table.columns[5] == "Comment 1"
    assert list(table.frame.index) == list(range(2, 11))
    assert table.frame.loc[2, "Comment 3"] == "Kind team"


def test_utf16_tab_delimited_unicode_text(tmp_path):
    rows = [["Team", "q9f", "Comment"]] + [[TEAMS[i % 3], likert(i, 0), "é ’ £"] for i in range(6)]
    table = read_table(csv_bytes(rows, delimiter="\t", encoding="utf-16"), "unicode.txt")
    assert table.columns == ["Team", "q9f", "Comment"]
    assert table.frame.loc[7, "Comment"] == "é ’ £"
    assert any("UTF-16" in note and "tab-delimited" in note for note in table.notes)


def test_qualtrics_three_row_header_csv(tmp_path):
    table = read_table(csv_bytes(qualtrics_rows()), "qualtrics.csv")
    assert table.columns == ["StartDate", "EndDate", "Status", "Progress", "ResponseId", "Q1", "Q9f", "Q9g",
                             "Q9f (2)", "Q30"]
    assert table.header_row == 3
    assert list(table.frame.index) == list(range(4, 4 + 12))
    assert table.header_texts["Q9f"] == [
        "Q9f", qualtrics_rows()[1][6], '{"ImportId":"QID12_4"}']
    assert table.header_texts["Q9f (2)"][2] == '{"ImportId":"QID13"}'
    assert table.frame.loc[4, "Q9f"] == likert(0, 0)
    assert table.frame.loc[15, "Q9f (2)"] == likert(11, 2)
    assert any("rows 1-3" in note for note in table.notes)


def test_qualtrics_three_row_header_xlsx_with_excel_dates(tmp_path):
    rows = qualtrics_rows()
    for row in rows[3:]:
        row[0] = dt.datetime.strptime(row[0], "%Y-%m-%d %H:%M:%S")
    path = tmp_path / "qualtrics.xlsx"
    path.write_bytes(xlsx_bytes({"Sheet0": rows}))
    table = read_table(path)
    assert table.columns[:7] == ["StartDate", "EndDate", "Status", "Progress", "ResponseId", "Q1", "Q9f"]
    assert table.columns[8] == "Q9f (2)"
    assert table.sheet == "Sheet0" and table.header_row == 3
    assert list(table.frame.index) == list(range(4, 16))
    assert table.header_texts["Q9g"][2] == '{"ImportId":"QID12_5"}'
    assert pd.api.types.is_datetime64_any_dtype(table.frame["StartDate"])
    assert table.frame.loc[4, "StartDate"] == pd.Timestamp("2025-10-01 09:00:00")
    assert pd.api.types.is_integer_dtype(table.frame["Progress"])


def test_qualtrics_two_row_legacy_header_uses_identifier_row(tmp_path):
    rows = qualtrics_rows()
    del rows[2]
    table = read_table(csv_bytes(rows), "legacy.csv")
    assert table.columns[5:8] == ["Q1", "Q9f", "Q9g"]
    assert table.header_row == 2 and table.frame.index[0] == 3
    assert table.header_texts["Q1"] == ["Q1", "Which team do you work in?"]


def test_surveymonkey_two_row_header_csv(tmp_path):
    table = read_table(csv_bytes(surveymonkey_rows()), "monkey.csv")
    assert table.columns == SM_LABELS
    assert table.header_row == 2
    assert list(table.frame.index) == list(range(3, 3 + 12))
    assert table.header_texts[f"{SM_STEM} - {SM_STATEMENTS[1]}"] == [SM_STEM, SM_STATEMENTS[1]]
    assert table.header_texts["Which team do you work in?"] == ["Which team do you work in?", "Response"]
    assert table.header_texts["Respondent ID"] == ["Respondent ID"]
    assert table.frame.loc[3, f"{SM_STEM} - {SM_STATEMENTS[0]}"] == likert(0, 0)
    assert table.frame.loc[3, "Which team do you work in? - Other (please specify)"] == "Estates"


def test_surveymonkey_two_row_header_xlsx_with_merged_cells(tmp_path):
    path = tmp_path / "monkey.xlsx"
    path.write_bytes(xlsx_bytes({"Sheet": surveymonkey_rows()}, merges={"Sheet": ["E1:G1", "H1:I1"]}))
    table = read_table(path)
    assert table.columns == SM_LABELS
    assert list(table.frame.index) == list(range(3, 15))
    assert table.frame.loc[14, f"{SM_STEM} - {SM_STATEMENTS[2]}"] == likert(11, 2)


def test_duplicate_labels_are_made_unique(tmp_path):
    rows = [["Team", "Q9f", "Q9f", "Q9f", "Q9f (2)"]] + [[TEAMS[i % 3]] + [likert(i, j) for j in range(4)]
                                                         for i in range(6)]
    table = read_table(csv_bytes(rows), "dup.csv")
    assert table.columns == ["Team", "Q9f", "Q9f (3)", "Q9f (4)", "Q9f (2)"]
    assert table.frame.loc[2, "Q9f (3)"] == likert(0, 1)


def test_xlsx_table_not_at_a1_keeps_excel_rows_and_letters(tmp_path):
    rows = [["Team", "q9f", None]] + [[TEAMS[i % 3], likert(i, 0), f"n{i}"] for i in range(5)]
    path = tmp_path / "offset.xlsx"
    path.write_bytes(xlsx_bytes({"Data": rows}, origin="C4"))
    table = read_table(path)
    assert table.header_row == 4
    assert list(table.frame.index) == [5, 6, 7, 8, 9]
    assert table.columns == ["Team", "q9f", "Column E"]


def test_xlsx_numbers_stored_as_text_stay_text_and_numbers_stay_numbers(tmp_path):
    rows = [["Team", "q9f_code", "q9f_text", "mixed"]]
    for i in range(6):
        rows.append([TEAMS[i % 3], (i % 5) + 1, str((i % 5) + 1), "Don't know" if i == 0 else (i % 5) + 1])
    path = tmp_path / "types.xlsx"
    path.write_bytes(xlsx_bytes({"Data": rows}))
    frame = read_table(path).frame
    assert pd.api.types.is_integer_dtype(frame["q9f_code"]) and frame.loc[2, "q9f_code"] == 1
    assert frame["q9f_text"].tolist() == ["1", "2", "3", "4", "5", "1"]
    assert frame["mixed"].tolist() == ["Don't know", 2, 3, 4, 5, 1]


# ------------------------------------------------------------------------------------------------
# Sheets
# ------------------------------------------------------------------------------------------------
def workbook_with_cover() -> bytes:
    about = [["About this workbook"], ["Staff survey 2025, all responses."], [],
             ["Contact", "od.team@example.nhs.uk"], ["Produced", "2025-11-01"]]
    notes = [["Read me"], ["Scores are not weighted."]]
    lists = [["Team"]] + [[f"Team {i}"] for i in range(300)]
    responses = [["Staff Survey 2025 - export"], [], *simple_rows(20)]
    return xlsx_bytes({"About": about, "Responses": responses, "Read me": notes, "Lists": lists},
                      hidden=("Lists",))


def test_sheet_with_responses_is_chosen_over_cover_and_notes(tmp_path):
    table = read_table(workbook_with_cover(), "survey.xlsx")
    assert table.sheet == "Responses"
    assert table.columns == ["Team", "q9f", "q9g", "q9h"]
    assert table.header_row == 3 and table.frame.index[0] == 4 and len(table.frame) == 20
    assert any("Sheet 'Responses' chosen" in note and "'About'" in note and "'Read me'" in note
               for note in table.notes)


def test_sheet_named_case_insensitively_and_unknown_sheet_lists_sheets(tmp_path):
    data = workbook_with_cover()
    table = read_table(data, "survey.xlsx", sheet="read ME")
    assert table.sheet == "Read me"
    with pytest.raises(InputError, match=r"survey\.xlsx: There is no sheet called 'Data'\. The sheets are: "
                                         r"'About', 'Responses', 'Read me', 'Lists'"):
        read_table(data, "survey.xlsx", sheet="Data")


def test_list_sheets(tmp_path):
    assert list_sheets(workbook_with_cover(), "survey.xlsx") == ["About", "Responses", "Read me", "Lists"]
    assert list_sheets(csv_bytes(simple_rows(3)), "s.csv") == []


def test_hidden_sheet_used_only_when_no_visible_sheet_has_data(tmp_path):
    data = xlsx_bytes({"Cover": [["Survey"]], "Data": simple_rows(5)}, hidden=("Data",))
    table = read_table(data, "h.xlsx")
    assert table.sheet == "Data" and len(table.frame) == 5


# ------------------------------------------------------------------------------------------------
# columns= and header_only=
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_columns_returns_only_those_in_the_order_given(tmp_path, kind):
    rows = qualtrics_rows(15)
    data = csv_bytes(rows) if kind == "csv" else xlsx_bytes({"Responses": rows})
    name = f"q.{kind}"
    full = read_table(data, name)
    part = read_table(data, name, columns=["Q9g", "Q1", "Q9f (2)"])
    assert part.columns == ["Q9g", "Q1", "Q9f (2)"]
    assert set(part.header_texts) == {"Q9g", "Q1", "Q9f (2)"}
    pd.testing.assert_frame_equal(part.frame, full.frame[["Q9g", "Q1", "Q9f (2)"]])
    with pytest.raises(InputError, match=r"There is no column called 'Q99'\. The columns are: 'StartDate'"):
        read_table(data, name, columns=["Q9g", "Q99"])


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_header_only_returns_header_and_a_preview(tmp_path, kind):
    rows = qualtrics_rows(HEADER_ONLY_ROWS + 150)
    data = csv_bytes(rows) if kind == "csv" else xlsx_bytes({"Responses": rows})
    table = read_table(data, f"big.{kind}", header_only=True)
    assert len(table.frame) == HEADER_ONLY_ROWS
    assert table.frame.index[0] == 4 and table.frame.index[-1] == 3 + HEADER_ONLY_ROWS
    assert table.header_texts["Q9f"][2] == '{"ImportId":"QID12_4"}'
    assert len(read_table(data, f"big.{kind}").frame) == HEADER_ONLY_ROWS + 150


def test_bytes_path_and_file_like_give_the_same_table(tmp_path):
    data = csv_bytes(surveymonkey_rows())
    path = tmp_path / "same.csv"
    path.write_bytes(data)
    from_path, from_bytes = read_table(path), read_table(data, "same.csv")
    from_file = read_table(io.BytesIO(data), "same.csv")
    pd.testing.assert_frame_equal(from_path.frame, from_bytes.frame)
    pd.testing.assert_frame_equal(from_path.frame, from_file.frame)
    assert from_path.header_texts == from_bytes.header_texts


def test_workbook_named_csv_is_read_as_workbook(tmp_path):
    table = read_table(xlsx_bytes({"Data": simple_rows(4)}), "actually.csv")
    assert table.sheet == "Data" and len(table.frame) == 4
    assert any("despite its name" in note for note in table.notes)


# ------------------------------------------------------------------------------------------------
# Refusals
# ------------------------------------------------------------------------------------------------
def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.csv: The file is empty \(0 bytes\)\. Export"):
        read_table(path)
    with pytest.raises(InputError, match=r"blank\.csv: The file has no text in it"):
        read_table(b"\r\n  \r\n", "blank.csv")
    with pytest.raises(InputError, match=r"commas\.csv: The file has no values in it"):
        read_table(b",,,\r\n,,,\r\n", "commas.csv")


def test_header_without_responses_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"head\.csv: The header \(row 1\) has no responses below it"):
        read_table(csv_bytes([["Team", "q9f", "q9g"]]), "head.csv")
    with pytest.raises(InputError, match=r"head\.csv: The header \(row 1\) has no responses below it"):
        read_table(csv_bytes([["Team", "q9f", "q9g"], [None, None, None]]), "head.csv")
    data = xlsx_bytes({"Responses": [["Title"], [], ["Team", "q9f", "q9g"]]})
    with pytest.raises(InputError, match=r"head\.xlsx, sheet 'Responses': The header \(row 3\) has no responses"):
        read_table(data, "head.xlsx")
    with pytest.raises(InputError, match=r"none\.xlsx: No sheet of this workbook has any values in it"):
        read_table(xlsx_bytes({"Sheet1": []}), "none.xlsx")
    with pytest.raises(InputError, match=r"two\.xlsx, sheet 'Blank': This sheet has no values in it"):
        read_table(xlsx_bytes({"Data": simple_rows(3), "Blank": []}), "two.xlsx", sheet="blank")


def test_text_file_renamed_to_xlsx_is_refused(tmp_path):
    path = tmp_path / "responses.xlsx"
    path.write_bytes(csv_bytes(simple_rows(3)))
    with pytest.raises(InputError, match=r"responses\.xlsx: This file is named \.xlsx but is not an Excel "
                                         r"workbook: it is a text file\. If it holds comma"):
        read_table(path)


def test_random_binary_is_refused(tmp_path):
    noise = random.Random(7).randbytes(5000)
    with pytest.raises(InputError, match=r"noise\.csv: This file is not a spreadsheet"):
        read_table(noise, "noise.csv")
    with pytest.raises(InputError, match=r"noise\.xlsx: This file is named \.xlsx but is not an Excel workbook: "
                                         r"it is neither a workbook nor a text file"):
        read_table(noise, "noise.xlsx")
    small_noise = bytes(range(128, 256)) + bytes([1, 2, 3, 4, 5, 6, 7, 8])  # no NUL byte at all
    with pytest.raises(InputError, match=r"This file is not a spreadsheet"):
        read_table(small_noise, "small.csv")


def test_pdf_and_non_workbook_zip_are_refused(tmp_path):
    with pytest.raises(InputError, match=r"report\.xlsx: This is a PDF document, not a spreadsheet"):
        read_table(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "report.xlsx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(InputError, match=r"letter\.xlsx: This is a zip archive but not an Excel workbook"):
        read_table(buffer.getvalue(), "letter.xlsx")
    with pytest.raises(InputError, match=r"cut\.xlsx: This file looks like an Excel workbook but is damaged"):
        read_table(xlsx_bytes({"Data": simple_rows(3)})[:300], "cut.xlsx")


def test_password_protected_workbook_is_refused(tmp_path):
    data = ole2_bytes(["EncryptionInfo", "EncryptedPackage"])
    with pytest.raises(InputError, match=r"locked\.xlsx: This workbook is password-protected, so it cannot be "
                                         r"read\. Open it in Excel, remove the password"):
        read_table(data, "locked.xlsx")


def test_legacy_xls_is_refused(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(ole2_bytes(["Workbook", "\x05SummaryInformation"]))
    with pytest.raises(InputError, match=r"old\.xls: This is an old-style Excel 97-2003 workbook \(\.xls\).*save "
                                         r"it as an Excel Workbook \(\.xlsx\) or as CSV"):
        read_table(path)
    with pytest.raises(InputError, match=r"old\.xls: This is an old-style Excel 97-2003 workbook"):
        list_sheets(path)
    with pytest.raises(InputError, match=r"letter\.doc: This is an older Microsoft Office file"):
        read_table(ole2_bytes(["WordDocument"]), "letter.doc")


def _workbook_plus_member(member_name: str, member: bytes) -> bytes:
    small = xlsx_bytes({"Data": simple_rows(5)})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(small)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr(member_name, member)
    return out.getvalue()


def test_zip_bomb_by_compression_ratio_is_refused_quickly():
    data = _workbook_plus_member("xl/media/image1.bin", bytes(5 * 1024 * 1024))  # 5 MB of zeros
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("xl/media/image1.bin")
        assert info.file_size / info.compress_size > settings.MAX_COMPRESSION_RATIO
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"bomb\.xlsx: This workbook is compressed unusually tightly \([\d,]+ to 1; "
                                         r"the limit is 200 to 1\)"):
        read_table(data, "bomb.xlsx")
    assert time.perf_counter() - started < 1.0


def test_workbook_too_large_once_unpacked_is_refused(monkeypatch):
    data = xlsx_bytes({"Data": simple_rows(5)})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    monkeypatch.setattr(settings, "MAX_UNCOMPRESSED_BYTES", unpacked - 1)
    with pytest.raises(InputError, match=r"big\.xlsx: This workbook is too large to open safely: its contents "
                                         r"would take .* once unpacked \(the limit is"):
        read_table(data, "big.xlsx")
    monkeypatch.setattr(settings, "MAX_UNCOMPRESSED_BYTES", unpacked)
    assert len(read_table(data, "big.xlsx").frame) == 5


def test_csv_row_with_extra_values_is_refused():
    bad_line = b"Ward 1,Agree,Agree,Busy, tired\r\n"
    data = csv_bytes(simple_rows(5)) + bad_line  # row 7, within the rows examined for the header
    with pytest.raises(InputError, match=r"extra\.csv, row 7: This row has 5 values but the header has 4 "
                                         r"columns; a value probably contains an unquoted delimiter"):
        read_table(data, "extra.csv")
    data = csv_bytes(simple_rows(PREVIEW_ROWS + 10)) + bad_line  # beyond them: found by the full read
    with pytest.raises(InputError, match=rf"extra\.csv: Line {PREVIEW_ROWS + 12} of the file has 5 values but the "
                                         r"header has 4 columns"):
        read_table(data, "extra.csv")
    # trailing empty values are not extra values
    data = csv_bytes(simple_rows(5)) + b"Ward 1,Agree,Agree,Agree,,\r\n"
    assert read_table(data, "extra.csv").frame.loc[7, "q9h"] == "Agree"


def test_csv_with_a_value_too_long_to_be_an_answer_is_refused():
    data = b"Team,Comment\r\nWard 1," + b"x" * 200_000 + b"\r\n"
    with pytest.raises(InputError, match=r"long\.csv: The file could not be read as CSV \(a value is too long"):
        read_table(data, "long.csv")


def test_bad_sources_are_refused(tmp_path):
    with pytest.raises(InputError, match=r"A file name is needed"):
        read_table(b"a,b\n1,2\n")
    with pytest.raises(InputError, match=r"missing\.csv: The file does not exist"):
        read_table(tmp_path / "missing.csv")
    with pytest.raises(InputError, match=r"This is a folder, not a file"):
        read_table(tmp_path)


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------
def test_column_letter():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == \
        ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]


def test_index_is_integer_spreadsheet_row(tmp_path):
    table = read_table(xlsx_bytes({"Data": simple_rows(4)}), "i.xlsx")
    assert table.frame.index.dtype == np.int64
    assert list(table.frame.index) == [2, 3, 4, 5]


# ------------------------------------------------------------------------------------------------
# Properties: any text file is either read consistently or refused with an InputError
# ------------------------------------------------------------------------------------------------
CELL = st.one_of(st.none(), st.sampled_from(AGREEMENT + TEAMS + ["Don\u2019t know", "£5", "a;b", "x,y", '"q"']),
                 st.integers(-5, 99).map(str), st.text("ab \r\n,;\t\"{}:é", max_size=12))


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=1, max_size=6), min_size=0, max_size=12),
       delimiter=st.sampled_from([",", ";", "\t"]), encoding=st.sampled_from(["utf-8", "cp1252", "utf-16"]))
def test_any_csv_is_read_consistently_or_refused(rows, delimiter, encoding):
    try:
        data = csv_bytes(rows, delimiter=delimiter, encoding=encoding)
    except UnicodeEncodeError:
        return
    try:
        full = read_table(data, "any.csv")
    except InputError:
        return
    assert len(set(full.columns)) == len(full.columns)
    assert set(full.header_texts) == set(full.columns)
    assert full.frame.index.is_monotonic_increasing and full.frame.index.min() > full.header_row
    preview = read_table(data, "any.csv", header_only=True)
    assert preview.columns == full.columns and preview.header_row == full.header_row
    subset = full.columns[::-1][:3]
    part = read_table(data, "any.csv", columns=subset)
    assert part.columns == subset
    assert set(part.frame.index) <= set(full.frame.index)


def _under_declare(data: bytes, member_name: str, declared_size: int) -> bytes:
    """``data`` with ``member_name``'s uncompressed size rewritten as ``declared_size`` in both the local
    header and the central directory (what a file built to slip past a size check does)."""
    import struct

    raw = bytearray(data)
    name = member_name.encode()
    position = 0
    while True:
        local = raw.find(b"PK\x03\x04", position)
        assert local >= 0
        name_length = struct.unpack_from("<H", raw, local + 26)[0]
        if raw[local + 30:local + 30 + name_length] == name:
            struct.pack_into("<I", raw, local + 22, declared_size)
            break
        position = local + 4
    position = 0
    while True:
        central = raw.find(b"PK\x01\x02", position)
        assert central >= 0
        name_length = struct.unpack_from("<H", raw, central + 28)[0]
        if raw[central + 46:central + 46 + name_length] == name:
            struct.pack_into("<I", raw, central + 24, declared_size)
            break
        position = central + 4
    return bytes(raw)


def test_workbook_that_under_declares_its_sizes_is_refused():
    import random

    member = random.Random(7).randbytes(256 * 1024)  # random bytes: they do not compress

    honest = _workbook_plus_member("xl/media/image1.bin", member)
    assert len(read_table(honest, "honest.xlsx").frame) == 5
    forged = _under_declare(honest, "xl/media/image1.bin", 1024)
    with zipfile.ZipFile(io.BytesIO(forged)) as archive:
        assert archive.getinfo("xl/media/image1.bin").file_size == 1024  # the directory now says 1 KiB
    with pytest.raises(InputError, match=r"forged\.xlsx: This workbook's contents do not match the sizes and "
                                         r"checksums it declares"):
        read_table(forged, "forged.xlsx")

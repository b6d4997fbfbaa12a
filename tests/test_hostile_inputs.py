"""Hostile and messy inputs, one class at a time, with small generated files: each gives the right figures
or a one-line message naming the real problem (time and memory are measured in ``bench/``)."""

from __future__ import annotations


import io

import openpyxl
import pandas as pd
import pytest

from analytics import hr
from analytics.errors import InputError
from analytics.export import csv_bytes, write_table
from analytics.ingest.io import read_table
from analytics.ingest.numbers import number_texts


# --- Exports write any text ------------------------------------------------------------------------
CONTROL_NAMES = ["Ward\x1b 7", "Theatres\x00", "=cmd|'/C calc'!A0", "Day\x07 Unit", "Tab\tok"]


def test_xlsx_export_drops_characters_xml_cannot_hold(tmp_path):
    frame = pd.DataFrame({"team\x0b": CONTROL_NAMES, "n": range(5)})
    path = write_table(frame, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(path).active
    values = [row[0] for row in sheet.iter_rows(min_row=1, values_only=True)]
    assert values == ["team", "Ward 7", "Theatres", "'=cmd|'/C calc'!A0", "Day Unit", "Tab\tok"]


def test_csv_export_drops_control_characters_and_keeps_formula_neutralisation():
    text = csv_bytes(pd.DataFrame({"team": CONTROL_NAMES})).decode("utf-8-sig")
    assert "\x1b" not in text and "\x00" not in text and "'=cmd" in text


def test_a_workbook_escape_of_a_control_character_survives_the_round_trip(tmp_path):
    # Excel writes ESC in a cell as _x001B_; openpyxl reads it back as the character itself
    book = openpyxl.Workbook()
    book.active.append(["Team"])
    book.active.append(["Ward_x001B_ 9"])
    source = tmp_path / "escaped.xlsx"
    book.save(source)
    read = read_table(source.read_bytes(), "escaped.xlsx").frame
    path = write_table(read, tmp_path / "again.xlsx")
    assert openpyxl.load_workbook(path).active["A2"].value in ("Ward 9", "Ward_x001B_ 9")


# --- Numbers by the evidence of the whole column ------------------------------------------------------
@pytest.mark.parametrize("cells, expected", [
    (["4,3998", "12"], [4.3998, 12.0]),            # a decimal comma: no thousands group has four digits
    (["0,5", "1"], [0.5, 1.0]),                     # a leading zero
    (["1.234,5", "2"], [1234.5, 2.0]),              # European thousands dot and decimal comma
    (["1,234", "2,000"], [1234.0, 2000.0]),         # thousands separators
    (["1,234.5", "3"], [1234.5, 3.0]),
    (["1 234", "7"], [1234.0, 7.0]),                # a space as thousands separator
])
def test_commas_are_read_by_the_whole_column(cells, expected):
    texts, _ = number_texts(pd.Series(cells, dtype="str"))
    assert pd.to_numeric(texts).tolist() == pytest.approx(expected)


STAFF = "Employee Number,Team,Start Date,Termination Date,FTE\n1,A,01/01/2020,,1\n2,A,01/01/2020,,\"0,5\"\n"


def test_a_quoted_decimal_comma_in_an_hr_file_is_a_decimal():
    absence = ("Employee Number,Absence Start Date,Absence End Date,FTE Days Lost\n"
               "1,01/03/2024,05/03/2024,\"4,3998\"\n2,10/03/2024,11/03/2024,\"1,0\"\n")
    staff = hr.load_staff(read_table(STAFF.encode(), "staff.csv"))
    records = hr.load_absence(read_table(absence.encode(), "absence.csv"), staff)
    assert staff.assignments["fte"].tolist() == [1.0, 0.5]
    org = hr.hr_metrics(records, start="2024-03-01", end="2024-03-31", levels=["organisation"]).iloc[0]
    assert float(org["fte_days_lost"]) == pytest.approx(4.3998 + 1.0)
    assert float(org["sickness_rate"]) == pytest.approx(100 * 5.3998 / (31 * 1.5))


# --- Plausibility ------------------------------------------------------------------------------------
def test_fte_days_lost_beyond_the_episode_is_refused_with_its_row():
    absence = ("Employee Number,Absence Start Date,Absence End Date,FTE Days Lost\n"
               "1,01/03/2024,05/03/2024,4\n1,10/03/2024,11/03/2024,43998\n")
    staff = hr.load_staff(read_table(STAFF.encode(), "staff.csv"))
    with pytest.raises(InputError, match=r"absence.csv, column 'FTE Days Lost', row 3: FTE days lost 43998 is more"):
        hr.load_absence(read_table(absence.encode(), "absence.csv"), staff)


def test_a_team_month_sickness_rate_over_100_percent_is_refused():
    months = ("Team,Month,Staff in post,Leavers,FTE days lost,FTE days available\n"
              "A,2024-01,10,0,30,310\nA,2024-02,10,0,2900,290\n")
    with pytest.raises(InputError, match=r"row 3: FTE days lost 2900 is more than the FTE days available"):
        hr.load_hr_table(read_table(months.encode(), "months.csv"))


def test_an_absence_after_termination_adds_no_days_and_is_a_finding():
    staff_csv = "Employee Number,Team,Start Date,Termination Date,FTE\n1,A,01/01/2020,29/02/2024,1\n2,A,01/01/2020,,1\n"
    absence = ("Employee Number,Absence Start Date,Absence End Date\n"
               "1,10/03/2024,20/03/2024\n2,10/03/2024,11/03/2024\n")
    staff = hr.load_staff(read_table(staff_csv.encode(), "staff.csv"))
    records = hr.load_absence(read_table(absence.encode(), "absence.csv"), staff)
    org = hr.hr_metrics(records, start="2024-03-01", end="2024-03-31", levels=["organisation"]).iloc[0]
    assert float(org["fte_days_lost"]) == pytest.approx(2.0)         # only the person in post
    assert any("not in post" in note and "rows 2 of 'absence.csv'" in note for note in records.notes)


def test_one_date_typed_far_in_the_future_does_not_move_the_period():
    rows = ["Employee Number,Team,Start Date,Termination Date,FTE"]
    rows += [f"{i},A,01/01/2015,{'' if i % 4 else f'{(i % 28) + 1:02d}/{(i % 12) + 1:02d}/2024'},1" for i in range(1, 200)]
    rows.append("999,A,01/01/2015,15/06/2099,1")
    staff = hr.load_staff(read_table(("\n".join(rows) + "\n").encode(), "staff.csv"))
    assert staff.coverage_end.year == 2024
    assert any(n.startswith("Planned leavers: 1 termination date(s)") for n in staff.notes)


# --- Team names: one team however it was typed -------------------------------------------------------


def test_clean_name_removes_invisible_and_bidi_characters_and_normalises():
    from analytics.ingest.names import clean_name
    assert clean_name("Ward\u200b 7") == "Ward 7"
    assert clean_name("\u202eWard 7\u202c") == "Ward 7"           # a right-to-left override never shows
    assert clean_name("Cafe\u0301") == "Caf\u00e9"                  # NFD -> NFC
    assert clean_name(" \t\n") is None


def test_a_team_typed_several_ways_is_one_team_with_a_finding():
    from analytics.survey.pipeline import SurveySource, score_survey_files
    rows = ["Team,Q9F,Q9G,Q9H,Q9I"]
    names = ["Ward 7"] * 9 + ["ward 7"] * 4 + ["Ward 7 "] * 3 + ["Ward\u200b 7"] * 3 + ["\u202eWard 7"] * 2
    rows += [f"{name},4,4,4,4" for name in names]                    # 21 people, one team
    results = score_survey_files([SurveySource("pulse_2025.csv", ("\n".join(rows) + "\n").encode())])
    teams = results.unit_scores[(results.unit_scores["level"] == "team")
                                & (results.unit_scores["measure"] == "compassionate_leadership")]
    assert teams["unit"].tolist() == ["Ward 7"] and int(teams["n"].iloc[0]) == 21 and not teams["suppressed"].iloc[0]
    merged = results.findings[results.findings["kind"] == "unit_spellings_merged"]
    assert len(merged) == 1 and "'Ward 7', 'ward 7'" in merged["message"].iloc[0]


def test_hr_team_names_are_merged_too():
    staff = ("Employee Number,Team,Start Date,Termination Date,FTE\n1,Ward 7,01/01/2020,,1\n2,WARD 7,01/01/2020,,1\n"
             "3,Ward\u200b 7,01/01/2020,,1\n")
    records = hr.load_staff(read_table(staff.encode(), "staff.csv"))
    assert set(records.assignments["team"]) == {"Ward 7"}
    assert any("'Ward 7', 'WARD 7'" in note for note in records.notes)


# --- A workbook whose cells stretch over the whole grid ----------------------------------------------
def _stray_cell_workbook(far: str) -> bytes:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes["A1"] = "About this export"
    notes[far] = "x"                   # one stray cell: the reader would allocate the whole grid up to it
    data = book.create_sheet("Responses")
    data.append(["Team", "Q9F", "Q9G", "Q9H", "Q9I"])
    for _ in range(12):
        data.append(["Ward A", 4, 4, 3, 5])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("far", ["XFD1048576", "ZZ1048576", "XFD2000"])
def test_a_stray_far_cell_skips_its_sheet_and_never_allocates_the_grid(far):
    data = _stray_cell_workbook(far)
    raw = read_table(data, "export.xlsx")                  # automatic sheet choice: the Notes sheet is skipped
    assert raw.sheet == "Responses" and len(raw.frame) == 12
    assert any(note.startswith("Sheet 'Notes' was not read") for note in raw.notes)
    with pytest.raises(InputError, match=f"sheet 'Notes': This sheet cannot be opened.*cell {far[:3]}"):
        read_table(data, "export.xlsx", sheet="Notes")


def test_a_workbook_named_like_another_format_is_read_by_its_content(tmp_path):
    path = tmp_path / "export.xlsb"                     # a real .xlsx saved under the wrong extension
    path.write_bytes(_stray_cell_workbook("B2"))
    raw = read_table(path)
    assert raw.sheet == "Responses" and len(raw.frame) == 12


def test_two_sheets_with_one_name_are_refused():
    import zipfile
    data = _stray_cell_workbook("B2")
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/workbook.xml":
                content = content.replace(b'name="Notes"', b'name="Responses"')
            target.writestr(info, content)
    with pytest.raises(InputError, match="more than one sheet called 'Responses'"):
        read_table(out.getvalue(), "export.xlsx")


# --- CSV files that another delimiter trial used to abort, and empty padding ---------------------------
def test_a_carriage_return_inside_a_quoted_cell_is_read():
    raw = read_table(b'Team,Q9F,Comment\nWard A,4,"line one\rline two"\nWard B,3,ok\n', "cr.csv")
    assert raw.frame["Comment"].tolist() == ["line one\rline two", "ok"]


def test_a_header_of_twenty_thousand_columns_is_read():
    header = ",".join(f"Q{i}" for i in range(20_000))        # one line of about 130 KB
    row = ",".join("1" for _ in range(20_000))
    raw = read_table(f"{header}\n{row}\n{row}\n".encode(), "wide.csv")
    assert raw.frame.shape == (2, 20_000)


@pytest.mark.parametrize("padding", [b"\x00" * 5000 + b"\n", b" \t, \n" * 3, b"\n" * 10_000, b",\n,\n"])
def test_blank_whitespace_and_nul_rows_are_not_respondents(padding):
    raw = read_table(b"Team,Q9F\nWard A,4\nWard B,3\n" + padding, "padded.csv")
    assert raw.frame["Team"].tolist() == ["Ward A", "Ward B"]


def test_a_stray_space_far_below_the_only_sheet_names_the_cell_to_delete():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Team", "Q9F", "Q9G", "Q9H", "Q9I"])
    for _ in range(12):
        sheet.append(["Ward A", 4, 4, 3, 5])
    sheet["Z1048576"] = " "                # one space typed in the last row of the grid
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(InputError, match=r"The sheet 'Sheet' cannot be opened.*cell Z1048576"):
        read_table(buffer.getvalue(), "export.xlsx")


def test_one_team_spelt_differently_in_two_files_of_a_wave_is_one_team():
    from analytics.survey.pipeline import ColumnOptions, SurveySource, score_survey_files
    first = "Team,Q9F,Q9G,Q9H,Q9I\n" + "Ward 7,4,4,4,4\n" * 7
    second = "Team,Q9F,Q9G,Q9H,Q9I\n" + "WARD 7,3,3,3,3\n" * 5
    results = score_survey_files([SurveySource("pulse_a.csv", first.encode()),
                                  SurveySource("pulse_b.csv", second.encode())], ColumnOptions(wave_label="2025"))
    teams = results.unit_scores[(results.unit_scores["level"] == "team")
                                & (results.unit_scores["measure"] == "compassionate_leadership")]
    # 7 + 5 = 12 respondents: one team, shown; apart they would be two hidden teams
    assert teams["unit"].tolist() == ["Ward 7"] and int(teams["n"].iloc[0]) == 12
    assert (results.findings["kind"] == "unit_spellings_merged").any()


def test_a_unit_level_file_with_decimal_commas_is_related_by_the_column():
    from analytics import relate
    data = "Trust;CL;Sick\nA;7,1;5,6%\nB;6,8;6,1%\nC;7,4;4,9%\nD;6,5;6,4%\nE;7,0;5,2%\n"
    frame, _ = relate.read_units_file(data.encode(), unit_col="Trust", columns=["CL", "Sick"], file_name="t.csv")
    assert frame["CL"].tolist() == pytest.approx([7.1, 6.8, 7.4, 6.5, 7.0])
    assert frame["Sick"].tolist() == pytest.approx([5.6, 6.1, 4.9, 6.4, 5.2])


def _responses_workbook(stray: dict[str, object], rows: int = 12) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Responses"
    sheet.append(["Team", "Q9F", "Q9G", "Q9H", "Q9I"])
    for i in range(rows):
        sheet.append([f"Ward {'AB'[i % 2]}", 1 + i % 5, 4, 3, 5])
    for cell, value in stray.items():
        sheet[cell] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("stray", [{"E1048576": " "}, {"A1048576": "\u00a0"}, {"A150000": " ", "C90000": "  "}])
def test_blank_cells_far_below_the_data_are_not_read_and_the_figures_are_unchanged(stray):
    clean = read_table(_responses_workbook({}, rows=1000), "clean.xlsx")
    raw = read_table(_responses_workbook(stray, rows=1000), "export.xlsx")
    pd.testing.assert_frame_equal(raw.frame, clean.frame)
    last = max(stray, key=lambda cell: int(cell.lstrip("ABCDE")))
    cut = [note for note in raw.notes if note.startswith("Rows 1,002 to")]
    assert len(cut) == 1 and f"cell {last})" in cut[0] and f"to {int(last.lstrip('ABCDE')):,} of sheet" in cut[0]


def test_the_used_range_is_read_from_the_values_not_the_cells():
    from analytics.ingest.source import open_source
    extent = open_source(_responses_workbook({"A100": "\u00a0", "B200": " "}), "x.xlsx").sheet_extents["Responses"]
    assert (extent.rows, extent.rows_used, extent.last_cell) == (200, 13, "B200")
    extent = open_source(_responses_workbook({"A100": " ", "C300": 0}), "x.xlsx").sheet_extents["Responses"]
    assert extent.rows_used == 300                 # a zero is a value
    extent = open_source(_responses_workbook({"D5000": "x", "E6000": " "}), "x.xlsx").sheet_extents["Responses"]
    assert extent.rows_used == 5000


def test_a_value_far_below_a_narrow_sheet_names_the_rows_to_delete():
    data = _responses_workbook({"E1048576": "x"})  # 5 columns x 1,048,576 rows, the last one not blank
    with pytest.raises(InputError, match=r"reach down to row 1,048,576 although only 14 rows hold anything"):
        read_table(data, "export.xlsx")


def _with_shared_strings(data: bytes) -> bytes:
    """The workbook with its inline strings moved to ``xl/sharedStrings.xml`` (as Excel saves them)."""
    import re
    import zipfile
    source, out, strings = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO(), []

    def shared(match):
        strings.append(match.group(1))
        return b't="s"><v>' + str(len(strings) - 1).encode() + b"</v>"

    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                content = re.sub(rb't="inlineStr"><is><t[^>]*>([^<]*)</t></is>', shared, content)
            elif info.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType='
                                          b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings'
                                          b'+xml"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b"</Relationships>", b'<Relationship Id="rIdSST" Type="http://schemas.'
                                          b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                          b'Target="sharedStrings.xml"/></Relationships>')
            target.writestr(info, content)
        items = b"".join(b'<si><t xml:space="preserve">' + text + b"</t></si>" for text in strings)
        target.writestr("xl/sharedStrings.xml", b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                        b'openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (
                            len(strings), len(strings)) + items + b"</sst>")
    return out.getvalue()


@pytest.mark.parametrize("stray", [{"E1048576": " "}, {"A150000": " ", "C90000": "x"}])
def test_blank_shared_strings_far_below_the_data_are_not_read(stray):
    clean = read_table(_with_shared_strings(_responses_workbook({}, rows=1000)), "clean.xlsx")
    data = _with_shared_strings(_responses_workbook(stray, rows=1000))
    raw = read_table(data, "export.xlsx")
    if "C90000" in stray:                          # a real value: the rows down to it are read, not below
        assert raw.frame.index[-1] == 90000 and len(raw.frame) == 1001
        assert any(note.startswith("Rows 90,001 to 150,000") for note in raw.notes)
    else:
        pd.testing.assert_frame_equal(raw.frame, clean.frame)
        assert any(note.startswith("Rows 1,002 to 1,048,576") and "E1048576" in note for note in raw.notes)


def test_the_used_range_is_the_same_whatever_the_chunks_the_sheet_is_read_in():
    import zipfile
    from analytics.ingest.archive import _ExtentScanner
    from analytics.ingest.source import open_source
    data = _with_shared_strings(_responses_workbook({"A100": " ", "B20000": "  ", "C300": 2}))
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    extents = []
    for size in (len(xml), 997, 64):
        scanner = _ExtentScanner()
        for at in range(0, len(xml), size):
            scanner.feed(xml[at:at + size])
        extents.append(scanner.extent())
    # the last rows hold shared strings: unknown until the strings are read, which the file scan does
    assert all((e.rows, e.columns, e.last_cell, e.rows_used) == (20000, 5, "B20000", None) for e in extents)
    assert open_source(data, "x.xlsx").sheet_extents["Responses"].rows_used == 300

"""The scorecards workbook as an XLSX file (openpyxl): level sheets, a contents sheet and one printable
sheet per team.

Figure columns hold numbers or nothing (never text), with an Excel number format: one decimal for scores
and rates (``0.0``), whole numbers for counts (``0``). Every text cell goes through
:func:`analytics.export.neutralise_cell`, so a team called ``=HYPERLINK(...)`` is text, never a formula.
Team sheets print on A4 portrait, one page wide, with their title rows repeated, the team and wave in the
header and "Page n of N" in the footer.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.errors import InputError
from analytics.export import neutralise_cell
from analytics.report.scorecard_teams import TeamPage
from analytics.report.scorecards import (CONTENTS_SHEET, NUMBER_FORMATS, README_SHEET, SCALE_HIGH, SCALE_LOW,
                                         SCALE_MID, SUPPRESSED_FILL, Scorecards)

#: Width (characters) of the team sheet's columns: names and questions, then figures.
_TEAM_WIDTHS = (24, 32, 11, 11, 12, 11, 24, 11, 11, 11, 10, 24)
#: The team sheet's title rows, repeated at the top of every printed page.
_TITLE_ROWS = "1:2"


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _cell_value(value: object) -> object:
    """A frame value as a workbook cell: numbers and booleans as such, missing or "" as an empty cell,
    anything else as neutralised text (:func:`analytics.export.neutralise_cell`)."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    text = str(value)
    return neutralise_cell(text) if text else None


def _format_column(sheet, values: pd.Series, header: str, position: int, kind: str, n_rows: int) -> None:
    """Width of one column; for figure columns also the number format of every data cell and, for scores and
    % positive, a colour scale."""
    from openpyxl.formatting.rule import ColorScaleRule

    letter = _column_letter(position)
    texts = kind not in NUMBER_FORMATS
    width = max(10, min(40, len(header) + 2)) if not texts else max(
        12, min(45, max([len(header)] + [len(str(v)) for v in values.tolist()[:500]]) + 2))
    sheet.column_dimensions[letter].width = width
    if texts or n_rows < 2:
        return
    for (cell,) in sheet.iter_rows(min_row=2, max_row=n_rows, min_col=position, max_col=position):
        cell.number_format = NUMBER_FORMATS[kind]
    if kind in ("mean", "pct_positive"):
        sheet.conditional_formatting.add(
            f"{letter}2:{letter}{n_rows}",
            ColorScaleRule(start_type="min", start_color=SCALE_LOW, mid_type="percentile", mid_value=50,
                           mid_color=SCALE_MID, end_type="max", end_color=SCALE_HIGH))


def _numeric_runs(kinds: list[str]) -> list[tuple[int, int]]:
    """(first, last) 1-based positions of each run of adjacent figure columns."""
    runs, start = [], None
    for position, kind in enumerate([*kinds, "id"], start=1):
        numeric = kind in NUMBER_FORMATS
        if numeric and start is None:
            start = position
        elif not numeric and start is not None:
            runs.append((start, position - 1))
            start = None
    return runs


def _write_frame(sheet, frame: pd.DataFrame, kinds: dict[str, str]) -> None:
    """Header + rows; numbers stay numbers, text is neutralised; formats, widths, freeze, colour scales, and
    empty figure cells in grey (the status column beside them says why)."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill

    grey = PatternFill("solid", start_color=SUPPRESSED_FILL, end_color=SUPPRESSED_FILL, bgColor=SUPPRESSED_FILL)
    headers = [str(c) for c in frame.columns]
    sheet.append([neutralise_cell(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for record in frame.itertuples(index=False, name=None):
        sheet.append([_cell_value(value) for value in record])
    n_rows = len(frame) + 1
    column_kinds = [kinds.get(h, "id") for h in headers]
    for position, header in enumerate(headers, start=1):
        _format_column(sheet, frame[header], header, position, column_kinds[position - 1], n_rows)
    if n_rows > 1:
        for first, last in _numeric_runs(column_kinds):
            start = _column_letter(first)
            sheet.conditional_formatting.add(
                f"{start}2:{_column_letter(last)}{n_rows}",
                FormulaRule(formula=[f"ISBLANK({start}2)"], fill=grey, stopIfTrue=True))
    id_count = sum(1 for k in column_kinds if k == "id")
    sheet.freeze_panes = f"{_column_letter(id_count + 1)}2"
    if n_rows > 1 and headers:
        sheet.auto_filter.ref = f"A1:{_column_letter(len(headers))}{n_rows}"
    sheet.row_dimensions[1].height = 45


def _write_readme(sheet, cards: Scorecards) -> None:
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 42
    sheet.column_dimensions["C"].width = 110
    sheet.append([neutralise_cell(cards.notes[0])])
    sheet["A1"].font = Font(bold=True, size=14)
    for note in cards.notes[1:]:
        sheet.append([neutralise_cell(note)])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=3)
        sheet.cell(row=sheet.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[sheet.max_row].height = 15 * max(1, len(note) // 150 + 1)
    if len(cards.sources):
        sheet.append([])
        sheet.append(["Data sources"])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        headers = [str(c) for c in cards.sources.columns]
        sheet.append([neutralise_cell(h) for h in headers])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for record in cards.sources.itertuples(index=False, name=None):
            sheet.append([neutralise_cell(v) if isinstance(v, str) else (None if pd.isna(v) else v) for v in record])
    sheet.append([])
    sheet.append(["Columns"])
    sheet.cell(row=sheet.max_row, column=1).font = bold
    sheet.append(["Sheet", "Column", "What it holds"])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for record in cards.guide.itertuples(index=False, name=None):
        sheet.append([neutralise_cell(str(v)) for v in record])
        sheet.cell(row=sheet.max_row, column=3).alignment = Alignment(wrap_text=True, vertical="top")



def _write_contents(sheet, cards: Scorecards) -> None:
    """Every sheet with a link to it and what it holds; the note when team sheets were left out."""
    from openpyxl.styles import Alignment, Font

    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 100
    sheet.append(["Contents"])
    sheet["A1"].font = Font(bold=True, size=14)
    for note in cards.notes:
        if "team" in note and "sheet for the first" in note:
            sheet.append([neutralise_cell(note)])
            sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=2)
            sheet.cell(row=sheet.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
            sheet.row_dimensions[sheet.max_row].height = 30
    sheet.append(["Sheet", "What it holds"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for name, what in cards.contents.itertuples(index=False, name=None):
        sheet.append([neutralise_cell(name), neutralise_cell(what)])
        link = sheet.cell(row=sheet.max_row, column=1)
        link.hyperlink = "#'" + name.replace("'", "''") + "'!A1"
        link.font = Font(color="1F4E79", underline="single")


def _page_cell(sheet, row: int, column: int, value: object, kind: str):
    from openpyxl.styles import Alignment

    cell = sheet.cell(row=row, column=column, value=_cell_value(value))
    if kind in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[kind]
    else:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _page_table(sheet, row: int, heading: str, table: pd.DataFrame, kinds: dict[str, str],
                row_kinds: list[str] | None = None) -> int:
    """A heading, a bold header row and the table's rows from ``row``; returns the next free row (one blank
    row after). ``row_kinds`` overrides the kind of every "mixed" column row by row (the HR table mixes
    counts and rates)."""
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet.cell(row=row, column=1, value=neutralise_cell(heading)).font = Font(bold=True, size=12)
    row += 1
    header_fill = PatternFill("solid", start_color="E7E6E6", end_color="E7E6E6")
    for column, header in enumerate(table.columns, start=1):
        cell = sheet.cell(row=row, column=column, value=neutralise_cell(str(header)))
        cell.font, cell.fill = Font(bold=True), header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, record in enumerate(table.itertuples(index=False, name=None)):
        row += 1
        for column, (header, value) in enumerate(zip(table.columns, record), start=1):
            kind = kinds.get(str(header), "text")
            if kind == "mixed" and row_kinds is not None:
                kind = row_kinds[i]
            _page_cell(sheet, row, column, value, kind)
    return row + 2


def _header_text(text: str) -> str:
    """Header/footer text: "&" doubled (Excel reads "&" as a code), at most 200 characters."""
    return text[:200].replace("&", "&&")


def _write_team_page(sheet, page: TeamPage, cards: Scorecards) -> None:
    """One team on one printable page (A4 portrait, one page wide, title rows repeated)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.properties import PageSetupProperties

    k = cards.min_group_size
    sheet.cell(row=1, column=1, value=neutralise_cell(f"{page.title}: team scorecard, wave {page.wave}")).font = \
        Font(bold=True, size=14)
    intro = (f"Anonymity threshold {k} responses. An empty figure is not shown; the status or notes column says "
             "why. Differences are associations, not evidence of their cause.")
    sheet.cell(row=2, column=1, value=intro).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=7)
    sheet.row_dimensions[2].height = 30
    row = 4
    if len(page.behaviours):
        row = _page_table(sheet, row, f"Compassionate leadership behaviours, wave {page.wave} (% positive)",
                          page.behaviours, page.kinds)
    row = _page_table(sheet, row, "Scores (0-10) across waves", page.trend, page.kinds)
    hr_kinds = {"Team": "mixed", "Organisation": "mixed", "Status": "status"}
    row_kinds = ["count" if str(name).startswith("Staff") else "rate" for name in page.hr["HR figure"]]
    row = _page_table(sheet, row, f"HR figures, {page.hr_window}" if page.hr_window else "HR figures",
                      page.hr, hr_kinds, row_kinds)
    if page.actions is not None and len(page.actions):
        row = _page_table(sheet, row, "Actions", page.actions, page.kinds)
    for position, width in enumerate(_TEAM_WIDTHS, start=1):
        sheet.column_dimensions[_column_letter(position)].width = width
    last_column = max([len(page.behaviours.columns), len(page.trend.columns), len(page.hr.columns),
                       len(page.actions.columns) if page.actions is not None else 0])
    sheet.print_area = f"A1:{_column_letter(max(1, last_column))}{max(1, row - 2)}"
    sheet.print_title_rows = _TITLE_ROWS
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.oddHeader.center.text = _header_text(f"{page.title} - wave {page.wave}")
    sheet.oddFooter.center.text = "Page &P of &N"
    sheet.print_options.horizontalCentered = True


def write_workbook(cards: Scorecards, path: str | Path | None = None) -> bytes:
    """README, Contents, the level sheets (and questions), then one sheet per team page. Returns the XLSX
    bytes; also writes them to ``path`` when given (it must end in .xlsx and its folder must exist)."""
    from openpyxl import Workbook

    if path is not None:
        path = Path(path)
        if path.suffix.lower() != ".xlsx":
            raise InputError("The scorecards workbook must be saved as .xlsx.", file=path.name)
        if not path.parent.exists():
            raise InputError("The folder for the output file does not exist.", file=str(path))
    book = Workbook()
    readme = book.active
    readme.title = README_SHEET
    _write_readme(readme, cards)
    _write_contents(book.create_sheet(CONTENTS_SHEET), cards)
    for name, frame in cards.sheets.items():
        _write_frame(book.create_sheet(name), frame, cards.kinds[name])
    for name, page in cards.team_pages.items():
        _write_team_page(book.create_sheet(name), page, cards)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data

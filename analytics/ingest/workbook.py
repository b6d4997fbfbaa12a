"""Reading an XLSX/XLSM workbook with calamine: choosing the sheet that holds the responses, finding its
header (:mod:`analytics.ingest.header`) and turning its cells into typed columns.

The rules ("Sheet", "Cells") are in the module docstring of :mod:`analytics.ingest.io`.
"""

from __future__ import annotations

import datetime as _dt
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics import settings
from analytics.errors import InputError
from analytics.ingest.frames import HEADER_ONLY_ROWS, finish_table, no_responses, select_positions
from analytics.ingest.header import PREVIEW_ROWS, Header, detect_header, header_notes
from analytics.ingest.raw import RawTable
from analytics.ingest.source import Source

#: Whole-number floats below this magnitude are exact as integers.
_EXACT_INTEGER = 2**53


def load_workbook(src: Source):
    """The calamine workbook of ``src``; :class:`InputError` when calamine cannot open it."""
    import python_calamine

    try:
        if src.path is not None and src.path.suffix.lower() in (".xlsx", ".xlsm"):
            return python_calamine.CalamineWorkbook.from_path(str(src.path))
        if src.path is not None:
            # The file is a workbook by its content (source.py), whatever its name: a reader chosen by a
            # wrong extension (".xlsb", ".csv") would call a good workbook damaged.
            with open(src.path, "rb") as handle:
                return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(src.data))
    except MemoryError:  # out of memory is not damage: the isolated reader reports it as such
        raise
    except Exception as error:  # calamine raises several types for damaged files
        raise InputError("This workbook is damaged and cannot be read. Open it in Excel and save it again, or "
                         "export the responses again.", file=src.name) from error


def _sheet_unreadable(name: str, sheet: str) -> InputError:
    return InputError("This sheet cannot be read (the workbook may be damaged). Open it in Excel and save "
                      "it again.", file=name, sheet=sheet)


def _sheet_rows(sheet_obj, nrows: int | None, name: str, sheet: str) -> list[list]:
    try:
        return sheet_obj.to_python(skip_empty_area=True, nrows=nrows) if nrows else sheet_obj.to_python()
    except MemoryError:
        raise
    except Exception as error:
        raise _sheet_unreadable(name, sheet) from error


def read_workbook(src: Source, *, sheet: str | None, columns: list[str] | None, header_only: bool) -> RawTable:
    """Read a workbook source into a :class:`RawTable` (see :func:`analytics.ingest.io.read_table`)."""
    workbook = load_workbook(src)
    try:
        return _read_open_workbook(workbook, src, sheet=sheet, columns=columns, header_only=header_only)
    finally:
        workbook.close()


# ------------------------------------------------------------------------------------------------
# Choosing the sheet
# ------------------------------------------------------------------------------------------------
@dataclass
class _SheetCandidate:
    """A sheet whose preview has a header: score = data rows x columns kept."""

    score: int
    name: str
    sheet_obj: object
    header: Header
    n_data_rows: int
    #: Rows to read from the sheet's first row (``None``: all): :func:`_used_rows`.
    nrows: int | None = None


def _candidate_rounds(workbook, src: Source, sheet: str | None) -> list[list[str]]:
    """Sheets to examine, in rounds: the sheet asked for (case-insensitive; refused if absent), or the
    visible worksheets and then, only if none has data, the hidden ones."""
    names = list(workbook.sheet_names)
    if sheet is not None:
        matches = [n for n in names if n.strip().casefold() == str(sheet).strip().casefold()]
        if not matches:
            raise InputError(f"There is no sheet called '{sheet}'. The sheets are: "
                             f"{', '.join(repr(n) for n in names)}.", file=src.name)
        return [matches[:1]]
    metadata = {m.name: m for m in workbook.sheets_metadata}

    def is_worksheet(n: str) -> bool:
        return str(metadata[n].typ).endswith("WorkSheet") if n in metadata else True

    def is_visible(n: str) -> bool:
        return str(metadata[n].visible).endswith(".Visible") if n in metadata else True

    worksheets = [n for n in names if is_worksheet(n)]
    return [[n for n in worksheets if is_visible(n)], [n for n in worksheets if not is_visible(n)]]


def oversized_sheet(src: Source, name: str) -> str:
    """Why a sheet is too large to open ("" when it is not): its cells reach further than
    :data:`~analytics.settings.MAX_SHEET_CELLS` allows (the reader would allocate the whole grid, however
    empty, and could exhaust the server's memory), or reach over a million cells down to a row far below
    rows that are mostly empty (a stray cell: reading it costs seconds and gigabytes for nothing), unless
    those rows hold only blank or space-only cells and the grid is within
    :data:`~analytics.settings.MAX_CUT_SHEET_CELLS` (then only the rows with data are read: :func:`_used_rows`).
    Measured from the file before the reader opens it (:class:`analytics.ingest.archive.SheetExtent`)."""
    extent = src.sheet_extents.get(name)
    if extent is None:
        return ""
    if extent.cells > settings.MAX_SHEET_CELLS:
        return (f"Its cells stretch over {extent.rows:,} rows and {extent.columns:,} columns (to cell "
                f"{extent.far_cell}), too far to open safely, though most of that grid is probably empty. Delete "
                f"the stray cells far from the data (cell {extent.far_cell} and any others) in Excel, save, and "
                "upload again.")
    can_cut = extent.blank_below_data and extent.cells <= settings.MAX_CUT_SHEET_CELLS
    if extent.reaches_far_below and extent.cells > settings.MAX_SHEET_CELLS // 25 and not can_cut:
        return (f"Its cells reach down to row {extent.rows:,} although only {extent.rows_present:,} rows hold "
                "anything: a stray cell (perhaps a space) far below the data. Delete the empty rows below the "
                "data in Excel (select them, right-click, Delete), save, and upload again.")
    return ""


def _used_rows(src: Source, name: str, sheet_obj) -> int | None:
    """How many rows to read from the sheet's first row (calamine's ``start``) to reach its last row holding a
    value that is not blank, when the rows below it hold only blank or space-only cells (measured from the
    file: :attr:`analytics.ingest.archive.SheetExtent.rows_used`); ``None`` to read every row. Those rows
    would be dropped as empty once read (:func:`analytics.ingest.frames.drop_empty_rows`), so cutting them
    before the reader turns them into Python rows changes no figure; a stray space in row 1,048,576 costs
    nothing."""
    extent = src.sheet_extents.get(name)
    if extent is None or extent.rows_used is None or sheet_obj.start is None:
        return None
    first = sheet_obj.start[0]
    if extent.rows_used >= first + sheet_obj.height:
        return None
    return max(extent.rows_used - first, 0)


def _cut_note(src: Source, name: str) -> str:
    """The note for a sheet whose blank rows at the bottom were not read, naming the last cell there."""
    extent = src.sheet_extents[name]
    cell = f" (down to cell {extent.last_cell})" if extent.last_cell else ""
    return (f"Rows {extent.rows_used + 1:,} to {extent.rows:,} of sheet '{name}' hold only blank or space-only "
            f"cells{cell}, so they were not read. Deleting those rows in Excel makes the file faster to read.")


def _examine_sheet(workbook, src: Source, name: str) -> _SheetCandidate | None:
    """The sheet's header and score, or ``None`` when it is empty or its preview has no filled cell (or is
    too large to open: :func:`oversized_sheet`; a note says so)."""
    too_large = oversized_sheet(src, name)
    if too_large:
        src.notes.append(f"Sheet '{name}' was not read. {too_large}")
        return None
    try:
        sheet_obj = workbook.get_sheet_by_name(name)
    except MemoryError:
        raise
    except Exception as error:
        raise _sheet_unreadable(src.name, name) from error
    if not sheet_obj.height or sheet_obj.start is None:
        return None
    nrows = _used_rows(src, name, sheet_obj)
    if nrows == 0:
        return None
    preview = _sheet_rows(sheet_obj, min(PREVIEW_ROWS, nrows or PREVIEW_ROWS), src.name, name)
    header = detect_header(preview, first_column=sheet_obj.start[1])
    if header is None:
        return None
    n_data_rows = (sheet_obj.height if nrows is None else nrows) - header.data_start
    score = max(n_data_rows, 0) * max(len(header.positions), 1)
    return _SheetCandidate(score, name, sheet_obj, header, n_data_rows, nrows)


def _best_sheet(workbook, src: Source, rounds: list[list[str]]) -> tuple[_SheetCandidate | None, list[str]]:
    """The highest-scoring sheet (first wins ties) and the sheets examined; a later round is examined only
    when no sheet of the earlier rounds has a positive score."""
    best: _SheetCandidate | None = None
    examined: list[str] = []
    for candidates in rounds:
        for name in candidates:
            examined.append(name)
            candidate = _examine_sheet(workbook, src, name)
            if candidate is not None and (best is None or candidate.score > best.score):
                best = candidate
        if best is not None and best.score > 0:
            break
    return best, examined


def _sheet_note(name: str, examined: list[str], chosen_by_user: bool) -> str:
    """Which sheet was read and why."""
    others = [n for n in examined if n != name]
    if chosen_by_user:
        return f"Sheet '{name}' read, as asked."
    if others:
        return (f"Sheet '{name}' chosen: it holds the most responses; "
                f"{', '.join(repr(n) for n in others)} skipped.")
    return f"Sheet '{name}' read (the only sheet with data)."


def _read_open_workbook(workbook, src: Source, *, sheet, columns, header_only) -> RawTable:
    chosen_by_user = sheet is not None
    rounds = _candidate_rounds(workbook, src, sheet)
    if chosen_by_user and oversized_sheet(src, rounds[0][0]):
        raise InputError("This sheet cannot be opened. " + oversized_sheet(src, rounds[0][0]), file=src.name,
                         sheet=rounds[0][0])
    best, examined = _best_sheet(workbook, src, rounds)
    if best is None:
        too_large = [n for n in examined if oversized_sheet(src, n)]
        if too_large:
            raise InputError(f"The sheet '{too_large[0]}' cannot be opened. " + oversized_sheet(src, too_large[0]),
                             file=src.name, sheet=too_large[0])
        what = "This sheet has no values in it" if chosen_by_user else "No sheet of this workbook has any values in it"
        raise InputError(f"{what}. Check that this is the export with the responses in it.", file=src.name,
                         sheet=rounds[0][0] if chosen_by_user else None)
    name, header = best.name, best.header
    row_offset, first_column = best.sheet_obj.start
    header_row = header.header_rows[-1] + row_offset + 1
    if best.n_data_rows <= 0:
        raise no_responses(src.name, name, header_row)

    notes = list(src.notes)
    notes.append(_sheet_note(name, examined, chosen_by_user))
    notes += header_notes(header, row_offset, first_column)
    if best.nrows is not None:
        notes.append(_cut_note(src, name))
    positions, labels = select_positions(header, columns, src.name, name)

    nrows = header.data_start + HEADER_ONLY_ROWS if header_only else None
    if best.nrows is not None:
        nrows = best.nrows if nrows is None else min(nrows, best.nrows)
    rows = _sheet_rows(best.sheet_obj, nrows, src.name, name)
    frame = _frame_from_rows(rows[header.data_start:], positions, labels)
    return finish_table(frame, row_offset + header.data_start + 1, file_name=src.name, sheet=name,
                        header=header, labels=labels, header_row=header_row, notes=notes, columns=columns,
                        header_only=header_only)


# ------------------------------------------------------------------------------------------------
# Cells to columns
# ------------------------------------------------------------------------------------------------
def _frame_from_rows(data_rows: list[list], positions: list[int], labels: list[str]) -> pd.DataFrame:
    """The columns at ``positions`` of ``data_rows`` (a position past a short sheet is all empty), named
    ``labels``; an empty frame of text columns when there are no rows."""
    if not data_rows:
        return pd.DataFrame({label: pd.Series([], dtype=object) for label in labels})
    transposed = list(zip(*data_rows))
    width = len(transposed)
    return pd.DataFrame({label: _column_from_cells(list(transposed[p]) if p < width else [None] * len(data_rows))
                         for p, label in zip(positions, labels)})


def _whole_numbers(numbers: np.ndarray) -> bool:
    """Every number is a whole number that a float holds exactly."""
    return bool(np.all(np.mod(numbers, 1) == 0) and np.all(np.abs(numbers) < _EXACT_INTEGER))


def _column_via_arrow(values: list):
    """Fast path for the common cases, or ``None``: all text (blanks as ``""``, which become missing) ->
    Arrow-backed ``str``; all numbers with none missing -> int64 when all whole, else float64."""
    try:
        arrow = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        return None
    if pa.types.is_string(arrow.type):
        arrow = pc.if_else(pc.equal(arrow, ""), pa.scalar(None, pa.string()), arrow)
        return pd.Series(arrow, dtype="str").array
    if pa.types.is_floating(arrow.type) and arrow.null_count == 0:
        numbers = arrow.to_numpy()
        return numbers.astype(np.int64) if _whole_numbers(numbers) else numbers
    return None


def _numbers_column(values: list, has_missing: bool) -> np.ndarray:
    """Numbers (missing as NaN) as float64, or int64 when all whole and none missing."""
    numbers = np.array([np.nan if v is None else v for v in values] if has_missing else values, dtype=float)
    if not has_missing and _whole_numbers(numbers):
        return numbers.astype(np.int64)
    return numbers


def _mixed_column(values: list):
    """Cells of several kinds as object, whole-number floats shown as integers."""
    return pd.array([int(v) if isinstance(v, float) and v.is_integer() and abs(v) < _EXACT_INTEGER else v
                     for v in values], dtype=object)


def _column_from_cells(values: list):
    """One column of calamine cells as a pandas array, keeping each cell's kind.

    Empty cells (calamine gives ``""``) are missing. All text -> Arrow-backed ``str``; all numbers ->
    float64 (int64 when every cell is a whole number and none is missing); all dates -> datetime64;
    all booleans -> bool; anything mixed -> object, with whole-number floats shown as integers.
    """
    fast = _column_via_arrow(values)
    if fast is not None:
        return fast
    if "" in values:
        values = [None if v == "" else v for v in values]
    kinds = {type(v) for v in values}
    kinds.discard(type(None))
    has_missing = None in values
    if not kinds:
        return pd.array(values, dtype=object)
    if kinds <= {str}:
        return pd.array(values, dtype="str")
    if kinds <= {float, int}:
        return _numbers_column(values, has_missing)
    if kinds <= {_dt.date, _dt.datetime}:
        return pd.to_datetime(pd.Series(values, dtype=object)).array
    if kinds == {bool} and not has_missing:
        return np.array(values, dtype=bool)
    return _mixed_column(values)

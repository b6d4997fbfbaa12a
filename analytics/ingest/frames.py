"""What the CSV and workbook readers share once the header is known: which columns to read, and turning
the data rows into a :class:`~analytics.ingest.raw.RawTable` (rows with no value dropped, the index the
spreadsheet row numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.errors import InputError
from analytics.ingest.header import Header
from analytics.ingest.raw import RawTable

#: Data rows returned by ``read_table(..., header_only=True)``.
HEADER_ONLY_ROWS = 200


def select_positions(header: Header, columns: list[str] | None, src_name: str,
                     sheet: str | None) -> tuple[list[int], list[str]]:
    """Column positions and labels to read: all, or the requested labels in the order given (repeats
    ignored). A label that is not a column raises :class:`InputError` listing (up to 30) columns."""
    if columns is None:
        return list(header.positions), list(header.labels)
    by_label = dict(zip(header.labels, header.positions))
    wanted = list(dict.fromkeys(columns))
    missing = [label for label in wanted if label not in by_label]
    if missing:
        shown = ", ".join(f"'{label}'" for label in header.labels[:30])
        more = f" and {len(header.labels) - 30} more" if len(header.labels) > 30 else ""
        raise InputError(f"There is no column called {', '.join(repr(m) for m in missing)}. The columns are: "
                         f"{shown}{more}.", file=src_name, sheet=sheet)
    return [by_label[label] for label in wanted], wanted


def no_responses(name: str, sheet: str | None, header_row: int) -> InputError:
    """The error for a header with no data rows below it."""
    return InputError(f"The header (row {header_row}) has no responses below it. Check that this is the "
                      "export with the responses in it, or export the responses again.", file=name, sheet=sheet)


#: Characters a cell may hold and still be empty: white space, NUL padding and other control characters.
_EMPTY_CHARACTERS = "".join(chr(c) for c in range(33)) + "\x7f\u00a0\u200b\ufeff"


def _cells_missing(values: pd.Series) -> np.ndarray:
    """Missing cells, and text cells holding only white space, NUL padding or control characters."""
    missing = values.isna().to_numpy()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        text = values.astype("str").str.strip(_EMPTY_CHARACTERS)
        missing = missing | (text == "").fillna(False).to_numpy(dtype=bool)
    return missing


def drop_empty_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop rows with no value in any column (a cell of white space, NUL padding or control characters is
    no value), checking column by column only the rows still empty."""
    if frame.shape[1] == 0 or frame.empty:
        return frame
    candidates = np.arange(len(frame))
    for position in range(frame.shape[1]):
        still = _cells_missing(frame.iloc[candidates, position])
        candidates = candidates[still]
        if not len(candidates):
            return frame
    keep = np.ones(len(frame), dtype=bool)
    keep[candidates] = False
    return frame.loc[keep]


def finish_table(frame: pd.DataFrame, first_row: int, *, file_name: str, sheet: str | None, header: Header,
                 labels: list[str], header_row: int, notes: list[str], columns: list[str] | None,
                 header_only: bool) -> RawTable:
    """Index ``frame`` (columns ``labels``) by spreadsheet row from ``first_row``, drop empty rows and wrap
    it in a :class:`RawTable`.

    A full read of every column that leaves no row raises :func:`no_responses`; a header-only read says
    so in the notes (``notes`` is extended in place).
    """
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    frame = drop_empty_rows(frame)
    if not header_only and frame.empty and columns is None:
        raise no_responses(file_name, sheet, header_row)
    if header_only:
        notes.append(f"Header only: the first {HEADER_ONLY_ROWS} data rows at most.")
    return RawTable(frame=frame, file_name=file_name, sheet=sheet,
                    header_texts={label: header.header_texts[label] for label in labels},
                    header_row=header_row, notes=notes, title_texts=list(header.title_texts))

"""Relationships in a file of unit-level results (one row per team or organisation): reading its numbers
(percentages, thousands separators, suppression markers) and relating its columns (:func:`relate_units`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from analytics import settings, stats
from analytics.errors import InputError
from analytics.ingest.codebook import normalise_label
from analytics.ingest.comparators import comparator_kind
from analytics.ingest.io import read_table
from analytics.ingest.numbers import uses_decimal_comma
from analytics.ingest.unit_level import MISSING_MARKERS, find_count_column
from analytics.relate.family import describe_run
from analytics.relate.common import RATE_RATIO_COLUMNS, RELATE_TABLE_COLUMNS, RelateResult


_FEWER_THAN = re.compile(r"^(n\s*)?[<\u2264]\s*\d+$")


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _cell_number(value: object, decimal_comma: bool) -> float:
    """One results cell as a number: NaN for blanks and suppression markers; ValueError for other text."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    lowered = text.casefold()
    if not text or lowered in MISSING_MARKERS or _FEWER_THAN.match(lowered):
        return np.nan
    text = text.removesuffix("%").strip()
    if decimal_comma:
        text = text.replace(".", "").replace(",", ".")
    elif _THOUSANDS.match(text):
        text = text.replace(",", "")
    return float(text)


def _parse_numbers(values: pd.Series, column: str, file_name: str, sheet: str | None) -> pd.Series:
    """Numbers from a results column: "5.6%", "1,234.5", "5,6%" (a decimal comma, when the column shows
    one: :func:`analytics.ingest.numbers.uses_decimal_comma`), blanks and suppression markers ("*", "n<11")
    as missing; any other text is refused with its spreadsheet row."""
    out = pd.Series(np.nan, index=values.index, dtype=float)
    texts = pd.Series([v.strip().removesuffix("%").strip() for v in values if isinstance(v, str)], dtype="str")
    decimal_comma = uses_decimal_comma(texts)      # decided by the whole column ("5,6%" vs "1,234")
    for row, value in values.items():
        try:
            out[row] = _cell_number(value, decimal_comma)
        except ValueError:
            raise InputError(f"'{value}' is not a number. Correct it, or leave the cell blank if the figure is "
                             "missing.", file=file_name, sheet=sheet, column=column,
                             row=int(row) if isinstance(row, (int, np.integer)) else None) from None
    return out


def _texts(values: pd.Series) -> pd.Series:
    """Cells as stripped text (object dtype); blanks and missing cells as None."""
    def clean(value: object) -> str | None:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        text = str(value).strip()
        return text or None

    return values.astype(object).map(clean).astype(object)


def _drop_comparators(frame: pd.DataFrame, unit_col: str, notes: list[str]) -> pd.DataFrame:
    """``frame`` without its comparator rows (medians, means, totals: :func:`comparator_kind`), with a note."""
    comparators = frame[unit_col].map(comparator_kind).notna()
    if comparators.any():
        notes.append(f"{int(comparators.sum())} row(s) are comparators, not units, and are left out: "
                     + ", ".join(sorted(set(frame.loc[comparators, unit_col].astype(str)))) + ".")
    return frame[~comparators]


def _refuse_repeated_units(frame: pd.DataFrame, unit_col: str, wave_col: str | None, raw, unit_column: str,
                           wave_column: str | None) -> None:
    """Refuse a row without a wave (with ``wave_col``) and a unit named twice (in one wave), naming the row."""
    if wave_col is not None and frame[wave_col].isna().any():
        row = int(frame[frame[wave_col].isna()].index[0])
        raise InputError("This row has no wave. Fill in its wave (survey year) or delete the row.",
                         file=raw.file_name, sheet=raw.sheet, column=wave_column, row=row)
    key = frame[unit_col].map(normalise_label)
    if wave_col is not None:
        key = frame[wave_col].astype(str) + "\x1f" + key
    duplicated = key.duplicated(keep="first")
    if duplicated.any():
        row = int(duplicated[duplicated].index[0])
        where = f" in wave {frame.loc[row, wave_col]}" if wave_col is not None else ""
        advice = ("Each unit needs one row per wave." if wave_col is not None else
                  "Each unit needs one row (for a file of several waves, name its wave column with --wave-col).")
        raise InputError(f"The unit '{frame.loc[row, unit_col]}' appears twice{where}. {advice}", file=raw.file_name,
                         sheet=raw.sheet, column=unit_column, row=row)


def read_units_file(source: str | Path | bytes, *, unit_col: str, columns: Sequence[str], file_name: str | None = None,
                    sheet: str | None = None, text_columns: Sequence[str] = (),
                    min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE,
                    wave_col: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Read a unit-level file (one row per organisation or team) for :func:`relate_units`.

    Parameters
    ----------
    source, file_name, sheet
        As :func:`analytics.ingest.io.read_table`.
    unit_col
        The column naming each unit (any header text, compared case- and space-insensitively).
    columns
        Numeric columns to read (scores, rates): "5.6%" and "1,234" are read as numbers; blanks and
        suppression markers ("*", "[c]", "n<11", ...) as missing; other text is refused.
    text_columns
        Grouping columns read as text (e.g. a benchmarking group).
    wave_col
        The column naming each row's wave (survey year) in a file of several waves: a unit may then appear
        once per wave. Read as text under this name.
    min_group_size
        When the file has a response-count column (``Responses``, ``n``, ...; see
        :func:`analytics.ingest.unit_level.find_count_column`), units with fewer responses than this are left
        out (their figures are below the reporting threshold).

    Returns
    -------
    (frame, notes)
        ``frame`` with the columns under the names given (unit column first), indexed by spreadsheet
        row; ``notes`` say which columns were used and what was left out. Comparator rows (a median,
        mean, best, worst, total or benchmark row: :func:`analytics.ingest.comparators.comparator_kind`)
        are not units and are left out with a note.

    Raises
    ------
    InputError
        A column that is not in the file; a blank unit name (or wave) next to figures; the same unit twice
        (in one wave); text in a numeric column (row named).
    """
    raw = read_table(source, file_name, sheet=sheet)
    unit = raw.resolve_column(unit_col, role="unit")
    resolved = {name: raw.resolve_column(name, role="result") for name in columns}
    groups = {name: raw.resolve_column(name, role="grouping") for name in text_columns}
    if wave_col is not None:
        groups[wave_col] = raw.resolve_column(wave_col, role="wave")
    notes: list[str] = []
    frame = pd.DataFrame(index=raw.frame.index)
    frame[unit_col] = _texts(raw.frame[unit])
    for name, column in resolved.items():
        frame[name] = _parse_numbers(raw.frame[column], column, raw.file_name, raw.sheet)
    for name, column in groups.items():
        frame[name] = _texts(raw.frame[column])
    blank = frame[unit_col].isna()
    with_figures = blank & frame[list(resolved)].notna().any(axis=1) if resolved else blank & False
    if with_figures.any():
        row = int(with_figures[with_figures].index[0])
        raise InputError("This row has figures but no unit name. Add the name or delete the row.",
                         file=raw.file_name, sheet=raw.sheet, column=unit, row=row)
    frame = _drop_comparators(frame[~blank], unit_col, notes)
    _refuse_repeated_units(frame, unit_col, wave_col, raw, unit, groups.get(wave_col) if wave_col else None)
    count_col = find_count_column(raw)
    if count_col is not None and count_col not in resolved.values():
        counts = _parse_numbers(raw.frame.loc[frame.index, count_col], count_col, raw.file_name, raw.sheet)
        small = counts < min_group_size
        if small.any():
            notes.append(f"{int(small.sum())} unit(s) with fewer than {min_group_size} responses (column "
                         f"'{count_col}') left out.")
            frame = frame[~small.to_numpy()]
    return frame, notes


#: Per-row summaries of the two columns related (:func:`relate_units`): the units used, the mean, the lowest
#: and the highest value, so that a column of fractions beside one of percentages shows in the output.
COLUMN_SUMMARY_COLUMNS = ("x_n", "x_mean", "x_min", "x_max", "y_n", "y_mean", "y_min", "y_max")


def _column_summaries(frame: pd.DataFrame, table: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """:data:`COLUMN_SUMMARY_COLUMNS` for each row of a correlations ``table`` of ``frame``'s units (the
    row's group when stratified; all units for the pooled row)."""
    rows = []
    for _, row in table.iterrows():
        units = frame if not by or not row["group"] else frame[frame[by].astype(str) == str(row["group"])]
        summary = {}
        for side in ("x", "y"):
            values = pd.to_numeric(units[row[side]], errors="coerce").dropna()
            summary.update({f"{side}_n": len(values), f"{side}_mean": values.mean() if len(values) else np.nan,
                            f"{side}_min": values.min() if len(values) else np.nan,
                            f"{side}_max": values.max() if len(values) else np.nan})
        rows.append(summary)
    return pd.DataFrame(rows, index=table.index, columns=list(COLUMN_SUMMARY_COLUMNS))


def _one_row_per_unit(part: pd.DataFrame, unit_col: str, wave: str | None) -> None:
    names = part[unit_col].dropna().map(normalise_label)
    if names.duplicated().any():
        name = part[unit_col].dropna()[names.duplicated()].iloc[0]
        raise InputError(f"The unit '{name}' appears more than once" + (f" in wave {wave}" if wave else "")
                         + "; each unit needs one row" + (" per wave." if wave else "."), column=unit_col)


def relate_units(frame: pd.DataFrame, unit_col: str, x: str | Sequence[str], y: str | Sequence[str], *,
                 by: str | None = None, include_pooled: bool = False, weights: str | None = None,
                 covariates: Sequence[str] = (), min_units: int = stats.MIN_UNITS,
                 unit_of_analysis: str | None = None, wave: str = "", window: str = "",
                 wave_col: str | None = None) -> RelateResult:
    """Relate columns of a unit-level table directly (e.g. organisation scores against sickness rates).

    Parameters
    ----------
    frame
        One row per unit (shown units only), e.g. from :func:`read_units_file`.
    unit_col
        Column naming the units; a unit named twice (in one wave) is refused.
    x, y, by, include_pooled, weights, covariates, min_units
        As :func:`analytics.stats.correlations` (``by``: e.g. a benchmarking group column).
    unit_of_analysis
        What one row is ("organisation", "trust"); default the unit column's name.
    wave, window
        Context to record with each row (empty when unknown).
    wave_col
        A column of ``frame`` naming each row's wave: every wave is related on its own units in one run
        (rows carry their ``wave``), and ``p_adj`` is Benjamini–Hochberg across every row of the run.

    Returns
    -------
    RelateResult
        ``table`` with :data:`RELATE_TABLE_COLUMNS` (rate-ratio columns empty: a unit-level file has no
        counts) and :data:`COLUMN_SUMMARY_COLUMNS`, ``units`` the rows used.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError("The unit table must be a table.")
    if unit_col not in frame.columns:
        raise InputError(f"There is no unit column '{unit_col}'. Columns: {', '.join(map(str, frame.columns))}.")
    if wave_col is not None and wave_col not in frame.columns:
        raise InputError(f"There is no wave column '{wave_col}'. Columns: {', '.join(map(str, frame.columns))}.")
    waves = ([(wave, frame)] if wave_col is None else
             [(str(w), part) for w, part in frame.groupby(frame[wave_col].astype(str), sort=True)])
    parts = []
    for wave_label, part in waves:
        _one_row_per_unit(part, unit_col, wave_label if wave_col is not None else None)
        result = stats.correlations(part, x, y, by=by, include_pooled=include_pooled, weights=weights,
                                    covariates=list(covariates), min_units=min_units)
        result = pd.concat([result, _column_summaries(part, result, by)], axis=1)
        result["wave"] = wave_label
        parts.append(result)
    result = pd.concat(parts, ignore_index=True)
    if len(parts) > 1:
        result["p_adj"] = stats.benjamini_hochberg(result["p"])
    for column in RATE_RATIO_COLUMNS:
        result[column] = np.nan
    result["window"] = window
    result["window_start"] = pd.NaT
    result["window_end"] = pd.NaT
    result["unit_of_analysis"] = unit_of_analysis or str(unit_col).strip().lower()
    result["p_adj_family"] = describe_run(result, "associations")
    return RelateResult(table=result[[*RELATE_TABLE_COLUMNS, *COLUMN_SUMMARY_COLUMNS]],
                        units=frame.reset_index(drop=True), notes=[], level=unit_of_analysis or str(unit_col),
                        window_kind=None, windows={w: (None, None) for w, _ in waves})

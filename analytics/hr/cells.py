"""Reading the cells of an HR file: identifiers, text, day/month/year dates (never month-first), Excel
serials, numbers and months; refusals name the file, column and spreadsheet row."""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from analytics import settings
from analytics.errors import InputError
from analytics.hr.records import (
    EARLIEST_PLAUSIBLE_YEAR, LATEST_PLAUSIBLE_YEAR, MAX_FTE, OPEN_ENDED_FROM_YEAR, ROLE_LABELS, _EPOCH_EXCEL_SERIAL,
    _MAX_EXCEL_SERIAL)
from analytics.ingest.codebook import normalise_label
from analytics.ingest.names import clean_name, merge_spellings
from analytics.ingest.numbers import number_texts
from analytics.ingest.raw import RawTable


def _where(raw: RawTable, column: str | None = None, row: int | None = None) -> dict:
    return {"file": raw.file_name, "sheet": raw.sheet, "column": column, "row": row}


def _refuse_rows(raw: RawTable, column: str | None, mask: np.ndarray, message: str) -> None:
    """Raise InputError at the first row where ``mask`` holds; ``message`` may use ``{value}``."""
    hits = np.flatnonzero(mask)
    if len(hits) == 0:
        return
    first = hits[0]
    row = int(raw.frame.index[first])
    value = raw.frame[column].iloc[first] if column is not None else ""
    more = f" ({len(hits) - 1} more row{'s' if len(hits) > 2 else ''} like this.)" if len(hits) > 1 else ""
    raise InputError(message.format(value=value) + more, **_where(raw, column, row))


def _clean_text(series: pd.Series) -> pd.Series:
    """Cell text, trimmed, inner spaces collapsed, ``123.0`` (a number read from Excel) as ``123``;
    blanks as NA."""
    text = series.astype("str").str.strip()
    # Each rule only on the cells it concerns (vectorised checks first): files have 100,000s of rows.
    spaced = text.str.contains(r"\s\s|[\t\r\n\v\f]", regex=True).fillna(False).astype(bool)
    if spaced.any():
        text = text.mask(spaced, text[spaced].str.replace(r"\s+", " ", regex=True))
    excel_number = text.str.fullmatch(r"-?\d+\.0+").fillna(False).astype(bool)
    if excel_number.any():
        text = text.mask(excel_number, text[excel_number].str.replace(r"\.0+$", "", regex=True))
    return text.mask(text == "")


def _unit_names(series: pd.Series, role: str) -> tuple[pd.Series, list[str]]:
    """A team (or directorate) column: text as :func:`_clean_text`, cleaned by
    :func:`analytics.ingest.names.clean_name` and with case variants merged
    (:func:`analytics.ingest.names.merge_spellings`), blanks as :data:`~analytics.settings.NOT_RECORDED_UNIT`;
    and a note per merge."""
    text = _clean_text(series)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)    # clean each distinct name once
    distinct = np.array([clean_name(v) for v in uniques] + [None], dtype=object)
    cleaned = pd.Series(distinct[codes], index=series.index, dtype="str")
    merged, merges = merge_spellings(cleaned)
    notes = [f"The {role} names " + ", ".join(f"'{v}'" for v in variants) + f" differ only in letter case or "
             f"spacing: one {role}, shown as '{kept}' ({count} row(s) renamed)." for kept, variants, count in merges]
    return merged.fillna(settings.NOT_RECORDED_UNIT), notes


def _clean_ids(series: pd.Series) -> pd.Series:
    """Identifiers compared across files: text as :func:`_clean_text`, leading zeros of all-digit
    numbers dropped (``00123`` in a CSV is ``123`` read as a number from a workbook)."""
    text = _clean_text(series)
    digits = text.str.fullmatch(r"\d+").fillna(False).astype(bool)
    stripped = text.str.lstrip("0")
    stripped = stripped.mask(stripped == "", "0")
    return text.where(~digits, stripped)


_TIME_SUFFIX = r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$"


# (pattern, formats): text matching the pattern is parsed with the first format that works.
_DATE_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\d{4}-\d{1,2}-\d{1,2}", ("%Y-%m-%d",)),
    (r"\d{4}/\d{1,2}/\d{1,2}", ("%Y/%m/%d",)),
    (r"\d{1,2}/\d{1,2}/\d{4}", ("%d/%m/%Y",)),
    (r"\d{1,2}\.\d{1,2}\.\d{4}", ("%d.%m.%Y",)),
    (r"\d{1,2}-\d{1,2}-\d{4}", ("%d-%m-%Y",)),
    (r"\d{1,2}-[A-Za-z]+-\d{4}", ("%d-%b-%Y", "%d-%B-%Y")),
)


_SERIAL_PATTERN = r"\d+(?:\.\d+)?"


_DATE_ADVICE = ("Write dates as day/month/year (dd/mm/yyyy; month-first dates are not accepted), as "
                "yyyy-mm-dd, or as Excel dates.")


def _serials_to_days(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Excel serial numbers (1900 date system) to days since 1970-01-01; second value: invalid."""
    valid = (values >= 1) & (values <= _MAX_EXCEL_SERIAL)
    days = np.where(valid, np.floor(np.where(valid, values, _EPOCH_EXCEL_SERIAL)) - _EPOCH_EXCEL_SERIAL, 0)
    return days.astype(np.int64), ~valid


def _parse_date_texts(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day numbers, unreadable and blank flags of date texts (see :func:`_parse_dates` for the formats)."""
    n = len(values)
    days = np.zeros(n, dtype=np.int64)
    bad = np.zeros(n, dtype=bool)
    text = values.str.strip().str.replace(r"\s+", " ", regex=True)
    text = text.str.replace(_TIME_SUFFIX, "", regex=True)
    blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
    matched = np.zeros(n, dtype=bool)
    candidate = text.str.replace(r"^(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})$", r"\1-\2-\3", regex=True)
    for pattern, formats in _DATE_PATTERNS:
        hit = candidate.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool) & ~matched & ~blank
        if not hit.any():
            continue
        subset = candidate[hit]
        parsed = pd.to_datetime(subset, format=formats[0], errors="coerce")
        for fmt in formats[1:]:
            parsed = parsed.fillna(pd.to_datetime(subset, format=fmt, errors="coerce"))
        parsed_days = parsed.to_numpy(dtype="datetime64[D]", na_value=np.datetime64("NaT"))
        ok = ~np.isnat(parsed_days)
        idx = np.flatnonzero(hit)
        days[idx[ok]] = parsed_days[ok].astype(np.int64)
        bad[idx[~ok]] = True
        matched |= hit
    serial = text.str.fullmatch(_SERIAL_PATTERN).fillna(False).to_numpy(dtype=bool) & ~matched & ~blank
    if serial.any():
        numbers = pd.to_numeric(text[serial], errors="coerce").to_numpy(dtype=float)
        serial_days, invalid = _serials_to_days(numbers)
        idx = np.flatnonzero(serial)
        days[idx] = serial_days
        bad[idx[invalid]] = True
        matched |= serial
    bad |= ~matched & ~blank
    return days, bad, blank


def _parse_dates(raw: RawTable, column: str, *, what: str, required: bool, open_ended: bool) -> np.ndarray:
    """Read a date column, vectorised: ``datetime64[D]`` per row, NaT for blanks (and, when
    ``open_ended``, for "end of time" markers such as 31/12/4712).

    Accepted: Excel date cells (datetimes), Excel serial numbers, ``dd/mm/yyyy`` (also with ``.`` or
    ``-``), ``yyyy-mm-dd``, ``yyyy/mm/dd``, ``dd-Mon-yyyy`` / ``dd Month yyyy``; a time of day after the
    date is ignored. Day-first is never second-guessed: 13/25/2024 is refused, not read as US order.
    Two-digit years are refused (the century would be a guess).
    """
    series = raw.frame[column]
    n = len(series)
    days = np.zeros(n, dtype=np.int64)
    bad = np.zeros(n, dtype=bool)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        blank = series.isna().to_numpy(dtype=bool)
        values = series.to_numpy(dtype="datetime64[D]", na_value=np.datetime64("NaT"))
        days[~blank] = values[~blank].astype(np.int64)
    elif pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        numbers = series.to_numpy(dtype=float, na_value=np.nan)
        blank = np.isnan(numbers)
        serial_days, invalid = _serials_to_days(np.where(blank, _EPOCH_EXCEL_SERIAL, numbers))
        days = serial_days
        bad = invalid & ~blank
    else:
        # Each distinct text is parsed once (an extract of 500,000 rows holds a few thousand dates).
        codes, uniques = pd.factorize(series.astype("str"), use_na_sentinel=True)
        u_days, u_bad, u_blank = _parse_date_texts(pd.Series(uniques, dtype="str"))
        u_days, u_bad = np.append(u_days, 0), np.append(u_bad, False)
        u_blank = np.append(u_blank, True)
        days, bad, blank = u_days[codes], u_bad[codes], u_blank[codes]
    _refuse_rows(raw, column, bad, f"'{{value}}' is not a date this tool can read ({what}). {_DATE_ADVICE}")
    years = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    marker = ~blank & (years >= OPEN_ENDED_FROM_YEAR)
    implausible = ~blank & ((years < EARLIEST_PLAUSIBLE_YEAR) | ((years > LATEST_PLAUSIBLE_YEAR) & ~marker))
    if not open_ended:
        implausible |= marker
    _refuse_rows(raw, column, implausible,
                 f"'{{value}}' is not a plausible {what}: its year must be between {EARLIEST_PLAUSIBLE_YEAR} "
                 f"and {LATEST_PLAUSIBLE_YEAR}. {_DATE_ADVICE}")
    if required:
        _refuse_rows(raw, column, blank, f"The {what} is blank; every row needs one.")
    out = days.astype("datetime64[D]")
    out[blank | marker] = np.datetime64("NaT")
    return out


def _parse_numbers(raw: RawTable, column: str, *, what: str) -> np.ndarray:
    """Read a numeric column: float per row, NaN for blanks; text that is not a number is refused.

    Commas are decimal commas or thousands separators as the whole column shows
    (:func:`analytics.ingest.numbers.number_texts`): "4,3998" is 4.3998, "1,234" is 1234.
    """
    series = raw.frame[column]
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=float, na_value=np.nan)
    text, _ = number_texts(series)
    blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
    numbers = pd.to_numeric(text.mask(text == ""), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    _refuse_rows(raw, column, ~blank & np.isnan(numbers), f"'{{value}}' is not a number ({what}).")
    return numbers


def _find_columns(raw: RawTable, headers: dict[str, tuple[str, ...]],
                  overrides: dict[str, str | None] | None = None) -> dict[str, str]:
    """Map each role of ``headers`` to a column of ``raw`` (roles not found are left out)."""
    texts = {c: {normalise_label(t) for t in raw.texts_of(c)} for c in raw.columns}
    found: dict[str, str] = {}
    for role, name in (overrides or {}).items():
        if name:
            found[role] = raw.resolve_column(name, role=ROLE_LABELS.get(role, role))
    used = set(found.values())
    for role, candidates in headers.items():
        if role in found:
            continue
        for candidate in candidates:
            wanted = normalise_label(candidate)
            hits = [c for c in raw.columns if c not in used and wanted in texts[c]]
            if hits:
                found[role] = hits[0]
                used.add(hits[0])
                break
    return found


def _require_columns(raw: RawTable, found: dict[str, str], roles: Iterable[str],
                     headers: dict[str, tuple[str, ...]], *, what: str) -> None:
    missing = [r for r in roles if r not in found]
    if not missing:
        return
    expected = "; ".join(f"{ROLE_LABELS[r]} (a header such as "
                         + ", ".join(f"'{h}'" for h in headers[r]) + ")" for r in missing)
    shown = ", ".join(f"'{c}'" for c in raw.columns[:30])
    more = f" and {len(raw.columns) - 30} more" if len(raw.columns) > 30 else ""
    raise InputError(f"This {what} has no column for: {expected}. The headers found are: {shown}{more}. "
                     "Rename the column or name it explicitly.", **_where(raw))


def _require_rows(raw: RawTable, what: str) -> None:
    if raw.frame.shape[0] == 0:
        raise InputError(f"The {what} has no data rows below its header.", **_where(raw))


def _check_fte(raw: RawTable, column: str, fte: np.ndarray, *, allow_blank: bool) -> None:
    if not allow_blank:
        _refuse_rows(raw, column, np.isnan(fte),
                     "The FTE is blank. Enter the contracted FTE (0 for bank or zero-hours contracts) or "
                     "remove the row.")
    valid = ~np.isnan(fte)
    _refuse_rows(raw, column, valid & (fte < 0), "The FTE {value} is negative.")
    _refuse_rows(raw, column, valid & (fte > MAX_FTE),
                 f"The FTE {{value}} is above {MAX_FTE}; FTE is a fraction of full time (1.0 = full time).")


_MONTH_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\d{4}-\d{1,2}", ("%Y-%m",)),
    (r"\d{4}/\d{1,2}", ("%Y/%m",)),
    (r"\d{1,2}/\d{4}", ("%m/%Y",)),
    (r"\d{1,2}-\d{4}", ("%m-%Y",)),
    (r"[A-Za-z]+ \d{4}", ("%b %Y", "%B %Y")),
)


def _parse_months(raw: RawTable, column: str) -> np.ndarray:
    """Months as month numbers since 1970-01. Accepted: ``2024-01``, ``2024/01``, ``01/2024``, ``Jan 2024``,
    ``January 2024``, ``Jan-2024``, or any date this module reads (its month is taken)."""
    series = raw.frame[column]
    n = len(series)
    months = np.zeros(n, dtype=np.int64)
    done = np.zeros(n, dtype=bool)
    if not pd.api.types.is_datetime64_any_dtype(series.dtype) and not pd.api.types.is_numeric_dtype(series.dtype):
        text = series.astype("str").str.strip().str.replace(r"\s+", " ", regex=True)
        text = text.str.replace(r"^([A-Za-z]+)-(\d{4})$", r"\1 \2", regex=True)
        for pattern, formats in _MONTH_PATTERNS:
            hit = text.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool) & ~done
            if not hit.any():
                continue
            parsed = pd.to_datetime(text[hit], format=formats[0], errors="coerce")
            for fmt in formats[1:]:
                parsed = parsed.fillna(pd.to_datetime(text[hit], format=fmt, errors="coerce"))
            values = parsed.to_numpy(dtype="datetime64[M]", na_value=np.datetime64("NaT"))
            ok = ~np.isnat(values)
            idx = np.flatnonzero(hit)
            _refuse_rows(raw, column, np.isin(np.arange(n), idx[~ok]),
                         "'{value}' is not a month this tool can read. Write months as 2024-01, Jan 2024 or "
                         "01/2024.")
            months[idx] = values.astype(np.int64)
            done |= hit
    if not done.all():
        rest = raw.frame.index[~done]
        sub = RawTable(frame=raw.frame.loc[rest, [column]], file_name=raw.file_name, sheet=raw.sheet)
        dates = _parse_dates(sub, column, what="month", required=True, open_ended=False)
        months[~done] = dates.astype("datetime64[M]").astype(np.int64)
    return months

"""Where a survey file's wave (survey year) comes from, read from the file itself when it is there.

The rule, in order (the first that gives a year wins):

1. **A wave column** the user chose or recognition found ("Wave", "Survey year"): each row's own wave.
2. **A response-time column** a survey tool writes (:data:`analytics.settings.RESPONSE_DATE_HEADERS`:
   Qualtrics ``StartDate``/``EndDate``/``RecordedDate``, Microsoft Forms ``Start time``/``Completion
   time``, SurveyMonkey ``Start Date``/``End Date``): the wave is **the calendar year of the median
   response date** (for an even count, the lower of the two middle dates, so that it is a date someone
   answered on). The NHS Staff Survey's fieldwork runs from September to November, so the calendar year
   of its responses is the survey year; a pulse survey open over the new year is given the year in
   which most of its responses fall, and a note gives the range of dates. A column is a date column
   when at least :data:`~analytics.settings.DATE_COLUMN_MIN_SHARE` of its filled cells read as dates.
3. **A four-digit year in the sheet name** ("Pulse 2025").
4. **A four-digit year in a title row above the header** ("Staff pulse survey, autumn 2025").
5. **A four-digit year in the file name** (``staff_survey_2025.xlsx``).

A year is ``20xx`` not touching other digits; when a text holds several, the last one is taken
("2024 vs 2025" -> 2025; "2024/25" -> 2024). The file's modification date is never used. A wave the
user typed replaces the one found (the Data page shows where the found one came from, and lets it be
changed).

Dates are read in these forms: datetime cells of a workbook; Excel serial day numbers (20000-80000,
i.e. 1954-2119, counted from 1899-12-30); ISO text ``2025-10-14`` and ``2025-10-14 09:12:00``; and
day/month/year text ``14/10/2025`` (also with ``.`` or ``-`` and a time after it). Slash dates are read
day first (UK) unless some second part is above 12 and no first part is, i.e. the column is month first
(SurveyMonkey's US format); the year is the same either way.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import settings
from analytics.ingest import quality
from analytics.ingest.raw import RawTable

#: How the wave was found (:attr:`WaveSource.kind`).
FROM_WAVE_COLUMN = "wave_column"
FROM_DATE_COLUMN = "date_column"
FROM_SHEET_NAME = "sheet_name"
FROM_TITLE_ROW = "title_row"
FROM_FILE_NAME = "file_name"
FROM_TYPED = "typed"
NOT_FOUND = "not_found"

#: Finding kind of the info finding saying where a file's wave came from.
KIND_WAVE_SOURCE = "wave_source"

_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[ T])")
_DMY_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:$|[ T,])")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_SERIAL_RANGE = (20000, 80000)


@dataclass(frozen=True)
class WaveSource:
    """The wave of a file and where it came from.

    ``wave`` is None with a wave column (each row has its own) or when nothing gave a year; ``column``
    is the wave or date column used (else None); ``where`` says where, in words ("column 'StartDate'
    (median response 14/10/2025)"); ``note`` adds the range of dates when they span calendar years.
    """

    wave: str | None
    kind: str
    where: str = ""
    column: str | None = None
    note: str = ""

    @property
    def text(self) -> str:
        """One sentence for the Data page and the findings."""
        if self.kind == FROM_WAVE_COLUMN:
            return f"Waves from column '{self.column}' (each row's own)."
        if self.kind == NOT_FOUND:
            return ("The survey year (wave) was not found in the file (no wave or date column, and no year in "
                    "the sheet name, a title row or the file name).")
        sentence = f"Wave {self.wave} {self.where}."
        return f"{sentence} {self.note}" if self.note else sentence


def year_in_text(text: str | None) -> str | None:
    """The last four-digit year 20xx in ``text`` not touching other digits, or None."""
    years = _YEAR.findall(str(text or ""))
    return years[-1] if years else None


def _header_key(text: str) -> str:
    return re.sub(r"[\s_]+", "", str(text)).casefold()


def find_column(raw: RawTable, headers: tuple[str, ...]) -> list[str]:
    """Columns of ``raw`` whose label or any header text is one of ``headers`` (case, spaces and
    underscores ignored), in the order of ``headers``."""
    found: list[str] = []
    for wanted in map(_header_key, headers):
        for column in raw.columns:
            if column not in found and any(_header_key(t) == wanted for t in raw.texts_of(column)):
                found.append(column)
    return found


def _dates_from_parts(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    parts = pd.DataFrame({"year": pd.to_numeric(year, errors="coerce"), "month": pd.to_numeric(month, errors="coerce"),
                          "day": pd.to_numeric(day, errors="coerce")})
    return pd.to_datetime(parts, errors="coerce")


def _slash_dates(text: pd.Series) -> pd.Series:
    """Day/month/year text (month first when the column can only be read so)."""
    parts = text.str.extract(_DMY_DATE)
    first, second = pd.to_numeric(parts[0], errors="coerce"), pd.to_numeric(parts[1], errors="coerce")
    month_first = bool((second > 12).any()) and not bool((first > 12).any())
    day, month = (second, first) if month_first else (first, second)
    return _dates_from_parts(parts[2], month, day)


def parse_response_dates(values: pd.Series) -> pd.Series:
    """Each cell as a date (time of day dropped), ``NaT`` where it is not one (forms: module docstring).

    Only the distinct cells are parsed, then spread back (a column of dates repeats each day many times)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.to_datetime(values, errors="coerce").dt.normalize()
    codes, distinct = pd.factorize(values.astype(object), use_na_sentinel=True)
    parsed = _parse_distinct_dates(pd.Series(np.asarray(distinct, dtype=object))).to_numpy()
    spread = np.append(parsed, np.datetime64("NaT"))[codes]   # code -1 (blank) takes the appended NaT
    return pd.Series(spread, index=values.index, dtype="datetime64[ns]")


def _parse_distinct_dates(values: pd.Series) -> pd.Series:
    cells = values.astype(object)
    is_stamp = cells.map(lambda v: isinstance(v, (_dt.date, pd.Timestamp)) and not pd.isna(v)).astype(bool)
    stamps = pd.to_datetime(cells.where(is_stamp), errors="coerce")
    text = cells.where(~is_stamp & cells.notna()).astype(str).where(~is_stamp & cells.notna())
    numbers = pd.to_numeric(text, errors="coerce")
    serial = numbers.where((numbers >= _SERIAL_RANGE[0]) & (numbers <= _SERIAL_RANGE[1]))
    from_serial = _EXCEL_EPOCH + pd.to_timedelta(np.floor(serial.to_numpy(dtype=float)), unit="D")
    iso = text.str.extract(_ISO_DATE)
    dates = pd.Series(from_serial, index=values.index)
    for candidate in (stamps, _dates_from_parts(iso[0], iso[1], iso[2]), _slash_dates(text)):
        dates = dates.fillna(pd.Series(candidate.to_numpy(), index=values.index))
    return pd.to_datetime(dates, errors="coerce").dt.normalize()


def _format_date(value: pd.Timestamp) -> str:
    return value.strftime("%d/%m/%Y")


def wave_from_dates(raw: RawTable) -> WaveSource | None:
    """The wave from the first response-time column that holds dates (rule 2 of the module docstring)."""
    for column in find_column(raw, settings.RESPONSE_DATE_HEADERS):
        values = raw.frame[column]
        filled = int(values.notna().sum())
        dates = parse_response_dates(values).dropna()
        if filled == 0 or len(dates) < settings.DATE_COLUMN_MIN_SHARE * filled:
            continue
        ordered = np.sort(dates.to_numpy())
        median = pd.Timestamp(ordered[(len(ordered) - 1) // 2])
        first, last = pd.Timestamp(ordered[0]), pd.Timestamp(ordered[-1])
        note = ""
        if first.year != last.year:
            note = (f"Responses run from {_format_date(first)} to {_format_date(last)}, over "
                    f"{last.year - first.year + 1} calendar years; the wave is the year of the median response date.")
        return WaveSource(wave=str(median.year), kind=FROM_DATE_COLUMN, column=column, note=note,
                          where=f"from column '{column}' (median response {_format_date(median)})")
    return None


def detect_wave(raw: RawTable, file_name: str, *, wave_col: str | None = None, wave_label: str | None = None,
                found: WaveSource | None = None) -> WaveSource:
    """Where the wave of a file comes from (the rule of the module docstring).

    ``wave_col`` is the file's wave column (each row its own wave); ``wave_label`` the wave the user typed,
    which replaces the year found (``where`` then names what the file itself says, if anything); ``found``
    is :func:`found_in_file` when already known.
    """
    if wave_col:
        return WaveSource(wave=None, kind=FROM_WAVE_COLUMN, column=wave_col, where=f"from column '{wave_col}'")
    found = found or found_in_file(raw, file_name)
    typed = str(wave_label or "").strip()
    if typed:
        said = "" if found.kind == NOT_FOUND else f"; the file itself gives {found.wave} {found.where}"
        return WaveSource(wave=typed, kind=FROM_TYPED, where=f"as given by the user{said}")
    return found


def found_in_file(raw: RawTable, file_name: str) -> WaveSource:
    """The wave the file itself gives (rules 2-5 of the module docstring), without a wave column."""
    from_dates = wave_from_dates(raw)
    if from_dates is not None:
        return from_dates
    if raw.sheet and year_in_text(raw.sheet):
        return WaveSource(wave=year_in_text(raw.sheet), kind=FROM_SHEET_NAME,
                          where=f"from the sheet name '{raw.sheet}'")
    for title in raw.title_texts:
        if year_in_text(title):
            return WaveSource(wave=year_in_text(title), kind=FROM_TITLE_ROW, where=f"from the title row '{title}'")
    name = Path(file_name).name
    if year_in_text(Path(name).stem):
        return WaveSource(wave=year_in_text(Path(name).stem), kind=FROM_FILE_NAME, where=f"from the file name '{name}'")
    return WaveSource(wave=None, kind=NOT_FOUND)


def wave_source_finding(source: WaveSource, *, file: str, sheet: str | None = None):
    """The info finding (:mod:`analytics.ingest.quality` format) saying where a file's wave came from."""
    return quality.make_findings([{"severity": "info", "kind": KIND_WAVE_SOURCE, "file": file, "sheet": sheet or "",
                                   "column": source.column or "", "message": source.text}])

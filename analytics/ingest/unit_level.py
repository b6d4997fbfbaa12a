"""Unit-level results: files with one row per team (or organisation), score columns and a count column.

Published NHS Staff Survey breakdowns and benchmark workbooks come in this shape::

    Organisation      | Responses | Compassionate leadership | Morale | Q9f % positive
    Ward 7            | 23        | 7.12                     | 6.05   | 63%
    Theatres          | 1,234     | 6.90                     | *      | 58.4 %

:func:`is_unit_level` tells this shape from respondent-level exports (one row per person, answers as
labels or small integer codes, no count column); :func:`read_unit_results` turns it into a long table
and states every decision it took in plain words.

Anonymity is not applied here: the counts (``n``) are kept so that :mod:`analytics.survey.privacy` can
suppress small units downstream, as it does for scores computed from respondent-level data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from analytics.ingest.codebook import Codebook
from analytics.errors import InputError
from analytics.ingest.recognise import header_words, recognise_item, recognise_unit_columns
from analytics.ingest.raw import RawTable
from analytics.ingest.published_cells import (  # noqa: F401 (re-exported)
    _FEWER_THAN, MISSING_MARKERS, _Cell, _is_blank, _label_text, _parse_cell, _parse_column, _rows,
)

#: Columns of :attr:`UnitResults.frame`.
UNIT_RESULT_COLUMNS = ("wave", "unit", "measure", "n", "value", "value_kind")
#: ``value_kind`` of a 0–10 score (NSS theme and sub-score scale).
VALUE_KIND_SCORE = "score"
#: ``value_kind`` of a percentage 0–100 (NSS question-level "% positive").
VALUE_KIND_PCT_POSITIVE = "pct_positive"

#: Headers of the response-count column (compared as words, case and punctuation ignored).
COUNT_HEADERS = (
    "responses", "number of responses", "no of responses", "response count", "total responses",
    "n responses", "responses n", "n", "base", "base n", "base size", "unweighted base", "respondents",
    "number of respondents", "no of respondents", "count", "sample size",
)

#: Headers of the unit column when it is not a team / directorate column: the organisation's name.
UNIT_NAME_HEADERS = (
    "organisation", "organisation name", "organization", "organization name", "org", "org name", "trust",
    "trust name", "provider", "provider name", "name", "unit name",
)

#: Header words saying that a column holds percentages.
PERCENT_WORDS = frozenset({"percent", "percentage", "pct", "positive", "proportion"})
#: Header words saying that a column holds 0–10 scores (even when it is a question's column).
SCORE_WORDS = frozenset({"score", "mean", "average", "avg"})
#: Words around a measure's name that do not change which measure it is ("Morale score", "Theme:
#: staff engagement", "Compassionate leadership (0-10)").
_MEASURE_QUALIFIERS = frozenset({"score", "scores", "mean", "average", "avg", "theme", "sub", "subscore",
                                 "0", "10", "out", "of", "to", "percent", "pct", "positive", "the"})



@dataclass
class UnitResults:
    """Unit-level results read from a file.

    Attributes
    ----------
    frame
        Long table, one row per unit row of the file x result column, with columns

        * ``wave`` — the wave (text), or ``None`` when neither a wave column nor ``wave_label`` gives it;
        * ``unit`` — the unit's name as written in the file;
        * ``measure`` — a codebook measure id when the header names one (``"compassionate_leadership"``),
          a codebook item code when it names a question (``"q9f"``), else the header text;
        * ``n`` — the unit's response count (nullable integer; missing when the file suppresses it);
        * ``value`` — the figure, at full precision; missing (NaN) for blanks and suppression markers;
        * ``value_kind`` — ``"score"`` (0–10) or ``"pct_positive"`` (0–100).
    notes
        Every decision taken, in plain words, for the user to check.
    unit_col, count_col, wave_col
        The columns used.
    columns
        Result column header -> the ``measure`` it was read as.
    """

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    unit_col: str | None = None
    count_col: str | None = None
    wave_col: str | None = None
    columns: dict[str, str] = field(default_factory=dict)


# -- recognising the shape ------------------------------------------------------------------------

def _header_key(text: str) -> str:
    return " ".join(header_words(text))


def find_count_column(raw: RawTable) -> str | None:
    """The response-count column, by its header (:data:`COUNT_HEADERS`, any header row), or None.

    The first column (left to right) whose header matches wins.
    """
    wanted = set(COUNT_HEADERS)
    for column in raw.columns:
        if any(_header_key(t) in wanted for t in raw.texts_of(column)):
            return column
    return None


def _numeric_share(cells: list[_Cell]) -> tuple[int, int]:
    numbers = sum(c.kind == "number" for c in cells)
    bad = sum(c.kind == "bad" for c in cells)
    return numbers, bad


def is_unit_level(raw: RawTable, *, sample_rows: int = 500) -> bool:
    """Whether a table holds unit-level results rather than one row per respondent.

    Parameters
    ----------
    raw
        The table as read.
    sample_rows
        Rows looked at (the first ones); the decision never needs the whole of a large export.

    Returns
    -------
    bool
        True when the table has a response-count column (:func:`find_count_column`) whose values are
        whole numbers >= 0, and at least one other column of numbers that are not all whole numbers
        from 0 to 5 (answer codes): scores with decimals, percentages, or "63%" strings.

    Notes
    -----
    Respondent-level exports have no count column and their answers are labels ("Agree") or small
    integer codes (1–5), repeated on every row; unit-level results have one row per unit, a count and
    figures with decimals or percentages. At least 90% of the non-missing cells of a column must be
    numbers for it to count as numeric; blanks and suppression markers are ignored.
    """
    count_col = find_count_column(raw)
    if count_col is None:
        return False
    sample = raw.frame.head(sample_rows)
    head = RawTable(frame=sample, file_name=raw.file_name, sheet=raw.sheet, header_texts=raw.header_texts)
    if not _holds_counts(_parse_column(head, count_col)):
        return False
    return any(_holds_figures(_parse_column(head, column)) for column in head.columns if column != count_col)


def _filled(cells: list[_Cell]) -> list[_Cell]:
    """The number and bad cells (blanks and missing markers left out)."""
    return [c for c in cells if c.kind in ("number", "bad")]


def _holds_counts(cells: list[_Cell]) -> bool:
    """At least 90% of the filled cells (and at least one) are whole numbers >= 0 without a percent sign."""
    counts = _filled(cells)
    if not counts:
        return False
    good = [c for c in counts if c.kind == "number" and c.value >= 0 and float(c.value).is_integer()
            and not c.percent_sign]
    return len(good) >= 0.9 * len(counts)


def _holds_figures(cells: list[_Cell]) -> bool:
    """At least 90% of the filled cells are numbers, and not all of them are answer codes (whole numbers
    0 to 5 without a percent sign)."""
    filled = _filled(cells)
    numbers = [c for c in filled if c.kind == "number"]
    if not numbers or len(numbers) < 0.9 * len(filled):
        return False
    return not all(c.value.is_integer() and 0 <= c.value <= 5 and not c.percent_sign for c in numbers)


def _measure_from_header(text: str, codebook: Codebook) -> str | None:
    """The codebook measure a header names clearly (by id or label), or None."""
    words = header_words(text)
    while words and words[0] in _MEASURE_QUALIFIERS:
        words = words[1:]
    while words and words[-1] in _MEASURE_QUALIFIERS:
        words = words[:-1]
    key = " ".join(words)
    if not key:
        return None
    for measure in codebook.measures:
        if key in (" ".join(header_words(measure.label)), " ".join(header_words(measure.id.replace("_", " ")))):
            return measure.id
    return None


def _strip_result_qualifiers(text: str) -> str:
    """A header without a trailing "% positive", "(score)", "(n)" ... so its wording can be matched."""
    s = str(text)
    pattern = re.compile(r"[\s(\[\-:,]*(%\s*positive|percent(age)?\s*positive|pct\s*positive|positive\s*%|%|"
                         r"score|mean|average)[\s)\]]*$", re.IGNORECASE)
    while True:
        stripped = pattern.sub("", s).strip()
        if stripped == s or not stripped:
            return s
        s = stripped


def _column_meaning(raw: RawTable, column: str, codebook: Codebook) -> tuple[str, str] | None:
    """``(measure id or item code, "measure" | "item")`` named by a column's headers, or None."""
    texts = raw.texts_of(column)
    for text in texts:
        measure = _measure_from_header(text, codebook)
        if measure is not None:
            return measure, "measure"
    found = recognise_item(texts + [_strip_result_qualifiers(t) for t in texts], codebook)
    if found is not None:
        return found[0], "item"
    return None


def _has_words(texts: list[str], vocabulary: frozenset[str]) -> bool:
    return any(w in vocabulary for t in texts for w in header_words(t))


def _fmt(number: float) -> str:
    return f"{number:g}"


# -- reading ---------------------------------------------------------------------------------------

def read_unit_results(
    raw: RawTable,
    codebook: Codebook,
    *,
    unit_col: str | None = None,
    count_col: str | None = None,
    wave_col: str | None = None,
    wave_label: str | None = None,
) -> UnitResults:
    """Read unit-level results (one row per team or organisation) into a long table.

    Parameters
    ----------
    raw
        The table as read; its index is the spreadsheet row number.
    codebook
        Used to recognise measure and question columns.
    unit_col, count_col, wave_col
        Columns the user names (any header text of any header row); otherwise recognised: the count
        column by :data:`COUNT_HEADERS`, the wave column and the unit column by the header words of
        :data:`analytics.ingest.mapping.UNIT_COLUMN_WORDS` (team words first, then directorate words, then
        :data:`UNIT_NAME_HEADERS`), else the unit column is the first text column.
    wave_label
        The wave of rows without one (all rows when there is no wave column).

    Returns
    -------
    UnitResults
        ``frame`` with columns :data:`UNIT_RESULT_COLUMNS` and ``notes`` stating every decision.

    Raises
    ------
    InputError
        No count column or no unit column found; a count that is not a whole number >= 0; text in a
        numeric column (column and spreadsheet row named); a score outside 0–10 or a percentage outside
        0–100 (column and row named); a row with figures but no unit name; the same unit twice in one
        wave; two columns giving the same measure; no result column at all.

    Notes
    -----
    Which figure a column holds:

    * A header naming a codebook measure (its id or label, optionally with "score", "theme", "mean",
      "(0-10)": "Compassionate leadership", "Morale score") -> that measure's **0–10 score**. Only exact
      names count; "People Promise: we are compassionate and inclusive" is not the codebook's
      compassionate culture measure and is kept under its own header.
    * A header naming a question (code or wording, :func:`analytics.ingest.mapping.recognise_item`) -> the
      NSS question-level **% positive**, unless the header says "score" / "mean" / "average".
    * A percent sign in the header or in any cell, or the words percent / pct / positive / proportion
      -> **percentages**; otherwise a **0–10 score**.
    * Other numeric columns are kept under their header text as 0–10 scores when all their values lie
      in 0–10 (or as percentages, by the rule above); a column that is neither (e.g. "Staff in post",
      1,234) is left out, with a note. A column whose cells are mostly text is left out, with a note.

    Cell rules: blanks and the markers of :data:`MISSING_MARKERS` ("*", "-", "[c]", "suppressed",
    "n<11", ...) are **missing, never zero**. "63%" and "63.2 %" are 63 and 63.2. In a percentage
    column without percent signs whose values all lie in [0, 1], the values are read as fractions and
    multiplied by 100 (stated in the notes; Excel stores "63%" as 0.63). Counts may use thousands
    separators ("1,234"). Rows that are blank throughout are skipped.
    """
    where = {"file": raw.file_name, "sheet": raw.sheet}
    notes: list[str] = []
    rows = _rows(raw)
    count_col = _count_column(raw, count_col, notes, where)
    counts = _read_counts(raw, count_col, rows, notes, where)
    taken = {count_col}
    wave_col = _wave_column(raw, wave_col, wave_label, taken, notes, where)
    unit_col = _unit_column(raw, unit_col, taken, notes, where)

    units = [_label_text(v) for v in raw.frame[unit_col].tolist()]
    waves = ([_label_text(v) for v in raw.frame[wave_col].tolist()] if wave_col is not None
             else [wave_label] * len(rows))
    kept = _result_columns(raw, codebook, taken, rows, notes, where)

    table = _UnitTable(rows, units, waves, counts, kept, unit_col, wave_col, wave_label, where)
    records = table.records()
    if table.skipped_blank:
        notes.append(f"{table.skipped_blank} row(s) without a unit name or any figure skipped.")

    frame = pd.DataFrame.from_records(records, columns=list(UNIT_RESULT_COLUMNS))
    frame = frame.astype({"wave": "object", "unit": "object", "measure": "object", "n": "Int64",
                          "value": "float64", "value_kind": "object"})
    return UnitResults(frame=frame, notes=notes, unit_col=unit_col, count_col=count_col, wave_col=wave_col,
                       columns={column: measure for column, measure, _, _ in kept})


def _count_column(raw: RawTable, count_col: str | None, notes: list[str], where: dict) -> str:
    """The column the user named, else the one :func:`find_count_column` recognises; refused if none."""
    if count_col is not None:
        count_col = raw.resolve_column(count_col, role="response-count")
        notes.append(f"Column '{count_col}' read as the number of responses (as chosen).")
        return count_col
    count_col = find_count_column(raw)
    if count_col is None:
        raise InputError("No column with the number of responses was found (a header such as 'Responses', "
                         "'Number of responses', 'n' or 'Base'). Name the count column, or, if the file has one "
                         "row per respondent, read it as survey responses instead.", **where)
    notes.append(f"Column '{count_col}' read as the number of responses.")
    return count_col


def _read_counts(raw: RawTable, count_col: str, rows: list[int], notes: list[str], where: dict) -> list[int | None]:
    """The response counts: blanks and suppression markers missing; anything but a whole number >= 0
    refused (cell named); thousands separators removed (said in the notes)."""
    counts: list[int | None] = []
    separated: list[str] = []
    count_markers = 0
    for row, cell in zip(rows, _parse_column(raw, count_col)):
        if cell.kind in ("blank", "marker"):
            counts.append(None)
            count_markers += cell.kind == "marker"
            continue
        if cell.kind == "bad" or cell.percent_sign or cell.value < 0 or not float(cell.value).is_integer():
            raise InputError(f"'{cell.text}' is not a number of responses (a whole number, 0 or more). Correct the "
                             "cell or name the right count column.", column=count_col, row=row, **where)
        counts.append(int(cell.value))
        if cell.thousands:
            separated.append(cell.text)
    if separated:
        notes.append(f"In column '{count_col}', thousands separators were removed ('{separated[0]}' read as "
                     f"{separated[0].replace(',', '')}).")
    if count_markers:
        notes.append(f"In column '{count_col}', {count_markers} suppressed cell(s) read as a missing count.")
    return counts


def _wave_column(raw: RawTable, wave_col: str | None, wave_label: str | None, taken: set[str], notes: list[str],
                 where: dict) -> str | None:
    """The column the user named, else one recognised by its header words, else ``None`` (every row
    then has ``wave_label``, possibly blank); added to ``taken``."""
    if wave_col is not None:
        wave_col = raw.resolve_column(wave_col, role="wave")
        notes.append(f"Column '{wave_col}' read as the survey wave (as chosen).")
    else:
        found = recognise_unit_columns(raw, exclude=list(taken)).get("wave")
        if found is not None:
            wave_col = found[0]
            notes.append(f"Column '{wave_col}' read as the survey wave (header word '{found[1]}').")
    if wave_col is not None:
        if wave_col in taken:
            raise InputError(f"The column '{wave_col}' cannot be both the count and the wave column.", **where)
        taken.add(wave_col)
    elif wave_label is not None:
        notes.append(f"No wave column: every row read as wave {wave_label}.")
    else:
        notes.append("No wave column and no wave given: the wave is left blank.")
    return wave_col


def _unit_column(raw: RawTable, unit_col: str | None, taken: set[str], notes: list[str], where: dict) -> str:
    """The column the user named (not the count or wave column), else :func:`_find_unit_column`; refused
    if none; added to ``taken``."""
    if unit_col is not None:
        unit_col = raw.resolve_column(unit_col, role="unit")
        if unit_col in taken:
            raise InputError(f"The column '{unit_col}' cannot be both the unit column and the count or wave "
                             "column.", **where)
        notes.append(f"Column '{unit_col}' read as the unit names (as chosen).")
    else:
        unit_col = _find_unit_column(raw, taken, notes)
        if unit_col is None:
            raise InputError("No column with the names of the teams or organisations was found. Name the unit "
                             "column.", **where)
    taken.add(unit_col)
    return unit_col


def _result_columns(raw: RawTable, codebook: Codebook, taken: set[str], rows: list[int], notes: list[str],
                    where: dict) -> list[tuple[str, str, str, list[float | None]]]:
    """``(column, measure, kind, values)`` of every result column kept; refused when there is none or
    two columns give the same measure and kind."""
    kept: list[tuple[str, str, str, list[float | None]]] = []
    for column in raw.columns:
        if column in taken:
            continue
        result = _read_result_column(raw, column, codebook, rows, notes, where)
        if result is not None:
            kept.append((column, *result))
    if not kept:
        raise InputError("No column of scores or percentages was found next to the unit and count columns.",
                         **where)
    seen: dict[tuple[str, str], str] = {}
    for column, measure, kind, _ in kept:
        if (measure, kind) in seen:
            raise InputError(f"The columns '{seen[(measure, kind)]}' and '{column}' both give {measure} "
                             f"({'scores' if kind == VALUE_KIND_SCORE else 'percentages'}); remove one of them.",
                             **where)
        seen[(measure, kind)] = column
    return kept


@dataclass
class _UnitTable:
    """The rows of a unit-level file, column by column, turned into long records."""

    rows: list[int]
    units: list[str | None]
    waves: list[str | None]
    counts: list[int | None]
    kept: list[tuple[str, str, str, list[float | None]]]
    unit_col: str
    wave_col: str | None
    wave_label: str | None
    where: dict
    skipped_blank: int = 0

    def records(self) -> list[tuple]:
        """``(wave, unit, measure, n, value, kind)`` per unit row and result column. A row without a unit
        name is skipped when it has no figure and refused otherwise; a unit twice in one wave is refused."""
        records = []
        seen_units: dict[tuple[str | None, str], int] = {}
        for i, row in enumerate(self.rows):
            if self.units[i] is None:
                self._skip_unnamed(i, row)
                continue
            wave = self._wave(i, row)
            key = (wave, self.units[i])
            if key in seen_units:
                raise InputError(f"The unit '{self.units[i]}' appears twice{f' in wave {wave}' if wave else ''} "
                                 f"(rows {seen_units[key]} and {row}). Remove the repeat, or name a unit column "
                                 "whose names are unique.", column=self.unit_col, row=row, **self.where)
            seen_units[key] = row
            for _, measure, kind, values in self.kept:
                records.append((wave, self.units[i], measure, self.counts[i], values[i], kind))
        return records

    def _skip_unnamed(self, i: int, row: int) -> None:
        has_figures = self.counts[i] is not None or any(values[i] is not None for *_, values in self.kept)
        if has_figures:
            raise InputError("This row has figures but no unit name. Fill in the name or delete the row.",
                             column=self.unit_col, row=row, **self.where)
        self.skipped_blank += 1

    def _wave(self, i: int, row: int) -> str | None:
        """The row's wave; a blank wave cell takes ``wave_label``, refused when there is none."""
        wave = self.waves[i]
        if wave is None and self.wave_col is not None:
            if self.wave_label is None:
                raise InputError("This row has no wave. Fill it in, or give the wave for rows without one.",
                                 column=self.wave_col, row=row, **self.where)
            wave = self.wave_label
        return wave


def _find_unit_column(raw: RawTable, taken: set[str], notes: list[str]) -> str | None:
    found = recognise_unit_columns(raw, exclude=list(taken))
    for role in ("team", "directorate"):
        if role in found:
            column, phrase = found[role]
            notes.append(f"Column '{column}' read as the unit names (header word '{phrase}').")
            other = found.get("directorate") if role == "team" else None
            if other is not None:
                notes.append(f"Column '{other[0]}' (the parent unit) is not used: each row is read as one unit of "
                             f"column '{column}'.")
            return column
    wanted = set(UNIT_NAME_HEADERS)
    for column in raw.columns:
        if column not in taken and any(_header_key(t) in wanted for t in raw.texts_of(column)):
            notes.append(f"Column '{column}' read as the unit names.")
            return column
    for column in raw.columns:
        if column in taken:
            continue
        numbers, bad = _numeric_share(_parse_column(raw, column))
        if bad > numbers:
            notes.append(f"Column '{column}' read as the unit names (the first column of text).")
            return column
    return None


def _read_result_column(raw: RawTable, column: str, codebook: Codebook, rows: list[int], notes: list[str],
                        where: dict) -> tuple[str, str, list[float | None]] | None:
    """Read one candidate result column: ``(measure, value_kind, values)``, or None when left out.

    Left out (with a note): an empty column; a column of mostly text that names no measure or question;
    a column that names neither and whose values lie outside the range of its kind. A bad cell in a
    column that is kept, or a value out of range in a column that names a measure or question, is
    refused (cell named).
    """
    cells = _parse_column(raw, column)
    meaning = _column_meaning(raw, column, codebook)
    if not _usable_result_column(column, cells, meaning, rows, notes, where):
        return None
    texts = raw.texts_of(column)
    any_percent_sign = any(c.percent_sign for c in cells)
    says_percent = any_percent_sign or any("%" in t for t in texts) or _has_words(texts, PERCENT_WORDS)
    kind = _value_kind(meaning, says_percent, _has_words(texts, SCORE_WORDS))
    measure = meaning[0] if meaning is not None else column
    values = [c.value if c.kind == "number" else None for c in cells]
    what = _what_column_gives(measure, meaning)
    if kind == VALUE_KIND_PCT_POSITIVE:
        values = _read_percentages(column, cells, values, rows, meaning, what, says_percent, notes, where)
    else:
        values = _read_scores(column, values, rows, meaning, what, notes, where)
    if values is None:
        return None
    _note_markers(column, cells, notes)
    return measure, kind, values


def _note_markers(column: str, cells: list[_Cell], notes: list[str]) -> None:
    """Say how many cells held a missing marker ("*", "[c]" ...), and which markers, if any."""
    markers = sorted({c.text for c in cells if c.kind == "marker"})
    if markers:
        shown = ", ".join(f"'{m}'" for m in markers)
        notes.append(f"In column '{column}', {sum(c.kind == 'marker' for c in cells)} cell(s) marked {shown} read "
                     "as missing (not zero).")


def _usable_result_column(column: str, cells: list[_Cell], meaning: tuple[str, str] | None, rows: list[int],
                          notes: list[str], where: dict) -> bool:
    """False (with a note) for an empty column or one of mostly text naming nothing; a bad cell in any
    other column is refused."""
    numbers, bad = _numeric_share(cells)
    if numbers == 0 and bad == 0:
        notes.append(f"Column '{column}' is empty and was left out.")
        return False
    if meaning is None and bad >= numbers:
        notes.append(f"Column '{column}' holds text and was left out.")
        return False
    for row, cell in zip(rows, cells):
        if cell.kind == "bad":
            raise InputError(f"'{cell.text}' is not a number. Correct the cell, or mark a suppressed value with "
                             "'*' or leave it blank.", column=column, row=row, **where)
    return True


def _value_kind(meaning: tuple[str, str] | None, says_percent: bool, says_score: bool) -> str:
    """A question column is % positive unless its header says score (and not percent); any other column is
    percentages when something says percent, else a 0–10 score."""
    if meaning is not None and meaning[1] == "item":
        return VALUE_KIND_SCORE if says_score and not says_percent else VALUE_KIND_PCT_POSITIVE
    return VALUE_KIND_PCT_POSITIVE if says_percent else VALUE_KIND_SCORE


def _what_column_gives(measure: str, meaning: tuple[str, str] | None) -> str:
    """For the notes: "measure 'x'", "question q9f", or "not a codebook measure; ..."."""
    if meaning is None:
        return "not a codebook measure; kept under its header"
    return f"measure '{measure}'" if meaning[1] == "measure" else f"question {measure}"


def _values_in_range(column: str, values: list[float | None], rows: list[int], meaning: tuple[str, str] | None,
                     high: float, notes: list[str], where: dict) -> bool:
    """Every value lies in 0..``high``. Otherwise a column naming nothing is left out (False, with a note)
    and one naming a measure or question is refused at its first value out of range."""
    for row, value in zip(rows, values):
        if value is None or 0 <= value <= high:
            continue
        if meaning is None:
            scale = "a 0–10 score" if high == 10 else "a score"
            notes.append(f"Column '{column}' has values outside 0–{high:g} and is neither {scale} nor a "
                         "percentage; it was left out.")
            return False
        if high == 100:
            raise InputError(f"{_fmt(value)} is not a percentage (0 to 100). Correct the cell.", column=column,
                             row=row, **where)
        raise InputError(f"{_fmt(value)} is outside the 0–10 score scale. Correct the cell, or, if the "
                         "column holds percentages, put '%' in its header.", column=column, row=row, **where)
    return True


def _read_percentages(column: str, cells: list[_Cell], values: list[float | None], rows: list[int],
                      meaning: tuple[str, str] | None, what: str, says_percent: bool, notes: list[str],
                      where: dict) -> list[float | None] | None:
    """Percentages 0–100; values all in [0, 1] without percent signs are fractions (times 100, noted)."""
    fractions = _are_fractions(cells, values)
    if fractions:
        values = [v * 100 if v is not None else None for v in values]
    if not _values_in_range(column, values, rows, meaning, 100, notes, where):
        return None
    if meaning is not None and meaning[1] == "item" and not says_percent:
        what += ": question-level results are % positive"
    notes.append(_percentages_note(column, cells, what))
    if fractions:
        notes.append(f"The values in column '{column}' all lie between 0 and 1, so they were read as fractions "
                     "and multiplied by 100.")
    return values


def _are_fractions(cells: list[_Cell], values: list[float | None]) -> bool:
    """No cell has a percent sign and every value (at least one) lies in [0, 1]: Excel's 0.63 for 63%."""
    numeric = [v for v in values if v is not None]
    return bool(numeric) and not any(c.percent_sign for c in cells) and all(0 <= v <= 1 for v in numeric)


def _percentages_note(column: str, cells: list[_Cell], what: str) -> str:
    """"Column 'x' read as percentages (...)", with how the first "63%"-style cell was read."""
    note = f"Column '{column}' read as percentages ({what})"
    example = next((c.text for c in cells if c.percent_sign), None)
    if example is not None:
        note += f"; '{example}' read as {_fmt(float(example.rstrip('% ').replace(',', '')))}"
    return note + "."


def _read_scores(column: str, values: list[float | None], rows: list[int], meaning: tuple[str, str] | None,
                 what: str, notes: list[str], where: dict) -> list[float | None] | None:
    """0–10 scores."""
    if not _values_in_range(column, values, rows, meaning, 10, notes, where):
        return None
    notes.append(f"Column '{column}' read as a 0–10 score ({what}).")
    return values

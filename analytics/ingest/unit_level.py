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
from analytics.ingest.column_kinds import (COLUMN_KIND_COLUMNS, KIND_COUNT, KIND_FRACTION, KIND_NOT_USED,
                                           KIND_PCT_UNFAVOURABLE, KIND_RESPONSE_RATE, KIND_SCORE, KINDS, OUTSIDE_SCALES,
                                           decide_kind, is_unfavourable)
from analytics.ingest.comparators import comparator_kind
from analytics.ingest.published_shapes import (SHAPE_UNIT_ROWS, Reshaped, detect_shape, holds_answer_labels,
                                              org_year_key, reshape)
from analytics.ingest.published_table import (  # noqa: F401 (UNIT_RESULT_COLUMNS re-exported)
    COMPARATOR_RESULT_COLUMNS, PUBLISHED_NOTE, UNIT_PROPERTY_COLUMNS, UNIT_RESULT_COLUMNS,
    VALUE_KIND_PCT_UNFAVOURABLE, _closing_notes, _Column, _kinds_table, _UnitTable,
)
from analytics.ingest.raw import RawTable
from analytics.ingest.published_cells import (  # noqa: F401 (re-exported for tests and callers)
    _FEWER_THAN, MISSING_MARKERS, _Cell, _is_blank, _label_text, _parse_cell, _parse_column, _rows,
)

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
        * ``n`` — the figure's response count (nullable integer; missing when the file suppresses it or
          gives none);
        * ``value`` — the figure, at full precision; missing (NaN) for blanks and suppression markers;
        * ``value_kind`` — ``"score"`` (0–10), ``"pct_positive"`` (0–100, higher is better) or
          ``"pct_unfavourable"`` (0–100, higher is worse: burnout, stress). Fractions are already x 100.
    notes
        Every decision taken, in plain words, for the user to check.
    unit_col, count_col, wave_col
        The columns used (``count_col`` None when the file gives no count column).
    columns
        Result column header -> the ``measure`` it was read as.
    column_kinds
        The kinds table (:data:`analytics.ingest.column_kinds.COLUMN_KIND_COLUMNS`: column, kind, measure,
        why), one row per column considered; pass ``{column: kind}`` back as ``column_kinds=`` to override.
    comparators
        Comparator rows (medians, means, best, worst, totals), never units: the columns of ``frame`` plus
        ``kind`` (:func:`analytics.ingest.comparators.comparator_kind`); ``unit`` holds the row's label.
    unit_properties
        Properties of units that are not scores (response rates, in %): ``wave, unit, property, value``.
    published_without_counts
        True when the file gives no response count at all: its figures are "published, already
        anonymised" and are shown as published (no k suppression is possible without counts).
    shape
        The shape read (:mod:`analytics.ingest.published_shapes`).
    level
        The reporting level the shape names (a long breakdown's DimName), else None.
    unit_labels
        Unit key -> name to show, when units are keyed by an ODS code (organisation x year tables; the
        latest name in the file). Empty otherwise.
    """

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    unit_col: str | None = None
    count_col: str | None = None
    wave_col: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    column_kinds: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COLUMN_KIND_COLUMNS)))
    comparators: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COMPARATOR_RESULT_COLUMNS)))
    unit_properties: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(UNIT_PROPERTY_COLUMNS)))
    published_without_counts: bool = False
    shape: str = SHAPE_UNIT_ROWS
    level: str | None = None
    unit_labels: dict[str, str] = field(default_factory=dict)


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
    if detect_shape(raw) != SHAPE_UNIT_ROWS:
        return True
    count_col = find_count_column(raw)
    if count_col is None:
        return False
    sample = raw.frame.head(sample_rows)
    head = RawTable(frame=sample, file_name=raw.file_name, sheet=raw.sheet, header_texts=raw.header_texts)
    if not _holds_counts(_parse_column(head, count_col)):
        return False
    return any(_holds_figures(_parse_column(head, column)) for column in head.columns if column != count_col)


def looks_published(raw: RawTable, *, sample_rows: int = 500) -> bool:
    """Whether a table without a count column looks like published unit results (asked only once no
    codebook question was recognised in it).

    True when some column of text names the units without repeating within a year (comparator rows
    aside), and at least half of the numeric columns hold figures with decimals or percent signs
    (:func:`_holds_figures`) — respondent exports hold labels or whole-number codes.
    """
    head = RawTable(frame=raw.frame.head(sample_rows), file_name=raw.file_name, sheet=raw.sheet,
                    header_texts=raw.header_texts)
    parsed = {c: _parse_column(head, c) for c in head.columns}
    numeric = [c for c, cells in parsed.items() if _numeric_share(cells)[0] > _numeric_share(cells)[1]]
    texts = [c for c in head.columns if c not in numeric]
    if not numeric or not texts:
        return False
    figures = [c for c in numeric if _holds_figures(parsed[c]) and _has_fractional_or_percent(parsed[c])]
    if len(figures) < max(1, len(numeric) / 2) or any(holds_answer_labels(head.frame[c]) for c in texts):
        return False
    return any(_names_units(head, column) for column in texts)


def _has_fractional_or_percent(cells: list[_Cell]) -> bool:
    return any(c.percent_sign or not float(c.value).is_integer() for c in cells if c.kind == "number")


def _names_units(raw: RawTable, column: str) -> bool:
    """The column's labels (comparator rows aside) never repeat within a wave (when a wave column exists)."""
    waves = recognise_unit_columns(raw).get("wave")
    labels = raw.frame[column]
    names = labels[[comparator_kind(v) is None for v in labels]].dropna()
    if not len(names):
        return False
    keys = pd.DataFrame({"u": names.astype(str)})
    if waves:
        keys["w"] = raw.frame.loc[names.index, waves[0]].astype(str)
    return not keys.duplicated().any()


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
    by_alias = getattr(codebook, "measure_by_alias", None)
    if by_alias is not None:
        found = by_alias(text)
        if found is not None:
            return getattr(found, "id", found)
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
    column_kinds: dict[str, str] | None = None,
) -> UnitResults:
    """Read published unit-level results (one row per team or organisation) into a long table.

    Parameters
    ----------
    raw
        The table as read; its index is the spreadsheet row number. Any shape of
        :mod:`analytics.ingest.published_shapes` (unit rows, organisation x year, long breakdown, NSS
        benchmark workbook, Likert distributions).
    codebook
        Used to recognise measure and question columns.
    unit_col, count_col, wave_col
        Columns the user names (any header text of any header row); otherwise recognised: the count
        column by :data:`COUNT_HEADERS` (none: the file is read as published without counts), the wave
        column and the unit column by the header words of
        :data:`analytics.ingest.mapping.UNIT_COLUMN_WORDS` (team words first, then directorate words, then
        :data:`UNIT_NAME_HEADERS`), else the unit column is the first text column.
    wave_label
        The wave of rows without one (all rows when there is no wave column).
    column_kinds
        ``{column: kind}`` overriding the kinds decided (:data:`analytics.ingest.column_kinds.KINDS`).

    Returns
    -------
    UnitResults
        ``frame`` (:data:`UNIT_RESULT_COLUMNS`), the kinds table, the comparators, unit properties and
        ``notes`` stating every decision.

    Raises
    ------
    InputError
        No unit column found; a count that is not a whole number >= 0; text in a numeric column (column
        and spreadsheet row named); a score outside 0–10 or a percentage outside 0–100 (column and row
        named); a row with figures but no unit name; the same unit twice in one wave; two columns giving
        the same measure and kind; no result column at all; an unknown kind in ``column_kinds``.

    Notes
    -----
    Column kinds: :mod:`analytics.ingest.column_kinds` (header words first, then values; never a
    fraction or a percentage read as a 0–10 score). A header naming a codebook measure exactly (id,
    label, or alias) gives that measure; one naming a question gives the item code; others keep their
    header. Comparator rows: :func:`analytics.ingest.comparators.comparator_kind`.

    Cell rules: blanks and the markers of :data:`MISSING_MARKERS` ("*", "-", "[c]", "suppressed",
    "n<11", ...) are **missing, never zero**. "63%" and "63.2 %" are 63 and 63.2. Counts may use
    thousands separators ("1,234"). Rows that are blank throughout are skipped.
    """
    shaped = reshape(raw, codebook)
    raw = shaped.raw
    where = {"file": raw.file_name, "sheet": raw.sheet}
    notes: list[str] = list(shaped.notes)
    rows = _rows(raw)
    count_col = _count_column(raw, count_col, notes, where, shaped)
    counts = _read_counts(raw, count_col, rows, notes, where) if count_col else [None] * len(rows)
    taken = {c for c in (count_col,) if c} | set(shaped.skip)
    wave_col = _wave_column(raw, wave_col or shaped.wave_col, wave_label, taken, notes, where)
    unit_col, labels = _org_year_key(raw, unit_col or shaped.unit_col, wave_col, taken, notes)
    unit_col = _unit_column(raw, unit_col, taken, notes, where)

    units = _comparators_without_key([_label_text(v) for v in raw.frame[unit_col].tolist()], raw)
    waves = ([_label_text(v) for v in raw.frame[wave_col].tolist()] if wave_col is not None
             else [wave_label] * len(rows))
    considered = _result_columns(raw, codebook, taken, rows, notes, where, shaped, column_kinds or {})
    kept = _with_own_counts(raw, considered, shaped, rows, notes, where)
    table = _UnitTable(rows, units, waves, counts, kept, unit_col, wave_col, wave_label, where,
                       comparators=shaped.comparators)
    frame, comparators, properties = table.tables()
    without_counts = count_col is None and not any(e.counts is not None for e in kept)
    _closing_notes(notes, table.skipped_blank, without_counts, comparators)
    return UnitResults(frame=frame, notes=notes, unit_col=unit_col, count_col=count_col, wave_col=wave_col,
                       columns={e.column: e.measure for e in kept if e.kind != KIND_RESPONSE_RATE},
                       column_kinds=_kinds_table(considered, count_col), comparators=comparators, unit_properties=properties,
                       published_without_counts=without_counts, shape=shaped.shape, level=shaped.level,
                       unit_labels=labels)


def _comparators_without_key(units: list[str | None], raw: RawTable) -> list[str | None]:
    """A row with no unit key (a "National median" row has no ODS code) whose other text names a comparator
    takes that label, so that it is kept apart as a comparator rather than refused as a nameless unit."""
    for i, unit in enumerate(units):
        if unit is None:
            labels = [_label_text(v) for v in raw.frame.iloc[i].tolist() if isinstance(v, str)]
            units[i] = next((t for t in labels if t and comparator_kind(t)), None)
    return units


def _org_year_key(raw: RawTable, unit_col: str | None, wave_col: str | None, taken: set[str],
                  notes: list[str]) -> tuple[str | None, dict[str, str]]:
    """An organisation x year table is keyed by its ODS code (names change between years); the name
    column gives the labels. Otherwise ``(unit_col, {})`` unchanged."""
    if unit_col is not None or wave_col is None:
        return unit_col, {}
    code, name = org_year_key(raw, taken)
    if code is None:
        return None, {}
    notes.append(f"Organisation x year table: organisations keyed by column '{code}' (codes stay the same when "
                 "names change)" + (f"; names from '{name}'." if name else "."))
    if name is None:
        return code, {}
    pairs = raw.frame[[code, name]].dropna()
    taken.add(name)
    return code, {_label_text(c): _label_text(n) for c, n in pairs.itertuples(index=False)}


def _with_own_counts(raw: RawTable, considered: list[_Column], shaped: Reshaped, rows: list[int], notes: list[str],
                     where: dict) -> list[_Column]:
    """The kept columns, with their own response counts read when the shape gives a count per figure."""
    kept = [e for e in considered if e.values is not None]
    for entry in kept:
        if entry.column in shaped.column_counts:
            entry.counts = _read_counts(raw, shaped.column_counts[entry.column], rows, notes, where)
    return kept


def _count_column(raw: RawTable, count_col: str | None, notes: list[str], where: dict, shaped: Reshaped) -> str | None:
    """The column the user named, else the one :func:`find_count_column` recognises, else None (the file
    is then read as published without counts, unless the shape gives counts per figure)."""
    if count_col is not None:
        count_col = raw.resolve_column(count_col, role="response-count")
        notes.append(f"Column '{count_col}' read as the number of responses (as chosen).")
        return count_col
    if shaped.column_counts:
        return None
    count_col = find_count_column(raw)
    if count_col is None:
        notes.append("No column with the number of responses (a header such as 'Responses', 'n' or 'Base').")
        return None
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
                    where: dict, shaped: Reshaped, overrides: dict[str, str]) -> list[_Column]:
    """Every column considered as a figure (:class:`_Column`; ``values`` None when left out); refused
    when none is kept or two columns give the same measure and kind."""
    unknown = {c: k for c, k in overrides.items() if k not in KINDS}
    if unknown:
        raise InputError(f"Unknown column kind(s) {unknown}; the kinds are {', '.join(KINDS)}.", **where)
    considered: list[_Column] = []
    for column in raw.columns:
        if column in taken:
            continue
        forced = shaped.kinds.get(column)
        if column in overrides:
            forced = (overrides[column], "chosen by the user")
        entry = _read_result_column(raw, column, codebook, rows, notes, where, forced)
        if entry is not None:
            considered.append(entry)
    kept = [e for e in considered if e.values is not None]
    if not kept:
        raise InputError("No column of scores or percentages was found next to the unit and count columns.",
                         **where)
    seen: dict[tuple[str, str], str] = {}
    for e in kept:
        key = (e.measure, e.value_kind)
        if key in seen and e.kind != KIND_RESPONSE_RATE:
            raise InputError(f"The columns '{seen[key]}' and '{e.column}' both give {e.measure} "
                             f"({'scores' if e.value_kind == VALUE_KIND_SCORE else 'percentages'}); remove one "
                             "of them.", **where)
        seen[key] = e.column
    return considered


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
                        where: dict, forced: tuple[str, str] | None = None) -> _Column | None:
    """Read one candidate result column (:class:`_Column`), or None when left out.

    The kind comes from ``forced`` (the user's override, or a shape's derived column), else
    :func:`analytics.ingest.column_kinds.decide_kind`. Left out (with a note): an empty column; a column
    of mostly text that names no measure or question; a count or "not used" column; a column that names
    neither and whose values lie outside the range of its kind. A bad cell in a column that is kept, or
    a value out of range in a column that names a measure or question, is refused (cell named).
    """
    cells = _parse_column(raw, column)
    meaning = _column_meaning(raw, column, codebook)
    if not _usable_result_column(column, cells, meaning, rows, notes, where):
        return None
    texts = raw.texts_of(column)
    kind, why = forced if forced is not None else decide_kind(texts, cells, meaning)
    measure = meaning[0] if meaning is not None else column
    entry = _Column(column, measure, kind, why)
    if kind in (KIND_COUNT, KIND_NOT_USED):
        if why == OUTSIDE_SCALES:
            notes.append(f"Column '{column}' has values outside 0–10 and is neither a 0–10 score nor a percentage; "
                         "it was left out.")
        else:
            notes.append(f"Column '{column}' not read as a figure ({kind.replace('_', ' ')}: {why}).")
        return entry
    values = [c.value if c.kind == "number" else None for c in cells]
    what = _what_column_gives(measure, meaning)
    if kind == KIND_SCORE:
        entry.values = _read_scores(column, values, rows, meaning, what, notes, where)
        entry.value_kind = VALUE_KIND_SCORE
    else:
        fractions = kind == KIND_FRACTION or (kind == KIND_RESPONSE_RATE and _are_fractions(cells, values))
        entry.values = _read_percentages(column, cells, values, rows, meaning, what, fractions, notes, where)
        entry.value_kind = (VALUE_KIND_PCT_UNFAVOURABLE if kind == KIND_PCT_UNFAVOURABLE
                            or (kind == KIND_FRACTION and is_unfavourable(texts)) else VALUE_KIND_PCT_POSITIVE)
    if entry.values is None:
        entry.kind, entry.why = KIND_NOT_USED, f"values outside the range of {kind.replace('_', ' ')}"
        return entry
    _note_markers(column, cells, notes)
    return entry


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
                      meaning: tuple[str, str] | None, what: str, fractions: bool, notes: list[str],
                      where: dict) -> list[float | None] | None:
    """Percentages 0–100; fractions (values 0–1) are multiplied by 100 (noted)."""
    if fractions:
        values = [v * 100 if v is not None else None for v in values]
    if not _values_in_range(column, values, rows, meaning, 100, notes, where):
        return None
    texts_say_percent = any(c.percent_sign for c in cells)
    if meaning is not None and meaning[1] == "item" and not texts_say_percent and "%" not in column \
            and "positive" not in column.casefold():
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

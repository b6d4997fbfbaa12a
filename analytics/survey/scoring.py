"""Scoring survey responses: answers -> 0-10 item scores -> respondent measures -> unit tables.

The rules are those of shared/design/domain.md §1 (NHS Staff Survey method) and §2 (anonymity).

Item scores
    An answer at position ``p`` (1 = first option as the scale is worded, e.g. "Strongly disagree") of a
    ``k``-option scale scores ``(p - 1) / (k - 1) * 10``; a reverse-keyed item scores
    ``(k - p) / (k - 1) * 10``. So a 5-point item scores 0, 2.5, 5, 7.5, 10; a 3-option item 0, 5, 10;
    yes/no 0, 10.

Recognising answers (:func:`answer_positions`)
    * Text labels are compared after :func:`analytics.ingest.codebook.normalise_label`: case, repeated or
      non-breaking spaces, curly apostrophes/quotes and a trailing full stop do not matter.
    * Numeric codes ``1..k`` are accepted as numbers or as text (``4``, ``4.0``, ``"4"``, ``" 4 "``),
      except on a scale whose options are themselves numbers (e.g. 0-10), where a number is matched to
      the option of that value.
    * A label preceded by a number, as some tools export it (``"5 - Strongly agree"``, ``"(2) Disagree"``,
      ``"4. Often"``), is matched on its label; the number is ignored, because tools number scales
      differently (0- or 1-based, sometimes from the favourable end).
    * A scale whose options are those of a known scale (:data:`analytics.ingest.answer_scales.KNOWN_SCALES`)
      also accepts every other wording of each position: "Neutral" or "Neither" is the midpoint of an
      agreement scale, "Most of the time" is "Often" (:func:`analytics.ingest.answer_scales.option_aliases`).
    * The codebook's ``missing_options`` ("Don't know", "Not applicable", "Prefer not to say" ...) and
      blank cells are missing: never zero.
    * Anything else - an unknown label, a code outside ``1..k`` such as 0, 7 on a 1-5 item or 2.5 - is
      a data-quality finding (kind ``unknown_label`` or ``out_of_range``) naming the column and the
      spreadsheet rows, and the cell is treated as missing for scoring.

Respondent measures
    * Sub-score = mean of the item scores the respondent has, if they answered at least half of the
      measure's items (``answered * 2 >= items``: 2 of 3, 2 of 4, 4 of 7); otherwise missing. The number
      of items is the measure's number in the codebook: an item that is not in the file counts as
      unanswered (a finding says so), so a score always rests on at least half of the measure.
    * Theme (morale, staff engagement) = mean of the respondent's sub-scores, only when all are present.

Unit tables (:func:`unit_scores`, :func:`item_results`)
    Computed at organisation, directorate (when the file has a directorate column) and team level, then
    suppressed by :func:`analytics.survey.privacy.suppress_unit_table` before they are returned: no
    unsuppressed unit table leaves this module. Respondent-level frames (:class:`ScoredResponses`) stay
    inside the analytics layer.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse, stats

from analytics.ingest.names import clean_name, merge_spellings, spelling_findings
from analytics.ingest import quality
from analytics import settings
from analytics.ingest.answer_scales import option_aliases
from analytics.ingest.codebook import Codebook, Scale, custom_item_code, normalise_label
from analytics.errors import InputError
from analytics.ingest.mapping import Mapping
from analytics.survey.privacy import check_min_group_size, suppress_unit_table
from analytics.ingest.raw import RawTable

#: A whole or decimal number written as text (after normalisation).
_NUMBER_PATTERN = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
#: A label preceded by a number: "5 - Strongly agree", "(2) Disagree", "4. Often", "3: Sometimes".
_PREFIX_PATTERN = "^\\(?[0-9]{1,2}\\)?\\s*[-\u2013\u2014:.)=]?\\s*([^0-9\\s].*)$"


# ------------------------------------------------------------------------------------------------
# Answers -> positions
# ------------------------------------------------------------------------------------------------
@dataclass
class AnswerPositions:
    """Where each answer of one column sits on its scale.

    Attributes
    ----------
    positions
        Float array, one per row: the position ``1..k`` of the answer as the scale is worded (before
        reverse keying); ``NaN`` when missing (blank, a "don't know"-type answer) or not on the scale.
    invalid_rows
        Row positions (0-based, into the column) of the values that are not on the scale.
    invalid_values
        Those values as text (``"7"``, ``"Strongly agre"``).
    invalid_kinds
        ``"out_of_range"`` for numbers, ``"unknown_label"`` for text, per invalid value.
    """

    positions: np.ndarray
    invalid_rows: np.ndarray
    invalid_values: np.ndarray
    invalid_kinds: np.ndarray


def _number_text(value: float) -> str:
    """A number as a person would write it: 7.0 -> "7", 2.5 -> "2.5"."""
    value = float(value)
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return f"{value:.15g}"


def _display_text(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, numbers.Real):
        return _number_text(float(value))
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    return str(value)


def _normalise_texts(texts: pa.Array) -> pa.Array:
    """Vectorised :func:`analytics.ingest.codebook.normalise_label` on an Arrow string array."""
    s = pc.replace_substring_regex(texts, pattern="[\u2018\u2019]", replacement="'")
    s = pc.replace_substring_regex(s, pattern="[\u201c\u201d]", replacement='"')
    s = pc.replace_substring_regex(s, pattern="(?:\\s|\\p{Z})+", replacement=" ")
    s = pc.utf8_lower(pc.utf8_trim_whitespace(s))
    s = pc.utf8_rtrim(s, characters=".")
    return pc.utf8_trim_whitespace(s)


def _option_numbers(options: list[str]) -> np.ndarray | None:
    """The options' values when every option of the scale is a number (e.g. a 0-10 scale), else None."""
    try:
        return np.array([float(o) for o in options], dtype="float64")
    except ValueError:
        return None


def _code_positions(values: np.ndarray, n_options: int, option_numbers: np.ndarray | None) -> np.ndarray:
    """Positions of numeric answers: codes ``1..k``, or the option of that value on a numeric scale."""
    positions = np.full(values.shape, np.nan)
    if option_numbers is not None:
        for index, number in enumerate(option_numbers):
            positions[values == number] = index + 1
        return positions
    with np.errstate(invalid="ignore"):
        valid = (values >= 1) & (values <= n_options) & (values == np.floor(values))
    positions[valid] = values[valid]
    return positions


def _index_in(texts: pa.Array, value_set: pa.Array) -> np.ndarray:
    """1-based position of each text in ``value_set`` as floats, NaN when absent."""
    found = pc.index_in(texts, value_set=value_set)
    return pc.add(found, 1).to_numpy(zero_copy_only=False).astype("float64")


def _positions_of_numeric_column(values: pd.Series, n_options: int, option_numbers) -> AnswerPositions:
    """:func:`answer_positions` of a numeric column: each number read as an answer code
    (:func:`_code_positions`); a number that is no code of the scale is an out-of-range finding."""
    empty = np.array([], dtype=object)
    numbers_ = values.to_numpy(dtype="float64", na_value=np.nan)
    positions = _code_positions(numbers_, n_options, option_numbers)
    invalid_rows = np.flatnonzero(~np.isnan(numbers_) & np.isnan(positions))
    if invalid_rows.size == 0:
        return AnswerPositions(positions, invalid_rows, empty, empty)
    distinct, inverse = np.unique(numbers_[invalid_rows], return_inverse=True)
    texts = np.array([_number_text(v) for v in distinct], dtype=object)[inverse]
    kinds = np.full(invalid_rows.size, quality.KIND_OUT_OF_RANGE, dtype=object)
    return AnswerPositions(positions, invalid_rows, texts, kinds)


def _numbers_of(distinct: np.ndarray, normalised: pa.Array, is_number: np.ndarray) -> np.ndarray:
    """The number each distinct cell holds: a real number in the cell, or text that reads as a number
    (NaN for other text)."""
    unique_numbers = np.full(distinct.size, np.nan)
    unique_numbers[is_number] = distinct[is_number].astype("float64")
    looks_numeric = pc.match_substring_regex(normalised, pattern=_NUMBER_PATTERN).to_numpy(zero_copy_only=False)
    text_numbers = looks_numeric & ~is_number
    if text_numbers.any():
        texts = np.asarray(normalised.to_pylist(), dtype=object)[text_numbers]
        unique_numbers[text_numbers] = [float(t) for t in texts]
    return unique_numbers


def _match_without_prefix(normalised: pa.Array, unmatched: np.ndarray, unique_positions: np.ndarray,
                          is_missing: np.ndarray, option_set: pa.Array, missing_set: pa.Array,
                          option_index: np.ndarray) -> np.ndarray:
    """Second chance for labels not matched as they are: the label without a leading code ("5 - Strongly
    agree", "(1) Never") matched again. Fills ``unique_positions`` in place; returns ``is_missing`` with the
    labels that are "don't know"-type options once their prefix is removed."""
    stripped = pc.replace_substring_regex(normalised, pattern=_PREFIX_PATTERN, replacement="\\1")
    changed = pc.not_equal(stripped, normalised).to_numpy(zero_copy_only=False)
    prefix_positions = option_index[np.nan_to_num(_index_in(stripped, option_set)).astype(np.int64)]
    prefix_missing = pc.is_in(stripped, value_set=missing_set).to_numpy(zero_copy_only=False)
    take = unmatched & changed & ~np.isnan(prefix_positions)
    unique_positions[take] = prefix_positions[take]
    return is_missing | (unmatched & changed & prefix_missing)


def answer_positions(values: pd.Series, options: tuple[str, ...] | list[str],
                     missing_options: tuple[str, ...] | list[str] = ()) -> AnswerPositions:
    """Recognise the answers of one column on a scale (see the module docstring for the rules).

    Parameters
    ----------
    values
        The column as read: text, numbers, or a mix (object dtype).
    options
        The scale's options from position 1 to ``k``.
    missing_options
        Answers that mean "no answer" ("Don't know" ...), matched like labels.

    Returns
    -------
    AnswerPositions

    Notes
    -----
    Vectorised: distinct values are found once (``pandas.factorize``), normalised and matched with
    ``pyarrow.compute`` (``index_in``), and the positions are spread back to the rows by indexing, so the
    cost per row is an array look-up whatever the number of rows. Purely numeric columns are handled
    with NumPy.

    Examples
    --------
    >>> answer_positions(pd.Series(["Agree ", "STRONGLY agree", "4", "Don\u2019t know", 7]),
    ...                  ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"],
    ...                  ["Don't know"]).positions.tolist()
    [4.0, 5.0, 4.0, nan, nan]
    """
    n_options = len(options)
    norm_options = [normalise_label(o) for o in options]
    option_numbers = _option_numbers(norm_options)
    lookup = {**option_aliases(options), **{o: p for p, o in enumerate(norm_options, start=1)}}
    option_set = pa.array(list(lookup), type=pa.string())
    option_index = np.array([np.nan, *lookup.values()], dtype="float64")
    missing_set = pa.array(sorted({normalise_label(m) for m in missing_options} | {""}), type=pa.string())
    empty = np.array([], dtype=object)

    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return _positions_of_numeric_column(values, n_options, option_numbers)

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = np.asarray(uniques.to_numpy(dtype=object) if hasattr(uniques, "to_numpy") else uniques, dtype=object)
    if distinct.size == 0:
        return AnswerPositions(np.full(len(values), np.nan), np.array([], dtype=np.int64), empty, empty)
    is_number = np.array([isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_) for v in distinct])
    display = np.array([_display_text(v) for v in distinct], dtype=object)
    normalised = _normalise_texts(pa.array(display.tolist(), type=pa.string()))
    unique_numbers = _numbers_of(distinct, normalised, is_number)

    unique_positions = option_index[np.nan_to_num(_index_in(normalised, option_set)).astype(np.int64)]
    is_missing = pc.is_in(normalised, value_set=missing_set).to_numpy(zero_copy_only=False)
    numeric = ~np.isnan(unique_numbers)
    use_code = np.isnan(unique_positions) & ~is_missing & numeric
    if use_code.any():
        unique_positions[use_code] = _code_positions(unique_numbers[use_code], n_options, option_numbers)
    unmatched = np.isnan(unique_positions) & ~is_missing & ~numeric
    if unmatched.any():
        is_missing = _match_without_prefix(normalised, unmatched, unique_positions, is_missing, option_set,
                                           missing_set, option_index)
    unique_invalid = np.isnan(unique_positions) & ~is_missing

    positions = np.append(unique_positions, np.nan)[codes]
    invalid_rows = np.flatnonzero(np.append(unique_invalid, False)[codes])
    if invalid_rows.size == 0:
        return AnswerPositions(positions, invalid_rows, empty, empty)
    invalid_codes = codes[invalid_rows]
    kinds_u = np.where(numeric, quality.KIND_OUT_OF_RANGE, quality.KIND_UNKNOWN_LABEL).astype(object)
    return AnswerPositions(positions, invalid_rows, display[invalid_codes], kinds_u[invalid_codes])


def item_score(positions: np.ndarray, n_options: int, reverse: bool = False) -> np.ndarray:
    """0-10 item scores from answer positions: ``(p - 1) / (k - 1) * 10``, or ``(k - p) / (k - 1) * 10``
    for a reverse-keyed item (domain.md §1). ``NaN`` stays ``NaN``.

    >>> item_score(np.array([1.0, 3.0, 5.0, np.nan]), 5).tolist()
    [0.0, 5.0, 10.0, nan]
    >>> item_score(np.array([1.0, 2.0]), 5, reverse=True).tolist()
    [10.0, 7.5]
    """
    keyed = (n_options + 1 - positions) if reverse else positions
    return (keyed - 1.0) / (n_options - 1) * 10.0


def favourable_from_position(n_options: int) -> int:
    """The lowest keyed position (after reverse keying) counted as a positive answer.

    The NHS Staff Survey's question-level "% positive" counts the two favourable options of a 5-point
    item (Agree + Strongly agree; Often + Always). In general: the top two options of a scale with at
    least 4 options, the top one of a scale with 2 or 3 options (Yes; the favourable end of a 3-point
    scale), so that "positive" never includes the middle of a short scale.

    >>> favourable_from_position(5), favourable_from_position(3), favourable_from_position(2)
    (4, 3, 2)
    """
    return n_options - 1 if n_options >= 4 else n_options


# ------------------------------------------------------------------------------------------------
# Respondent scores
# ------------------------------------------------------------------------------------------------
@dataclass
class ScoredResponses:
    """Respondent-level scores of one or more files. Stays inside the analytics layer.

    Attributes
    ----------
    respondents
        One row per respondent; index = spreadsheet row of the file (after combining files, a plain
        range). Columns: ``wave``, ``directorate``, ``team`` (text), then one float column per measure
        id of the codebook (including local measures), 0-10, ``NaN`` when the respondent has no score.
        ``directorate`` is missing for every row when the file has no directorate column (no
        directorate level is then reported); likewise ``team`` when there is no team column. A blank
        team or directorate cell is :data:`~analytics.settings.NOT_RECORDED_UNIT`.
    item_scores
        Same index; one float column per mapped item code, 0-10 after reverse keying, ``NaN`` missing.
    findings
        Data-quality findings (:mod:`analytics.ingest.quality`, columns
        :data:`~analytics.settings.FINDING_COLUMNS`).
    codebook
        The codebook used, extended with the mapping's local measures.
    item_columns
        Item code -> the file's column it was read from.
    """

    respondents: pd.DataFrame
    item_scores: pd.DataFrame
    findings: pd.DataFrame
    codebook: Codebook | None = None
    item_columns: dict[str, str] = field(default_factory=dict)


def _require_column(raw: RawTable, column: str, role: str) -> str:
    if column in raw.frame.columns:
        return column
    return raw.resolve_column(column, role=role)


def _mapped_items(raw: RawTable, mapping: Mapping, book: Codebook) -> dict[str, str]:
    """Item code -> column, for the mapping's items and the local measures' columns."""
    items: dict[str, str] = {}

    def add(code: str, column: str) -> None:
        if code not in book.items and code.casefold() in book.items:
            code = code.casefold()
        if code not in book.items:
            raise InputError(f"The column is mapped to the question '{code}', which the codebook '{book.name}' does "
                             "not define. Choose a question of the codebook, or define a local measure.",
                             file=raw.file_name, sheet=raw.sheet, column=column)
        if code in items and items[code] != column:
            raise InputError(f"Two columns ('{items[code]}' and '{column}') are both mapped to the question "
                             f"'{code}'. Map only one of them.", file=raw.file_name, sheet=raw.sheet, column=column)
        items[code] = column

    for column, code in mapping.items.items():
        add(str(code), _require_column(raw, column, "question"))
    for measure in mapping.custom_measures:
        for column in measure.columns:
            add(custom_item_code(measure.id, column), _require_column(raw, column, f"'{measure.label}' question"))
    return items


def _clean_unit_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return clean_name(_display_text(value))


def _unit_texts(series: pd.Series) -> pd.Series:
    """A unit (or wave) column as clean text: numbers without a spurious ``.0`` (2024.0 -> "2024"),
    outer and repeated spaces removed; blank cells missing. Distinct values are converted once."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    distinct = uniques.to_numpy(dtype=object) if hasattr(uniques, "to_numpy") else np.asarray(uniques, dtype=object)
    texts = np.array([_clean_unit_text(v) for v in distinct] + [None], dtype=object)
    return pd.Series(texts[codes], index=series.index, dtype="str")


def _wave_values(raw: RawTable, mapping: Mapping, wave: str | None) -> tuple[pd.Series, pd.DataFrame]:
    frame = raw.frame
    fallback = next((str(w).strip() for w in (mapping.wave_label, wave) if w is not None and str(w).strip()), None)
    if fallback is not None:
        fallback = _clean_unit_text(fallback)
    if mapping.wave_col is None:
        if fallback is None:
            raise InputError("The survey year (wave) of this file is not known: it has no wave column. Give the "
                             "wave (for example 2025), or choose the column that holds it.",
                             file=raw.file_name, sheet=raw.sheet)
        return pd.Series(fallback, index=frame.index, dtype="str"), quality.empty_findings()
    column = _require_column(raw, mapping.wave_col, "wave")
    waves = _unit_texts(frame[column])
    blank = waves.isna()
    if not blank.any():
        return waves, quality.empty_findings()
    if fallback is None:
        raise InputError(f"The wave (survey year) is blank in rows {quality.format_rows(frame.index[blank])}. "
                         "Fill them in, or give a wave for the whole file.",
                         file=raw.file_name, sheet=raw.sheet, column=column, row=int(frame.index[blank][0]))
    findings = quality.wave_filled_findings(blank, column=column, wave=fallback, file=raw.file_name, sheet=raw.sheet)
    return waves.fillna(fallback), findings


def _scale_text(scale: Scale) -> str:
    options = scale.options
    if _option_numbers([normalise_label(o) for o in options]) is not None:
        return ", ".join(options)
    return f"1-{len(options)} or {options[0]} \u2026 {options[-1]}"


@dataclass
class _ItemScores:
    """Every mapped item of a file scored: ``scores`` (0–10, NaN missing) and ``positions`` (answer option,
    for straight-lining) as column-major matrices in item order, the cells that could not be read
    (``invalid_parts``: column, row, value, kind), each column's scale in words, and the items of each scale."""

    scores: np.ndarray
    positions: np.ndarray
    invalid_parts: list[pd.DataFrame]
    scale_texts: dict[str, str]
    blocks: dict[str, list[str]]


def _unit_columns(raw: RawTable, mapping: Mapping) -> tuple[dict[str, pd.Series], list[pd.DataFrame]]:
    """Each respondent's directorate and team as text (blank: :data:`~analytics.settings.NOT_RECORDED_UNIT`,
    with a finding), or all-missing when the mapping has no such column."""
    unit_values: dict[str, pd.Series] = {}
    unit_findings: list[pd.DataFrame] = []
    for role, column in (("directorate", mapping.directorate_col), ("team", mapping.team_col)):
        if column is None:
            unit_values[role] = pd.Series(np.nan, index=raw.frame.index, dtype="str")
            continue
        column = _require_column(raw, column, role)
        texts, merges = merge_spellings(_unit_texts(raw.frame[column]))
        unit_findings.append(quality.unit_not_recorded_findings(texts.isna(), column=column, role=role,
                                                                file=raw.file_name, sheet=raw.sheet))
        if merges:
            unit_findings.append(spelling_findings(merges, column=column, role=role, file=raw.file_name,
                                                   sheet=raw.sheet))
        unit_values[role] = texts.fillna(settings.NOT_RECORDED_UNIT)
    return unit_values, unit_findings


def _score_items(raw: RawTable, item_columns: dict[str, str], book: Codebook) -> _ItemScores:
    """Score every mapped item column (:func:`answer_positions`, then :func:`item_score` with its reverse
    keying). Column-major matrices: each item is written and read as one contiguous column."""
    frame, index = raw.frame, raw.frame.index
    n_rows, n_items = len(frame), len(item_columns)
    items = _ItemScores(scores=np.empty((n_rows, n_items), dtype="float64", order="F"),
                        positions=np.empty((n_rows, n_items), dtype="float32", order="F"),
                        invalid_parts=[], scale_texts={}, blocks={})
    for j, (code, column) in enumerate(item_columns.items()):
        item = book.items[code]
        scale = book.scales[item.scale]
        answers = answer_positions(frame[column], scale.options, book.missing_options)
        items.positions[:, j] = answers.positions
        items.scores[:, j] = item_score(answers.positions, scale.n_options, item.reverse)
        items.scale_texts[column] = _scale_text(scale)
        items.blocks.setdefault(scale.label, []).append(code)
        if answers.invalid_rows.size:
            items.invalid_parts.append(pd.DataFrame({
                "column": column, "row": index.to_numpy()[answers.invalid_rows],
                "value": answers.invalid_values, "kind": answers.invalid_kinds,
            }))
    return items


def _measure_scores(book: Codebook, score_matrix: np.ndarray, column_of: dict[str, int],
                    n_rows: int) -> tuple[dict[str, np.ndarray], dict[str, tuple[list[str], int]]]:
    """Each respondent's sub-score per measure and theme score, and the measures with questions missing
    from the file (``{label: (missing codes, number of items)}``).

    Sub-score: the mean of the answered items when at least half of the measure's items are answered
    (NSS method), else missing. Theme: the mean of its sub-scores when every one is present, else missing.
    """
    measure_scores: dict[str, np.ndarray] = {}
    incomplete: dict[str, tuple[list[str], int]] = {}
    for measure in book.measures:
        if measure.is_theme:
            continue
        present = [column_of[c] for c in measure.items if c in column_of]
        if not present:
            measure_scores[measure.id] = np.full(n_rows, np.nan)
            continue
        if len(present) < len(measure.items):
            incomplete[measure.label] = ([c for c in measure.items if c not in column_of], len(measure.items))
        answered = np.zeros(n_rows, dtype=np.int64)
        total = np.zeros(n_rows)
        for j in present:
            values = score_matrix[:, j]
            has = ~np.isnan(values)
            answered += has
            total += np.where(has, values, 0.0)
        enough = (answered * 2 >= len(measure.items)) & (answered > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            measure_scores[measure.id] = np.where(enough, total / answered, np.nan)
    for measure in book.measures:
        if measure.is_theme:
            parts = np.column_stack([measure_scores[s] for s in measure.sub_measures])
            complete = ~np.isnan(parts).any(axis=1)
            measure_scores[measure.id] = np.where(complete, parts.mean(axis=1), np.nan)
    return measure_scores, incomplete


def score_responses(raw: RawTable, mapping: Mapping, codebook: Codebook, *, wave: str | None = None) -> ScoredResponses:
    """Score every respondent of a file on every measure of the codebook.

    Parameters
    ----------
    raw
        The file as read (:class:`analytics.ingest.raw.RawTable`; its index is the spreadsheet row).
    mapping
        Which column is which question, team, directorate and wave, and the user's local measures.
    codebook
        Measures, items, scales and missing options; extended with ``mapping.custom_measures`` (their
        columns become items :func:`analytics.ingest.codebook.custom_item_code`).
    wave
        The wave for every row when the mapping has neither a wave column nor a wave label.

    Returns
    -------
    ScoredResponses
        See its attributes. The rules (item scores, half rule, themes, what is missing) are in the
        module docstring.

    Notes
    -----
    Wave: the wave column's values as text (``2024.0`` -> ``"2024"``); blank cells take
    ``mapping.wave_label`` or ``wave`` (with a finding), and without either they are refused. Without a
    wave column: ``mapping.wave_label``, else ``wave``, else :class:`InputError`.

    Team and directorate: text cleaned by :func:`analytics.ingest.names.clean_name` (Unicode NFC,
    invisible and bidirectional control characters removed, spaces collapsed), and spellings that differ
    only by letter case merged into the most frequent one, with a finding listing each merge
    (:func:`analytics.ingest.names.merge_spellings`). A blank cell is
    :data:`~analytics.settings.NOT_RECORDED_UNIT`, with a finding.

    Raises
    ------
    InputError
        A mapped column that is not in the file, a question code the codebook does not define, two
        columns mapped to one question, no question column at all, or an unknown wave.
    """
    frame = raw.frame
    file, sheet = raw.file_name, raw.sheet
    book = codebook.with_custom_measures(mapping.custom_measures)
    item_columns = _mapped_items(raw, mapping, book)
    if not item_columns:
        raise InputError("No column of this file is mapped to a survey question, so nothing can be scored. Check "
                         "the column mapping.", file=file, sheet=sheet)
    waves, wave_findings = _wave_values(raw, mapping, wave)
    index = frame.index
    findings: list[pd.DataFrame] = []

    unit_values, unit_findings = _unit_columns(raw, mapping)
    codes = list(item_columns)
    n_rows = len(frame)
    items = _score_items(raw, item_columns, book)
    score_matrix, position_matrix = items.scores, items.positions
    item_scores = pd.DataFrame(score_matrix, index=index, columns=codes, copy=False)
    measure_scores, incomplete = _measure_scores(book, score_matrix, {code: j for j, code in enumerate(codes)},
                                                 n_rows)
    invalid_parts, scale_texts, blocks = items.invalid_parts, items.scale_texts, items.blocks
    respondents = pd.DataFrame({"wave": waves, "directorate": unit_values["directorate"], "team": unit_values["team"]},
                               index=index)
    for measure in book.measures:
        respondents[measure.id] = measure_scores[measure.id]

    cells = pd.concat(invalid_parts, ignore_index=True) if invalid_parts else None
    findings.append(quality.invalid_value_findings(cells, scale_texts=scale_texts, file=file, sheet=sheet))
    findings.extend(unit_findings)
    findings.append(wave_findings)
    findings.append(quality.straight_lining_findings(
        pd.DataFrame(position_matrix, index=index, columns=codes, copy=False), blocks, file=file, sheet=sheet))
    del position_matrix
    findings.append(quality.missing_rate_findings(item_scores, columns=item_columns, file=file, sheet=sheet))
    findings.append(quality.measure_coverage_findings(incomplete, file=file, sheet=sheet))
    return ScoredResponses(respondents=respondents, item_scores=item_scores, findings=quality.concat_findings(findings),
                           codebook=book, item_columns=dict(item_columns))


# ------------------------------------------------------------------------------------------------
# Unit tables
# ------------------------------------------------------------------------------------------------
def _book_for(scored: ScoredResponses, codebook: Codebook | None) -> Codebook:
    book = codebook if codebook is not None else scored.codebook
    if book is None:
        raise InputError("No codebook was given to compute unit scores.")
    return book


def _scale_for(code: str, book: Codebook, scored: ScoredResponses) -> Scale | None:
    for candidate in (book, scored.codebook):
        if candidate is not None and code in candidate.items:
            return candidate.scales[candidate.items[code].scale]
    return None


def _unit_groups(respondents: pd.DataFrame) -> list[tuple[str, np.ndarray, pd.DataFrame, sparse.csr_matrix]]:
    """The units of each level reported, and who belongs to which.

    Returns, per level: (level, group id per respondent, ``keys`` with one row per unit and the columns
    wave, level, unit, parent, and the sparse membership matrix units x respondents).

    Organisation: one unit per wave, parent ``""``. Directorate (when any respondent has one): a blank
    directorate is "Not recorded", parent = the organisation. Team (when any respondent has one): parent
    = its directorate when there is a directorate level, else the organisation; a team name found under
    two directorates is two units. Units are found by factorising the text columns once and combining
    integer codes, so the cost does not grow with the number of units.
    """
    wave_codes, wave_names = pd.factorize(respondents["wave"].astype("str").fillna(""))
    wave_names = np.asarray(wave_names, dtype=object)
    levels = [(settings.LEVEL_ORGANISATION, None)]
    has_directorate = "directorate" in respondents and bool(respondents["directorate"].notna().any())
    if has_directorate:
        levels.append((settings.LEVEL_DIRECTORATE, "directorate"))
    if "team" in respondents and bool(respondents["team"].notna().any()):
        levels.append((settings.LEVEL_TEAM, "team"))
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for _, column in levels[1:]:
        c, names = pd.factorize(respondents[column].astype("str").fillna(settings.NOT_RECORDED_UNIT))
        codes[column] = (c.astype(np.int64), np.asarray(names, dtype=object))
    out = []
    for level, column in levels:
        if column is None:
            key = wave_codes.astype(np.int64)
        elif column == "directorate" or not has_directorate:
            unit_codes, unit_names = codes[column]
            key = wave_codes * len(unit_names) + unit_codes
        else:
            unit_codes, unit_names = codes["team"]
            dir_codes, dir_names = codes["directorate"]
            key = (wave_codes * len(dir_names) + dir_codes) * len(unit_names) + unit_codes
        ids, unique_keys = pd.factorize(key)
        unique_keys = np.asarray(unique_keys, dtype=np.int64)
        if column is None:
            wave_idx = unique_keys
            unit = np.full(len(unique_keys), settings.ORGANISATION_UNIT, dtype=object)
            parent = np.full(len(unique_keys), "", dtype=object)
        elif column == "directorate" or not has_directorate:
            wave_idx, unit_idx = np.divmod(unique_keys, len(unit_names))
            unit = unit_names[unit_idx]
            parent = np.full(len(unique_keys), settings.ORGANISATION_UNIT, dtype=object)
        else:
            rest, unit_idx = np.divmod(unique_keys, len(unit_names))
            wave_idx, dir_idx = np.divmod(rest, len(dir_names))
            unit = unit_names[unit_idx]
            parent = dir_names[dir_idx]
        keys = pd.DataFrame({"wave": wave_names[wave_idx], "level": level,
                             "unit": unit, "parent": parent})
        out.append((level, ids.astype(np.int64), keys, _indicator(ids, len(keys))))
    return out


def _indicator(ids: np.ndarray, n_groups: int) -> sparse.csr_matrix:
    """Sparse group-membership matrix (groups x respondents): group sums become one matrix product."""
    return sparse.csr_matrix((np.ones(ids.size, dtype=np.float32), (ids, np.arange(ids.size))),
                             shape=(n_groups, ids.size))


def _group_sum(membership: sparse.csr_matrix, values: np.ndarray) -> np.ndarray:
    """Per group and column, the sum of ``values`` (2-D, no missing values), as float64."""
    if values.dtype == np.float32:
        return np.asarray(membership @ values, dtype="float64")
    return np.asarray(membership.astype("float64") @ values)


def _group_mean_sd(membership: sparse.csr_matrix, ids: np.ndarray, values: np.ndarray, present: np.ndarray,
                   filled: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group and column: count of non-missing values, mean, sample standard deviation (n - 1).

    ``present`` is ``~isnan(values)`` and ``filled`` the values with missing set to 0 (computed once for
    all levels). Two passes (mean, then squared deviations from the group mean) so the SD is accurate for
    any n; ``NaN`` mean when n = 0, ``NaN`` SD when n < 2.
    """
    count = _group_sum(membership, present.astype(np.float32))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = _group_sum(membership, filled) / count
        deviation = filled - mean[ids]
        deviation *= present
        deviation *= deviation
        sd = np.sqrt(_group_sum(membership, deviation) / (count - 1))
    mean[count == 0] = np.nan
    sd[count < 2] = np.nan
    return count, mean, sd


def _reported_measures(scored: ScoredResponses, book: Codebook) -> list:
    """Measures that the file can score: a sub-score with at least one item in the file; a theme whose
    sub-scores all have one. (A measure of which no question was mapped is left out of the tables.)"""
    columns = set(scored.item_scores.columns)
    has_items = {m.id: any(c in columns for c in m.items) for m in book.measures if not m.is_theme}
    out = []
    for m in book.measures:
        if m.id not in scored.respondents.columns:
            continue
        ok = all(has_items.get(s, False) for s in m.sub_measures) if m.is_theme else has_items[m.id]
        if ok:
            out.append(m)
    return out


def _item_positive(scored: ScoredResponses, book: Codebook) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Item codes with a known scale, and matrices (respondents x items, float32 0/1) of positive and of
    valid answers. Positive: an item score at or above that of the lowest favourable position
    (:func:`favourable_from_position`), computed for all items at once."""
    scales = {c: _scale_for(c, book, scored) for c in scored.item_scores.columns}
    codes = [c for c, scale in scales.items() if scale is not None]
    thresholds = np.array([(favourable_from_position(scales[c].n_options) - 1) / (scales[c].n_options - 1) * 10.0
                           for c in codes])
    frame = scored.item_scores if codes == list(scored.item_scores.columns) else scored.item_scores[codes]
    values = frame.to_numpy(dtype="float64")  # a view when the scores are one float block
    valid = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        positive = values >= thresholds - 1e-9
    return codes, positive.astype(np.float32), valid.astype(np.float32)


def _unit_respondent_counts(scored: ScoredResponses, groups: list) -> pd.DataFrame:
    """Respondents per unit: rows with at least one scorable answer (wave, level, unit, parent, n)."""
    answered = scored.item_scores.notna().any(axis=1).to_numpy(dtype=np.float32)[:, None]
    parts = []
    for _, _, keys, membership in groups:
        keys = keys.copy()
        keys["n"] = np.rint(_group_sum(membership, answered)[:, 0]).astype(np.int64)
        parts.append(keys)
    return pd.concat(parts, ignore_index=True)


def _ordered(table: pd.DataFrame, figure_col: str, figure_order: list[str]) -> pd.DataFrame:
    """Sort by wave, level (top down), parent, unit, then the figure in codebook (or file) order."""
    level_rank = {level: i for i, level in enumerate(settings.LEVELS)}
    figure_rank = {f: i for i, f in enumerate(figure_order)}
    keys = pd.DataFrame({"_wave": table["wave"].astype(str), "_level": table["level"].map(level_rank),
                         "_parent": table["parent"].astype(str), "_unit": table["unit"].astype(str),
                         "_figure": table[figure_col].map(figure_rank)}, index=table.index)
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return table.loc[order].reset_index(drop=True)


def _long_table(keys: pd.DataFrame, figure_col: str, figures: list[str],
                columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Units x figures matrices -> one row per unit and figure."""
    table = keys.loc[keys.index.repeat(len(figures))].reset_index(drop=True)
    table[figure_col] = np.tile(np.asarray(figures, dtype=object), len(keys))
    for name, matrix in columns.items():
        table[name] = matrix.ravel()
    return table


def _unit_scores_unsuppressed(scored: ScoredResponses, book: Codebook, groups: list) -> pd.DataFrame:
    """Unit scores before suppression. Private: never return this table to a caller outside this module."""
    measures = _reported_measures(scored, book)
    measure_ids = [m.id for m in measures]
    if not measure_ids:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in settings.UNIT_SCORE_COLUMNS})
    values = scored.respondents[measure_ids].to_numpy(dtype="float64")
    item_codes, item_positive, item_valid = _item_positive(scored, book)
    code_index = {c: i for i, c in enumerate(item_codes)}
    positive = np.zeros((len(values), len(measures)), dtype=np.float32, order="F")
    valid = np.zeros_like(positive)
    for j, m in enumerate(measures):
        for code in book.items_of(m.id):
            if code in code_index:
                positive[:, j] += item_positive[:, code_index[code]]
                valid[:, j] += item_valid[:, code_index[code]]
    # Only respondents with a score for the measure count, so % positive rests on the same n people.
    unscored = np.isnan(values)
    positive[unscored] = 0
    valid[unscored] = 0
    del item_positive, item_valid
    parts = []
    confidence = settings.CONFIDENCE_LEVEL
    present = ~np.isnan(values)
    filled = np.where(present, values, 0.0)
    for _, ids, keys, membership in groups:
        n, mean, sd = _group_mean_sd(membership, ids, values, present, filled)
        pos_total = _group_sum(membership, positive)
        valid_total = _group_sum(membership, valid)
        with np.errstate(invalid="ignore", divide="ignore"):
            t_crit = stats.t.ppf(0.5 + confidence / 2, n - 1)
            half = t_crit * sd / np.sqrt(n)
            pct = 100.0 * pos_total / valid_total
        half[n < 2] = np.nan
        parts.append(_long_table(keys, "measure", measure_ids, {
            "n": np.rint(n).astype(np.int64), "mean": mean, "ci_low": mean - half, "ci_high": mean + half,
            "pct_positive": pct}))
    table = pd.concat(parts, ignore_index=True)
    table["suppressed"] = False
    table["suppressed_reason"] = ""
    return _ordered(table, "measure", measure_ids)[list(settings.UNIT_SCORE_COLUMNS)]


def _finish(table: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    out = table[list(columns)].copy()
    for c in ("wave", "level", "unit", "parent", "measure", "item"):
        if c in out:
            out[c] = out[c].astype("str")
    out["n"] = out["n"].astype("Int64")
    out["suppressed"] = out["suppressed"].astype(bool)
    reason = out["suppressed_reason"]
    out["suppressed_reason"] = reason.astype(object).where(reason.notna(), "").astype("str")
    return out.reset_index(drop=True)


def unit_scores(scored: ScoredResponses, codebook: Codebook | None = None, *,
                min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE) -> pd.DataFrame:
    """Unit scores, already suppressed: one row per wave x level x unit x measure.

    Parameters
    ----------
    scored
        From :func:`score_responses` (or several combined).
    codebook
        The codebook with any local measures (default: the one ``scored`` was scored with).
    min_group_size
        The anonymity threshold ``k`` (default 11, never below 5).

    Returns
    -------
    DataFrame
        Columns :data:`~analytics.settings.UNIT_SCORE_COLUMNS`:

        ``wave``, ``level`` (organisation, directorate, team), ``unit``, ``parent`` (text)
            Organisation: unit :data:`~analytics.settings.ORGANISATION_UNIT`, parent ``""``.
            Directorate (only when the file has a directorate column): parent = the organisation.
            Team: parent = its directorate, or the organisation when there is no directorate column.
            A team name that appears under two directorates is two units (same ``unit``, different
            ``parent``).
        ``measure``
            Measure id; only measures with at least one question in the file (for a theme: all its
            sub-scores), in codebook order.
        ``n`` (nullable integer)
            Respondents with a score for the measure; 0 means "no data".
        ``mean``, ``ci_low``, ``ci_high`` (float)
            Mean of respondent scores (unweighted) and its 95% CI from the t distribution:
            ``mean ± t(0.975, n - 1) * sd / sqrt(n)`` with the sample SD; missing when ``n < 2``.
        ``pct_positive`` (float, 0-100)
            Positive answers ÷ valid answers, pooled over the measure's items (a theme: all items of
            its sub-scores) and over the unit's respondents *with a score for the measure* (the same
            ``n`` people, so that the figure never rests on people the suppression rule did not count);
            missing when ``n = 0``. Positive = the top two options of a 5-point (or longer) scale after
            reverse keying, the top one of a 2- or 3-option scale (:func:`favourable_from_position`).
        ``suppressed`` (bool)
            True when the row is hidden: ``n``, ``mean``, the CI and ``pct_positive`` are then missing.
        ``suppressed_reason`` (text)
            "" on a shown row; on a hidden row :data:`~analytics.settings.SUPPRESSION_PRIMARY` (fewer
            than ``k`` responses) or :data:`~analytics.settings.SUPPRESSION_COMPLEMENTARY` (``k`` or
            more, hidden to protect a group with fewer than k responses); words from
            :func:`analytics.survey.privacy.suppression_label`.

    Notes
    -----
    Suppression (:mod:`analytics.survey.privacy`), applied here so that no unsuppressed table leaves:
    a unit whose number of respondents (rows with at least one scorable answer) is below ``k`` is
    hidden on every row, as are the siblings hidden to protect it (complementary suppression, per
    wave); then each measure row is hidden when its own ``n`` is below ``k`` (``n > 0``), with
    complementary suppression per wave and measure. Rows with ``n = 0`` are "no data", not hidden.
    """
    k = check_min_group_size(min_group_size)
    book = _book_for(scored, codebook)
    groups = _unit_groups(scored.respondents)
    table = _unit_scores_unsuppressed(scored, book, groups)
    counts = _unit_respondent_counts(scored, groups)
    return _finish(suppress_unit_table(table, min_group_size=k, unit_counts=counts), settings.UNIT_SCORE_COLUMNS)


def _item_results_unsuppressed(scored: ScoredResponses, book: Codebook, groups: list) -> pd.DataFrame:
    """Question-level % positive before suppression. Private, like :func:`_unit_scores_unsuppressed`."""
    codes, positive, valid = _item_positive(scored, book)
    if not codes:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in settings.ITEM_RESULT_COLUMNS})
    parts = []
    for _, _, keys, membership in groups:
        pos_total = _group_sum(membership, positive)
        n = _group_sum(membership, valid)
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = 100.0 * pos_total / n
        parts.append(_long_table(keys, "item", codes, {"n": np.rint(n).astype(np.int64), "pct_positive": pct}))
    table = pd.concat(parts, ignore_index=True)
    table["suppressed"] = False
    table["suppressed_reason"] = ""
    return _ordered(table, "item", codes)[list(settings.ITEM_RESULT_COLUMNS)]


def item_results(scored: ScoredResponses, codebook: Codebook | None = None, *,
                 min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE) -> pd.DataFrame:
    """Question-level % positive (the NHS Staff Survey's question figure), already suppressed.

    Returns
    -------
    DataFrame
        Columns :data:`~analytics.settings.ITEM_RESULT_COLUMNS`: ``wave``, ``level``, ``unit``,
        ``parent`` as in :func:`unit_scores`; ``item`` (item code, in the order of the file's columns);
        ``n`` (nullable integer: valid answers to the item in the unit); ``pct_positive`` (0-100:
        positive answers ÷ valid answers, positive as in :func:`favourable_from_position`);
        ``suppressed``; ``suppressed_reason`` (as in :func:`unit_scores`).

    Notes
    -----
    Suppression uses the same unit decision as :func:`unit_scores` (respondent counts, primary and
    complementary, per wave): a unit hidden there is hidden on every item row. Each item row is also
    hidden when its own ``n`` is below ``k`` (``n > 0``), with complementary suppression per wave and
    item, so that no shown figure rests on fewer than ``k`` answers.
    """
    k = check_min_group_size(min_group_size)
    book = _book_for(scored, codebook)
    groups = _unit_groups(scored.respondents)
    table = _item_results_unsuppressed(scored, book, groups)
    counts = _unit_respondent_counts(scored, groups)
    return _finish(suppress_unit_table(table, min_group_size=k, unit_counts=counts), settings.ITEM_RESULT_COLUMNS)

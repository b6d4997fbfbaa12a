"""Data-quality findings: what in a survey file could not be used as it stands, and where it is.

Every builder returns a DataFrame with the columns :data:`analytics.settings.FINDING_COLUMNS`, one row
per finding:

``severity``
    ``"error"``, ``"warning"`` or ``"info"`` (:data:`analytics.settings.SEVERITIES`).
``kind``
    A fixed code for the kind of finding (the ``KIND_*`` constants of this module), so pages can group
    and filter findings without parsing messages.
``file``, ``sheet``, ``column``
    Where the finding is (text; empty when it does not apply).
``rows``
    Spreadsheet rows as the user sees them in Excel (header = row 1), as text: ``"12, 15, 18 and 40
    more"``. Empty when the finding is not about particular rows.
``count``
    How many cells or respondents the finding is about (integer).
``value``
    The offending value as text (unknown labels, out-of-range codes), cut to
    :data:`~analytics.settings.FINDING_VALUE_MAX_CHARS` characters; empty otherwise.
``message``
    What was found and what was done about it, in plain words a non-programmer can act on.

Findings are about the *file* and are meant for the person who supplied it (the Data page and the
``validate`` command); they list spreadsheet rows so that the file can be corrected. They never hold
scores.

The builders are vectorised over rows: Python loops run only over columns, distinct values or
finding groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analytics import settings

KIND_UNKNOWN_LABEL = "unknown_label"
KIND_OUT_OF_RANGE = "out_of_range"
KIND_OTHER_VALUES = "other_unrecognised_values"
KIND_MISSING_RATE = "missing_rate"
KIND_STRAIGHT_LINING = "straight_lining"
KIND_UNIT_NOT_RECORDED = "unit_not_recorded"
KIND_MEASURE_INCOMPLETE = "measure_incomplete"
KIND_WAVE_FILLED = "wave_filled"

_TEXT_COLUMNS = ("severity", "kind", "file", "sheet", "column", "rows", "value", "message")


def format_rows(rows: Iterable[int] | np.ndarray, *, shown: int = settings.FINDING_ROWS_SHOWN) -> str:
    """Spreadsheet rows as short text: the first ``shown`` rows in order, then how many more.

    Parameters
    ----------
    rows
        Spreadsheet row numbers (header = row 1). Order does not matter; repeats are kept once.
    shown
        How many rows to list before ``"and N more"``.

    Examples
    --------
    >>> format_rows([40, 12, 15])
    '12, 15 and 40'
    >>> format_rows([12, 15, 18, 19, 20])
    '12, 15, 18 and 2 more'
    >>> format_rows([7])
    '7'
    >>> format_rows([])
    ''
    """
    values = np.unique(np.asarray(list(rows) if not isinstance(rows, np.ndarray) else rows))
    if values.size == 0:
        return ""
    texts = [str(int(v)) for v in values[:shown]]
    rest = values.size - len(texts)
    if rest > 0:
        return f"{', '.join(texts)} and {rest} more"
    if len(texts) == 1:
        return texts[0]
    return f"{', '.join(texts[:-1])} and {texts[-1]}"


def short_value(value: object) -> str:
    """A value as text for quoting in a finding, cut to ``FINDING_VALUE_MAX_CHARS`` characters."""
    text = str(value)
    limit = settings.FINDING_VALUE_MAX_CHARS
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def empty_findings() -> pd.DataFrame:
    """A findings table with no rows and the fixed columns and types."""
    return make_findings([])


def make_findings(records: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Build a findings table from dicts, filling absent fields with empty text (``count`` with 0).

    Raises ``ValueError`` (a programming error, not a user one) for an unknown severity.
    """
    frame = pd.DataFrame(list(records), columns=list(settings.FINDING_COLUMNS))
    for column in _TEXT_COLUMNS:
        frame[column] = frame[column].astype(object).fillna("").astype(str)
    frame["count"] = frame["count"].fillna(0).astype("int64")
    bad = set(frame["severity"]) - set(settings.SEVERITIES)
    if bad:
        raise ValueError(f"unknown finding severity: {sorted(bad)}")
    return frame[list(settings.FINDING_COLUMNS)]


def concat_findings(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Several findings tables as one, in order (empty parts are skipped)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_findings()
    return make_findings(pd.concat(parts, ignore_index=True).to_dict("records"))


def invalid_value_findings(cells: pd.DataFrame, *, scale_texts: Mapping[str, str] | None = None,
                           file: str = "", sheet: str | None = None) -> pd.DataFrame:
    """One finding per column and distinct value that is not an answer on the column's scale.

    Parameters
    ----------
    cells
        One row per offending cell, with columns ``column`` (column label), ``row`` (spreadsheet row),
        ``value`` (the cell as text) and ``kind`` (:data:`KIND_UNKNOWN_LABEL` for text that is neither
        a scale option nor a "don't know"-type answer; :data:`KIND_OUT_OF_RANGE` for a number that is
        not a code ``1..k`` of the scale, such as 0, 7 on a 1-5 item or 2.5).
    scale_texts
        Column -> a description of its scale for the message (e.g. ``"1-5 or Strongly disagree ...
        Strongly agree"``).
    file, sheet
        Where the cells are.

    Returns
    -------
    DataFrame
        Findings (``severity`` warning), ordered by column then by how often the value occurs (most
        frequent first). At most :data:`~analytics.settings.MAX_VALUE_FINDINGS_PER_COLUMN` values per
        column are reported one by one; any further distinct values of that column are summarised in a
        single :data:`KIND_OTHER_VALUES` finding, which also says the column may hold free text.

    Notes
    -----
    The cells are left out of the scores (treated as missing), and the message says so: a value
    outside the scale is reported, never silently dropped and never scored as zero.
    """
    if cells is None or len(cells) == 0:
        return empty_findings()
    scale_texts = dict(scale_texts or {})
    grouped = (cells.groupby(["column", "kind", "value"], observed=True, sort=False)["row"]
               .agg(["size", "min", lambda r: format_rows(r.to_numpy())])
               .reset_index())
    grouped.columns = ["column", "kind", "value", "count", "first_row", "rows"]
    grouped = grouped.sort_values(["column", "count", "first_row"], ascending=[True, False, True], kind="stable")
    grouped["rank"] = grouped.groupby("column", sort=False).cumcount()
    cap = settings.MAX_VALUE_FINDINGS_PER_COLUMN
    shown = grouped[grouped["rank"] < cap]
    records: list[dict] = []
    for row in shown.itertuples(index=False):
        scale = scale_texts.get(row.column)
        on_scale = f" (the scale is {scale})" if scale else ""
        occurs = "1 cell, which is" if row.count == 1 else f"{row.count} cells, which are"
        if row.kind == KIND_OUT_OF_RANGE:
            what = f"The number {short_value(row.value)} is not a code of this question's scale{on_scale}."
        else:
            what = (f"'{short_value(row.value)}' is not an answer on this question's scale{on_scale}, nor a "
                    "'Don't know'-type answer.")
        records.append({
            "severity": settings.SEVERITY_WARNING, "kind": row.kind, "file": file, "sheet": sheet or "",
            "column": row.column, "rows": row.rows, "count": row.count, "value": short_value(row.value),
            "message": f"{what} It occurs in {occurs} left out of the scores "
                       "(treated as missing, not as zero). Correct the file, or check that this column is "
                       "mapped to the right question.",
        })
    rest = grouped[grouped["rank"] >= cap]
    if len(rest):
        merged = cells.merge(rest[["column", "kind", "value"]], on=["column", "kind", "value"], how="inner")
        for column, part in merged.groupby("column", sort=True):
            n_values = int(part[["kind", "value"]].drop_duplicates().shape[0])
            records.append({
                "severity": settings.SEVERITY_WARNING, "kind": KIND_OTHER_VALUES, "file": file,
                "sheet": sheet or "", "column": column, "rows": format_rows(part["row"].to_numpy()),
                "count": int(len(part)), "value": "",
                "message": f"{n_values} further different values in {len(part)} cells are not answers on this "
                           "question's scale and are left out of the scores. So many different values suggest "
                           "the column holds free text or another question: check the column mapping.",
            })
    return make_findings(records)


def missing_rate_findings(item_scores: pd.DataFrame, *, columns: Mapping[str, str] | None = None,
                          file: str = "", sheet: str | None = None,
                          warning_rate: float = settings.MISSING_RATE_WARNING) -> pd.DataFrame:
    """One finding per item with respondents who have no scorable answer to it.

    Parameters
    ----------
    item_scores
        One row per respondent (index = spreadsheet row), one column per item code; ``NaN`` = no
        scorable answer (blank, a "don't know"-type answer, or a value outside the scale).
    columns
        Item code -> the file's column label, for the ``column`` field (default: the item code).
    warning_rate
        Missing share above which the finding is a warning; at or below it, info.

    Returns
    -------
    DataFrame
        Findings of kind :data:`KIND_MISSING_RATE`; ``count`` = respondents without a scorable answer,
        ``value`` = the missing share as a percentage with one decimal (``"35.0%"``). Items answered by
        everyone give no finding. The denominator is every row of the file (every respondent).
    """
    if item_scores.shape[1] == 0 or item_scores.shape[0] == 0:
        return empty_findings()
    columns = dict(columns or {})
    missing = item_scores.isna().to_numpy()
    counts = missing.sum(axis=0)
    total = missing.shape[0]
    row_numbers = item_scores.index.to_numpy()
    records: list[dict] = []
    for j in np.flatnonzero(counts):
        code = str(item_scores.columns[j])
        rate = counts[j] / total
        severity = settings.SEVERITY_WARNING if rate > warning_rate else settings.SEVERITY_INFO
        first = row_numbers[np.flatnonzero(missing[:, j])[: settings.FINDING_ROWS_SHOWN]]
        rows_text = format_rows(first)
        if counts[j] > len(first):
            rows_text = f"{', '.join(str(int(r)) for r in first)} and {int(counts[j]) - len(first)} more"
        label = columns.get(code, code)
        also = f" (question {code})" if label != code else ""
        records.append({
            "severity": severity, "kind": KIND_MISSING_RATE, "file": file, "sheet": sheet or "",
            "column": label, "rows": rows_text, "count": int(counts[j]), "value": f"{100 * rate:.1f}%",
            "message": f"{int(counts[j])} of {total} respondents ({100 * rate:.1f}%) have no answer that can be "
                       f"scored{also}: blank, 'Don't know'-type, or outside the scale."
                       + (f" That is more than {100 * warning_rate:.0f}%: scores resting on this question are "
                          "based on fewer people." if severity == settings.SEVERITY_WARNING else ""),
        })
    return make_findings(records)


def straight_lining_findings(positions: pd.DataFrame, blocks: Mapping[str, Sequence[str]], *,
                             min_items: int = settings.STRAIGHT_LINING_MIN_ITEMS, file: str = "",
                             sheet: str | None = None) -> pd.DataFrame:
    """Respondents who gave the identical answer to every item they answered in a block.

    Parameters
    ----------
    positions
        One row per respondent (index = spreadsheet row), one column per item code: the position of the
        answer on the item's scale as worded (1 = first option, *before* reverse keying), ``NaN`` when
        missing. Identical positions are identical answers, so a respondent who ticks "Agree" to every
        statement, negatively worded ones included, is found.
    blocks
        Block name -> item codes (e.g. the items of each scale: agreement, frequency).
    min_items
        A respondent counts only when they answered at least this many items of the block, and a block
        with fewer items is not examined (default 8): with few items, identical answers are common and
        honest.

    Returns
    -------
    DataFrame
        One warning of kind :data:`KIND_STRAIGHT_LINING` per block in which any respondent
        straight-lined, with ``count`` = such respondents and their rows. Their answers are kept in the
        scores: straight-lining can be honest; the finding lets the user check.
    """
    records: list[dict] = []
    row_numbers = positions.index.to_numpy()
    for block, codes in blocks.items():
        codes = [c for c in codes if c in positions.columns]
        if len(codes) < min_items:
            continue
        n_answered = np.zeros(len(positions), dtype=np.int64)
        low = np.full(len(positions), np.nan)
        high = np.full(len(positions), np.nan)
        for code in codes:  # one column at a time: no respondents x items temporaries
            column = positions[code].to_numpy(dtype="float64")
            n_answered += ~np.isnan(column)
            low = np.fmin(low, column)
            high = np.fmax(high, column)
        straight = (n_answered >= min_items) & (low == high)
        count = int(straight.sum())
        if count == 0:
            continue
        records.append({
            "severity": settings.SEVERITY_WARNING, "kind": KIND_STRAIGHT_LINING, "file": file,
            "sheet": sheet or "", "column": "", "rows": format_rows(row_numbers[straight]), "count": count,
            "value": block,
            "message": f"{count} respondent{'s' if count != 1 else ''} gave the same answer to every one of the "
                       f"{len(codes)} '{block}' questions they answered (at least {min_items}). This can be "
                       "honest, but may mean the survey was not read; the answers are kept in the scores.",
        })
    return make_findings(records)


def unit_not_recorded_findings(blank: pd.Series, *, column: str, role: str = "team", file: str = "",
                               sheet: str | None = None) -> pd.DataFrame:
    """Respondents whose team (or directorate) cell is blank.

    Parameters
    ----------
    blank
        Boolean, one per respondent (index = spreadsheet row): True where the unit cell is blank.
    column
        The unit column's label.
    role
        ``"team"`` or ``"directorate"``, for the message.

    Returns
    -------
    DataFrame
        One warning of kind :data:`KIND_UNIT_NOT_RECORDED` when any cell is blank (``count`` and
        ``rows``), saying that these respondents are reported as the unit
        :data:`~analytics.settings.NOT_RECORDED_UNIT`; no rows otherwise.
    """
    mask = blank.to_numpy(dtype=bool)
    count = int(mask.sum())
    if count == 0:
        return empty_findings()
    return make_findings([{
        "severity": settings.SEVERITY_WARNING, "kind": KIND_UNIT_NOT_RECORDED, "file": file,
        "sheet": sheet or "", "column": column, "rows": format_rows(blank.index.to_numpy()[mask]),
        "count": count, "value": "",
        "message": f"{count} respondent{'s' if count != 1 else ''} have no {role} recorded. They are reported "
                   f"together as the {role} '{settings.NOT_RECORDED_UNIT}', which is hidden like any other "
                   f"{role} when it has too few responses. Fill in the {role} if you can.",
    }])


def measure_coverage_findings(missing_items: Mapping[str, tuple[Sequence[str], int]], *, file: str = "",
                              sheet: str | None = None) -> pd.DataFrame:
    """Measures of which only some questions are in the file.

    Parameters
    ----------
    missing_items
        Measure label -> (item codes not in the file, number of items the measure has).

    Returns
    -------
    DataFrame
        One info finding of kind :data:`KIND_MEASURE_INCOMPLETE` per measure: a respondent's score
        still needs answers to at least half of *all* the measure's items, so missing questions make
        the measure harder to score and less comparable with the NHS Staff Survey.
    """
    records = []
    for label, (codes, n_items) in missing_items.items():
        if not codes:
            continue
        records.append({
            "severity": settings.SEVERITY_INFO, "kind": KIND_MEASURE_INCOMPLETE, "file": file,
            "sheet": sheet or "", "column": "", "rows": "", "count": len(codes), "value": ", ".join(codes),
            "message": f"'{label}' has {n_items} questions; {len(codes)} of them ({', '.join(codes)}) are not in "
                       f"this file. A respondent still needs answers to at least half of the {n_items} for a "
                       "score, and the result is less comparable with the NHS Staff Survey.",
        })
    return make_findings(records)


def wave_filled_findings(blank: pd.Series, *, column: str, wave: str, file: str = "",
                         sheet: str | None = None) -> pd.DataFrame:
    """Rows whose wave cell was blank and were given the file's wave instead (a warning with rows)."""
    mask = blank.to_numpy(dtype=bool)
    count = int(mask.sum())
    if count == 0:
        return empty_findings()
    return make_findings([{
        "severity": settings.SEVERITY_WARNING, "kind": KIND_WAVE_FILLED, "file": file, "sheet": sheet or "",
        "column": column, "rows": format_rows(blank.index.to_numpy()[mask]), "count": count, "value": wave,
        "message": f"{count} row{'s' if count != 1 else ''} have no wave (survey year) in this column; they were "
                   f"counted in the wave '{wave}' given for the file. Fill in the column if that is wrong.",
    }])

"""Anonymity: small-number suppression and complementary suppression of unit tables.

Rules (shared/design/domain.md §2)
----------------------------------
* Minimum reporting group ``k`` (``min_group_size``): 11 by default (NHS Staff Survey practice),
  configurable, never below :data:`~analytics.settings.MIN_GROUP_SIZE_FLOOR` (5).
* **Primary suppression.** A figure resting on ``n`` responses with ``0 < n < k`` is not shown: its
  count and every value on its row (mean, confidence interval, % positive) are blanked and it is
  flagged ``suppressed``. A figure with ``n = 0`` has nothing to hide; it is "no data", which pages
  show differently from "fewer than k responses".
* **Complementary suppression.** Hiding a small unit is not enough when its parent is shown.

  *The differencing attack.* A directorate's figure is built from its teams' responses. If the
  directorate shows ``n = 40, mean = 6.2`` and three of its four teams are shown with their ``n`` and
  means, the hidden team's sum is ``40 x 6.2`` minus the three shown sums, and its mean follows: the
  suppression protected nothing. The same subtraction works for counts of favourable answers, for
  demographic breakdowns and for filters. Hence, for every parent (organisation, directorate) the
  suppressed children must together hold at least ``k`` responses, so that subtraction only ever
  reveals a pooled figure of ``k`` or more people. When they do not, the *next-smallest* shown sibling
  is suppressed too, and again until the suppressed children reach ``k`` or all are suppressed.

  A suppressed parent needs the same protection from below: if a directorate is hidden (as a
  complement) but all its teams are shown, the directorate is their sum and can be rebuilt, and then its
  small sibling is exposed again by subtraction from the organisation. So a suppressed parent's
  suppressed children must also reach ``k`` (or all be suppressed). Suppressing one unit can therefore
  require suppressing others, at the same level or below; the rule is applied repeatedly until nothing
  changes (a fixed point, reached after at most one pass per row).

  The next-smallest sibling is the shown sibling with the smallest ``n > 0``; ties are broken by the
  unit's name, so the result is deterministic. Children with ``n = 0`` are never chosen (hiding them
  adds nothing).

Why each row is hidden (``suppressed_reason``)
    A suppressed row says why, so that pages do not call a unit of 21 people "fewer than 11
    responses": :data:`~analytics.settings.SUPPRESSION_PRIMARY` when the row's own ``n`` is below
    ``k`` (or its unit's respondent count is), :data:`~analytics.settings.SUPPRESSION_COMPLEMENTARY`
    when it has ``k`` or more responses and is hidden only to protect a smaller group, and ""
    on a shown row. :func:`suppression_label` gives the words.

    *Why saying so is safe.* The reason tells a reader that a complementary unit has at least ``k``
    responses and a primary one between 1 and ``k - 1``; its exact ``n`` and every figure on its row
    stay hidden. What suppression protects is the figures (means, % positive), and the reason adds no
    equation about them: subtraction still yields only the pooled sum of the hidden children, which by
    construction rests on ``k`` or more responses, whatever is known about how those responses are
    split. The bounds on counts were mostly known already: whoever knows the rule knows that a
    complement is hidden only when a smaller group is, that complements are chosen among shown
    siblings (so have ``n >= k``), and the pooled count is the parent's ``n`` minus the shown siblings'.
    Edge case, stated for honesty: when that pooled count is ``k + j`` with ``j < k`` and it is split
    between one primary and one complementary unit, the bounds pin the counts (e.g. ``k = 11``, pooled
    12: the primary unit has 1 response, the complement 11). Without the reason the split {1, 11} is
    equally deducible, only not which unit is which. Counts of responses are not answers: the figures
    of the two units remain tied together in one pooled sum and neither can be worked out.

This follows the approach of NHS England's Friends and Family Test suppression (small cells, then the
next-smallest cell in the same parent) and of the NHS Staff Survey's local reports (no results below
11 responses).

Which ``n``?
    Each table row is judged by its own ``n`` (a measure row: respondents with a score for that
    measure; an item row: valid answers to that item), because that is how many people the figure
    rests on. In addition :func:`suppress_unit_table` can take each unit's number of *respondents*
    (``unit_counts``): a unit hidden on that count (primary or complementary) is hidden on every row of
    every table, so that the survey tables agree on which units are shown at all.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics import settings
from analytics.errors import InputError

_NO_PARENT = "\x00no parent"
_NO_NODE = "\x00no value"

#: Value columns of the survey tables that are blanked on a suppressed row (the count is too); published
#: files may add ``pct_unfavourable`` (burnout, stress), blanked like the others.
SUPPRESSED_VALUE_COLUMNS = ("mean", "ci_low", "ci_high", "pct_positive", "pct_unfavourable")
#: The column saying why a row is suppressed (a ``settings.SUPPRESSION_*`` code; "" when shown).
REASON_COLUMN = "suppressed_reason"


def suppression_label(reason: object, min_group_size: int) -> str:
    """The words a page shows for a suppressed row, from its ``suppressed_reason`` code.

    A missing or unknown code (a table from before the reason existed, a flag set by hand) gives the
    primary label, "fewer than k responses", which is what every suppressed row used to show.

    >>> suppression_label("primary", 11)
    'fewer than 11 responses'
    >>> suppression_label("complementary", 11)
    'hidden to protect a group with fewer than 11 responses'
    >>> suppression_label(None, 8)
    'fewer than 8 responses'
    """
    template = settings.SUPPRESSION_LABELS.get(reason if isinstance(reason, str) else "",
                                               settings.SUPPRESSED_LABEL)
    return template.format(k=min_group_size)


def check_min_group_size(min_group_size: object) -> int:
    """The anonymity threshold ``k`` as an ``int``, refused when it is not a whole number or is below
    :data:`~analytics.settings.MIN_GROUP_SIZE_FLOOR`.

    A whole number given as a float (``11.0``, as number widgets return) is accepted.

    >>> check_min_group_size(11)
    11
    >>> check_min_group_size(8.0)
    8
    """
    floor = settings.MIN_GROUP_SIZE_FLOOR
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, numbers.Real):
        raise InputError(f"The minimum group size must be a whole number of responses (at least {floor}); "
                         f"got {min_group_size!r}.")
    value = float(min_group_size)
    if not np.isfinite(value) or value != int(value):
        raise InputError(f"The minimum group size must be a whole number of responses (at least {floor}); "
                         f"got {min_group_size!r}.")
    if value < floor:
        raise InputError(f"The minimum group size cannot be below {floor} responses (got {int(value)}): smaller "
                         "groups could identify people. The NHS Staff Survey uses 11.")
    return int(value)


def _hidden_mask(counts: np.ndarray, parent_pos: np.ndarray, pre_hidden: np.ndarray, tiebreak: np.ndarray,
                 min_group_size: int) -> np.ndarray:
    """Primary + complementary suppression on a forest given by ``parent_pos`` (-1 = root).

    Returns the boolean mask of hidden rows. See the module docstring for the rules.
    """
    k = min_group_size
    size = counts.size
    hidden = pre_hidden.copy() | ((counts > 0) & (counts < k))
    has_parent = parent_pos >= 0
    safe_parent = np.where(has_parent, parent_pos, 0)
    positive = counts > 0
    for _ in range(size + 1):
        hidden_child = has_parent & hidden & positive
        shown_child = has_parent & ~hidden & positive
        hidden_n = np.bincount(parent_pos[hidden_child], weights=counts[hidden_child], minlength=size)
        any_hidden = np.bincount(parent_pos[hidden_child], minlength=size) > 0
        n_shown = np.bincount(parent_pos[shown_child], minlength=size)
        needs = (hidden | any_hidden) & (hidden_n < k) & (n_shown > 0)
        if not needs.any():
            return hidden
        candidates = np.flatnonzero(shown_child & needs[safe_parent])
        order = np.lexsort((tiebreak[candidates], counts[candidates], parent_pos[candidates]))
        candidates = candidates[order]
        parents = parent_pos[candidates]
        first = np.r_[True, parents[1:] != parents[:-1]]
        hidden[candidates[first]] = True
    raise AssertionError("suppression did not reach a fixed point")  # pragma: no cover - bounded by rows


def _reasons(hidden: np.ndarray, counts: np.ndarray, pre_hidden: np.ndarray, pre_reason: np.ndarray,
             min_group_size: int) -> np.ndarray:
    """``suppressed_reason`` codes: primary where the row's own ``0 < n < k``; else the reason a row
    already had when it came in suppressed (primary if it gave none); else complementary; "" if shown."""
    own_primary = (counts > 0) & (counts < min_group_size)
    kept = np.where(pre_reason == "", settings.SUPPRESSION_PRIMARY, pre_reason)
    reason = np.where(own_primary, settings.SUPPRESSION_PRIMARY,
                      np.where(pre_hidden, kept, settings.SUPPRESSION_COMPLEMENTARY))
    return np.where(hidden, reason, "").astype(object)


def _reason_values(frame: pd.DataFrame, reason_col: str) -> np.ndarray:
    if reason_col not in frame:
        return np.full(len(frame), "", dtype=object)
    return frame[reason_col].astype(object).where(frame[reason_col].notna(), "").astype(str).to_numpy(dtype=object)


def suppress_hierarchy(frame: pd.DataFrame, *, node_cols: Sequence[str], parent_cols: Sequence[str],
                       count_col: str, min_group_size: int, group_cols: Sequence[str] = (),
                       value_cols: Sequence[str] = (), suppressed_col: str = "suppressed",
                       reason_col: str = REASON_COLUMN) -> pd.DataFrame:
    """Primary and complementary suppression of any table whose rows form a hierarchy.

    Reusable for HR or demographic breakdowns: e.g. rows ``(team, staff_group)`` whose parent is the
    row ``(team, "All staff")``.

    Parameters
    ----------
    frame
        One row per cell (unit). Rows with the same ``group_cols`` values form one hierarchy (e.g. one
        wave and one measure); different groups never affect each other.
    node_cols
        Columns identifying a row within its group (unique together with ``group_cols``).
    parent_cols
        Columns of the same row naming its parent: their values, in order, equal the parent row's
        ``node_cols`` values. A row whose parent is not in the table (or missing) is a root.
    count_col
        The number of responses (people) the row rests on; missing counts as 0.
    min_group_size
        ``k``; checked with :func:`check_min_group_size`.
    value_cols
        Columns blanked (set to missing) on suppressed rows; the count column is blanked too.
    suppressed_col
        Output flag column. If ``frame`` already has it, rows flagged True are treated as suppressed
        from the start (e.g. units hidden on their respondent count).
    reason_col
        Output column of reason codes (see "Why each row is hidden" in the module docstring): ""
        when shown, :data:`~analytics.settings.SUPPRESSION_PRIMARY` when the row's own count is
        below ``k``, otherwise the reason it came in with (if it came in suppressed; primary when it
        gave none), otherwise :data:`~analytics.settings.SUPPRESSION_COMPLEMENTARY`.

    Returns
    -------
    DataFrame
        A copy with ``count_col`` as nullable integers (``<NA>`` when suppressed), ``value_cols`` blanked,
        ``suppressed_col`` boolean and ``reason_col`` text. Row order is kept.

    Notes
    -----
    Guarantees (tested with random hierarchies): no shown row has ``0 < n < k``; for every parent,
    if any child is suppressed (or the parent is), the suppressed children hold at least ``k``
    responses together, unless all of its children are suppressed.
    """
    k = check_min_group_size(min_group_size)
    group_cols, node_cols, parent_cols = list(group_cols), list(node_cols), list(parent_cols)
    if len(node_cols) != len(parent_cols) or not node_cols:
        raise ValueError("node_cols and parent_cols must name the same number of columns (at least one)")
    out = frame.copy()
    if len(out) == 0:
        out[count_col] = out[count_col].astype("Int64") if count_col in out else pd.array([], dtype="Int64")
        out[suppressed_col] = pd.Series(dtype=bool)
        out[reason_col] = pd.Series(dtype="str")
        return out
    node_key = pd.MultiIndex.from_frame(out[group_cols + node_cols].astype(object).fillna(_NO_NODE))
    if not node_key.is_unique:
        dupes = out.loc[node_key.duplicated(), group_cols + node_cols].head(3).to_dict("records")
        raise InputError(f"Two rows describe the same unit, so they cannot be checked for anonymity: {dupes}.")
    parent_frame = out[group_cols + parent_cols].astype(object).fillna(_NO_PARENT)
    parent_frame.columns = group_cols + node_cols
    parent_key = pd.MultiIndex.from_frame(parent_frame)
    parent_pos = node_key.get_indexer(parent_key).astype(np.int64)
    parent_pos[parent_pos == np.arange(len(out))] = -1
    counts = pd.to_numeric(out[count_col], errors="coerce").fillna(0).to_numpy(dtype="float64")
    pre = (out[suppressed_col].fillna(False).to_numpy(dtype=bool) if suppressed_col in out
           else np.zeros(len(out), dtype=bool))
    order = node_key.argsort()
    tiebreak = np.empty(len(out), dtype=np.int64)
    tiebreak[order] = np.arange(len(out))
    hidden = _hidden_mask(counts, parent_pos, pre, tiebreak, k)
    reasons = _reasons(hidden, counts, pre, _reason_values(out, reason_col), k)
    out[count_col] = pd.array(np.rint(counts).astype(np.int64), dtype="Int64")
    out.loc[hidden, count_col] = pd.NA
    for column in value_cols:
        if column in out:
            if pd.api.types.is_numeric_dtype(out[column]):
                out[column] = out[column].astype("float64")
                out.loc[hidden, column] = np.nan
            else:
                out.loc[hidden, column] = pd.NA
    out[suppressed_col] = hidden
    out[reason_col] = pd.array(reasons, dtype="str")
    return out


_PARENT_KEYS = ["_parent_level", "_parent_unit", "_parent_parent"]


def _with_parent_keys(frame: pd.DataFrame, group_cols: list[str], level_col: str, unit_col: str,
                      parent_col: str) -> pd.DataFrame:
    """Add the columns naming each row's parent row: (parent's level, parent's unit, parent's parent).

    A row's parent is at the nearest higher level present in the table, with ``unit == parent``; the
    parent's own parent is looked up among the rows of that level (units above team level are unique
    within a wave, so the look-up is unambiguous). Row order and index are kept.
    """
    present = set(frame[level_col].astype(str))
    ordered = [level for level in settings.LEVELS if level in present]
    above = {level: (ordered[i - 1] if i > 0 else None) for i, level in enumerate(ordered)}
    work = frame.reset_index(drop=True)
    work["_parent_level"] = work[level_col].astype(str).map(above).astype(object)
    work["_parent_unit"] = work[parent_col].astype(object)
    parents = work.loc[work[level_col].isin(ordered[:-1]), group_cols + [level_col, unit_col, parent_col]]
    parents = parents.drop_duplicates(group_cols + [level_col, unit_col]).astype(object)
    parents.columns = group_cols + ["_parent_level", "_parent_unit", "_parent_parent"]
    keys = group_cols + ["_parent_level", "_parent_unit"]
    merged = work[keys].astype(object).merge(parents, on=keys, how="left")
    work["_parent_parent"] = merged["_parent_parent"].to_numpy()
    return work


def suppress_unit_table(table: pd.DataFrame, *, min_group_size: int, n_col: str = "n",
                        unit_cols: Sequence[str] = ("wave", "level", "unit", "parent"),
                        by: Sequence[str] | None = None, value_cols: Sequence[str] | None = None,
                        unit_counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Suppress a survey table of units (organisation, directorates, teams) before anyone sees it.

    Parameters
    ----------
    table
        One row per wave x level x unit (x measure or item): at least ``unit_cols`` and ``n_col``.
        ``level`` is one of :data:`~analytics.settings.LEVELS`; ``parent`` is the unit's parent unit
        (blank at organisation level; a team's directorate, or the organisation when there is no
        directorate level). Units at organisation and directorate level must be unique within a wave.
    min_group_size
        ``k`` (default in NHS practice 11; never below 5).
    n_col
        The count each row rests on (see "Which n?" in the module docstring).
    unit_cols
        Names of the wave, level, unit and parent columns, in that order.
    by
        Columns splitting the table into separate figures, each suppressed on its own hierarchy
        (default: whichever of ``measure`` and ``item`` the table has).
    value_cols
        Columns blanked on suppressed rows (default: those of :data:`SUPPRESSED_VALUE_COLUMNS` present).
    unit_counts
        Optional table with ``unit_cols`` and ``n_col``: each unit's number of respondents. Units
        hidden on these counts (primary or complementary suppression, per wave) are hidden on every
        row of ``table``, before the rows are judged on their own ``n``.

    Returns
    -------
    DataFrame
        A copy of ``table``: ``n_col`` nullable integer, values blanked and ``suppressed`` True on hidden
        rows (an existing True ``suppressed`` flag is kept), and ``suppressed_reason`` (""
        on shown rows; primary or complementary on hidden rows, as in :func:`suppress_hierarchy`; a
        row hidden because its unit is hidden on ``unit_counts`` takes the unit's reason unless its own
        ``n`` is below ``k``). Row order is kept. See the module docstring for the rules and why.

    Examples
    --------
    With ``k = 5``, team B (n = 3) is hidden, and A (the next-smallest sibling) with it, because the
    directorate is shown and B alone could be recovered by subtraction:

    >>> t = pd.DataFrame({"wave": "2025", "level": ["directorate", "team", "team", "team"],
    ...                   "unit": ["D", "A", "B", "C"], "parent": ["", "D", "D", "D"],
    ...                   "n": [30, 8, 3, 19], "mean": [6.0, 5.0, 7.0, 6.2]})
    >>> out = suppress_unit_table(t, min_group_size=5)
    >>> out["suppressed"].tolist()
    [False, True, True, False]
    >>> out["suppressed_reason"].tolist()
    ['', 'complementary', 'primary', '']
    """
    k = check_min_group_size(min_group_size)
    wave_col, level_col, unit_col, parent_col = list(unit_cols)
    missing = [c for c in [wave_col, level_col, unit_col, parent_col, n_col] if c not in table.columns]
    if missing:
        raise ValueError(f"the table has no column(s) {missing}")
    if by is None:
        by = [c for c in ("measure", "item") if c in table.columns]
    if value_cols is None:
        value_cols = [c for c in SUPPRESSED_VALUE_COLUMNS if c in table.columns]
    unknown = sorted(set(table[level_col].dropna().astype(str)) - set(settings.LEVELS))
    if unknown:
        raise ValueError(f"unknown level(s) {unknown}; expected {settings.LEVELS}")
    work = table.copy()
    if "suppressed" not in work:
        work["suppressed"] = False
    work["suppressed"] = work["suppressed"].fillna(False).astype(bool)
    work[REASON_COLUMN] = _reason_values(work, REASON_COLUMN)
    if unit_counts is not None and len(unit_counts):
        units = unit_counts[[wave_col, level_col, unit_col, parent_col, n_col]].copy()
        units = _with_parent_keys(units, [wave_col], level_col, unit_col, parent_col)
        units = suppress_hierarchy(units, node_cols=[level_col, unit_col, parent_col], parent_cols=_PARENT_KEYS,
                                   count_col=n_col, min_group_size=k, group_cols=[wave_col])
        hidden_units = units.loc[units["suppressed"], [wave_col, level_col, unit_col, parent_col, REASON_COLUMN]]
        if len(hidden_units):
            key = pd.MultiIndex.from_frame(work[[wave_col, level_col, unit_col, parent_col]].astype(object))
            hidden_key = pd.MultiIndex.from_frame(hidden_units.drop(columns=REASON_COLUMN).astype(object))
            position = hidden_key.get_indexer(key)
            newly = (position >= 0) & ~work["suppressed"].to_numpy(dtype=bool)
            unit_reason = hidden_units[REASON_COLUMN].to_numpy(dtype=object)
            work.loc[newly, REASON_COLUMN] = unit_reason[position[newly]]
            work.loc[position >= 0, "suppressed"] = True
    work = _with_parent_keys(work, [wave_col, *by], level_col, unit_col, parent_col)
    out = suppress_hierarchy(work, node_cols=[level_col, unit_col, parent_col], parent_cols=_PARENT_KEYS,
                             count_col=n_col, min_group_size=k, group_cols=[wave_col, *by],
                             value_cols=value_cols)
    out.index = table.index
    return out.drop(columns=_PARENT_KEYS)

"""Published unit-level results in the unit-score layout, with suppression against their total rows.

A team file that gives counts and a total row ("All teams", "Total") lets anyone recover a hidden
team's figure by subtraction: total x n_total minus the shown teams' sums. The rule of
:mod:`analytics.survey.privacy` (complementary suppression: the next-smallest sibling is hidden until the
hidden teams hold k responses together) is applied with the total row as the teams' parent, through
:func:`analytics.survey.privacy.suppress_hierarchy` — the same rule as for respondent-level data, not a
second one. The total's own figures stay shown (they rest on many responses), but its ``n`` is blanked
whenever exactly one team under it is hidden, so that no single hidden team's count can be read off.

A file without counts ("published, already anonymised") is shown as published: nothing can be checked
against k, nothing is invented.
"""

from __future__ import annotations

import pandas as pd

from analytics import settings
from analytics.ingest.comparators import COMPARATOR_TOTAL
from analytics.ingest.published_table import VALUE_KIND_PCT_UNFAVOURABLE
from analytics.ingest.unit_level import VALUE_KIND_SCORE, UnitResults
from analytics.survey.privacy import suppress_hierarchy

#: Figure columns of a published unit table; ``pct_unfavourable`` (burnout, stress: higher is worse) only
#: appears in tables from published files.
PUBLISHED_VALUE_COLUMNS = ("mean", "ci_low", "ci_high", "pct_positive", "pct_unfavourable")
#: Columns of the comparators table: wave, label, kind, measure, n, mean, pct_positive, pct_unfavourable, and
#: ``group``: the benchmark group (sheet) of a comparator of an NSS benchmark workbook read whole, "" otherwise.
COMPARATOR_COLUMNS = ("wave", "unit", "kind", "measure", "n", "mean", "pct_positive", "pct_unfavourable", "group")


def _wide(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Long (value, value_kind) rows -> one row per keys with mean / pct_positive / pct_unfavourable."""
    frame = frame.copy()
    kind = frame["value_kind"]
    frame["mean"] = frame["value"].where(kind == VALUE_KIND_SCORE)
    frame["pct_unfavourable"] = frame["value"].where(kind == VALUE_KIND_PCT_UNFAVOURABLE)
    frame["pct_positive"] = frame["value"].where(~kind.isin([VALUE_KIND_SCORE, VALUE_KIND_PCT_UNFAVOURABLE]))
    return (frame.groupby(keys, sort=False, dropna=False)
            .agg(n=("n", "first"), mean=("mean", "first"), pct_positive=("pct_positive", "first"),
                 pct_unfavourable=("pct_unfavourable", "first"))
            .reset_index())


def _with_group(comparators: pd.DataFrame) -> pd.DataFrame:
    """Comparator rows with a text ``group`` ("" when the file has no benchmark groups)."""
    group = comparators["group"] if "group" in comparators.columns else pd.Series("", index=comparators.index)
    return comparators.assign(group=group.fillna("").astype(str))


def published_unit_scores(results: UnitResults, level: str, *, min_group_size: int) -> tuple[pd.DataFrame,
                                                                                               pd.DataFrame]:
    """The unit table and the comparators table of a published file, suppressed.

    Parameters
    ----------
    results
        As read by :func:`analytics.ingest.unit_level.read_unit_results` (waves known).
    level
        The reporting level of its units.
    min_group_size
        k.

    Returns
    -------
    (units, comparators)
        ``units``: :data:`analytics.settings.UNIT_SCORE_COLUMNS` plus ``pct_unfavourable``. With counts:
        a unit with ``n < k`` is hidden (primary), a unit with an unknown count is hidden (count unknown),
        and when a total row is given the next-smallest teams are hidden too (complementary) so that the
        hidden teams hold k responses together. Without counts (``published_without_counts``): figures as
        published, ``n`` missing, nothing hidden. ``comparators``: :data:`COMPARATOR_COLUMNS`, figures
        as published (a total's ``n`` blanked when exactly one team under it is hidden).
    """
    k = min_group_size
    units = _wide(results.frame, ["wave", "unit", "measure"])
    units.insert(1, "level", level)
    units.insert(3, "parent", pd.NA)
    units["ci_low"] = float("nan")
    units["ci_high"] = float("nan")
    units["n"] = units["n"].astype("Float64")
    comparators = _wide(_with_group(results.comparators), ["wave", "unit", "kind", "measure", "group"]) \
        if len(results.comparators) else pd.DataFrame(columns=list(COMPARATOR_COLUMNS))
    columns = [*settings.UNIT_SCORE_COLUMNS, "pct_unfavourable"]
    if results.published_without_counts:
        units["suppressed"] = False
        units["suppressed_reason"] = ""
        return units[columns], comparators[list(COMPARATOR_COLUMNS)]
    unknown = units["n"].isna().to_numpy()
    units["suppressed"] = unknown
    units["suppressed_reason"] = [settings.SUPPRESSION_COUNT_UNKNOWN if u else "" for u in unknown]
    totals = comparators.loc[comparators["kind"] == COMPARATOR_TOTAL] if len(comparators) else comparators
    units, totals = _suppress_against_totals(units, totals, k)
    if len(totals):
        rest = comparators.loc[comparators["kind"] != COMPARATOR_TOTAL]
        comparators = pd.concat([totals[list(COMPARATOR_COLUMNS)], rest], ignore_index=True)
    return units[columns], comparators[list(COMPARATOR_COLUMNS)]


def _suppress_against_totals(units: pd.DataFrame, totals: pd.DataFrame, k: int) -> tuple[pd.DataFrame,
                                                                                         pd.DataFrame]:
    """Primary + complementary suppression of ``units`` under their wave's total row (one per wave and
    measure; the first total label when a file has several)."""
    totals = totals.drop_duplicates(["wave", "measure"]).copy()
    work = units.copy()
    work["parent_key"] = pd.NA
    if len(totals):
        label = totals.set_index(["wave", "measure"])["unit"]
        keys = pd.MultiIndex.from_frame(work[["wave", "measure"]].astype(object))
        work["parent_key"] = label.reindex(keys).to_numpy()
        parents = totals.assign(parent_key=pd.NA, suppressed=False, suppressed_reason="")
        parents["n"] = parents["n"].astype("Float64")
        work = pd.concat([work.assign(_total=False), parents.assign(_total=True)], ignore_index=True)
    else:
        work["_total"] = False
    out = suppress_hierarchy(work, node_cols=["unit"], parent_cols=["parent_key"], count_col="n",
                             min_group_size=k, group_cols=["wave", "measure"],
                             value_cols=list(PUBLISHED_VALUE_COLUMNS))
    is_total = out["_total"].to_numpy(dtype=bool)
    result_units = out.loc[~is_total].drop(columns=["parent_key", "_total"]).reset_index(drop=True)
    result_totals = out.loc[is_total].copy()
    if len(result_totals):
        hidden = (out.loc[~is_total & out["suppressed"].to_numpy(dtype=bool)]
                  .groupby(["wave", "measure"], dropna=False).size())
        single = hidden[hidden == 1].index
        one_hidden = pd.MultiIndex.from_frame(result_totals[["wave", "measure"]].astype(object)).isin(single)
        # The total is shown (figures as published), its count only when it cannot single out one team.
        original = work.loc[is_total, ["mean", "pct_positive", "pct_unfavourable", "n"]]
        own_n = original["n"].astype("Float64").fillna(0).to_numpy(dtype=float)
        shown = ~((own_n > 0) & (own_n < k))  # a total resting on fewer than k responses stays hidden
        for column in ("mean", "pct_positive", "pct_unfavourable", "n"):
            values = original[column].astype("Float64").to_numpy(dtype=float, na_value=float("nan"))
            result_totals[column] = [v if s else float("nan") for v, s in zip(values, shown)]
        result_totals["n"] = result_totals["n"].astype("Float64")
        result_totals.loc[one_hidden, "n"] = pd.NA
    return result_units, result_totals

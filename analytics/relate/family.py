"""The multiple-comparison family of a relationship: one definition, used by the Relationships page (headline
pair and matrix), the board pack and ``python -m analytics relate``, so the same fact carries the same
adjusted p wherever it appears.

Rule (Benjamini–Hochberg, :func:`analytics.stats.benjamini_hochberg`)
--------------------------------------------------------------------
A row of :func:`analytics.relate.relate_survey_hr` that is a plain association (not stratified — or the pooled
row of a stratified run —, not weighted, not adjusted for covariates) belongs to its **wave's family**:

* HR outcome (``y`` in :data:`~analytics.relate.common.HR_OUTCOMES`): every measure of
  :data:`~analytics.relate.common.DEFAULT_MEASURES` (plus the survey's local measures) that the units have,
  against every HR outcome, over the same units of the same wave (same level, directorate and window) —
  exactly the Relationships page's correlation matrix;
* survey outcome (``y`` in :data:`~analytics.relate.common.SURVEY_OUTCOMES`): the same measures less the
  survey outcomes, against the survey outcomes present — the matrix shown without HR data.

Its adjusted p is BH across the family's p-values, whichever subset of pairs was asked for: the headline
pair, the matrix, the pack's three measures and the command line all quote the matrix's figure.
Every other row (a stratum, a weighted or adjusted r, a pair outside the family) is adjusted across the
rows of its own analysis in the same wave. Families never span waves: each wave is a separate report.
The family is stated in the ``p_adj_family`` column of every row.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from analytics import stats
from analytics.relate.common import DEFAULT_MEASURES, HR_OUTCOMES, SURVEY_OUTCOMES

BH = "Benjamini–Hochberg"


def local_measures(survey) -> list[str]:
    """The survey's local measures with results (a pulse survey's own measures, items ``custom.`` codes)."""
    book = getattr(survey, "codebook", None)
    present = set(survey.unit_scores["measure"].astype(str))
    return [m.id for m in (book.measures if book is not None else ())
            if m.items and all(str(code).startswith("custom.") for code in m.items) and m.id in present]


def family_pairs(frame: pd.DataFrame, y: str, survey=None) -> tuple[list[str], list[str]]:
    """The measures (x) and outcomes (y) of the family of an outcome ``y``; ([], []) when ``y`` has none."""
    measures = [m for m in DEFAULT_MEASURES if m in frame.columns]
    if survey is not None:
        measures += [m for m in local_measures(survey) if m in frame.columns and m not in measures]
    if y in HR_OUTCOMES:
        return measures, [o for o in HR_OUTCOMES if o in frame.columns]
    if y in SURVEY_OUTCOMES:
        outcomes = [o for o in SURVEY_OUTCOMES if o in frame.columns]
        return [m for m in measures if m not in outcomes], outcomes
    return [], []


def _in_family(row: pd.Series, xs: Sequence[str], plain: bool) -> bool:
    return plain and str(row["group"]) == "" and str(row["x"]) in xs


def adjust_wave(table: pd.DataFrame, frame: pd.DataFrame, *, wave: str, level: str, plain: bool,
                min_units: int, survey=None, directorate: str | None = None) -> pd.DataFrame:
    """``p_adj`` and ``p_adj_family`` of one wave's rows (see the module's rule). ``plain``: no weights and no
    covariates. Returns a copy of ``table``."""
    table = table.copy()
    table["p_adj"] = np.nan
    table["p_adj_family"] = ""
    where = f"wave {wave}" + (f", teams of {directorate}" if directorate else "")
    done = pd.Series(False, index=table.index)
    for kind in (HR_OUTCOMES, SURVEY_OUTCOMES):
        xs, ys = family_pairs(frame, kind[0], survey)
        rows = table.index[[str(r["y"]) in kind and str(r["y"]) in ys and _in_family(r, xs, plain)
                            for _, r in table.iterrows()]]
        if not len(rows) or not xs or not ys:
            continue
        fam = stats.correlations(frame, xs, ys, min_units=min_units)
        fam = fam[fam["x"] != fam["y"]]
        adjusted = stats.benjamini_hochberg(fam["p"].astype(float))
        lookup = {(str(a), str(b)): p for a, b, p in zip(fam["x"], fam["y"], adjusted)}
        tested = int(fam["p"].notna().sum())
        outcome_kind = "HR outcomes" if kind is HR_OUTCOMES else "survey outcomes"
        text = (f"{BH} across the {tested} associations of {len(xs)} survey measures with {len(ys)} {outcome_kind} "
                f"between {level}s ({where})")
        for i in rows:
            table.loc[i, "p_adj"] = lookup.get((str(table.loc[i, "x"]), str(table.loc[i, "y"])), np.nan)
            table.loc[i, "p_adj_family"] = text
            done[i] = True
    rest = table.index[~done.to_numpy()]
    if len(rest):
        adjusted = stats.benjamini_hochberg(table.loc[rest, "p"].astype(float))
        table.loc[rest, "p_adj"] = adjusted
        tested = int(table.loc[rest, "p"].notna().sum())
        table.loc[rest, "p_adj_family"] = f"{BH} across the {tested} rows of this analysis ({where})"
    return table


def describe_run(table: pd.DataFrame, what: str) -> pd.Series:
    """The family text of a run adjusted as one family (unit files, change between waves)."""
    tested = int(pd.to_numeric(table["p"], errors="coerce").notna().sum())
    return pd.Series(f"{BH} across the {tested} {what} of this analysis", index=table.index, dtype=object)

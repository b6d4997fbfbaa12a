"""Trends: wave-over-wave comparison tables and per-unit trend tables, for the Team explorer and Trends pages.

Every function here takes the anonymised tables that leave the survey pipeline
(:data:`analytics.settings.UNIT_SCORE_COLUMNS`, :data:`analytics.settings.ITEM_RESULT_COLUMNS`) and,
where a significance test needs them, the respondent-level scores (``SurveyResults.scored.respondents``),
and returns aggregate tables only: one row per unit, per wave x measure or per item. No respondent-level
row is ever returned.

Tests of change (the project's choice, stated on the Methods page)
-------------------------------------------------------------------
* A **score** change between two waves is tested with Welch's t-test on the respondents' scores
  (:func:`analytics.stats.compare_waves`), with Cohen's d as its size. The two waves are independent
  samples (the survey is anonymous, so nobody can be paired across waves).
* A **% positive** change of one question is tested with the two-proportion z-test
  (:func:`analytics.stats.compare_proportions`), with a Wald 95% CI for the change in percentage points.
* Many changes shown together are corrected for the false discovery rate with Benjamini–Hochberg
  (Benjamini & Hochberg 1995). The family is what a reader sees at once:

  - :func:`wave_changes` / :func:`unit_table`: the units of the table (one measure, two waves);
  - :func:`unit_trend`: the unit's measures x consecutive wave pairs in the table;
  - :func:`item_changes`: the unit's questions in the table.

  A change is *significant* when its adjusted p is below ``1 - confidence`` (0.05).
* Waves are *consecutive* when they are adjacent in the sorted list of waves of the results; a unit
  suppressed (or absent) in one of two waves has no change for that pair.

Anonymity (domain.md §2)
------------------------
A unit suppressed in a wave (``suppressed`` true, after primary and complementary suppression) shows no
number for that wave in any table here: its n, mean, CI and % positive are missing, and no change to or
from that wave is computed, even when the unit's own count would reach the threshold (complementary
suppression hides such units so that others cannot be recovered by subtraction). The respondent scores
are only read for units shown in both waves compared.

HR outcomes
-----------
:func:`unit_hr_rows` picks a unit's rows out of an :mod:`analytics.hr` table (matching names case- and
space-insensitively); :func:`hr_outcome_summary` lays out a unit's leaver rate, stability index and
sickness rate with their numerators and denominators. HR tables are not survey responses and are kept
per unit as :mod:`analytics.hr` returns them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from analytics import settings
from analytics.ingest.codebook import Codebook, normalise_label
from analytics.errors import InputError
from analytics.stats import compare_proportions, compare_waves
from analytics.stats.multiple import benjamini_hochberg
from analytics.survey.units import KEY_SEPARATOR, respondent_units, unit_keys, unit_mask

# --- Column contracts -------------------------------------------------------------------------------
#: :func:`wave_changes`: one row per unit shown in both waves.
WAVE_COMPARISON_COLUMNS = (
    "level", "unit", "parent", "measure", "wave_from", "wave_to", "n_from", "n_to", "mean_from", "mean_to",
    "change", "t", "p", "p_adj", "cohens_d", "significant",
)
#: :func:`unit_table`: one row per unit of a level in one wave, for one measure.
UNIT_TABLE_COLUMNS = (
    "unit", "parent", "measure", "wave", "n", "mean", "ci_low", "ci_high", "pct_positive", "suppressed",
    "suppressed_reason", "previous_wave", "change", "p_adj", "significant",
)
#: :func:`unit_trend`: one row per wave x measure of one unit. ``pct_unfavourable`` (0–100, higher is worse) is
#: filled for measures published as a % unfavourable (burnout, stress rates of published results) and missing
#: otherwise.
UNIT_TREND_COLUMNS = (
    *settings.UNIT_SCORE_COLUMNS, "pct_unfavourable", "previous_wave", "change", "t", "p", "p_adj", "cohens_d",
    "significant",
)
#: :func:`item_changes`: one row per question of one unit in one wave.
ITEM_CHANGE_COLUMNS = (
    "item", "wording", "measures", "n", "pct_positive", "suppressed", "suppressed_reason", "organisation_pct_positive",
    "previous_wave", "n_previous", "pct_positive_previous", "change_points", "change_ci_low", "change_ci_high",
    "p", "p_adj", "significant",
)
#: :func:`unit_options`: one row per unit of a level.
UNIT_OPTION_COLUMNS = ("unit", "parent", "label", "suppressed")
#: :func:`hr_outcome_summary`: one row per HR outcome.
HR_SUMMARY_COLUMNS = ("outcome", "value", "numerator", "numerator_label", "denominator", "denominator_label")

_FIGURES = ("n", "mean", "ci_low", "ci_high", "pct_positive")
# --- Helpers ----------------------------------------------------------------------------------------
def _check_level(level: str) -> None:
    if level not in settings.LEVELS:
        raise InputError(f"Unknown reporting level '{level}'; use one of {', '.join(settings.LEVELS)}.")


def _require(frame: object, columns: Iterable[str], what: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"The {what} must be a table.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"The {what} has no column {', '.join(repr(c) for c in missing)}. "
                         f"Columns present: {', '.join(map(str, frame.columns))}.")
    return frame


#: Columns a unit-score / question table must have. ``suppressed_reason`` may be absent (a table from
#: before it existed): it is then read as "" (a suppressed row is then labelled "fewer than k responses").
_UNIT_SCORE_REQUIRED = tuple(c for c in settings.UNIT_SCORE_COLUMNS if c != "suppressed_reason")
_ITEM_RESULT_REQUIRED = tuple(c for c in settings.ITEM_RESULT_COLUMNS if c != "suppressed_reason")


def _with_reason(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with a text ``suppressed_reason`` ("" where missing, and on shown rows)."""
    reason = (rows["suppressed_reason"].astype(object).where(rows["suppressed_reason"].notna(), "")
              if "suppressed_reason" in rows.columns else pd.Series("", index=rows.index, dtype=object))
    reason = reason.where(~_shown(rows), "")
    return rows.assign(suppressed_reason=reason.astype(str).to_numpy())


def _shown(rows: pd.DataFrame) -> pd.Series:
    """True for rows whose figures may be shown: not suppressed (a missing flag counts as suppressed)."""
    flag = rows["suppressed"].astype("boolean").fillna(True).astype(bool)
    return ~flag


def _blank_suppressed(rows: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A copy whose suppressed rows have every figure missing (a second line of defence)."""
    rows = rows.copy()
    hidden = ~_shown(rows)
    for column in columns:
        if column in rows.columns and hidden.any():
            if str(rows[column].dtype) in ("Int64", "Float64", "boolean"):
                rows.loc[hidden, column] = pd.NA
            else:
                rows[column] = rows[column].astype(float)
                rows.loc[hidden, column] = np.nan
    return rows


def sorted_waves(table: pd.DataFrame) -> list:
    """The waves of a results table in order (as :attr:`analytics.survey.pipeline.SurveyResults.waves`)."""
    return sorted(table["wave"].dropna().unique().tolist(), key=str)


def previous_wave(table: pd.DataFrame, wave: object) -> object | None:
    """The wave before ``wave`` in the sorted waves of ``table``, or ``None`` for the first wave."""
    waves = sorted_waves(table)
    if wave not in waves:
        raise InputError(f"There are no results for wave {wave}. Waves present: {', '.join(map(str, waves))}.")
    position = waves.index(wave)
    return waves[position - 1] if position > 0 else None


def _unit_rows(table: pd.DataFrame, level: str, unit: str, parent: str | None) -> pd.DataFrame:
    rows = table[(table["level"] == level) & (table["unit"].astype(str) == str(unit))]
    if parent is not None:
        rows = rows[rows["parent"].astype(str) == str(parent)]
    if rows.empty:
        where = f" in {parent}" if parent is not None else ""
        raise InputError(f"There are no results for {unit}{where} at {level} level.")
    parents = rows["parent"].astype(str).unique()
    if len(parents) > 1:
        raise InputError(f"More than one {level} is called {unit} (in {', '.join(parents)}); choose which one.")
    return rows


# --- Unit choices -----------------------------------------------------------------------------------
def unit_options(unit_scores: pd.DataFrame, *, level: str, wave: object = None,
                 parents: Iterable[str] | None = None) -> pd.DataFrame:
    """The units of a level, for a chooser: name, parent, display label and whether they are suppressed.

    Parameters
    ----------
    unit_scores
        The unit-score table (:data:`~analytics.settings.UNIT_SCORE_COLUMNS`).
    level
        One of :data:`~analytics.settings.LEVELS`.
    wave
        If given, only units with results in that wave, and ``suppressed`` says whether every row of the
        unit is suppressed in that wave; otherwise units of any wave, ``suppressed`` true when the unit is
        suppressed in every wave.
    parents
        If given, only units whose parent is one of these (e.g. the teams of one directorate).

    Returns
    -------
    pandas.DataFrame
        :data:`UNIT_OPTION_COLUMNS`, sorted by parent then unit. ``label`` is the unit name, followed by
        "(parent)" when two units of the level share a name.
    """
    _require(unit_scores, ("wave", "level", "unit", "parent", "suppressed"), "table of unit scores")
    _check_level(level)
    rows = unit_scores[unit_scores["level"] == level]
    if wave is not None:
        rows = rows[rows["wave"] == wave]
    if parents is not None:
        rows = rows[rows["parent"].astype(str).isin({str(p) for p in parents})]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in UNIT_OPTION_COLUMNS})
    hidden = ~_shown(rows)
    out = (rows.assign(hidden=hidden.to_numpy(), unit=rows["unit"].astype(str), parent=rows["parent"].astype(str))
           .groupby(["parent", "unit"], sort=True)["hidden"].all().rename("suppressed").reset_index())
    duplicated = out["unit"].duplicated(keep=False)
    out["label"] = out["unit"].where(~duplicated, out["unit"] + " (" + out["parent"] + ")")
    out = out.sort_values(["parent", "unit"], kind="stable").reset_index(drop=True)
    return out[list(UNIT_OPTION_COLUMNS)]


# --- Score changes between two waves ---------------------------------------------------------------
def wave_changes(
    unit_scores: pd.DataFrame,
    respondents: pd.DataFrame,
    *,
    measure: str,
    wave_from: object,
    wave_to: object,
    level: str = settings.LEVEL_TEAM,
    parents: Iterable[str] | None = None,
    min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE,
    confidence: float = settings.CONFIDENCE_LEVEL,
) -> pd.DataFrame:
    """Each unit's change in one measure between two waves, for units shown in both waves.

    Parameters
    ----------
    unit_scores
        The anonymised unit-score table; it decides which units may be shown.
    respondents
        Respondent-level scores (``SurveyResults.scored.respondents``: ``wave``, ``directorate``,
        ``team`` and one column per measure). Read, never returned.
    measure
        Measure id (a column of ``respondents``).
    wave_from, wave_to
        The waves compared; ``change = mean at wave_to - mean at wave_from``.
    level
        Reporting level of the units.
    parents
        If given, only units whose parent is one of these (e.g. the teams of one directorate); the
        Benjamini–Hochberg family is then those units.
    min_group_size, confidence
        The anonymity threshold in use and the confidence level (significance at ``1 - confidence``).

    Returns
    -------
    pandas.DataFrame
        :data:`WAVE_COMPARISON_COLUMNS`, one row per unit not suppressed in either wave, sorted by parent
        and unit: ``n_from``, ``n_to``, ``mean_from``, ``mean_to``, ``change``, Welch ``t`` and ``p``,
        ``p_adj`` (Benjamini–Hochberg across the rows), Cohen's ``d`` (pooled SD) and ``significant``.

    Notes
    -----
    Computed by :func:`analytics.stats.compare_waves` with each unit identified by its parent and name
    (two teams of the same name under different directorates stay apart). Respondents without a score
    are left out. Units suppressed in either wave are not passed to the test at all.
    """
    _require(unit_scores, ("wave", "level", "unit", "parent", "measure", "mean", "suppressed"),
             "table of unit scores")
    _require(respondents, ("wave", measure), "respondent table")
    _check_level(level)
    if wave_from == wave_to:
        raise InputError("Choose two different waves to compare.")
    rows = unit_scores[(unit_scores["level"] == level) & (unit_scores["measure"] == measure)
                       & unit_scores["wave"].isin([wave_from, wave_to])]
    if parents is not None:
        rows = rows[rows["parent"].astype(str).isin({str(p) for p in parents})]
    rows = rows[_shown(rows).to_numpy() & rows["mean"].notna().to_numpy()]
    keys = unit_keys(rows["parent"], rows["unit"])
    in_from = set(keys[(rows["wave"] == wave_from).to_numpy()])
    in_to = set(keys[(rows["wave"] == wave_to).to_numpy()])
    allowed = sorted(in_from & in_to)
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in WAVE_COMPARISON_COLUMNS})
    if not allowed:
        return empty
    unit, parent = respondent_units(respondents, level)
    key = unit_keys(parent, unit)
    keep = (key.isin(allowed) & respondents["wave"].isin([wave_from, wave_to])).to_numpy()
    frame = pd.DataFrame({"unit_key": key[keep].to_numpy(), "wave": respondents["wave"][keep].to_numpy(),
                          "score": respondents[measure][keep].to_numpy(dtype=float)})
    if frame.empty:
        return empty
    result = compare_waves(frame, "score", "unit_key", "wave", wave_from, wave_to, min_group_size=min_group_size,
                           units=allowed, confidence=confidence)
    parts = result["unit"].str.split(KEY_SEPARATOR, n=1, expand=True)
    result.insert(0, "parent", parts[0] if len(result) else pd.Series(dtype=object))
    result["unit"] = parts[1] if len(result) else result["unit"]
    result.insert(0, "level", level)
    result["measure"] = measure
    result["wave_from"] = wave_from
    result["wave_to"] = wave_to
    result = result.sort_values(["parent", "unit"], kind="stable").reset_index(drop=True)
    return result[list(WAVE_COMPARISON_COLUMNS)]


def unit_table(
    unit_scores: pd.DataFrame,
    respondents: pd.DataFrame | None,
    *,
    wave: object,
    measure: str,
    level: str = settings.LEVEL_TEAM,
    parents: Iterable[str] | None = None,
    min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE,
    confidence: float = settings.CONFIDENCE_LEVEL,
) -> pd.DataFrame:
    """One row per unit of a level in one wave: score, 95% CI, % positive and change since the previous wave.

    Parameters
    ----------
    unit_scores
        The anonymised unit-score table.
    respondents
        Respondent-level scores, for the test of change (:func:`wave_changes`); ``None`` leaves the change
        columns empty.
    wave, measure, level, parents
        Which wave, measure and units (``parents``: e.g. the teams of one directorate).
    min_group_size, confidence
        As in :func:`wave_changes`.

    Returns
    -------
    pandas.DataFrame
        :data:`UNIT_TABLE_COLUMNS`, sorted by parent and unit. Figures are those of the unit-score table
        (mean and its t-based 95% CI; ``pct_positive`` pooled over the measure's questions). A suppressed
        unit has every figure missing and its ``suppressed_reason`` code ("" when shown). ``previous_wave`` is the wave before ``wave`` (missing for the
        first wave); ``change``, ``p_adj`` (Benjamini–Hochberg across the units of the table) and
        ``significant`` are missing unless the unit is shown in both waves.
    """
    _require(unit_scores, _UNIT_SCORE_REQUIRED, "table of unit scores")
    _check_level(level)
    rows = unit_scores[(unit_scores["level"] == level) & (unit_scores["measure"] == measure)
                       & (unit_scores["wave"] == wave)]
    if parents is not None:
        rows = rows[rows["parent"].astype(str).isin({str(p) for p in parents})]
    rows = _with_reason(_blank_suppressed(rows, _FIGURES))
    out = rows[["unit", "parent", "measure", "wave", *_FIGURES, "suppressed", "suppressed_reason"]].copy()
    out["unit"] = out["unit"].astype(str)
    out["parent"] = out["parent"].astype(str)
    out["suppressed"] = (~_shown(rows)).to_numpy()
    before = previous_wave(unit_scores, wave)
    out["previous_wave"] = before
    changes = None
    if before is not None and respondents is not None and not out.empty:
        changes = wave_changes(unit_scores, respondents, measure=measure, wave_from=before, wave_to=wave,
                               level=level, parents=parents, min_group_size=min_group_size, confidence=confidence)
    if changes is not None and len(changes):
        out = out.merge(changes[["unit", "parent", "change", "p_adj", "significant"]], on=["unit", "parent"],
                        how="left")
        out["significant"] = out["significant"].astype("boolean")
    else:
        out["change"] = np.nan
        out["p_adj"] = np.nan
        out["significant"] = pd.array([pd.NA] * len(out), dtype="boolean")
    out["change"] = out["change"].astype(float)
    out["p_adj"] = out["p_adj"].astype(float)
    out = out.sort_values(["parent", "unit"], kind="stable").reset_index(drop=True)
    return out[list(UNIT_TABLE_COLUMNS)]


def unit_trend(
    unit_scores: pd.DataFrame,
    respondents: pd.DataFrame | None,
    *,
    level: str,
    unit: str,
    parent: str | None = None,
    measures: Sequence[str] | None = None,
    min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE,
    confidence: float = settings.CONFIDENCE_LEVEL,
) -> pd.DataFrame:
    """One unit's measures across waves, each change from the previous wave tested.

    Parameters
    ----------
    unit_scores
        The anonymised unit-score table.
    respondents
        Respondent-level scores for the tests (:func:`analytics.stats.compare_waves`); ``None`` leaves
        the test columns empty.
    level, unit, parent
        The unit (``parent`` picks between units of the same name; needed only then).
    measures
        Measure ids, in the order wanted; default every measure of the unit.

    Returns
    -------
    pandas.DataFrame
        :data:`UNIT_TREND_COLUMNS`: the unit's rows of the unit-score table (one per wave x measure,
        ordered by measure then wave; suppressed rows keep their place with every figure missing), its
        ``pct_unfavourable`` (the published % unfavourable of burnout- or stress-like measures, as in the
        table; missing when the table has no such column or the row is suppressed), then
        ``previous_wave`` (the wave before, in the waves of the whole table), ``change`` (mean minus the
        previous wave's mean), Welch ``t`` and ``p``, ``p_adj`` (Benjamini–Hochberg across every change
        in this table: measures x consecutive wave pairs), Cohen's ``d`` and ``significant`` (nullable:
        missing when not tested).

    Notes
    -----
    A change is tested only when the unit is shown (not suppressed, with a mean) in both waves of the
    pair; otherwise its test columns are missing. A unit with no row in a wave (it did not exist) has
    no row for that wave, and the next wave has no change.
    """
    _require(unit_scores, _UNIT_SCORE_REQUIRED, "table of unit scores")
    _check_level(level)
    rows = _unit_rows(unit_scores, level, unit, parent)
    parent = str(rows["parent"].iloc[0])
    measures = _trend_measures(rows, measures, unit)
    waves = sorted_waves(unit_scores)
    rank = {w: i for i, w in enumerate(waves)}
    rows = rows[rows["measure"].astype(str).isin(measures)]
    if "pct_unfavourable" not in rows.columns:
        rows = rows.assign(pct_unfavourable=np.nan)
    rows = _with_reason(_blank_suppressed(rows, (*_FIGURES, "pct_unfavourable")))
    rows = rows.assign(_m=rows["measure"].map({m: i for i, m in enumerate(measures)}),
                       _w=rows["wave"].map(rank), _shown=_shown(rows).to_numpy() & rows["mean"].notna().to_numpy())
    rows = rows.sort_values(["_m", "_w"], kind="stable").reset_index(drop=True)
    out = rows[list(settings.UNIT_SCORE_COLUMNS)].copy()
    out["suppressed"] = (~_shown(rows)).to_numpy()
    out["pct_unfavourable"] = rows["pct_unfavourable"].astype(float).to_numpy()
    out["previous_wave"] = [waves[i - 1] if i > 0 else None for i in rows["_w"]]
    for column in ("change", "t", "p", "cohens_d"):
        out[column] = np.nan
    if respondents is not None:
        _require(respondents, ("wave", *measures), "respondent table")
        own = respondents.loc[unit_mask(respondents, level, unit, parent)]
        _test_consecutive_waves(out, rows, own, measures, waves, min_group_size=min_group_size,
                                confidence=confidence)
    out["p_adj"] = benjamini_hochberg(out["p"])
    significant = pd.array([pd.NA] * len(out), dtype="boolean")
    tested = out["p_adj"].notna().to_numpy()
    significant[tested] = (out.loc[tested, "p_adj"] < 1 - confidence).to_numpy()
    out["significant"] = significant
    return out[list(UNIT_TREND_COLUMNS)]


def _trend_measures(rows: pd.DataFrame, measures: Sequence[str] | None, unit: str) -> list[str]:
    """The measures of a unit trend: those asked for (refused when the unit has no results for one), or every
    measure the unit has, in table order."""
    present = list(dict.fromkeys(rows["measure"].astype(str)))
    if measures is None:
        return present
    measures = [str(m) for m in measures]
    unknown = [m for m in measures if m not in present]
    if unknown:
        raise InputError(f"No results for {', '.join(unknown)} for {unit}. Measures present: {', '.join(present)}.")
    return measures


def _test_consecutive_waves(out: pd.DataFrame, rows: pd.DataFrame, own: pd.DataFrame, measures: list[str],
                            waves: list, *, min_group_size: int, confidence: float) -> None:
    """Fill ``change``, ``t``, ``p`` and ``cohens_d`` of ``out`` (in place) for each measure shown in a wave
    and in the wave before it, from the unit's respondents ``own`` (Welch's test, :func:`compare_waves`).

    One compare_waves call per wave pair, with the measures as its "units" (each measure's test uses only
    that measure's scores); its own BH adjustment is replaced by the table-wide one of :func:`unit_trend`.
    """
    shown_at = {(m, w): ok for m, w, ok in zip(rows["measure"].astype(str), rows["wave"], rows["_shown"])}
    position_of = {(m, w): i for i, (m, w) in enumerate(zip(rows["measure"].astype(str), rows["wave"]))}
    for before, wave in zip(waves[:-1], waves[1:]):
        tested = [m for m in measures if shown_at.get((m, wave)) and shown_at.get((m, before))]
        if not tested:
            continue
        pair = own[own["wave"].isin([before, wave])]
        long = pd.DataFrame({
            "measure": np.repeat(np.asarray(tested, dtype=object), len(pair)),
            "wave": np.tile(pair["wave"].to_numpy(dtype=object), len(tested)),
            "score": np.concatenate([pair[m].to_numpy(dtype=float) for m in tested]),
        })
        result = compare_waves(long, "score", "measure", "wave", before, wave, min_group_size=min_group_size,
                               units=tested, confidence=confidence)
        for r in result.itertuples(index=False):
            out.loc[position_of[(r.unit, wave)], ["change", "t", "p", "cohens_d"]] = [r.change, r.t, r.p, r.cohens_d]


# --- Question-level changes -------------------------------------------------------------------------
def _item_measures(codebook: Codebook | None) -> dict[str, str]:
    if codebook is None:
        return {}
    found: dict[str, list[str]] = {}
    for measure in codebook.measures:
        if measure.is_theme:
            continue
        for code in measure.items:
            found.setdefault(code.casefold(), []).append(measure.label)
    return {code: "; ".join(names) for code, names in found.items()}


def item_changes(
    item_results: pd.DataFrame,
    *,
    wave: object,
    level: str,
    unit: str,
    parent: str | None = None,
    codebook: Codebook | None = None,
    organisation: str = settings.ORGANISATION_UNIT,
    min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE,
    confidence: float = settings.CONFIDENCE_LEVEL,
) -> pd.DataFrame:
    """A unit's % positive per question in one wave, against the organisation and the previous wave.

    Parameters
    ----------
    item_results
        Question-level results (:data:`~analytics.settings.ITEM_RESULT_COLUMNS`), already suppressed.
    wave, level, unit, parent
        The unit and wave (``parent`` picks between units of the same name).
    codebook
        For the question wording and the measures each question belongs to (empty text without it).
    organisation
        The organisation's unit name, for ``organisation_pct_positive``.

    Returns
    -------
    pandas.DataFrame
        :data:`ITEM_CHANGE_COLUMNS`, one row per question of the unit in ``wave``, in the table's order:
        ``n`` (valid answers) and ``pct_positive`` (0–100), ``suppressed`` and ``suppressed_reason``, the organisation's %
        positive in the same wave, then against the previous wave: ``n_previous``,
        ``pct_positive_previous``, ``change_points`` (percentage points) with its Wald 95% CI, the
        two-proportion z-test ``p``, ``p_adj`` (Benjamini–Hochberg across the questions tested) and
        ``significant``.

    Notes
    -----
    Positive answers are recovered exactly as ``pct_positive × n ÷ 100`` (``pct_positive`` is positive
    answers ÷ valid answers) and passed to :func:`analytics.stats.compare_proportions`. A question is
    compared only when it is shown in both waves; a suppressed question has every figure missing.
    """
    _require(item_results, _ITEM_RESULT_REQUIRED, "table of question results")
    _check_level(level)
    rows = _unit_rows(item_results[item_results["wave"] == wave], level, unit, parent)
    parent = str(rows["parent"].iloc[0])
    rows = _with_reason(_blank_suppressed(rows, ("n", "pct_positive"))).reset_index(drop=True)
    out = pd.DataFrame({"item": rows["item"].astype(str)})
    wording = {code.casefold(): item.wording for code, item in (codebook.items.items() if codebook else [])}
    in_measures = _item_measures(codebook)
    out["wording"] = [wording.get(code.casefold(), "") for code in out["item"]]
    out["measures"] = [in_measures.get(code.casefold(), "") for code in out["item"]]
    out["n"] = rows["n"].astype("Int64").to_numpy()
    out["pct_positive"] = rows["pct_positive"].astype(float).to_numpy()
    out["suppressed"] = (~_shown(rows)).to_numpy()
    out["suppressed_reason"] = rows["suppressed_reason"].to_numpy()

    org = item_results[(item_results["wave"] == wave) & (item_results["level"] == settings.LEVEL_ORGANISATION)
                       & (item_results["unit"].astype(str) == str(organisation))]
    org = org[_shown(org).to_numpy()]
    org_pct = dict(zip(org["item"].astype(str), org["pct_positive"].astype(float)))
    out["organisation_pct_positive"] = [org_pct.get(code, np.nan) for code in out["item"]]

    before = previous_wave(item_results, wave)
    out["previous_wave"] = before
    out["n_previous"] = pd.array([pd.NA] * len(out), dtype="Int64")
    for column in ("pct_positive_previous", "change_points", "change_ci_low", "change_ci_high",
                   "p", "p_adj"):
        out[column] = np.nan
    out["significant"] = pd.array([pd.NA] * len(out), dtype="boolean")
    if before is not None:
        prev = item_results[(item_results["wave"] == before) & (item_results["level"] == level)
                            & (item_results["unit"].astype(str) == str(unit))
                            & (item_results["parent"].astype(str) == parent)]
        prev = prev[_shown(prev).to_numpy()]
        prev_n = dict(zip(prev["item"].astype(str), prev["n"].astype(float)))
        prev_pct = dict(zip(prev["item"].astype(str), prev["pct_positive"].astype(float)))
        out["n_previous"] = pd.array([prev_n.get(code, pd.NA) for code in out["item"]], dtype="Float64").astype("Int64")
        out["pct_positive_previous"] = [prev_pct.get(code, np.nan) for code in out["item"]]
        n_now = out["n"].astype("Float64").fillna(0).astype(float)
        n_before = out["n_previous"].astype("Float64").fillna(0).astype(float)
        tested = (~out["suppressed"] & n_now.gt(0) & out["pct_positive"].notna()
                  & n_before.gt(0) & out["pct_positive_previous"].notna()).to_numpy()
        if tested.any():
            part = out[tested]
            result = compare_proportions(
                np.rint(part["pct_positive_previous"] * n_before[tested] / 100), n_before[tested],
                np.rint(part["pct_positive"] * n_now[tested] / 100), n_now[tested],
                min_group_size=min_group_size, confidence=confidence)
            for column in ("change_points", "change_ci_low", "change_ci_high", "p", "p_adj"):
                out.loc[tested, column] = result[column].to_numpy()
            flags = result["p_adj"].lt(1 - confidence).where(result["p_adj"].notna())
            out.loc[tested, "significant"] = pd.array(flags.astype("boolean").to_numpy(), dtype="boolean")
    return out[list(ITEM_CHANGE_COLUMNS)]


# --- HR outcomes ------------------------------------------------------------------------------------
def unit_hr_rows(hr_table: pd.DataFrame, *, level: str, unit: str, parent: str | None = None) -> pd.DataFrame:
    """The rows of an :mod:`analytics.hr` table (``hr_metrics``, ``rolling_hr_series``) for one unit.

    Names are compared with :func:`analytics.ingest.codebook.normalise_label` (case, spaces, curly quotes),
    because HR systems and survey tools spell unit names differently. When several units of the level
    match the name, ``parent`` (also compared loosely) picks one; if it picks none, or is not given, no
    rows are returned rather than the wrong unit's. Returns an empty frame when the unit is not found.
    """
    _require(hr_table, ("level", "unit", "parent"), "HR table")
    rows = hr_table[hr_table["level"] == level]
    target = normalise_label(unit)
    names = [name for name in rows["unit"].dropna().unique() if normalise_label(name) == target]
    rows = rows[rows["unit"].isin(names).to_numpy()]
    parents = rows["parent"].map(lambda p: "" if p is None or (isinstance(p, float) and math.isnan(p))
                                 else normalise_label(p))
    if parents.nunique() > 1:
        if parent is None:
            return rows.iloc[0:0]
        rows = rows[(parents == normalise_label(parent)).to_numpy()]
    return rows


def hr_outcome_summary(metrics_row: pd.Series | pd.DataFrame) -> pd.DataFrame:
    """A unit's leaver rate, stability index and sickness absence rate with numerators and denominators.

    Parameters
    ----------
    metrics_row
        One row of :func:`analytics.hr.hr_metrics` (a Series, or a one-row frame).

    Returns
    -------
    pandas.DataFrame
        :data:`HR_SUMMARY_COLUMNS`, three rows (``leaver_rate``, ``stability_index``, ``sickness_rate``):

        * leaver rate = 100 × leavers ÷ mean(staff in post at start, at end);
        * stability index = 100 × staff in post at the start still in post at the end ÷ staff in post at
          the start (the numerator is recovered as ``stability_index × staff_start ÷ 100``, an exact whole
          number up to rounding);
        * sickness rate = 100 × FTE days lost ÷ FTE days available.

        Missing figures stay missing (e.g. no absence file: FTE days lost unknown).
    """
    if isinstance(metrics_row, pd.DataFrame):
        if len(metrics_row) != 1:
            raise InputError("Give exactly one unit's HR figures.")
        metrics_row = metrics_row.iloc[0]

    def number(name: str) -> float:
        value = metrics_row.get(name, np.nan)
        return np.nan if value is None or pd.isna(value) else float(value)

    staff_start, staff_end = number("staff_start"), number("staff_end")
    stability = number("stability_index")
    stayers = np.nan if math.isnan(stability) or math.isnan(staff_start) else round(stability * staff_start / 100)
    rows = [
        ("leaver_rate", number("leaver_rate"), number("leavers"), "leavers",
         (staff_start + staff_end) / 2, "mean staff in post (start and end)"),
        ("stability_index", stability, stayers, "staff in post at start still in post at end",
         staff_start, "staff in post at start"),
        ("sickness_rate", number("sickness_rate"), number("fte_days_lost"), "FTE days lost",
         number("fte_days_available"), "FTE days available"),
    ]
    return pd.DataFrame(rows, columns=list(HR_SUMMARY_COLUMNS))

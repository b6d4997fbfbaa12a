"""Respondent-level analyses that return pooled figures only: key drivers (:func:`drivers`, Shapley R²) and
within- and between-team slopes (:func:`within_between`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from analytics import settings, stats
from analytics.errors import InputError
from analytics.ingest.codebook import load_codebook
from analytics.relate.common import (
    DRIVERS_ITEMS, DRIVERS_SUB_SCORES, DRIVER_COLUMNS, DRIVER_SETS, DRIVER_SUB_SCORES, DriversResult, SlopesResult)
from analytics.survey.pipeline import SurveyResults


def _scope_respondents(survey: SurveyResults, wave: str, directorate: str | None) -> tuple[pd.DataFrame, str]:
    if survey is None or survey.scored is None:
        raise InputError("Respondent-level analyses need survey results scored from respondent-level files.")
    if str(wave) not in survey.waves:
        raise InputError(f"There is no wave '{wave}' in the survey results. Waves: {', '.join(survey.waves)}.")
    respondents = survey.scored.respondents
    in_wave = (respondents["wave"].astype(str) == str(wave)).to_numpy()
    if directorate is None:
        return respondents[in_wave], settings.ORGANISATION_UNIT.lower()
    us = survey.unit_scores
    shown = us[(us["wave"].astype(str) == str(wave)) & (us["level"] == settings.LEVEL_DIRECTORATE)
               & (us["unit"].astype(str) == str(directorate)) & ~us["suppressed"].astype(bool)]
    if shown.empty:
        raise InputError(f"The directorate '{directorate}' is not shown in wave {wave} (no results, or fewer "
                         f"than {survey.min_group_size} responses).")
    keep = in_wave & (respondents["directorate"].astype(str) == str(directorate)).to_numpy()
    return respondents[keep], f"directorate {directorate}"


def _wanted_predictors(predictors: str | Sequence[str], book, respondents: pd.DataFrame, outcome: str) -> list[str]:
    """The predictors a :func:`drivers` request names: the compassionate-leadership questions
    (:data:`DRIVERS_ITEMS`), the sub-scores (:data:`DRIVERS_SUB_SCORES`, less the outcome) or the columns given."""
    if isinstance(predictors, str) and predictors == DRIVERS_ITEMS:
        return list(book.items_of("compassionate_leadership")) if "compassionate_leadership" in book.measure_ids else []
    if isinstance(predictors, str) and predictors == DRIVERS_SUB_SCORES:
        return [m for m in DRIVER_SUB_SCORES if m in respondents.columns and m != outcome]
    if isinstance(predictors, str):
        raise InputError(f"Choose the predictors as one of {', '.join(DRIVER_SETS)} or as a list of columns.")
    return [str(p) for p in predictors]


def _usable_predictors(wanted: list[str], outcome: str, book, respondents: pd.DataFrame, items: pd.DataFrame,
                       notes: list[str]) -> list[str]:
    """The predictors present in the results that share no question with the outcome (a shared question would
    make the association circular); each one left out gets a note."""
    kept: list[str] = []
    outcome_items = set(book.items_of(outcome)) if outcome in book.measure_ids else set()
    for name in wanted:
        if name not in respondents.columns and name not in items.columns:
            notes.append(f"'{name}' is not in these survey results and is left out.")
            continue
        own = set(book.items_of(name)) if name in book.measure_ids else {name}
        overlap = sorted(own & outcome_items)
        if overlap:
            notes.append(f"'{name}' shares question(s) {', '.join(overlap)} with '{outcome}' and is left out.")
            continue
        kept.append(name)
    return kept


def drivers(survey: SurveyResults, outcome: str = "morale", *, predictors: str | Sequence[str] = DRIVERS_ITEMS,
            wave: str | None = None, directorate: str | None = None) -> DriversResult:
    """Relative importance of compassionate-leadership questions (or sub-scores) for a survey outcome.

    Parameters
    ----------
    survey
        Survey results with respondent-level scores (``survey.scored``; used here only).
    outcome
        ``"morale"`` or ``"thinking_about_leaving"`` (or another measure id).
    predictors
        :data:`DRIVERS_ITEMS` — the questions of the compassionate-leadership measure (q9f–q9i);
        :data:`DRIVERS_SUB_SCORES` — the sub-scores of :data:`DRIVER_SUB_SCORES`; or a list of item
        codes / measure ids. Predictors sharing a question with the outcome are left out (a shared
        question would inflate the association), with a note.
    wave
        The wave (default: the latest).
    directorate
        Only this directorate's respondents (it must be shown in the wave).

    Returns
    -------
    DriversResult
        Shapley decomposition of R² (:func:`analytics.stats.shapley_r2`, general dominance): each
        predictor's part of R², its share of R², and its zero-order r with the outcome; n complete
        respondents. Empty (with a note) when fewer respondents than the anonymity threshold have every
        value, or a value does not vary.

    Notes
    -----
    Respondent-level data stay inside: only the pooled decomposition leaves. Missing data: listwise over
    the outcome and the predictors. Correlated predictors share credit; a share describes this sample,
    not what would follow if one behaviour changed.
    """
    wave = str(wave) if wave is not None else (survey.waves[-1] if survey is not None and survey.waves else None)
    respondents, scope = _scope_respondents(survey, wave, directorate)
    book = survey.codebook or load_codebook()
    if outcome not in respondents.columns:
        raise InputError(f"There is no survey measure '{outcome}' in these results.")
    notes: list[str] = []
    wanted = _wanted_predictors(predictors, book, respondents, outcome)
    kept = _usable_predictors(wanted, outcome, book, respondents, survey.scored.item_scores, notes)
    items = survey.scored.item_scores
    empty = pd.DataFrame(columns=DRIVER_COLUMNS)
    result = DriversResult(table=empty, outcome=outcome, predictors=kept, wave=str(wave), scope=scope, n=0,
                           r2=float("nan"), notes=notes)
    if len(kept) < 2:
        notes.append("At least two predictors are needed to compare their importance.")
        return result
    data = pd.DataFrame({outcome: respondents[outcome].astype(float)}, index=respondents.index)
    for name in kept:
        source = respondents if name in respondents.columns else items
        data[name] = source.loc[respondents.index, name].astype(float)
    complete = data.dropna()
    result.n = int(len(complete))
    if len(complete) < survey.min_group_size:
        notes.append(f"Only {len(complete)} respondents have every value; at least {survey.min_group_size} are "
                     "needed (the anonymity threshold).")
        return result
    try:
        table = stats.shapley_r2(complete, outcome, kept)
    except InputError as exc:
        notes.append(exc.message)
        return result
    result.table = table[list(DRIVER_COLUMNS)]
    result.r2 = float(table["shapley_r2"].sum())
    return result


def within_between(survey: SurveyResults, outcome: str = "thinking_about_leaving", *,
                   predictor: str = "compassionate_leadership", wave: str | None = None,
                   directorate: str | None = None) -> SlopesResult:
    """Within-team and between-team slopes of a survey outcome on a predictor, team as random intercept.

    Uses the respondents of the wave (and directorate) who belong to a team that is shown for both the
    outcome and the predictor (suppressed teams and "Not recorded" are left out), then
    :func:`analytics.stats.mixed_slopes` (``outcome_ij = b0 + b_W (x_ij − x̄_j) + b_B x̄_j + u_j + e_ij``,
    REML, statsmodels MixedLM). Returns the two pooled slopes with CIs, n respondents and n teams.
    """
    wave = str(wave) if wave is not None else (survey.waves[-1] if survey is not None and survey.waves else None)
    respondents, scope = _scope_respondents(survey, wave, directorate)
    for name in (outcome, predictor):
        if name not in respondents.columns:
            raise InputError(f"There is no survey measure '{name}' in these results.")
    us = survey.unit_scores
    team_rows = us[(us["wave"].astype(str) == str(wave)) & (us["level"] == settings.LEVEL_TEAM)
                   & us["measure"].isin([outcome, predictor])]
    shown = (team_rows.assign(ok=~team_rows["suppressed"].astype(bool))
             .groupby(["unit", "parent"])["ok"].agg(lambda s: bool(s.all()) and len(s) == 2))
    shown = shown[shown]
    shown_keys = {(str(u), str(p)) for u, p in shown.index if str(u) != settings.NOT_RECORDED_UNIT}
    has_directorate = respondents["directorate"].notna().any()
    parents = (respondents["directorate"].astype(str) if has_directorate
               else pd.Series(settings.ORGANISATION_UNIT, index=respondents.index))
    keys = list(zip(respondents["team"].astype(str), parents))
    keep = np.array([k in shown_keys for k in keys], dtype=bool)
    data = pd.DataFrame({
        "outcome": respondents[outcome].astype(float).to_numpy()[keep],
        "predictor": respondents[predictor].astype(float).to_numpy()[keep],
        "team": [f"{p}\u0000{t}" for (t, p), k in zip(keys, keep) if k],
    })
    notes = [f"{len(shown_keys)} shown teams; respondents of suppressed teams are left out."]
    table = stats.mixed_slopes(data, "outcome", "predictor", "team")
    table["outcome"], table["predictor"] = outcome, predictor
    if table["note"].iloc[0]:
        notes.append(str(table["note"].iloc[0]))
    return SlopesResult(table=table, outcome=outcome, predictor=predictor, wave=str(wave), scope=scope, notes=notes)

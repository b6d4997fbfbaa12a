"""Exceptions: teams low on compassionate leadership and high on leaving or sickness, and teams whose
scores fell significantly since the previous wave."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics import format as fmt
from analytics import settings
from analytics.board.common import (
    P_MISSING, FALL_COLUMNS, HEADLINE_LABELS, HEADLINE_SURVEY_MEASURES, LOW_LEADERSHIP_COLUMNS, _float,
    effect_size_magnitude, previous_wave)
from analytics.errors import InputError
from analytics.hr import HRExclusions, HRRecords
from analytics.ingest.codebook import Codebook, load_codebook
from analytics.outcomes import unit_outcomes
from analytics.wave_window import WINDOW_CONCURRENT
from analytics.stats import compare_waves, funnel_table
from analytics.survey.pipeline import SurveyResults


#: Exceptions need at least this many teams with both figures before quarters mean anything.
EXCEPTION_MIN_TEAMS = 8


#: Default share of teams in the "low" and "high" groups (quarters).
EXCEPTION_QUANTILE = 0.25


def exceptions_from_outcomes(frame: pd.DataFrame, *, measure: str = "compassionate_leadership",
                             low_score_below: float | None = None, quantile: float = EXCEPTION_QUANTILE,
                             min_teams: int = EXCEPTION_MIN_TEAMS, label: str | None = None
                             ) -> tuple[pd.DataFrame, list[str]]:
    """Teams low on a score and high on leaving or sickness, from a unit-outcomes frame.

    Parameters
    ----------
    frame
        One row per shown team: ``unit``, ``parent``, ``responses``, the ``measure`` column (0–10) and
        ``leaver_rate`` and/or ``sickness_rate`` (%) — the frame of
        :func:`analytics.outcomes.unit_outcomes`. Optional: ``level``, ``leavers``, ``mean_staff``,
        ``fte_days_lost``, ``fte_days_available``.
    low_score_below
        A score threshold: "low" means a score strictly below it. Default: the bottom quarter, i.e. at or
        below the ``quantile`` of the teams' scores.
    quantile
        Share of teams in the low-score group (default 0.25: the lowest quarter).
    min_teams
        Fewest teams with a score and the rate before quarters are formed (default 8).
    label
        The measure's display name in ``reason`` (default: from the shipped codebook).

    Returns
    -------
    (pandas.DataFrame, list of str)
        Rows (columns :data:`LOW_LEADERSHIP_COLUMNS` without ``ref``, ``wave``, ``window_start`` and
        ``window_end``, which :func:`low_leadership_exceptions` adds) for teams that are low on the score
        **and** above the upper 95% control limit of a funnel plot of the leaver rate or of the sickness
        rate, sorted by score; ``high_leaver_rate`` / ``high_sickness_rate`` say which,
        ``leaver_cutoff`` / ``sickness_cutoff`` are the team's upper 95% limits, ``reason`` says why in
        words. The notes say what could not be checked.

    Notes
    -----
    **Low**: the score quantile is over the teams in ``frame`` with a score (``pandas.Series.quantile``,
    linear interpolation); a team must also be strictly below the median, so that when most teams share
    a score they are not all "in the lowest quarter".

    **High** (domain.md §3: exceptions come from control limits, not quartiles of noisy rates): each
    rate is put on a funnel plot (:func:`analytics.stats.funnel_table`) — leavers out of mean staff in
    post (exact binomial limits), FTE days lost out of FTE days available (exact Poisson limits), both
    against the pooled rate of the teams in ``frame`` and widened for over-dispersion (Spiegelhalter
    2005). A team is high when its rate lies above its upper 95% limit: a small team needs a much higher
    rate than a large one before it stands out from chance. A team without the counts cannot be high.
    """
    notes: list[str] = []
    columns = [c for c in LOW_LEADERSHIP_COLUMNS if c not in ("ref", "wave", "window_start", "window_end")]
    if not 0 < quantile < 0.5:
        raise InputError(f"The share of teams in each group must be between 0 and 0.5 (got {quantile}).")
    if measure not in frame.columns:
        return pd.DataFrame(columns=columns), [f"No '{measure}' scores for teams in this wave."]
    score = pd.to_numeric(frame[measure], errors="coerce").astype(float)
    scored = score.notna()
    if scored.sum() < min_teams:
        return pd.DataFrame(columns=columns), [f"Only {int(scored.sum())} teams have a score: at least {min_teams} "
                                               "are needed to find teams in the lowest and highest quarters."]
    if low_score_below is not None:
        score_cutoff = float(low_score_below)
        low = score < score_cutoff
        low_text = f"below the threshold of {fmt.format_score(score_cutoff)}"
    else:
        score_cutoff = float(score[scored].quantile(quantile))
        low = (score <= score_cutoff) & (score < float(score[scored].median()))
        low_text = f"in the lowest {quantile:.0%} of teams (at or below {fmt.format_score(score_cutoff)})"
    high, cutoffs, targets = _high_on_funnel(frame, scored, notes)
    flagged = (low & (high["leaver_rate"] | high["sickness_rate"])).to_numpy()
    rows = []
    for i in np.flatnonzero(flagged):
        source = frame.iloc[i]
        reasons = [f"{label or _label_of(measure)} {fmt.format_score(score.iloc[i])} is {low_text}"]
        for rate, words in (("leaver_rate", "leaver rate"), ("sickness_rate", "sickness absence rate")):
            if high[rate].iloc[i]:
                reasons.append(f"{words} {fmt.format_pct(source[rate])} is above the 95% control limit for a team "
                               f"of its size ({fmt.format_pct(cutoffs[rate].iloc[i])}; all teams "
                               f"{fmt.format_pct(targets[rate])})")
        rows.append({
            "level": source.get("level", settings.LEVEL_TEAM), "unit": source["unit"], "parent": source.get("parent"),
            "measure": measure, "score": float(score.iloc[i]), "responses": _float(source.get("responses")),
            "score_cutoff": score_cutoff,
            "leaver_rate": _float(source.get("leaver_rate")), "leaver_cutoff": _float(cutoffs["leaver_rate"].iloc[i]),
            "high_leaver_rate": bool(high["leaver_rate"].iloc[i]),
            "sickness_rate": _float(source.get("sickness_rate")),
            "sickness_cutoff": _float(cutoffs["sickness_rate"].iloc[i]),
            "high_sickness_rate": bool(high["sickness_rate"].iloc[i]),
            "leavers": _float(source.get("leavers")), "mean_staff": _float(source.get("mean_staff")),
            "fte_days_lost": _float(source.get("fte_days_lost")),
            "fte_days_available": _float(source.get("fte_days_available")),
            "reason": "; ".join(reasons) + ".",
        })
    out = pd.DataFrame(rows, columns=columns)
    if not out.empty:
        out = out.sort_values(["score", "unit"], kind="stable").reset_index(drop=True)
    return out, notes


#: Rate column -> (events, denominator, funnel kind) of the funnel plot it is judged on.
FUNNEL_RATES = {"leaver_rate": ("leavers", "mean_staff", "proportion"),
                "sickness_rate": ("fte_days_lost", "fte_days_available", "rate")}


def team_funnels(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The funnel plot table (:func:`analytics.stats.funnel_table`) of each rate whose counts ``frame``
    has: ``{"leaver_rate": …, "sickness_rate": …}``, teams against all teams' pooled rate."""
    out = {}
    for rate, (events, denominator, kind) in FUNNEL_RATES.items():
        if events in frame.columns and denominator in frame.columns:
            out[rate] = funnel_table(frame.reset_index(drop=True), events=events, denominator=denominator, kind=kind)
    return out


def _high_on_funnel(frame: pd.DataFrame, scored: pd.Series, notes: list[str]
                    ) -> tuple[dict[str, pd.Series], dict[str, pd.Series], dict[str, float]]:
    """Per rate: which teams lie above the upper 95% funnel limit (:func:`team_funnels`: target = all
    teams' pooled rate, over-dispersion allowed for), each team's upper 95% limit, and the target (%)."""
    funnels = team_funnels(frame)
    high, cutoffs, targets = {}, {}, {}
    for rate in FUNNEL_RATES:
        high[rate] = pd.Series(False, index=frame.index)
        cutoffs[rate] = pd.Series(np.nan, index=frame.index)
        targets[rate] = math.nan
        if rate not in funnels:
            if rate in frame.columns:
                notes.append(f"No counts behind the {HEADLINE_LABELS[rate].lower()}, so teams cannot be compared "
                             "with control limits.")
            continue
        funnel = funnels[rate]
        if funnel.attrs["units_with_data"] == 0:
            notes.append(f"No team has a {HEADLINE_LABELS[rate].lower()}.")
            continue
        above = funnel["position"].isin([settings.FUNNEL_ABOVE_95, settings.FUNNEL_ABOVE_998]).to_numpy()
        high[rate] = pd.Series(above, index=frame.index) & scored
        cutoffs[rate] = pd.Series(funnel["upper_95"].to_numpy(float), index=frame.index)
        targets[rate] = float(funnel.attrs["target"])
    return high, cutoffs, targets


def _label_of(measure: str, codebook: Codebook | None = None) -> str:
    try:
        book = codebook or load_codebook()
        return book.measure(measure).label
    except InputError:
        return str(measure).replace("_", " ").capitalize()


def low_leadership_exceptions(survey: SurveyResults, records: HRRecords | None, *, wave: str,
                              exclusions: HRExclusions = HRExclusions(), measure: str = "compassionate_leadership",
                              low_score_below: float | None = None, quantile: float = EXCEPTION_QUANTILE,
                              window_kind: str = WINDOW_CONCURRENT, min_teams: int = EXCEPTION_MIN_TEAMS
                              ) -> tuple[pd.DataFrame, list[str], tuple]:
    """Teams low on compassionate leadership and high on leaving or sickness, for one wave.

    Teams and their HR outcomes come from :func:`analytics.outcomes.unit_outcomes` (shown survey teams
    only, teams with fewer than k staff in post left out, HR over the wave's concurrent window — the 12
    months around the survey, cut to the HR period); the rule is :func:`exceptions_from_outcomes`.
    Quarters of scores and the funnel plots are formed across all shown teams of the organisation.

    Returns
    -------
    (pandas.DataFrame, list of str, (window_start, window_end))
        Columns :data:`LOW_LEADERSHIP_COLUMNS` with refs E1, E2, …, and ``attrs["teams_checked"]`` (shown
        teams with a score and an HR rate); notes; the HR window used (None, None without HR data or when
        the data do not cover the window).
    """
    table, notes, window, _ = _low_leadership(
        survey, records, wave=wave, exclusions=exclusions, measure=measure, low_score_below=low_score_below,
        quantile=quantile, window_kind=window_kind, min_teams=min_teams)
    return table, notes, window


def _low_leadership(survey: SurveyResults, records: HRRecords | None, *, wave: str,
                    exclusions: HRExclusions = HRExclusions(), measure: str = "compassionate_leadership",
                    low_score_below: float | None = None, quantile: float = EXCEPTION_QUANTILE,
                    window_kind: str = WINDOW_CONCURRENT, min_teams: int = EXCEPTION_MIN_TEAMS
                    ) -> tuple[pd.DataFrame, list[str], tuple, dict]:
    """:func:`low_leadership_exceptions` and the funnel tables behind it (:func:`team_funnels`)."""
    empty = pd.DataFrame(columns=list(LOW_LEADERSHIP_COLUMNS))
    if records is None:
        return empty, ["No HR data: teams high on leaving or sickness cannot be identified."], (None, None), {}
    try:
        joined = unit_outcomes(survey.unit_scores, records, wave=str(wave), window_kind=window_kind,
                               level=settings.LEVEL_TEAM, exclusions=exclusions,
                               min_group_size=int(survey.min_group_size))
    except InputError as exc:
        # The HR data do not cover the window: say so instead of refusing the whole page.
        return empty, [str(exc)], (None, None), {}
    table, notes = exceptions_from_outcomes(joined.frame, measure=measure, low_score_below=low_score_below,
                                            quantile=quantile, min_teams=min_teams,
                                            label=_label_of(measure, survey.codebook))
    table.insert(0, "ref", [f"E{i + 1}" for i in range(len(table))])
    checked = joined.frame
    rates = [c for c in ("leaver_rate", "sickness_rate") if c in checked.columns]
    has_score = checked[measure].notna() if measure in checked.columns else pd.Series(False, index=checked.index)
    has_rate = checked[rates].notna().any(axis=1) if rates else pd.Series(False, index=checked.index)
    table["wave"] = str(wave)
    table["window_start"], table["window_end"] = joined.window_start, joined.window_end
    table = table[list(LOW_LEADERSHIP_COLUMNS)].copy()
    table.attrs["teams_checked"] = int((has_score & has_rate).sum())
    return table, list(joined.notes) + notes, (joined.window_start, joined.window_end), team_funnels(joined.frame)


def _team_keys(respondents: pd.DataFrame) -> tuple[pd.Series, bool]:
    """(key per respondent, whether keys include the directorate): matches unit_scores' (parent, unit)."""
    has_directorate = "directorate" in respondents.columns and respondents["directorate"].notna().any()
    team = respondents["team"].astype(object)
    if has_directorate:
        directorate = respondents["directorate"].astype(object)
        return directorate.astype(str) + "\x1f" + team.astype(str), True
    return team.astype(str), False


def significant_falls(survey: SurveyResults, *, wave: str,
                      measures: Sequence[str] = HEADLINE_SURVEY_MEASURES
                      ) -> tuple[pd.DataFrame, dict[str, int], list[str]]:
    """Teams whose score fell significantly between the previous wave and ``wave``.

    Each measure is compared with :func:`analytics.stats.compare_waves` (Welch t-test on the respondent
    scores, Cohen's d) over the teams **shown in both waves** (not suppressed, complementary
    suppression included, and with answers: n > 0 in both), with the Benjamini–Hochberg adjustment across those teams. A team is listed
    when its change is negative and its adjusted p is below 0.05.

    Returns
    -------
    (pandas.DataFrame, dict, list of str)
        Rows with columns :data:`FALL_COLUMNS` (refs F1, F2, …; sorted by measure order, then change);
        the number of teams compared per measure; notes. ``teams_compared`` is the size of the family
        the adjustment was made over.
    """
    k = int(survey.min_group_size)
    wave = str(wave)
    prev = previous_wave(survey.waves, wave)
    empty = pd.DataFrame(columns=list(FALL_COLUMNS))
    if prev is None:
        return empty, {}, ["No previous wave: changes in team scores cannot be tested."]
    if survey.scored is None:
        return empty, {}, ["Respondent scores are not available, so team changes cannot be tested."]
    table = survey.unit_scores
    # Shown teams with answers: a team row of a measure its wave did not ask (n = 0) is not suppressed but has
    # nothing to compare, and must not count in the family of the adjustment.
    answered = pd.to_numeric(table["n"], errors="coerce").fillna(0) > 0
    teams = table[(table["level"] == settings.LEVEL_TEAM) & ~table["suppressed"].astype(bool) & answered]
    respondents = survey.scored.respondents
    keys, with_directorate = _team_keys(respondents)
    in_waves = respondents["wave"].astype(str).isin([prev, wave]).to_numpy()
    book = survey.codebook
    rows, compared, notes = [], {}, []
    for measure in measures:
        if measure not in respondents.columns:
            continue
        shown = teams[teams["measure"] == measure]
        by_wave = {w: set(zip(shown.loc[shown["wave"].astype(str) == w, "parent"].astype(str),
                              shown.loc[shown["wave"].astype(str) == w, "unit"].astype(str))) for w in (prev, wave)}
        both = by_wave[prev] & by_wave[wave]
        allowed = {(p + "\x1f" + u) if with_directorate else u: (p, u) for p, u in both}
        if not allowed:
            compared[measure] = 0
            continue
        frame = pd.DataFrame({"key": keys[in_waves].to_numpy(),
                              "wave": respondents["wave"].astype(str)[in_waves].to_numpy(),
                              "score": respondents[measure][in_waves].to_numpy(dtype=float)})
        frame = frame[frame["key"].isin(allowed)]
        result = compare_waves(frame, "score", "key", "wave", prev, wave, min_group_size=k, units=list(allowed))
        compared[measure] = int(len(result))
        falls = result[result["significant"] & (result["change"] < 0)].sort_values(["change", "unit"], kind="stable")
        label = _label_of(measure, book)
        for r in falls.itertuples(index=False):
            parent, unit = allowed[r.unit]
            rows.append({
                "level": settings.LEVEL_TEAM, "unit": unit, "parent": parent, "measure": measure, "label": label,
                "wave_from": prev, "wave_to": wave, "n_from": int(r.n_from), "n_to": int(r.n_to),
                "mean_from": float(r.mean_from), "mean_to": float(r.mean_to), "change": float(r.change),
                "t": float(r.t), "p": float(r.p), "p_adj": float(r.p_adj), "cohens_d": float(r.cohens_d),
                "effect_size_magnitude": effect_size_magnitude(r.cohens_d), "teams_compared": int(len(result)),
                "reason": (f"{label} fell from {fmt.format_score(r.mean_from)} in {prev} to {fmt.format_score(r.mean_to)} in {wave} "
                           f"({fmt.format_number(r.change, 1)}; adjusted {fmt.format_p(r.p_adj, missing=P_MISSING)} across {len(result)} teams; "
                           f"d = {fmt.format_number(r.cohens_d, 2)}, {effect_size_magnitude(r.cohens_d)})."),
            })
    out = pd.DataFrame(rows, columns=[c for c in FALL_COLUMNS if c != "ref"])
    out.insert(0, "ref", [f"F{i + 1}" for i in range(len(out))])
    return out, compared, notes


@dataclass
class BoardExceptions:
    """The two exception lists and what is needed to describe them.

    ``low_leadership``: :data:`LOW_LEADERSHIP_COLUMNS`; ``falls``: :data:`FALL_COLUMNS`;
    ``teams_compared``: measure → teams in the falls comparison; ``window_start``/``window_end``: the HR
    window of the low-leadership list; ``teams_checked``: shown teams with a score and an HR rate (the
    teams the quarters were formed over); ``directorate``: the directorate the lists were narrowed to (None
    for the whole organisation); ``notes``: what could not be checked.
    """

    wave: str
    previous_wave: str | None
    low_leadership: pd.DataFrame
    falls: pd.DataFrame
    teams_compared: dict[str, int]
    window_start: pd.Timestamp | None
    window_end: pd.Timestamp | None
    teams_checked: int = 0
    quantile: float = EXCEPTION_QUANTILE
    low_score_below: float | None = None
    has_hr: bool = True
    directorate: str | None = None
    notes: list[str] = field(default_factory=list)
    #: The funnel plot tables the "high" rule used (:func:`team_funnels`), per rate; empty without HR.
    funnels: dict[str, pd.DataFrame] = field(default_factory=dict)


def exceptions(survey: SurveyResults, records: HRRecords | None, *, wave: str,
               exclusions: HRExclusions = HRExclusions(),
               low_score_below: float | None = None, quantile: float = EXCEPTION_QUANTILE,
               measures: Sequence[str] = HEADLINE_SURVEY_MEASURES, directorate: str | None = None) -> BoardExceptions:
    """Both exception lists: :func:`low_leadership_exceptions` and :func:`significant_falls`.

    ``directorate`` narrows both lists to that directorate's teams *after* the organisation-wide
    quarters and Benjamini–Hochberg adjustment (:func:`restrict_to_directorate`), so a team is listed
    for the same reason whatever the filter; refs keep their organisation-wide numbers.
    """
    low, low_notes, (start, end), funnels = _low_leadership(
        survey, records, wave=wave, exclusions=exclusions, low_score_below=low_score_below,
        quantile=quantile)
    falls, compared, fall_notes = significant_falls(survey, wave=wave,
                                                    measures=measures)
    result = BoardExceptions(wave=str(wave), previous_wave=previous_wave(survey.waves, str(wave)),
                             low_leadership=low, falls=falls, teams_compared=compared, window_start=start,
                             window_end=end, teams_checked=int(low.attrs.get("teams_checked", 0)), quantile=quantile,
                             low_score_below=low_score_below,
                             has_hr=records is not None, notes=low_notes + fall_notes,
                             funnels=funnels)
    return restrict_to_directorate(result, directorate)


def restrict_to_directorate(found: BoardExceptions, directorate: str | None) -> BoardExceptions:
    """The exception lists narrowed to one directorate's teams (None: unchanged). Refs are kept."""
    if directorate is None:
        return found
    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["parent"].astype(object).astype(str) == str(directorate)].reset_index(drop=True)
    return dataclasses.replace(found, low_leadership=keep(found.low_leadership), falls=keep(found.falls),
                               directorate=str(directorate))

"""Relationships between survey measures and outcomes: the ``relate`` analyses (unit and respondent level).

Survey results are anonymous, so they cannot be joined to HR records person by person (domain.md §4).
This module puts the pieces of :mod:`analytics.outcomes` and :mod:`analytics.stats` together:

* :func:`relate_survey_hr` — one row per team (or directorate) of a wave, its survey scores next to its
  HR outcomes over the **concurrent** or **lagged** window (:func:`analytics.outcomes.unit_outcomes`),
  then Pearson r (Fisher-z 95% CI), Spearman ρ (Bonett–Wright CI), n, p and Benjamini–Hochberg adjusted
  p across every row of the result (:func:`analytics.stats.correlations`); for leaver rate and sickness
  rate also the count model's ratio per 1-point higher score (binomial GLM of leavers out of average
  staff in post; quasi-Poisson GLM of FTE days lost with log FTE days available as offset). Optional
  weighting by responses, stratification by directorate or staff-mix band, and partial correlation
  adjusting for the share of registered nursing staff and team size.
* :func:`relate_change` — the change in score between two waves against the change in outcome.
* :func:`relate_units` / :func:`read_units_file` — a unit-level file (e.g. organisation-level survey
  scores with sickness rates, one row per organisation) related directly, optionally stratified.
* :func:`drivers` — relative importance (Shapley decomposition of R², general dominance) of the four
  compassionate-leadership questions, or of sub-scores, for morale or thinking about leaving.
* :func:`within_between` — within-team and between-team slopes of a survey outcome on compassionate
  leadership, with a team random intercept.

Anonymity
---------
Only units the survey results show enter a unit-level analysis: suppressed units have no score and
:func:`~analytics.outcomes.unit_outcomes` leaves them out, so an extreme HR figure of a suppressed team
cannot move n or r. The respondent-level analyses use ``survey.scored`` inside this module only and
return pooled coefficients; they refuse a scope with fewer respondents than the anonymity threshold,
and :func:`within_between` uses only respondents of teams that are shown. The unit "Not recorded"
(respondents or staff with a blank team) is not a team and is left out of every analysis here.

Every result carries n, the unit of analysis and the window. Results describe associations between
units, never causes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from analytics import settings, stats
from analytics.ingest.codebook import Codebook, load_codebook, normalise_label
from analytics.errors import InputError
from analytics.hr import HRExclusions, HRRecords, StaffRecords, TeamMonthRecords, apply_exclusions
from analytics.ingest.io import read_table
from analytics.outcomes import WINDOW_CONCURRENT, WINDOW_KINDS, WINDOW_LABELS, UnitOutcomes, unit_outcomes
from analytics.survey.pipeline import SurveyResults
from analytics.ingest.unit_level import MISSING_MARKERS, find_count_column

# --- Defaults and column contracts ---------------------------------------------------------------
#: Survey measures related by default (x).
DEFAULT_MEASURES = (
    "compassionate_leadership", "line_management", "inclusion", "morale", "staff_engagement",
    "thinking_about_leaving",
)
#: HR outcomes related by default (y).
DEFAULT_OUTCOMES = ("leaver_rate", "sickness_rate", "stability_index")
#: HR outcome rates that may be chosen as y (survey measures may be chosen too).
HR_OUTCOMES = ("leaver_rate", "sickness_rate", "stability_index")
#: Count models behind the rates: leavers out of average staff in post (binomial, logit link) and
#: FTE days lost over FTE days available (quasi-Poisson, log link, log exposure as offset).
COUNT_OUTCOMES = {
    "leaver_rate": stats.CountOutcome("binomial", "leavers", "mean_staff"),
    "sickness_rate": stats.CountOutcome("poisson", "fte_days_lost", "fte_days_available"),
}
#: The issue's columns of a relationship table (and of ``python -m analytics relate``), in order.
RELATE_COLUMNS = (
    "x", "y", "group", "n", "r", "r_ci_low", "r_ci_high", "p", "p_adj", "rho", "rho_ci_low", "rho_ci_high",
)
#: Count-model columns, present for rows whose outcome is a count-based rate.
RATE_RATIO_COLUMNS = stats.RATE_RATIO_COLUMNS
#: Context of every row: which wave and window, and what one data point is.
RELATE_CONTEXT_COLUMNS = ("wave", "window", "window_start", "window_end", "unit_of_analysis")
#: All columns of :attr:`RelateResult.table`.
RELATE_TABLE_COLUMNS = (*RELATE_COLUMNS, *RATE_RATIO_COLUMNS, "note", *RELATE_CONTEXT_COLUMNS)

#: Stratifications of :func:`relate_survey_hr`: name -> column of the unit table.
BY_DIRECTORATE = "directorate"
BY_STAFF_MIX = "staff_mix"
STRATIFY_COLUMNS = {BY_DIRECTORATE: "parent", BY_STAFF_MIX: "staff_mix_band"}
#: Staff-mix bands: share of registered nursing staff (%) at or above each lower bound, and the label.
STAFF_MIX_BANDS = ((50.0, "50% or more registered nursing"), (20.0, "20% to under 50% registered nursing"),
                   (0.0, "under 20% registered nursing"))
#: Covariates :func:`relate_survey_hr` can adjust for (partial correlations, adjusted count models).
COVARIATE_PCT_REGISTERED_NURSING = "pct_registered_nursing"
COVARIATE_TEAM_SIZE = "mean_staff"
COVARIATES = (COVARIATE_PCT_REGISTERED_NURSING, COVARIATE_TEAM_SIZE)
#: Weighting of Pearson r by survey responses per unit.
WEIGHT_RESPONSES = "responses"
#: ESR staff groups counted as registered nursing staff (compared case- and space-insensitively).
REGISTERED_NURSING_GROUPS = ("Nursing and Midwifery Registered",)
#: A leaver rate above this (% over the window) is flagged: staff on rotation (doctors in training)
#: or a reorganisation usually lie behind it.
IMPLAUSIBLE_LEAVER_RATE = 50.0

#: Predictor sets of :func:`drivers`.
DRIVERS_ITEMS = "compassionate_leadership_items"
DRIVERS_SUB_SCORES = "sub_scores"
DRIVER_SETS = (DRIVERS_ITEMS, DRIVERS_SUB_SCORES)
#: Sub-scores offered as drivers; those sharing a question with the outcome are left out.
DRIVER_SUB_SCORES = (
    "compassionate_leadership", "line_management", "inclusion", "compassionate_culture", "work_pressure",
    "stressors",
)
#: Survey-only outcomes of :func:`drivers` and :func:`within_between`.
SURVEY_OUTCOMES = ("morale", "thinking_about_leaving")
#: Columns of :attr:`DriversResult.table`.
DRIVER_COLUMNS = ("predictor", "n", "shapley_r2", "share", "r")

UNIT_OF_ANALYSIS_RESPONDENT = "respondent"
_EPOCH = pd.Timestamp("1970-01-01")


# --- Results ---------------------------------------------------------------------------------------
@dataclass
class RelateResult:
    """A relationship table and the unit rows behind it.

    Attributes
    ----------
    table
        One row per wave × x × y × group, columns :data:`RELATE_TABLE_COLUMNS`:
        the pair (``x``, ``y``), ``group`` ("" when not stratified or for the pooled row), ``n`` (units
        with both values), ``r`` with ``r_ci_low``/``r_ci_high`` (Fisher z), ``p``, ``p_adj``
        (Benjamini–Hochberg across every row of the table that has a p), ``rho`` with its interval,
        ``rate_ratio``/``rr_ci_low``/``rr_ci_high`` (per 1-point higher x; an odds ratio for leaver
        rate, a rate ratio for sickness rate; empty for other outcomes), ``note`` (why statistics are
        empty, how r was weighted or adjusted), and the context ``wave``, ``window`` (e.g.
        "concurrent (the 12 months around the survey)"), ``window_start``, ``window_end`` and
        ``unit_of_analysis`` ("team", "directorate", ...).
    units
        The unit rows analysed (shown units only): ``wave``, ``level``, ``unit``, ``parent``,
        ``responses``, the measure columns, the HR columns of
        :data:`analytics.outcomes.OUTCOME_COLUMNS`, ``mean_staff`` and, when the HR data has staff
        groups, ``pct_registered_nursing``, ``staff_mix_band`` and ``main_staff_group``.
    notes
        What was left out or adjusted, in plain words.
    """

    table: pd.DataFrame
    units: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    level: str = settings.LEVEL_TEAM
    window_kind: str | None = WINDOW_CONCURRENT
    windows: dict[str, tuple[pd.Timestamp | None, pd.Timestamp | None]] = field(default_factory=dict)
    #: Who was left out of the HR figures, in plain words ("" when nobody).
    exclusions: str = ""

    @property
    def waves(self) -> list[str]:
        return list(self.windows)

    @property
    def has_counts(self) -> bool:
        """Whether any row has an outcome with a count model (leaver or sickness rate)."""
        return bool(self.table["y"].isin(list(COUNT_OUTCOMES)).any())

    def cli_table(self) -> pd.DataFrame:
        """The rows as ``python -m analytics relate`` writes them.

        Columns :data:`RELATE_COLUMNS`, then :data:`RATE_RATIO_COLUMNS` when an outcome has counts,
        then ``note``. When the result covers more than one wave, the wave is put into ``group``
        ("wave 2024", or "wave 2024; Medicine" when stratified), so that every row stays identifiable
        with the issue's columns.
        """
        columns = [*RELATE_COLUMNS, *(RATE_RATIO_COLUMNS if self.has_counts else ()), "note"]
        out = self.table[columns].copy()
        if self.table["wave"].nunique() > 1:
            wave_text = "wave " + self.table["wave"].astype(str)
            out["group"] = np.where(out["group"] == "", wave_text, wave_text + "; " + out["group"])
        return out.reset_index(drop=True)


@dataclass
class DriversResult:
    """Relative importance of predictors for a survey outcome (respondent level, pooled figures only).

    ``table`` has columns :data:`DRIVER_COLUMNS` (see :func:`analytics.stats.shapley_r2`), empty when the
    analysis could not be run (``notes`` say why). ``r2`` is the full model's R² (the sum of
    ``shapley_r2``); ``n`` the respondents with every value present.
    """

    table: pd.DataFrame
    outcome: str
    predictors: list[str]
    wave: str
    scope: str
    n: int
    r2: float
    notes: list[str] = field(default_factory=list)
    unit_of_analysis: str = UNIT_OF_ANALYSIS_RESPONDENT


@dataclass
class SlopesResult:
    """Within-team and between-team slopes (:func:`analytics.stats.mixed_slopes`) with their context."""

    table: pd.DataFrame
    outcome: str
    predictor: str
    wave: str
    scope: str
    notes: list[str] = field(default_factory=list)
    unit_of_analysis: str = UNIT_OF_ANALYSIS_RESPONDENT


# --- Helpers ---------------------------------------------------------------------------------------
def _match_key(name: object) -> str:
    """Unit name compared as :mod:`analytics.outcomes` compares survey and HR names."""
    return re.sub(r"[^0-9a-z]+", " ", normalise_label(name)).strip()


def _day(ts: pd.Timestamp) -> int:
    return int((pd.Timestamp(ts).normalize() - _EPOCH).days)


def shared_items(codebook: Codebook, first: str, second: str) -> tuple[str, ...]:
    """Question codes two measures (or themes) both rest on, e.g. morale and thinking_about_leaving share
    q26a–c, and line_management shares q9a with stressors (hence with morale). Unknown ids share none."""
    known = set(codebook.measure_ids)
    if first not in known or second not in known:
        return ()
    other = set(codebook.items_of(second))
    return tuple(code for code in codebook.items_of(first) if code in other)


# --- Staff mix ---------------------------------------------------------------------------------------
def staff_mix_band(pct_registered_nursing: float) -> str | None:
    """The band of a share of registered nursing staff (:data:`STAFF_MIX_BANDS`); None when missing.

    >>> staff_mix_band(56.0), staff_mix_band(20.0), staff_mix_band(0.0)
    ('50% or more registered nursing', '20% to under 50% registered nursing', 'under 20% registered nursing')
    """
    if pct_registered_nursing is None or not np.isfinite(pct_registered_nursing):
        return None
    for lower, label in STAFF_MIX_BANDS:
        if pct_registered_nursing >= lower:
            return label
    return None


def staff_mix(records: HRRecords, *, start: object, end: object, level: str = settings.LEVEL_TEAM) -> pd.DataFrame:
    """Staff-group mix per unit over a window: share of registered nursing staff and the largest group.

    Parameters
    ----------
    records
        Employee-level or team-month HR records with a staff group column (after any exclusions,
        :func:`analytics.hr.apply_exclusions`).
    start, end
        The window's first and last day (both included).
    level
        ``"team"`` or ``"directorate"``.

    Returns
    -------
    pandas.DataFrame
        One row per unit with staff in post: ``key`` (the unit name normalised as
        :mod:`analytics.outcomes` matches names), ``unit``, ``pct_registered_nursing`` =
        100 × (registered nursing headcount at the start + at the end) ÷ (all headcount at the start + at
        the end), ``staff_mix_band`` (its band, :data:`STAFF_MIX_BANDS`) and ``main_staff_group``, the
        staff group with the largest such headcount (ties: first in alphabetical order). Empty when the
        records have no staff group column.

    Notes
    -----
    Headcount counts people in post on the window's first and last day (employee level: start ≤ day ≤
    termination date; a person with several rows in one unit and group counts once); team-month
    records use staff in post at the start of the first month and at the end of the last. Registered
    nursing staff are the staff groups in :data:`REGISTERED_NURSING_GROUPS`.
    """
    if level not in (settings.LEVEL_TEAM, settings.LEVEL_DIRECTORATE):
        raise InputError(f"Staff mix is worked out for teams or directorates, not '{level}'.")
    columns = ["key", "unit", COVARIATE_PCT_REGISTERED_NURSING, "staff_mix_band", "main_staff_group"]
    if not getattr(records, "has_staff_group", False):
        return pd.DataFrame(columns=columns)
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    if isinstance(records, StaffRecords):
        a = records.assignments
        a = a[a["staff_group"].notna()]
        parts = []
        for day in (_day(first), _day(last)):
            in_post = a[(a["start_day"] <= day) & (a["end_day"] >= day)]
            parts.append(in_post.drop_duplicates([level, "staff_group", "person"])[[level, "staff_group"]])
        heads = pd.concat(parts).groupby([level, "staff_group"]).size().rename("headcount").reset_index()
    elif isinstance(records, TeamMonthRecords):
        t = records.table[records.table["staff_group"].notna()]
        first_month = t[t["month"] == t.loc[t["month"] >= first.to_period("M").to_timestamp(), "month"].min()]
        last_month = t[t["month"] == t.loc[t["month"] <= last, "month"].max()]
        heads = pd.concat([first_month[[level, "staff_group", "staff_start"]].rename(columns={"staff_start": "h"}),
                           last_month[[level, "staff_group", "staff_end"]].rename(columns={"staff_end": "h"})])
        heads = heads.groupby([level, "staff_group"])["h"].sum().rename("headcount").reset_index()
    else:  # pragma: no cover - HRRecords is one of the two
        raise InputError("Unknown HR records.")
    heads = heads[heads["headcount"] > 0]
    if heads.empty:
        return pd.DataFrame(columns=columns)
    nursing = {normalise_label(g) for g in REGISTERED_NURSING_GROUPS}
    heads["nursing"] = np.where(heads["staff_group"].map(normalise_label).isin(nursing), heads["headcount"], 0)
    totals = heads.groupby(level).agg(all=("headcount", "sum"), nursing=("nursing", "sum"))
    main = (heads.sort_values([level, "headcount", "staff_group"], ascending=[True, False, True])
            .drop_duplicates(level).set_index(level)["staff_group"])
    out = pd.DataFrame({
        "unit": totals.index.astype(str),
        COVARIATE_PCT_REGISTERED_NURSING: (100 * totals["nursing"] / totals["all"]).to_numpy(dtype=float),
        "main_staff_group": main.reindex(totals.index).astype(str).to_numpy(),
    })
    out["staff_mix_band"] = out[COVARIATE_PCT_REGISTERED_NURSING].map(staff_mix_band)
    out.insert(0, "key", out["unit"].map(_match_key))
    # Two HR units with the same normalised name cannot be told apart: keep neither's mix.
    return out[~out["key"].duplicated(keep=False)][columns].reset_index(drop=True)


# --- Unit level: survey x HR -----------------------------------------------------------------------
def _measure_columns(survey: SurveyResults) -> list[str]:
    present = set(survey.unit_scores["measure"].dropna().astype(str))
    book = survey.codebook or load_codebook()
    ordered = [m for m in book.measure_ids if m in present]
    return ordered + sorted(present - set(ordered))


def _default_measures(survey: SurveyResults) -> list[str]:
    """:data:`DEFAULT_MEASURES` that the survey results have."""
    present = set(_measure_columns(survey))
    return [m for m in DEFAULT_MEASURES if m in present]


def _check_choices(survey: SurveyResults, measures: Sequence[str], outcomes: Sequence[str],
                   has_hr: bool) -> None:
    available = _measure_columns(survey)
    for name in measures:
        if name not in available:
            raise InputError(f"There is no survey measure '{name}' in these results. Measures available: "
                             + ", ".join(available) + ".")
    for name in outcomes:
        if name in HR_OUTCOMES:
            if not has_hr:
                raise InputError(f"The outcome '{name}' needs HR data: add a staff file (or a team-month file).")
        elif name not in available:
            raise InputError(f"There is no outcome '{name}'. Choose an HR outcome ({', '.join(HR_OUTCOMES)}) or a "
                             "survey measure (" + ", ".join(available) + ").")


def _excluded(records: HRRecords | None, exclusions: HRExclusions) -> tuple[HRRecords | None, str]:
    """Records after the exclusions (:func:`analytics.hr.apply_exclusions`) and their text ("" for none)."""
    if records is None:
        if exclusions.any:
            raise InputError("Staff can only be excluded from HR figures when there is HR data.")
        return None, ""
    filtered, applied = apply_exclusions(records, exclusions)
    return filtered, applied.text() if applied.any else ""


@dataclass
class WaveUnits:
    """The shown units of one wave, whole organisation, joined to their HR outcomes and staff mix.

    This join (:func:`analytics.outcomes.unit_outcomes` and :func:`staff_mix`) is the costly part of a
    relationship analysis; it does not depend on the directorate, the measures, the outcomes or the
    statistics asked for, so a caller may make it once per wave, window and level (:func:`wave_units`)
    and pass it to :func:`relate_survey_hr` and :func:`relate_change` (``prepared=``).

    Attributes
    ----------
    frame
        One row per shown unit with a score (never "Not recorded"): ``wave``, then the columns of
        :attr:`RelateResult.units` (before any directorate filter).
    joined
        The :class:`~analytics.outcomes.UnitOutcomes` behind ``frame`` (its window and notes).
    notes
        What was left out, in plain words (the join's notes and the "Not recorded" unit).
    has_records
        Whether HR records were joined (False: survey columns only).
    """

    wave: str
    level: str
    window_kind: str
    frame: pd.DataFrame
    joined: UnitOutcomes
    notes: list[str]
    has_records: bool


def wave_units(survey: SurveyResults, records: HRRecords | None, *, wave: str,
               window_kind: str = WINDOW_CONCURRENT, level: str = settings.LEVEL_TEAM,
               survey_dates: dict[str, object] | None = None) -> WaveUnits:
    """Shown units of one wave (whole organisation) with HR outcomes over the window and staff mix.

    Parameters
    ----------
    survey
        Scored, anonymised survey results.
    records
        HR records **after** any exclusions (:func:`analytics.hr.apply_exclusions`), or None for survey
        columns only.
    wave, window_kind, level, survey_dates
        As in :func:`relate_survey_hr`.

    Returns
    -------
    WaveUnits
        Suppressed units are never in it (they have no score); "Not recorded" is left out with a note.
        Staff mix (``pct_registered_nursing``, ``staff_mix_band``, ``main_staff_group``) is matched by
        normalised unit name and empty when the records have no staff group.

    Raises
    ------
    InputError
        If the HR data do not cover any of the wave's window (from :func:`~analytics.outcomes.unit_outcomes`).
    """
    if level not in (settings.LEVEL_TEAM, settings.LEVEL_DIRECTORATE):
        raise InputError(f"Relationships are worked out between teams or between directorates, not '{level}'.")
    if window_kind not in WINDOW_KINDS:
        raise InputError(f"The window must be one of: {', '.join(WINDOW_KINDS)} (got '{window_kind}').")
    joined = unit_outcomes(survey.unit_scores, records, wave=str(wave), window_kind=window_kind, level=level,
                           survey_dates=survey_dates)
    frame = joined.frame.copy()
    notes = list(joined.notes)
    not_recorded = frame["unit"].astype(str) == settings.NOT_RECORDED_UNIT
    if not_recorded.any():
        frame = frame[~not_recorded]
        notes.append(f"'{settings.NOT_RECORDED_UNIT}' (respondents with no {level} given) is not a {level} and "
                     "is left out.")
    if records is not None and joined.window_start is not None:
        mix = staff_mix(records, start=joined.window_start, end=joined.window_end, level=level)
        if not mix.empty:
            frame = frame.assign(_key=frame["unit"].map(_match_key)).merge(
                mix.drop(columns="unit"), left_on="_key", right_on="key", how="left").drop(columns=["_key", "key"])
    for column in (COVARIATE_PCT_REGISTERED_NURSING, "staff_mix_band", "main_staff_group"):
        if column not in frame.columns:
            frame[column] = np.nan if column == COVARIATE_PCT_REGISTERED_NURSING else None
    frame.insert(0, "wave", str(wave))
    return WaveUnits(wave=str(wave), level=level, window_kind=window_kind, frame=frame.reset_index(drop=True),
                     joined=joined, notes=notes, has_records=records is not None)


def _prepared_for(prepared: Sequence[WaveUnits] | None, wave: str, *, window_kind: str, level: str,
              has_records: bool) -> WaveUnits | None:
    """The caller's :class:`WaveUnits` of ``wave``, checked against the analysis asked for; None if not given."""
    for found in prepared or ():
        if found.wave != str(wave):
            continue
        if (found.window_kind, found.level, found.has_records) != (window_kind, level, has_records):
            raise InputError(f"The prepared units of wave {wave} were made for the {found.window_kind} window at "
                             f"{found.level} level{'' if found.has_records else ' without HR data'}; this analysis "
                             f"needs the {window_kind} window at {level} level"
                             f"{'' if has_records else ' without HR data'}.")
        return found
    return None


def _unit_frame(survey: SurveyResults, records: HRRecords | None, wave: str, *, window_kind: str, level: str,
                directorate: str | None, survey_dates: dict[str, object] | None,
                prepared: Sequence[WaveUnits] | None = None) -> tuple[pd.DataFrame, UnitOutcomes, list[str]]:
    """Shown units of one wave with HR outcomes and staff mix; the notes say what was left out.
    ``records`` are already filtered by the exclusions; ``prepared`` may hold the wave's join already made."""
    base = _prepared_for(prepared, wave, window_kind=window_kind, level=level, has_records=records is not None)
    if base is None:
        base = wave_units(survey, records, wave=wave, window_kind=window_kind, level=level,
                          survey_dates=survey_dates)
    frame, joined, notes = base.frame, base.joined, list(base.notes)
    if directorate is not None:
        if level == settings.LEVEL_TEAM:
            frame = frame[frame["parent"].astype(str) == str(directorate)]
            notes.append(f"Teams of the directorate '{directorate}' only.")
        else:
            notes.append(f"The directorate filter ('{directorate}') does not apply at {level} level.")
    if base.has_records and joined.window_start is not None:
        high = pd.to_numeric(frame["leaver_rate"], errors="coerce").astype(float) > IMPLAUSIBLE_LEAVER_RATE
        if high.any():
            top = pd.to_numeric(frame.loc[high, "leaver_rate"]).astype(float).max()
            notes.append(f"{int(high.sum())} {level}(s) have a leaver rate above {IMPLAUSIBLE_LEAVER_RATE:.0f}% "
                         f"(highest {top:.0f}%). Staff on rotation, such as doctors in training, inflate leaver "
                         "rates: exclude them (doctors in training, by job role) before reading leaver "
                         "associations.")
    return frame.copy().reset_index(drop=True), joined, notes


def relate_survey_hr(
    survey: SurveyResults,
    records: HRRecords | None,
    *,
    waves: Sequence[str] | None = None,
    window_kind: str = WINDOW_CONCURRENT,
    measures: Sequence[str] | None = None,
    outcomes: Sequence[str] | None = None,
    level: str = settings.LEVEL_TEAM,
    by: str | None = None,
    include_pooled: bool = False,
    weights: str | None = None,
    covariates: Sequence[str] = (),
    directorate: str | None = None,
    exclusions: HRExclusions = HRExclusions(),
    min_units: int = stats.MIN_UNITS,
    survey_dates: dict[str, object] | None = None,
    prepared: Sequence[WaveUnits] | None = None,
    count_models: bool = True,
) -> RelateResult:
    """Relate team (or directorate) survey scores to HR outcomes, wave by wave.

    Parameters
    ----------
    survey
        Scored, anonymised survey results (:func:`analytics.survey.pipeline.score_survey_files`).
    records
        HR records (:mod:`analytics.hr`), or None when only survey measures are related.
    waves
        Waves to analyse (default: every wave whose window the HR data covers, at least in part; waves
        it does not cover are skipped with a note). A wave named here that cannot be analysed is refused.
    window_kind
        ``"concurrent"`` (the 12 months around the survey) or ``"lagged"`` (the 12 months after it); see
        :mod:`analytics.outcomes`.
    measures
        Survey measures (x); default :data:`DEFAULT_MEASURES` that the survey has.
    outcomes
        Outcomes (y): HR rates of :data:`HR_OUTCOMES` and/or survey measures (e.g. ``"morale"``). Default
        :data:`DEFAULT_OUTCOMES`, less those the HR data cannot give (the stability index needs
        employee-level records, the sickness rate an absence file), with a note.
    level
        ``"team"`` or ``"directorate"``: the unit of analysis.
    by
        ``"directorate"`` (a team's directorate) or ``"staff_mix"`` (the unit's largest staff group in
        the HR data): one row per group, within each wave.
    include_pooled
        With ``by``, also give each pair over all units (``group`` "").
    weights
        ``"responses"``: weight Pearson r by each unit's survey responses (see
        :func:`analytics.stats.correlations` for the effective n used for the CI).
    covariates
        Any of :data:`COVARIATES`: ``"pct_registered_nursing"`` (share of registered nursing staff) and
        ``"mean_staff"`` (team size, average staff in post). r and ρ become partial correlations and the
        count models are adjusted.
    directorate
        Only the teams of this directorate (team level).
    exclusions
        Staff left out of every HR figure and of the staff mix (:func:`analytics.hr.apply_exclusions`).
        Doctors in training rotate between employers, so every rotation counts as a leaver: NHS leaver
        statistics leave them out, and so should a leaver association.
    min_units
        Fewest units for statistics (see :func:`analytics.stats.correlations`).
    survey_dates
        ``{wave: date}`` overriding the survey date of a wave (default 1 October of its year).
    prepared
        Joins already made by :func:`wave_units` (whole organisation) for some waves, to reuse across
        directorates, measures and outcomes; a wave without one is joined here. They must come from the
        same survey, the same ``records`` after the same exclusions and the same ``survey_dates``; a
        different window, level or presence of HR data is refused.
    count_models
        Fit the count models of leaver and sickness rates (default). False leaves ``rate_ratio`` and its
        interval empty: for a correlation matrix, where a dozen model fits would cost more than every
        correlation together.

    Returns
    -------
    RelateResult
        ``table`` (one row per wave × x × y × group; BH across all its rows), ``units`` (the shown units
        analysed), ``notes`` and the window of each wave.

    Notes
    -----
    Statistics are those of :func:`analytics.stats.correlations` (validated against scipy and pingouin):
    Pearson r with the Fisher-z interval, Spearman ρ with the Bonett–Wright interval, p from Student's
    t; count models from :func:`analytics.stats.binomial_rate_model` (leavers out of average staff in
    post; ``rate_ratio`` is then the odds ratio per 1-point higher score) and
    :func:`analytics.stats.poisson_rate_model` (FTE days lost, log FTE days available as offset,
    quasi-Poisson). Because correlations are computed per wave, the Benjamini–Hochberg adjustment is
    redone over all rows of all waves (``scipy.stats.false_discovery_control``).

    Missing data: pairwise complete units; a unit whose survey score is suppressed has no score and
    never enters. Units in only one source (survey or HR) are listed in the notes.
    """
    if survey is None:
        raise InputError("There are no survey results to relate: add survey files.")
    if level not in (settings.LEVEL_TEAM, settings.LEVEL_DIRECTORATE):
        raise InputError(f"Relationships are worked out between teams or between directorates, not '{level}'.")
    if window_kind not in WINDOW_KINDS:
        raise InputError(f"The window must be one of: {', '.join(WINDOW_KINDS)} (got '{window_kind}').")
    xs = list(measures) if measures is not None else _default_measures(survey)
    ys = list(outcomes) if outcomes is not None else [y for y in DEFAULT_OUTCOMES if records is not None]
    if not xs or not ys:
        raise InputError("Choose at least one survey measure and one outcome to relate"
                         + ("" if records is not None else " (HR outcomes need HR data)") + ".")
    _check_choices(survey, xs, ys, records is not None)
    by_column = None
    if by is not None:
        if by not in STRATIFY_COLUMNS:
            raise InputError(f"Stratify by one of: {', '.join(STRATIFY_COLUMNS)} (got '{by}').")
        if by == BY_DIRECTORATE and level != settings.LEVEL_TEAM:
            raise InputError("Stratifying by directorate needs teams as the unit of analysis.")
        by_column = STRATIFY_COLUMNS[by]
    for cov in covariates:
        if cov not in COVARIATES:
            raise InputError(f"Adjust for any of: {', '.join(COVARIATES)} (got '{cov}').")
    needs_mix = by == BY_STAFF_MIX or COVARIATE_PCT_REGISTERED_NURSING in covariates
    needs_hr = needs_mix or COVARIATE_TEAM_SIZE in covariates
    if needs_hr and records is None:
        raise InputError("Staff mix and team size come from the HR data: add a staff file (or a team-month file).")
    if needs_mix and not records.has_staff_group:
        raise InputError("Staff mix needs a staff group column in the HR file.", file=records.file_name)
    if weights not in (None, WEIGHT_RESPONSES):
        raise InputError(f"Weights can only be '{WEIGHT_RESPONSES}' (survey responses per unit); got '{weights}'.")

    records, exclusions_text = _excluded(records, exclusions)
    explicit = waves is not None
    chosen = [str(w) for w in (waves if explicit else survey.waves)]
    unknown = [w for w in chosen if w not in survey.waves]
    if unknown:
        raise InputError(f"There is no wave '{unknown[0]}' in the survey results. Waves: {', '.join(survey.waves)}.")
    if not chosen:
        raise InputError("The survey results have no wave to relate.")

    units, joins = [], []
    notes = [exclusions_text] if exclusions_text else []
    for wave in chosen:
        try:
            frame, joined, wave_notes = _unit_frame(
                survey, records, wave, window_kind=window_kind, level=level, directorate=directorate,
                survey_dates=survey_dates, prepared=prepared)
        except InputError as exc:
            if explicit or records is None or "does not cover" not in str(exc):
                raise
            notes.append(f"Wave {wave} skipped: {exc.message}")
            continue
        notes.extend(f"Wave {wave}: {n}" for n in wave_notes)
        if needs_mix and frame[COVARIATE_PCT_REGISTERED_NURSING].isna().all():
            notes.append(f"Wave {wave}: no staff mix could be matched to the {level}s.")
        units.append(frame)
        joins.append(joined)
    if not units:
        raise InputError(f"The HR data covers none of the survey waves' {window_kind} windows. Add HR data for the "
                         "months around the surveys, or choose the other window.")
    everything = pd.concat(units, ignore_index=True)
    if outcomes is None:
        # Default outcomes the HR data cannot give (stability needs employee-level records; sickness an
        # absence file) are left out rather than reported as empty rows.
        empty = [y for y in ys if y in HR_OUTCOMES and pd.to_numeric(everything[y], errors="coerce").isna().all()]
        for y in empty:
            notes.append(f"No {y.replace('_', ' ')} in this HR data"
                         + (" (it needs employee-level records)." if y == "stability_index" else "."))
        ys = [y for y in ys if y not in empty]
        if not ys:
            raise InputError("The HR data gives none of the outcomes (leaver rate, sickness rate, stability index).")
    count_outcomes = {y: COUNT_OUTCOMES[y] for y in ys if y in COUNT_OUTCOMES} if count_models else {}
    frames, windows = [], {}
    for frame, joined in zip(units, joins):
        wave = joined.wave
        result = stats.correlations(
            frame, xs, ys, by=by_column, include_pooled=include_pooled, weights=weights, covariates=list(covariates),
            count_outcomes=count_outcomes or None, min_units=min_units)
        for column in RATE_RATIO_COLUMNS:
            if column not in result.columns:
                result[column] = np.nan
        result["wave"] = str(wave)
        result["window"] = WINDOW_LABELS[window_kind] if joined.window_start is not None else "no HR window"
        result["window_start"] = joined.window_start
        result["window_end"] = joined.window_end
        result["unit_of_analysis"] = level
        frames.append(result)
        windows[str(wave)] = (joined.window_start, joined.window_end)
    table = pd.concat(frames, ignore_index=True)
    table["p_adj"] = stats.benjamini_hochberg(table["p"].astype(float))
    for y in ys:
        values = pd.to_numeric(everything[y], errors="coerce")
        if values.isna().all():
            table.loc[table["y"] == y, "note"] = f"no values of '{y}' in these data"
    for y in count_outcomes:
        rows = table["y"] == y
        if rows.any() and not table.loc[rows, "rate_ratio"].notna().any():
            notes.append(f"No count model for {y}: its counts are missing or too few units have them.")
    return RelateResult(table=table[list(RELATE_TABLE_COLUMNS)], units=everything,
                        notes=notes, level=level, window_kind=window_kind if records is not None else None,
                        windows=windows, exclusions=exclusions_text)


def relate_change(
    survey: SurveyResults,
    records: HRRecords | None,
    *,
    wave_from: str,
    wave_to: str,
    window_kind: str = WINDOW_CONCURRENT,
    measures: Sequence[str] | None = None,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    level: str = settings.LEVEL_TEAM,
    directorate: str | None = None,
    exclusions: HRExclusions = HRExclusions(),
    min_units: int = stats.MIN_UNITS,
    survey_dates: dict[str, object] | None = None,
    prepared: Sequence[WaveUnits] | None = None,
) -> RelateResult:
    """Change in score between two waves against the change in outcome, per unit shown in both.

    Each wave's units are joined to their HR outcomes over that wave's window (as in
    :func:`relate_survey_hr`); :func:`analytics.stats.change_analysis` then correlates
    Δ score = score(wave_to) − score(wave_from) with Δ outcome over units shown in both waves (matched
    by name, as the survey and HR files are). ``x`` and ``y`` are named "change in <column>"; the
    ``window`` column gives both windows; no count model (changes are differences of rates).
    Change scores remove stable differences between units (case mix, staff mix), at the price of
    wider intervals. ``prepared`` may hold either wave's join already made (:func:`wave_units`; as in
    :func:`relate_survey_hr`).
    """
    if str(wave_from) == str(wave_to):
        raise InputError("Choose two different waves to compare.")
    xs = list(measures) if measures is not None else _default_measures(survey)
    ys = list(outcomes)
    _check_choices(survey, xs, ys, records is not None)
    for wave in (wave_from, wave_to):
        if str(wave) not in survey.waves:
            raise InputError(f"There is no wave '{wave}' in the survey results. Waves: {', '.join(survey.waves)}.")
    records, exclusions_text = _excluded(records, exclusions)
    parts, windows = [], {}
    notes = [exclusions_text] if exclusions_text else []
    for wave in (str(wave_from), str(wave_to)):
        frame, joined, wave_notes = _unit_frame(
            survey, records, wave, window_kind=window_kind, level=level, directorate=directorate,
            survey_dates=survey_dates, prepared=prepared)
        notes.extend(f"Wave {wave}: {n}" for n in wave_notes)
        windows[wave] = (joined.window_start, joined.window_end)
        parts.append(frame.assign(_unit=frame["unit"].map(_match_key)))
    data = pd.concat(parts, ignore_index=True)
    for column in (*xs, *ys):
        data[column] = pd.to_numeric(data[column], errors="coerce").astype(float)
    result = stats.change_analysis(data, xs, ys, unit="_unit", wave="wave", wave_from=str(wave_from),
                                   wave_to=str(wave_to), min_units=min_units)
    for column in RATE_RATIO_COLUMNS:
        result[column] = np.nan
    start_from, end_from = windows[str(wave_from)]
    start_to, end_to = windows[str(wave_to)]
    result["wave"] = f"{wave_from} to {wave_to}"
    if start_from is None:
        result["window"] = "no HR window"
    else:
        result["window"] = (f"{WINDOW_LABELS[window_kind]}: {start_from:%d %b %Y}–{end_from:%d %b %Y} vs "
                            f"{start_to:%d %b %Y}–{end_to:%d %b %Y}")
    result["window_start"] = start_from
    result["window_end"] = end_to
    result["unit_of_analysis"] = level
    both = set(parts[0]["_unit"]) & set(parts[1]["_unit"])
    notes.append(f"{len(both)} {level}s are shown in both waves; only they enter the change analysis.")
    return RelateResult(table=result[list(RELATE_TABLE_COLUMNS)],
                        units=data.drop(columns="_unit"), notes=notes, level=level,
                        window_kind=window_kind if records is not None else None, windows=windows,
                        exclusions=exclusions_text)


# --- Unit-level files ------------------------------------------------------------------------------
_FEWER_THAN = re.compile(r"^(n\s*)?[<\u2264]\s*\d+$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _parse_numbers(values: pd.Series, column: str, file_name: str, sheet: str | None) -> pd.Series:
    """Numbers from a results column: "5.6%", "1,234.5", blanks and suppression markers ("*", "n<11")
    as missing; any other text is refused with its spreadsheet row."""
    out = pd.Series(np.nan, index=values.index, dtype=float)
    for row, value in values.items():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            out[row] = float(value)
            continue
        text = str(value).strip()
        lowered = text.casefold()
        if not text or lowered in MISSING_MARKERS or _FEWER_THAN.match(lowered):
            continue
        text = text.removesuffix("%").strip()
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            out[row] = float(text)
        except ValueError:
            raise InputError(f"'{value}' is not a number. Correct it, or leave the cell blank if the figure is "
                             "missing.", file=file_name, sheet=sheet, column=column,
                             row=int(row) if isinstance(row, (int, np.integer)) else None) from None
    return out


def _texts(values: pd.Series) -> pd.Series:
    """Cells as stripped text (object dtype); blanks and missing cells as None."""
    def clean(value: object) -> str | None:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        text = str(value).strip()
        return text or None

    return values.astype(object).map(clean).astype(object)


def read_units_file(source: str | Path | bytes, *, unit_col: str, columns: Sequence[str], file_name: str | None = None,
                    sheet: str | None = None, text_columns: Sequence[str] = (),
                    min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE) -> tuple[pd.DataFrame, list[str]]:
    """Read a unit-level file (one row per organisation or team) for :func:`relate_units`.

    Parameters
    ----------
    source, file_name, sheet
        As :func:`analytics.ingest.io.read_table`.
    unit_col
        The column naming each unit (any header text, compared case- and space-insensitively).
    columns
        Numeric columns to read (scores, rates): "5.6%" and "1,234" are read as numbers; blanks and
        suppression markers ("*", "[c]", "n<11", ...) as missing; other text is refused.
    text_columns
        Grouping columns read as text (e.g. a benchmarking group).
    min_group_size
        When the file has a response-count column (``Responses``, ``n``, ...; see
        :func:`analytics.ingest.unit_level.find_count_column`), units with fewer responses than this are left
        out (their figures are below the reporting threshold).

    Returns
    -------
    (frame, notes)
        ``frame`` with the columns under the names given (unit column first), indexed by spreadsheet
        row; ``notes`` say which columns were used and what was left out.

    Raises
    ------
    InputError
        A column that is not in the file; a blank unit name next to figures; the same unit twice; text
        in a numeric column (row named).
    """
    raw = read_table(source, file_name, sheet=sheet)
    unit = raw.resolve_column(unit_col, role="unit")
    resolved = {name: raw.resolve_column(name, role="result") for name in columns}
    groups = {name: raw.resolve_column(name, role="grouping") for name in text_columns}
    notes: list[str] = []
    frame = pd.DataFrame(index=raw.frame.index)
    frame[unit_col] = _texts(raw.frame[unit])
    for name, column in resolved.items():
        frame[name] = _parse_numbers(raw.frame[column], column, raw.file_name, raw.sheet)
    for name, column in groups.items():
        frame[name] = _texts(raw.frame[column])
    blank = frame[unit_col].isna()
    with_figures = blank & frame[list(resolved)].notna().any(axis=1) if resolved else blank & False
    if with_figures.any():
        row = int(with_figures[with_figures].index[0])
        raise InputError("This row has figures but no unit name. Add the name or delete the row.",
                         file=raw.file_name, sheet=raw.sheet, column=unit, row=row)
    frame = frame[~blank]
    duplicated = frame[unit_col].map(normalise_label).duplicated(keep="first")
    if duplicated.any():
        row = int(duplicated[duplicated].index[0])
        raise InputError(f"The unit '{frame.loc[row, unit_col]}' appears twice. Each unit needs one row (for several "
                         "waves, relate one wave's file at a time).", file=raw.file_name, sheet=raw.sheet,
                         column=unit, row=row)
    count_col = find_count_column(raw)
    if count_col is not None and count_col not in resolved.values():
        counts = _parse_numbers(raw.frame.loc[frame.index, count_col], count_col, raw.file_name, raw.sheet)
        small = counts < min_group_size
        if small.any():
            notes.append(f"{int(small.sum())} unit(s) with fewer than {min_group_size} responses (column "
                         f"'{count_col}') left out.")
            frame = frame[~small.to_numpy()]
    return frame, notes


def relate_units(frame: pd.DataFrame, unit_col: str, x: str | Sequence[str], y: str | Sequence[str], *,
                 by: str | None = None, include_pooled: bool = False, weights: str | None = None,
                 covariates: Sequence[str] = (), min_units: int = stats.MIN_UNITS,
                 unit_of_analysis: str | None = None, wave: str = "", window: str = "") -> RelateResult:
    """Relate columns of a unit-level table directly (e.g. organisation scores against sickness rates).

    Parameters
    ----------
    frame
        One row per unit (shown units only), e.g. from :func:`read_units_file`.
    unit_col
        Column naming the units; a unit named twice is refused.
    x, y, by, include_pooled, weights, covariates, min_units
        As :func:`analytics.stats.correlations` (``by``: e.g. a benchmarking group column).
    unit_of_analysis
        What one row is ("organisation", "trust"); default the unit column's name.
    wave, window
        Context to record with each row (empty when unknown).

    Returns
    -------
    RelateResult
        ``table`` with :data:`RELATE_TABLE_COLUMNS` (rate-ratio columns empty: a unit-level file has no
        counts), ``units`` the rows used.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError("The unit table must be a table.")
    if unit_col not in frame.columns:
        raise InputError(f"There is no unit column '{unit_col}'. Columns: {', '.join(map(str, frame.columns))}.")
    names = frame[unit_col].dropna().map(normalise_label)
    if names.duplicated().any():
        name = frame[unit_col].dropna()[names.duplicated()].iloc[0]
        raise InputError(f"The unit '{name}' appears more than once; each unit needs one row.", column=unit_col)
    result = stats.correlations(frame, x, y, by=by, include_pooled=include_pooled, weights=weights,
                                covariates=list(covariates), min_units=min_units)
    for column in RATE_RATIO_COLUMNS:
        result[column] = np.nan
    result["wave"] = wave
    result["window"] = window
    result["window_start"] = pd.NaT
    result["window_end"] = pd.NaT
    result["unit_of_analysis"] = unit_of_analysis or str(unit_col).strip().lower()
    return RelateResult(table=result[list(RELATE_TABLE_COLUMNS)], units=frame.reset_index(drop=True), notes=[],
                        level=unit_of_analysis or str(unit_col), window_kind=None, windows={wave: (None, None)})


# --- Respondent level --------------------------------------------------------------------------------
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
    if isinstance(predictors, str) and predictors == DRIVERS_ITEMS:
        has_measure = "compassionate_leadership" in book.measure_ids
        wanted = list(book.items_of("compassionate_leadership")) if has_measure else []
    elif isinstance(predictors, str) and predictors == DRIVERS_SUB_SCORES:
        wanted = [m for m in DRIVER_SUB_SCORES if m in respondents.columns and m != outcome]
    elif isinstance(predictors, str):
        raise InputError(f"Choose the predictors as one of {', '.join(DRIVER_SETS)} or as a list of columns.")
    else:
        wanted = [str(p) for p in predictors]
    items = survey.scored.item_scores
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

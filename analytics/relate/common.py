"""What the relationship analyses share: defaults, column contracts, result objects and small helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics import settings, stats
from analytics.ingest.codebook import Codebook, normalise_label
from analytics.wave_window import WINDOW_CONCURRENT


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
RELATE_TABLE_COLUMNS = (*RELATE_COLUMNS, *RATE_RATIO_COLUMNS, "note", "p_adj_family", *RELATE_CONTEXT_COLUMNS)


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


@dataclass
class RelateResult:
    """A relationship table and the unit rows behind it.

    Attributes
    ----------
    table
        One row per wave × x × y × group, columns :data:`RELATE_TABLE_COLUMNS`:
        the pair (``x``, ``y``), ``group`` ("" when not stratified or for the pooled row), ``n`` (units
        with both values), ``r`` with ``r_ci_low``/``r_ci_high`` (Fisher z), ``p``, ``p_adj``
        (Benjamini–Hochberg within the row's family, :mod:`analytics.relate.family`), ``rho`` with its interval,
        ``rate_ratio``/``rr_ci_low``/``rr_ci_high`` (per 1-point higher x; an odds ratio for leaver
        rate, a rate ratio for sickness rate; empty for other outcomes), ``note`` (why statistics are
        empty, how r was weighted or adjusted), ``p_adj_family`` (the family ``p_adj`` was adjusted
        across, in words), and the context ``wave``, ``window`` (e.g.
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

        Columns :data:`RELATE_COLUMNS`, then ``window_start`` and ``window_end`` (the HR window of the
        row's wave, ISO dates) for survey x HR results, then :data:`RATE_RATIO_COLUMNS` when an outcome
        has counts, the columns' n, mean, min and max for unit-level files, then ``note`` and
        ``p_adj_family`` (the multiple-comparison family of ``p_adj``, :mod:`analytics.relate.family`). When the result covers more than one wave, the wave is put into ``group``
        ("wave 2024", or "wave 2024; Medicine" when stratified), so that every row stays identifiable
        with the issue's columns.
        """
        summaries = [c for c in ("x_n", "x_mean", "x_min", "x_max", "y_n", "y_mean", "y_min", "y_max")
                     if c in self.table.columns]
        columns = [*RELATE_COLUMNS, *(RATE_RATIO_COLUMNS if self.has_counts else ()), *summaries, "note",
                   "p_adj_family"]
        out = self.table[columns].copy()
        if any(start is not None for start, _ in self.windows.values()):
            # The HR window of each row's wave (survey x HR results), as the hr command writes it.
            starts = {w: (s.date().isoformat() if s is not None else "") for w, (s, _) in self.windows.items()}
            ends = {w: (e.date().isoformat() if e is not None else "") for w, (_, e) in self.windows.items()}
            out.insert(len(RELATE_COLUMNS), "window_start", self.table["wave"].astype(str).map(starts).fillna(""))
            out.insert(len(RELATE_COLUMNS) + 1, "window_end", self.table["wave"].astype(str).map(ends).fillna(""))
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

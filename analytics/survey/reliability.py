"""Measurement quality of the survey: missing answers, internal consistency, and whether team means
are justified. Organisation-level aggregates only.

Every function takes the respondent-level scores that stay inside the analytics layer
(:class:`analytics.survey.scoring.ScoredResponses`, e.g. ``SurveyResults.scored``) and the codebook in use
(``SurveyResults.codebook``, which includes the user's local measures), and returns one small table of
pooled figures: one row per wave x item or wave x measure. No row describes a respondent, a team or a
directorate, so nothing here can show a unit the anonymity rules hide.

The statistics are those of :mod:`analytics.stats` (validated there against pingouin and hand
arithmetic):

* :func:`item_missingness` — % of respondents without a scorable answer, per question and wave;
* :func:`measure_reliability` — Cronbach's α with Feldt's 95% interval (:func:`analytics.stats.cronbach_alpha`);
* :func:`item_total_table` — corrected item–total correlations and α if the question were dropped
  (:func:`analytics.stats.item_total_correlations`);
* :func:`aggregation_table` — ICC(1), ICC(2) (:func:`analytics.stats.icc_aggregation`) and rwg(j)
  (:func:`analytics.stats.rwg_j`): "is averaging respondents into teams justified?".

Anonymity
---------
A wave with fewer respondents than the minimum reporting group ``k`` is reported as suppressed (its
figures are left empty). Cronbach's α and the item–total figures need at least ``k`` respondents who
answered every question of the measure. ICC and rwg(j) use only teams with at least ``k`` respondents
with a score for the measure — the teams the dashboard can show — and only pooled figures are returned.

Which respondents and questions
-------------------------------
A respondent of a wave is a row of that wave with at least one scorable answer (the same count as the
organisation's ``n`` in the unit tables). A question counts as part of a wave's file when at least one
respondent of that wave answered it; a question with no answer at all in a wave (not in that wave's file,
or every cell blank) is left out of that wave's figures, and :func:`item_missingness` leaves its
percentage empty rather than 100 (the data-quality findings say which columns were blank).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analytics import settings, stats
from analytics.ingest.codebook import Codebook
from analytics.errors import InputError
from analytics.survey.privacy import check_min_group_size
from analytics.survey.scoring import ScoredResponses
from analytics.survey.units import team_keys

#: Columns of :func:`item_missingness`.
MISSINGNESS_COLUMNS = (
    "wave", "item", "measures", "respondents", "answered", "missing", "pct_missing", "suppressed", "note",
)
#: Columns of :func:`measure_reliability`.
RELIABILITY_COLUMNS = (
    "wave", "measure", "label", "items_in_measure", "n_items", "respondents", "n", "alpha", "ci_low", "ci_high",
    "suppressed", "note",
)
#: Columns of :func:`item_total_table`.
ITEM_TOTAL_TABLE_COLUMNS = ("wave", "measure", "item", "n", "item_total_r", "alpha_if_deleted")
#: Columns of :func:`aggregation_table`.
AGGREGATION_COLUMNS = (
    "wave", "measure", "label", "n_respondents", "n_teams", "mean_team_size", "icc1", "icc2", "f", "p",
    "rwg_teams", "rwg_j_mean", "rwg_j_median", "share_strong_agreement", "suppressed", "note",
)

#: Conventional reading of α (Nunnally & Bernstein 1994): at least 0.70 is adequate for group comparisons.
ALPHA_ADEQUATE = 0.70
#: ICC(2) of about 0.70 or more: team means are reliable enough to compare teams (Bliese 2000).
ICC2_RELIABLE = 0.70
#: rwg(j) of 0.70 or more: strong within-team agreement (LeBreton & Senter 2008).
RWG_STRONG_AGREEMENT = stats.RWG_STRONG_AGREEMENT

NOTE_SUPPRESSED_WAVE = "fewer than {k} respondents in this wave"
#: Note of a theme's row ("{sub_scores}": its sub-scores' labels, e.g. "thinking about leaving, work pressure,
#: stressors"); :func:`theme_note` fills it in.
NOTE_THEME = "theme: mean of {sub_scores}"
#: Added to a theme's note in :func:`aggregation_table`: rwg(j) belongs to questions, so to sub-scores.
NOTE_THEME_RWG = "rwg(j) is given for each sub-score"
NOTE_ONE_ITEM = "fewer than two of its questions are in this wave's file"
NOTE_NO_ITEMS = "none of its questions are in this wave's file"
NOTE_FEW_COMPLETE = "fewer than {k} respondents answered every question of the measure"
NOTE_NO_ANSWERS = "no answers in this wave (the question is not in the file, or every cell is blank)"
NOTE_NO_TEAM = "the survey files have no team column"
NOTE_FEW_TEAMS = "fewer than two teams with at least {k} respondents"
NOTE_MIXED_SCALES = "rwg(j) not computed: its questions use scales with different numbers of options"
NOTE_NO_VARIANCE = "every respondent gave the same answers, so α is not defined"


# --- helpers ----------------------------------------------------------------------------------------
def _in_sentence(label: str) -> str:
    """A measure's label inside a sentence: first letter in lower case unless the label starts with an
    acronym ("Work pressure" -> "work pressure", "NHS pulse" stays)."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def theme_note(book: Codebook, measure_id: str) -> str:
    """The note of a theme: what it is the mean of.

    >>> from analytics.ingest.codebook import load_codebook
    >>> theme_note(load_codebook(), "morale")
    'theme: mean of thinking about leaving, work pressure, stressors'
    """
    measure = book.measure(measure_id)
    labels = {m.id: m.label for m in book.measures}
    return NOTE_THEME.format(sub_scores=", ".join(_in_sentence(labels.get(s, s)) for s in measure.sub_measures))


def _check_scored(scored: ScoredResponses, codebook: Codebook | None) -> Codebook:
    # Checked by shape rather than class, so that a ScoredResponses made before a module reload (the
    # dashboard's caches outlive a code change while it is being developed) is still accepted.
    if not (isinstance(getattr(scored, "respondents", None), pd.DataFrame)
            and isinstance(getattr(scored, "item_scores", None), pd.DataFrame)):
        raise InputError("The survey has not been scored; load the survey files first.")
    book = codebook if codebook is not None else scored.codebook
    if book is None:
        raise InputError("No codebook was given to judge the measures.")
    return book


def _respondent_mask(scored: ScoredResponses) -> pd.Series:
    """Rows with at least one scorable answer (the respondents counted in the unit tables)."""
    return scored.item_scores.notna().any(axis=1)


def _waves(scored: ScoredResponses) -> list[str]:
    waves = scored.respondents["wave"].dropna().astype(str).unique().tolist()
    return sorted(waves)


def _wave_rows(scored: ScoredResponses, wave: str, answered: pd.Series) -> pd.Index:
    in_wave = scored.respondents["wave"].astype(str).eq(wave) & scored.respondents["wave"].notna()
    return scored.respondents.index[(in_wave & answered).to_numpy()]


def _present_items(item_scores: pd.DataFrame, codes: tuple[str, ...]) -> list[str]:
    """Codes that are columns of ``item_scores`` with at least one answer (in the rows given)."""
    return [c for c in codes if c in item_scores.columns and item_scores[c].notna().any()]


def _item_measures(book: Codebook) -> dict[str, list[str]]:
    """Item code -> ids of the (non-theme) measures it belongs to, in codebook order."""
    out: dict[str, list[str]] = {}
    for measure in book.measures:
        if measure.is_theme:
            continue
        for code in measure.items:
            out.setdefault(code, []).append(measure.id)
    return out


def _items_scale_options(book: Codebook, codes: list[str]) -> int | None:
    """The number of response options shared by all ``codes``, or None when they differ."""
    counts = {book.scales[book.items[c].scale].n_options for c in codes if c in book.items}
    return counts.pop() if len(counts) == 1 else None


# --- missingness -------------------------------------------------------------------------------------
def item_missingness(scored: ScoredResponses, codebook: Codebook | None = None, *,
                     min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE) -> pd.DataFrame:
    """Share of respondents without a scorable answer, per question and wave (organisation level).

    Parameters
    ----------
    scored
        Respondent-level scores (``SurveyResults.scored``); never returned.
    codebook
        The codebook in use, for the measures each question belongs to (default: ``scored.codebook``).
    min_group_size
        The anonymity threshold k: a wave with fewer respondents is suppressed.

    Returns
    -------
    pandas.DataFrame
        One row per wave x question mapped in any file, columns :data:`MISSINGNESS_COLUMNS`:

        * ``wave``; ``item`` (question code, in the order of the item table);
        * ``measures`` — the ids of the measures the question belongs to, comma-separated;
        * ``respondents`` — respondents in the wave (rows with at least one scorable answer);
        * ``answered`` — those with a scorable answer to this question;
        * ``missing`` = respondents − answered;
        * ``pct_missing`` = 100 × missing ÷ respondents;
        * ``suppressed`` — the wave has fewer than k respondents (counts and percentage left empty);
        * ``note`` — why a figure is empty.

    Notes
    -----
    "Missing" is anything that cannot be scored: a blank, a "Don't know"-type answer, or a value outside
    the scale (which is also a data-quality finding). Missing answers are never scored as zero.

    A question with no answer at all in a wave gets an empty ``pct_missing`` and a note: it is usually
    not in that wave's file (questions change between survey years), which is not the same as 100% of
    respondents skipping it.
    """
    book = _check_scored(scored, codebook)
    k = check_min_group_size(min_group_size)
    answered_any = _respondent_mask(scored)
    of_item = _item_measures(book)
    rows = []
    for wave in _waves(scored):
        index = _wave_rows(scored, wave, answered_any)
        respondents = len(index)
        suppressed = respondents < k
        block = scored.item_scores.loc[index]
        for code in scored.item_scores.columns:
            base = {"wave": wave, "item": str(code), "measures": ", ".join(of_item.get(code, [])),
                    "suppressed": suppressed}
            if suppressed:
                rows.append({**base, "respondents": pd.NA, "answered": pd.NA, "missing": pd.NA,
                             "pct_missing": math.nan, "note": NOTE_SUPPRESSED_WAVE.format(k=k)})
                continue
            answered = int(block[code].notna().sum())
            if answered == 0:
                rows.append({**base, "respondents": respondents, "answered": 0, "missing": pd.NA,
                             "pct_missing": math.nan, "note": NOTE_NO_ANSWERS})
                continue
            missing = respondents - answered
            rows.append({**base, "respondents": respondents, "answered": answered, "missing": missing,
                         "pct_missing": 100.0 * missing / respondents, "note": ""})
    frame = pd.DataFrame(rows, columns=MISSINGNESS_COLUMNS)
    for column in ("respondents", "answered", "missing"):
        frame[column] = frame[column].astype("Int64")
    frame["pct_missing"] = frame["pct_missing"].astype("float64")
    frame["suppressed"] = frame["suppressed"].astype(bool)
    return frame


# --- Cronbach's alpha ---------------------------------------------------------------------------------
def measure_reliability(scored: ScoredResponses, codebook: Codebook | None = None, *,
                        min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE,
                        confidence: float = settings.CONFIDENCE_LEVEL) -> pd.DataFrame:
    """Cronbach's α of each measure, per wave, with its confidence interval (organisation level).

    Parameters
    ----------
    scored
        Respondent-level scores (``SurveyResults.scored``); never returned.
    codebook
        The codebook in use, including local measures (default: ``scored.codebook``).
    min_group_size
        The anonymity threshold k: α is reported only when at least k respondents answered every
        question of the measure.
    confidence
        Level of the interval (default 0.95).

    Returns
    -------
    pandas.DataFrame
        One row per wave x measure (codebook order, themes included with a note), columns
        :data:`RELIABILITY_COLUMNS`:

        * ``wave``, ``measure`` (id), ``label``;
        * ``items_in_measure`` — questions the codebook lists for the measure (for a theme: the
          questions of its sub-scores);
        * ``n_items`` — those with answers in this wave's file (α uses these);
        * ``respondents`` — respondents in the wave;
        * ``n`` — respondents who answered every one of those questions (listwise);
        * ``alpha``, ``ci_low``, ``ci_high`` — α and Feldt's interval;
        * ``suppressed`` — fewer than k respondents in the wave, or fewer than k complete answers;
        * ``note`` — why α is empty, when it is.

    Notes
    -----
    ``α = J / (J − 1) · (1 − Σ var(item) ÷ var(sum of items))`` (Cronbach 1951) on the 0–10 item scores
    after reverse keying, computed by :func:`analytics.stats.cronbach_alpha` with listwise deletion
    (respondents who answered every question), and Feldt, Woodruff & Salih's (1987) F-based interval.
    α of 0.70 or more (:data:`ALPHA_ADEQUATE`) is the usual bar for comparing groups.

    Themes (morale, staff engagement) are means of sub-scores; their rows carry no α, a note naming the
    sub-scores (:func:`theme_note`) and, in ``n_items``, the questions of the sub-scores answered in the wave.
    Measures with fewer than two questions in a wave's file have no α (a note says so).
    """
    book = _check_scored(scored, codebook)
    k = check_min_group_size(min_group_size)
    answered_any = _respondent_mask(scored)
    rows = []
    for wave in _waves(scored):
        index = _wave_rows(scored, wave, answered_any)
        block = scored.item_scores.loc[index]
        respondents = len(index)
        for measure in book.measures:
            row = {"wave": wave, "measure": measure.id, "label": measure.label,
                   "items_in_measure": len(book.items_of(measure.id)), "n_items": 0, "respondents": respondents,
                   "n": pd.NA, "alpha": math.nan, "ci_low": math.nan, "ci_high": math.nan, "suppressed": False,
                   "note": ""}
            if respondents < k:
                row.update(suppressed=True, respondents=pd.NA, note=NOTE_SUPPRESSED_WAVE.format(k=k))
                rows.append(row)
                continue
            if measure.is_theme:
                row.update(note=theme_note(book, measure.id),
                           n_items=len(_present_items(block, book.items_of(measure.id))))
                rows.append(row)
                continue
            present = _present_items(block, measure.items)
            row["n_items"] = len(present)
            if not present:
                row.update(note=NOTE_NO_ITEMS)
            elif len(present) < 2:
                row.update(note=NOTE_ONE_ITEM)
            else:
                complete = int(block[present].notna().all(axis=1).sum())
                row["n"] = complete
                if complete < k:
                    row.update(suppressed=True, n=pd.NA, note=NOTE_FEW_COMPLETE.format(k=k))
                else:
                    try:
                        result = stats.cronbach_alpha(block[present], confidence=confidence).iloc[0]
                    except InputError:
                        row.update(note=NOTE_NO_VARIANCE)
                    else:
                        row.update(n=int(result["n"]), alpha=float(result["alpha"]),
                                   ci_low=float(result["ci_low"]), ci_high=float(result["ci_high"]))
            rows.append(row)
    frame = pd.DataFrame(rows, columns=RELIABILITY_COLUMNS)
    for column in ("items_in_measure", "n_items", "respondents", "n"):
        frame[column] = frame[column].astype("Int64")
    for column in ("alpha", "ci_low", "ci_high"):
        frame[column] = frame[column].astype("float64")
    frame["suppressed"] = frame["suppressed"].astype(bool)
    return frame


def item_total_table(scored: ScoredResponses, codebook: Codebook | None = None, *,
                     min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE,
                     wave: str | None = None) -> pd.DataFrame:
    """Corrected item–total correlation and "α if deleted" of each question, per measure and wave.

    Parameters
    ----------
    scored
        Respondent-level scores (``SurveyResults.scored``); never returned.
    codebook
        The codebook in use (default: ``scored.codebook``).
    min_group_size
        The anonymity threshold k: a measure is reported only when at least k respondents answered every
        one of its questions in the wave.
    wave
        One wave only (default: every wave).

    Returns
    -------
    pandas.DataFrame
        One row per wave x measure x question, columns :data:`ITEM_TOTAL_TABLE_COLUMNS`: ``wave``,
        ``measure``, ``item``, ``n`` (respondents who answered every question of the measure),
        ``item_total_r`` (Pearson r of the question with the sum of the measure's *other* questions),
        ``alpha_if_deleted`` (α of the other questions; empty when only one would remain). Only
        measures with at least two questions in the wave's file and at least k complete answers.

    Notes
    -----
    From :func:`analytics.stats.item_total_correlations` (listwise; Nunnally & Bernstein 1994, ch. 8).
    A question whose item–total r is below about 0.3, or whose removal raises α, does not go with the
    rest of its measure in these data.
    """
    book = _check_scored(scored, codebook)
    k = check_min_group_size(min_group_size)
    answered_any = _respondent_mask(scored)
    waves = _waves(scored) if wave is None else [str(wave)]
    parts = []
    for each in waves:
        index = _wave_rows(scored, each, answered_any)
        if len(index) < k:
            continue
        block = scored.item_scores.loc[index]
        for measure in book.measures:
            if measure.is_theme:
                continue
            present = _present_items(block, measure.items)
            if len(present) < 2 or int(block[present].notna().all(axis=1).sum()) < k:
                continue
            table = stats.item_total_correlations(block[present])
            table.insert(0, "measure", measure.id)
            table.insert(0, "wave", each)
            parts.append(table)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("item_total_r", "alpha_if_deleted") else object)
                             for c in ITEM_TOTAL_TABLE_COLUMNS})
    frame = pd.concat(parts, ignore_index=True)[list(ITEM_TOTAL_TABLE_COLUMNS)]
    frame["n"] = frame["n"].astype("Int64")
    return frame


# --- aggregation: ICC and rwg(j) ------------------------------------------------------------------------
def aggregation_table(scored: ScoredResponses, codebook: Codebook | None = None, *,
                      min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE) -> pd.DataFrame:
    """ICC(1), ICC(2) and rwg(j) of each measure, per wave: is averaging respondents into teams justified?

    Parameters
    ----------
    scored
        Respondent-level scores (``SurveyResults.scored``); never returned.
    codebook
        The codebook in use (default: ``scored.codebook``).
    min_group_size
        The anonymity threshold k: only teams with at least k respondents with a score for the measure
        (the teams the dashboard can show) enter, and at least two such teams are needed.

    Returns
    -------
    pandas.DataFrame
        One row per wave x measure (codebook order), columns :data:`AGGREGATION_COLUMNS`:

        * ``wave``, ``measure``, ``label``;
        * ``n_respondents``, ``n_teams`` — respondents and teams used; ``mean_team_size`` — the adjusted
          mean team size k0 of :func:`analytics.stats.icc_aggregation`;
        * ``icc1`` — share of the variance of the score that lies between teams;
        * ``icc2`` — reliability of a team mean;
        * ``f``, ``p`` — one-way ANOVA of the score on team;
        * ``rwg_teams``, ``rwg_j_mean``, ``rwg_j_median``, ``share_strong_agreement`` — within-team
          agreement rwg(j) over the measure's questions (:func:`analytics.stats.rwg_j`; empty for themes
          and for measures whose questions use scales with different numbers of options);
        * ``suppressed`` — fewer than k respondents in the wave; ``note`` — why figures are empty (a
          theme's note names its sub-scores and says rwg(j) is given for each of them).

    Notes
    -----
    ICC(1) = (MSB − MSW) ÷ (MSB + (k0 − 1) MSW) and ICC(2) = (MSB − MSW) ÷ MSB from the one-way ANOVA of
    respondents' scores on their team (Bliese 2000). ICC(1) of 0.05–0.20 is typical of staff surveys:
    the team accounts for a real share of how people answer. ICC(2) of about 0.70 or more
    (:data:`ICC2_RELIABLE`) means team means are reliable enough to compare teams.

    rwg(j) (James, Demaree & Wolf 1984) compares each team's within-team variance of the questions with
    the variance of random answers over the scale's options; 0.70 or more is strong agreement.

    Team = directorate and team together (two directorates' "Ward 1" are different teams). Respondents
    whose team was not recorded are left out. Respondents without a score for the measure are left out
    of its ICC; rwg(j) uses the answered questions of the same teams.
    """
    book = _check_scored(scored, codebook)
    k = check_min_group_size(min_group_size)
    answered_any = _respondent_mask(scored)
    keys = team_keys(scored.respondents)
    rows = []
    for wave in _waves(scored):
        index = _wave_rows(scored, wave, answered_any)
        for measure in book.measures:
            row = {"wave": wave, "measure": measure.id, "label": measure.label, "n_respondents": pd.NA,
                   "n_teams": pd.NA, "mean_team_size": math.nan, "icc1": math.nan, "icc2": math.nan,
                   "f": math.nan, "p": math.nan, "rwg_teams": pd.NA, "rwg_j_mean": math.nan,
                   "rwg_j_median": math.nan, "share_strong_agreement": math.nan, "suppressed": False, "note": ""}
            rows.append(row)
            if len(index) < k:
                row.update(suppressed=True, note=NOTE_SUPPRESSED_WAVE.format(k=k))
                continue
            if keys is None:
                row.update(note=NOTE_NO_TEAM)
                continue
            if measure.id not in scored.respondents.columns:
                row.update(note=NOTE_NO_ITEMS)
                continue
            frame = pd.DataFrame({"score": scored.respondents.loc[index, measure.id],
                                  "team": keys.loc[index]}).dropna()
            if frame.empty:
                row.update(note=NOTE_NO_ITEMS)
                continue
            sizes = frame.groupby("team")["score"].size()
            kept_teams = sizes.index[sizes >= k]
            frame = frame[frame["team"].isin(kept_teams)]
            if len(kept_teams) < 2:
                row.update(note=NOTE_FEW_TEAMS.format(k=k))
                continue
            icc = stats.icc_aggregation(frame, "score", "team").iloc[0]
            row.update(n_respondents=int(icc["n_respondents"]), n_teams=int(icc["n_groups"]),
                       mean_team_size=float(icc["mean_group_size"]), icc1=float(icc["icc1"]),
                       icc2=float(icc["icc2"]), f=float(icc["f"]), p=float(icc["p"]))
            if measure.is_theme:
                row.update(note=f"{theme_note(book, measure.id)}; {NOTE_THEME_RWG}")
                continue
            present = _present_items(scored.item_scores.loc[index], measure.items)
            if not present:
                continue
            n_options = _items_scale_options(book, present)
            if n_options is None:
                row.update(note=NOTE_MIXED_SCALES)
                continue
            items = scored.item_scores.loc[frame.index, present].copy()
            items["__team"] = frame["team"]
            agreement = stats.rwg_j(items, present, "__team", n_options=n_options).iloc[0]
            row.update(rwg_teams=int(agreement["n_groups"]), rwg_j_mean=float(agreement["mean_rwg_j"]),
                       rwg_j_median=float(agreement["median_rwg_j"]),
                       share_strong_agreement=float(agreement["share_strong_agreement"]))
    frame = pd.DataFrame(rows, columns=AGGREGATION_COLUMNS)
    for column in ("n_respondents", "n_teams", "rwg_teams"):
        frame[column] = frame[column].astype("Int64")
    for column in ("mean_team_size", "icc1", "icc2", "f", "p", "rwg_j_mean", "rwg_j_median", "share_strong_agreement"):
        frame[column] = frame[column].astype("float64")
    frame["suppressed"] = frame["suppressed"].astype(bool)
    return frame


def aggregation_verdict(icc2: float, rwg_j_mean: float | None = None) -> str:
    """A plain-words reading of ICC(2) (and rwg(j) when known) for the Methods page.

    >>> aggregation_verdict(0.82, 0.75)
    'team means are reliable and team members broadly agree'
    >>> aggregation_verdict(0.45)
    'team means are not yet reliable enough to rank teams; compare them with care'
    """
    if icc2 is None or (isinstance(icc2, float) and np.isnan(icc2)):
        return "not enough teams to judge"
    reliable = icc2 >= ICC2_RELIABLE
    agree = None if rwg_j_mean is None or (isinstance(rwg_j_mean, float) and np.isnan(rwg_j_mean)) \
        else rwg_j_mean >= RWG_STRONG_AGREEMENT
    if reliable and agree is None:
        return "team means are reliable"
    if reliable and agree:
        return "team means are reliable and team members broadly agree"
    if reliable:
        return "team means are reliable, but answers vary a lot within teams"
    return "team means are not yet reliable enough to rank teams; compare them with care"

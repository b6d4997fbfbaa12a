"""Streamlit glue of the Relationships page: cached analytics calls, figures, sentences and tables.

Everything computed comes from :mod:`analytics.relate` (unit-level correlations and count models, the
change between waves, key drivers, within/between-team slopes). The cached wrappers take the dataset
first, hashed by its ``cache_key`` (files, column choices, anonymity threshold, HR exclusions;
:mod:`ui.cache`); it is never mutated. Only shown units reach a figure or
a table (suppressed teams have no score and never enter the analytics); respondent-level analyses
return pooled coefficients only.

Wording: every sentence says "associated with", never "causes" or "drives".
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import relate, settings, stats
from analytics.ingest.codebook import Codebook
from analytics.dataset import Dataset
from analytics.survey import published
from analytics.wave_window import WINDOW_CONCURRENT, WINDOW_LAGGED, WINDOW_LABELS, WINDOW_PREVIOUS
from render import charts
from analytics import labels
from analytics import format as fmt
from ui import tables
from ui.state import section_errors  # noqa: F401  (pages call view.section_errors)
from ui.cache import cached_object, cached_table

# --------------------------------------------------------------------------------------------------
# Choices and display metadata
# --------------------------------------------------------------------------------------------------
#: Survey outcomes a user can put on the y axis (alongside the HR outcomes).
SURVEY_OUTCOMES = ("morale", "thinking_about_leaving", "staff_engagement")
#: Measures and outcomes of the correlation matrix (without HR data: survey outcomes only).
MATRIX_MEASURES = relate.DEFAULT_MEASURES
MATRIX_SURVEY_OUTCOMES = ("morale", "thinking_about_leaving")
WINDOW_CHOICES = (WINDOW_CONCURRENT, WINDOW_LAGGED, WINDOW_PREVIOUS)
WINDOW_HELP = ("Concurrent (used on every other page): HR outcomes over the 12 whole months around the survey (six "
               "before its month, five after). Lagged: the 12 months after the survey month. Previous: the 12 months "
               "before it. A survey wave is dated 1 October of its year. A window the HR data do not fully cover is "
               "cut to the whole months they cover, and its length is shown; under "
               f"{settings.MIN_HR_WINDOW_MONTHS} months it is not used.")
LEVEL_CHOICES = (settings.LEVEL_TEAM, settings.LEVEL_DIRECTORATE)
STRATIFY_LABELS = {
    None: "No stratification",
    relate.BY_DIRECTORATE: "By directorate",
    relate.BY_STAFF_MIX: "By staff mix (share of registered nursing staff)",
}
STRATIFY_HELP = ("Pooling unlike teams can hide an association: stratifying repeats the analysis within each "
                 "group. Groups with fewer than 5 teams show their n only.")
#: Display names of the stratification columns of the unit table.
GROUP_COLUMN_LABELS = {"parent": "Directorate", "staff_mix_band": "Staff mix"}
COVARIATE_LABELS = {
    relate.COVARIATE_PCT_REGISTERED_NURSING: "% registered nursing staff",
    relate.COVARIATE_TEAM_SIZE: "Team size (average staff in post)",
}
ADJUST_HELP = ("Partial correlations: r and ρ with the chosen staff-mix figures held constant; the count models "
               "are adjusted too. Both come from the HR data.")
WEIGHT_HELP = ("Weight Pearson r by each team's survey responses (its confidence interval then uses the effective "
               "number of teams). Spearman ρ and the count models are not weighted.")
DRIVER_SET_LABELS = {
    relate.DRIVERS_ITEMS: "The four compassionate-leadership questions (q9f–q9i)",
    relate.DRIVERS_SUB_SCORES: "Survey sub-scores",
}
NO_HR_TEXT = ("No HR data: relationships with leaver rate, sickness absence and stability need HR files. Upload "
              "them on the Data page. Survey outcomes (morale, thinking about leaving) can still be related.")
CAVEATS = (
    "**An association between teams, not people.** Each point is a team; the survey is anonymous and cannot be "
    "linked to anyone's HR record. A pattern across teams need not hold for the people within them.",
    "**Staff-mix confounding.** Teams differ in who works in them (registered nurses, healthcare assistants, "
    "doctors, estates staff), and staff groups differ in both survey scores and leaving or sickness. Stratify or "
    "adjust for staff mix before reading an association as about leadership.",
    "**Reverse causation.** A team with many leavers or high sickness may rate its manager lower because it is "
    "short-staffed: the direction can run either way. The lagged window helps only a little.",
    "**Shared items between themes.** Morale includes the three thinking-about-leaving questions (q26a–c), and "
    "stressors (part of morale) includes q9a, a line-management question; measures sharing questions correlate "
    "partly because they are built from the same answers.",
    "**Small numbers.** With a few dozen teams, intervals are wide; Benjamini–Hochberg adjusted p-values allow "
    "for the many pairs shown at once.",
)


def level_name(level: str) -> str:
    return labels.level_label(level, 1).capitalize()


def window_name(kind: str) -> str:
    return WINDOW_LABELS[kind].capitalize()


def codebook_of(dataset: Dataset) -> Codebook | None:
    return dataset.survey.codebook if dataset.survey is not None else None


def measures_present(dataset: Dataset) -> list[str]:
    """Measure ids with results, in codebook order (:attr:`analytics.dataset.Dataset.measures_present`)."""
    return list(dataset.measures_present)


def outcome_choices(dataset: Dataset) -> list[str]:
    """The y axis choices: HR outcomes (with HR data), then survey outcomes present, then the local measures
    present (a pulse survey's own measures, whose items are ``custom.`` codes)."""
    present = measures_present(dataset)
    hr_outcomes = list(relate.HR_OUTCOMES) if dataset.hr is not None else []
    return hr_outcomes + [m for m in SURVEY_OUTCOMES if m in present] + local_measures_present(dataset)


def local_measures_present(dataset: Dataset) -> list[str]:
    """The local measures with results (a pulse survey's own measures, whose items are ``custom.`` codes)."""
    present = measures_present(dataset)
    book = codebook_of(dataset)
    return [m.id for m in (book.measures if book is not None else ())
            if m.items and all(code.startswith("custom.") for code in m.items) and m.id in present]


def matrix_pairs(dataset: Dataset) -> tuple[list[str], list[str]]:
    """The correlation matrix's survey measures (the main ones, then local measures) and, without HR data,
    its survey outcomes (with HR data: ``[]``, every HR outcome is used)."""
    present = set(measures_present(dataset))
    measures = [m for m in MATRIX_MEASURES if m in present] + local_measures_present(dataset)
    if dataset.hr is not None:
        return measures, []
    outcomes = [m for m in MATRIX_SURVEY_OUTCOMES if m in present]
    return [m for m in measures if m not in outcomes], outcomes


def name(dataset: Dataset, column: str) -> str:
    """Display label of a measure or outcome."""
    return labels.display_label(column, codebook_of(dataset))


def lower_first(label: str) -> str:
    """A label inside a sentence or title: "Leaver rate" -> "leaver rate"; an acronym ("NHS …") is kept."""
    if len(label) > 1 and label[:2].isupper():
        return label
    return label[:1].lower() + label[1:]


def pair_title(dataset: Dataset, x: str, y: str) -> str:
    """"Compassionate leadership and leaver rate": the heading of the chosen pair, in sentence case."""
    return f"{name(dataset, x)} and {lower_first(name(dataset, y))}"


WAVE_FROM_KEY = "relationships_wave_from"
#: Session-state flag: the user chose the comparison wave themselves (kept while it stays valid).
WAVE_FROM_PICKED_KEY = "relationships_wave_from_picked"


def earlier_waves(dataset: Dataset, wave: str) -> list[str]:
    """Waves before ``wave``, the nearest first (the choices of the change between waves)."""
    waves = [str(w) for w in dataset.waves]
    return waves[:waves.index(str(wave))][::-1] if str(wave) in waves else []


def settle_wave_from(state, options: Sequence[str]) -> None:
    """Set the "Compare with wave" choice before its widget is drawn: the wave just before the sidebar's
    wave, unless the user picked one themselves and it is still among ``options``. ``state`` is
    ``st.session_state`` (or any mutable mapping, for tests)."""
    current = state.get(WAVE_FROM_KEY)
    if state.get(WAVE_FROM_PICKED_KEY) and current in options:
        return
    state[WAVE_FROM_PICKED_KEY] = False
    if options:
        state[WAVE_FROM_KEY] = options[0]


def mark_wave_from_picked() -> None:
    """on_change of the "Compare with wave" box: the user's choice now outlasts sidebar changes."""
    st.session_state[WAVE_FROM_PICKED_KEY] = True


def default_index(options: Sequence[str], preferred: str) -> int:
    return list(options).index(preferred) if preferred in options else 0


def current_wave(dataset: Dataset, wave: object) -> str | None:
    waves = dataset.waves
    if not waves:
        return None
    return str(wave) if wave in waves else str(waves[-1])


def needs_hr(y: str, by: str | None, covariates: Sequence[str]) -> bool:
    """Whether a pair's analysis needs the HR join (an HR outcome, staff mix or team size)."""
    return y in relate.HR_OUTCOMES or by == relate.BY_STAFF_MIX or bool(covariates)


# --------------------------------------------------------------------------------------------------
# Cached analytics
# --------------------------------------------------------------------------------------------------
@cached_table()
def units_of_wave(dataset: Dataset, wave: str, window: str, level: str, with_hr: bool) -> relate.WaveUnits:
    """The whole organisation's shown units of a wave joined to HR outcomes and staff mix
    (:func:`analytics.relate.wave_units`): the costly join, made once per wave, window and level and
    shared by the pair, the matrix and the change between waves, whatever the directorate."""
    return relate.wave_units(dataset.survey, dataset.hr if with_hr else None, wave=wave, window_kind=window,
                             level=level)


def _prepared(dataset: Dataset, waves: Sequence[str], window: str, level: str,
              with_hr: bool) -> list[relate.WaveUnits]:
    return [units_of_wave(dataset, str(w), window, level, with_hr) for w in waves]


@cached_table()
def pair_result(dataset: Dataset, wave: str, x: str, y: str, window: str, level: str,
                by: str | None, weighted: bool, covariates: tuple[str, ...], directorate: str | None) -> relate.RelateResult:
    """One measure against one outcome in one wave (with the pooled row first when stratified).

    Survey outcomes are related over every shown team (no HR join) unless staff mix or team size is
    asked for."""
    records = dataset.hr if needs_hr(y, by, covariates) else None
    prepared = _prepared(dataset, [wave], window, level, records is not None)
    return relate.relate_survey_hr(
        dataset.survey, records, waves=[wave], window_kind=window, measures=[x], outcomes=[y], level=level, by=by,
        include_pooled=by is not None, weights=relate.WEIGHT_RESPONSES if weighted else None,
        covariates=list(covariates), directorate=directorate, prepared=prepared)


@cached_table()
def matrix_result(dataset: Dataset, wave: str, window: str, level: str,
                  directorate: str | None) -> relate.RelateResult:
    """Every main measure against every outcome in one wave (correlations only); BH across the whole matrix."""
    measures, outcomes = matrix_pairs(dataset)
    prepared = _prepared(dataset, [wave], window, level, dataset.hr is not None)
    if dataset.hr is not None:
        # No count models: the matrix shows correlations; the chosen pair above gives the ratio per point.
        return relate.relate_survey_hr(dataset.survey, dataset.hr, waves=[wave], window_kind=window,
                                       measures=measures, level=level, directorate=directorate, prepared=prepared,
                                       count_models=False)
    return relate.relate_survey_hr(dataset.survey, None, waves=[wave], window_kind=window, measures=measures,
                                   outcomes=outcomes, level=level, directorate=directorate, prepared=prepared)


@cached_table()
def change_result(dataset: Dataset, wave_from: str, wave_to: str, x: str, y: str, window: str,
                  level: str, directorate: str | None) -> relate.RelateResult:
    records = dataset.hr if y in relate.HR_OUTCOMES else None
    prepared = _prepared(dataset, [wave_from, wave_to], window, level, records is not None)
    return relate.relate_change(dataset.survey, records, wave_from=wave_from, wave_to=wave_to, window_kind=window,
                                measures=[x], outcomes=[y], level=level, directorate=directorate, prepared=prepared)


@cached_table()
def drivers_result(dataset: Dataset, wave: str, outcome: str, predictor_set: str,
                   directorate: str | None) -> relate.DriversResult:
    return relate.drivers(dataset.survey, outcome, predictors=predictor_set, wave=wave, directorate=directorate)


@cached_table()
def slopes_result(dataset: Dataset, wave: str, outcome: str, directorate: str | None) -> relate.SlopesResult:
    return relate.within_between(dataset.survey, outcome, wave=wave, directorate=directorate)


# --------------------------------------------------------------------------------------------------
# Context text
# --------------------------------------------------------------------------------------------------
def window_text(result: relate.RelateResult, wave: str) -> str:
    """"concurrent window, 01 Apr 2024 to 31 Mar 2025" or "no HR window"."""
    start, end = result.windows.get(str(wave), (None, None))
    if start is None or result.window_kind is None:
        return "survey measures only (no HR window)"
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    length = f" ({months} months)" if months < settings.HR_WINDOW_MONTHS else ""
    return f"{result.window_kind} window, {start:%d %b %Y} to {end:%d %b %Y}{length}"


def context_line(dataset: Dataset, result: relate.RelateResult, wave: str, n: object) -> str:
    """Wave, window, unit of analysis and n: what every result is labelled with."""
    unit = labels.level_label(result.level, None if fmt.is_missing(n) else int(n))
    return (f"Wave {wave} · {window_text(result, wave)} · unit of analysis: {labels.level_label(result.level, 1)} · "
            f"n = {fmt.format_n(n)} {unit}")


def data_label(dataset: Dataset, result: relate.RelateResult) -> str:
    if result.window_kind is None:
        return f"Staff survey — {dataset.label}"
    return f"Staff survey and HR records — {dataset.label}"


# --------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------
def scatter_points(result: relate.RelateResult, x: str, y: str, by: str | None) -> tuple[pd.DataFrame, str | None]:
    """The shown units of the pair as chart points: ``unit``, x, y, ``n`` (responses) and the group."""
    units = result.units
    group_column = relate.STRATIFY_COLUMNS.get(by) if by else None
    columns = ["unit", x, y, "responses"] + ([group_column] if group_column else [])
    points = units[list(dict.fromkeys(columns))].rename(columns={"responses": "n"})
    for column in (x, y):
        points[column] = pd.to_numeric(points[column], errors="coerce").astype(float)
    points["n"] = pd.to_numeric(points["n"], errors="coerce").astype(float)
    color = None
    if group_column:
        color = GROUP_COLUMN_LABELS[group_column]
        points = points.rename(columns={group_column: color})
        points[color] = points[color].astype(object).where(points[color].notna(), settings.NOT_RECORDED_UNIT)
    return points.reset_index(drop=True), color


def scatter_figure(dataset: Dataset, result: relate.RelateResult, *, x: str, y: str, wave: str,
                   by: str | None) -> go.Figure:
    """One point per shown team, sized by responses, with the least-squares line and its 95% band."""
    points, color = scatter_points(result, x, y, by)
    fig = charts.scatter_with_fit(
        points, x, y, size="n", color=color, data_label=data_label(dataset, result),
        period=f"wave {wave}, {window_text(result, wave)}", unit_of_analysis=labels.level_label(result.level, 1),
        min_group_size=dataset.min_group_size, codebook=codebook_of(dataset))
    if dataset.hr_exclusions and result.window_kind is not None:
        _append_caption(fig, dataset.hr_exclusions)
    return fig


@cached_object()
def pair_figure(dataset: Dataset, wave: str, x: str, y: str, window: str, level: str, by: str | None,
                weighted: bool, covariates: tuple[str, ...], directorate: str | None) -> go.Figure:
    """:func:`scatter_figure` of :func:`pair_result`, built once per dataset and choices (shared: never changed)."""
    result = pair_result(dataset, wave, x, y, window, level, by, weighted, covariates, directorate)
    return scatter_figure(dataset, result, x=x, y=y, wave=wave, by=by)


@cached_object()
def matrix_chart(dataset: Dataset, wave: str, window: str, level: str, directorate: str | None) -> go.Figure:
    """:func:`matrix_figure` of :func:`matrix_result`, built once per dataset and choices (shared: never changed)."""
    return matrix_figure(dataset, matrix_result(dataset, wave, window, level, directorate), wave=wave)


def _transposed(table: pd.DataFrame) -> pd.DataFrame:
    """Outcomes as columns, measures as rows: swap x and y (correlations are symmetric)."""
    return table.rename(columns={"x": "y", "y": "x"})


def matrix_figure(dataset: Dataset, result: relate.RelateResult, *, wave: str) -> go.Figure:
    """Correlation matrix with the outcomes across the top and the measures down the side."""
    table = _transposed(result.table)
    return charts.correlation_matrix(
        table, x_order=list(dict.fromkeys(table["x"])), y_order=list(dict.fromkeys(table["y"])),
        data_label=data_label(dataset, result), period=f"wave {wave}, {window_text(result, wave)}",
        unit_of_analysis=labels.level_label(result.level, 1), codebook=codebook_of(dataset))


def predictor_label(dataset: Dataset, predictor: str) -> str:
    """"Understanding (q9f)" for a behaviour question, the measure's label for a sub-score."""
    book = codebook_of(dataset)
    behaviours = {code: behaviour for behaviour, code in labels.behaviour_items(book).items()}
    if predictor in behaviours:
        return f"{labels.behaviour_label(behaviours[predictor])} ({predictor})"
    return labels.display_label(predictor, book)


def drivers_figure(dataset: Dataset, result: relate.DriversResult) -> go.Figure:
    """Horizontal bars: each predictor's share of the explained variance (Shapley decomposition of R²)."""
    table = result.table
    names = [predictor_label(dataset, p) for p in table["predictor"]]
    shares = [float(v) * 100 for v in table["share"]]
    hover = [f"<b>{n}</b><br>Share of R²: {fmt.format_pct(s)}<br>Part of R²: {fmt.format_number(p, 3)}"
             f"<br>Correlation with {name(dataset, result.outcome).lower()}: r = {fmt.format_r(r)}"
             for n, s, p, r in zip(names, shares, table["shapley_r2"], table["r"])]
    fig = go.Figure(go.Bar(
        name="Share of R²", x=shares, y=names, orientation="h", text=[fmt.format_pct(s) for s in shares],
        textposition="auto", hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        marker=dict(color=labels.UNIT_COLOUR)))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(range=[0, min(100.0, 1.3 * max(shares, default=0.0)) or 100.0], ticksuffix="%")
    fig.update_layout(title=dict(text=f"Relative importance for {name(dataset, result.outcome).lower()}"),
                      height=max(260, 60 * len(names) + 120), showlegend=False,
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", margin=dict(l=10, r=10, t=50, b=10))
    fig.update_xaxes(title_text="Share of the explained variance (R²), %")
    notes = [f"R² of all predictors together: {fmt.format_number(result.r2, 3)}",
             "Shapley decomposition of R² (general dominance): each predictor's average gain in R² over all orders "
             "of entry; correlated predictors share credit",
             "A share describes how answers go together, not what would follow if one behaviour changed"]
    if any(p in labels.behaviour_items(codebook_of(dataset)).values() for p in table["predictor"]):
        notes.append(labels.BEHAVIOURS_NOTE)
    caption = charts.chart_caption(
        data=f"Staff survey — {dataset.label}", period=f"wave {result.wave}, {result.scope}",
        unit_of_analysis="respondent (pooled figures only)",
        n_text=f"n = {fmt.format_n(result.n)} respondents with every answer", notes=notes)
    fig.update_layout(meta={"caption": caption})
    return fig


def _append_caption(fig: go.Figure, text: str) -> None:
    meta = dict(fig.layout.meta) if isinstance(fig.layout.meta, dict) else {}
    caption = meta.get("caption", "")
    meta["caption"] = f"{caption} {text.rstrip('.')}." if caption else f"{text.rstrip('.')}."
    fig.update_layout(meta=meta)


# --------------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------------
def correlation_text(row: pd.Series) -> str:
    """"Pearson r = −0.38 (95% CI −0.59 to −0.11); Spearman ρ = −0.40 (95% CI …); Benjamini–Hochberg
    adjusted p = 0.021."; or why there is no correlation."""
    if fmt.is_missing(row["r"]):
        return f"No correlation: {row['note'] or 'too few units'} (n = {fmt.format_n(row['n'])})."
    return (f"Pearson r = {fmt.format_r(row['r'])} ({fmt.format_ci(row['r_ci_low'], row['r_ci_high'], 'r')}); "
            f"Spearman ρ = {fmt.format_r(row['rho'])} ({fmt.format_ci(row['rho_ci_low'], row['rho_ci_high'], 'r')}); "
            f"Benjamini–Hochberg adjusted {fmt.format_p(row['p_adj'])}"
            + (f" ({row['p_adj_family'].split(' across ', 1)[-1]})" if row.get("p_adj_family") else "") + ".")


def extra_note(row: pd.Series) -> str:
    """The row's note less what the sentences already say (that the leaver ratio is an odds ratio)."""
    note = "" if fmt.is_missing(row["note"]) else str(row["note"])
    parts = [p for p in note.split("; ")
             if p and not p.startswith("rate ratio is an odds ratio")]
    return "; ".join(parts)


def direction_text(r: float) -> str:
    if fmt.is_missing(r):
        return "not estimated"
    size = abs(r)
    strength = "very weakly" if size < 0.1 else "weakly" if size < 0.3 else "moderately" if size < 0.5 else "strongly"
    return f"{strength} {'positively' if r > 0 else 'negatively'} associated"


def association_sentence(dataset: Dataset, row: pd.Series, *, level: str) -> str:
    """"Across 48 teams, compassionate leadership was moderately negatively associated with leaver rate
    (r = −0.38)." — or why nothing was estimated."""
    units = labels.level_label(level, int(row["n"]))
    if fmt.is_missing(row["r"]):
        return f"Across {fmt.format_n(row['n'])} {units}, no association could be estimated: {row['note']}."
    return (f"Across {fmt.format_n(row['n'])} {units}, {_change_label(dataset, row['x']).lower()} was "
            f"{direction_text(row['r'])} with {_change_label(dataset, row['y']).lower()} "
            f"(r = {fmt.format_r(row['r'])}). "
            "This is an association between units, not evidence that one causes the other.")


def _ratio(value: object) -> str:
    return fmt.format_number(value, 2)


def rate_ratio_sentence(dataset: Dataset, row: pd.Series, *, level: str) -> str | None:
    """The count model in words, e.g. "Teams one point higher on compassionate leadership had leaver odds
    0.86 times as high (95% CI 0.76 to 0.98)"; None for outcomes without a count model."""
    if row["y"] not in relate.COUNT_OUTCOMES or fmt.is_missing(row["rate_ratio"]):
        return None
    units = labels.level_label(level, 2).capitalize()
    what = "leaver odds" if row["y"] == "leaver_rate" else "a sickness absence rate"
    ci = f"95% CI {ci_text(row['rr_ci_low'], row['rr_ci_high'])}"
    model = ("binomial model of leavers out of average staff in post; an odds ratio, close to the rate ratio when "
             "leaving is rare" if row["y"] == "leaver_rate"
             else "quasi-Poisson model of FTE days lost with FTE days available as exposure")
    return (f"{units} one point higher on {name(dataset, row['x']).lower()} had {what} {_ratio(row['rate_ratio'])} "
            f"times as high ({ci}; {model}). Associated with, not caused by: teams differ in many ways at once.")


def slopes_sentence(dataset: Dataset, result: relate.SlopesResult) -> str:
    table = result.table.set_index("term")
    within, between = table.loc[stats.MIXED_TERM_WITHIN], table.loc[stats.MIXED_TERM_BETWEEN]
    if fmt.is_missing(within["coef"]):
        return f"The model could not be estimated: {within['note']}."
    outcome, predictor = name(dataset, result.outcome).lower(), name(dataset, result.predictor).lower()

    def part(row: pd.Series) -> str:
        return (f"{fmt.format_number(row['coef'], 2)} points (95% CI {fmt.format_number(row['ci_low'], 2)} to "
                f"{fmt.format_number(row['ci_high'], 2)})")

    return (f"Within a team, a respondent who rated {predictor} one point higher than their team-mates scored "
            f"{part(within)} higher on {outcome}. Between teams, a team whose mean {predictor} was one point "
            f"higher scored {part(between)} higher on {outcome}. n = {fmt.format_n(within['n_respondents'])} "
            f"respondents in {fmt.format_n(within['n_teams'])} shown teams. These are associations, not effects.")


def shared_items_text(dataset: Dataset, x: str, y: str) -> str | None:
    """A warning when the two measures rest on some of the same questions."""
    book = codebook_of(dataset)
    if book is None:
        return None
    shared = relate.shared_items(book, x, y)
    if not shared:
        return None
    return (f"{name(dataset, x)} and {name(dataset, y)} share question{'s' if len(shared) > 1 else ''} "
            f"{', '.join(shared)}: part of their correlation comes from the same answers.")


# --------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------
RESULT_COLUMN_LABELS = {
    "wave": "Wave", "x": "Measure", "y": "Outcome", "group": "Group", "n": "n", "r": "Pearson r",
    "r_ci_low": "r 95% CI low", "r_ci_high": "r 95% CI high", "p": "p", "p_adj": "p (BH-adjusted)",
    "rho": "Spearman ρ", "rho_ci_low": "ρ 95% CI low", "rho_ci_high": "ρ 95% CI high",
    "rate_ratio": "Ratio per point", "rr_ci_low": "Ratio 95% CI low", "rr_ci_high": "Ratio 95% CI high",
    "note": "Note", "window": "Window", "window_start": "Window start", "window_end": "Window end",
    "unit_of_analysis": "Unit of analysis",
}
#: Pixel widths of the shown relationship tables: with the measure and outcome (the matrix) they take about
#: 850 of the 940 pixels of the main area of a 1400-pixel window with the sidebar open.
_WIDTHS = {"Measure": 175, "Outcome": 165, "Group": 200, "n": 45, "Pearson r": 75, "r 95% CI": 120,
           "Spearman ρ": 85, "ρ 95% CI": 120, "p (BH)": 70, "Ratio per point": 150, "Note": "medium"}
_HELP = {
    "n": "Units with both values (shown units only).",
    "Pearson r": "Pearson correlation across units.",
    "r 95% CI": "95% confidence interval of r (Fisher z).",
    "Spearman ρ": "Spearman rank correlation across units.",
    "ρ 95% CI": "95% confidence interval of ρ (Bonett–Wright).",
    "p (BH)": "p-value of r, Benjamini–Hochberg adjusted across the rows of this table. The CSV has the raw p too.",
    "Ratio per point": "Leaver odds ratio or sickness rate ratio per 1-point higher score, with its 95% CI "
                       "(count model).",
}


#: Text columns holding figures: right-aligned like numbers.
_FIGURES = ("Pearson r", "r 95% CI", "Spearman ρ", "ρ 95% CI", "p (BH)", "Ratio per point")


def ci_text(low: object, high: object, decimals: int = 2) -> str:
    """"−0.52 to 0.00" (typographic minus, as in the page's sentences); "" when either end is missing."""
    if fmt.is_missing(low) or fmt.is_missing(high):
        return ""
    return f"{fmt.format_number(low, decimals)} to {fmt.format_number(high, decimals)}"


def p_text(value: object) -> str:
    """A p-value for a table cell: "0.052", "<0.001"; "" when missing."""
    if fmt.is_missing(value):
        return ""
    return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def _r_text(value: object) -> str:
    return "" if fmt.is_missing(value) else fmt.format_r(value)


def result_display(dataset: Dataset, table: pd.DataFrame, *,
                   with_pair: bool = True) -> tuple[pd.DataFrame, dict]:
    """A relationship table as ``st.dataframe`` shows it: statistics as text with the typographic minus
    ("−0.28", CI "−0.52 to 0.00"), as in the sentences above it, in columns that fit the page.

    ``with_pair`` keeps the measure and outcome columns (the matrix); a single pair's table leaves them to
    its heading. The group column appears when stratified, the ratio per point when a count model was
    fitted, the note when a row has one. The CSV download holds every column at full precision
    (:func:`result_download`).
    """
    rows = pd.DataFrame(index=table.index)
    if with_pair:
        rows["Measure"] = table["x"].map(lambda v: _change_label(dataset, v))
        rows["Outcome"] = table["y"].map(lambda v: _change_label(dataset, v))
    if not (table["group"] == "").all():
        rows["Group"] = table["group"].replace("", "All units")
    rows["n"] = pd.to_numeric(table["n"], errors="coerce").astype("Int64")
    rows["Pearson r"] = table["r"].map(_r_text)
    rows["r 95% CI"] = [ci_text(lo, hi) for lo, hi in zip(table["r_ci_low"], table["r_ci_high"])]
    rows["Spearman ρ"] = table["rho"].map(_r_text)
    rows["ρ 95% CI"] = [ci_text(lo, hi) for lo, hi in zip(table["rho_ci_low"], table["rho_ci_high"])]
    rows["p (BH)"] = table["p_adj"].map(p_text)
    if table["rate_ratio"].notna().any():
        rows["Ratio per point"] = [
            "" if fmt.is_missing(rr) else f"{fmt.format_number(rr, 2)} ({ci_text(lo, hi)})"
            for rr, lo, hi in zip(table["rate_ratio"], table["rr_ci_low"], table["rr_ci_high"])]
    # The odds-ratio remark is in the ratio's help and the sentence above the table: not repeated per row.
    notes = table.apply(extra_note, axis=1) if len(table) else pd.Series(dtype=str)
    if (notes != "").any():
        rows["Note"] = notes
    config = {column: (st.column_config.NumberColumn(column, format="%d", width=_WIDTHS[column], help=_HELP["n"])
                       if column == "n" else
                       st.column_config.TextColumn(column, width=_WIDTHS[column], help=_HELP.get(column),
                                                   alignment="right" if column in _FIGURES else None))
              for column in rows.columns}
    return rows.reset_index(drop=True), config


def result_download(dataset: Dataset, table: pd.DataFrame) -> pd.DataFrame:
    """The relationship table for the CSV: readable names and every column at full precision (numbers
    stay numbers; the window dates as "01 Apr 2025")."""
    shown = table.copy()
    for column in ("x", "y"):
        shown[column] = shown[column].map(lambda v: _change_label(dataset, v))
    if (shown["group"] == "").all():
        shown = shown.drop(columns="group")
    else:
        shown["group"] = shown["group"].replace("", "All units")
    if shown["rate_ratio"].isna().all():
        shown = shown.drop(columns=list(relate.RATE_RATIO_COLUMNS))
    for column in ("window_start", "window_end"):
        shown[column] = pd.to_datetime(shown[column]).dt.strftime("%d %b %Y")
    return shown.rename(columns=RESULT_COLUMN_LABELS)


def _change_label(dataset: Dataset, column: str) -> str:
    prefix = "change in "
    if column.startswith(prefix):
        return "Change in " + name(dataset, column[len(prefix):]).lower()
    return name(dataset, column)


DRIVER_COLUMN_LABELS = {"predictor": "Predictor", "n": "n respondents", "shapley_r2": "Part of R²",
                        "share": "Share of R² (%)", "r": "Correlation with outcome (r)"}


def drivers_display(dataset: Dataset, result: relate.DriversResult) -> tuple[pd.DataFrame, dict]:
    """The key-drivers table as shown: predictor, respondents, part and share of R², and r as text
    ("0.37", typographic minus when negative). Outcome and wave are in the caption and in the CSV
    (:func:`drivers_download`)."""
    table = result.table
    shown = pd.DataFrame({
        "Predictor": table["predictor"].map(lambda p: predictor_label(dataset, p)),
        "n respondents": pd.to_numeric(table["n"], errors="coerce").astype("Int64"),
        "Part of R²": table["shapley_r2"].astype(float),
        "Share of R² (%)": table["share"].astype(float) * 100,
        "Correlation with outcome (r)": table["r"].map(_r_text),
    })
    config = {"Predictor": st.column_config.TextColumn(width=260),
              "n respondents": st.column_config.NumberColumn(format="localized", width=120),
              "Part of R²": st.column_config.NumberColumn(format="%.3f", width=100),
              "Share of R² (%)": st.column_config.NumberColumn(format="%.1f", width=120),
              "Correlation with outcome (r)": st.column_config.TextColumn(width=200, alignment="right")}
    return shown, config


def drivers_download(dataset: Dataset, result: relate.DriversResult) -> pd.DataFrame:
    """The key-drivers table for the CSV: outcome, wave and every column at full precision."""
    shown = result.table.copy()
    shown["predictor"] = shown["predictor"].map(lambda p: predictor_label(dataset, p))
    shown["share"] = shown["share"].astype(float) * 100
    shown.insert(0, "outcome", name(dataset, result.outcome))
    shown.insert(1, "wave", result.wave)
    return shown.rename(columns={**DRIVER_COLUMN_LABELS, "outcome": "Outcome", "wave": "Wave"})


SLOPE_TERM_LABELS = {stats.MIXED_TERM_WITHIN: "Within teams", stats.MIXED_TERM_BETWEEN: "Between teams"}
SLOPE_COLUMN_LABELS = {"outcome": "Outcome", "predictor": "Predictor", "term": "Slope", "coef": "Points per point",
                       "ci_low": "95% CI low", "ci_high": "95% CI high", "p": "p", "n_respondents": "n respondents",
                       "n_teams": "n teams", "note": "Note"}


def slopes_display(dataset: Dataset, result: relate.SlopesResult) -> tuple[pd.DataFrame, dict]:
    """Within/between slopes: points per point and its CI as text with the typographic minus."""
    table = result.table
    shown = pd.DataFrame({
        "Slope": table["term"].map(lambda t: SLOPE_TERM_LABELS.get(t, str(t))),
        "Points per point": ["" if fmt.is_missing(v) else fmt.format_number(v, 2) for v in table["coef"]],
        "95% CI": [ci_text(lo, hi) for lo, hi in zip(table["ci_low"], table["ci_high"])],
        "p": table["p"].map(p_text),
        "n respondents": pd.to_numeric(table["n_respondents"], errors="coerce").astype("Int64"),
        "n teams": pd.to_numeric(table["n_teams"], errors="coerce").astype("Int64"),
    })
    notes = table["note"].fillna("").astype(str)
    if (notes != "").any():
        shown["Note"] = notes.to_numpy()
    config = {"Slope": st.column_config.TextColumn(width=200),
              "Points per point": st.column_config.TextColumn(width=120, alignment="right"),
              "95% CI": st.column_config.TextColumn(width=130, alignment="right"),
              "p": st.column_config.TextColumn(width=70, alignment="right"),
              "n respondents": st.column_config.NumberColumn(format="localized", width=110),
              "n teams": st.column_config.NumberColumn(format="%d", width=80)}
    return shown, config


def slopes_download(dataset: Dataset, result: relate.SlopesResult) -> pd.DataFrame:
    """The slopes table for the CSV, full precision, with wave, outcome and predictor."""
    shown = result.table.copy()
    for column in ("outcome", "predictor"):
        shown[column] = shown[column].map(lambda v: name(dataset, v))
    shown.insert(0, "wave", result.wave)
    return shown.rename(columns={**SLOPE_COLUMN_LABELS, "wave": "Wave"})


def show_table(frame: pd.DataFrame, *, key: str, file_name: str, column_config: dict | None = None,
               download: pd.DataFrame | None = None) -> None:
    """``st.dataframe`` and a CSV download of ``download`` (the same rows at full precision, every column) or of
    the table as shown (:func:`ui.tables.show_table`)."""
    tables.show_table(frame, key=key, file_name=file_name, column_config=column_config, download=download,
                      help="The table for a spreadsheet, every figure at full precision. Cells that a spreadsheet "
                           "could run as a formula are prefixed with an apostrophe.")


def show_figure(fig: go.Figure, *, key: str) -> None:
    st.plotly_chart(fig, theme="streamlit", key=key)
    st.caption(charts.figure_caption(fig))


# --------------------------------------------------------------------------------------------------
# Published organisation-level results: relating organisations
# --------------------------------------------------------------------------------------------------
PUBLISHED_UNITS_TEXT = ("These survey results are published organisation-level figures (one row per organisation), "
                        "with no team results and no respondent answers, so the analyses below relate the "
                        "organisations' figures to each other, as `relate --units` does on the command line. Team "
                        "relationships, key drivers and slopes need respondent-level survey files.")


@cached_table()
def published_relationships(dataset: Dataset, xs: tuple[str, ...], ys: tuple[str, ...]) -> relate.RelateResult:
    """:func:`analytics.relate.relate_units` on the organisations of the file, every wave in one run."""
    table = published.organisation_table(dataset.survey)
    several = table["wave"].nunique() > 1
    return relate.relate_units(table, "organisation", list(xs), list(ys), unit_of_analysis="organisation",
                               wave_col="wave" if several else None,
                               wave="" if several else str(table["wave"].iloc[0]))


def published_display(result: relate.RelateResult, dataset: Dataset) -> pd.DataFrame:
    """The unit-level result as a table: pair, wave, n, r with its interval, p, adjusted p, rho, and each
    column's range (so a percentage beside a 0–10 score shows)."""
    t = result.table
    return pd.DataFrame({
        "x": [name(dataset, m) for m in t["x"]], "y": [name(dataset, m) for m in t["y"]], "Wave": t["wave"],
        "n": t["n"], "r": t["r"], "r 95% CI": [fmt.format_ci(lo, hi, "r") for lo, hi in zip(t["r_ci_low"], t["r_ci_high"])],
        "p": t["p"], "p (BH-adjusted)": t["p_adj"], "rho": t["rho"],
        "x range": [f"{fmt.format_score(lo)}–{fmt.format_score(hi)}" for lo, hi in zip(t["x_min"], t["x_max"])],
        "y range": [f"{fmt.format_score(lo)}–{fmt.format_score(hi)}" for lo, hi in zip(t["y_min"], t["y_max"])],
        "Note": t["note"]})


def render_published_units(dataset: Dataset) -> None:
    """The Relationships page for published organisation-level results."""
    st.info(PUBLISHED_UNITS_TEXT, icon=":material/info:")
    table = published.organisation_table(dataset.survey)
    measures = [c for c in table.columns if c not in ("wave", "organisation")]
    if len(measures) < 2 or table["organisation"].nunique() < stats.MIN_UNITS:
        st.info(f"Relating organisations needs at least two measures and {stats.MIN_UNITS} organisations; these "
                f"results hold {len(measures)} measure(s) and {table['organisation'].nunique()} organisation(s).",
                icon=":material/info:")
        return
    left, right = st.columns(2)
    xs = left.multiselect("Scores (x)", measures, default=measures[:1], key="relationships_published_x",
                          format_func=lambda m: name(dataset, m))
    ys = right.multiselect("Outcomes (y)", measures, default=measures[1:2], key="relationships_published_y",
                           format_func=lambda m: name(dataset, m))
    if not xs or not ys:
        st.caption("Choose at least one score and one outcome.")
        return
    with section_errors():
        result = published_relationships(dataset, tuple(xs), tuple(ys))
        st.dataframe(published_display(result, dataset), hide_index=True, key="relationships_published_table")
        st.caption(f"Unit of analysis: organisation; one row per pair and wave ({', '.join(result.waves)}); "
                   "Pearson r with its Fisher-z 95% CI, Spearman rho; p adjusted by Benjamini–Hochberg across "
                   "every row. Comparator rows of the file (medians, averages, totals) are not organisations. "
                   "Associations between organisations, not causes.")
        tables.download_csv(result.cli_table(), file_name="relationships_organisations.csv",
                            key="relationships_published_download")

"""Streamlit glue of the Team explorer page (and helpers the Trends page shares).

Cached wrappers around :mod:`analytics.survey.tables`, :mod:`analytics.hr` and the :mod:`render.charts`
builders, plus small render helpers (a table with its CSV download, a chart with its caption). Every
cached function takes the :class:`~analytics.dataset.Dataset` first (hashed by its ``cache_key``, see
:mod:`ui.cache`) and then the page's choices. The dataset is a shared object: nothing here mutates it or
its frames. Tables are cached with :func:`ui.cache.cached_table`; figures with
:func:`ui.cache.cached_object`, because unpickling a Plotly figure re-validates it (~15 ms each on every
rerun): a cached figure is shared and never changed after it is built.

Anonymity: tables shown or downloaded here come from the suppressed unit tables; a unit suppressed in a
wave shows why (its ``suppressed_reason``: "fewer than k responses", or "hidden to protect a group with fewer
than k responses") and no number for that wave; "no data" (nobody answered) is said
differently. Respondent-level scores never reach this module: :mod:`analytics.survey.tables` returns aggregates.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import hr as hr_module
from analytics.survey import privacy, published, trends
from analytics.survey import tables as survey_tables
from analytics import settings, wave_window
from analytics.dataset import Dataset
from analytics.errors import InputError
from render import charts
from analytics import labels
from analytics import format as fmt
from ui import tables
from ui.state import section_errors  # noqa: F401  (pages call view.section_errors)
from ui.cache import cached_object, cached_table

#: Measures drawn by default in trend charts (those present in the data are used).
DEFAULT_TREND_MEASURES = ("compassionate_leadership", "morale", "staff_engagement")
#: HR outcomes of a unit, in the order shown.
HR_OUTCOMES = ("leaver_rate", "stability_index", "sickness_rate")
#: Rolling-rate columns of :func:`analytics.hr.rolling_hr_series` (12-month windows).
ROLLING_RATES = ("leaver_rate_12m", "sickness_rate_12m")
#: What a table cell shows for a missing number (a suppressed team, a change not tested); the row's
#: "Note" column says why.
MISSING_CELL = "–"
#: Top margin (px) of a figure given a title, so that the title clears the legend above the plot.
TITLED_MARGIN_TOP = 85
#: Text of a change's significance (Benjamini–Hochberg adjusted).
SIGNIFICANCE_TEXT = {True: "significant", False: "not significant", None: "not tested"}
NO_HR_TEXT = ("No HR data: upload the staff (and absence) files, or team-month HR figures, on the Data page to "
              "see leaver and sickness absence rates.")


#: The Team explorer's sections of one team, one tab each (the first open on arrival), and the session-state key
#: of the open tab (a tab runs its content only when open).
TEAM_TABS = ("Behaviours and questions", "Trend across waves", "HR outcomes", "Actions: you said, we did")
TEAM_TABS_KEY = "team_explorer_tab"
#: Shown under the question table until a row is selected.
QUESTION_DETAIL_HINT = "Select a row to read its question in full here."


# --------------------------------------------------------------------------------------------------
# Shared render helpers
# --------------------------------------------------------------------------------------------------

def show_table(frame: pd.DataFrame, *, key: str, file_name: str, column_config: dict | None = None,
               height: int | str = "auto") -> None:
    """``st.dataframe`` and a CSV download of the same table (:func:`ui.tables.show_table`)."""
    tables.show_table(frame, key=key, file_name=file_name, column_config=column_config, height=height,
                      placeholder=MISSING_CELL)


def show_question_table(display: pd.DataFrame, *, key: str, file_name: str, column_config: dict) -> None:
    """The question table with one row selectable and the selected question's full wording below it (a long
    question is cut in its column at 1400 px), and its CSV download."""
    tables.show_table_with_detail(display, key=key, file_name=file_name, column_config=column_config,
                                  placeholder=MISSING_CELL, detail=question_detail, hint=QUESTION_DETAIL_HINT)


def question_detail(row: pd.Series) -> str:
    """"**q3c** · Involvement  \\n<the whole wording>" for a row of :func:`item_table_display` (text from the
    codebook or the file, shown literally)."""
    head = f"**{tables.markdown_literal(row['Question'])}**"
    if isinstance(row.get("Measure"), str) and row["Measure"]:
        head += f" · {tables.markdown_literal(row['Measure'])}"
    return head + "  \n" + tables.markdown_literal(row.get("Wording", ""))


def show_figure(fig: go.Figure, *, key: str) -> None:
    """A Plotly chart in the app's theme and, under it, its caption (data, period, unit of analysis, n)."""
    st.plotly_chart(fig, theme="streamlit", key=key)
    st.caption(charts.figure_caption(fig))


def append_caption(fig: go.Figure, text: str) -> go.Figure:
    """Add a sentence to the caption stored on ``fig`` (e.g. the HR n, which the builders do not know)."""
    meta = dict(fig.layout.meta) if isinstance(fig.layout.meta, dict) else {}
    caption = meta.get("caption", "")
    meta["caption"] = f"{caption} {text.rstrip('.')}." if caption else f"{text.rstrip('.')}."
    fig.update_layout(meta=meta)
    return fig


def set_title(fig: go.Figure, text: str) -> go.Figure:
    """Give a figure a title above its legend (the builders put the legend just above the plot)."""
    fig.update_layout(title=dict(text=text, y=0.98, yanchor="top", x=0, xanchor="left"),
                      margin=dict(t=TITLED_MARGIN_TOP))
    return fig


def survey_label(dataset: Dataset) -> str:
    """What a survey chart's caption names as its data."""
    return f"Staff survey — {dataset.label}"


def hr_label(dataset: Dataset) -> str:
    """What an HR chart's caption names as its data."""
    return f"HR records — {dataset.label}"


def significance_text(value: object) -> str:
    return SIGNIFICANCE_TEXT[None if fmt.is_missing(value) else bool(value)]


def notes_by_reason(table: pd.DataFrame, min_group_size: int) -> list[str]:
    """The "Note" column of a display table: why each suppressed row is hidden ("" on shown rows).

    Reads ``suppressed_reason`` (primary: "fewer than k responses"; complementary: "hidden to protect a group with fewer than k
    responses"); a table without it says "fewer than k responses".
    """
    reasons = table["suppressed_reason"] if "suppressed_reason" in table.columns else [""] * len(table)
    return [privacy.suppression_label(r, min_group_size) if bool(s) else "" for r, s in zip(reasons,
                                                                                             table["suppressed"])]


def unit_suppression_text(dataset: Dataset, *, wave: object, level: str, unit: str, parent: str) -> str:
    """Why a unit is hidden in a wave, in words: the reason of its rows in the unit-score table.

    A unit hidden as a complement (it has k or more responses) says so; otherwise, or when its rows
    differ, "fewer than k responses".
    """
    table = dataset.survey.unit_scores
    rows = table[(table["wave"] == wave) & (table["level"] == level) & (table["unit"].astype(str) == str(unit))
                 & (table["parent"].astype(str) == str(parent)) & table["suppressed"].astype(bool)]
    reasons = set(rows["suppressed_reason"].astype(str)) if "suppressed_reason" in rows.columns else set()
    reason = reasons.pop() if len(reasons) == 1 else settings.SUPPRESSION_PRIMARY
    return privacy.suppression_label(reason, dataset.min_group_size)


def measures_present(dataset: Dataset) -> list[str]:
    """Measure ids with results, in codebook order (:attr:`analytics.dataset.Dataset.measures_present`)."""
    return list(dataset.measures_present)


def default_trend_measures(dataset: Dataset) -> list[str]:
    present = measures_present(dataset)
    chosen = [m for m in DEFAULT_TREND_MEASURES if m in present]
    return chosen or present[:3]


def measure_name(dataset: Dataset, measure: str) -> str:
    return labels.measure_label(measure, dataset.survey.codebook if dataset.survey else None)


def heatmap_order_label(dataset: Dataset, measure: str | None) -> str:
    """Label of a heatmap row order: by directorate and name (``None``), or by a measure, highest first."""
    return "Directorate, then name" if measure is None else f"{measure_name(dataset, measure)} (highest first)"


def current_wave(dataset: Dataset, wave: object) -> object | None:
    """The sidebar's wave if the dataset has it, else the latest wave (None without survey data)."""
    waves = dataset.waves
    if not waves:
        return None
    return wave if wave in waves else waves[-1]


def _hidden_counts_text(table: pd.DataFrame, min_group_size: int) -> str:
    """ "2 fewer than 11 responses, 1 hidden so that …" for the suppressed rows of a table ("" if none)."""
    notes = [n for n in notes_by_reason(table, min_group_size) if n]
    counts = {note: notes.count(note) for note in dict.fromkeys(notes)}
    return ", ".join(f"{count} {'with ' if note.startswith('fewer') else ''}{note}" for note, count in counts.items())


def team_table_caption(dataset: Dataset, table: pd.DataFrame, *, wave: object, scope: str) -> str:
    n_shown = int((~table["suppressed"].astype(bool)).sum())
    hidden = _hidden_counts_text(table, dataset.min_group_size)
    return (f"{survey_label(dataset)}, wave {wave}. Unit of analysis: team ({scope}). {n_shown} of {len(table)} teams "
            f"shown{'; ' + hidden if hidden else ''}. n = respondents with a score. "
            "Change since the previous wave: Welch t-test, Benjamini–Hochberg adjusted across the teams in the "
            "table.")


def item_rows_with_data(items: pd.DataFrame) -> pd.DataFrame:
    """The questions of an :func:`item_table` worth a row: answered (a % positive) or hidden. A question
    with no answers from the unit in the wave (not asked in its file, or left blank by everyone) is "no
    data" and left out of the table; :func:`item_table_caption` counts it."""
    hidden = items["suppressed"].astype(bool)
    return items[(hidden | items["pct_positive"].notna()).to_numpy()]


def item_table_caption(dataset: Dataset, items: pd.DataFrame, *, wave: object, unit_name: str) -> str:
    """Caption of the question table: the questions shown (hidden ones and why), those with no data."""
    shown = item_rows_with_data(items)
    n_no_data = len(items) - len(shown)
    words = "question" if len(shown) == 1 else "questions"
    hidden = _hidden_counts_text(shown, dataset.min_group_size)
    counts = f"{len(shown)} {words}" + (f" ({hidden})" if hidden else "")
    if n_no_data:
        counts += (f"; {n_no_data} more with {fmt.NO_DATA} for this team in this wave (not asked, or not answered) "
                   "left out")
    return (f"{survey_label(dataset)}, wave {wave}. Unit of analysis: team ({unit_name}). {counts}. "
            "n = valid answers per question. Change since the previous wave: two-proportion z-test, "
            "Benjamini–Hochberg adjusted across the questions.")


def first_shown(options: pd.DataFrame) -> int:
    """Position of the first unit that is not suppressed in a :func:`unit_choices` table (0 if none)."""
    shown = (~options["suppressed"].astype(bool)).to_numpy().nonzero()[0]
    return int(shown[0]) if len(shown) else 0


# --------------------------------------------------------------------------------------------------
# Cached analytics (survey)
# --------------------------------------------------------------------------------------------------
@cached_table()
def unit_choices(dataset: Dataset, level: str, wave: object, directorate: str | None) -> pd.DataFrame:
    """:func:`analytics.survey.tables.unit_options` for a level, in a wave (or any wave), within a directorate."""
    return survey_tables.unit_options(dataset.survey, level=level, wave=wave, directorate=directorate)


@cached_object()
def heatmap_figure(dataset: Dataset, wave: object, directorate: str | None, sort_by: str | None) -> go.Figure:
    """Teams x measures heatmap of one wave (the teams of ``directorate`` only, if given)."""
    table = dataset.survey.unit_scores
    wave_rows = table[(table["level"] == settings.LEVEL_TEAM) & (table["wave"] == wave)]
    rows = wave_rows
    if directorate:
        rows = rows[rows["parent"].astype(str) == str(directorate)]
    if rows.empty:
        where = f" in {directorate}" if directorate else ""
        raise InputError(f"There are no team results{where} for wave {wave}.")
    score_range = heatmap_score_range(wave_rows)
    fig = charts.heatmap_teams_by_measure(rows, wave=wave, level=settings.LEVEL_TEAM,
                                          min_group_size=dataset.min_group_size, sort_by=sort_by,
                                          score_range=score_range, data_label=survey_label(dataset),
                                          codebook=dataset.survey.codebook)
    return append_caption(fig, f"The colour range is the same for every directorate in wave {wave}: whole points "
                               "around the lowest and highest team score shown")


def heatmap_score_range(team_rows: pd.DataFrame) -> tuple[float, float]:
    """The heatmap's colour range for a wave: whole points around every shown team score of the wave.

    One range per wave, whatever the directorate filter or row order, so that a colour means the same
    score wherever the user looks in that wave; a data range rather than 0–10, because team scores
    mostly sit within a few points and a 0–10 range would paint them nearly alike. The caption states it.
    """
    shown = team_rows[~charts.suppressed_mask(team_rows)]
    return charts.default_score_range(pd.to_numeric(shown["mean"], errors="coerce").dropna())


@cached_table()
def team_table(dataset: Dataset, wave: object, measure: str, directorate: str | None) -> pd.DataFrame:
    """:func:`analytics.survey.tables.unit_table` for the teams (of a directorate) in one wave."""
    return survey_tables.unit_table(dataset.survey, wave=wave, measure=measure, level=settings.LEVEL_TEAM,
                                    directorate=directorate)


@cached_object()
def behaviours_figure(dataset: Dataset, wave: object, team: str, parent: str) -> go.Figure:
    return charts.behaviours_bar(dataset.survey.item_results, team, wave=wave, parent=parent,
                                 min_group_size=dataset.min_group_size, data_label=survey_label(dataset),
                                 codebook=dataset.survey.codebook)


@cached_table()
def item_table(dataset: Dataset, wave: object, level: str, unit: str, parent: str) -> pd.DataFrame:
    """:func:`analytics.survey.tables.item_changes`: a unit's questions against the organisation and last wave."""
    return survey_tables.item_changes(dataset.survey, wave=wave, level=level, unit=unit, parent=parent)


@cached_table()
def trend_table(dataset: Dataset, level: str, unit: str, parent: str | None, measures: tuple[str, ...]) -> pd.DataFrame:
    """:func:`analytics.survey.tables.unit_trend`: one unit's measures across waves, changes tested."""
    return survey_tables.unit_trend(dataset.survey, level=level, unit=unit, parent=parent, measures=measures)


@cached_object()
def trend_figure(dataset: Dataset, level: str, unit: str, parent: str | None, measures: tuple[str, ...]) -> go.Figure:
    """Trend lines of one unit's measures across waves, 95% CIs, significant changes starred."""
    frame = trend_table(dataset, level, unit, parent, measures)
    fig = charts.trend_lines(frame, "wave", "mean", color="measure", ci_low="ci_low", ci_high="ci_high",
                             markers_significant="significant", data_label=survey_label(dataset),
                             unit_of_analysis=labels.level_label(level, 1), min_group_size=dataset.min_group_size,
                             codebook=dataset.survey.codebook, y_title="Mean score (0–10)")
    set_title(fig, f"{unit_title(level, unit, parent)}: measures across waves")
    return append_caption(fig, "Significance: Welch t-test against the previous wave, Benjamini–Hochberg adjusted "
                               "across the changes in this chart")


NO_TEAM_RESULTS_TEXT = ("These survey results hold no team-level figures: they are published results for whole "
                        "organisations (or directorates). The Board compares your organisation with the others in "
                        "the file, Trends follows an organisation across waves, and Relationships relates the "
                        "organisations' figures. Upload team-level results or respondent-level survey files to "
                        "explore teams.")


def has_team_results(dataset: Dataset) -> bool:
    """Whether the survey results hold any team (published organisation-level files hold none)."""
    return published.has_level(dataset.survey, settings.LEVEL_TEAM)


def unit_title(level: str, unit: str, parent: str | None) -> str:
    """A unit's name for titles: "Ward 7 (Medicine)" for a team, the name alone otherwise."""
    return f"{unit} ({parent})" if level == settings.LEVEL_TEAM and parent else unit


# --------------------------------------------------------------------------------------------------
# Cached analytics (HR)
# --------------------------------------------------------------------------------------------------
# The records in ``dataset.hr`` are already filtered by the HR exclusions, which are part of the dataset's
# ``cache_key``: the same files with another exclusion choice are another dataset.
@cached_table()
def hr_metrics_table(dataset: Dataset, wave: str) -> pd.DataFrame:
    """HR figures of every unit over the wave's HR window (:func:`analytics.wave_window.wave_window`, the
    window every page uses for the wave), units with fewer than k staff in post hidden
    (:func:`analytics.wave_window.window_metrics`). Raises when the HR data do not cover the window."""
    window = wave_window.wave_window(dataset.hr, wave)
    return wave_window.window_metrics(dataset.hr, window, min_group_size=dataset.min_group_size)


@cached_table()
def rolling_series(dataset: Dataset, level: str) -> pd.DataFrame:
    """:func:`analytics.hr.rolling_hr_series` for every unit of a level, computed once per dataset.

    Months before the first complete 12-month window (rates unknown) are left out, and so are units with
    fewer than k staff in post in any month (:func:`analytics.hr.drop_small_hr_series`).
    """
    series = hr_module.rolling_hr_series(dataset.hr, level=level)
    first_month = pd.Timestamp(dataset.hr.coverage_start).to_period("M").to_timestamp()
    series = series[series["window_start"] >= first_month].reset_index(drop=True)
    return hr_module.drop_small_hr_series(series, dataset.min_group_size)


def unit_rolling_series(dataset: Dataset, level: str, unit: str, parent: str | None) -> pd.DataFrame:
    """The rolling series of one unit (empty when the HR data has no unit of that name)."""
    series = rolling_series(dataset, level)
    return trends.unit_hr_rows(series, level=level, unit=unit, parent=parent)


def hr_period_text(frame: pd.DataFrame) -> str:
    months = frame["month"].dropna()
    if months.empty:
        return "no months"
    return f"12-month windows ending {months.min():%b %Y} to {months.max():%b %Y}"


def hr_staff_text(frame: pd.DataFrame) -> str:
    """n of an HR chart: staff in post at the windows' ends, as a range per unit."""
    parts = []
    for unit, part in frame.groupby("unit", sort=False):
        staff = pd.to_numeric(part["staff_end"], errors="coerce").dropna()
        if staff.empty:
            parts.append(f"{unit}: staff in post not known")
            continue
        low, high = fmt.format_n(staff.min()), fmt.format_n(staff.max())
        parts.append(f"{unit}: {low}" if low == high else f"{unit}: {low}–{high}")
    if not parts:
        return "no staff in post"
    return "n = staff in post at the windows' ends — " + "; ".join(parts)


def rolling_long(frame: pd.DataFrame, rates: Sequence[str] = ROLLING_RATES) -> pd.DataFrame:
    """Rolling rates of one unit in long form for :func:`render.charts.trend_lines`: ``month``, ``outcome``
    (the rate's column name, shown by its label) and ``Rate``."""
    parts = []
    for rate in rates:
        part = frame[["month"]].copy()
        part["outcome"] = rate
        part["Rate"] = pd.to_numeric(frame[rate], errors="coerce").astype(float).to_numpy()
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def hr_caption(dataset: Dataset, frame: pd.DataFrame, *, unit_of_analysis: str, series_text: str) -> str:
    """Caption of a rolling HR chart: data, windows, unit of analysis, staff in post (n), exclusions."""
    return charts.chart_caption(
        data=hr_label(dataset), period=hr_period_text(frame), unit_of_analysis=unit_of_analysis,
        n_text=f"Series: {series_text}; {hr_staff_text(frame)}",
        notes=["Each point: the rate over the 12 months ending that month (sums of numerators and denominators, "
               "not an average of monthly rates)",
               f"No HR series for a {labels.level_label(settings.LEVEL_TEAM, 1)} with fewer than "
               f"{dataset.min_group_size} staff in post in any month",
               dataset.hr_exclusions])


@cached_object()
def unit_hr_figure(dataset: Dataset, level: str, unit: str, parent: str | None) -> go.Figure | None:
    """Rolling 12-month leaver and sickness rates of one unit, one line each (None without HR rows)."""
    frame = unit_rolling_series(dataset, level, unit, parent)
    if frame.empty:
        return None
    fig = charts.trend_lines(rolling_long(frame), "month", "Rate", color="outcome",
                             y_title="Rate, rolling 12 months (%)",
                             y_kind="pct", data_label=hr_label(dataset), period=hr_period_text(frame),
                             unit_of_analysis=labels.level_label(level, 1), x_title="End of 12-month window")
    set_title(fig, f"{unit_title(level, unit, parent)}: leaver and sickness absence rates")
    caption = hr_caption(dataset, frame, unit_of_analysis=labels.level_label(level, 1),
                         series_text=f"2 rates of one {labels.level_label(level, 1)}")
    fig.update_layout(meta={"caption": caption})
    return fig


# --------------------------------------------------------------------------------------------------
# Display tables
# --------------------------------------------------------------------------------------------------
def team_table_display(table: pd.DataFrame, *, measure_label: str, min_group_size: int) -> tuple[pd.DataFrame, dict]:
    """The team table for display and download, and its column formats.

    A suppressed team keeps its name and directorate with the note "fewer than k responses"; every number
    of its row is empty.
    """
    before = table["previous_wave"].dropna()
    change_name = f"Change since {before.iloc[0]}" if len(before) else "Change since previous wave"
    out = pd.DataFrame({
        "Team": table["unit"],
        "Directorate": table["parent"],
        "Responses (n)": table["n"].astype("Int64"),
        "Mean (0–10)": table["mean"],
        "95% CI low": table["ci_low"],
        "95% CI high": table["ci_high"],
        "% positive": table["pct_positive"],
        change_name: table["change"],
        "Change (BH-adjusted p)": table["p_adj"],
        "Change significant?": [significance_text(v) if not s else "" for v, s in
                                zip(table["significant"], table["suppressed"])],
        "Note": notes_by_reason(table, min_group_size),
    })
    if not len(before):
        out = out.drop(columns=[change_name, "Change (BH-adjusted p)", "Change significant?"])
    # Short headers and fixed widths so that every column fits the page at 1400 pixels (the main column is
    # about 940 wide); the measure is named in the selector above and in each column's help, and the
    # downloaded CSV keeps the full headers.
    config = {
        "Team": st.column_config.TextColumn(width=tables.fit_text_width(out["Team"], "Team"), pinned=True),
        "Directorate": st.column_config.TextColumn(width=tables.fit_text_width(out["Directorate"], "Directorate")),
        "Responses (n)": st.column_config.NumberColumn("n", format="%d", width=55,
                                                       help="Respondents with a score for the measure."),
        "Mean (0–10)": st.column_config.NumberColumn(
            "Mean", format="%.1f", width=60, help=f"{measure_label}: mean of respondents' scores (0–10), unweighted."),
        "95% CI low": st.column_config.NumberColumn("CI low", format="%.1f", width=60,
                                                    help="95% confidence interval (t distribution)."),
        "95% CI high": st.column_config.NumberColumn("CI high", format="%.1f", width=60,
                                                     help="95% confidence interval (t distribution)."),
        "% positive": st.column_config.NumberColumn("% pos.", format="%.1f%%", width=65,
                                                    help=labels.OUTCOMES["pct_positive"].help),
        change_name: st.column_config.NumberColumn("Change", format="%+.1f", width=65,
                                                   help=f"{change_name}: mean this wave minus mean in the previous "
                                                        "wave (points on the 0–10 scale)."),
        "Change (BH-adjusted p)": st.column_config.NumberColumn(
            "Adj. p", format="%.3f", width=60,
            help="Welch t-test of the change, Benjamini–Hochberg adjusted across the teams in the table."),
        "Change significant?": st.column_config.TextColumn("Significant?", width=95,
                                                                help="Is the change significant after adjustment?"),
        "Note": st.column_config.TextColumn(width=tables.fit_text_width(out["Note"], "Note")),
    }
    return out, config


def item_table_display(table: pd.DataFrame, *, min_group_size: int) -> tuple[pd.DataFrame, dict]:
    """Question-level % positive of one unit for display and download, and its column formats.

    Questions with no data for the unit in the wave are left out (:func:`item_rows_with_data`).
    """
    table = item_rows_with_data(table)
    before = table["previous_wave"].dropna()
    prev = str(before.iloc[0]) if len(before) else None
    out = pd.DataFrame({
        "Question": table["item"],
        "Wording": table["wording"],
        "Measure": table["measures"],
        "Answers (n)": table["n"].astype("Int64"),
        "% positive": table["pct_positive"],
        "Organisation % positive": table["organisation_pct_positive"],
    })
    if prev is not None:
        out[f"% positive {prev}"] = table["pct_positive_previous"]
        out["Change (points)"] = table["change_points"]
        out["Change 95% CI low"] = table["change_ci_low"]
        out["Change 95% CI high"] = table["change_ci_high"]
        out["Change (BH-adjusted p)"] = table["p_adj"]
        out["Change significant?"] = [significance_text(v) if not s else "" for v, s in
                                      zip(table["significant"], table["suppressed"])]
    out["Note"] = notes_by_reason(table, min_group_size)
    pct = st.column_config.NumberColumn(format="%.1f%%")
    config = {
        "Wording": st.column_config.TextColumn(width=tables.fit_text_width(out["Wording"], "Wording")),
        "Answers (n)": st.column_config.NumberColumn(format="%d", help="Valid answers to the question."),
        "% positive": st.column_config.NumberColumn(format="%.1f%%", help=labels.OUTCOMES["pct_positive"].help),
        "Organisation % positive": pct,
        "Change (points)": st.column_config.NumberColumn(format="%+.1f",
                                                         help="Percentage points since the previous wave."),
        "Change 95% CI low": st.column_config.NumberColumn(format="%+.1f"),
        "Change 95% CI high": st.column_config.NumberColumn(format="%+.1f"),
        "Change (BH-adjusted p)": st.column_config.NumberColumn(
            format="%.3f", help="Two-proportion z-test, Benjamini–Hochberg adjusted across the questions."),
    }
    if prev is not None:
        config[f"% positive {prev}"] = pct
    return out, config


#: Column of a trend table holding a published % unfavourable (burnout, stress rates).
PCT_UNFAVOURABLE_COLUMN = "% unfavourable"


def trend_table_display(table: pd.DataFrame, *, dataset: Dataset) -> tuple[pd.DataFrame, dict]:
    """One unit's measures across waves for display and download, and its column formats (Team explorer and
    Trends)."""
    unasked = dataset.not_asked
    out = pd.DataFrame({
        "Measure": [measure_name(dataset, m) for m in table["measure"]],
        "Wave": table["wave"],
        "Responses (n)": table["n"].astype("Int64"),
        "Mean (0–10)": table["mean"],
        "95% CI low": table["ci_low"],
        "95% CI high": table["ci_high"],
        "% positive": table["pct_positive"],
        "Change since previous wave": table["change"],
        "Cohen's d": table["cohens_d"],
        "Change (BH-adjusted p)": table["p_adj"],
        "Change significant?": [significance_text(v) if not s else "" for v, s in
                                zip(table["significant"], table["suppressed"])],
        "Note": [note or ("" if pd.notna(mean) else settings.NOT_ASKED_LABEL if (str(w), str(m)) in unasked
                          else fmt.NO_DATA)
                 for note, mean, w, m in zip(notes_by_reason(table, dataset.min_group_size), table["mean"],
                                             table["wave"], table["measure"])],
    })
    score = st.column_config.NumberColumn(format="%.1f")
    config = {
        "Responses (n)": st.column_config.NumberColumn(format="%d"),
        "Mean (0–10)": score, "95% CI low": score, "95% CI high": score,
        "% positive": st.column_config.NumberColumn(format="%.1f%%"),
        "Change since previous wave": st.column_config.NumberColumn(format="%+.2f"),
        "Cohen's d": st.column_config.NumberColumn(format="%.2f", help="Change ÷ pooled standard deviation."),
        "Change (BH-adjusted p)": st.column_config.NumberColumn(
            format="%.3f", help="Welch t-test against the previous wave, Benjamini–Hochberg adjusted across the "
                                "changes in the table."),
    }
    return _with_pct_unfavourable(out, config, table)


def _with_pct_unfavourable(out: pd.DataFrame, config: dict, table: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Add a "% unfavourable" column when a measure is published as a % unfavourable (burnout, stress rates).

    The column comes from ``pct_unfavourable`` of :func:`analytics.survey.trends.unit_trend`, which is already
    missing on suppressed rows. A shown row with a % unfavourable but no 0–10 mean is not "no data".
    """
    unfavourable = table["pct_unfavourable"].astype(float) if "pct_unfavourable" in table.columns else None
    if unfavourable is None or not unfavourable.notna().any():
        return out, config
    out.insert(out.columns.get_loc("% positive") + 1, PCT_UNFAVOURABLE_COLUMN, unfavourable.to_numpy())
    has_figure = (unfavourable.notna() & ~table["suppressed"].astype(bool)).to_numpy()
    out.loc[has_figure & (out["Note"] == fmt.NO_DATA).to_numpy(), "Note"] = ""
    config = {**config, PCT_UNFAVOURABLE_COLUMN: st.column_config.NumberColumn(
        format="%.1f%%", help=labels.OUTCOMES["pct_unfavourable"].help)}
    return out, config


#: Decimal places of the HR table's numerators and denominators: FTE days and a mean headcount can have a
#: fraction; counts are whole numbers and, rounded to this, show without decimals.
HR_COUNT_DECIMALS = 1


def hr_summary_display(summary: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """A unit's HR outcomes for display and download: rate (one decimal, %), numerator and denominator.

    Numerators and denominators mix counts (leavers, staff in post) and FTE days, so they are rounded to
    :data:`HR_COUNT_DECIMALS` and shown in the browser's number format ("localized": thousands separators,
    no trailing zeros): "5", "54.5", "891.2", "17,237". The stability index's numerator, recovered from
    the rate, becomes its exact whole number.
    """
    out = pd.DataFrame({
        "Outcome": [labels.OUTCOMES[o].label for o in summary["outcome"]],
        "Rate (%)": summary["value"].astype(float),
        "Numerator": summary["numerator"].astype(float).round(HR_COUNT_DECIMALS),
        "Numerator is": summary["numerator_label"],
        "Denominator": summary["denominator"].astype(float).round(HR_COUNT_DECIMALS),
        "Denominator is": summary["denominator_label"],
    })
    config = {
        "Rate (%)": st.column_config.NumberColumn(format="%.1f%%"),
        "Numerator": st.column_config.NumberColumn(format="localized"),
        "Denominator": st.column_config.NumberColumn(format="localized"),
    }
    return out, config


def render_team_hr(dataset: Dataset, *, wave: str, team: str, parent: str) -> None:
    """A team's HR outcomes over the wave's HR window and its rolling 12-month rates."""
    if dataset.hr is None:
        st.info(NO_HR_TEXT, icon=":material/info:")
        return
    window = wave_window.wave_window(dataset.hr, wave)
    if not window.available:
        st.info(f"No HR figures for wave {wave}: {window.reason}", icon=":material/info:")
        return
    with section_errors():
        metrics = hr_metrics_table(dataset, wave)
        row = trends.unit_hr_rows(metrics, level=settings.LEVEL_TEAM, unit=team, parent=parent)
        if row.empty:
            st.info(f"No HR data for {team}: no team of that name (in {parent}) in the HR file. Team names are "
                    "matched ignoring case and spaces.", icon=":material/info:")
            return
        if bool(row["suppressed"].iloc[0]):
            st.info(f"No HR figures for {team}: {metrics.attrs['hr_suppression']}", icon=":material/info:")
            return
        summary = trends.hr_outcome_summary(row)
        columns = st.columns(len(HR_OUTCOMES))
        for column, (_, item) in zip(columns, summary.iterrows()):
            outcome = labels.OUTCOMES[item["outcome"]]
            column.metric(outcome.label, fmt.format_pct(item["value"]), help=outcome.help)
        st.caption(f"{hr_label(dataset)}, {window.text} (the HR window of the {wave} survey: "
                   f"{wave_window.WINDOW_LABELS[window.kind]}). Unit of analysis: "
                   f"team. n = {fmt.format_n(row['staff_start'].iloc[0])} staff in post at the start, "
                   f"{fmt.format_n(row['staff_end'].iloc[0])} at the end. Leavers counted "
                   f"{row['leaver_definition'].iloc[0]}. {dataset.hr_exclusions}")
        display, config = hr_summary_display(summary)
        show_table(display, key="team_explorer_hr_table", file_name=f"hr_outcomes_{team}.csv", column_config=config)
        fig = unit_hr_figure(dataset, settings.LEVEL_TEAM, team, parent)
        if fig is None:
            st.info(f"No monthly HR figures for {team}: the HR data cover fewer than 12 months, or the team had "
                    f"fewer than {dataset.min_group_size} staff in post in some month.", icon=":material/info:")
            return
        show_figure(fig, key="team_explorer_hr_chart")

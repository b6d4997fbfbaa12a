"""Streamlit glue for the Board assurance page: cached analytics, threshold controls, tiles, tables, chart.

The page (``pages/board.py``) stays thin: it reads the sidebar filters and the controls drawn here, asks
:func:`board_core` (cached) for the organisation-level figures, applies the user's thresholds and the
directorate filter (cheap, uncached), and renders with the helpers below. All computation is in
:mod:`analytics.board`.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from analytics import board, prepared, settings
from analytics.survey import published
from analytics.dataset import Dataset
from analytics.hr import HRExclusions
from analytics import format as fmt
from analytics import labels
from render import funnel as render_funnel
from render.charts import chart_caption, figure_caption
from ui import state, tables
from ui.cache import cached_object, cached_table

# --- Session-state keys of the controls ------------------------------------------------------------
KEY_PREFIX = "board_"
#: The Board's tabs below the exceptions, in order (the first is open on arrival), and the session-state keys
#: of the open tab and of the exceptions' detail expander (both run their content only when open).
BOARD_TABS = ("What to do", "Statements for a board paper", "How each status was reached",
              "Actions: you said, we did")
TABS_KEY = "board_tab"
EXCEPTIONS_DETAIL_KEY = "board_exceptions_detail_open"
LOW_RULE_KEY = "board_low_rule"
LOW_SCORE_KEY = "board_low_score_below"
EXCLUDE_GROUPS_KEY = "board_exclude_staff_groups"
LOW_RULE_QUARTER = "The lowest quarter of teams"
LOW_RULE_THRESHOLD = "Below a score I set"

#: Headlines the user can set thresholds and a benchmark for (the response count is not rated).
RATED_MEASURES = (*board.HEADLINE_SURVEY_MEASURES, *board.HEADLINE_HR_MEASURES)
#: analytics.format kinds of the headline kinds.
TILE_KINDS = {"score": "score", "pct": "pct", "count": "n"}
#: What a tile shows when its figure cannot exist (rather than "no data").
UNAVAILABLE_TEXT = {
    board.AVAILABILITY_NO_HR: "no HR data",
    board.AVAILABILITY_NO_ABSENCE: "no absence data",
    board.AVAILABILITY_NOT_COVERED: "not covered",
    board.AVAILABILITY_NO_SURVEY_DATA: "no data",
    board.AVAILABILITY_NOT_ASKED: settings.NOT_ASKED_LABEL,
}
NO_HR_TEXT = ("No HR data has been uploaded, so leaver and sickness absence rates cannot be shown. Add HR files on "
              "the Data page.")
NO_SURVEY_TEXT = "No survey results yet: upload survey files on the Data page."


def change_decimals(kind: str) -> int:
    """Decimal places a tile shows its change with: whole numbers for counts, one place otherwise."""
    return 0 if kind == "n" else 1


def rounds_to_zero(delta: object, kind: str) -> bool:
    """Whether a change shows as zero at the tile's precision (e.g. +0.03 at one decimal place)."""
    if fmt.is_missing(delta):
        return False
    return round(abs(float(delta)), change_decimals(kind)) == 0


def tile_delta_text(value: object, previous: object, significant: object, kind: str, *,
                    previous_wave: object = None) -> str | None:
    """The change a headline tile shows under its value, or None when there is nothing to compare.

    ``value - previous`` as :func:`analytics.format.format_change` words it ("▲ +0.4 (significant)"), except that
    a change that rounds to zero at the tile's precision gets no arrow: "0.0, little changed (not
    significant)" — an arrow on "0.0" would claim a direction the figure does not show. A count (kind
    ``"n"``) is not tested: its change reads "+33 since 2024", or "no change since 2024".
    """
    if fmt.is_missing(value) or fmt.is_missing(previous):
        return None
    delta = float(value) - float(previous)
    decimals = change_decimals(kind)
    unit = " pp" if kind == "pct" else ""
    since = f" since {previous_wave}" if not fmt.is_missing(previous_wave) and previous_wave else ""
    if rounds_to_zero(delta, kind):
        if kind == "n":
            return f"no change{since}"
        if fmt.is_missing(significant):
            note = "significance not tested"
        else:
            note = "significant" if bool(significant) else "not significant"
        return f"{fmt.format_number(0, decimals)}{unit}, little changed ({note})"
    text = fmt.format_change(delta, significant, decimals=decimals, unit=unit)
    if kind == "n":
        text = text.replace(" (significance not tested)", since)
    return text


def _label(measure: str, dataset: Dataset) -> str:
    if measure in board.HEADLINE_LABELS:
        return board.HEADLINE_LABELS[measure]
    codebook = dataset.survey.codebook if dataset.survey is not None else None
    return labels.display_label(measure, codebook)


# =================================================================================================
# Cached analytics
# =================================================================================================
@cached_table()
def board_figures(dataset: Dataset, wave: str, exclusions: HRExclusions,
                  low_score_below: float | None) -> board.BoardFigures:
    """:func:`analytics.board.board_figures`: headline figures (unrated), the whole organisation's exceptions
    and the weakest behaviour, with the page's staff groups left out of the HR figures. The sample's are
    computed once and kept on disk (:func:`analytics.prepared.on_disk`), for a fast first chart."""
    return prepared.on_disk(
        "board", dataset.spec, (dataset.cache_key, str(wave), exclusions, low_score_below),
        lambda: board.board_figures(dataset.board_survey, dataset.hr, wave=wave, exclusions=exclusions,
                                    low_score_below=low_score_below, hr_description=dataset.hr_exclusions))


@cached_table(max_entries=8)
def staff_groups(dataset: Dataset) -> list[str]:
    return board.hr_staff_groups(dataset.hr)


# =================================================================================================
# Controls
# =================================================================================================
@dataclass(frozen=True)
class BoardSettings:
    """What the user set in the thresholds expander."""

    thresholds: dict[str, labels.RagThresholds]
    benchmarks: dict[str, float | None]
    low_score_below: float | None
    #: Staff left out of the Board's HR figures on top of the dataset's own exclusions (staff groups).
    exclusions: HRExclusions


def _default_thresholds(measure: str) -> labels.RagThresholds:
    found = labels.default_rag_thresholds(measure)
    return found if found is not None else labels.DEFAULT_RAG_THRESHOLDS["score"]


def _threshold_help(measure: str, label: str, rule: labels.RagThresholds) -> str:
    direction = "Higher is better" if rule.higher_is_better else "Lower is better"
    green = "at or above" if rule.higher_is_better else "at or below"
    red = "at or below" if rule.higher_is_better else "at or above"
    unit = "%" if measure in board.HEADLINE_HR_MEASURES else " (score 0–10)"
    return (f"{direction}. {label} is Green {green} the green threshold and Red {red} the red threshold{unit}; "
            "Amber between. These are local choices, not NHS standards.")


def _benchmark_help(measure: str) -> str:
    if measure in labels.NATIONAL_CONTEXT:
        low, high, source = labels.NATIONAL_CONTEXT[measure]
        return (f"A figure to compare with, in %, e.g. a regional or peer figure. For context: {source} was about "
                f"{low:g}–{high:g}%. Leave blank for none.")
    return ("A score (0–10) to compare with, e.g. your benchmarking group's published figure. Published NHS Staff "
            "Survey scores are weighted by occupational group; local scores here are not. Leave blank for none.")


#: Session-state keys: whether the settings expander is open, and the values chosen in it (kept while it is
#: closed, when its widgets are not drawn: the expander runs only when open).
SETTINGS_OPEN_KEY = "board_settings_open"
_SETTINGS_SAVED_KEY = "board_settings_saved"
LOW_SCORE_DEFAULT = 6.5


def _threshold_keys(measure: str) -> tuple[str, str, str]:
    return f"{KEY_PREFIX}green_{measure}", f"{KEY_PREFIX}red_{measure}", f"{KEY_PREFIX}benchmark_{measure}"


def settings_from(chosen: dict, dataset: Dataset) -> BoardSettings:
    """The Board's settings from the values chosen in the expander (widget key -> value; a missing key takes
    its default), so the same settings hold whether or not the expander is open."""
    thresholds: dict[str, labels.RagThresholds] = {}
    benchmarks: dict[str, float | None] = {}
    for measure in RATED_MEASURES:
        default = _default_thresholds(measure)
        green_key, red_key, bench_key = _threshold_keys(measure)
        thresholds[measure] = labels.RagThresholds(green_at=float(chosen.get(green_key, default.green_at)),
                                                   red_at=float(chosen.get(red_key, default.red_at)),
                                                   higher_is_better=default.higher_is_better)
        bench = chosen.get(bench_key)
        benchmarks[measure] = None if bench is None else float(bench)
    low_score = (float(chosen.get(LOW_SCORE_KEY, LOW_SCORE_DEFAULT))
                 if chosen.get(LOW_RULE_KEY) == LOW_RULE_THRESHOLD else None)
    wanted = chosen.get(EXCLUDE_GROUPS_KEY) or ()
    groups = set(staff_groups(dataset)) if wanted else set()
    excluded = tuple(g for g in wanted if g in groups)
    return BoardSettings(thresholds=thresholds, benchmarks=benchmarks, low_score_below=low_score,
                         exclusions=HRExclusions(staff_groups=excluded))


def settings_controls(dataset: Dataset) -> BoardSettings:
    """The expander where the user sets RAG thresholds, benchmarks and the exception rule. It runs only when
    open (its 50 or so elements would cost every click on the page); the values chosen are kept in the session
    and used while it is closed (:func:`settings_from`)."""
    saved: dict = st.session_state.setdefault(_SETTINGS_SAVED_KEY, {})
    with st.expander("RAG thresholds, benchmarks and exception rules", icon=":material/tune:",
                     key=SETTINGS_OPEN_KEY, on_change="rerun") as box:
        if box.open:
            saved.update(_settings_widgets(dataset, saved))
    return settings_from(saved, dataset)


def _settings_widgets(dataset: Dataset, saved: dict) -> dict:
    """Draw the settings' widgets, each starting from its saved value; the values now chosen (key -> value)."""
    chosen: dict = {}
    st.caption("Set where Green and Red begin for each headline and, if you wish, a benchmark to compare with. "
               "The defaults are starting points, not NHS standards. Your choices last for this session.")
    header = st.columns([2, 1, 1, 1])
    for column, text in zip(header, ("Headline", "Green at", "Red at", "Benchmark")):
        column.markdown(f"**{text}**")
    for measure in RATED_MEASURES:
        label = _label(measure, dataset)
        default = _default_thresholds(measure)
        is_rate = measure in board.HEADLINE_HR_MEASURES
        bounds = dict(min_value=0.0, max_value=100.0 if is_rate else 10.0, step=0.1, format="%.1f")
        green_key, red_key, bench_key = _threshold_keys(measure)
        name, green_col, red_col, bench_col = st.columns([2, 1, 1, 1])
        direction = "higher is better" if default.higher_is_better else "lower is better"
        name.markdown(f"{label}  \n:gray[{'%' if is_rate else 'score 0–10'}, {direction}]")
        help_text = _threshold_help(measure, label, default)
        chosen[green_key] = green_col.number_input(
            f"Green at ({label})", value=float(saved.get(green_key, default.green_at)), key=green_key,
            label_visibility="collapsed", help=help_text, **bounds)
        chosen[red_key] = red_col.number_input(
            f"Red at ({label})", value=float(saved.get(red_key, default.red_at)), key=red_key,
            label_visibility="collapsed", help=help_text, **bounds)
        chosen[bench_key] = bench_col.number_input(
            f"Benchmark ({label})", value=saved.get(bench_key), key=bench_key, label_visibility="collapsed",
            placeholder="none", help=_benchmark_help(measure), **bounds)
    st.divider()
    left, right = st.columns(2)
    rules = (LOW_RULE_QUARTER, LOW_RULE_THRESHOLD)
    chosen[LOW_RULE_KEY] = left.radio(
        "Teams low on compassionate leadership are", rules, index=rules.index(saved.get(LOW_RULE_KEY, rules[0])),
        key=LOW_RULE_KEY, help="Exceptions list teams low on compassionate leadership and, at the same time, in the "
                               "highest quarter of teams for leaver rate or sickness absence.")
    if chosen[LOW_RULE_KEY] == LOW_RULE_THRESHOLD:
        chosen[LOW_SCORE_KEY] = left.number_input(
            "Compassionate leadership below", min_value=0.0, max_value=10.0,
            value=float(saved.get(LOW_SCORE_KEY, LOW_SCORE_DEFAULT)), step=0.1, format="%.1f", key=LOW_SCORE_KEY,
            help="A team scoring below this (0–10) counts as low.")
    groups = staff_groups(dataset)
    if groups:
        chosen[EXCLUDE_GROUPS_KEY] = right.multiselect(
            "Leave these staff groups out of the HR figures", groups,
            default=[g for g in saved.get(EXCLUDE_GROUPS_KEY, ()) if g in groups], key=EXCLUDE_GROUPS_KEY,
            help="E.g. bank staff. Applies to the leaver and sickness tiles and to the exceptions on this page.")
    return chosen


@cached_object()
def board_for(dataset: Dataset, wave: str, chosen: BoardSettings, directorate: str | None) -> board.BoardReport:
    """The Board of the page: :func:`analytics.board.rate_board` (the user's thresholds, benchmarks and
    directorate) of the cached :func:`board_figures`. Kept as one shared object per dataset (its ``cache_key``),
    wave, settings and directorate (a session's preview in that session's own cache), so a rerun neither
    unpickles the figures nor rates them again; nothing may change it."""
    figures = board_figures(dataset, str(wave), chosen.exclusions, chosen.low_score_below)
    benchmarks = published.peer_benchmarks(dataset.survey, dataset.spec.our_organisation, str(wave), chosen.benchmarks)
    return board.rate_board(figures, thresholds=chosen.thresholds, benchmarks=benchmarks, directorate=directorate)


# =================================================================================================
# Several organisations' published results
# =================================================================================================
OUR_ORGANISATION_KEY = "board:our_organisation"


def choose_our_organisation(dataset: Dataset) -> bool:
    """With several organisations' published results, the "Our organisation" choice (it goes into the
    dataset in use, so the board pack uses it too). Returns False while no organisation is chosen."""
    if len(dataset.organisations) < 2:
        return True
    names = dataset.organisations
    current = dataset.spec.our_organisation
    chosen = st.selectbox("Our organisation", names, index=names.index(current) if current in names else None,
                          placeholder="Choose your organisation", key=OUR_ORGANISATION_KEY,
                          help=f"These published results hold {len(names)} organisations. The Board describes "
                               "yours and compares it with the others (their median, best and worst).")
    if chosen is not None and chosen != current:
        state.use_uploaded(dataclasses.replace(dataset.spec, our_organisation=chosen))
        st.rerun()
    if chosen is None:
        st.info(f"These results hold {len(names)} organisations' published figures. Choose yours above to see its "
                "headlines against the others.", icon=":material/info:")
        return False
    return True


@cached_table()
def peer_table(dataset: Dataset, wave: str) -> pd.DataFrame:
    """:func:`analytics.survey.published.peer_comparison` of the chosen organisation, for display."""
    peers = published.peer_comparison(dataset.survey, dataset.spec.our_organisation, wave)
    codebook = dataset.survey.codebook
    out = pd.DataFrame({
        "Measure": [labels.display_label(m, codebook) for m in peers["measure"]],
        "Ours": peers["value"], "Median of the others": peers["median"], "Best": peers["best"],
        "Worst": peers["worst"], "Rank": peers["rank"], "Of": peers["of"]})
    return out


# =================================================================================================
# Headline tiles
# =================================================================================================
def _tile_thresholds(row: pd.Series) -> labels.RagThresholds | None:
    if fmt.is_missing(row["green_at"]) or fmt.is_missing(row["red_at"]):
        return None
    return labels.RagThresholds(green_at=float(row["green_at"]), red_at=float(row["red_at"]),
                                higher_is_better=bool(row["higher_is_better"]))


def tile_details(row: pd.Series) -> list[str]:
    """The lines under a tile: comparison period, effect size and p, benchmark, n, notes."""
    if row["availability"] in (board.AVAILABILITY_NO_HR, board.AVAILABILITY_NOT_COVERED, board.AVAILABILITY_NO_ABSENCE):
        return [row["note"] or NO_HR_TEXT]
    if row["availability"] == board.AVAILABILITY_SUPPRESSED:
        return [row["note"]]
    kind = row["kind"]
    lines = [line for line in (_comparison_line(row), _benchmark_line(row), _count_line(row)) if line]
    if row["note"] and (kind != "count" or fmt.is_missing(row["previous"])):
        lines.append(str(row["note"]))
    return lines


def _comparison_line(row: pd.Series) -> str:
    """"2025 vs 2024: d = 0.12 (negligible), p = 0.034", the period alone for an HR rate without a previous
    window, or "" without a comparison."""
    kind = row["kind"]
    if fmt.is_missing(row["previous"]):
        return str(row["period"]) if kind == "pct" else ""
    span = (f"{row['wave']} vs {row['previous_wave']}" if kind != "pct"
            else f"{row['period']} vs {row['previous_period']}")
    if row["test"] == board.TEST_NONE:
        return f"{span} (a count: not tested)" if kind == "count" else span
    size = ""
    if row["effect_size_name"] == "Cohen's d" and not fmt.is_missing(row["effect_size"]):
        size = f"d = {fmt.format_r(row['effect_size'])} ({row['effect_size_magnitude']}), "
    elif row["effect_size_name"] == "rate ratio" and not fmt.is_missing(row["effect_size"]):
        size = f"rate ratio {fmt.format_number(row['effect_size'], 2)}, "
    return f"{span}: {size}{fmt.format_p(row['p'])}"


def _benchmark_line(row: pd.Series) -> str:
    """"Benchmark 7.0: +0.1" (percentage points for a rate), or "" without a benchmark."""
    if fmt.is_missing(row["benchmark"]):
        return ""
    unit = " pp" if row["kind"] == "pct" else ""
    diff = fmt.format_signed(row["vs_benchmark"], 1) + unit if not fmt.is_missing(row["vs_benchmark"]) else fmt.NO_DATA
    return f"Benchmark {fmt.format_value(row['benchmark'], TILE_KINDS[row['kind']])}: {diff}"


def _count_line(row: pd.Series) -> str:
    """n of a score (responses) or the numerator and denominator of a rate; "" when unknown."""
    if row["kind"] == "score" and not fmt.is_missing(row["n"]):
        return f"n = {fmt.format_n(row['n'])} responses"
    if row["kind"] != "pct" or fmt.is_missing(row["numerator"]):
        return ""
    if row["measure"] == "leaver_rate":
        return f"{fmt.format_n(row['numerator'])} leavers; average {fmt.format_n(row['denominator'])} staff"
    return f"{fmt.format_n(row['numerator'])} of {fmt.format_n(row['denominator'])} FTE days lost"


def rag_markdown(rag: object) -> str:
    """The RAG status as shape + word, the shape in its colour-blind-safe colour (fixed strings only)."""
    if rag not in labels.RAG_STYLE:
        return ""
    icon, colour = labels.RAG_STYLE[rag]
    return f'<span style="color:{colour}; font-size:1.1em">{icon}</span> **{rag}**'


#: Tiles in one row: all six headlines fit across a 1400-pixel window, so the exceptions start above the fold.
TILES_PER_ROW = 6


def render_tiles(headline: pd.DataFrame, min_group_size: int) -> None:
    """The headline tiles (st.metric) in one row: value, change and significance, and the RAG status (shape,
    word and colour). Why each status was given, the tests, n and notes are in :func:`render_tile_details`."""
    rows = [r for _, r in headline.iterrows()]
    for start in range(0, len(rows), TILES_PER_ROW):
        columns = st.columns(TILES_PER_ROW, gap="small")
        for column, row in zip(columns, rows[start:start + TILES_PER_ROW]):
            with column:
                _tile(row, min_group_size)


def render_tile_details(headline: pd.DataFrame) -> None:
    """For each headline: its RAG status with the reason, then the comparison (effect size and p), benchmark,
    n and notes (:func:`tile_details`), in two columns."""
    rows = [r for _, r in headline.iterrows()]
    columns = st.columns(2)
    for i, row in enumerate(rows):
        with columns[i % 2]:
            st.markdown(f"**{row['ref']} · {tables.markdown_literal(row['label'])}**")
            if row["rag"] in labels.RAG_STYLE:
                st.markdown(rag_markdown(row["rag"]) + f" · {row['rag_reason']}", unsafe_allow_html=True)
            details = tile_details(row)
            if details:
                st.caption("  \n".join(details))


def _tile(row: pd.Series, min_group_size: int) -> None:
    kind = TILE_KINDS[row["kind"]]
    thresholds = _tile_thresholds(row)
    help_text = f"{row['label']}: {row['source']}."
    tile = fmt.headline_tile_data(
        label=row["label"], value=row["value"], kind=kind, previous=row["previous"],
        change_significant=row["significant"], n=row["n"] if kind != "n" else None,
        suppressed=bool(row["suppressed"]), min_group_size=min_group_size, thresholds=thresholds,
        higher_is_better=True if thresholds is None else thresholds.higher_is_better, help=help_text)
    value_text = UNAVAILABLE_TEXT.get(row["availability"], tile.value_text)
    delta_text, delta_colour = tile.delta_text, tile.delta_colour
    if delta_text is not None:
        delta_text = tile_delta_text(row["value"], row["previous"], row["significant"], kind,
                                     previous_wave=row["previous_wave"])
        if rounds_to_zero(float(row["value"]) - float(row["previous"]), kind):
            delta_colour = "gray"
    # One bordered box per tile, stretched to the row's tallest, holding the metric and its RAG status.
    with st.container(border=True, height="stretch", gap="small"):
        st.metric(f"{row['ref']} · {row['label']}", value_text, delta_text, delta_color=delta_colour,
                  delta_arrow=tile.delta_arrow, help=tile.help)
        if row["rag"] in labels.RAG_STYLE:
            st.markdown(rag_markdown(row["rag"]), unsafe_allow_html=True, help=str(row["rag_reason"]))


def headline_caption(headline: pd.DataFrame) -> str:
    wave, prev = headline.attrs.get("wave"), headline.attrs.get("previous_wave")
    hr = headline[headline["kind"] == "pct"].iloc[0]
    survey_part = f"Staff survey {wave}" + (f" compared with {prev}" if prev else " (no previous wave)")
    hr_part = "no HR figures"
    if isinstance(hr["period"], str) and hr["period"]:
        hr_part = f"HR records {hr['period']}"
        if hr["previous_period"]:
            hr_part += f" compared with {hr['previous_period']}"
    responses = headline[headline["measure"] == board.RESPONSES].iloc[0]
    n_text = "" if fmt.is_missing(responses["value"]) else f"n = {fmt.format_n(responses['value'])} responses"
    return chart_caption(data=f"{survey_part}; {hr_part}", period=None, unit_of_analysis="organisation",
                         n_text=n_text, notes=["Changes tested with the tests named in the table; p < 0.05 is "
                                               "significant", "Survey scores are unweighted"])


# =================================================================================================
# Tables
# =================================================================================================
def download_csv(frame: pd.DataFrame, *, file_name: str, key: str, label: str = "Download CSV") -> None:
    """A CSV download of ``frame``, spreadsheet formulas neutralised (:func:`ui.tables.download_csv`)."""
    tables.download_csv(frame, file_name=file_name, key=key, label=label)


def headline_display(headline: pd.DataFrame) -> pd.DataFrame:
    """The headline table as people read it (formatted strings; full precision stays in the download)."""
    k = int(headline.attrs.get("min_group_size", settings.DEFAULT_MIN_GROUP_SIZE))
    return pd.DataFrame([_headline_display_row(r, k) for _, r in headline.iterrows()])


def _headline_display_row(r: pd.Series, k: int) -> dict[str, str]:
    kind = TILE_KINDS[r["kind"]]
    unit = " pp" if kind == "pct" else ""
    change = "" if fmt.is_missing(r["change"]) else fmt.format_signed(r["change"], 0 if kind == "n" else 1) + unit
    ci = ("" if fmt.is_missing(r["change_ci_low"])
          else f"{fmt.format_signed(r['change_ci_low'], 2)} to {fmt.format_signed(r['change_ci_high'], 2)}{unit}")
    value = UNAVAILABLE_TEXT.get(r["availability"], fmt.format_value(r["value"], kind))
    if bool(r["suppressed"]):
        value = fmt.suppressed_text(k)

    def shown(column: str, text) -> str:
        return "" if fmt.is_missing(r[column]) else text(r[column])

    return {
        "Ref": r["ref"], "Headline": r["label"], "Value": value, "Period": r["period"] or "",
        "Previous": shown("previous", lambda v: fmt.format_value(v, kind)),
        "Previous period": r["previous_period"] or "", "Change": change, "95% CI of change": ci,
        "Test": r["test"], "p": shown("p", fmt.format_p),
        "Significant": "" if r["significant"] is None else ("yes" if r["significant"] else "no"),
        "Effect size": _effect_size_text(r),
        "Benchmark": shown("benchmark", lambda v: fmt.format_value(v, kind)),
        "RAG": "" if r["rag"] not in labels.RAG_STYLE else f"{labels.RAG_STYLE[r['rag']][0]} {r['rag']}",
        "n": shown("n", fmt.format_n), "Notes": r["note"] or "",
    }


def _effect_size_text(r: pd.Series) -> str:
    """"Cohen's d 0.12 (negligible)", "rate ratio 0.95", or "" without one."""
    if fmt.is_missing(r["effect_size"]):
        return ""
    effect = f"{r['effect_size_name']} {fmt.format_number(r['effect_size'], 2)}"
    return effect + (f" ({r['effect_size_magnitude']})" if r["effect_size_magnitude"] else "")


#: Column widths (pixels) of the exception tables; the name columns (Team, Directorate, Measure) are widened
#: to their longest name on the page by :func:`fitted_config`, so no name is cut (the table scrolls sideways
#: when the names are long). The long "why listed" sentence stays in the CSV.
LOW_LEADERSHIP_CONFIG = {
    "ref": st.column_config.TextColumn("Ref", width=45),
    "unit": st.column_config.TextColumn("Team", width=200),
    "parent": st.column_config.TextColumn("Directorate", width=200),
    "score": st.column_config.NumberColumn("Leadership", format="%.1f", width=90,
                                           help="Compassionate leadership: the team's mean score, 0–10."),
    "responses": st.column_config.NumberColumn("Responses", format="%d", width=85),
    "leaver_rate": st.column_config.NumberColumn("Leaver %", format="%.1f", width=80,
                                                 help="Leaver rate over the HR window, %."),
    "sickness_rate": st.column_config.NumberColumn("Sickness %", format="%.1f", width=90,
                                                   help="Sickness absence rate over the HR window, %."),
    "high_on": st.column_config.TextColumn("High on", width=140,
                                           help="Which rate is in the highest quarter of teams (cut-offs in the "
                                                "caption below). The CSV gives every figure and the reason in "
                                                "words."),
}
FALLS_CONFIG = {
    "ref": st.column_config.TextColumn("Ref", width=45),
    "unit": st.column_config.TextColumn("Team", width=170),
    "parent": st.column_config.TextColumn("Directorate", width=170),
    "label": st.column_config.TextColumn("Measure", width=165),
    "mean_from": st.column_config.NumberColumn("Before", format="%.1f", width=60),
    "mean_to": st.column_config.NumberColumn("Now", format="%.1f", width=55),
    "change": st.column_config.NumberColumn("Change", format="%+.1f", width=65),
    "p_adj": st.column_config.NumberColumn("Adj. p", format="%.4f", width=70,
                                           help="p-value of the Welch t-test, Benjamini–Hochberg adjusted across "
                                                "teams."),
    "cohens_d": st.column_config.NumberColumn("d", format="%.2f", width=50, help="Cohen's d (effect size)."),
    "n_to": st.column_config.NumberColumn("Responses", format="%d", width=85,
                                          help="Responses in the team this wave."),
}
#: The text columns of the exception tables that hold names, widened to fit by :func:`fitted_config`.
NAME_COLUMNS = ("unit", "parent", "label")


def fitted_config(config: dict, frame: pd.DataFrame) -> dict:
    """``config`` with each name column (:data:`NAME_COLUMNS`) as wide as its longest value in ``frame`` or its
    header (:func:`ui.tables.fit_text_width`), never narrower than configured."""
    fitted = {}
    for column, column_config in config.items():
        if column in NAME_COLUMNS and column in frame.columns:
            column_config = {**column_config, "width": max(
                int(column_config["width"]), tables.fit_text_width(frame[column], column_config.get("label") or ""))}
        fitted[column] = column_config
    return fitted


HIGH_ON_TEXT = {(True, False): "Leaving", (False, True): "Sickness", (True, True): "Leaving and sickness"}


def low_leadership_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The low-leadership exceptions with a short ``high_on`` column ("Leaving", "Sickness", "Leaving and
    sickness") in place of the long reason sentence (which stays in the frame and its CSV)."""
    shown = frame.copy()
    shown["high_on"] = [HIGH_ON_TEXT.get((bool(a), bool(b)), "")
                        for a, b in zip(shown["high_leaver_rate"], shown["high_sickness_rate"])]
    return shown


STATEMENT_CONFIG = {
    "ref": st.column_config.TextColumn("Ref", width="small"),
    "statement": st.column_config.TextColumn("Statement", width="large"),
    "figure_ref": st.column_config.TextColumn("Quotes", help="The rows of the tables on this page it quotes."),
    "source": st.column_config.TextColumn("Source"),
}


def low_leadership_caption(found: board.BoardExceptions, min_group_size: int) -> str:
    window = (f"HR records {found.window_start:%b %Y} to {found.window_end:%b %Y} (the survey's HR window)"
              if found.window_start is not None else "no HR window")
    where = f" in {found.directorate}" if found.directorate else ""
    rule = (f"scores below {fmt.format_score(found.low_score_below)}" if found.low_score_below is not None
            else f"the lowest {found.quantile:.0%} of scores")
    cutoff = (pd.to_numeric(found.low_leadership["score_cutoff"], errors="coerce").dropna()
              if "score_cutoff" in found.low_leadership.columns else pd.Series(dtype=float))
    if found.low_score_below is None and len(cutoff):
        rule += f" (at or below {fmt.format_score(cutoff.iloc[0])})"
    return chart_caption(
        data=f"Staff survey {found.wave} (teams with at least {min_group_size} responses) and {window}", period=None,
        unit_of_analysis="team",
        n_text=f"{len(found.low_leadership)} teams listed{where}, of {found.teams_checked} teams with survey and HR "
               "figures in the organisation",
        notes=[f"Low: {rule}; high: a leaver or sickness rate {board.HIGH_RATE_RULE}. Each team's limit is in "
               "the table", "Shows an association only"])


def falls_caption(found: board.BoardExceptions, min_group_size: int) -> str:
    compared = max(found.teams_compared.values()) if found.teams_compared else 0
    where = f" in {found.directorate}" if found.directorate else ""
    return chart_caption(
        data=f"Staff survey {found.previous_wave} and {found.wave}", period=None, unit_of_analysis="team",
        n_text=f"{len(found.falls)} falls listed{where}; {compared} teams with at least {min_group_size} responses in "
               "both waves compared per measure",
        notes=["Welch t-test per team, Benjamini–Hochberg adjustment across teams; adjusted p < 0.05"])


#: Funnel plots drawn under the exceptions: rate column -> (title, rate label, denominator label).
FUNNEL_CHARTS = {
    "leaver_rate": ("Leaver rate of each team against all teams", "Leaver rate",
                    "Average staff in post (headcount)"),
    "sickness_rate": ("Sickness absence rate of each team against all teams", "Sickness absence rate",
                      "FTE days available"),
}


@cached_object()
def board_charts(dataset: Dataset, wave: str, chosen: BoardSettings) -> tuple[list[tuple[str, go.Figure]], go.Figure]:
    """The Board's Plotly figures (:func:`funnel_figures`, :func:`behaviours_figure`) of :func:`board_for`,
    built once per dataset, wave and settings (Plotly's validation costs more than drawing them from a cached
    object); shared, so nothing may change them. Neither depends on the directorate filter (the funnel plots
    compare every team of the organisation; the behaviours are the organisation's), so choosing a directorate
    builds no chart. The sample's are kept on disk too (:func:`analytics.prepared.on_disk`), for a fast first
    chart."""
    def build() -> tuple[list[tuple[str, go.Figure]], go.Figure]:
        report = board_for(dataset, wave, chosen, None)
        return funnel_figures(report.exceptions), behaviours_figure(report.weakest, report.min_group_size)
    return prepared.on_disk("board_charts", dataset.spec, (dataset.cache_key, str(wave), chosen), build)


#: Session-state key: the (dataset, settings, directorate) whose other waves this session has prefetched.
_PREFETCHED_KEY = "board_prefetched"
#: At most this many other waves are prefetched (the most recent first).
PREFETCH_WAVES = 4


def prefetch_other_waves(dataset: Dataset, wave: str, chosen: BoardSettings, directorate: str | None) -> None:
    """Compute the Board of the dataset's other waves (:func:`board_for`, :func:`board_charts`: the same cached
    functions, so the same figures) in a background thread, once per dataset, settings and directorate in a
    session, so that choosing another wave in the sidebar shows it at once (``bench/bench_clicks.py``: first
    visit of a wave). The page is drawn first; the thread holds the session's context, so an upload's
    figures go to that session's own cache. A failure is left for the page to report when the wave is chosen."""
    others = [w for w in reversed(dataset.waves) if str(w) != str(wave)][:PREFETCH_WAVES]
    marker = (dataset.cache_key, str(chosen), directorate)
    if not others or st.session_state.get(_PREFETCHED_KEY) == marker:
        return
    st.session_state[_PREFETCHED_KEY] = marker

    def work() -> None:
        for other in others:
            try:
                board_for(dataset, str(other), chosen, directorate)
                board_charts(dataset, str(other), chosen)
            except Exception:  # noqa: BLE001 - shown, with its message, when the user picks that wave
                continue

    thread = threading.Thread(target=work, name="board-prefetch", daemon=True)
    add_script_run_ctx(thread, get_script_run_ctx())
    thread.start()


def funnel_figures(found: board.BoardExceptions) -> list[tuple[str, go.Figure]]:
    """The funnel plots behind the "high" rule, one per rate with counts: ``(rate, figure)``. Teams are the
    shown teams of the whole organisation (the directorate filter narrows the lists, not the comparison)."""
    period = (f"{found.window_start:%b %Y} to {found.window_end:%b %Y}" if found.window_start is not None else None)
    out = []
    for rate, table in found.funnels.items():
        if table.attrs.get("units_with_data", 0) == 0 or rate not in FUNNEL_CHARTS:
            continue
        title, rate_label, denominator_label = FUNNEL_CHARTS[rate]
        out.append((rate, render_funnel.funnel_figure(table, title=title, rate_label=rate_label,
                                                      denominator_label=denominator_label,
                                                      data_label=f"HR records, wave {found.wave}'s window",
                                                      period=period)))
    return out


# =================================================================================================
# The four behaviours
# =================================================================================================
def behaviours_figure(weakest: board.WeakestBehaviour, min_group_size: int) -> go.Figure:
    """Horizontal bars: % positive of the four behaviours' questions at organisation level, this wave (solid)
    and the previous wave (hatched); the weakest is labelled. Suppressed questions have no bar."""
    table = weakest.table
    categories = [f"{r['label']} ({r['item']})" + (" — weakest" if r["weakest"] else "") for _, r in table.iterrows()]
    fig = go.Figure()
    wave = weakest.wave
    previous = table["previous_wave"].dropna()
    prev = str(previous.iloc[0]) if len(previous) else None
    if prev is not None:
        fig.add_bar(name=f"{prev}", y=categories, x=[None if fmt.is_missing(v) else float(v)
                                                      for v in table["previous_pct_positive"]],
                    orientation="h", marker=dict(color=labels.ORGANISATION_COLOUR, pattern=dict(shape="/")),
                    hovertemplate="%{y}<br>" + prev + ": %{x:.1f}% positive<extra></extra>")
    fig.add_bar(name=f"{wave}", y=categories,
                x=[None if fmt.is_missing(v) else float(v) for v in table["pct_positive"]], orientation="h",
                marker=dict(color=labels.UNIT_COLOUR),
                text=[fmt.suppressed_text(min_group_size) if s else ("" if fmt.is_missing(v) else fmt.format_pct(v))
                      for v, s in zip(table["pct_positive"], table["suppressed"])],
                textposition="outside",
                customdata=[[w, fmt.format_n(n)] for w, n in zip(table["wording"], table["n"])],
                hovertemplate="%{y}<br>%{customdata[0]}<br>" + wave + ": %{x:.1f}% positive (n = %{customdata[1]})"
                              "<extra></extra>")
    n_values = pd.to_numeric(table["n"], errors="coerce").dropna()
    n_text = (f"n = {fmt.format_n(n_values.min())}–{fmt.format_n(n_values.max())} answers per question"
              if len(n_values) else "no question shown")
    period = f"wave {wave}" + (f" and {prev}" if prev else "")
    caption = chart_caption(data="Staff survey questions q9f–q9i", period=period,
                            unit_of_analysis="organisation", n_text=n_text,
                            notes=["% positive = the two most favourable answers", board.BEHAVIOURS_NOTE])
    fig.update_layout(barmode="group", title=dict(text="The four behaviours of compassionate leadership",
                                                  subtitle=dict(text=board.BEHAVIOURS_NOTE)),
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", margin=dict(l=10, r=10, t=70, b=10),
                      legend=dict(orientation="h", yanchor="top", y=-0.25, xanchor="left", x=0, title_text="Wave"),
                      meta={"caption": caption}, height=380)
    fig.update_xaxes(title_text="Positive answers (%)", range=[0, 100])
    fig.update_yaxes(autorange="reversed")
    return fig


def show_figure(fig: go.Figure, key: str) -> None:
    st.plotly_chart(fig, theme="streamlit", key=key)
    st.caption(figure_caption(fig))




def render_guidance(weakest: board.WeakestBehaviour) -> None:
    """The what-to-do panel: the weakest behaviour's actions, then wellbeing conversations and roles."""
    guidance = weakest.guidance
    actions = guidance[guidance["section"] == "behaviour"]
    if weakest.behaviours:
        for behaviour in weakest.behaviours:
            part = actions[actions["behaviour"] == behaviour]
            row = weakest.table[weakest.table["behaviour"] == behaviour].iloc[0]
            st.markdown(f"#### Weakest behaviour: {tables.markdown_literal(row['label'])} ({row['item']}, "
                        f"{fmt.format_pct(row['pct_positive'])} positive)")
            summary = tables.markdown_literal(weakest.summaries.get(behaviour, ""))
            st.markdown(f"*{tables.markdown_literal(row['wording'])}*  \n{summary}")
            st.markdown("\n".join(f"- {tables.markdown_literal(text)}" for text in part["text"]))
            if len(part):
                st.caption(f"Source: {part['source'].iloc[0]}")
    else:
        st.info("None of the four behaviours' questions can be shown at organisation level for this wave.",
                icon=":material/info:")
    st.markdown("#### Support that puts the behaviours into practice")
    support = guidance[guidance["section"] == "support"]
    columns = st.columns(2)
    for i, item in enumerate(support.to_dict("records")):
        with columns[i % 2].container(border=True):
            st.markdown(f"**{tables.markdown_literal(item['heading'])}**")
            st.markdown(tables.markdown_literal(item["text"]))
            st.caption(f"Source: {item['source']}")
    st.caption(weakest.note + " The guidance is written for this dashboard from the sources named; it is not "
               "NHS guidance itself.")


def statements_markdown(statements: pd.DataFrame) -> str:
    """The statements as a numbered Markdown list of prose, each ending with the figure it quotes in
    brackets ("… (p = 0.604). [H1]"). Text from data files (team names) is escaped, so it shows literally."""
    lines = []
    for number, r in enumerate(statements.to_dict("records"), start=1):
        ref = f" \\[{tables.markdown_literal(r['figure_ref'])}\\]" if r["figure_ref"] else ""
        lines.append(f"{number}. {tables.markdown_literal(r['statement'])}{ref}")
    return "\n".join(lines)


def statements_text(statements: pd.DataFrame) -> str:
    """All statements as plain text, each followed by the figure it quotes (for copying into a paper)."""
    lines = []
    for r in statements.to_dict("records"):
        ref = f" [{r['figure_ref']}]" if r["figure_ref"] else ""
        lines.append(f"{r['statement']}{ref}")
    return "\n\n".join(lines)


def _local_measure_labels(dataset: Dataset) -> dict[str, str]:
    """Id -> label of the survey's local measures (a pulse survey's own measures, items ``custom.…``)."""
    book = dataset.survey.codebook if dataset.survey is not None else None
    return {m.id: m.label for m in (book.measures if book is not None else ())
            if m.items and all(c.startswith("custom.") for c in m.items)}


def _org_score(org: pd.DataFrame, measure: str, wave: str | None) -> tuple[str, str] | None:
    """(score, responses) of one measure and wave at organisation level, "—" when suppressed; None if absent."""
    row = org[(org["measure"] == measure) & (org["wave"].astype(str) == str(wave))]
    if row.empty:
        return None
    if bool(row["suppressed"].iloc[0]):
        return "—", "—"
    return fmt.format_score(row["mean"].iloc[0]), fmt.format_n(row["n"].iloc[0])


def local_measures_display(dataset: Dataset, wave: str) -> pd.DataFrame:
    """The organisation's local measures in ``wave``: ``Measure``, ``Score (0–10), <wave>``, ``Responses``,
    and the ``Previous wave``'s score ("—" when there is none or it is suppressed). Empty when the survey has
    no local measure. No RAG rating (no national thresholds)."""
    local = _local_measure_labels(dataset)
    columns = ["Measure", f"Score (0–10), {wave}", "Responses", "Previous wave"]
    if not local:
        return pd.DataFrame(columns=columns)
    table = dataset.survey.unit_scores
    org = table[(table["level"] == settings.LEVEL_ORGANISATION) & table["measure"].isin(list(local))]
    waves = [str(w) for w in dataset.survey.waves]
    index = waves.index(str(wave)) if str(wave) in waves else 0
    previous = waves[index - 1] if index > 0 else None
    rows = []
    for measure, label in local.items():
        now = _org_score(org, measure, wave)
        if now is not None:
            before = _org_score(org, measure, previous) if previous else None
            rows.append([label, *now, before[0] if before else "—"])
    return pd.DataFrame(rows, columns=columns)

"""The four behaviours of compassionate leadership for one team, against the organisation (bars).

The mapping of behaviours to questions is an interpretation (:data:`analytics.labels.BEHAVIOURS_NOTE`),
read from the codebook. A suppressed team question has no bar, only the words saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from analytics import format as fmt
from analytics import labels
from analytics import settings
from analytics.errors import InputError
from analytics.ingest.codebook import Codebook
from render.common import (chart_caption, hidden_label, latest_wave, n_range_text, require_columns, style_figure,
                           suppressed_mask, trace_value, wave_text)

#: Bars of two units share a category, each 0.4 of its height (Plotly's default gap of 0.2): the first
#: (the team) spans [i - 0.4, i], the second (the organisation) [i, i + 0.4].
BAR_SLOTS = {"unit": (-0.4, 0.0), "organisation": (0.0, 0.4)}
#: Width of the stub marking a bar of 0, as a share of the scale (100% or 10 points).
ZERO_STUB_SHARE = 0.006
#: The x axis runs to this percentage of the scale's end, to leave room for a full bar's label.
X_AXIS_END_PERCENT = 112


def _behaviour_rows(item_results: pd.DataFrame, team: str, wave: object, organisation: str, team_level: str,
                    parent: str | None, value: str) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    """The team's and the organisation's question rows in ``wave`` (default the latest), and the wave."""
    require_columns(item_results, ("wave", "level", "unit", "item", value, "suppressed"), "table of question results")
    wave = latest_wave(item_results) if wave is None else wave
    this_wave = item_results[item_results["wave"] == wave]
    team_rows = this_wave[(this_wave["level"] == team_level) & (this_wave["unit"].astype(str) == str(team))]
    if parent is not None and "parent" in team_rows.columns:
        team_rows = team_rows[team_rows["parent"].astype(str) == str(parent)]
    if team_rows.empty:
        raise InputError(f"There are no results for {team} in {wave_text(wave)}.")
    if "parent" in team_rows.columns and team_rows["parent"].astype(str).nunique() > 1:
        raise InputError(f"More than one {labels.level_label(team_level, 1)} is called {team}; choose its "
                         f"{labels.level_label(settings.LEVEL_DIRECTORATE, 1)} too.")
    org_rows = this_wave[(this_wave["level"] == settings.LEVEL_ORGANISATION)
                         & (this_wave["unit"].astype(str) == str(organisation))]
    return team_rows, org_rows, wave


def _n_per_question(rows: pd.DataFrame) -> str:
    n_range = n_range_text(rows["n"]) if "n" in rows.columns else None
    if n_range is None:
        return "n not given"
    low, high = n_range
    return f"n = {low}" if low == high else f"n = {low}–{high} per question"


def behaviours_caption(item_results: pd.DataFrame, team: str, *, wave: object = None,
                       organisation: str = settings.ORGANISATION_UNIT, team_level: str = settings.LEVEL_TEAM,
                       parent: str | None = None, value: str = "pct_positive",
                       min_group_size: int, data_label: str = "Staff survey",
                       codebook: Codebook | None = None) -> str:
    """Caption of :func:`behaviours_bar`: team and organisation responses, and the interpretation note."""
    team_rows, org_rows, wave = _behaviour_rows(item_results, team, wave, organisation, team_level, parent, value)
    items = set(labels.behaviour_items(codebook).values())
    team_rows = team_rows[team_rows["item"].astype(str).str.casefold().isin(items)]
    org_rows = org_rows[org_rows["item"].astype(str).str.casefold().isin(items)]
    hidden = suppressed_mask(team_rows, min_group_size)
    team_text = (fmt.suppressed_text(min_group_size) if len(team_rows) and hidden.all()
                 else _n_per_question(team_rows[~hidden]))
    org_text = _n_per_question(org_rows[~suppressed_mask(org_rows, min_group_size)])
    n_text = f"{team}: {team_text}; {organisation}: {org_text}"
    what = "% positive answers (the two most favourable options)" if value == "pct_positive" else "mean score 0–10"
    return chart_caption(data=data_label, period=wave_text(wave), unit_of_analysis=labels.level_label(team_level, 1),
                         n_text=n_text, notes=[f"Bars: {what} per question", labels.BEHAVIOURS_NOTE])


@dataclass(frozen=True)
class _BarSpec:
    """What both units' bars share: the behaviours (name → question code), the value column and kind."""

    behaviours: dict[str, str]
    categories: list[str]
    value: str
    kind: str
    min_group_size: int
    codebook: Codebook | None

    @property
    def scale_end(self) -> int:
        return 100 if self.kind == "pct" else 10


@dataclass
class _Bars:
    """One unit's bar values, texts and hovers, and the words shown instead of a missing bar."""

    xs: list
    texts: list
    hover: list
    notes: list[tuple[str, str]]


def _by_item(rows: pd.DataFrame, hidden: pd.Series) -> dict[str, object]:
    """The unit's question rows by case-folded question code, each with ``is_hidden``."""
    rows = rows.assign(is_hidden=hidden.to_numpy(), item_key=rows["item"].astype(str).str.casefold().to_numpy())
    return {r.item_key: r for r in rows.astype(object).itertuples(index=False)}


def _unit_bars(spec: _BarSpec, unit_name: str, found: dict[str, object]) -> _Bars:
    """A bar per behaviour: a hidden question has no value and its hidden words; a missing one "no data"."""
    bars = _Bars([], [], [], [])
    for (behaviour, code), category in zip(spec.behaviours.items(), spec.categories):
        r = found.get(code)
        head = (f"<b>{unit_name}</b> — {labels.behaviour_label(behaviour)}<br>"
                f"{code}: {labels.item_wording(code, spec.codebook)}")
        if r is not None and r.is_hidden:
            words = hidden_label(r, spec.min_group_size)
            bars.xs.append(None); bars.texts.append(""); bars.hover.append(f"{head}<br>{words}")
            bars.notes.append((category, words))
            continue
        v = None if r is None else trace_value(getattr(r, spec.value))
        bars.xs.append(v)
        if v is None:
            bars.texts.append(""); bars.hover.append(f"{head}<br>{fmt.NO_DATA}")
            bars.notes.append((category, fmt.NO_DATA))
            continue
        text = fmt.format_value(v, spec.kind)
        n_part = f"<br>n = {fmt.format_n(getattr(r, 'n', None))}" if hasattr(r, "n") else ""
        bars.texts.append(text)
        bars.hover.append(f"{head}<br>{labels.display_label(spec.value)}: {text}{n_part}")
    return bars


def _zero_stubs(spec: _BarSpec, bars: _Bars, unit_name: str, colour: str, group: str) -> list[dict]:
    """A bar of length 0 is invisible (its "0.0%" label is still drawn): a stub in the bar's colour, a
    few pixels wide, across the bar's slot marks it."""
    low, high = BAR_SLOTS[group]
    stub = spec.scale_end * ZERO_STUB_SHARE
    return [dict(type="rect", xref="x", yref="y", x0=0, x1=stub, y0=i + low, y1=i + high, fillcolor=colour,
                 line=dict(width=0), layer="above", name=f"{unit_name}: 0")
            for i, x in enumerate(bars.xs) if x is not None and x == 0]


def _bar_trace(spec: _BarSpec, bars: _Bars, unit_name: str, colour: str, pattern: str) -> go.Bar:
    return go.Bar(
        name=str(unit_name), orientation="h", x=bars.xs, y=spec.categories, text=bars.texts, textposition="outside",
        cliponaxis=False, hovertext=bars.hover, hovertemplate="%{hovertext}<extra></extra>",
        marker=dict(color=colour, pattern=dict(shape=pattern)),
    )


def _set_axes(fig: go.Figure, spec: _BarSpec) -> None:
    """Room past the scale's end for the label of a full bar ("100.0%"); ticks stop at the scale's end."""
    end = spec.scale_end
    fig.update_xaxes(range=[0, end * X_AXIS_END_PERCENT / 100], tickmode="array",
                     tickvals=[end * i / 5 for i in range(6)], zeroline=True)
    fig.update_yaxes(autorange="reversed", type="category")


def behaviours_bar(
    item_results: pd.DataFrame,
    team: str,
    organisation: str = settings.ORGANISATION_UNIT,
    *,
    wave: object = None,
    team_level: str = settings.LEVEL_TEAM,
    parent: str | None = None,
    value: str = "pct_positive",
    min_group_size: int,
    data_label: str = "Staff survey",
    codebook: Codebook | None = None,
) -> go.Figure:
    """The four behaviours of compassionate leadership for one team, against the organisation.

    Parameters
    ----------
    item_results
        Question-level results (``settings.ITEM_RESULT_COLUMNS``: % positive per item), or any table
        with ``wave, level, unit, item, suppressed`` and the ``value`` column (e.g. an item mean 0–10).
    team, organisation
        The team's unit name (``parent`` picks between teams with the same name) and the organisation
        unit name (level "organisation").
    wave
        Default: the latest wave in the table.

    Returns
    -------
    Horizontal grouped bars, one row per behaviour in the order attending, understanding, empathising,
    helping (labelled "Attending (q9g)", ...): trace ``team`` (solid) and trace ``organisation``
    (hatched, so the two differ by more than colour). Each bar's value is written just beyond its end
    (``textposition="outside"``, in the theme's font colour, so it reads on both themes and is never
    drawn over the hatching); the x axis runs a little past the scale's end (ticks stop at 100 or 10) to
    leave room for it. A value of 0 has no bar to see, so a stub in the bar's colour (a layout shape
    named ``"<unit>: 0"``) marks it at 0, in the bar's place, beside its "0.0%" label. Hover gives the
    question wording, the value and n. A suppressed team question has no bar and an annotation saying
    why (``suppressed_reason``: "fewer than k responses" or "hidden to protect a group with fewer than
    k responses"); a missing one says "no data". The title's subtitle says the behaviours
    mapping is an interpretation, not NHS method.
    """
    team_rows, org_rows, wave = _behaviour_rows(item_results, team, wave, organisation, team_level, parent, value)
    behaviours = labels.behaviour_items(codebook)
    if not behaviours:
        raise InputError("The codebook does not map the four behaviours to questions.")
    spec = _BarSpec(behaviours=behaviours,
                    categories=[f"{labels.behaviour_label(b)} ({code})" for b, code in behaviours.items()],
                    value=value, kind="pct" if value == "pct_positive" else labels.value_kind(value, codebook),
                    min_group_size=min_group_size, codebook=codebook)
    fig = go.Figure()
    annotations, zero_marks = [], []
    for unit_name, rows, colour, pattern, group in (
            (team, team_rows, labels.UNIT_COLOUR, "", "unit"),
            (organisation, org_rows, labels.ORGANISATION_COLOUR, "/", "organisation")):
        bars = _unit_bars(spec, unit_name, _by_item(rows, suppressed_mask(rows, min_group_size)))
        if unit_name == team:  # only the team's missing bars are explained on the chart
            annotations += bars.notes
        fig.add_trace(_bar_trace(spec, bars, unit_name, colour, pattern))
        zero_marks += _zero_stubs(spec, bars, unit_name, colour, group)
    for mark in zero_marks:
        fig.add_shape(**mark)
    for category, text in annotations:
        fig.add_annotation(x=0, y=category, text=text, showarrow=False, xanchor="left", yshift=8,
                           font=dict(size=11))
    _set_axes(fig, spec)
    fig.update_layout(
        barmode="group",
        title=dict(text="Four behaviours of compassionate leadership",
                   subtitle=dict(text=labels.BEHAVIOURS_NOTE)),
        margin=dict(t=90),
    )
    caption = behaviours_caption(item_results, team, wave=wave, organisation=organisation, team_level=team_level,
                                 parent=parent, value=value, min_group_size=min_group_size, data_label=data_label,
                                 codebook=codebook)
    x_title = "Positive answers (%)" if value == "pct_positive" else labels.axis_title(value, codebook)
    fig = style_figure(fig, x_title=x_title, y_title=None, caption=caption)
    fig.update_layout(margin=dict(t=100), legend=dict(y=-0.25, yanchor="top"))
    return fig

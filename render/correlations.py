"""Heatmap of correlation coefficients, read from the correlation table (:mod:`analytics.stats`).

Coefficients, confidence intervals and Benjamini–Hochberg adjusted p-values are computed by the analytics
layer; this module only draws them (a "*" marks ``p_adj < alpha``).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analytics import format as fmt
from analytics import labels
from analytics.errors import InputError
from analytics.ingest.codebook import Codebook
from render.common import chart_caption, n_range_text, require_columns, style_figure, trace_value

#: Method → (coefficient column, CI low column, CI high column, display name).
_METHODS = {
    "pearson": ("r", "r_ci_low", "r_ci_high", "Pearson r"),
    "spearman": ("rho", "rho_ci_low", "rho_ci_high", "Spearman ρ"),
}


def _is_pooled(group: object) -> bool:
    """The pooled row of a correlation table has an empty or missing group."""
    return fmt.is_missing(group) or str(group) == ""


def _pooled_rows(correlations: pd.DataFrame, pooled: pd.Series) -> pd.DataFrame:
    """The rows for all units together, or the whole table when it holds one group only."""
    if pooled.any():
        return correlations[pooled.to_numpy()]
    distinct = list(dict.fromkeys(correlations["group"].astype(str)))
    if len(distinct) == 1:
        return correlations
    raise InputError(f"The correlations are given per group ({', '.join(distinct)}) with no row for all "
                     "units together; choose a group.")


def _correlation_rows(correlations: pd.DataFrame, group: object, method: str) -> pd.DataFrame:
    """The rows of one group: ``group=None`` means the pooled rows (group empty), or the only group."""
    if method not in _METHODS:
        raise InputError("The correlation method must be 'pearson' or 'spearman'.")
    coef, low, high, _ = _METHODS[method]
    require_columns(correlations, ("x", "y", "n", coef, low, high), "table of correlations")
    if "group" not in correlations.columns:
        return correlations
    pooled = correlations["group"].map(_is_pooled).astype(bool)
    if group is None or _is_pooled(group):
        return _pooled_rows(correlations, pooled)
    rows = correlations[(~pooled & (correlations["group"].astype(str) == str(group))).to_numpy()]
    if rows.empty:
        raise InputError(f"There are no correlations for the group '{group}'.")
    return rows


def correlation_caption(correlations: pd.DataFrame, *, group: object = None, method: str = "pearson",
                        data_label: str = "Staff survey and HR records", period: str | None = None,
                        unit_of_analysis: str = "team", alpha: float = 0.05) -> str:
    """Caption of :func:`correlation_matrix`: pairs, units per pair, the FDR marker, association wording."""
    rows = _correlation_rows(correlations, group, method)
    n_text = f"{len(rows)} pairs"
    n_range = n_range_text(rows["n"])
    if n_range is not None:
        low, high = n_range
        n_text += f"; n = {low}{'' if low == high else '–' + high} {unit_of_analysis}s per pair"
    shown_group = rows["group"].iloc[0] if "group" in rows.columns and len(rows) else None
    n_text += "; all units" if _is_pooled(shown_group) else f"; group: {shown_group}"
    notes = [f"Cell: {_METHODS[method][3]} and n; hover for the 95% CI"]
    if "p_adj" in rows.columns:
        notes.append(f"* Benjamini–Hochberg adjusted p < {alpha:g}")
    notes.append("A correlation shows an association, not a cause")
    return chart_caption(data=data_label, period=period, unit_of_analysis=unit_of_analysis, n_text=n_text, notes=notes)


def _cells(rows: pd.DataFrame, xs: list[str], ys: list[str]) -> dict[tuple[str, str], pd.Series]:
    """Rows by (x, y); a pair given only as (a, b) also fills (b, a) when both variables are on both axes."""
    cells = {(str(r["x"]), str(r["y"])): r for _, r in rows.iterrows()}
    for (a, b), r in list(cells.items()):
        if (b, a) not in cells and b in xs and a in ys:
            cells[(b, a)] = r
    return cells


def _has(r: pd.Series, column: str) -> bool:
    """The row has ``column`` with a value."""
    return column in r.index and not fmt.is_missing(r[column])


def _empty_hover(r: pd.Series | None, x_name: str, y_name: str, same_variable: bool) -> str:
    """Hover of a blank cell: "no data" and the table's note on why (none on the diagonal)."""
    if same_variable:
        return ""
    why = f" ({r['note']})" if r is not None and _has(r, "note") and str(r["note"]) else ""
    return f"{x_name} × {y_name}: {fmt.NO_DATA}{why}"


def _hover(r: pd.Series, value: float, method: str, x_name: str, y_name: str, unit_of_analysis: str) -> str:
    """Hover of a filled cell: the coefficient with its 95% CI, the other method's, n and adjusted p."""
    _, low, high, coef_name = _METHODS[method]
    lines = [f"<b>{x_name} × {y_name}</b>",
             f"{coef_name} = {fmt.format_r(value)} ({fmt.format_ci(r[low], r[high], 'r')})"]
    o_coef, o_low, o_high, o_name = _METHODS["spearman" if method == "pearson" else "pearson"]
    if _has(r, o_coef):
        ci = fmt.format_ci(r[o_low], r[o_high], "r") if o_low in r.index and o_high in r.index else ""
        lines.append(f"{o_name} = {fmt.format_r(r[o_coef])}" + (f" ({ci})" if ci else ""))
    lines.append(f"n = {fmt.format_n(r['n'])} {unit_of_analysis}s")
    if "p_adj" in r.index:
        lines.append("Benjamini–Hochberg adjusted " + fmt.format_p(r["p_adj"]))
    return "<br>".join(lines)


def correlation_matrix(
    correlations: pd.DataFrame,
    *,
    group: object = None,
    method: str = "pearson",
    x_order: Sequence[str] | None = None,
    y_order: Sequence[str] | None = None,
    alpha: float = 0.05,
    data_label: str = "Staff survey and HR records",
    period: str | None = None,
    unit_of_analysis: str = "team",
    codebook: Codebook | None = None,
) -> go.Figure:
    """Heatmap of correlation coefficients: columns are the ``x`` variables, rows the ``y`` variables.

    Parameters
    ----------
    correlations
        The correlation table (``x, y, group, n, r, r_ci_low, r_ci_high, p, p_adj, rho, rho_ci_low,
        rho_ci_high``). ``group`` selects one stratum when the table has several.
    method
        "pearson" (``r`` and its Fisher-z CI) or "spearman" (``rho``).
    x_order, y_order
        Variable order; default: order of first appearance.
    alpha
        Cells with ``p_adj < alpha`` get a "*" after the coefficient.

    Returns
    -------
    One heatmap trace on the diverging PuOr scale fixed at −1..1 (zero in the middle). Cell text is the
    coefficient and n; hover adds the 95% CI, the other coefficient and the adjusted p. A pair given only
    as (a, b) also fills (b, a) when both variables appear on both axes. Missing pairs are blank.
    """
    rows = _correlation_rows(correlations, group, method)
    coef, _, _, coef_name = _METHODS[method]
    xs = list(x_order) if x_order is not None else list(dict.fromkeys(rows["x"].astype(str)))
    ys = list(y_order) if y_order is not None else list(dict.fromkeys(rows["y"].astype(str)))
    cells = _cells(rows, xs, ys)
    x_names = [labels.display_label(v, codebook) for v in xs]
    y_names = [labels.display_label(v, codebook) for v in ys]
    z, text, hover = [], [], []
    for yv, y_name in zip(ys, y_names):
        z_row, t_row, h_row = [], [], []
        for xv, x_name in zip(xs, x_names):
            r = cells.get((xv, yv))
            value = None if r is None else trace_value(r[coef])
            if value is None:
                z_row.append(None); t_row.append(""); h_row.append(_empty_hover(r, x_name, y_name, xv == yv))
                continue
            star = "*" if _has(r, "p_adj") and r["p_adj"] < alpha else ""
            z_row.append(value)
            t_row.append(f"{fmt.format_r(value)}{star}<br>n = {fmt.format_n(r['n'])}")
            h_row.append(_hover(r, value, method, x_name, y_name, unit_of_analysis))
        z.append(z_row); text.append(t_row); hover.append(h_row)
    fig = go.Figure(go.Heatmap(
        name=coef_name, z=z, x=x_names, y=y_names, text=text, texttemplate="%{text}", hovertext=hover,
        hoverinfo="text", hoverongaps=False, colorscale=labels.DIVERGING_SCALE,
        zmin=-1, zmax=1, zmid=0, xgap=2, ygap=2, colorbar=dict(title=dict(text=coef_name)),
    ))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="top", tickangle=-30)
    fig.update_layout(height=max(320, 60 * len(ys) + 160))
    caption = correlation_caption(correlations, group=group, method=method, data_label=data_label, period=period,
                                  unit_of_analysis=unit_of_analysis, alpha=alpha)
    return style_figure(fig, x_title=None, y_title=None, caption=caption)

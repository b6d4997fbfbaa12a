"""Formatting for display: numbers, changes, RAG status, suppressed cells, headline tiles.

Frames keep full precision; rounding happens only here (house style habit 8). Every function is safe
with missing values: ``None``, ``NaN``, ``pd.NA`` and ``NaT`` are shown as "no data"
(:data:`analytics.settings.NO_DATA_LABEL`), never as "0" or "nan". A suppressed unit is shown with
:func:`suppressed_text` ("fewer than 11 responses"), which is distinct from "no data".

Negative numbers use the typographic minus sign (U+2212), as in NHS publications; these strings are
for reading, not for export.

Nothing here imports Streamlit or Plotly.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics import labels
from analytics import settings
from analytics.errors import InputError
from analytics.missing import is_missing
from analytics.rag import rag_rating


MINUS = "\u2212"
NO_DATA = settings.NO_DATA_LABEL


def _fixed(value: float, decimals: int, *, sign: bool = False) -> str:
    """``value`` to ``decimals`` places with a typographic minus and optional plus sign; −0.0 → 0.0."""
    text = f"{abs(float(value)):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return text  # never "−0.0" or "+0.0"
    if value < 0:
        return MINUS + text
    return ("+" + text) if sign else text


def displayed_value(value: object, decimals: int = 1) -> float:
    """The number a reader sees: ``value`` rounded as :func:`_fixed` shows it (Python's formatting of the
    float, so 5.52 → 5.5 and 7.06 → 7.1). RAG (:func:`analytics.rag.rag_rating`) judges this value.

    >>> displayed_value(5.52), displayed_value(7.06), displayed_value(-0.04)
    (5.5, 7.1, 0.0)
    """
    return float(_fixed(value, decimals).replace(",", "").replace(MINUS, "-"))


def format_score(value: object, decimals: int = 1) -> str:
    """A 0–10 score to one decimal place, as NSS reports show it.

    >>> format_score(7.06), format_score(None)
    ('7.1', 'no data')
    """
    return NO_DATA if is_missing(value) else _fixed(value, decimals)


def format_pct(value: object, decimals: int = 1) -> str:
    """A percentage *already on the 0–100 scale* (rates and % positive in the project's tables).

    >>> format_pct(12.345), format_pct(float("nan"))
    ('12.3%', 'no data')
    """
    return NO_DATA if is_missing(value) else _fixed(value, decimals) + "%"


def format_n(value: object) -> str:
    """A count with thousands separators.

    >>> format_n(1234), format_n(pd.NA)
    ('1,234', 'no data')
    """
    if is_missing(value):
        return NO_DATA
    return f"{int(round(float(value))):,}"


def format_number(value: object, decimals: int = 1) -> str:
    """Any other number (FTE days, ratios) to ``decimals`` places."""
    return NO_DATA if is_missing(value) else _fixed(value, decimals)


def format_signed(value: object, decimals: int = 1, unit: str = "") -> str:
    """A change with its sign and an optional unit: "+0.3", "−1.2 pp" (typographic minus); "0.0" without a
    sign; "no data" when missing.

    >>> format_signed(0.34), format_signed(-1.25, 1, " pp"), format_signed(0.04)
    ('+0.3', '−1.2 pp', '0.0')
    """
    return NO_DATA if is_missing(value) else _fixed(value, decimals, sign=True) + unit


#: A change that rounds to zero at the precision shown.
NO_CHANGE = "no change"


def format_delta(value: object, decimals: int = 1, unit: str = "") -> str:
    """A change as :func:`format_signed` shows it, but "no change" when it rounds to zero at ``decimals``
    places (a change of 0.04 shown as "0.0" reads as a change that is not there).

    >>> format_delta(0.34), format_delta(0.04), format_delta(-0.04, 1, " pp"), format_delta(None)
    ('+0.3', 'no change', 'no change', 'no data')
    """
    if is_missing(value):
        return NO_DATA
    return NO_CHANGE if displayed_value(value, decimals) == 0 else format_signed(value, decimals, unit)


def format_r(value: object) -> str:
    """A correlation coefficient to two decimals (e.g. "−0.23")."""
    return NO_DATA if is_missing(value) else _fixed(value, 2)


def format_p(value: object, *, missing: str = "p: " + NO_DATA) -> str:
    """A p-value as "p < 0.001" or "p = 0.034" (three decimals); ``missing`` when there is none.

    >>> format_p(0.0004), format_p(0.0341)
    ('p < 0.001', 'p = 0.034')
    """
    if is_missing(value):
        return missing
    if value < 0.001:
        return "p < 0.001"
    return f"p = {float(value):.3f}"


_FORMATTERS = {
    "score": format_score,
    "pct": format_pct,
    "n": format_n,
    "number": format_number,
    "r": format_r,
}


def format_value(value: object, kind: str = "number") -> str:
    """Format by kind: "score", "pct", "n", "number" or "r" (see :func:`analytics.labels.value_kind`)."""
    try:
        formatter = _FORMATTERS[kind]
    except KeyError:
        raise InputError(f"Unknown number format '{kind}'. Use one of: {', '.join(_FORMATTERS)}.") from None
    return formatter(value)


def format_ci(low: object, high: object, kind: str = "score") -> str:
    """A 95% confidence interval: "95% CI 6.8 to 7.4"; "95% CI: no data" if either end is missing."""
    level = f"{settings.CONFIDENCE_LEVEL:.0%}"
    if is_missing(low) or is_missing(high):
        return f"{level} CI: {NO_DATA}"
    return f"{level} CI {format_value(low, kind)} to {format_value(high, kind)}"


def format_change(delta: object, significant: object = None, *, decimals: int = 1, unit: str = "") -> str:
    """A change since the last wave with its direction and significance.

    The arrow follows the sign of the change (▲ up, ▼ down); a change that rounds to zero at ``decimals``
    places is "– no change" (never "▲ +0.0"); ``unit`` is appended to
    the number (use ``" pp"`` for percentage points). ``significant`` ``None``/NA means not tested.

    >>> format_change(0.4, True)
    '▲ +0.4 (significant)'
    >>> format_change(-0.2, False)
    '▼ −0.2 (not significant)'
    >>> format_change(None, True)
    'no data'
    """
    if is_missing(delta):
        return NO_DATA
    if displayed_value(delta, decimals) == 0:
        return f"– {NO_CHANGE}"
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "–"
    if is_missing(significant):
        note = "significance not tested"
    else:
        note = "significant" if bool(significant) else "not significant"
    return f"{arrow} {_fixed(delta, decimals, sign=True)}{unit} ({note})"


def suppressed_text(min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE) -> str:
    """What a suppressed unit shows: "fewer than 11 responses" (``settings.SUPPRESSED_LABEL``)."""
    return settings.SUPPRESSED_LABEL.format(k=int(min_group_size))


def format_cell(value: object, kind: str = "score", *, suppressed: object = False,
                min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE) -> str:
    """A table cell: the suppression text for a suppressed unit (its value is never read), else the value.

    A missing ``suppressed`` flag counts as suppressed: when in doubt, hide.
    """
    if is_missing(suppressed) or bool(suppressed):
        return suppressed_text(min_group_size)
    return format_value(value, kind)


# --- RAG status --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RagStatus:
    """A RAG status shown with a shape and a word as well as a colour.

    ``label`` is "Green", "Amber", "Red" or "No data"; ``icon`` a distinct shape per status
    (● ▲ ■ ○); ``colour`` a colour-blind-safe hex colour (:data:`analytics.labels.RAG_STYLE`).
    """

    label: str
    icon: str
    colour: str

    @property
    def text(self) -> str:
        """Icon and word, e.g. "▲ Amber" (what a tile or table cell shows)."""
        return f"{self.icon} {self.label}"


def _rag(label: str) -> RagStatus:
    icon, colour = labels.RAG_STYLE[label]
    return RagStatus(label=label, icon=icon, colour=colour)


def rag_status(value: object, *, green_at: float, red_at: float, higher_is_better: bool = True) -> RagStatus:
    """The RAG status of :func:`analytics.rag.rag_rating` (the one rule) with its shape and colour;
    "No data" when ``value`` is missing.

    Raises
    ------
    InputError
        If the thresholds are missing or in the wrong order (Green must be strictly better than Red).

    Examples
    --------
    >>> rag_status(7.0, green_at=7.0, red_at=6.0).text
    '● Green'
    >>> rag_status(5.7, green_at=4.0, red_at=5.6, higher_is_better=False).label
    'Red'
    """
    return _rag(rag_rating(None if is_missing(value) else value, green_at=green_at, red_at=red_at,
                           higher_is_better=higher_is_better))


# --- Headline tiles ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HeadlineTile:
    """What a headline tile shows::

        st.metric(tile.label, tile.value_text, tile.delta_text, delta_color=tile.delta_colour,
                  delta_arrow=tile.delta_arrow, help=tile.help)

    ``delta_text`` already carries its arrow and significance ("▼ −0.2 (not significant)"), so
    ``delta_arrow`` is "off" (Streamlit would otherwise read the direction from a leading "-").
    ``delta_colour`` is a colour-blind-safe pair, and only for significant changes: "blue" for an
    improvement, "orange" for a deterioration, "gray" for a change that is not significant, not tested
    or absent. Colour is never the only carrier: the text says direction and significance.
    """

    label: str
    value_text: str
    delta_text: str | None
    delta_colour: str
    delta_arrow: str
    rag: RagStatus | None
    n_text: str
    help: str


def headline_tile_data(
    *,
    label: str,
    value: object,
    kind: str = "score",
    previous: object = None,
    change_significant: object = None,
    n: object = None,
    suppressed: bool = False,
    min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE,
    thresholds: labels.RagThresholds | None = None,
    higher_is_better: bool = True,
    help: str = "",
) -> HeadlineTile:
    """Everything a headline tile shows for one measure or outcome, as display strings.

    The change is ``value - previous`` (same units; percentage points for "pct"), with its significance
    from the analytics layer. A suppressed value shows only the suppression text: no value, no change,
    no RAG and no n. ``thresholds`` (if given) set the RAG status and the direction.
    """
    if thresholds is not None:
        higher_is_better = thresholds.higher_is_better
    if suppressed:
        return HeadlineTile(label=label, value_text=suppressed_text(min_group_size), delta_text=None,
                            delta_colour="gray", delta_arrow="off", rag=None, n_text="", help=help)
    delta = None if is_missing(value) or is_missing(previous) else float(value) - float(previous)
    unit = " pp" if kind == "pct" else ""
    decimals = 0 if kind == "n" else 1
    delta_text = None if delta is None else format_change(delta, change_significant, decimals=decimals, unit=unit)
    rag = None if thresholds is None else rag_status(value, **thresholds.as_kwargs())
    n_text = "" if is_missing(n) else f"n = {format_n(n)}"
    significant = not is_missing(change_significant) and bool(change_significant)
    if delta is None or delta == 0 or not significant:
        colour = "gray"
    else:
        colour = "blue" if (delta > 0) == higher_is_better else "orange"
    return HeadlineTile(label=label, value_text=format_value(value, kind), delta_text=delta_text,
                        delta_colour=colour, delta_arrow="off", rag=rag, n_text=n_text, help=help)

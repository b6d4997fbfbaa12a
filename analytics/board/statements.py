"""Plain-language statements a board paper can quote, each citing the table row it quotes."""

from __future__ import annotations

import math

import pandas as pd

from analytics import format as fmt
from analytics import settings
from analytics.board.behaviours import BEHAVIOURS_NOTE, WeakestBehaviour
from analytics.board.common import (
    HIGH_RATE_RULE, P_MISSING, AVAILABILITY_NO_HR, AVAILABILITY_SUPPRESSED, STATEMENT_COLUMNS, TEST_NONE, _float,
    _period_text)
from analytics.board.exceptions import BoardExceptions, _label_of
from analytics.missing import is_missing
from analytics.rag import RAG_AMBER, RAG_GREEN, RAG_RED


def _change_words(change: float, decimals: int, unit: str = "") -> str:
    if round(abs(change), decimals) == 0:
        return "little changed"
    return f"{'up' if change > 0 else 'down'} {abs(change):,.{decimals}f}{unit}"


def _significance_clause(row: pd.Series) -> str:
    if is_missing(row["significant"]) or row["test"] == TEST_NONE:
        return ""
    if not bool(row["significant"]):
        return f"; the change is not statistically significant ({fmt.format_p(row['p'], missing=P_MISSING)})"
    size = ""
    if row["effect_size_name"] == "Cohen's d" and not is_missing(row["effect_size"]):
        size = f"; effect size d = {fmt.format_number(row['effect_size'], 2)}, {row['effect_size_magnitude']}"
    elif row["effect_size_name"] == "rate ratio" and not is_missing(row["effect_size"]):
        size = f"; rate ratio {float(row['effect_size']):.2f}"
    return f"; the change is statistically significant ({fmt.format_p(row['p'], missing=P_MISSING)}{size})"


def _benchmark_and_rag(row: pd.Series) -> str:
    parts = []
    if not is_missing(row["vs_benchmark"]):
        diff = float(row["vs_benchmark"])
        show = (lambda x: f"{abs(x):,.1f} percentage points") if row["kind"] == "pct" else (lambda x: f"{abs(x):.1f}")
        bench = fmt.format_pct(row["benchmark"]) if row["kind"] == "pct" else fmt.format_score(row["benchmark"])
        if round(abs(diff), 1) == 0:
            parts.append(f"This is in line with the benchmark of {bench}.")
        else:
            parts.append(f"This is {show(diff)} {'above' if diff > 0 else 'below'} the benchmark of {bench}.")
    if row["rag"] in (RAG_GREEN, RAG_AMBER, RAG_RED):
        green = fmt.format_pct(row["green_at"]) if row["kind"] == "pct" else fmt.format_score(row["green_at"])
        red = fmt.format_pct(row["red_at"]) if row["kind"] == "pct" else fmt.format_score(row["red_at"])
        better, worse = ("or above", "or below") if row["higher_is_better"] else ("or below", "or above")
        parts.append(f"RAG status: {row['rag']} (green at {green} {better}, red at {red} {worse}).")
    return (" " + " ".join(parts)) if parts else ""


def _no_figure_statement(row: pd.Series) -> str:
    """A headline without a value, in words only: never a missing period ("nan") or an empty claim."""
    period = row["period"] if isinstance(row["period"], str) and row["period"] else f"wave {row['wave']}"
    note = row["note"] if isinstance(row["note"], str) else ""
    return f"{row['label']}: no figure for {period}. {note}".strip()


def _headline_statement(row: pd.Series, k: int) -> str | None:
    label, kind = row["label"], row["kind"]
    if row["availability"] == AVAILABILITY_NO_HR:
        return None  # one statement covers both HR rows
    if row["availability"] == AVAILABILITY_SUPPRESSED:
        return f"{label} is not reported for {row['wave']}: fewer than {k} responses."
    if is_missing(row["value"]):
        return _no_figure_statement(row)
    if kind == "score":
        text = f"{label} scored {fmt.format_score(row['value'])} out of 10 in {row['wave']} ({fmt.format_n(row['n'])} responses)"
        if not is_missing(row["previous"]):
            text += (f", {_change_words(float(row['change']), 1)} from {fmt.format_score(row['previous'])} in "
                     f"{row['previous_wave']}") + _significance_clause(row)
        elif row["previous_wave"] is None:
            text += "; there is no previous wave to compare with"
        else:
            text += f"; there is no {row['previous_wave']} result to compare with"
        return text + "." + _benchmark_and_rag(row)
    if kind == "pct":
        if row["measure"] == "leaver_rate":
            detail = (f"{fmt.format_n(row['numerator'])} leavers; average {fmt.format_n(row['denominator'])} staff in post")
            text = f"The leaver rate was {fmt.format_pct(row['value'])} over {row['period']} ({detail})"
        else:
            detail = (f"{fmt.format_n(row['numerator'])} FTE days lost of {fmt.format_n(row['denominator'])} available")
            text = f"The sickness absence rate was {fmt.format_pct(row['value'])} over {row['period']} ({detail})"
        if not is_missing(row["previous"]):
            text += (f", {_change_words(float(row['change']), 1, ' percentage points')} from "
                     f"{fmt.format_pct(row['previous'])} over {row['previous_period']}") + _significance_clause(row)
        else:
            text += "; there is no earlier 12-month period in the HR data to compare with"
        return text + "." + _benchmark_and_rag(row)
    # Responses.
    text = f"{fmt.format_n(row['value'])} staff responded to the {row['wave']} survey"
    if not is_missing(row["previous"]):
        diff = float(row["change"])
        if diff == 0:
            text += f", the same number as in {row['previous_wave']}"
        else:
            text += (f", {fmt.format_n(abs(diff))} {'more' if diff > 0 else 'fewer'} than in {row['previous_wave']} "
                     f"({fmt.format_n(row['previous'])})")
    return text + "."


def _team_list(frame: pd.DataFrame, extra: str | None = None, limit: int = 10) -> str:
    names = []
    for _, r in frame.head(limit).iterrows():
        has_parent = not is_missing(r.get("parent")) and str(r.get("parent"))
        name = f"{r['unit']} ({r['parent']})" if has_parent else str(r["unit"])
        if extra:
            name += f" {extra.format(**r.to_dict())}"
        names.append(name)
    more = len(frame) - limit
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def board_statements(headline: pd.DataFrame, found: BoardExceptions | None = None,
                     weakest: WeakestBehaviour | None = None) -> pd.DataFrame:
    """Plain-language sentences a board paper can quote, each tied to the figure it quotes.

    Parameters
    ----------
    headline
        :func:`headline_measures` output (after :func:`apply_thresholds`, so RAG and benchmarks appear).
    found
        :func:`exceptions` output (possibly narrowed to a directorate; the sentences then say so).
    weakest
        :func:`weakest_behaviour` output.

    k in "fewer than k responses" is ``headline.attrs["min_group_size"]`` (the threshold the survey was
    suppressed with), else 11.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STATEMENT_COLUMNS`: ``ref`` (S1, S2, …), ``topic`` ("headline", "exceptions",
        "falls", "behaviours"), ``statement``, ``figure_ref`` (the ref(s) of the row(s) quoted, e.g. "H1"
        or "E1, E2"; empty when a statement says that nothing was found), ``value`` (the main number
        quoted, full precision; NaN when none), ``source`` (data and method).

    Notes
    -----
    Numbers are rounded as users read them (scores to one decimal, rates to one decimal with %, counts
    with thousands separators, p to three decimals). Relationships are described as "associated with",
    never as causes.
    """
    k = int(headline.attrs.get("min_group_size") or settings.DEFAULT_MIN_GROUP_SIZE)
    rows = _headline_rows(headline, k)
    if found is not None:
        rows += _low_leadership_rows(found, k) + _fall_rows(found)
    if weakest is not None:
        rows += _behaviour_rows(weakest)
    out = pd.DataFrame(rows, columns=[c for c in STATEMENT_COLUMNS if c != "ref"])
    out.insert(0, "ref", [f"S{i + 1}" for i in range(len(out))])
    return out


def _statement(topic: str, statement: str, figure_ref: str, value: object, source: str) -> dict:
    return {"topic": topic, "statement": statement, "figure_ref": figure_ref, "value": _float(value), "source": source}


def _headline_rows(headline: pd.DataFrame, k: int) -> list[dict]:
    """One statement per headline figure; one for the HR figures together when there is no HR data."""
    rows = []
    no_hr = headline[headline["availability"] == AVAILABILITY_NO_HR]
    for _, row in headline.iterrows():
        text = _headline_statement(row, k)
        if text is not None:
            method = "" if row["test"] == TEST_NONE else f"; change tested with {row['test']}"
            rows.append(_statement("headline", text, row["ref"], row["value"], f"{row['source']}{method}"))
        elif row["ref"] == no_hr["ref"].iloc[0]:
            rows.append(_statement("headline", "No HR data were provided, so the leaver rate and the sickness "
                                   "absence rate are not reported.", ", ".join(no_hr["ref"]), math.nan, "HR records"))
    return rows


def _low_leadership_rows(found: BoardExceptions, k: int) -> list[dict]:
    """The statement on teams low on compassionate leadership and high on leaving or sickness (or why there
    is none: no HR data, or HR data not covering the survey's window)."""
    where = f" in {found.directorate}" if found.directorate else ""
    low = found.low_leadership
    window = (_period_text(found.window_start, found.window_end)
              if found.window_start is not None and found.window_end is not None else None)
    if not found.has_hr:
        return [_statement("exceptions", "Teams low on compassionate leadership and high on leaving or sickness "
                           "cannot be identified without HR data.", "", math.nan, "Staff survey")]
    if window is None:
        return [_statement("exceptions", "Teams low on compassionate leadership and high on leaving or sickness could "
                           f"not be identified for {found.wave}: " + (found.notes[0] if found.notes else "the HR data "
                                                                      "do not cover the survey's window."),
                           "", math.nan, "HR records")]
    share = f"lowest {found.quantile:.0%}"
    low_rule = (f"below {fmt.format_score(found.low_score_below)}" if found.low_score_below is not None
                else f"in the {share} of teams")
    source = (f"Staff survey {found.wave} (teams with at least {k} responses) and HR records over "
              f"{window} (the survey's HR window)")
    if low.empty:
        return [_statement("exceptions", f"No team{where} had compassionate leadership {low_rule} together with a "
                           f"leaver rate or sickness absence rate {HIGH_RATE_RULE} over {window} "
                           f"({found.teams_checked} teams checked).", "", 0, source)]
    count = len(low)
    return [_statement(
        "exceptions",
        f"{count} team{'s' if count != 1 else ''}{where} had compassionate leadership {low_rule} together "
        f"with a leaver rate or sickness absence rate {HIGH_RATE_RULE} over "
        f"{window}: {_team_list(low)}. In these teams lower compassionate leadership is associated with "
        "more leaving or sickness; these figures alone cannot say why.",
        ", ".join(low["ref"]), count, source)]


def _fall_rows(found: BoardExceptions) -> list[dict]:
    """One statement per measure compared between waves: the teams whose score fell significantly, or none."""
    where = f" in {found.directorate}" if found.directorate else ""
    falls = found.falls
    if found.previous_wave is None:
        return [_statement("falls", f"There is no survey wave before {found.wave}, so falls in team scores cannot "
                           "be tested.", "", math.nan, "Staff survey")]
    rows = []
    for measure, compared in found.teams_compared.items():
        part = falls[falls["measure"] == measure]
        label = str(part["label"].iloc[0]) if not part.empty else _label_of(measure)
        source = (f"Staff survey {found.previous_wave} and {found.wave}, teams shown in both waves; Welch "
                  "t-test per team, Benjamini–Hochberg adjustment across teams")
        if part.empty and not compared:
            rows.append(_statement("falls", f"No team could be compared on {label.lower()} between "
                                   f"{found.previous_wave} and {found.wave}: none is shown with answers in both waves "
                                   "(the measure may not have been asked in one of them).", "", 0, source))
            continue
        if part.empty:
            rows.append(_statement("falls", f"No team{where} had a significant fall in {label.lower()} between "
                                   f"{found.previous_wave} and {found.wave} ({compared} teams compared).", "", 0,
                                   source))
            continue
        count = len(part)
        changes = part.assign(_c=[fmt.format_number(c, 1) for c in part["change"]])
        rows.append(_statement(
            "falls", f"{label} fell significantly between {found.previous_wave} and {found.wave} in "
            f"{count} team{'s' if count != 1 else ''}{where} (after adjusting for comparing {compared} "
            f"teams): {_team_list(changes, '({_c})')}.", ", ".join(part["ref"]), count, source))
    return rows


def _behaviour_rows(weakest: WeakestBehaviour) -> list[dict]:
    """The statement naming the weakest of the four behaviours (or why they cannot be compared)."""
    table = weakest.table
    chosen = table[table["weakest"].astype(bool)]
    if chosen.empty:
        return [_statement("behaviours", "The four behaviours of compassionate leadership cannot be compared: their "
                           "questions are not shown at organisation level.", "", math.nan, "Staff survey")]
    described = " and ".join(f"{r['label'].lower()} ({r['item']}: \u201c{r['wording']}\u201d)"
                             for _, r in chosen.iterrows())
    first = chosen.iloc[0]
    return [_statement(
        "behaviours",
        f"Of the four behaviours of compassionate leadership, {described} had the lowest share of positive "
        f"answers in {weakest.wave}: {fmt.format_pct(first['pct_positive'])} (n = {fmt.format_n(first['n'])}). "
        f"{BEHAVIOURS_NOTE}",
        ", ".join(chosen["ref"]), first["pct_positive"],
        f"Staff survey {weakest.wave}, organisation level, % positive (the two most favourable answers)")]

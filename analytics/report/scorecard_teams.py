"""The HR columns of the scorecards and the content of each team's one-page sheet.

HR figures (:func:`unit_hr_columns`)
------------------------------------
Every row of a level sheet (one unit in one wave) gets the unit's HR figures over that wave's HR window:
the window the Board's headlines use (:func:`analytics.board.headlines.hr_windows`, i.e.
:func:`analytics.wave_window.wave_window` for a wave labelled with a year), measured by
:func:`analytics.wave_window.window_metrics` with the anonymity threshold k — the same call the Team
explorer makes for a team's HR outcomes, so the numbers are the page's. HR small-number rule
(:mod:`analytics.hr.privacy`, domain.md §3): a team or directorate with fewer than k staff in post at the
start or end of the window gets no HR figures. Rates are percentages over the window (the leaver rate is
not annualised, as on the Team explorer, and annualised, as in the Board's headline; the window's length is
in the "HR window" column). Survey and HR
unit names are matched ignoring case and spaces (:func:`analytics.survey.trends.unit_hr_rows`).

Team sheets (:func:`team_pages`)
--------------------------------
One :class:`TeamPage` per team with a shown result in the wave (at most
:data:`analytics.settings.SCORECARD_MAX_TEAM_SHEETS`, in directorate then team order): the four
behaviours of compassionate leadership (% positive of their questions, codebook mapping; the
organisation's figure from :func:`analytics.board.behaviours.behaviour_results`, as on the Board), the
team's measure scores across waves, its HR figures beside the organisation's, and its actions
(:func:`analytics.actions.actions_with_results`) when there are any. Only suppressed tables are read;
a hidden figure is empty with its reason beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics import settings
from analytics.errors import InputError
from analytics.ingest.codebook import Codebook, normalise_label
from analytics.survey.privacy import suppression_label

#: HR columns of the level sheets: (key, header, kind). Kinds: "text", "count" (integer), "rate" (one decimal).
HR_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("hr_window", "HR window", "text"),
    ("staff_start", "HR: staff in post (start)", "count"),
    ("staff_end", "HR: staff in post (end)", "count"),
    ("leaver_rate", "HR: leaver rate (%)", "rate"),
    ("leaver_rate_annualised", "HR: leaver rate, annualised (%)", "rate"),
    ("stability_index", "HR: stability index (%)", "rate"),
    ("sickness_rate", "HR: sickness absence rate (%)", "rate"),
    ("hr_status", "HR: status", "status"),
)
HR_MEANINGS = {
    "hr_window": "the HR window of the row's wave (the months the HR figures cover; the Board uses the same)",
    "staff_start": "staff in post (headcount) on the first day of the HR window",
    "staff_end": "staff in post (headcount) on the last day of the HR window",
    "leaver_rate": "leavers in the window as a % of mean staff in post (start and end), not annualised (as on "
                   "the Team explorer)",
    "leaver_rate_annualised": "the leaver rate x 12 / months of the HR window (the same as the leaver rate over "
                              "12 months; the organisation's equals the Board's headline leaver rate)",
    "stability_index": "% of staff in post at the start of the window still in post at its end",
    "sickness_rate": "FTE days lost to sickness absence as a % of FTE days available in the window",
    "hr_status": "why some or all HR figures are empty; empty when every HR figure is shown",
}
NO_HR_DATA = "no HR data"
NOT_IN_HR = "not in the HR data"
NO_ABSENCE = "no sickness absence data"
_HR_KEYS = ("staff_start", "staff_end", "leaver_rate", "leaver_rate_annualised", "stability_index", "sickness_rate")


def hr_small_label(min_group_size: int) -> str:
    """Status of a unit the HR small-number rule hides (:mod:`analytics.hr.privacy`)."""
    return f"fewer than {min_group_size} staff in post"


def wave_hr_table(records: object, wave: str, min_group_size: int) -> tuple[pd.DataFrame | None, str, str]:
    """``(metrics, window text, reason)``: every unit's HR figures over the wave's HR window
    (:func:`analytics.board.headlines.hr_windows` → :func:`analytics.wave_window.window_metrics`, units below
    k hidden), or ``(None, "", reason)`` when the HR data do not cover the window."""
    from analytics.board.headlines import hr_windows
    from analytics.wave_window import window_metrics

    window = hr_windows(records, str(wave)).window
    if window is None or not window.available:
        return None, "", "HR data do not cover this wave's window"
    try:
        metrics = window_metrics(records, window, min_group_size=min_group_size)
    except InputError as exc:
        return None, window.short_text, str(exc)
    return metrics, window.short_text, ""


#: id of an HR table -> (the table, its rows by name), for the tables of the workbooks being built.
_NAME_INDEX: dict[int, tuple[pd.DataFrame, dict]] = {}


def _by_name(metrics: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    """The HR table's rows grouped by (level, name as :func:`normalise_label` compares it), once per table."""
    held = _NAME_INDEX.get(id(metrics))
    if held is not None and held[0] is metrics:
        return held[1]
    names = metrics["unit"].map(lambda u: normalise_label(u) if isinstance(u, str) else "")
    index = {key: rows for key, rows in metrics.groupby([metrics["level"].astype(str), names], sort=False)}
    while len(_NAME_INDEX) >= 8:  # a few workbooks' tables at most
        _NAME_INDEX.pop(next(iter(_NAME_INDEX)))
    _NAME_INDEX[id(metrics)] = (metrics, index)
    return index


def _hr_row(metrics: pd.DataFrame, level: str, unit: str, parent: str | None) -> pd.Series | None:
    """The unit's HR row: :func:`analytics.survey.trends.unit_hr_rows` (names and parent matched as on the
    Team explorer), run on the rows of the same name only; the organisation is its one row."""
    from analytics.survey.trends import unit_hr_rows

    if level == settings.LEVEL_ORGANISATION:
        rows = metrics[metrics["level"] == level]
    else:
        same_name = _by_name(metrics).get((level, normalise_label(unit)))
        if same_name is None:
            return None
        rows = unit_hr_rows(same_name, level=level, unit=unit, parent=parent or None)
    return None if rows.empty else rows.iloc[0]


def _number(row: pd.Series, key: str) -> float:
    value = row.get(key, np.nan)
    return math.nan if value is None or pd.isna(value) else float(value)


def hr_figures(metrics: pd.DataFrame | None, level: str, unit: str, parent: str | None, *,
               min_group_size: int, reason: str = NO_HR_DATA) -> dict[str, object]:
    """One unit's HR figures (:data:`HR_COLUMNS` keys but the window) and ``hr_status``."""
    out: dict[str, object] = {key: math.nan for key in _HR_KEYS}
    if metrics is None:
        return {**out, "hr_status": reason}
    row = _hr_row(metrics, level, unit, parent)
    if row is None:
        return {**out, "hr_status": NOT_IN_HR}
    if bool(row.get("suppressed", False)):
        return {**out, "hr_status": hr_small_label(min_group_size)}
    out.update({key: _number(row, key) for key in _HR_KEYS})
    out["hr_status"] = NO_ABSENCE if math.isnan(out["sickness_rate"]) else ""
    return out


def unit_hr_columns(rows: pd.DataFrame, level: str, records: object | None, *, min_group_size: int,
                    tables: dict | None = None) -> pd.DataFrame:
    """The HR columns (:data:`HR_COLUMNS` headers) for the ``wave, parent, unit`` rows of a level sheet.

    Counts are ``Int64``, rates float (NaN when not shown), the window and status text ("" when shown).
    Without HR records every row's status is "no HR data". ``tables`` (wave -> :func:`wave_hr_table`) is
    filled and reused, so each wave's HR figures are measured once for the whole workbook.
    """
    tables = {} if tables is None else tables
    records_rows = []
    for wave, parent, unit in zip(rows["wave"].astype(str), rows["parent"], rows["unit"].astype(str)):
        if records is None:
            figures, window = hr_figures(None, level, unit, parent, min_group_size=min_group_size), ""
        else:
            if wave not in tables:
                tables[wave] = wave_hr_table(records, wave, min_group_size)
            metrics, window, reason = tables[wave]
            figures = hr_figures(metrics, level, unit, parent, min_group_size=min_group_size, reason=reason)
        records_rows.append({"hr_window": window, **figures})
    frame = pd.DataFrame(records_rows, index=rows.index, columns=[key for key, _, _ in HR_COLUMNS])
    out = {}
    for key, header, kind in HR_COLUMNS:
        column = frame[key]
        if kind == "count":
            column = pd.array(column.to_numpy(dtype=float), dtype="Float64").round().astype("Int64")
        elif kind == "rate":
            column = column.astype(float)
        out[header] = column
    return pd.DataFrame(out, index=rows.index)


# --------------------------------------------------------------------------------------------------
# Team pages
# --------------------------------------------------------------------------------------------------
@dataclass
class TeamPage:
    """One team's printable page. Each table has display headers; ``kinds`` maps a header to ``"id"``,
    ``"text"``, ``"status"``, ``"count"``, ``"rate"`` (one decimal) or ``"mixed"`` (per-row: see
    ``hr_kinds``)."""

    team: str
    directorate: str
    wave: str
    behaviours: pd.DataFrame
    trend: pd.DataFrame
    hr: pd.DataFrame
    hr_window: str
    actions: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.team} ({self.directorate})" if self.directorate else self.team


BEHAVIOUR_LABELS = {"attending": "Attending", "understanding": "Understanding", "empathising": "Empathising",
                    "helping": "Helping"}


def _item_row(items: pd.DataFrame, level: str, unit: str, parent: str | None, wave: str, item: str) -> pd.Series | None:
    rows = items[(items["level"] == level) & (items["unit"].astype(str) == unit) & (items["wave"].astype(str) == wave)
                 & (items["item"].astype(str).str.casefold() == item.casefold())]
    if parent is not None and level == settings.LEVEL_TEAM:
        rows = rows[rows["parent"].astype(str) == str(parent)]
    return None if rows.empty else rows.iloc[0]


def _shown(row: pd.Series | None, value_col: str, k: int) -> tuple[float, float, str]:
    """(n, value, status) of a suppressed-table row: numbers only when shown (flag False, n >= k)."""
    if row is None:
        return math.nan, math.nan, settings.NO_DATA_LABEL
    n = pd.to_numeric(pd.Series([row.get("n")]), errors="coerce").iloc[0]
    flag = row.get("suppressed")
    if flag is None or pd.isna(flag) or bool(flag) or (pd.notna(n) and 0 < n < k):
        return math.nan, math.nan, suppression_label(row.get("suppressed_reason"), k)
    value = row.get(value_col)
    if pd.isna(n) or n <= 0 or value is None or pd.isna(value):
        return math.nan, math.nan, settings.NO_DATA_LABEL
    return float(n), float(value), ""


def behaviours_table(item_results: pd.DataFrame, codebook: Codebook, *, team: str, parent: str, wave: str,
                     k: int, organisation: pd.DataFrame | None = None) -> pd.DataFrame:
    """The four behaviours for a team: ``Behaviour``, ``Question``, ``Team % positive``, ``Team responses``,
    ``Organisation % positive`` (:func:`analytics.board.behaviours.behaviour_results`), ``Difference
    (points)`` = team − organisation (empty unless both are shown), ``Status``. ``organisation``: the
    behaviour_results table when already computed (``item_results`` may then hold the team's rows only)."""
    from analytics.board.behaviours import behaviour_results

    org = (organisation if organisation is not None else behaviour_results(item_results, wave, codebook)).set_index("behaviour")
    rows = []
    for behaviour, item in codebook.behaviours.items():
        n, pct, status = _shown(_item_row(item_results, settings.LEVEL_TEAM, team, parent, wave, item),
                                "pct_positive", k)
        org_pct = float(org.loc[behaviour, "pct_positive"]) if behaviour in org.index else math.nan
        wording = codebook.items[item].wording if item in codebook.items else ""
        rows.append({"Behaviour": BEHAVIOUR_LABELS.get(behaviour, behaviour.capitalize()),
                     "Question": f"{item}: {wording}" if wording else item,
                     "Team % positive": pct, "Team responses": n, "Organisation % positive": org_pct,
                     "Difference (points)": pct - org_pct, "Status": status})
    out = pd.DataFrame(rows)
    out["Team responses"] = pd.array(out["Team responses"].to_numpy(dtype=float), dtype="Float64").astype("Int64")
    return out


def trend_table(unit_scores: pd.DataFrame, measures: Sequence[str], labels: dict[str, str], *, team: str,
                parent: str, wave: str, waves: Sequence[str], k: int, not_asked: set[tuple[str, str]]) -> pd.DataFrame:
    """The team's score (0-10) of every measure in every wave (``"<wave> score"``), the organisation's in
    ``wave`` and ``Notes`` naming each empty cell's reason ("2024: fewer than 11 responses")."""
    team_rows = unit_scores[(unit_scores["level"] == settings.LEVEL_TEAM) & (unit_scores["unit"].astype(str) == team)
                            & (unit_scores["parent"].astype(str) == str(parent))]
    lookup = {(str(w), str(m)): row for (w, m), row in
              zip(zip(team_rows["wave"], team_rows["measure"]), (r for _, r in team_rows.iterrows()))}
    org_rows = unit_scores[(unit_scores["level"] == settings.LEVEL_ORGANISATION)
                           & (unit_scores["wave"].astype(str) == wave)]
    rows = []
    for measure in measures:
        record: dict[str, object] = {"Measure": labels.get(measure, measure)}
        notes = []
        for w in waves:
            _, value, status = _shown(lookup.get((w, measure)), "mean", k)
            if (w, measure) in not_asked:
                status = settings.NOT_ASKED_LABEL
            record[f"{w} score"] = value
            if status:
                notes.append(f"{w}: {status}")
        org = org_rows[org_rows["measure"].astype(str) == measure]
        record[f"Organisation {wave}"] = _shown(None if org.empty else org.iloc[0], "mean", k)[1]
        record["Notes"] = "; ".join(notes)
        rows.append(record)
    return pd.DataFrame(rows)


def hr_table(metrics: pd.DataFrame | None, *, team: str, parent: str, k: int, reason: str) -> pd.DataFrame:
    """``HR figure``, ``Team``, ``Organisation``, ``Status``: staff in post at start and end (counts), leaver
    rate, stability index and sickness absence rate (%), from :func:`hr_figures`."""
    mine = hr_figures(metrics, settings.LEVEL_TEAM, team, parent, min_group_size=k, reason=reason)
    org = hr_figures(metrics, settings.LEVEL_ORGANISATION, settings.ORGANISATION_UNIT, None, min_group_size=k,
                     reason=reason)
    headers = {key: header.removeprefix("HR: ") for key, header, _ in HR_COLUMNS}
    rows = []
    for key in _HR_KEYS:
        status = str(mine["hr_status"])
        if status == NO_ABSENCE and key != "sickness_rate":
            status = ""
        rows.append({"HR figure": headers[key][0].upper() + headers[key][1:], "Team": mine[key],
                     "Organisation": org[key], "Status": status if math.isnan(mine[key]) else ""})
    return pd.DataFrame(rows)


def team_actions(action_log: pd.DataFrame | None, survey, *, team: str, parent: str) -> pd.DataFrame | None:
    """The team's actions with their figures (:func:`analytics.actions.actions_with_results`), or None."""
    if action_log is None or action_log.empty or survey.codebook is None:
        return None
    from analytics.actions import actions_with_results

    mine = action_log[(action_log["level"].astype(str) == settings.LEVEL_TEAM)
                      & (action_log["unit"].astype(str).map(normalise_label) == normalise_label(team))
                      & (action_log["parent"].astype(str).map(normalise_label) == normalise_label(parent))]
    if mine.empty:
        return None
    rows = actions_with_results(mine, survey.unit_scores, survey.item_results, survey.codebook,
                                min_group_size=survey.min_group_size)
    return pd.DataFrame({
        "Action": rows["title"], "Addresses": rows["addresses_label"], "Owner": rows["owner"], "Due": rows["due"],
        "Status": rows["status"], "Raised in wave": rows["wave"].astype(str), "Figure": rows["figure"],
        "Value when raised": rows["value_raised"].astype(float), "Next wave": rows["next_wave"],
        "Value next wave": rows["value_next"].astype(float), "Change": rows["change"].astype(float),
        "Note": rows["result_note"]})


PAGE_KINDS = {
    "Team % positive": "rate", "Team responses": "count", "Organisation % positive": "rate",
    "Difference (points)": "rate", "Value when raised": "rate", "Value next wave": "rate", "Change": "rate",
    "Status": "status", "Notes": "status", "Note": "status",
}


def teams_with_results(unit_scores: pd.DataFrame, wave: str, k: int, directorate: str | None = None) -> list[tuple[str, str]]:
    """(team, directorate) pairs with at least one shown measure in ``wave`` (flag False, n >= k), sorted by
    directorate then team (case-insensitive)."""
    rows = unit_scores[(unit_scores["level"] == settings.LEVEL_TEAM) & (unit_scores["wave"].astype(str) == wave)]
    if directorate is not None:
        rows = rows[rows["parent"].astype(str) == str(directorate)]
    n = pd.to_numeric(rows["n"], errors="coerce")
    shown = rows[(rows["suppressed"].fillna(True).astype(bool) == False) & (n >= k)]  # noqa: E712
    pairs = {(str(u), "" if pd.isna(p) else str(p)) for u, p in zip(shown["unit"], shown["parent"])}
    return sorted(pairs, key=lambda pair: (pair[1].casefold(), pair[0].casefold()))


def _behaviour_inputs(survey, wave: str) -> tuple[pd.DataFrame, dict, pd.DataFrame | None]:
    """The wave's team-level question rows, the same grouped by (team, directorate), and the organisation's
    behaviours (:func:`analytics.board.behaviours.behaviour_results`, as on the Board); None for the last
    when the codebook maps no behaviours or there are no question results."""
    book, items = survey.codebook, survey.item_results
    if book is None or not book.behaviours or not len(items):
        return items, {}, None
    from analytics.board.behaviours import behaviour_results

    organisation = behaviour_results(items, wave, book)
    items = items[(items["level"] == settings.LEVEL_TEAM) & (items["wave"].astype(str) == wave)]
    by_team = {key: rows for key, rows in items.groupby([items["unit"].astype(str), items["parent"].astype(str)])}
    return items, by_team, organisation


def team_pages(survey, records: object | None, *, wave: str, measures: Sequence[str], labels: dict[str, str],
               action_log: pd.DataFrame | None = None, directorate: str | None = None,
               max_pages: int = settings.SCORECARD_MAX_TEAM_SHEETS,
               hr_tables: dict | None = None) -> tuple[list[TeamPage], int]:
    """``(pages, teams)``: a :class:`TeamPage` for each of the first ``max_pages`` teams with results in
    ``wave`` (:func:`teams_with_results`), and how many teams had results (more than ``max_pages`` means
    the list was capped)."""
    from analytics.survey.asked import not_asked

    k = int(survey.min_group_size)
    teams = teams_with_results(survey.unit_scores, wave, k, directorate)
    waves = sorted(survey.unit_scores["wave"].dropna().astype(str).unique())
    unasked = not_asked(survey.unit_scores)
    hr_tables = {} if hr_tables is None else hr_tables
    if records is not None and wave not in hr_tables:
        hr_tables[wave] = wave_hr_table(records, wave, k)
    metrics, window, reason = (None, "", NO_HR_DATA) if records is None else hr_tables[wave]
    book = survey.codebook
    items, by_team, organisation = _behaviour_inputs(survey, wave)
    scores = survey.unit_scores[survey.unit_scores["level"] == settings.LEVEL_TEAM]
    scores_by_team = {key: rows for key, rows in scores.groupby([scores["unit"].astype(str), scores["parent"].astype(str)])}
    pages = []
    for team, parent in teams[:max_pages]:
        behaviours = (behaviours_table(by_team.get((team, parent), items.iloc[0:0]), book, team=team, parent=parent,
                                       wave=wave, k=k, organisation=organisation)
                      if organisation is not None else pd.DataFrame())
        team_scores = pd.concat([scores_by_team.get((team, parent), scores.iloc[0:0]),
                                 survey.unit_scores[survey.unit_scores["level"] == settings.LEVEL_ORGANISATION]])
        trend = trend_table(team_scores, measures, labels, team=team, parent=parent, wave=wave, waves=waves,
                            k=k, not_asked=unasked)
        kinds = {**PAGE_KINDS, **{c: "score" for c in trend.columns if c not in ("Measure", "Notes")}}
        pages.append(TeamPage(
            team=team, directorate=parent, wave=wave, behaviours=behaviours, trend=trend,
            hr=hr_table(metrics, team=team, parent=parent, k=k, reason=reason), hr_window=window or reason,
            actions=team_actions(action_log, survey, team=team, parent=parent), kinds=kinds))
    return pages, len(teams)

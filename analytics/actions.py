"""The action log ("you said, we did"): what a team or directorate decided to do about a result, and the
next wave's figure beside it.

An action names the unit it belongs to (a team with its directorate, a directorate, or the whole
organisation), the wave whose results prompted it, and what it addresses: one of the four behaviours of
compassionate leadership (attending, understanding, empathising, helping — the King's Fund model, read
through the codebook's behaviour → question mapping) or a measure of the codebook (e.g. morale). The store
keeps the actions (:mod:`analytics.store`); this module checks them and reads the results beside them.

Figures come only from the suppressed tables of :class:`analytics.survey.pipeline.SurveyResults`
(``unit_scores`` and ``item_results``): a unit below the anonymity threshold has no figure beside its
action, whichever wave — the action stays listed, its figure is missing (never zero) with the reason.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping

import pandas as pd

from analytics import settings
from analytics.errors import InputError
from analytics.ingest.codebook import Codebook
from analytics.missing import is_missing

#: The fields of one action, as the store keeps them and the pages edit them.
ACTION_FIELDS = ("level", "parent", "unit", "wave", "addresses", "title", "owner", "due", "status", "notes")
#: Statuses an action can have, in the order a page offers them.
ACTION_STATUSES = ("open", "in progress", "done", "dropped")
#: The figure kinds beside an action: the four behaviours are questions (% positive, as on the Board);
#: measures are 0–10 scores.
FIGURE_PCT_POSITIVE = "% positive"
FIGURE_SCORE = "score (0-10)"
#: Columns of :func:`actions_with_results` (the action's fields, then the figures beside it).
ACTION_RESULT_COLUMNS = (
    *ACTION_FIELDS, "addresses_label", "figure", "n_raised", "value_raised", "next_wave", "n_next", "value_next",
    "change", "result_note",
)
MAX_TITLE_LENGTH = 200
MAX_NOTES_LENGTH = 2000
_LEVELS = (settings.LEVEL_TEAM, settings.LEVEL_DIRECTORATE, settings.LEVEL_ORGANISATION)


def addressable(codebook: Codebook) -> dict[str, str]:
    """What an action can address: behaviour or measure id → label, behaviours first.

    The behaviours come from ``codebook.behaviours`` (behaviour → question); the measures are every
    scored measure of the codebook (sub-scores and themes such as morale), in the codebook's order.
    """
    out = {behaviour: behaviour.capitalize() for behaviour in (codebook.behaviours or {})}
    for measure in codebook.measures:
        if measure.id not in out:
            out[measure.id] = measure.label
    return out


def check_action(action: Mapping[str, object], codebook: Codebook, units: pd.DataFrame) -> dict:
    """One action's fields, checked and tidied, or an :class:`InputError` a user can act on.

    ``units`` is the dataset's unit table (columns ``level``, ``unit``, ``parent``; e.g. the unit scores),
    so that an action is only ever attached to a unit the dataset holds. Text is stripped; ``due`` becomes
    an ISO date (or None); ``status`` must be one of :data:`ACTION_STATUSES`.
    """
    out = {name: action.get(name) for name in ACTION_FIELDS}
    for name in ("parent", "unit", "wave", "addresses", "title", "owner", "notes", "status"):
        value = out[name]
        out[name] = "" if is_missing(value) else str(value).strip()
    out["level"] = str(out["level"] or "").strip()
    if out["level"] not in _LEVELS:
        raise InputError(f"Choose whether the action belongs to a team, a directorate or the organisation "
                         f"(got {out['level']!r}).", column="level")
    if not out["title"]:
        raise InputError("Say what will be done: the action needs a title.", column="title")
    if len(out["title"]) > MAX_TITLE_LENGTH or len(out["notes"]) > MAX_NOTES_LENGTH:
        raise InputError(f"Keep the title under {MAX_TITLE_LENGTH} characters and the notes under "
                         f"{MAX_NOTES_LENGTH}.", column="title")
    choices = addressable(codebook)
    if out["addresses"] not in choices:
        raise InputError(f"Choose what the action addresses: one of {', '.join(choices.values())}.",
                         column="addresses")
    out["status"] = out["status"] or ACTION_STATUSES[0]
    if out["status"] not in ACTION_STATUSES:
        raise InputError(f"The status must be one of: {', '.join(ACTION_STATUSES)}.", column="status")
    out["due"] = _due_date(out["due"])
    _check_unit(out, units)
    return out


def _due_date(value: object) -> str | None:
    if is_missing(value) or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    try:
        return dt.date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError:
        raise InputError(f"The due date {value!r} is not a date; use the form 2026-03-31.", column="due") from None


def _check_unit(action: dict, units: pd.DataFrame) -> None:
    if action["level"] == settings.LEVEL_ORGANISATION:
        action["unit"], action["parent"] = settings.ORGANISATION_UNIT, ""
        return
    rows = units[units["level"] == action["level"]]
    known = set(zip(rows["parent"].fillna("").astype(str), rows["unit"].astype(str)))
    if action["level"] == settings.LEVEL_DIRECTORATE:
        action["parent"] = ""
        known = {("", u) for _, u in known}
    if (action["parent"], action["unit"]) not in known:
        where = f" in {action['parent']}" if action["parent"] else ""
        raise InputError(f"There is no {action['level']} called {action['unit']!r}{where} in this dataset.",
                         column="unit")


def actions_with_results(actions: pd.DataFrame, unit_scores: pd.DataFrame, item_results: pd.DataFrame,
                         codebook: Codebook, *, min_group_size: int) -> pd.DataFrame:
    """Each action with its unit's figure in the wave that prompted it and in the next wave.

    Parameters
    ----------
    actions
        Columns :data:`ACTION_FIELDS` (other columns, e.g. ids and dates, are kept).
    unit_scores, item_results
        The suppressed tables of the survey results (``SurveyResults.unit_scores`` / ``.item_results``).
    codebook
        Supplies the behaviour → question mapping and the measures' labels.
    min_group_size
        k, named in the note of a hidden figure.

    Returns
    -------
    pandas.DataFrame
        ``actions``' columns plus ``addresses_label``, ``figure`` (:data:`FIGURE_PCT_POSITIVE` for a
        behaviour — the % of its question's answers in the two favourable options, as on the Board — or
        :data:`FIGURE_SCORE` for a measure), ``n_raised``/``value_raised`` (the wave the action was raised
        in), ``next_wave`` (the first later wave of the results, or missing), ``n_next``/``value_next``,
        ``change`` = value_next − value_raised (missing unless both are shown) and ``result_note``.
        Hidden (suppressed) and absent figures are missing, never zero. Sorted by unit, then wave.
    """
    choices = addressable(codebook)
    behaviours = codebook.behaviours or {}
    waves = sorted(set(unit_scores["wave"].dropna().astype(str)) | set(item_results["wave"].dropna().astype(str)))
    rows = []
    for action in actions.to_dict("records"):
        target = str(action.get("addresses", ""))
        wave = str(action.get("wave", ""))
        later = [w for w in waves if w > wave]
        next_wave = later[0] if later else None
        if target in behaviours:
            table, key_col, key, value_col, figure = item_results, "item", behaviours[target], "pct_positive", FIGURE_PCT_POSITIVE
        else:
            table, key_col, key, value_col, figure = unit_scores, "measure", target, "mean", FIGURE_SCORE
        selected = _unit_rows(table, action, key_col, key)
        raised = _figure(selected, wave, value_col)
        after = _figure(selected, next_wave, value_col) if next_wave else (math.nan, math.nan, "no later wave yet")
        change = after[1] - raised[1] if not (math.isnan(raised[1]) or math.isnan(after[1])) else math.nan
        notes = [text for text in (raised[2], after[2]) if text]
        rows.append({**action, "addresses_label": choices.get(target, target), "figure": figure,
                     "n_raised": raised[0], "value_raised": raised[1], "next_wave": next_wave,
                     "n_next": after[0], "value_next": after[1], "change": change,
                     "result_note": _note(notes, min_group_size)})
    columns = list(dict.fromkeys([*actions.columns, *ACTION_RESULT_COLUMNS]))
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["unit", "wave"], kind="stable").reset_index(drop=True)


def _unit_rows(table: pd.DataFrame, action: Mapping[str, object], key_col: str, key: str) -> pd.DataFrame:
    level = str(action.get("level", ""))
    mask = (table["level"] == level) & (table[key_col] == key)
    if level == settings.LEVEL_ORGANISATION:
        return table[mask]
    mask &= table["unit"].astype(str) == str(action.get("unit", ""))
    parent = "" if is_missing(action.get("parent")) else str(action.get("parent"))
    if level == settings.LEVEL_TEAM and parent:
        mask &= table["parent"].fillna("").astype(str) == parent
    return table[mask]


def _figure(rows: pd.DataFrame, wave: str | None, value_col: str) -> tuple[float, float, str]:
    """(n, value, why missing) of one wave; suppressed and absent figures are missing, never zero."""
    rows = rows[rows["wave"].astype(str) == str(wave)]
    if rows.empty:
        return math.nan, math.nan, f"no result in {wave}"
    row = rows.iloc[0]
    if bool(row["suppressed"]):
        return math.nan, math.nan, f"{wave} hidden"
    value = row[value_col]
    n = row["n"]
    return (math.nan if is_missing(n) else float(n)), (math.nan if is_missing(value) else float(value)), ""


def _note(parts: Iterable[str], k: int) -> str:
    text = []
    for part in parts:
        if part.endswith("hidden"):
            text.append(f"{part.removesuffix(' hidden')} not shown: fewer than {k} responses")
        else:
            text.append(part)
    return "; ".join(text)


def status_summary(actions: pd.DataFrame) -> pd.DataFrame:
    """Actions per status, for the Board and the board pack: columns ``status``, ``actions`` (every status
    of :data:`ACTION_STATUSES`, zero counts included — a count of actions, not a measurement)."""
    counts = actions["status"].value_counts() if len(actions) else pd.Series(dtype="int64")
    return pd.DataFrame({"status": list(ACTION_STATUSES),
                         "actions": [int(counts.get(s, 0)) for s in ACTION_STATUSES]})

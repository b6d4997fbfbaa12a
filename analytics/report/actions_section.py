"""The board pack's action-log section ("you said, we did"): actions per status, and each action with its
unit's figure in the wave that prompted it and in the next wave (:func:`analytics.actions.actions_with_results`).

Only actions about units in the pack's dataset are listed (a manager's pack: their own units); figures hidden for
anonymity stay hidden, with the reason.
"""

from __future__ import annotations

import pandas as pd

from analytics import actions, settings
from analytics.dataset import Dataset
from analytics.report.pack_model import Column, Section, Table, Text

SECTION_KEY = "actions"
#: Not one of ``pack.SECTION_TITLES``: the section exists only in packs made with the action log.
SECTION_TITLE = "Actions: you said, we did"
#: Columns of the pack's action table (frame column, heading, kind).
ACTION_TABLE_COLUMNS = (
    ("unit_name", "Unit", "text"), ("addresses_label", "Addresses", "text"), ("title", "Action", "text"),
    ("owner", "Owner", "text"), ("due", "Due", "text"), ("status", "Status", "text"), ("wave", "Raised in", "text"),
    ("value_raised", "Then", "number"), ("next_wave", "Next wave", "text"), ("value_next", "Next", "number"),
    ("change", "Change", "change"), ("result_note", "Note", "text"),
)


def _in_dataset(table: pd.DataFrame, unit_scores: pd.DataFrame) -> pd.DataFrame:
    units = set(zip(unit_scores["level"].astype(str), unit_scores["parent"].fillna("").astype(str),
                    unit_scores["unit"].astype(str)))
    keep = [str(r.level) == settings.LEVEL_ORGANISATION
            or (str(r.level), "" if pd.isna(r.parent) else str(r.parent), str(r.unit)) in units
            or (str(r.level) == settings.LEVEL_DIRECTORATE
                and any(lv == settings.LEVEL_DIRECTORATE and u == str(r.unit) for lv, _, u in units))
            for r in table.itertuples(index=False)]
    return table[keep]


def actions_section(dataset: Dataset, stored: pd.DataFrame | None, next_ref) -> Section | None:
    """The section, or None when no action log was given (a pack made from files, not from the store).

    ``stored`` is :func:`analytics.store.actions`; ``next_ref`` numbers the tables ("Table 5").
    """
    if stored is None:
        return None
    survey = dataset.board_survey
    if survey is None:
        return Section(SECTION_KEY, SECTION_TITLE, [Text("There are no survey results to set the actions against.",
                                                         "note")])
    listed = _in_dataset(stored, survey.unit_scores)
    if listed.empty:
        return Section(SECTION_KEY, SECTION_TITLE, [Text(
            "No actions have been recorded yet. Teams and directorates record what they will do about their "
            "results on the dashboard's Team explorer.", "note")])
    table = actions.actions_with_results(listed, survey.unit_scores, survey.item_results, survey.codebook,
                                         min_group_size=dataset.min_group_size)
    table = table.assign(unit_name=[u if lv != settings.LEVEL_TEAM or not p else f"{u} ({p})"
                                    for u, p, lv in zip(table["unit"], table["parent"].fillna(""), table["level"])])
    summary = actions.status_summary(table)
    counts = ", ".join(f"{int(n)} {s}" for s, n in zip(summary["status"], summary["actions"]))
    blocks = [
        Text(f"{len(table)} actions recorded: {counts}."),
        Table(ref=next_ref(), title="Actions and the results beside them", frame=table.reset_index(drop=True),
              columns=[Column(name, label, kind, missing="") for name, label, kind in ACTION_TABLE_COLUMNS],
              caption=("'Then' and 'Next' are the unit's figure in the wave the action answers and in the next wave: "
                       "% positive for a behaviour of compassionate leadership, the 0-10 score for a measure. A "
                       "change is associated with the period in which the action was taken, which on its own is "
                       f"not evidence that the action produced it. Groups with fewer than {int(dataset.min_group_size)} "
                       "responses are not shown.")),
    ]
    return Section(SECTION_KEY, SECTION_TITLE, blocks)

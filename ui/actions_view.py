"""The action log on the pages ("you said, we did"): a unit's actions with its results beside them (Team
explorer), the organisation's actions at a glance (Board), and the form to add or update one.

The actions live in the workspace store (:mod:`analytics.store`); their checks and the figures beside them are
:mod:`analytics.actions`; who may add or change which unit's actions is :func:`analytics.access.may_edit_actions`.
Only actions about units the (scoped) dataset holds are listed, so a manager sees their own units' actions.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import access, actions, labels, settings
from analytics import store as workspace
from analytics.dataset import Dataset
from analytics.errors import InputError
from ui.auth import current_user, workspace_store
from ui.state import show_input_errors

#: Session-state key prefix of the action widgets.
PREFIX = "actions"
#: Columns of the action table as pages show and download it, in order.
DISPLAY_COLUMNS = {
    "wave": "Raised in", "level": "Level", "unit": "Unit", "parent": "Directorate", "addresses_label": "Addresses",
    "title": "Action", "owner": "Owner", "due": "Due", "status": "Status", "figure": "Figure",
    "value_raised": "Then", "next_wave": "Next wave", "value_next": "Next", "change": "Change",
    "result_note": "Note", "notes": "Notes",
}


def _visible_units(dataset: Dataset) -> set[tuple[str, str, str]]:
    """(level, parent, unit) of every unit in the dataset's (scoped) survey results."""
    table = dataset.survey.unit_scores
    return set(zip(table["level"].astype(str), table["parent"].fillna("").astype(str), table["unit"].astype(str)))


def unit_actions(dataset: Dataset, *, level: str | None = None, unit: str | None = None,
                 parent: str | None = None) -> pd.DataFrame:
    """Stored actions (of one unit, or all) that the dataset's units include, with their figures
    (:func:`analytics.actions.actions_with_results`)."""
    stored = workspace.actions(workspace_store(), level=level, unit=unit, parent=parent)
    if stored.empty:
        return stored
    visible = _visible_units(dataset)
    keep = [(str(r.level), "" if pd.isna(r.parent) else str(r.parent), str(r.unit)) in visible
            or str(r.level) == settings.LEVEL_ORGANISATION for r in stored.itertuples(index=False)]
    stored = stored[keep]
    survey = dataset.survey
    return actions.actions_with_results(stored, survey.unit_scores, survey.item_results, survey.codebook,
                                        min_group_size=dataset.min_group_size)


def display_table(table: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The action table for display and download, and its column formats."""
    out = table[[c for c in DISPLAY_COLUMNS if c in table.columns]].rename(columns=DISPLAY_COLUMNS)
    number = st.column_config.NumberColumn(format="%.1f")
    config = {"Then": number, "Next": number, "Change": st.column_config.NumberColumn(format="%+.1f"),
              "Note": st.column_config.TextColumn(width="medium"), "Action": st.column_config.TextColumn(width="large")}
    return out, config


def render_unit_actions(dataset: Dataset, *, wave: str, level: str, unit: str, parent: str | None,
                        unit_label: str) -> None:
    """Team explorer: the unit's actions with the figures beside them, and the form to add or update one."""
    with show_input_errors():
        table = unit_actions(dataset, level=level, unit=unit, parent=parent or None)
    if table.empty:
        st.caption(f"No actions recorded for {unit_label} yet.")
    else:
        shown, config = display_table(table)
        st.dataframe(shown, hide_index=True, use_container_width=True, column_config=config,
                     key=f"{PREFIX}:{level}:{unit}:table")
        st.caption(labels.ACTIONS_CAPTION)
    user = current_user()
    if user is None or not access.may_edit_actions(user, level=level, unit=unit, parent=parent):
        return
    _add_form(dataset, wave=wave, level=level, unit=unit, parent=parent or "", unit_label=unit_label)
    if not table.empty:
        _update_form(dataset, table, key=f"{PREFIX}:{level}:{unit}")


def _add_form(dataset: Dataset, *, wave: str, level: str, unit: str, parent: str, unit_label: str) -> None:
    choices = actions.addressable(dataset.survey.codebook)
    with st.expander(f"Add an action for {unit_label}"), st.form(f"{PREFIX}:{level}:{unit}:add", clear_on_submit=True):
        title = st.text_input("Action", max_chars=actions.MAX_TITLE_LENGTH,
                              help="What will be done, in a sentence (e.g. 'Monthly protected team time').")
        addresses = st.selectbox("Addresses", list(choices), format_func=choices.get,
                                 help="The behaviour of compassionate leadership or the measure it is meant to "
                                      "improve; next year's figure is shown beside it.")
        left, middle, right = st.columns(3)
        owner = left.text_input("Owner", help="Who is responsible (a role is enough).")
        due = middle.date_input("Due", value=None, min_value=dt.date(2000, 1, 1))
        status = right.selectbox("Status", actions.ACTION_STATUSES)
        notes = st.text_area("Notes", max_chars=actions.MAX_NOTES_LENGTH)
        if not st.form_submit_button("Add the action", icon=":material/add:"):
            return
    fields = {"level": level, "parent": parent, "unit": unit, "wave": wave, "addresses": addresses, "title": title,
              "owner": owner, "due": due, "status": status, "notes": notes}
    _save(lambda: workspace.add_action(workspace_store(), fields, by=current_user().email,
                                       codebook=dataset.survey.codebook, units=dataset.survey.unit_scores),
          "Action added.")


def _update_form(dataset: Dataset, table: pd.DataFrame, *, key: str) -> None:
    with st.expander("Update an action"), st.form(f"{key}:update"):
        titles = dict(zip(table["id"], table["title"]))
        action_id = st.selectbox("Action", list(titles), format_func=titles.get)
        status = st.selectbox("New status", actions.ACTION_STATUSES)
        notes = st.text_area("Notes (replace)", max_chars=actions.MAX_NOTES_LENGTH,
                             help="Leave empty to keep the current notes.")
        if not st.form_submit_button("Save", icon=":material/save:"):
            return
    fields = {"status": status, **({"notes": notes} if notes.strip() else {})}
    _save(lambda: workspace.update_action(workspace_store(), int(action_id), fields, by=current_user().email,
                                          codebook=dataset.survey.codebook, units=dataset.survey.unit_scores),
          "Action updated.")


def _save(write, done: str) -> None:
    try:
        write()
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    st.toast(done, icon=":material/check:")
    st.rerun()


def render_board_actions(dataset: Dataset) -> None:
    """Board: actions per status, and every visible unit's actions with their figures."""
    with show_input_errors():
        table = unit_actions(dataset)
    if table.empty:
        st.caption(labels.NO_ACTIONS_TEXT)
        return
    summary = actions.status_summary(table)
    columns = st.columns(len(summary))
    for column, row in zip(columns, summary.itertuples(index=False)):
        column.metric(row.status.capitalize(), row.actions)
    shown, config = display_table(table)
    st.dataframe(shown, hide_index=True, use_container_width=True, column_config=config, key=f"{PREFIX}:board:table")
    st.caption(labels.ACTIONS_CAPTION)

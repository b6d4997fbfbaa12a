"""Streamlit glue of the Data page's HR part: the HR files as read, the HR period, how leavers are counted,
and matching survey teams to HR teams (the unit map).

The logic lives in :mod:`analytics.hr` (period, leaver definitions), :mod:`analytics.corrections`
(:func:`~analytics.corrections.hr_overview`) and :mod:`analytics.unit_matching`; the page keys, messages and
the rest of the page are in :mod:`ui.data_view`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analytics import settings
from analytics import unit_matching as um
from analytics.corrections import hr_overview
from analytics.dataset import DatasetSpec, FilePayload, load_hr
from analytics.errors import InputError
from analytics.hr import HRPeriod, LeaverDefinition
from analytics.ingest.io import read_table
from ui import state
from ui.data_view import (AUTO_COLUMN, HR_TEAM_HELP, HR_TEAM_KEY, PREFIX, UNIT_EDITOR_KEY, UNIT_MATCH_HELP,
                          UNIT_UPLOADER_KEY, _column_index, confirmed_unit_map, file_id, flash, UNIT_MAP_KEY)


@st.cache_resource(max_entries=4, show_spinner="Reading the HR files…")
def _hr_records(spec_key: str, _spec: DatasetSpec):
    return load_hr(_spec)


def hr_records(spec: DatasetSpec):
    return _hr_records(spec.key, spec)


@st.cache_resource(max_entries=4, show_spinner=False)
def _staff_columns(file_key: str, _payload: FilePayload) -> list[str]:
    return read_table(_payload.content, _payload.name, header_only=True).columns


def staff_columns(payload: FilePayload) -> list[str]:
    return _staff_columns(file_id(payload), payload)


# --------------------------------------------------------------------------------------------------
# Session state
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HRChoices:
    """What the HR section of the Data page returns: whether the HR files can be used, and the user's
    choices for them (team column, HR period, leaver definition)."""

    ready: bool
    team_col: str | None = None
    period: HRPeriod = HRPeriod()
    leaver_definition: LeaverDefinition = LeaverDefinition()


def render_hr(staff: FilePayload | None, absence: FilePayload | None) -> HRChoices:
    """What the HR files were read as, with the team column, the HR period and how leavers are counted."""
    if staff is None and absence is None:
        st.caption("No HR files: the pages will show survey results only.")
        return HRChoices(ready=True)
    if staff is None:
        st.error("An absence file needs the staff list it belongs to: upload the ESR staff list too.",
                 icon=":material/error:")
        return HRChoices(ready=False)
    try:
        columns = staff_columns(staff)
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        return HRChoices(ready=False)
    options = [AUTO_COLUMN, *columns]
    kept = st.session_state.setdefault(HR_TEAM_KEY, {})
    chosen = st.selectbox("Team column of the staff file", options,
                          index=_column_index(options, kept.get(file_id(staff))),
                          key=f"{HR_TEAM_KEY}:{file_id(staff)}", help=HR_TEAM_HELP)
    team_col = None if chosen == AUTO_COLUMN else chosen
    kept[file_id(staff)] = team_col
    spec = DatasetSpec(label="HR check", staff_file=staff, absence_file=absence, hr_team_col=team_col)
    try:
        inferred = hr_records(spec)
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        return HRChoices(ready=False, team_col=team_col)
    employee_level = hasattr(inferred, "assignments")
    period = render_hr_period(inferred, file_id(staff))
    definition = render_leaver_definition(file_id(staff)) if employee_level else LeaverDefinition()
    if period is None:
        return HRChoices(ready=False, team_col=team_col)
    try:
        records = hr_records(dataclasses.replace(spec, hr_period=period, leaver_definition=definition))
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        return HRChoices(ready=False, team_col=team_col)
    overview = hr_overview(records)
    st.dataframe(pd.DataFrame({"": list(overview), "What was read": list(overview.values())}), hide_index=True,
                 key=f"{PREFIX}:hr_overview")
    return HRChoices(ready=True, team_col=team_col, period=period, leaver_definition=definition)


HR_PERIOD_MODES = ("Inferred from the files", "The date the extract was taken", "Start and end dates")
HR_PERIOD_HELP = ("The HR period is the stretch of time the HR files cover. It is inferred from the whole file (the "
                  "first leaving dates to the latest month the dates fill, in whole months: a financial-year extract "
                  "covers 1 April to 31 March). Give the extract date if later termination dates are planned "
                  "leavers, or set the period if the inference is wrong.")


def render_hr_period(records, staff_id: str) -> HRPeriod | None:
    """The HR period control: inferred (with how), the extract date, or start and end. None when the
    dates given are not a period (the error is shown)."""
    key = f"{PREFIX}:hr_period:{staff_id}"
    st.caption(f"**HR period:** {records.coverage_start:%d %b %Y} to {records.coverage_end:%d %b %Y}, as inferred.")
    mode = st.radio("HR period", HR_PERIOD_MODES, key=f"{key}:mode", horizontal=True, help=HR_PERIOD_HELP)
    try:
        if mode == HR_PERIOD_MODES[1]:
            taken = st.date_input("Date the extract was taken", value=records.coverage_end.date(),
                                  key=f"{key}:extract", format="DD/MM/YYYY",
                                  help="The HR period ends on this day; termination dates after it are planned "
                                       "leavers (in post, not leavers).")
            return HRPeriod.of(extract_date=taken)
        if mode == HR_PERIOD_MODES[2]:
            left, right = st.columns(2)
            first = left.date_input("First day covered", value=records.coverage_start.date(), key=f"{key}:start",
                                    format="DD/MM/YYYY")
            last = right.date_input("Last day covered", value=records.coverage_end.date(), key=f"{key}:end",
                                    format="DD/MM/YYYY")
            return HRPeriod.of(first, last)
    except InputError as exc:
        st.error(exc.message, icon=":material/error:")
        return None
    return HRPeriod()


LEAVER_METHOD_HELP = ("Spell-based: every stay in a team that ends in the period is a leaver, including people "
                      "who joined and left within it. NHS Digital snapshot: people in post on the first day who "
                      "are not in post on the last day (the method of NHS Digital's published turnover figures).")


def render_leaver_definition(staff_id: str) -> LeaverDefinition:
    """How leavers are counted on every page: the method and the headcount or FTE basis."""
    key = f"{PREFIX}:leavers:{staff_id}"
    left, right = st.columns(2)
    method = left.selectbox("Leavers counted", list(settings.LEAVER_METHODS), key=f"{key}:method",
                            format_func=lambda m: settings.LEAVER_METHODS[m].capitalize(), help=LEAVER_METHOD_HELP)
    fte = right.toggle("Leaver rate by FTE", key=f"{key}:fte",
                       help="Leavers' FTE out of the average FTE in post, instead of people out of the average "
                            "headcount (NHS Digital's headline figure).")
    return LeaverDefinition(method, settings.LEAVER_BASIS_FTE if fte else settings.LEAVER_BASIS_HEADCOUNT)


# --------------------------------------------------------------------------------------------------
# Matching survey teams to HR teams
# --------------------------------------------------------------------------------------------------
def _set_unit_map(table: pd.DataFrame | None, message: str) -> None:
    """Keep the map for the page's spec and put it into the dataset in use (every page uses it)."""
    st.session_state[UNIT_MAP_KEY] = table
    in_use = state.current_spec()
    if not in_use.is_sample and in_use.staff_file is not None:
        csv = um.unit_map_csv(table) if table is not None and not table.empty else None
        state.use_uploaded(dataclasses.replace(in_use, unit_map_csv=csv))
    flash("success", message)
    st.rerun()


def render_unit_matching() -> None:
    """The "Match survey teams to HR teams" section, for the uploaded dataset in use with survey and HR files."""
    in_use = state.current_spec()
    if in_use.is_sample or not in_use.survey_files or in_use.staff_file is None:
        return
    dataset = state.current_dataset()
    if dataset.survey is None or dataset.hr is None:
        return
    st.header("Match survey teams to HR teams")
    st.caption(UNIT_MATCH_HELP)
    hr_units = um.hr_team_units(dataset.hr)
    matches = um.match_units(um.survey_team_units(dataset.survey.unit_scores), hr_units, dataset.hr.unit_map)
    attention = um.needing_attention(matches)
    counts = matches["status"].value_counts()
    st.markdown(f"**{counts.get(um.STATUS_MATCHED, 0)}** teams matched on directorate and team, "
                f"**{counts.get(um.STATUS_MAPPED, 0)}** by your confirmed matches, **{len(attention)}** not joined.")
    if attention.empty:
        st.success("Every shown survey team is joined to an HR team.", icon=":material/check_circle:")
    else:
        _render_unit_editor(attention, hr_units)
    _render_unit_map_files()


def _render_unit_editor(attention: pd.DataFrame, hr_units: pd.DataFrame) -> None:
    options = um.hr_unit_options(hr_units)
    frame = um.attention_editor_frame(attention)
    edited = st.data_editor(
        frame, hide_index=True, key=UNIT_EDITOR_KEY, width="stretch",
        disabled=[c for c in um.EDITOR_COLUMNS if c != "HR team"],
        column_config={"HR team": st.column_config.SelectboxColumn(
            "HR team", options=[um.NO_HR_UNIT, *options], required=True,
            help="The HR team this survey team is; (none) leaves it out of the survey x HR figures.")})
    if st.button("Confirm these matches", key=f"{PREFIX}:unit_confirm", type="primary", icon=":material/link:"):
        try:
            table = um.confirmed_map(attention, edited["HR team"].tolist(), options, base=confirmed_unit_map())
        except InputError as exc:
            st.error(str(exc), icon=":material/error:")
            return
        _set_unit_map(table, f"{len(table)} confirmed survey-to-HR team match(es) are used on every page.")


def _render_unit_map_files() -> None:
    table = confirmed_unit_map()
    left, right = st.columns(2)
    with left:
        st.download_button("Download the unit map (CSV)", data=um.unit_map_csv(table), file_name="unit_map.csv",
                           mime="text/csv", key=f"{PREFIX}:unit_map_download", on_click="ignore",
                           icon=":material/download:", disabled=table is None or table.empty,
                           help="The confirmed matches, for next time or for the command line (--unit-map).")
    with right:
        upload = st.file_uploader("Load a unit map (CSV)", type=["csv"], key=UNIT_UPLOADER_KEY,
                                  help="Columns survey_directorate, survey_team, hr_directorate, hr_team.")
        if upload is not None and st.button("Use this unit map", key=f"{PREFIX}:unit_map_use",
                                            icon=":material/input:"):
            try:
                loaded = um.read_unit_map(upload.getvalue(), name=upload.name)
            except InputError as exc:
                st.error(str(exc), icon=":material/error:")
                return
            _set_unit_map(loaded, f"Unit map '{upload.name}' ({len(loaded)} matches) is used on every page.")

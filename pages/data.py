"""Data (OD teams): upload survey and HR files, check what was recognised, correct it, and use the files."""

import streamlit as st

from analytics.errors import InputError
from analytics import corrections, labels
from ui import data_hr_view as hr_view
from ui import data_view as view
from ui import state
from ui.state import ensure_frame

ensure_frame()

st.title("Data")
st.caption("Upload your survey exports (several years at once) and HR files, check what was recognised, correct it "
           "if needed, and preview the files on every page. A preview stays in this browser session only; "
           "publishing (administrators) shares the waves with everyone who signs in.")
view.init_state()
view.show_flash()

in_use = state.current_spec()
if in_use.is_sample:
    st.markdown(f"**In use:** {in_use.label}.")
elif in_use.published is not None:
    st.markdown(f"**In use:** {in_use.label}.")
else:
    st.markdown("**In use:** a preview of your files — " + ", ".join(in_use.file_names) + ".")
    back = "the published waves" if state.published_spec() is not None else "the sample data"
    if st.button(f"Back to {back}", key=f"{view.PREFIX}:use_sample", icon=":material/undo:",
                 help=f"Show {back} again. Your uploads stay on this page."):
        state.use_sample()
        view.flash("info", f"{back.capitalize()} in use again.")
        st.rerun()

# --- 1. Files --------------------------------------------------------------------------------------
st.header("1. Upload files")
view.render_uploaders()
payloads = view.survey_payloads()
staff, absence = st.session_state[view.STAFF_FILE_KEY], st.session_state[view.ABSENCE_FILE_KEY]
if payloads or staff or absence:
    if st.button("Remove all uploads", key=f"{view.PREFIX}:clear", icon=":material/delete_sweep:"):
        view.clear_uploads()
        st.rerun()

# --- 2. What was recognised, and corrections -------------------------------------------------------
entries = [corrections.SurveyFileState(payload=p) for p in payloads]
if entries:
    st.header("2. Survey files: what was recognised")
    st.caption("For a workbook of several sheets, check the sheet read. Check the team, directorate and wave columns "
               "and the question of each column; correct anything wrong. Only the headers of your files are shown "
               "here, never a respondent's answers.")
    for entry in entries:
        view.render_survey_file(entry, expanded=True)  # every file open: its messages are in view
    with st.expander("Presets: load a saved mapping", icon=":material/folder_open:"):
        view.render_preset_loader(entries)

st.header("3. HR files" if entries else "2. HR files")
hr_choices = hr_view.render_hr(staff, absence)

# --- 3. Use the files ------------------------------------------------------------------------------
st.header("Use the files")
spec = None
if payloads or staff:
    try:
        spec = corrections.build_spec(entries, staff_file=staff, absence_file=absence,
                                      hr_team_col=hr_choices.team_col, unit_map=view.confirmed_unit_map(),
                                      hr_period=hr_choices.period, leaver_definition=hr_choices.leaver_definition)
    except InputError as exc:
        st.warning(exc.message, icon=":material/warning:")
    if not hr_choices.ready:
        spec = None
else:
    st.caption("Upload at least one survey or HR file.")
may_publish = view.may_publish()
with st.container(horizontal=True, gap="small"):
    use = st.button("Preview these files", key=f"{view.PREFIX}:use", type="primary", disabled=spec is None,
                    icon=":material/visibility:", help=labels.PREVIEW_HELP)
    check = st.button("Check the files", key=f"{view.PREFIX}:check", disabled=spec is None, icon=":material/rule:",
                      help="Read and score the files and list the data-quality findings, without using them yet.")
    publish = st.button("Publish", key=f"{view.PREFIX}:publish", disabled=spec is None or not may_publish,
                        icon=":material/publish:", help=labels.PUBLISH_HELP if may_publish else labels.PUBLISH_ADMIN_ONLY)
if spec is not None and check:
    view.check_files(spec)
if spec is not None and use:
    view.use_files(spec)
if spec is not None and publish and may_publish:
    view.publish_files(spec)

st.subheader("Files read and data-quality findings")
view.render_last_load(spec.key if spec is not None else None)

with state.section_errors():
    hr_view.render_unit_matching()

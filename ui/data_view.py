"""Streamlit glue of the Data page: uploads, what was recognised, corrections, presets, and using the files.

The page keeps everything the user did in ``st.session_state`` (the uploaded files' bytes, each survey
file's corrected column mapping), so nothing is lost on a rerun or when the user visits another page and
comes back. Widgets are keyed per file and per *generation*: applying a preset, adding or removing a local
measure, or going back to the recognised columns starts a new generation, so that the widgets show the new
mapping rather than stale edits.

The logic (the question editor's table, the corrected mapping and its checks, presets, the dataset spec,
the tables of what was read) is in :mod:`analytics.corrections`, tested without Streamlit; this module
holds the widgets, their help texts and the session state. Nothing here shows a respondent's row: only
headers, counts and the data-quality findings (which name spreadsheet rows, not people). The HR part (the
HR period, leaver definition, team matching) is in :mod:`ui.data_hr_view`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analytics.dataset import DatasetSpec, FilePayload
from analytics.errors import InputError
from analytics.ingest.codebook import Codebook, load_codebook, register_codebook
from analytics.ingest.local_measures import AUTO_SCALE
from analytics.corrections import (SurveyFileState, all_blank, answer_scale_labels, apply_preset,
                                          codebook_choices, column_answer_scales, column_with_wording,
                                          few_questions_message,
                                          column_questions, copy_mapping, corrected_mapping, file_id, files_view,
                                          findings_view, free_columns, hr_overview, item_choices, items_editor_frame,
                                          measure_description, measure_summary_frame, preset_json, question_options,
                                          preset_unit_map, recognise_payload, sheet_options, without_measure)
from analytics.ingest.io import list_sheets
from analytics.ingest.mapping import Mapping, add_custom_measure
from analytics.survey.pipeline import RecognisedFile
from analytics import access, labels, settings
from analytics import store as workspace
from ui import auth, state
from ui import tables

# --------------------------------------------------------------------------------------------------
# Texts (labels and help live here, not in the page)
# --------------------------------------------------------------------------------------------------
#: What an empty cell of a table shows (a figure that is not computed; the table's note says why).
EMPTY_CELL = "—"
NO_COLUMN = "(none)"
AUTO_COLUMN = "(recognised automatically)"
SURVEY_TYPES = ["csv", "xlsx", "xlsm"]
HR_TYPES = ["csv", "xlsx", "xlsm"]
#: Height of the question editor: every row up to about 25 columns, then it scrolls.
EDITOR_ROW_PX = 35
EDITOR_MAX_PX = 35 * 26 + 3

SURVEY_UPLOAD_HELP = (
    "One file per survey year (wave), or several files of one year (e.g. one per directorate). CSV or Excel "
    "(.xlsx, .xlsm), as your survey tool exported it: question codes (Q9f) or question text as headers, answers "
    "as text (\"Agree\") or codes (1–5). Files of published results (one row per team with a response count) "
    "are read as published figures."
)
STAFF_UPLOAD_HELP = (
    "Either an ESR-style staff list (one row per employee or assignment: team, start date, termination date, "
    "FTE, staff group) or team-month HR figures (team, month, staff in post, leavers, FTE days lost, FTE days "
    "available). Employee numbers are replaced by anonymous codes as soon as the file is read."
)
ABSENCE_UPLOAD_HELP = (
    "Optional, with an ESR-style staff list: sickness absence episodes (employee number, first and last day, "
    "FTE days lost)."
)
PRESET_UPLOAD_HELP = (
    "A column mapping saved from this page (a .json file), e.g. last year's. Columns are found again by their "
    "header; question columns whose header changed are found by their code or wording."
)
TEAM_HELP = "The column naming each respondent's team (ward, department, service…): scores are reported per team."
DIRECTORATE_HELP = "The column naming the directorate (division, care group…), if the file has one."
WAVE_HELP = "The column giving each row's survey year or wave, if the file has one."
WAVE_LABEL_HELP = ("The survey year (wave) of every row of this file, e.g. 2025. Filled in from the file when it "
                   "gives the year: a response-date column (the year of the median response), the sheet name, a "
                   "title row above the header, or the file name, in that order. Type another year to change it.")
QUESTION_HELP = ("The survey question this column answers, or 'not used'. Each question can be given to one column "
                 "only. The team, directorate and wave columns are chosen above and show their role here.")
LOCAL_MEASURE_HELP = (
    "A measure made from your own questions (e.g. a local pulse survey): its score is the mean of its questions, "
    "0–10, with the same half rule as the national measures. Use the same name in each year's file to follow it "
    "across waves."
)
CODEBOOK_HELP = ("The survey's questions and measures. Choose the year of a national survey, or keep the default for a "
                 "local survey whose own questions you add as local measures below.")
CODEBOOK_UPLOAD_HELP = ("A codebook in the JSON layout of the shipped ones (scales, items, measures), e.g. a copy edited "
                        "for your survey. It is used for this file in this session.")
HR_TEAM_HELP = "The column of the staff file naming the team, if the one recognised is not right."
SHEET_HELP = ("The worksheet of this workbook to read. Automatically, the sheet holding the most responses is read; "
              "choose another when the workbook holds several response sheets (for example one per directorate "
              "or per year). Changing the sheet recognises its columns again and forgets this file's corrections.")

# --------------------------------------------------------------------------------------------------
# Session-state keys
# --------------------------------------------------------------------------------------------------
PREFIX = "data_page"
SURVEY_FILES_KEY = f"{PREFIX}:survey_files"        # list[FilePayload]
SURVEY_SEEN_KEY = f"{PREFIX}:survey_seen"          # names in the uploader at the end of the last run
STAFF_FILE_KEY = f"{PREFIX}:staff_file"            # FilePayload | None
ABSENCE_FILE_KEY = f"{PREFIX}:absence_file"        # FilePayload | None
MAPPINGS_KEY = f"{PREFIX}:mappings"                # file id -> current corrected mapping (JSON)
GENERATION_KEY = f"{PREFIX}:generation"            # file id -> widget generation
FLASH_KEY = f"{PREFIX}:flash"                      # messages to show once: list[(kind, text)]
LAST_LOAD_KEY = f"{PREFIX}:last_load"              # LoadSummary of the last "Use these files"
HR_TEAM_KEY = f"{PREFIX}:hr_team_col"            # staff file id -> chosen team column (None = automatic)
SHEETS_KEY = f"{PREFIX}:sheets"                    # survey file id -> chosen sheet (absent = automatic)
CODEBOOKS_KEY = f"{PREFIX}:codebooks"              # survey file id -> chosen codebook id (absent = default)
SURVEY_UPLOADER_KEY = f"{PREFIX}:survey_uploader"
STAFF_UPLOADER_KEY = f"{PREFIX}:staff_uploader"
ABSENCE_UPLOADER_KEY = f"{PREFIX}:absence_uploader"
PRESET_UPLOADER_KEY = f"{PREFIX}:preset_uploader"
PRESET_TARGET_KEY = f"{PREFIX}:preset_target"
ALL_FILES = "All survey files"
UNIT_MAP_KEY = f"{PREFIX}:unit_map"                # the confirmed survey-to-HR unit map (DataFrame) or absent
UNIT_EDITOR_KEY = f"{PREFIX}:unit_editor"
UNIT_UPLOADER_KEY = f"{PREFIX}:unit_map_uploader"
UNIT_MATCH_HELP = (
    "Survey teams are joined to HR teams only where both the directorate and the team name agree (ignoring "
    "case, spaces and punctuation), or by a team name alone when one file has no directorates and the name is "
    "unique. The teams below are not joined: choose the HR team each one is (the closest names are suggested, "
    "with their similarity out of 100), then confirm. Your choices are used on every page and saved with the "
    "preset; you can also download them as a unit map for the command line (--unit-map)."
)


# --------------------------------------------------------------------------------------------------
# Table formats and what the last check found
# --------------------------------------------------------------------------------------------------
def findings_column_config(view: pd.DataFrame | None = None) -> dict:
    """Widths of the findings table (:func:`findings_view`), so that severity, file, column, rows, count and
    the start of the message fit a 1400-px window. The Sheet column is hidden (kept in the CSV) when no
    finding has a sheet (CSV files)."""
    no_sheets = view is not None and "Sheet" in view.columns and all_blank(view["Sheet"])
    return {
        "Severity": st.column_config.TextColumn(width=85),
        "File": st.column_config.TextColumn(width=120),
        "Sheet": None if no_sheets else st.column_config.TextColumn(width=100),
        "Column": st.column_config.TextColumn(
            width=110, help="The question code when the column was recognised as a question, else the start of "
                            "its header (the full header is the last column)."),
        "Rows": st.column_config.TextColumn(width=170, help="Spreadsheet rows as in Excel (the header is row 1)."),
        "Count": st.column_config.NumberColumn(format="%,d", width=60),
        "What was found": st.column_config.TextColumn(width="large"),
        "Full column header": st.column_config.TextColumn(width="large"),
    }


def files_column_config() -> dict:
    """Formats of the files-read table (:func:`files_view`): counts with thousands separators."""
    return {"Respondents": st.column_config.NumberColumn(format="%,d"),
            "Questions recognised": st.column_config.NumberColumn(format="%,d"),
            "Notes": st.column_config.TextColumn(width="large")}


@dataclass
class LoadSummary:
    """What the last "Use these files" found (aggregates only), shown after the page reruns."""

    spec_key: str
    files: pd.DataFrame
    findings: pd.DataFrame
    waves: list[str]
    hr: dict[str, str] | None
    #: ``(file, column header) -> question code`` (:func:`column_questions`).
    questions: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)


# --------------------------------------------------------------------------------------------------
# Cached reading (session-scoped: the recognised file holds the upload's bytes, which go with the session)
# --------------------------------------------------------------------------------------------------
@st.cache_resource(max_entries=16, scope="session", show_spinner="Reading the file…")
def _recognised(file_key: str, sheet: str | None, codebook_id: str | None, _payload: FilePayload) -> RecognisedFile:
    # file_key (name + content digest) identifies _payload. Raises InputError for an unreadable file; the
    # error is not cached, so a retry reads the file again.
    return recognise_payload(_payload, sheet, codebook_id)


def recognised_file(payload: FilePayload, sheet: str | None = None) -> RecognisedFile:
    """The recognised header of an uploaded file (cached by name, content, sheet and chosen codebook). Never
    mutate the result."""
    fid = file_id(payload)
    return _recognised(fid, sheet, stored_codebook(fid), payload)


@st.cache_resource(max_entries=16, scope="session", show_spinner="Reading the answers' scales…")
def _answer_scales(file_key: str, sheet: str | None, _payload: FilePayload) -> dict:
    return column_answer_scales(_payload, sheet)


def stored_codebook(file_key: str) -> str | None:
    """The codebook chosen for a survey file (None: the default)."""
    return st.session_state.setdefault(CODEBOOKS_KEY, {}).get(file_key)


def set_codebook(file_key: str, codebook_id: str) -> None:
    """Choose a survey file's codebook: its columns are recognised again and its corrections forgotten."""
    st.session_state.setdefault(CODEBOOKS_KEY, {})[file_key] = codebook_id
    st.session_state[MAPPINGS_KEY].pop(file_key, None)
    st.session_state[GENERATION_KEY][file_key] = generation(file_key) + 1


@st.cache_resource(max_entries=16, scope="session", show_spinner=False)
def _sheet_names(file_key: str, _payload: FilePayload) -> list[str]:
    return list_sheets(_payload.content, _payload.name)


def sheet_names(payload: FilePayload) -> list[str]:
    """The sheets of an uploaded workbook (``[]`` for a CSV), cached by name and content. Never mutate."""
    return _sheet_names(file_id(payload), payload)


def init_state() -> None:
    ss = st.session_state
    ss.setdefault(SURVEY_FILES_KEY, [])
    ss.setdefault(SURVEY_SEEN_KEY, [])
    ss.setdefault(STAFF_FILE_KEY, None)
    ss.setdefault(ABSENCE_FILE_KEY, None)
    ss.setdefault(MAPPINGS_KEY, {})
    ss.setdefault(GENERATION_KEY, {})
    ss.setdefault(FLASH_KEY, [])
    ss.setdefault(SHEETS_KEY, {})
    ss.setdefault(CODEBOOKS_KEY, {})


def survey_payloads() -> list[FilePayload]:
    return list(st.session_state.get(SURVEY_FILES_KEY, []))


def flash(kind: str, text: str) -> None:
    """Queue a message shown at the top of the page on the next run (after ``st.rerun``)."""
    st.session_state.setdefault(FLASH_KEY, []).append((kind, text))


def show_flash() -> None:
    for kind, text in st.session_state.get(FLASH_KEY, []):
        getattr(st, kind)(text)
    st.session_state[FLASH_KEY] = []


def generation(file_key: str) -> int:
    return int(st.session_state[GENERATION_KEY].get(file_key, 0))


def widget_key(file_key: str, name: str) -> str:
    """Key of a per-file widget; it changes with the file's generation."""
    return f"{PREFIX}:{file_key}:{generation(file_key)}:{name}"


def set_mapping(file_key: str, mapping: Mapping, *, new_generation: bool) -> None:
    st.session_state[MAPPINGS_KEY][file_key] = mapping.to_json()
    if new_generation:
        st.session_state[GENERATION_KEY][file_key] = generation(file_key) + 1


def stored_sheet(file_key: str) -> str | None:
    """The sheet chosen for a survey file (None: automatic)."""
    return st.session_state.setdefault(SHEETS_KEY, {}).get(file_key)


def set_sheet(file_key: str, sheet: str | None) -> None:
    """Choose a survey file's sheet: its corrections (made for the other sheet) are forgotten and its widgets
    start a new generation, showing the columns of the new sheet as recognised."""
    sheets = st.session_state.setdefault(SHEETS_KEY, {})
    if sheet is None:
        sheets.pop(file_key, None)
    else:
        sheets[file_key] = sheet
    st.session_state[MAPPINGS_KEY].pop(file_key, None)
    st.session_state[GENERATION_KEY][file_key] = generation(file_key) + 1


def stored_mapping(file_key: str) -> Mapping | None:
    text = st.session_state[MAPPINGS_KEY].get(file_key)
    return Mapping.from_json(text) if text else None


def _payload_of(uploaded) -> FilePayload:
    return FilePayload(name=uploaded.name, content=uploaded.getvalue())


def _size_text(n_bytes: int) -> str:
    return f"{n_bytes / 1024**3:,.1f} GB" if n_bytes >= 1024**3 else f"{n_bytes / 1024**2:,.1f} MB"


def _held_bytes(survey: list[FilePayload], *, besides: str | None = None) -> int:
    """Bytes of the files the session keeps: ``survey`` plus the HR files (but the one under ``besides``)."""
    singles = [st.session_state.get(key) for key in (STAFF_FILE_KEY, ABSENCE_FILE_KEY) if key != besides]
    return sum(len(p.content) for p in [*survey, *singles] if p is not None)


def _past_upload_limit(name: str, size: int, held: int) -> bool:
    """True, with a message saying the limit and what to remove, when a file of ``size`` bytes beside ``held``
    would take the session past ``settings.SESSION_UPLOAD_LIMIT_BYTES``."""
    limit = settings.SESSION_UPLOAD_LIMIT_BYTES
    if held + size <= limit:
        return False
    flash("error", labels.UPLOAD_LIMIT_TEXT.format(name=name, size=_size_text(size), held=_size_text(held),
                                                   limit=_size_text(limit)))
    return True


def _on_survey_upload() -> None:
    """Sync the kept survey files with the uploader: add new files, drop those the user removed from it.
    A new file that would take the session past its total upload limit is refused, with a message.

    The uploader empties when the user visits another page; that is not a removal (no callback runs), so
    the files kept in session state stay until the user removes them.
    """
    ss = st.session_state
    uploaded = list(ss.get(SURVEY_UPLOADER_KEY) or [])
    now = {(f.name, f.size) for f in uploaded}
    removed = set(map(tuple, ss.get(SURVEY_SEEN_KEY, []))) - now
    kept = [p for p in ss.get(SURVEY_FILES_KEY, []) if (p.name, len(p.content)) not in removed]
    known = {(p.name, p.digest) for p in kept}
    for f in uploaded:
        payload = _payload_of(f)
        if (payload.name, payload.digest) not in known:
            if _past_upload_limit(payload.name, len(payload.content), _held_bytes(kept)):
                continue
            kept.append(payload)
            known.add((payload.name, payload.digest))
    ss[SURVEY_FILES_KEY] = kept


def _on_single_upload(uploader_key: str, store_key: str) -> None:
    value = st.session_state.get(uploader_key)
    payload = _payload_of(value) if value is not None else None
    if payload is not None and _past_upload_limit(
            payload.name, len(payload.content), _held_bytes(survey_payloads(), besides=store_key)):
        payload = None
    st.session_state[store_key] = payload


def remove_survey_file(payload: FilePayload) -> None:
    ss = st.session_state
    ss[SURVEY_FILES_KEY] = [p for p in ss[SURVEY_FILES_KEY] if file_id(p) != file_id(payload)]
    ss[MAPPINGS_KEY].pop(file_id(payload), None)
    ss.setdefault(SHEETS_KEY, {}).pop(file_id(payload), None)


def clear_uploads() -> None:
    ss = st.session_state
    ss[SURVEY_FILES_KEY] = []
    ss[STAFF_FILE_KEY] = None
    ss[ABSENCE_FILE_KEY] = None
    ss[MAPPINGS_KEY] = {}
    ss[SHEETS_KEY] = {}
    ss[GENERATION_KEY] = {k: v + 1 for k, v in ss[GENERATION_KEY].items()}
    ss.pop(LAST_LOAD_KEY, None)
    for key in (SURVEY_UPLOADER_KEY, STAFF_UPLOADER_KEY, ABSENCE_UPLOADER_KEY):
        ss.pop(key, None)


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------
FINDING_DETAIL_HINT = "Select a row (the box at its left) to read that finding in full here."




def finding_detail(row: pd.Series) -> str:
    """One finding in full, as Markdown: where (file, sheet, column, rows) and what was found."""
    where = [f"**{tables.markdown_literal(row.get('File', ''))}**"]
    for label in ("Sheet", "Column", "Full column header", "Rows"):
        value = row.get(label)
        if value is not None and not pd.isna(value) and str(value).strip():
            where.append(f"{label.lower()}: {tables.markdown_literal(value)}")
    return " · ".join(where) + "  \n" + tables.markdown_literal(row.get("What was found", ""))


def show_findings(findings: pd.DataFrame, *, key: str, file_name: str) -> None:
    """The data-quality findings table (one row selectable) with the selected finding's full text below it,
    so no message is cut at 1400 px, and the CSV download."""
    tables.show_table_with_detail(findings, key=key, file_name=file_name,
                                  column_config=findings_column_config(findings), placeholder=EMPTY_CELL,
                                  detail=finding_detail, hint=FINDING_DETAIL_HINT)


def show_table(frame: pd.DataFrame, *, key: str, file_name: str, column_config: dict | None = None) -> None:
    """A sortable table and a CSV download of the same table (:func:`ui.tables.show_table`)."""
    tables.show_table(frame, key=key, file_name=file_name, column_config=column_config, placeholder=EMPTY_CELL)


def render_uploaders() -> None:
    """The three uploaders; their files are kept in session state by the callbacks."""
    st.file_uploader("Survey files (one or more waves)", type=SURVEY_TYPES, accept_multiple_files=True,
                     key=SURVEY_UPLOADER_KEY, on_change=_on_survey_upload, help=SURVEY_UPLOAD_HELP)
    # What the uploader holds at the end of this run: a later callback compares with it to see removals.
    st.session_state[SURVEY_SEEN_KEY] = [(f.name, f.size) for f in st.session_state.get(SURVEY_UPLOADER_KEY) or []]
    left, right = st.columns(2)
    with left:
        st.file_uploader("HR: staff list or team-month figures", type=HR_TYPES, key=STAFF_UPLOADER_KEY,
                         on_change=_on_single_upload, args=(STAFF_UPLOADER_KEY, STAFF_FILE_KEY), help=STAFF_UPLOAD_HELP)
    with right:
        st.file_uploader("HR: sickness absence episodes (optional)", type=HR_TYPES, key=ABSENCE_UPLOADER_KEY,
                         on_change=_on_single_upload, args=(ABSENCE_UPLOADER_KEY, ABSENCE_FILE_KEY),
                         help=ABSENCE_UPLOAD_HELP)


def _column_index(options: list[str], column: str | None) -> int:
    return options.index(column) if column in options else 0


def _render_sheet_choice(entry: SurveyFileState) -> None:
    """The Sheet selectbox of a workbook with more than one sheet ("Automatic (…)" first); sets
    ``entry.sheet``. Choosing another sheet recognises that sheet's columns (:func:`set_sheet`) and reruns."""
    payload, fid = entry.payload, entry.id
    entry.sheet = stored_sheet(fid)
    try:
        sheets = sheet_names(payload)
    except InputError:
        return  # the file cannot be read: recognition shows why
    if len(sheets) <= 1:
        return
    try:
        automatic = recognised_file(payload).raw.sheet
    except InputError:
        automatic = None  # no sheet holds responses automatically: the user may still name one
    options = sheet_options(sheets, automatic)
    index = options.index(entry.sheet) if entry.sheet in options[1:] else 0
    chosen = st.selectbox("Sheet", options, index=index, key=widget_key(fid, "sheet"), help=SHEET_HELP)
    sheet = None if chosen == options[0] else chosen
    if sheet != entry.sheet:
        set_sheet(fid, sheet)
        flash("info", f"{payload.name}: " + (f"sheet '{sheet}' read." if sheet else
                                              "the sheet holding the responses is read again."))
        st.rerun()


def render_survey_file(entry: SurveyFileState, *, expanded: bool) -> None:
    """One survey file: its sheet (workbooks of several sheets), what was recognised, the corrections, its
    local measures and its preset.

    Sets ``entry.sheet`` and ``entry.corrected`` (or ``entry.error``)."""
    with st.expander(f"{entry.payload.name}", expanded=expanded, icon=":material/description:"):
        _render_sheet_choice(entry)
        if not _recognise_entry(entry):
            return
        raw = entry.recognised.raw
        where = f"sheet '{raw.sheet}'" if raw.sheet else "CSV"
        st.caption(f"Read: {where}. " + " ".join(n for n in raw.notes if not n.startswith("Header only")))
        if entry.unit_level:
            st.info("This file holds **published results** (one row per unit with a response count), not one row per "
                    "respondent: its figures are used as they are, and units below the anonymity threshold are "
                    "hidden. No column mapping is needed.", icon=":material/table_view:")
            st.caption(" ".join(entry.recognised.unit_results.notes))
            _remove_button(entry.payload)
            return
        _render_corrections(entry)


def _recognise_entry(entry: SurveyFileState) -> bool:
    """Set ``entry.recognised`` (cached); when the file cannot be read, show why, offer to remove it, set
    ``entry.error`` and return False."""
    try:
        entry.recognised = recognised_file(entry.payload, entry.sheet)
    except InputError as exc:
        entry.error = str(exc)
        st.error(str(exc), icon=":material/error:")
        if st.button("Remove this file", key=f"{PREFIX}:{entry.id}:remove_bad", icon=":material/delete:"):
            remove_survey_file(entry.payload)
            st.rerun()
        return False
    return True


def _render_corrections(entry: SurveyFileState) -> None:
    """The unit columns, the question editor, the local measures, the measures found and the preset of a file
    of responses; sets ``entry.corrected`` (or ``entry.error``) and keeps the corrected mapping."""
    fid = entry.id
    detected = entry.recognised.mapping
    codebook = load_codebook(detected.codebook)
    base = stored_mapping(fid) or copy_mapping(detected)
    _render_codebook_choice(entry, detected.codebook)
    advice = few_questions_message(base, codebook)
    if advice:
        st.info(advice, icon=":material/edit_note:")
    st.markdown("**Who each row belongs to**")
    roles, wave_label = _render_unit_columns(entry, base)
    # A refused correction (year unknown, no team column, a question chosen twice, …) is shown here: under the
    # year box and the column choices, right above the question editor, beside the controls that fix it.
    problems = st.container()
    st.markdown("**The question each column answers**")
    editor = _render_items_editor(fid, entry.recognised.raw.columns, base, codebook, roles)
    corrected = _checked_corrections(entry, base, codebook, roles, wave_label, editor, problems=problems)
    _render_local_measures(entry, base if corrected is None else corrected, codebook)
    shown = corrected or base
    st.markdown("**Questions found per measure**")
    st.dataframe(measure_summary_frame(shown, codebook), hide_index=True, key=widget_key(fid, "summary"))
    if shown.unmapped:
        st.caption("Columns not used: " + ", ".join(f"'{c}'" for c in shown.unmapped) + ".")
    _render_mapping_actions(entry, shown, saved=corrected is not None)


def _render_codebook_choice(entry: SurveyFileState, current: str) -> None:
    """The Codebook selectbox (shipped codebooks, and one uploaded here) and a codebook upload (JSON);
    choosing or uploading one recognises the file's columns again (:func:`set_codebook`)."""
    fid = entry.id
    choices = codebook_choices(current)
    left, right = st.columns(2)
    chosen = left.selectbox("Codebook", list(choices), index=list(choices).index(current),
                            format_func=lambda c: choices[c], key=widget_key(fid, "codebook"), help=CODEBOOK_HELP)
    uploaded = right.file_uploader("Or upload a codebook (JSON)", type=["json"], key=widget_key(fid, "codebook_upload"),
                                   help=CODEBOOK_UPLOAD_HELP)
    if uploaded is not None:
        try:
            book = register_codebook(uploaded.getvalue(), uploaded.name)
        except InputError as exc:
            st.error(str(exc), icon=":material/error:")
            return
        chosen = book.id
    if chosen != current:
        set_codebook(fid, chosen)
        flash("info", f"{entry.payload.name}: columns recognised again with the codebook '{load_codebook(chosen).name}'.")
        st.rerun()


def column_display_names(raw) -> dict[str, str]:
    """Column label -> how the column choices show it: "QID2 · Which team do you work in?" when the file
    has a question text for an identifier-style label (a Qualtrics export's second header row, kept in
    ``raw.header_texts``), else the label itself. JSON rows (``{"ImportId": …}``) are never shown."""
    names: dict[str, str] = {}
    for column in getattr(raw, "columns", []):
        texts = [str(t).strip() for t in (getattr(raw, "header_texts", {}) or {}).get(column, [])]
        wording = next((t for t in texts if t and t != str(column) and not t.startswith("{")), None)
        names[column] = f"{column} · {wording}" if wording else str(column)
    return names


def _render_unit_columns(entry: SurveyFileState, base: Mapping) -> tuple[dict[str, str | None], str | None]:
    """The team, directorate and wave selectboxes (and the wave typed when there is no wave column).

    Returns role -> chosen column (None: no such column) and the typed wave (None with a wave column)."""
    fid = entry.id
    options = [NO_COLUMN, *entry.recognised.raw.columns]
    shown = column_display_names(entry.recognised.raw)
    c1, c2, c3 = st.columns(3)
    team = c1.selectbox("Team column", options, index=_column_index(options, base.team_col),
                        key=widget_key(fid, "team"), help=TEAM_HELP, format_func=lambda c: shown.get(c, c))
    directorate = c2.selectbox("Directorate column", options, index=_column_index(options, base.directorate_col),
                               key=widget_key(fid, "directorate"), help=DIRECTORATE_HELP,
                               format_func=lambda c: shown.get(c, c))
    wave = c3.selectbox("Wave column", options, index=_column_index(options, base.wave_col),
                        key=widget_key(fid, "wave"), help=WAVE_HELP, format_func=lambda c: shown.get(c, c))
    wave_label = None
    if wave == NO_COLUMN:
        wave_label = st.text_input("Survey year (wave) of this file",
                                   value=base.wave_label or entry.recognised.wave_fallback or "",
                                   key=widget_key(fid, "wave_label"), help=WAVE_LABEL_HELP)
        found = entry.recognised.wave_found
        if found is not None:
            st.caption(("Found in the file: " + found.text) if found.wave else found.text + " Type the year.")
    roles = {role: None if chosen == NO_COLUMN else chosen
             for role, chosen in (("team", team), ("directorate", directorate), ("wave", wave))}
    return roles, wave_label


def _render_items_editor(fid: str, columns: list[str], base: Mapping, codebook: Codebook,
                         roles: dict[str, str | None]) -> pd.DataFrame:
    """The question editor (:func:`~analytics.corrections.items_editor_frame`); returns the edited
    table."""
    frame = items_editor_frame(columns, base, codebook, roles=roles)
    return st.data_editor(
        frame, key=widget_key(fid, "items"), hide_index=True, num_rows="fixed",
        disabled=["Column", "Recognised by"],
        height=min(EDITOR_ROW_PX * (len(frame) + 1) + 3, EDITOR_MAX_PX),
        column_config={
            "Column": st.column_config.TextColumn("Column", help="The column's header in the file."),
            "Question": st.column_config.SelectboxColumn("Question", options=question_options(codebook),
                                                         required=True, help=QUESTION_HELP, width="large"),
            "Recognised by": st.column_config.TextColumn(
                "Recognised by", width="medium", help="How the column was recognised: its question code, its wording, a header "
                                      "word, a preset, or your choice."),
        })


def _checked_corrections(entry: SurveyFileState, base: Mapping, codebook: Codebook, roles: dict[str, str | None],
                         wave_label: str | None, editor: pd.DataFrame, *, problems=None) -> Mapping | None:
    """The corrected mapping, kept in session state and set as ``entry.corrected``; or None (with the error
    shown in ``problems``, a container beside the controls, and set as ``entry.error``) when the corrections
    are refused."""
    recognised = entry.recognised
    choices = item_choices(editor, codebook, roles=roles)
    if not any(choices.values()) and not base.custom_measures:
        # nothing to score yet: the page's advice (few_questions_message) says what to do, no red error
        entry.error = "No column is given a survey question or a local measure yet."
        return None
    try:
        corrected = corrected_mapping(
            recognised.raw.columns, base, codebook, file_name=entry.payload.name, sheet=recognised.raw.sheet,
            team_col=roles["team"], directorate_col=roles["directorate"], wave_col=roles["wave"],
            wave_label=wave_label, wave_fallback=recognised.wave_fallback,
            choices=choices)
    except InputError as exc:
        entry.error = str(exc)
        (problems if problems is not None else st).error(str(exc), icon=":material/error:")
        return None
    entry.corrected = corrected
    set_mapping(entry.id, corrected, new_generation=False)
    return corrected


def _render_mapping_actions(entry: SurveyFileState, shown: Mapping, *, saved: bool) -> None:
    """Save the mapping as a preset (when the corrections are accepted: ``saved``), go back to the recognised
    columns, remove the file."""
    payload, fid = entry.payload, entry.id
    b1, b2, b3 = st.columns(3)
    with b1:
        st.download_button("Save this mapping as a preset", data=preset_json(shown, confirmed_unit_map()).encode("utf-8"),
                           file_name=f"column_mapping_{payload.name.rsplit('.', 1)[0]}.json",
                           mime="application/json", key=f"{PREFIX}:{fid}:preset_download", on_click="ignore",
                           icon=":material/save:", disabled=not saved,
                           help="Download the column choices (and local measures, and the survey-to-HR team "
                                "matches confirmed below) to re-use them next year.")
    with b2:
        if st.button("Back to the recognised columns", key=f"{PREFIX}:{fid}:reset", icon=":material/undo:",
                     help="Forget the corrections to this file."):
            set_mapping(fid, copy_mapping(entry.recognised.mapping), new_generation=True)
            flash("info", f"{payload.name}: back to the columns as recognised.")
            st.rerun()
    with b3:
        _remove_button(payload)


def _remove_button(payload: FilePayload) -> None:
    if st.button("Remove this file", key=f"{PREFIX}:{file_id(payload)}:remove", icon=":material/delete:"):
        remove_survey_file(payload)
        flash("info", f"{payload.name} removed.")
        st.rerun()


def _render_local_measures(entry: SurveyFileState, mapping: Mapping, codebook: Codebook) -> None:
    """The file's local measures (with a remove button each) and a form to add one."""
    st.markdown("**Local measures** (your own questions)")
    for index, measure in enumerate(mapping.custom_measures):
        left, right = st.columns([4, 1])
        left.markdown(measure_description(measure))
        if right.button("Remove", key=f"{PREFIX}:{entry.id}:remove_measure:{index}", icon=":material/remove:"):
            set_mapping(entry.id, without_measure(mapping, measure.id, entry.recognised.raw.columns),
                        new_generation=True)
            flash("info", f"Local measure '{measure.label}' removed from {entry.payload.name}.")
            st.rerun()
    _render_local_measure_form(entry, mapping, codebook)


def _render_local_measure_form(entry: SurveyFileState, mapping: Mapping, codebook: Codebook) -> None:
    """The form adding a local measure made of columns the mapping leaves unused; adds it (new generation)
    or shows why it cannot be added."""
    fid = entry.id
    raw = entry.recognised.raw
    free = free_columns(raw.columns, mapping)
    scales = answer_scale_labels(codebook)
    with st.form(key=widget_key(fid, "local_form"), clear_on_submit=False, border=True):
        st.caption(LOCAL_MEASURE_HELP)
        left, right = st.columns(2)
        name = left.text_input("Name of the measure", key=widget_key(fid, "local_name"))
        scale = right.selectbox("Answer scale", list(scales), format_func=lambda s: scales[s],
                                key=widget_key(fid, "local_scale"),
                                help="The options of the questions, from least to most favourable wording.")
        left, right = st.columns(2)
        chosen = left.multiselect("Its questions (columns not used above)", free, key=widget_key(fid, "local_columns"),
                                  format_func=lambda c: column_with_wording(raw, c))
        reverse = right.multiselect("Reverse-keyed questions (agreeing is unfavourable)", free,
                                    key=widget_key(fid, "local_reverse"))
        submitted = st.form_submit_button("Add local measure", icon=":material/add:", key=widget_key(fid, "local_add"))
    if not submitted:
        return
    try:
        scales = _answer_scales(fid, raw.sheet, entry.payload) if scale == AUTO_SCALE else None
        added = add_custom_measure(mapping, raw, name, chosen, scale, reverse, codebook=codebook, scales=scales)
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    set_mapping(fid, added, new_generation=True)
    flash("success", f"Local measure '{name.strip()}' added to {entry.payload.name}.")
    st.rerun()


def render_preset_loader(entries: list[SurveyFileState]) -> None:
    """Load a saved mapping (preset) and apply it to one or all survey files."""
    usable = [e for e in entries if e.recognised is not None and not e.unit_level]
    preset = st.file_uploader("Load a saved mapping (preset)", type=["json"], key=PRESET_UPLOADER_KEY,
                              help=PRESET_UPLOAD_HELP)
    if preset is None or not usable:
        return
    targets = [ALL_FILES, *[e.payload.name for e in usable]] if len(usable) > 1 else [usable[0].payload.name]
    target = st.selectbox("Apply it to", targets, key=PRESET_TARGET_KEY)
    if not st.button("Apply the preset", key=f"{PREFIX}:apply_preset", icon=":material/input:"):
        return
    text = preset.getvalue()
    applied, failed = [], []
    for entry in usable:
        if target not in (ALL_FILES, entry.payload.name):
            continue
        try:
            mapping = apply_preset(entry.recognised, text, preset.name)
        except InputError as exc:
            failed.append(f"{entry.payload.name}: {exc.message}")
            continue
        set_mapping(entry.id, mapping, new_generation=True)
        applied.append(entry.payload.name)
    if applied:
        _take_preset_unit_map(text, preset.name)
        flash("success", f"Preset '{preset.name}' applied to {', '.join(applied)}.")
    for message in failed:
        flash("error", f"Preset '{preset.name}' not applied to {message}")
    st.rerun()


def load_with_progress(spec: DatasetSpec) -> LoadSummary | None:
    """Load the spec with a progress bar; show an InputError and return None when it fails."""
    with st.status("Reading and scoring the files…", expanded=True) as status:
        bar = st.progress(0.0, text="Starting")

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

        try:
            dataset = state.load_with_progress(spec, progress)
        except InputError as exc:
            status.update(label="The files could not be used", state="error", expanded=True)
            st.error(str(exc), icon=":material/error:")
            return None
        status.update(label="Files read and scored", state="complete", expanded=False)
    survey = dataset.survey
    return LoadSummary(spec_key=spec.key, files=files_view(survey.files) if survey is not None else files_view([]),
                       findings=survey.findings.copy() if survey is not None else None,
                       waves=survey.waves if survey is not None else [],
                       hr=hr_overview(dataset.hr) if dataset.hr is not None else None,
                       questions=column_questions(survey.files) if survey is not None else {})


def use_files(spec: DatasetSpec) -> None:
    """Load with progress and, when it works, make the upload the session's dataset."""
    summary = load_with_progress(spec)
    if summary is None:
        return
    st.session_state[LAST_LOAD_KEY] = summary
    state.use_uploaded(spec)
    flash("success", "Your files are in use on every page. " +
          (f"Waves: {', '.join(summary.waves)}." if summary.waves else "No survey waves (HR files only)."))
    st.rerun()


def may_publish() -> bool:
    """Whether the session's user may publish (administrators: :func:`analytics.access.may_publish`)."""
    user = auth.current_user()
    return user is not None and access.may_publish(user.role)


def publish_files(spec: DatasetSpec) -> None:
    """Publish the files to the workspace store with the session's anonymity threshold, then show the
    published waves (every signed-in user sees them, with that k fixed)."""
    user = auth.current_user()
    with st.status("Publishing: reading, checking and storing the files…", expanded=True) as status:
        try:
            made = workspace.publish(auth.workspace_store(), spec, by=user.email, k=state.min_group_size())
        except InputError as exc:
            status.update(label="The files could not be published", state="error", expanded=True)
            st.error(str(exc), icon=":material/error:")
            return
        status.update(label="Published", state="complete", expanded=False)
    state.forget_published()
    state.use_sample()   # the session now shows what everyone sees: the published waves
    waves = ", ".join(f"{w.wave} (version {w.version})" for w in made)
    flash("success", f"Published {waves}. Everyone who signs in now sees these figures, with an anonymity "
                     f"threshold of {made[0].k} that nobody can lower.")
    st.rerun()


def check_files(spec: DatasetSpec) -> None:
    """Read and score the files with a progress bar and keep what was found, without using them yet."""
    summary = load_with_progress(spec)
    if summary is not None:
        st.session_state[LAST_LOAD_KEY] = summary
        st.success("Files read and scored: see what was found below, then use the files.",
                   icon=":material/check_circle:")


def render_last_load(spec_key: str | None) -> None:
    """Files read and data-quality findings of the last check, when it was of these files (``spec_key``) or
    of the uploaded dataset in use."""
    summary: LoadSummary | None = st.session_state.get(LAST_LOAD_KEY)
    in_use = state.current_spec()
    current = {spec_key} | (set() if in_use.is_sample else {in_use.key})
    if summary is None or summary.spec_key not in current:
        st.caption("The files read and their data-quality findings appear here once you check or use your files. "
                   "The findings of the dataset in use are also on the Methods & data quality page.")
        return
    st.markdown("**Files read**")
    show_table(summary.files, key=f"{PREFIX}:files_table", file_name="files_read.csv",
               column_config=files_column_config())
    findings = findings_view(summary.findings, getattr(summary, "questions", None))
    st.markdown(f"**Data-quality findings** ({len(findings)})")
    if findings.empty:
        st.success("No data-quality findings.", icon=":material/check_circle:")
    else:
        st.caption("Values outside a question's scale are treated as missing (never as zero); the rows are "
                   "spreadsheet rows as in Excel (the header is row 1).")
        show_findings(findings, key=f"{PREFIX}:findings_table", file_name="data_quality_findings.csv")


# --------------------------------------------------------------------------------------------------
# Matching survey teams to HR teams
# --------------------------------------------------------------------------------------------------
def confirmed_unit_map() -> pd.DataFrame | None:
    """The survey-to-HR unit map the user confirmed on this page (or loaded), or None."""
    return st.session_state.get(UNIT_MAP_KEY)


def _take_preset_unit_map(text: bytes, name: str) -> None:
    try:
        table = preset_unit_map(text, name)
    except InputError as exc:
        flash("error", str(exc))
        return
    if table is not None:
        st.session_state[UNIT_MAP_KEY] = table
        flash("info", f"Preset '{name}' holds {len(table)} confirmed survey-to-HR team match(es); they are used "
                      "with these files.")

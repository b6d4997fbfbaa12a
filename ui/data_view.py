"""Streamlit glue of the Data page: uploads, what was recognised, corrections, presets, and using the files.

The page keeps everything the user did in ``st.session_state`` (the uploaded files' bytes, each survey
file's corrected column mapping), so nothing is lost on a rerun or when the user visits another page and
comes back. Widgets are keyed per file and per *generation*: applying a preset, adding or removing a local
measure, or going back to the recognised columns starts a new generation, so that the widgets show the new
mapping rather than stale edits.

The pure functions here (no Streamlit) are tested directly: :func:`items_editor_frame`,
:func:`corrected_mapping`, :func:`mapping_changed`, :func:`apply_preset`, :func:`build_spec`, :func:`sheet_options`,
:func:`findings_view`, :func:`files_view`, :func:`hr_overview`. Nothing here shows a respondent's row:
only headers, counts and the data-quality findings (which name spreadsheet rows, not people).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analytics import settings
from analytics.ingest.codebook import Codebook, load_codebook
from analytics.dataset import DatasetSpec, FilePayload, load_hr
from analytics.errors import InputError
from analytics.ingest.io import list_sheets, read_table
from analytics.ingest.mapping import Mapping, add_custom_measure, apply_mapping, summarise_mapping
from analytics.survey.pipeline import RecognisedFile, SurveySource, recognise_file
from ui import state
from ui import tables

# --------------------------------------------------------------------------------------------------
# Texts (labels and help live here, not in the page)
# --------------------------------------------------------------------------------------------------
NOT_USED = "not used"
#: What the question editor shows for the columns chosen as team, directorate and wave (not questions).
ROLE_LABELS = {"team": "team column", "directorate": "directorate column", "wave": "wave column"}
#: Findings table: headers longer than this are cut (the full header is in the last column).
FINDING_COLUMN_CHARS = 40
#: What an empty cell of a table shows (a figure that is not computed; the table's note says why).
EMPTY_CELL = "—"
NO_COLUMN = "(none)"
AUTO_COLUMN = "(recognised automatically)"
SURVEY_TYPES = ["csv", "xlsx", "xlsm"]
HR_TYPES = ["csv", "xlsx", "xlsm"]
WORDING_CHARS = 70
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
WAVE_LABEL_HELP = ("The survey year (wave) of every row of this file, e.g. 2025. Taken from the file name when it "
                   "has a year.")
QUESTION_HELP = ("The survey question this column answers, or 'not used'. Each question can be given to one column "
                 "only. The team, directorate and wave columns are chosen above and show their role here.")
LOCAL_MEASURE_HELP = (
    "A measure made from your own questions (e.g. a local pulse survey): its score is the mean of its questions, "
    "0–10, with the same half rule as the national measures. Use the same name in each year's file to follow it "
    "across waves."
)
HR_TEAM_HELP = "The column of the staff file naming the team, if the one recognised is not right."
SHEET_HELP = ("The worksheet of this workbook to read. Automatically, the sheet holding the most responses is read; "
              "choose another when the workbook holds several response sheets (for example one per directorate "
              "or per year). Changing the sheet recognises its columns again and forgets this file's corrections.")

SEVERITY_ICONS = {settings.SEVERITY_ERROR: "⛔ error", settings.SEVERITY_WARNING: "⚠️ warning",
                  settings.SEVERITY_INFO: "ℹ️ info"}

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
SURVEY_UPLOADER_KEY = f"{PREFIX}:survey_uploader"
STAFF_UPLOADER_KEY = f"{PREFIX}:staff_uploader"
ABSENCE_UPLOADER_KEY = f"{PREFIX}:absence_uploader"
PRESET_UPLOADER_KEY = f"{PREFIX}:preset_uploader"
PRESET_TARGET_KEY = f"{PREFIX}:preset_target"
ALL_FILES = "All survey files"


# --------------------------------------------------------------------------------------------------
# Pure logic
# --------------------------------------------------------------------------------------------------
def file_id(payload: FilePayload) -> str:
    """A short stable id of an uploaded file (its name and content), used in widget keys."""
    return hashlib.sha256(f"{payload.name}\x1f{payload.digest}".encode()).hexdigest()[:12]


def recognise_payload(payload: FilePayload, sheet: str | None = None) -> RecognisedFile:
    """Read a survey file (from ``sheet`` of a workbook, or the sheet holding the responses when None) and
    recognise its columns, keeping only its header (no response rows).

    The header is all the Data page needs (column labels and header texts); dropping the rows keeps
    respondent-level data out of the page's state and caches.
    """
    recognised = recognise_file(SurveySource(file_name=payload.name, content=payload.content, sheet=sheet))
    header = dataclasses.replace(recognised.raw, frame=recognised.raw.frame.iloc[:0].copy())
    return dataclasses.replace(recognised, raw=header)


def automatic_sheet_label(sheet: str | None) -> str:
    """The first option of the Sheet selectbox: the automatic choice, naming the sheet it reads."""
    return f"Automatic (the sheet holding responses: {sheet})" if sheet else "Automatic (the sheet holding responses)"


def sheet_options(sheets: list[str], automatic: str | None) -> list[str]:
    """The Sheet selectbox's options: :func:`automatic_sheet_label` first, then the workbook's sheets."""
    return [automatic_sheet_label(automatic), *sheets]


def copy_mapping(mapping: Mapping) -> Mapping:
    return Mapping.from_dict(mapping.to_dict())


def question_labels(codebook: Codebook) -> dict[str, str]:
    """Item code -> the label offered in the question selectbox ("q9h · My immediate manager cares…")."""
    out = {}
    for code, item in codebook.items.items():
        if code.startswith("custom."):
            continue
        wording = item.wording if len(item.wording) <= WORDING_CHARS else item.wording[:WORDING_CHARS - 1] + "…"
        out[code] = f"{code} · {wording}" if wording else code
    return out


def editor_columns(raw_columns: list[str], mapping: Mapping) -> list[str]:
    """The columns listed in the question editor: every column except those of local measures."""
    local = {c for cm in mapping.custom_measures for c in cm.columns}
    return [c for c in raw_columns if c not in local]


def mapping_roles(mapping: Mapping) -> dict[str, str | None]:
    """Role -> column of a mapping: ``{"team": …, "directorate": …, "wave": …}`` (None: no such column)."""
    return {"team": mapping.team_col, "directorate": mapping.directorate_col, "wave": mapping.wave_col}


def items_editor_frame(raw_columns: list[str], mapping: Mapping, codebook: Codebook, *,
                       roles: dict[str, str | None] | None = None) -> pd.DataFrame:
    """The question editor's table: one row per column of the file (local measures' columns left out).

    Columns: ``Column`` (header), ``Question`` (a label of :func:`question_labels`, the column's role of
    :data:`ROLE_LABELS` — "team column" — when it is the team, directorate or wave column and has no
    question, else :data:`NOT_USED`), ``Recognised by`` (how the column was recognised).

    ``roles`` (role -> column) are the unit columns chosen on the page, which may differ from the
    mapping's while the user is correcting them; default: the mapping's (:func:`mapping_roles`).
    """
    labels = question_labels(codebook)
    role_of = {column: role for role, column in (roles if roles is not None else mapping_roles(mapping)).items()
               if column}
    rows = []
    for column in editor_columns(raw_columns, mapping):
        code = mapping.items.get(column)
        if code:
            question = labels.get(code, NOT_USED)
        else:
            question = ROLE_LABELS[role_of[column]] if column in role_of else NOT_USED
        rows.append({"Column": column, "Question": question, "Recognised by": mapping.evidence.get(column, "")})
    return pd.DataFrame(rows, columns=["Column", "Question", "Recognised by"])


def question_options(codebook: Codebook) -> list[str]:
    """The options of the editor's Question cells: "not used", the roles (shown, not for choosing) and the
    questions."""
    return [NOT_USED, *ROLE_LABELS.values(), *question_labels(codebook).values()]


def item_choices(editor: pd.DataFrame, codebook: Codebook, *,
                 roles: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """Column -> item code (or None for "not used" or a role) from the question editor's table.

    Raises
    ------
    InputError
        A column is marked as the team, directorate or wave column in the editor but is not the one
        chosen for that role (``roles``, role -> column); the role is chosen above the editor. Without
        ``roles`` the role labels are only read as "no question".
    """
    code_of = {label: code for code, label in question_labels(codebook).items()}
    role_by_label = {label: role for role, label in ROLE_LABELS.items()}
    out: dict[str, str | None] = {}
    for column, label in zip(editor["Column"], editor["Question"]):
        label = None if label is None or pd.isna(label) else str(label)
        if roles is not None and label in role_by_label and roles.get(role_by_label[label]) != column:
            role = role_by_label[label]
            raise InputError(f"'{column}' is marked as the {label} in the question list. To use it as the {role} "
                             f"column, choose it under '{role.capitalize()} column' above; otherwise set its question "
                             f"to '{NOT_USED}' or to the question it answers.")
        out[str(column)] = code_of.get(label) if label and label != NOT_USED else None
    return out


def corrected_mapping(raw_columns: list[str], base: Mapping, codebook: Codebook, *, file_name: str,
                      sheet: str | None = None, team_col: str | None, directorate_col: str | None,
                      wave_col: str | None, wave_label: str | None, wave_fallback: str | None,
                      choices: dict[str, str | None]) -> Mapping:
    """The mapping after the user's corrections, checked.

    Parameters
    ----------
    raw_columns
        The file's column labels.
    base
        The mapping the widgets started from (recognised, preset or previously corrected); its local
        measures are kept.
    team_col, directorate_col, wave_col
        The chosen unit columns (None: the file has none).
    wave_label
        The wave typed for every row (used only without a wave column); blank or equal to ``wave_fallback``
        (the year in the file name) means "from the file name".
    choices
        Column -> item code or None, from :func:`item_choices`. Columns not listed keep no question.

    Raises
    ------
    InputError
        Two columns given one question; one column given two roles (team and directorate, or a question
        and the team); no team column; no wave; no column given a question or a local measure.
    """
    where = {"file": file_name, "sheet": sheet}
    roles = {"team": team_col, "directorate": directorate_col, "wave": wave_col}
    taken: dict[str, str] = {}
    for role, column in roles.items():
        if not column:
            continue
        if column not in raw_columns:
            raise InputError(f"There is no column '{column}' in this file; choose the {role} column again.", **where)
        if column in taken:
            raise InputError(f"The column '{column}' is chosen both as the {taken[column]} column and as the {role} "
                             "column. Choose a different column for each.", **where)
        taken[column] = role
    if not team_col:
        raise InputError("Choose the team column: scores are reported per team.", **where)
    items: dict[str, str] = {}
    by_code: dict[str, str] = {}
    labels = question_labels(codebook)
    for column in raw_columns:
        code = choices.get(column)
        if not code:
            continue
        if column in taken:
            raise InputError(f"The column '{column}' is the {taken[column]} column, but it is also given the question "
                             f"{code}. Set its question to '{NOT_USED}', or choose another {taken[column]} column.",
                             **where)
        if code in by_code:
            raise InputError(f"The columns '{by_code[code]}' and '{column}' are both given the question "
                             f"{labels.get(code, code)}. Each question can be given to one column only: set one of "
                             f"them to '{NOT_USED}'.", **where)
        by_code[code] = column
        items[column] = code
    for measure in base.custom_measures:
        for column in measure.columns:
            if column in taken:
                raise InputError(f"The column '{column}' is the {taken[column]} column, but it is also a question of "
                                 f"the local measure '{measure.label}'. Remove the local measure or choose another "
                                 f"{taken[column]} column.", **where)
    if not items and not base.custom_measures:
        raise InputError("No column is given a survey question or a local measure, so nothing can be scored. Choose "
                         "the question of each column in the table.", **where)
    label = (wave_label or "").strip() or None
    if wave_col:
        label = None
    elif label == wave_fallback:
        label = None
    if not wave_col and not label and not wave_fallback:
        raise InputError("The survey year (wave) of this file is not known: it has no wave column and no year in its "
                         "name. Choose the wave column or type the year.", **where)
    evidence = {}
    for column in raw_columns:
        was = base.evidence.get(column)
        if column in items:
            evidence[column] = was if base.items.get(column) == items[column] and was else "user"
        elif column in taken:
            same = getattr(base, f"{taken[column]}_col") == column
            evidence[column] = was if same and was else "user"
        elif any(column in cm.columns for cm in base.custom_measures):
            evidence[column] = was or "user"
    mapping = Mapping(items=items, team_col=team_col, directorate_col=directorate_col or None,
                      wave_col=wave_col or None, wave_label=label, custom_measures=copy_mapping(base).custom_measures,
                      codebook=base.codebook, evidence=evidence)
    mapping.unmapped = [c for c in raw_columns if c not in set(mapping.used_columns())]
    return mapping


def _signature(mapping: Mapping) -> dict:
    data = mapping.to_dict()
    return {k: data[k] for k in ("items", "team_col", "directorate_col", "wave_col", "wave_label", "custom_measures",
                                 "codebook")}


def mapping_changed(recognised: Mapping, corrected: Mapping) -> bool:
    """Whether the corrected mapping differs from what recognition found (evidence aside)."""
    return _signature(recognised) != _signature(corrected)


def apply_preset(recognised: RecognisedFile, preset_text: str | bytes, preset_name: str) -> Mapping:
    """A saved mapping (preset) re-applied to a file; the file's wave stays its own.

    Raises :class:`InputError` when the preset is not a mapping, refers to another codebook's questions, or
    names columns the file does not have (see :func:`analytics.ingest.mapping.apply_mapping`).
    """
    preset = Mapping.from_json(preset_text, source=preset_name)
    codebook = load_codebook(preset.codebook)
    return apply_mapping(recognised.raw, preset, codebook)


def preset_json(mapping: Mapping) -> str:
    """The mapping as a preset to download. The wave label belongs to this file and is left out."""
    preset = copy_mapping(mapping)
    preset.wave_label = None
    return preset.to_json()


@dataclass
class SurveyFileState:
    """One uploaded survey file on the Data page."""

    payload: FilePayload
    recognised: RecognisedFile | None = None
    corrected: Mapping | None = None
    error: str | None = None
    #: The worksheet chosen on the page (None: the sheet holding the responses, chosen automatically).
    sheet: str | None = None

    @property
    def id(self) -> str:
        return file_id(self.payload)

    @property
    def unit_level(self) -> bool:
        return self.recognised is not None and self.recognised.is_unit_level

    @property
    def ready(self) -> bool:
        return self.error is None and self.recognised is not None and (self.unit_level or self.corrected is not None)

    @property
    def changed(self) -> bool:
        return (self.ready and not self.unit_level
                and mapping_changed(self.recognised.mapping, self.corrected))


def build_spec(files: list[SurveyFileState], *, staff_file: FilePayload | None = None,
               absence_file: FilePayload | None = None, hr_team_col: str | None = None) -> DatasetSpec:
    """The dataset spec for the uploaded files and the user's corrections.

    A file whose columns the user did not change is recognised again when loaded (entry ``None`` of
    ``mappings_json``); a corrected file carries its own mapping. When no file was corrected,
    ``mappings_json`` is left empty, so the spec is the same as for a plain upload. Likewise a file's
    chosen sheet goes into ``survey_sheets`` (``None``: automatic), left empty when no sheet was chosen.

    Raises :class:`InputError` when there is nothing to load or a survey file is not ready.
    """
    if not files and staff_file is None:
        raise InputError("Upload at least one survey file or an HR file first.")
    waiting = [f.payload.name for f in files if not f.ready]
    if waiting:
        raise InputError(f"Fix the problems shown for {', '.join(waiting)} (or remove the file) before using the "
                         "files.")
    entries = tuple(f.corrected.to_json() if f.changed else None for f in files)
    sheets = tuple(f.sheet for f in files)
    names = [f.payload.name for f in files] + [p.name for p in (staff_file, absence_file) if p is not None]
    return DatasetSpec(label="Uploaded: " + ", ".join(names), survey_files=tuple(f.payload for f in files),
                       staff_file=staff_file, absence_file=absence_file,
                       mappings_json=entries if any(e is not None for e in entries) else (),
                       survey_sheets=sheets if any(s is not None for s in sheets) else (),
                       hr_team_col=hr_team_col or None)


FINDINGS_VIEW_COLUMNS = ("Severity", "File", "Sheet", "Column", "Rows", "Count", "What was found",
                         "Full column header")


def column_questions(files: list[dict]) -> dict[tuple[str, str], str]:
    """``(file, column header) -> question code`` of every column recognised as a national question.

    ``files`` are the survey files read (``SurveyResults.files``: dicts with ``file`` and ``mapping``).
    Columns of local measures are left out (their header is their name).
    """
    out: dict[tuple[str, str], str] = {}
    for entry in files or []:
        mapping = entry.get("mapping")
        if mapping is None:
            continue
        for column, code in mapping.items.items():
            if code and not str(code).startswith("custom."):
                out[(str(entry["file"]), str(column))] = str(code)
    return out


def short_column(header: object, code: str | None = None, limit: int = FINDING_COLUMN_CHARS) -> str:
    """A finding's column, short: its question code when recognised, else the header cut to ``limit``
    characters (with "…")."""
    if code:
        return code
    if header is None or (not isinstance(header, str) and pd.isna(header)):
        return ""
    text = " ".join(str(header).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def findings_view(findings: pd.DataFrame | None,
                  questions: dict[tuple[str, str], str] | None = None) -> pd.DataFrame:
    """The data-quality findings for display: most serious first, columns :data:`FINDINGS_VIEW_COLUMNS`.

    ``Column`` is short (:func:`short_column`: the question code when the column was recognised as a
    question, from ``questions`` of :func:`column_questions`; else the header cut to
    :data:`FINDING_COLUMN_CHARS` characters); the full header is the last column.
    """
    if findings is None or findings.empty:
        return pd.DataFrame(columns=list(FINDINGS_VIEW_COLUMNS))
    questions = questions or {}
    rank = {s: i for i, s in enumerate(settings.SEVERITIES)}
    frame = findings.assign(_rank=findings["severity"].map(rank).fillna(len(rank)))
    frame = frame.sort_values(["_rank", "file", "kind"], kind="stable")
    headers = ["" if h is None or (not isinstance(h, str) and pd.isna(h)) else str(h) for h in frame["column"]]
    short = [short_column(h, questions.get((str(f), h))) for f, h in zip(frame["file"], headers)]
    return pd.DataFrame({
        "Severity": frame["severity"].map(lambda s: SEVERITY_ICONS.get(s, str(s))).to_numpy(),
        "File": frame["file"].to_numpy(), "Sheet": frame["sheet"].to_numpy(), "Column": short,
        "Rows": frame["rows"].to_numpy(), "Count": frame["count"].to_numpy(),
        "What was found": frame["message"].to_numpy(), "Full column header": headers,
    }, columns=list(FINDINGS_VIEW_COLUMNS))


def _blank(values: pd.Series) -> bool:
    return bool(values.map(lambda v: v is None or (not isinstance(v, str) and pd.isna(v)) or str(v) == "").all())


def findings_column_config(view: pd.DataFrame | None = None) -> dict:
    """Widths of the findings table (:func:`findings_view`), so that severity, file, column, rows, count and
    the start of the message fit a 1400-px window. The Sheet column is hidden (kept in the CSV) when no
    finding has a sheet (CSV files)."""
    no_sheets = view is not None and "Sheet" in view.columns and _blank(view["Sheet"])
    return {
        "Severity": st.column_config.TextColumn(width=85),
        "File": st.column_config.TextColumn(width=120),
        "Sheet": None if no_sheets else st.column_config.TextColumn(width=60),
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


FILES_VIEW_COLUMNS = ("File", "Sheet", "Kind", "Respondents", "Waves", "Questions recognised", "Notes")


def files_view(files: list[dict]) -> pd.DataFrame:
    """One row per survey file read: file, sheet, respondents, waves, questions recognised, reader notes."""
    rows = []
    for f in files:
        rows.append({"File": f["file"], "Sheet": f.get("sheet") or "",
                     "Kind": "published results" if f.get("unit_level") else "responses",
                     "Respondents": f.get("respondents"), "Waves": ", ".join(f.get("waves", [])),
                     "Questions recognised": f.get("items_recognised"), "Notes": " ".join(f.get("notes", []))})
    frame = pd.DataFrame(rows, columns=list(FILES_VIEW_COLUMNS))
    frame["Respondents"] = frame["Respondents"].astype("Int64")
    frame["Questions recognised"] = frame["Questions recognised"].astype("Int64")
    return frame


def hr_overview(records) -> dict[str, str]:
    """What an HR file was read as, in words: kind, period covered, units, notes (no person-level data)."""
    if hasattr(records, "assignments"):  # employee-level (StaffRecords); by shape, to survive a module reload
        kind = "employee-level staff list" + (" with sickness absence episodes" if records.absence is not None else "")
        teams = records.assignments["team"].nunique()
    else:
        kind = "team-month HR figures"
        teams = records.table["team"].nunique()
    return {"Read as": kind, "Period covered": f"{records.coverage_start:%d %b %Y} to {records.coverage_end:%d %b %Y}",
            "Teams": str(int(teams)), "Directorates": "yes" if records.has_directorate else "no directorate column",
            "Notes": " ".join(records.notes)}


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
# Cached reading
# --------------------------------------------------------------------------------------------------
@st.cache_resource(max_entries=16, show_spinner="Reading the file…")
def _recognised(file_key: str, sheet: str | None, _payload: FilePayload) -> RecognisedFile:
    # file_key (name + content digest) identifies _payload. Raises InputError for an unreadable file; the
    # error is not cached, so a retry reads the file again.
    return recognise_payload(_payload, sheet)


def recognised_file(payload: FilePayload, sheet: str | None = None) -> RecognisedFile:
    """The recognised header of an uploaded file (cached by name, content and sheet). Never mutate the
    result."""
    return _recognised(file_id(payload), sheet, payload)


@st.cache_resource(max_entries=16, show_spinner=False)
def _sheet_names(file_key: str, _payload: FilePayload) -> list[str]:
    return list_sheets(_payload.content, _payload.name)


def sheet_names(payload: FilePayload) -> list[str]:
    """The sheets of an uploaded workbook (``[]`` for a CSV), cached by name and content. Never mutate."""
    return _sheet_names(file_id(payload), payload)


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


def _on_survey_upload() -> None:
    """Sync the kept survey files with the uploader: add new files, drop those the user removed from it.

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
            kept.append(payload)
            known.add((payload.name, payload.digest))
    ss[SURVEY_FILES_KEY] = kept


def _on_single_upload(uploader_key: str, store_key: str) -> None:
    value = st.session_state.get(uploader_key)
    st.session_state[store_key] = _payload_of(value) if value is not None else None


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


def _measure_summary_display(mapping: Mapping, codebook: Codebook) -> pd.DataFrame:
    summary = summarise_mapping(mapping, codebook)
    return pd.DataFrame({
        "Measure": summary["label"],
        "Questions found": [f"{found} of {expected}" for found, expected in
                            zip(summary["items_found"], summary["items_expected"])],
        "Missing questions": summary["missing_items"],
    })


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
    payload = entry.payload
    fid = entry.id
    with st.expander(f"{payload.name}", expanded=expanded, icon=":material/description:"):
        _render_sheet_choice(entry)
        try:
            entry.recognised = recognised_file(payload, entry.sheet)
        except InputError as exc:
            entry.error = str(exc)
            st.error(str(exc), icon=":material/error:")
            if st.button("Remove this file", key=f"{PREFIX}:{fid}:remove_bad", icon=":material/delete:"):
                remove_survey_file(payload)
                st.rerun()
            return
        recognised = entry.recognised
        raw = recognised.raw
        where = f"sheet '{raw.sheet}'" if raw.sheet else "CSV"
        st.caption(f"Read: {where}. " + " ".join(n for n in raw.notes if not n.startswith("Header only")))
        if recognised.is_unit_level:
            results = recognised.unit_results
            st.info("This file holds **published results** (one row per unit with a response count), not one row per "
                    "respondent: its figures are used as they are, and units below the anonymity threshold are "
                    "hidden. No column mapping is needed.", icon=":material/table_view:")
            st.caption(" ".join(results.notes))
            _remove_button(payload)
            return
        detected = recognised.mapping
        codebook = load_codebook(detected.codebook)
        base = stored_mapping(fid) or copy_mapping(detected)
        columns = raw.columns
        options = [NO_COLUMN, *columns]

        st.markdown("**Who each row belongs to**")
        c1, c2, c3 = st.columns(3)
        team = c1.selectbox("Team column", options, index=_column_index(options, base.team_col),
                            key=widget_key(fid, "team"), help=TEAM_HELP)
        directorate = c2.selectbox("Directorate column", options, index=_column_index(options, base.directorate_col),
                                   key=widget_key(fid, "directorate"), help=DIRECTORATE_HELP)
        wave = c3.selectbox("Wave column", options, index=_column_index(options, base.wave_col),
                            key=widget_key(fid, "wave"), help=WAVE_HELP)
        wave_label = None
        if wave == NO_COLUMN:
            wave_label = st.text_input("Survey year (wave) of this file",
                                       value=base.wave_label or recognised.wave_fallback or "",
                                       key=widget_key(fid, "wave_label"), help=WAVE_LABEL_HELP)

        st.markdown("**The question each column answers**")
        roles = {"team": None if team == NO_COLUMN else team,
                 "directorate": None if directorate == NO_COLUMN else directorate,
                 "wave": None if wave == NO_COLUMN else wave}
        frame = items_editor_frame(columns, base, codebook, roles=roles)
        editor = st.data_editor(
            frame, key=widget_key(fid, "items"), hide_index=True, num_rows="fixed",
            disabled=["Column", "Recognised by"],
            height=min(EDITOR_ROW_PX * (len(frame) + 1) + 3, EDITOR_MAX_PX),
            column_config={
                "Column": st.column_config.TextColumn("Column", help="The column's header in the file."),
                "Question": st.column_config.SelectboxColumn("Question", options=question_options(codebook),
                                                             required=True, help=QUESTION_HELP, width="large"),
                "Recognised by": st.column_config.TextColumn(
                    "Recognised by", help="How the column was recognised: its question code, its wording, a header "
                                          "word, a preset, or your choice."),
            })
        try:
            corrected = corrected_mapping(
                columns, base, codebook, file_name=payload.name, sheet=raw.sheet,
                team_col=roles["team"], directorate_col=roles["directorate"], wave_col=roles["wave"],
                wave_label=wave_label, wave_fallback=recognised.wave_fallback,
                choices=item_choices(editor, codebook, roles=roles))
        except InputError as exc:
            entry.error = str(exc)
            st.error(str(exc), icon=":material/error:")
            corrected = None
        else:
            entry.corrected = corrected
            set_mapping(fid, corrected, new_generation=False)

        _render_local_measures(entry, base if corrected is None else corrected, codebook)

        shown = corrected or base
        st.markdown("**Questions found per measure**")
        st.dataframe(_measure_summary_display(shown, codebook), hide_index=True, key=widget_key(fid, "summary"))
        if shown.unmapped:
            st.caption("Columns not used: " + ", ".join(f"'{c}'" for c in shown.unmapped) + ".")

        b1, b2, b3 = st.columns(3)
        with b1:
            st.download_button("Save this mapping as a preset", data=preset_json(shown).encode("utf-8"),
                               file_name=f"column_mapping_{payload.name.rsplit('.', 1)[0]}.json",
                               mime="application/json", key=f"{PREFIX}:{fid}:preset_download", on_click="ignore",
                               icon=":material/save:", disabled=corrected is None,
                               help="Download the column choices (and local measures) to re-use them next year.")
        with b2:
            if st.button("Back to the recognised columns", key=f"{PREFIX}:{fid}:reset", icon=":material/undo:",
                         help="Forget the corrections to this file."):
                set_mapping(fid, copy_mapping(detected), new_generation=True)
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
    fid = entry.id
    raw = entry.recognised.raw
    st.markdown("**Local measures** (your own questions)")
    for index, measure in enumerate(mapping.custom_measures):
        reverse = f"; reverse-keyed: {', '.join(measure.reverse_columns)}" if measure.reverse_columns else ""
        scale = measure.scale if isinstance(measure.scale, str) else " / ".join(measure.scale)
        left, right = st.columns([4, 1])
        left.markdown(f"- **{measure.label}**: {', '.join(measure.columns)} (scale: {scale}{reverse})")
        if right.button("Remove", key=f"{PREFIX}:{fid}:remove_measure:{index}", icon=":material/remove:"):
            kept = copy_mapping(mapping)
            kept.custom_measures = [m for m in kept.custom_measures if m.id != measure.id]
            kept.unmapped = [c for c in raw.columns if c not in set(kept.used_columns())]
            set_mapping(fid, kept, new_generation=True)
            flash("info", f"Local measure '{measure.label}' removed from {entry.payload.name}.")
            st.rerun()
    free = [c for c in raw.columns if c in set(mapping.unmapped)]
    scales = {name: scale.label for name, scale in codebook.scales.items() if not name.startswith("custom.")}
    with st.form(key=widget_key(fid, "local_form"), clear_on_submit=False, border=True):
        st.caption(LOCAL_MEASURE_HELP)
        left, right = st.columns(2)
        name = left.text_input("Name of the measure", key=widget_key(fid, "local_name"))
        scale = right.selectbox("Answer scale", list(scales), format_func=lambda s: scales[s],
                                key=widget_key(fid, "local_scale"),
                                help="The options of the questions, from least to most favourable wording.")
        left, right = st.columns(2)
        chosen = left.multiselect("Its questions (columns not used above)", free, key=widget_key(fid, "local_columns"))
        reverse = right.multiselect("Reverse-keyed questions (agreeing is unfavourable)", free,
                                    key=widget_key(fid, "local_reverse"))
        submitted = st.form_submit_button("Add local measure", icon=":material/add:", key=widget_key(fid, "local_add"))
    if submitted:
        try:
            added = add_custom_measure(mapping, raw, name, chosen, scale, reverse, codebook=codebook)
        except InputError as exc:
            st.error(str(exc), icon=":material/error:")
        else:
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
        flash("success", f"Preset '{preset.name}' applied to {', '.join(applied)}.")
    for message in failed:
        flash("error", f"Preset '{preset.name}' not applied to {message}")
    st.rerun()


def render_hr(staff: FilePayload | None, absence: FilePayload | None) -> tuple[bool, str | None]:
    """What the HR files were read as; returns (ready, chosen team column)."""
    if staff is None and absence is None:
        st.caption("No HR files: the pages will show survey results only.")
        return True, None
    if staff is None:
        st.error("An absence file needs the staff list it belongs to: upload the ESR staff list too.",
                 icon=":material/error:")
        return False, None
    try:
        columns = staff_columns(staff)
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        return False, None
    options = [AUTO_COLUMN, *columns]
    kept = st.session_state.setdefault(HR_TEAM_KEY, {})
    chosen = st.selectbox("Team column of the staff file", options,
                          index=_column_index(options, kept.get(file_id(staff))),
                          key=f"{HR_TEAM_KEY}:{file_id(staff)}", help=HR_TEAM_HELP)
    team_col = None if chosen == AUTO_COLUMN else chosen
    kept[file_id(staff)] = team_col
    spec = DatasetSpec(label="HR check", staff_file=staff, absence_file=absence, hr_team_col=team_col)
    try:
        records = hr_records(spec)
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        return False, team_col
    overview = hr_overview(records)
    st.dataframe(pd.DataFrame({"": list(overview), "What was read": list(overview.values())}), hide_index=True,
                 key=f"{PREFIX}:hr_overview")
    return True, team_col


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
        show_table(findings, key=f"{PREFIX}:findings_table", file_name="data_quality_findings.csv",
                   column_config=findings_column_config(findings))

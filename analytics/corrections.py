"""The Data page's logic: what the user sees of a recognised file, and the column mapping after their corrections.

Everything here is pure (no Streamlit): the page (:mod:`ui.data_view`) keeps the widgets and the session
state and calls these functions.

- **The question editor.** :func:`items_editor_frame` turns a recognised :class:`Mapping` into the table
  the user edits (one row per column: ``Column``, ``Question``, ``Recognised by``); :func:`item_choices`
  reads the edited table back (column -> question code); :func:`corrected_mapping` checks the choices and
  builds the corrected mapping.
- **Presets.** :func:`preset_json` and :func:`apply_preset`: a corrected mapping saved and re-applied to
  next year's file.
- **Using the files.** :class:`SurveyFileState` (one uploaded survey file and its corrections) and
  :func:`build_spec` (the :class:`~analytics.dataset.DatasetSpec` to load).
- **What was read.** :func:`files_view`, :func:`findings_view` (data-quality findings for display),
  :func:`hr_overview`, :func:`measure_summary_frame`.

Nothing here holds a respondent's row: the recognised files keep only their header (:func:`recognise_payload`),
and the tables built are headers, counts and findings (which name spreadsheet rows, not people).
Bad choices raise :class:`~analytics.errors.InputError` with a message saying what to change on the page.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

import pandas as pd

from analytics import settings
from analytics.hr import HRPeriod, LeaverDefinition, period_notes
from analytics.dataset import DatasetSpec, FilePayload
from analytics.errors import InputError
from analytics.ingest.answer_scales import DetectedScale, column_scales
from analytics.ingest.codebook import Codebook, available_codebooks, load_codebook
from analytics.ingest.io import read_table
from analytics.ingest.local_measures import AUTO_SCALE, question_wording
from analytics.ingest.mapping import CustomMeasure, Mapping, apply_mapping, summarise_mapping
from analytics.survey.duplicates import refuse_identical_files
from analytics.survey.pipeline import RecognisedFile, SurveySource, recognise_file
from analytics.unit_matching import unit_map_csv, unit_map_from_records, unit_map_records

# --------------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------------
#: What the question editor shows for a column given no question.
NOT_USED = "not used"
#: What the question editor shows for the columns chosen as team, directorate and wave (not questions).
ROLE_LABELS = {"team": "team column", "directorate": "directorate column", "wave": "wave column"}
#: Question wordings longer than this are cut (with "…") in the question editor's labels.
WORDING_CHARS = 70
#: Findings table: headers longer than this are cut (the full header is in the last column).
FINDING_COLUMN_CHARS = 40
SEVERITY_ICONS = {settings.SEVERITY_ERROR: "⛔ error", settings.SEVERITY_WARNING: "⚠️ warning",
                  settings.SEVERITY_INFO: "ℹ️ info"}
EDITOR_COLUMNS = ("Column", "Question", "Recognised by")
FINDINGS_VIEW_COLUMNS = ("Severity", "File", "Sheet", "Column", "Rows", "Count", "What was found",
                         "Full column header")
FILES_VIEW_COLUMNS = ("File", "Sheet", "Kind", "Respondents", "Waves", "Questions recognised", "Notes")


# --------------------------------------------------------------------------------------------------
# Files and sheets
# --------------------------------------------------------------------------------------------------
def file_id(payload: FilePayload) -> str:
    """A short stable id of an uploaded file (its name and content), used in widget and state keys.

    Returns
    -------
    str
        The first 12 hex digits of the SHA-256 of the name and the content's digest.
    """
    return hashlib.sha256(f"{payload.name}\x1f{payload.digest}".encode()).hexdigest()[:12]


def recognise_payload(payload: FilePayload, sheet: str | None = None, codebook_id: str | None = None) -> RecognisedFile:
    """Read a survey file (from ``sheet`` of a workbook, or the sheet holding the responses when None) and
    recognise its columns with the codebook ``codebook_id`` (default: the shipped default), keeping only its
    header (no response rows).

    A file in which no question of the codebook is recognised is not refused: its mapping has no items, and
    the page offers its columns for local measures (:func:`few_questions_message`).

    The header is all the Data page needs (column labels and header texts); dropping the rows keeps
    respondent-level data out of the page's state and caches.

    Raises
    ------
    InputError
        The file cannot be read (see :func:`analytics.survey.pipeline.recognise_file`).
    """
    codebook = load_codebook(codebook_id) if codebook_id else None
    recognised = recognise_file(SurveySource(file_name=payload.name, content=payload.content, sheet=sheet),
                                codebook=codebook, require_items=False)
    header = dataclasses.replace(recognised.raw, frame=recognised.raw.frame.iloc[:0].copy())
    return dataclasses.replace(recognised, raw=header)


def column_answer_scales(payload: FilePayload, sheet: str | None = None) -> dict[str, DetectedScale | None]:
    """Column -> the answer scale detected from its answers (:func:`analytics.ingest.answer_scales.column_scales`).

    Reads the file's rows once; only each column's scale is returned, never an answer."""
    raw = read_table(payload.content, payload.name, sheet=sheet)
    return column_scales(raw.frame)


def column_with_wording(raw, column: str) -> str:
    """A column's header with its question text from the file's other header rows, when it has one (a
    Qualtrics export's ``Q1``: "Q1 — I feel valued for the work I do."), cut to :data:`WORDING_CHARS`."""
    wording = question_wording(raw, column)
    if not wording:
        return column
    text = f"{column} — {' '.join(wording.split())}"
    return text if len(text) <= WORDING_CHARS else text[:WORDING_CHARS - 1].rstrip() + "…"


def few_questions_message(mapping: Mapping, codebook: Codebook) -> str | None:
    """What to do when few or no questions of the codebook were recognised (fewer than
    :data:`analytics.settings.FEW_QUESTIONS`), naming only what the Data page offers; None otherwise."""
    found = len(mapping.items)
    if found >= settings.FEW_QUESTIONS:
        return None
    what = "No question" if found == 0 else f"Only {found} question(s)"
    return (f"{what} of the codebook '{codebook.name}' recognised in this file. If it is a survey with its own "
            "questions (a local pulse survey), check the team column, then add each of its measures under "
            "**Local measures** below: a name and its question columns (the answer scale is detected from the "
            "answers). If it is a national survey of another year, choose its codebook above (or upload one), or "
            "give each column its question in the table.")


def codebook_choices(current: str | None) -> dict[str, str]:
    """Codebook id -> name for the Codebook selectbox: the shipped codebooks, then ``current`` (an uploaded
    one) when it is not shipped."""
    choices = {cid: load_codebook(cid).name for cid in available_codebooks()}
    if current and current not in choices:
        choices[current] = load_codebook(current).name
    return choices


def automatic_sheet_label(sheet: str | None) -> str:
    """The first option of the Sheet selectbox: the automatic choice, naming the sheet it reads."""
    return f"Automatic (the sheet holding responses: {sheet})" if sheet else "Automatic (the sheet holding responses)"


def sheet_options(sheets: list[str], automatic: str | None) -> list[str]:
    """The Sheet selectbox's options: :func:`automatic_sheet_label` first, then the workbook's sheets."""
    return [automatic_sheet_label(automatic), *sheets]


# --------------------------------------------------------------------------------------------------
# The question editor
# --------------------------------------------------------------------------------------------------
def copy_mapping(mapping: Mapping) -> Mapping:
    """An independent copy of ``mapping`` (through its JSON form), safe to change."""
    return Mapping.from_dict(mapping.to_dict())


def question_labels(codebook: Codebook) -> dict[str, str]:
    """Item code -> the label offered in the question selectbox ("q9h · My immediate manager cares…").

    Wordings longer than :data:`WORDING_CHARS` are cut with "…"; an item without wording is labelled by
    its code. Local measures' items (``custom.…``) are left out: they are chosen in their own form.
    """
    out = {}
    for code, item in codebook.items.items():
        if code.startswith("custom."):
            continue
        wording = item.wording if len(item.wording) <= WORDING_CHARS else item.wording[:WORDING_CHARS - 1] + "…"
        out[code] = f"{code} · {wording}" if wording else code
    return out


def question_options(codebook: Codebook) -> list[str]:
    """The options of the editor's Question cells: "not used", the roles (shown, not for choosing) and the
    questions."""
    return [NOT_USED, *ROLE_LABELS.values(), *question_labels(codebook).values()]


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

    ``roles`` (role -> column) are the unit columns chosen on the page, which may differ from the
    mapping's while the user is correcting them; default: the mapping's (:func:`mapping_roles`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EDITOR_COLUMNS`, in the file's column order:

        - ``Column``: the column's header;
        - ``Question``: a label of :func:`question_labels` when the column answers a question; else the
          column's role of :data:`ROLE_LABELS` ("team column") when it is the team, directorate or wave
          column; else :data:`NOT_USED`;
        - ``Recognised by``: how the column was recognised (the mapping's evidence, "" when none).
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
    return pd.DataFrame(rows, columns=list(EDITOR_COLUMNS))


def item_choices(editor: pd.DataFrame, codebook: Codebook, *,
                 roles: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """Column -> item code from the question editor's table (``Column`` and ``Question`` of
    :func:`items_editor_frame`, as edited).

    Returns
    -------
    dict
        Every column of the table; None for "not used", a blank cell or a role label.

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


# --------------------------------------------------------------------------------------------------
# The corrected mapping
# --------------------------------------------------------------------------------------------------
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

    Returns
    -------
    Mapping
        The chosen unit columns and questions, ``base``'s local measures and codebook, the evidence of
        :func:`corrected_evidence` ("user" for what the user changed) and ``unmapped``: the columns of
        ``raw_columns`` that nothing uses.

    Raises
    ------
    InputError
        Checked in this order: a unit column the file does not have; one column given two roles (team and
        directorate); no team column; a question given to a unit column; two columns given one question;
        a local measure's question that is a unit column; no column given a question or a local measure;
        no wave (no wave column, nothing typed and no year found in the file). The error names the file
        and sheet.
    """
    where = {"file": file_name, "sheet": sheet}
    taken = unit_column_roles(raw_columns, {"team": team_col, "directorate": directorate_col, "wave": wave_col},
                              where=where)
    if not team_col:
        raise InputError("Choose the team column: scores are reported per team.", **where)
    items = chosen_items(raw_columns, choices, taken, codebook, where=where)
    check_local_measures(base.custom_measures, taken, where=where)
    if not items and not base.custom_measures:
        raise InputError("No column is given a survey question or a local measure, so nothing can be scored. Choose "
                         "the question of each column in the table.", **where)
    label = typed_wave_label(wave_col, wave_label, wave_fallback, where=where)
    mapping = Mapping(items=items, team_col=team_col, directorate_col=directorate_col or None,
                      wave_col=wave_col or None, wave_label=label, custom_measures=copy_mapping(base).custom_measures,
                      codebook=base.codebook, evidence=corrected_evidence(raw_columns, base, items, taken))
    mapping.unmapped = unused_columns(raw_columns, mapping)
    return mapping


def unit_column_roles(raw_columns: list[str], roles: dict[str, str | None], *, where: dict) -> dict[str, str]:
    """Column -> role of the chosen unit columns (``roles``: role -> column or None), checked.

    Raises
    ------
    InputError
        A chosen column is not in ``raw_columns``, or one column is chosen for two roles. ``where``
        (``file``, ``sheet``) is passed to the error.
    """
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
    return taken


def chosen_items(raw_columns: list[str], choices: dict[str, str | None], taken: dict[str, str], codebook: Codebook,
                 *, where: dict) -> dict[str, str]:
    """Column -> item code of the columns given a question in ``choices``, in the file's column order.

    Raises
    ------
    InputError
        A unit column (``taken``: column -> role) is given a question, or two columns are given the same
        question (named by its label of :func:`question_labels`).
    """
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
    return items


def check_local_measures(measures: list[CustomMeasure], taken: dict[str, str], *, where: dict) -> None:
    """Refuse a local measure whose question is one of the unit columns (``taken``: column -> role).

    Raises
    ------
    InputError
        Naming the column, its role and the local measure.
    """
    for measure in measures:
        for column in measure.columns:
            if column in taken:
                raise InputError(f"The column '{column}' is the {taken[column]} column, but it is also a question of "
                                 f"the local measure '{measure.label}'. Remove the local measure or choose another "
                                 f"{taken[column]} column.", **where)


def typed_wave_label(wave_col: str | None, wave_label: str | None, wave_fallback: str | None, *,
                     where: dict) -> str | None:
    """The wave label to store: the typed ``wave_label`` stripped, or None when there is a wave column, when
    nothing was typed, or when it equals ``wave_fallback`` (the year in the file name, used anyway).

    Raises
    ------
    InputError
        The wave is not known: no wave column, nothing typed and no ``wave_fallback``.
    """
    label = (wave_label or "").strip() or None
    if wave_col:
        label = None
    elif label == wave_fallback:
        label = None
    if not wave_col and not label and not wave_fallback:
        raise InputError("The survey year (wave) of this file is not known: it has no wave column, no response-date "
                         "column and no year in a sheet name, a title row or its file name. Choose the wave column or "
                         "type the year.", **where)
    return label


def corrected_evidence(raw_columns: list[str], base: Mapping, items: dict[str, str],
                       taken: dict[str, str]) -> dict[str, str]:
    """How each used column was recognised, after the corrections.

    A question column (``items``) or unit column (``taken``: column -> role) keeps ``base``'s evidence when
    ``base`` gave it the same question or role, else "user"; a local measure's column keeps its evidence
    ("user" when it had none). Unused columns have no entry.
    """
    evidence = {}
    local = {c for cm in base.custom_measures for c in cm.columns}
    for column in raw_columns:
        was = base.evidence.get(column)
        if column in items:
            same = base.items.get(column) == items[column]
        elif column in taken:
            same = getattr(base, f"{taken[column]}_col") == column
        elif column in local:
            same = True
        else:
            continue
        evidence[column] = was if same and was else "user"
    return evidence


def unused_columns(raw_columns: list[str], mapping: Mapping) -> list[str]:
    """The columns of ``raw_columns`` that ``mapping`` does not use (its ``unmapped``), in file order."""
    used = set(mapping.used_columns())
    return [c for c in raw_columns if c not in used]


def _signature(mapping: Mapping) -> dict:
    data = mapping.to_dict()
    return {k: data[k] for k in ("items", "team_col", "directorate_col", "wave_col", "wave_label", "custom_measures",
                                 "codebook")}


def mapping_changed(recognised: Mapping, corrected: Mapping) -> bool:
    """Whether the corrected mapping differs from what recognition found (evidence and unmapped aside)."""
    return _signature(recognised) != _signature(corrected)


# --------------------------------------------------------------------------------------------------
# Local measures
# --------------------------------------------------------------------------------------------------
def measure_description(measure: CustomMeasure) -> str:
    """A local measure in one line of Markdown: name, questions, scale and reverse-keyed questions."""
    reverse = f"; reverse-keyed: {', '.join(measure.reverse_columns)}" if measure.reverse_columns else ""
    scale = measure.scale if isinstance(measure.scale, str) else " / ".join(measure.scale)
    return f"- **{measure.label}**: {', '.join(measure.columns)} (scale: {scale}{reverse})"


def without_measure(mapping: Mapping, measure_id: str, raw_columns: list[str]) -> Mapping:
    """A copy of ``mapping`` without the local measure ``measure_id``; its questions become unused."""
    kept = copy_mapping(mapping)
    kept.custom_measures = [m for m in kept.custom_measures if m.id != measure_id]
    kept.unmapped = unused_columns(raw_columns, kept)
    return kept


def free_columns(raw_columns: list[str], mapping: Mapping) -> list[str]:
    """The columns a local measure may use: those the mapping leaves unused, in file order."""
    unmapped = set(mapping.unmapped)
    return [c for c in raw_columns if c in unmapped]


#: The first choice of a local measure's answer scale: detected from the answers.
DETECT_SCALE_LABEL = "Detect from the answers"


def answer_scale_labels(codebook: Codebook) -> dict[str, str]:
    """Scale name -> label of the answer scales offered to a local measure: ``"auto"`` (detected from the
    answers) first, then the codebook's scales (local scales left out)."""
    return {AUTO_SCALE: DETECT_SCALE_LABEL,
            **{name: scale.label for name, scale in codebook.scales.items() if not name.startswith("custom.")}}


def measure_summary_frame(mapping: Mapping, codebook: Codebook) -> pd.DataFrame:
    """Questions found per measure, for display.

    Returns
    -------
    pandas.DataFrame
        One row per measure of :func:`analytics.ingest.mapping.summarise_mapping`: ``Measure`` (label),
        ``Questions found`` ("3 of 4"), ``Missing questions``.
    """
    summary = summarise_mapping(mapping, codebook)
    return pd.DataFrame({
        "Measure": summary["label"],
        "Questions found": [f"{found} of {expected}" for found, expected in
                            zip(summary["items_found"], summary["items_expected"])],
        "Missing questions": summary["missing_items"],
    })


# --------------------------------------------------------------------------------------------------
# Presets
# --------------------------------------------------------------------------------------------------
def apply_preset(recognised: RecognisedFile, preset_text: str | bytes, preset_name: str) -> Mapping:
    """A saved mapping (preset) re-applied to a file; the file's wave stays its own.

    Raises
    ------
    InputError
        The preset is not a mapping, refers to another codebook's questions, or names columns the file
        does not have (see :func:`analytics.ingest.mapping.apply_mapping`).
    """
    preset = Mapping.from_json(preset_text, source=preset_name)
    codebook = load_codebook(preset.codebook)
    return apply_mapping(recognised.raw, preset, codebook)


def preset_json(mapping: Mapping, unit_map: pd.DataFrame | None = None) -> str:
    """The mapping as a preset to download (JSON). The wave label belongs to this file and is left out.

    With a confirmed unit map (:func:`analytics.unit_matching.read_unit_map`) the preset carries it as
    ``"unit_map"``: a list of rows ``{survey_directorate, survey_team, hr_directorate, hr_team}``. Mapping
    readers ignore the key, so the preset still loads as a mapping everywhere.
    """
    preset = copy_mapping(mapping)
    preset.wave_label = None
    if unit_map is None or unit_map.empty:
        return preset.to_json()
    data = preset.to_dict()
    data["unit_map"] = unit_map_records(unit_map)
    return json.dumps(data, indent=2, ensure_ascii=False)


def preset_unit_map(preset_text: str | bytes, preset_name: str) -> pd.DataFrame | None:
    """The confirmed unit map a preset carries (:func:`preset_json`), or None (older presets have none).

    Raises :class:`InputError` for a preset that is not JSON or whose unit map is malformed (naming the row).
    """
    try:
        data = json.loads(preset_text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"The saved column mapping is not valid JSON ({exc}).", file=preset_name) from None
    if not isinstance(data, dict) or "unit_map" not in data:
        return None
    return unit_map_from_records(data["unit_map"], source=preset_name)


# --------------------------------------------------------------------------------------------------
# Using the files
# --------------------------------------------------------------------------------------------------
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
               absence_file: FilePayload | None = None, hr_team_col: str | None = None,
               unit_map: pd.DataFrame | None = None, hr_period: HRPeriod = HRPeriod(),
               leaver_definition: LeaverDefinition = LeaverDefinition()) -> DatasetSpec:
    """The dataset spec for the uploaded files and the user's corrections.

    A file whose columns the user did not change is recognised again when loaded (entry ``None`` of
    ``mappings_json``); a corrected file carries its own mapping. When no file was corrected,
    ``mappings_json`` is left empty, so the spec is the same as for a plain upload. Likewise a file's
    chosen sheet goes into ``survey_sheets`` (``None``: automatic), left empty when no sheet was chosen.
    A confirmed unit map (non-empty) goes into ``unit_map_csv`` when there is a staff file, as do the HR
    period and the leaver definition the user chose.

    Raises
    ------
    InputError
        There is nothing to load, two survey files hold the same bytes (every respondent would be counted
        twice: :func:`analytics.survey.duplicates.refuse_identical_files`), or a survey file is not ready
        (:func:`check_files_ready`).
    """
    _refuse_identical_uploads(files)
    check_files_ready(files, staff_file)
    names = [f.payload.name for f in files] + [p.name for p in (staff_file, absence_file) if p is not None]
    return DatasetSpec(label="Uploaded: " + ", ".join(names), survey_files=tuple(f.payload for f in files),
                       staff_file=staff_file, absence_file=absence_file,
                       mappings_json=_unless_all_none(f.corrected.to_json() if f.changed else None for f in files),
                       survey_sheets=_unless_all_none(f.sheet for f in files),
                       hr_team_col=hr_team_col or None,
                       unit_map_csv=(unit_map_csv(unit_map) if staff_file is not None and unit_map is not None
                                     and not unit_map.empty else None),
                       hr_period=hr_period if staff_file is not None else HRPeriod(),
                       leaver_definition=leaver_definition if staff_file is not None else LeaverDefinition())


def _refuse_identical_uploads(files: list[SurveyFileState]) -> None:
    """:func:`analytics.survey.duplicates.refuse_identical_files` on the uploaded survey files."""
    refuse_identical_files([f.payload.name for f in files], [f.payload.digest for f in files])


def check_files_ready(files: list[SurveyFileState], staff_file: FilePayload | None) -> None:
    """Refuse to build a spec from nothing, or from survey files that are not :attr:`~SurveyFileState.ready`.

    Raises
    ------
    InputError
        No survey file and no staff file; or naming the files still to fix.
    """
    if not files and staff_file is None:
        raise InputError("Upload at least one survey file or an HR file first.")
    waiting = [f.payload.name for f in files if not f.ready]
    if waiting:
        raise InputError(f"Fix the problems shown for {', '.join(waiting)} (or remove the file) before using the "
                         "files.")


def _unless_all_none(values) -> tuple:
    """``values`` as a tuple, or ``()`` when every value is None (nothing chosen: the spec's default)."""
    values = tuple(values)
    return values if any(v is not None for v in values) else ()


# --------------------------------------------------------------------------------------------------
# What was read
# --------------------------------------------------------------------------------------------------
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


def _is_blank(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def short_column(header: object, code: str | None = None, limit: int = FINDING_COLUMN_CHARS) -> str:
    """A finding's column, short: its question code when recognised, else the header (whitespace runs made
    one space) cut to ``limit`` characters (with "…"); "" for a missing header."""
    if code:
        return code
    if _is_blank(header):
        return ""
    text = " ".join(str(header).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def findings_view(findings: pd.DataFrame | None,
                  questions: dict[tuple[str, str], str] | None = None) -> pd.DataFrame:
    """The data-quality findings for display, most serious first.

    Parameters
    ----------
    findings
        Columns :data:`analytics.settings.FINDING_COLUMNS` (None or empty: no findings).
    questions
        ``(file, column header) -> question code`` of :func:`column_questions`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FINDINGS_VIEW_COLUMNS`, sorted by severity (order of :data:`settings.SEVERITIES`,
        unknown last), file and kind. ``Severity`` is shown with its icon (:data:`SEVERITY_ICONS`);
        ``Column`` is short (:func:`short_column`: the question code when the column was recognised as a
        question, else the header cut to :data:`FINDING_COLUMN_CHARS` characters); the full header is the
        last column ("" when the finding has no column).
    """
    if findings is None or findings.empty:
        return pd.DataFrame(columns=list(FINDINGS_VIEW_COLUMNS))
    questions = questions or {}
    rank = {s: i for i, s in enumerate(settings.SEVERITIES)}
    frame = findings.assign(_rank=findings["severity"].map(rank).fillna(len(rank)))
    frame = frame.sort_values(["_rank", "file", "kind"], kind="stable")
    headers = ["" if _is_blank(h) else str(h) for h in frame["column"]]
    short = [short_column(h, questions.get((str(f), h))) for f, h in zip(frame["file"], headers)]
    return pd.DataFrame({
        "Severity": frame["severity"].map(lambda s: SEVERITY_ICONS.get(s, str(s))).to_numpy(),
        "File": frame["file"].to_numpy(), "Sheet": frame["sheet"].to_numpy(), "Column": short,
        "Rows": frame["rows"].to_numpy(), "Count": frame["count"].to_numpy(),
        "What was found": frame["message"].to_numpy(), "Full column header": headers,
    }, columns=list(FINDINGS_VIEW_COLUMNS))


def all_blank(values: pd.Series) -> bool:
    """Whether every value is missing or the empty string (True for an empty series)."""
    return bool(values.map(lambda v: _is_blank(v) or str(v) == "").all())


def files_view(files: list[dict]) -> pd.DataFrame:
    """The survey files read, for display.

    ``files`` are ``SurveyResults.files`` (dicts with ``file`` and optionally ``sheet``, ``unit_level``,
    ``respondents``, ``waves``, ``items_recognised``, ``notes``).

    Returns
    -------
    pandas.DataFrame
        One row per file, columns :data:`FILES_VIEW_COLUMNS`: ``Kind`` is "published results" or
        "responses"; ``Respondents`` and ``Questions recognised`` are nullable integers (missing when not
        given); ``Waves`` and ``Notes`` are joined into one text.
    """
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


def _leavers_counted(records) -> str:
    """How the records' leavers are counted, in words: their definition, the default, or as a team-month
    file gives them."""
    if not hasattr(records, "assignments"):
        return settings.LEAVER_DEFINITION_AS_GIVEN
    definition = getattr(records, "leaver_definition", None)
    return (definition or LeaverDefinition()).text


def hr_overview(records) -> dict[str, str]:
    """What an HR file was read as, in words (no person-level data).

    ``records`` are :class:`~analytics.hr.StaffRecords` (employee level) or :class:`~analytics.hr.HRRecords`
    (team-month figures), told apart by shape so that it survives a module reload.

    Returns
    -------
    dict
        ``Read as`` (the kind of file), ``HR period`` ("01 Apr 2024 to 31 Mar 2025"), ``How the period was
        found``, ``Planned leavers`` and ``Overlapping absences`` (findings, when there are any), ``Leavers
        counted``, ``Teams`` (count), ``Directorates`` ("yes" or "no directorate column"), ``Notes`` (the
        rest of what the reader decided).
    """
    if hasattr(records, "assignments"):  # employee-level (StaffRecords)
        kind = "employee-level staff list" + (" with sickness absence episodes" if records.absence is not None else "")
        teams = records.assignments["team"].nunique()
    else:
        kind = "team-month HR figures"
        teams = records.table["team"].nunique()
    how, planned = period_notes(records)
    found = {"How the period was found": how, "Planned leavers": planned}
    overlaps = getattr(records, "absence_overlaps", None)
    found["Overlapping absences"] = [overlaps.text] if overlaps is not None else []
    placed = {n for notes in found.values() for n in notes}
    overview = {"Read as": kind, "HR period": f"{records.coverage_start:%d %b %Y} to {records.coverage_end:%d %b %Y}"}
    overview.update({title: " ".join(notes) for title, notes in found.items() if notes})
    overview["Leavers counted"] = _leavers_counted(records)
    overview.update({"Teams": str(int(teams)),
                     "Directorates": "yes" if records.has_directorate else "no directorate column",
                     "Notes": " ".join(n for n in records.notes if n not in placed)})
    return overview

"""Team scorecards: the anonymised unit results as a spreadsheet workbook (XLSX, via openpyxl).

The workbook a wellbeing guardian or OD lead opens in Excel::

    README         what every column of every sheet holds, the anonymity threshold, the data sources
    Contents       every sheet, linked, and a note when the team sheets were capped
    Organisation   one row per wave: HR figures, then every measure's score, 95% CI, responses, % positive
                   and status
    Directorates   one row per directorate x wave (same columns, plus the parent)
    Teams          one row per team x wave (same columns, plus its directorate)
    Questions      one row per unit x wave: % positive, responses and status for every question
    <team>         one printable page per team with results in the wave (analytics.report.scorecard_teams)

Figure columns hold numbers only (NaN / an empty cell when not shown) so they sort and add up in Excel;
the text column "<measure>: status" beside each measure's figures says why they are empty. One status column
per measure, not one per row, because the reason differs between the measures of one row (a measure not
asked in a wave, a measure answered by fewer people): a filter on one status column then selects exactly
the rows with (or without) that measure's figures.

Anonymity (shared/design/domain.md §2)
--------------------------------------
Only the tables that leave :mod:`analytics.survey.pipeline` already suppressed are read
(``SurveyResults.unit_scores`` and ``SurveyResults.item_results``); nothing is recomputed from
respondent rows. A suppressed measure has every figure empty (score, CI, responses, % positive) and its
status says "fewer than k responses" (``settings.SUPPRESSED_LABEL``) or the complementary text. A measure
with no responses at all in a shown unit is "no data", which is not the same; one the wave's survey did not
ask is "not asked in this wave" (:func:`analytics.survey.asked.not_asked`). As a second line of defence, a row
whose ``suppressed`` flag is missing, or whose ``n`` is below the threshold, is treated as suppressed too.
Filtering to one directorate only removes rows, so it cannot expose a hidden figure by subtraction.

Spreadsheet safety
------------------
Every text cell (unit names, headers, notes) goes through :func:`analytics.export.neutralise_cell`, so a
team called ``=HYPERLINK(...)`` is written as text and never run as a formula.

Nothing here imports Streamlit or Plotly.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import settings
from analytics.ingest.codebook import Codebook, load_codebook
from analytics.errors import InputError
from analytics.export import csv_bytes, neutralise_cell
from analytics.report.scorecard_teams import HR_COLUMNS, HR_MEANINGS, TeamPage, team_pages, unit_hr_columns
from analytics.survey.asked import not_asked as not_asked_pairs
from analytics.survey.pipeline import SurveyResults
from analytics.survey.privacy import suppression_label, check_min_group_size

#: Sheet name of each reporting level, top down.
LEVEL_SHEETS: dict[str, str] = {
    settings.LEVEL_ORGANISATION: "Organisation",
    settings.LEVEL_DIRECTORATE: "Directorates",
    settings.LEVEL_TEAM: "Teams",
}
README_SHEET = "README"
CONTENTS_SHEET = "Contents"
QUESTIONS_SHEET = "Questions"
#: Characters Excel refuses in a sheet name, and its longest name.
_SHEET_FORBIDDEN = set('[]:*?/\\')
SHEET_NAME_MAX = 31

#: The figures shown for every measure, in column order: (unit_scores column, header suffix, meaning).
MEASURE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("mean", "score",
     "mean score on the 0-10 scale of the unit's respondents (unweighted; higher is better for every measure)"),
    ("ci_low", "95% CI low", "lower end of the 95% confidence interval of the score (t distribution)"),
    ("ci_high", "95% CI high", "upper end of the 95% confidence interval of the score (t distribution)"),
    ("n", "responses", "respondents with a score for this measure (n)"),
    ("pct_positive", "% positive",
     "share of answers (0-100) that chose one of the two most favourable options, over the measure's questions"),
)
#: The text column beside each measure's figures: empty when they are shown, else why they are not.
STATUS_FIELD = ("status", "status", "why the figures of this measure are empty: the suppression text, "
                f"'{settings.NOT_ASKED_LABEL}', or '{settings.NO_DATA_LABEL}' (nobody in the unit answered); "
                "empty when the figures are shown")
#: Identifier columns of each level sheet: (header, meaning).
_ID_COLUMNS = {
    "wave": ("Wave", "survey wave (year) of the results"),
    "parent": ("Part of", "the unit this one belongs to (a team's directorate; a directorate's organisation)"),
    "unit": ("Unit", "the team, directorate or organisation"),
}
#: Header of the directorate column on the Teams sheet and of the unit column on each sheet.
_UNIT_HEADERS = {
    settings.LEVEL_ORGANISATION: "Organisation",
    settings.LEVEL_DIRECTORATE: "Directorate",
    settings.LEVEL_TEAM: "Team",
}
_PARENT_HEADERS = {
    settings.LEVEL_DIRECTORATE: "Organisation",
    settings.LEVEL_TEAM: "Directorate",
}

# Colour scale of scores and % positive: ColorBrewer PuOr, light ends (colour-blind safe; black text stays
# readable on every step). Low = orange, middle = near white, high = purple.
SCALE_LOW = "FDB863"
SCALE_MID = "F7F7F7"
SCALE_HIGH = "B2ABD2"
#: Fill of suppressed and no-data cells (light grey, distinct from every colour of the scale).
SUPPRESSED_FILL = "D9D9D9"
#: Excel number format of each numeric column kind: one decimal for scores and rates, whole numbers for counts.
NUMBER_FORMATS = {"mean": "0.0", "ci_low": "0.0", "ci_high": "0.0", "n": "0", "pct_positive": "0.0",
                  "count": "0", "rate": "0.0", "score": "0.0"}
#: Column kinds that hold numbers only (or nothing).
NUMERIC_KINDS = frozenset(NUMBER_FORMATS)
_HR_KEY_OF_HEADER = {header: key for key, header, _ in HR_COLUMNS}


def excel_sheet_name(name: str, taken: Iterable[str]) -> str:
    """A valid, unique Excel sheet name for ``name``: the characters ``[]:*?/\\`` become "-", leading and
    trailing apostrophes and spaces go, at most 31 characters, and " (2)", " (3)"… is added (within the 31)
    when the name is taken (compared without case, as Excel does); "History" is reserved by Excel.

    >>> excel_sheet_name("A&E: Majors/Minors [night]", ["README"])
    'A&E- Majors-Minors -night-'
    >>> excel_sheet_name("readme", ["README"])
    'readme (2)'
    """
    used = {t.casefold() for t in taken} | {"history"}
    clean = "".join("-" if c in _SHEET_FORBIDDEN or ord(c) < 32 else c for c in str(name)).strip(" '") or "Team"
    candidate = clean[:SHEET_NAME_MAX].strip(" '") or "Team"
    number = 1
    while candidate.casefold() in used:
        number += 1
        suffix = f" ({number})"
        candidate = clean[:SHEET_NAME_MAX - len(suffix)].rstrip(" '") + suffix
    return candidate


@dataclass
class Scorecards:
    """The workbook's content: one frame per sheet, plus what the README says.

    ``sheets`` maps sheet name -> frame (display headers; figure cells are numbers at full precision or
    missing, status cells say why a figure is missing); ``kinds`` maps sheet name -> {header: field} (``"mean"``, ``"n"``…,
    or ``"id"``) so the writer can format and colour columns; ``guide`` is the README column table
    (``sheet, column, meaning``); ``notes`` are the README's paragraphs.
    """

    sheets: dict[str, pd.DataFrame]
    kinds: dict[str, dict[str, str]]
    guide: pd.DataFrame
    notes: list[str]
    min_group_size: int
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The wave of the team sheets, the team sheets (sheet name -> :class:`TeamPage`) and how many teams
    #: had results in that wave (more than ``len(team_pages)`` when the sheets were capped).
    wave: str = ""
    team_pages: dict[str, TeamPage] = field(default_factory=dict)
    teams_with_results: int = 0
    contents: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_xlsx(self) -> bytes:
        """The workbook as bytes (see :func:`write_scorecards_xlsx`)."""
        return write_scorecards_xlsx(self)

    def to_csv(self, sheet: str = LEVEL_SHEETS[settings.LEVEL_TEAM]) -> bytes:
        """One sheet as CSV bytes (UTF-8 with BOM), formula injection neutralised."""
        if sheet not in self.sheets:
            raise InputError(f"There is no '{sheet}' table. Choose one of: {', '.join(self.sheets)}.")
        return csv_bytes(self.sheets[sheet])


def _book(survey: SurveyResults) -> Codebook | None:
    if survey.codebook is not None:
        return survey.codebook
    try:
        return load_codebook(survey.codebook_id) if survey.codebook_id else None
    except InputError:
        return None


def _measure_order(present: Iterable[str], codebook: Codebook | None) -> list[str]:
    present = list(dict.fromkeys(str(m) for m in present))
    known = [m for m in (codebook.measure_ids if codebook else ()) if m in present]
    return known + [m for m in present if m not in known]


def _measure_label(measure: str, codebook: Codebook | None) -> str:
    if codebook is not None and measure in codebook.measure_ids:
        return codebook.measure(measure).label
    if codebook is not None and measure in codebook.items:
        return f"{measure}: {codebook.items[measure].wording}"
    return str(measure)


def _hidden(rows: pd.DataFrame, min_group_size: int) -> np.ndarray:
    """Rows to show as suppressed: flagged, flag missing, or 0 < n < k (second line of defence)."""
    flag = rows["suppressed"]
    flagged = flag.isna().to_numpy() | flag.fillna(True).astype(bool).to_numpy()
    n = pd.to_numeric(rows["n"], errors="coerce").to_numpy(dtype=float)
    small = np.isfinite(n) & (n > 0) & (n < min_group_size)
    return flagged | small


def _cell_values(rows: pd.DataFrame, value_cols: Sequence[str], min_group_size: int,
                 not_asked: set[tuple[str, str]] = frozenset()) -> pd.DataFrame:
    """The figures as numbers (NaN where none is shown) and a ``status`` column saying why.

    ``status`` is "" for a shown row; the suppression text ("fewer than k responses", or "hidden to protect a
    group with fewer than k responses" for a complement: :func:`analytics.survey.privacy.suppression_label`)
    for a hidden one; :data:`settings.NOT_ASKED_LABEL` when the wave's survey did not ask the measure
    (:func:`analytics.survey.asked.not_asked`, keyed by ``(_wave, _measure)``); "no data" when nobody in the
    unit answered (n missing or 0). Every figure of a hidden, not-asked or no-data row is NaN.
    """
    hidden = _hidden(rows, min_group_size)
    n = pd.to_numeric(rows["n"], errors="coerce").to_numpy(dtype=float)
    no_responses = ~(np.isfinite(n) & (n > 0))
    reasons = rows["suppressed_reason"] if "suppressed_reason" in rows else pd.Series("", index=rows.index)
    suppressed_text = np.array([suppression_label(r, min_group_size) for r in reasons], dtype=object)
    keys = zip(rows["_wave"], rows["_measure"]) if "_measure" in rows else iter(())
    unasked = np.array([key in not_asked for key in keys], dtype=bool) if not_asked and len(rows) else \
        np.zeros(len(rows), dtype=bool)
    status = np.where(hidden, suppressed_text,
                      np.where(unasked, settings.NOT_ASKED_LABEL,
                               np.where(no_responses, settings.NO_DATA_LABEL, ""))).astype(object)
    out = {}
    for column in value_cols:
        values = pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype=float)
        out[column] = np.where(status == "", values, np.nan)
    out["status"] = status
    return pd.DataFrame(out, index=rows.index)


def _not_asked(unit_scores: pd.DataFrame) -> set[tuple[str, str]]:
    """(wave, measure) pairs the wave's survey did not ask (:func:`analytics.survey.asked.not_asked`)."""
    if not len(unit_scores) or "measure" not in unit_scores:
        return set()
    return not_asked_pairs(unit_scores)


def _filter_directorate(table: pd.DataFrame, level: str, directorate: str | None) -> pd.DataFrame:
    if directorate is None or level == settings.LEVEL_ORGANISATION:
        return table
    if level == settings.LEVEL_DIRECTORATE:
        return table[table["unit"].astype(str) == str(directorate)]
    return table[table["parent"].astype(str) == str(directorate)]


def _unit_frame(table: pd.DataFrame, level: str) -> pd.DataFrame:
    """The distinct wave x parent x unit rows of a level, sorted (wave, then parent, then unit)."""
    keys = table[["wave", "parent", "unit"]].astype(object)
    keys = keys.assign(parent=keys["parent"].where(keys["parent"].notna(), ""),
                       wave=keys["wave"].astype(str), unit=keys["unit"].astype(str))
    keys = keys.drop_duplicates().sort_values(["wave", "parent", "unit"], key=lambda s: s.str.casefold())
    return keys.reset_index(drop=True)


def _wide_cells(table: pd.DataFrame, rows: pd.DataFrame, value_cols: list[str],
                min_group_size: int, not_asked: set[tuple[str, str]]) -> pd.DataFrame | None:
    """The sheet's figures and status (:func:`_cell_values`) with one column per (field, measure) and one
    row per unit x wave of ``rows``; None for an empty table."""
    if not len(table):
        return None
    keyed = table.assign(_wave=table["wave"].astype(str), _unit=table["unit"].astype(str),
                         _parent=table["parent"].astype(object).where(table["parent"].notna(), "").astype(str),
                         _measure=table["measure"].astype(str))
    for column in value_cols:
        if column not in keyed:
            keyed[column] = np.nan
    cells = _cell_values(keyed, value_cols, min_group_size, not_asked)
    cells.index = pd.MultiIndex.from_frame(keyed[["_wave", "_parent", "_unit", "_measure"]])
    cells = cells[~cells.index.duplicated()]
    return cells.unstack("_measure").reindex(pd.MultiIndex.from_frame(rows[["wave", "parent", "unit"]]))


def _field_column(wide: pd.DataFrame | None, field_name: str, measure: str, waves: pd.Series,
                  not_asked: set[tuple[str, str]]) -> np.ndarray:
    """One (field, measure) column of :func:`_wide_cells`. A unit with no row for the measure has no
    figures (NaN) and the status "not asked in this wave" or "no data"."""
    n_rows = len(waves)
    if wide is not None and (field_name, measure) in wide.columns:
        values = wide[(field_name, measure)].to_numpy(dtype=object)
    else:
        values = np.full(n_rows, np.nan, dtype=object)
    if field_name != "status":
        return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    absent = [settings.NOT_ASKED_LABEL if (str(w), measure) in not_asked else settings.NO_DATA_LABEL for w in waves]
    return np.array([a if pd.isna(v) else v for v, a in zip(values, absent)], dtype=object)


def scorecard_table(unit_scores: pd.DataFrame, level: str, *, min_group_size: int,
                    codebook: Codebook | None = None, measures: Sequence[str] | None = None,
                    directorate: str | None = None, label_measures: bool = True,
                    not_asked: set[tuple[str, str]] | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """One level of the scorecards: one row per unit x wave, five figure columns and a status column per measure.

    Parameters
    ----------
    unit_scores
        The suppressed unit table (:data:`settings.UNIT_SCORE_COLUMNS`).
    level
        ``"organisation"``, ``"directorate"`` or ``"team"``.
    min_group_size
        The threshold the table was suppressed with (for the suppression text and the n check).
    measures
        Measure ids in column order; default every measure present, codebook order first.
    codebook
        Gives the measures' labels and order; default the shipped codebook.
    directorate
        Keep only this directorate (and its teams); the organisation sheet is never filtered.
    label_measures
        Head the columns with the measure's label (default) or with its id as given.

    Returns
    -------
    (frame, kinds)
        ``frame`` columns: ``Wave``, ``Part of`` header (``Organisation``/``Directorate``, not on the
        organisation sheet), the unit header (``Team``…), then for each measure
        ``"<label>: score"``, ``": 95% CI low"``, ``": 95% CI high"``, ``": responses"``,
        ``": % positive"``, ``": status"``. Figures are floats at full precision (responses ``Int64``),
        missing when not shown; the status is "" when shown, else the suppression text, "not asked in this
        wave" or "no data" (:func:`_cell_values`). ``kinds`` maps each header to its field (``"id"``,
        ``"mean"``, ``"ci_low"``, ``"ci_high"``, ``"n"``, ``"pct_positive"``, ``"status"``).

    Notes
    -----
    Rows are the unit x wave pairs present in ``unit_scores`` at that level, sorted by wave, parent and
    unit name (case-insensitive). A suppressed measure has no figures and says why in its status column.
    ``not_asked``: the (wave, measure) pairs not asked (default: from ``unit_scores``).
    """
    if level not in LEVEL_SHEETS:
        raise InputError(f"Unknown reporting level '{level}'. Use one of: {', '.join(LEVEL_SHEETS)}.")
    min_group_size = check_min_group_size(min_group_size)
    if codebook is None and label_measures:
        codebook = load_codebook()
    missing = [c for c in ("wave", "level", "unit", "parent", "measure", "n", "suppressed") if c not in unit_scores]
    if missing:
        raise InputError("The results table lacks the column(s) " + ", ".join(missing) + ".")
    table = unit_scores[unit_scores["level"] == level]
    table = _filter_directorate(table, level, directorate)
    present = table["measure"].dropna().astype(str).unique().tolist()
    measure_ids = list(measures) if measures is not None else _measure_order(present, codebook)
    value_cols = [f for f, _, _ in MEASURE_FIELDS]
    rows = _unit_frame(table, level)
    unit_header = _UNIT_HEADERS[level]
    columns: dict[str, pd.Series] = {"Wave": rows["wave"]}
    kinds = {"Wave": "id"}
    if level in _PARENT_HEADERS:
        columns[_PARENT_HEADERS[level]] = rows["parent"]
        kinds[_PARENT_HEADERS[level]] = "id"
    columns[unit_header] = rows["unit"]
    kinds[unit_header] = "id"
    unasked = not_asked if not_asked is not None else _not_asked(unit_scores)
    wide = _wide_cells(table, rows, value_cols, min_group_size, unasked)
    blocks: dict[str, object] = {}
    for measure in measure_ids:
        label = _measure_label(measure, codebook) if label_measures else str(measure)
        for field_name, suffix, _ in (*MEASURE_FIELDS, STATUS_FIELD):
            header = f"{label}: {suffix}"
            column = _field_column(wide, field_name, measure, rows["wave"], unasked)
            if field_name == "n":  # whole numbers, empty where not shown
                column = pd.array(column, dtype="Float64").round().astype("Int64")
            blocks[header] = column
            kinds[header] = field_name
    ids = pd.DataFrame(columns, index=rows.index).astype(object)
    frame = pd.concat([ids, pd.DataFrame(blocks, index=rows.index)], axis=1)
    return frame, kinds


def question_table(item_results: pd.DataFrame, *, min_group_size: int, codebook: Codebook | None = None,
                   directorate: str | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Question-level results: one row per level x unit x wave, % positive and responses per question.

    Columns ``Level``, ``Wave``, ``Part of``, ``Unit``, then ``"<code> % positive"`` and
    ``"<code> responses"`` for every question in codebook order. Suppression as in
    :func:`scorecard_table` (each question is judged by its own n, as the pipeline does).
    """
    min_group_size = check_min_group_size(min_group_size)
    pieces, kinds = [], {"Level": "id", "Wave": "id", "Part of": "id", "Unit": "id"}
    present = item_results["item"].dropna().astype(str).unique().tolist() if len(item_results) else []
    known = [c for c in (codebook.items if codebook else {}) if c in present]
    items = known + [c for c in present if c not in known]
    unasked = _not_asked(item_results.rename(columns={"item": "measure"})) if len(item_results) else set()
    for level in LEVEL_SHEETS:
        table = item_results[item_results["level"] == level]
        table = _filter_directorate(table, level, directorate)
        if table.empty:
            continue
        renamed = table.rename(columns={"item": "measure"}).assign(mean=np.nan, ci_low=np.nan, ci_high=np.nan)
        frame, _ = scorecard_table(renamed, level, min_group_size=min_group_size, measures=items,
                                   label_measures=False, not_asked=unasked)
        parent_header = _PARENT_HEADERS.get(level)
        units = pd.DataFrame({"Level": level, "Wave": frame["Wave"],
                              "Part of": frame[parent_header] if parent_header else "",
                              "Unit": frame[_UNIT_HEADERS[level]]}).astype(object)
        answers = {}
        for code in items:
            answers[f"{code} % positive"] = frame[f"{code}: % positive"]
            answers[f"{code} responses"] = frame[f"{code}: responses"]
            answers[f"{code} status"] = frame[f"{code}: status"]
        pieces.append(pd.concat([units, pd.DataFrame(answers, index=frame.index)], axis=1))  # one block, not 2×items inserts
    for code in items:
        kinds[f"{code} % positive"] = "pct_positive"
        kinds[f"{code} responses"] = "n"
        kinds[f"{code} status"] = "status"
    if not pieces:
        return pd.DataFrame(columns=list(kinds)), kinds
    return pd.concat(pieces, ignore_index=True), kinds


def _question_meaning(header: str, kind: str, codebook: Codebook | None) -> str:
    if kind == "id":
        return {"Level": "reporting level of the row: organisation, directorate or team",
                "Wave": _ID_COLUMNS["wave"][1], "Part of": _ID_COLUMNS["parent"][1],
                "Unit": _ID_COLUMNS["unit"][1]}[header]
    code = header.split(" ")[0]
    wording = codebook.items[code].wording if codebook and code in codebook.items else code
    what = {"pct_positive": "% of answers choosing one of the two most favourable options (0-100)",
            "n": "valid answers to the question", "status": STATUS_FIELD[2]}[kind]
    return f"question {code} ('{wording}'): {what}"


def _column_meaning(sheet: str, header: str, kinds: dict[str, str], codebook: Codebook | None) -> str:
    kind = kinds[header]
    if sheet == QUESTIONS_SHEET:
        return _question_meaning(header, kind, codebook)
    if header in _HR_KEY_OF_HEADER:
        return HR_MEANINGS[_HR_KEY_OF_HEADER[header]]
    if kind == "id":
        id_headers = [h for h, k in kinds.items() if k == "id"]
        if header == "Wave":
            return _ID_COLUMNS["wave"][1]
        return f"name of the {header.lower()}" if header == id_headers[-1] else f"the {header.lower()} the unit belongs to"
    label = header.rsplit(": ", 1)[0]
    if kind == "status":
        return f"{label}: {STATUS_FIELD[2]}"
    return f"{label}: {dict((f, m) for f, _, m in MEASURE_FIELDS)[kind]}"


def _guide(sheets: dict[str, pd.DataFrame], kinds: dict[str, dict[str, str]], codebook: Codebook | None,
           min_group_size: int) -> pd.DataFrame:
    """README table: one row per column of every sheet (a figure column says that it is empty when not
    shown and which column says why)."""
    rows = []
    for sheet, frame in sheets.items():
        for header in frame.columns:
            meaning = _column_meaning(sheet, header, kinds[sheet], codebook)
            if kinds[sheet][header] in NUMERIC_KINDS:
                meaning += "; a number, or empty when not shown (the status column beside it says why)"
            rows.append({"sheet": sheet, "column": header, "meaning": meaning})
    return pd.DataFrame(rows, columns=["sheet", "column", "meaning"])


def _with_hr(frame: pd.DataFrame, kinds: dict[str, str], level: str, records: object | None,
             k: int, tables: dict) -> tuple[pd.DataFrame, dict[str, str]]:
    """The level sheet with the HR columns (:func:`unit_hr_columns`) after the unit's name."""
    unit_header, ids = _UNIT_HEADERS[level], [h for h, kind in kinds.items() if kind == "id"]
    rows = pd.DataFrame({"wave": frame["Wave"], "unit": frame[unit_header],
                         "parent": frame[_PARENT_HEADERS[level]] if level in _PARENT_HEADERS else None})
    hr = unit_hr_columns(rows, level, records, min_group_size=k, tables=tables)
    hr_kinds = {header: ("text" if kind == "text" else kind) for _, header, kind in HR_COLUMNS}
    out = pd.concat([frame[ids], hr, frame.drop(columns=ids)], axis=1)
    return out, {**{h: "id" for h in ids}, **hr_kinds, **{h: kinds[h] for h in frame.columns if h not in ids}}


def _contents(sheets: dict[str, pd.DataFrame], pages: dict[str, TeamPage], wave: str, teams: int,
              max_sheets: int) -> tuple[pd.DataFrame, list[str]]:
    """The Contents sheet's rows (``sheet``, ``what``) and a note when the team sheets were capped."""
    what = {README_SHEET: "what every column holds, the anonymity threshold and the data sources",
            "Organisation": "the organisation: one row per wave", "Directorates": "one row per directorate and wave",
            "Teams": "one row per team and wave", QUESTIONS_SHEET: "every question's % positive, per unit and wave"}
    rows = [{"sheet": README_SHEET, "what": what[README_SHEET]}]
    rows += [{"sheet": name, "what": what.get(name, name) + (" (HR figures beside the survey figures)"
                                                             if name in LEVEL_SHEETS.values() else "")}
             for name in sheets]
    rows += [{"sheet": name, "what": f"one printable page: {page.title}, wave {page.wave}"} for name, page in pages.items()]
    notes = []
    if teams > len(pages):
        notes.append(f"{teams} teams have results in wave {wave}; the workbook holds a sheet for the first "
                     f"{len(pages)} (by directorate, then team), at most {max_sheets}. Every team's figures are "
                     "on the Teams sheet; filter the workbook to one directorate for its team sheets.")
    return pd.DataFrame(rows, columns=["sheet", "what"]), notes


def build_scorecards(survey: SurveyResults, *, directorate: str | None = None, sources: pd.DataFrame | None = None,
                     dataset_label: str = "", include_questions: bool = True, hr: object | None = None,
                     actions: pd.DataFrame | None = None, wave: str | None = None,
                     max_team_sheets: int = settings.SCORECARD_MAX_TEAM_SHEETS) -> Scorecards:
    """The scorecards workbook's content for a set of scored, suppressed survey results.

    Parameters
    ----------
    survey
        :class:`~analytics.survey.pipeline.SurveyResults` (its tables are already suppressed at
        ``survey.min_group_size``, which the workbook reports).
    directorate
        Restrict the directorate and team sheets (and the question sheet) to one directorate.
    sources
        The data sources table (:func:`analytics.report.pack.data_sources_table`) for the README.
    dataset_label
        Name of the dataset (e.g. the sample trust or the uploaded file names).
    include_questions
        Add the question-level sheet.
    hr
        The dataset's HR records (``Dataset.hr``, exclusions applied) for the HR columns and the team
        sheets' HR figures (:mod:`analytics.report.scorecard_teams`); None: every HR status is "no HR data".
    actions
        The action log (:func:`analytics.store.actions`) for the team sheets; None or empty: no actions.
    wave
        The wave of the team sheets (default the latest); the level sheets hold every wave.
    max_team_sheets
        At most this many team sheets (:data:`settings.SCORECARD_MAX_TEAM_SHEETS`); the Contents sheet says
        when teams were left out.
    """
    k = check_min_group_size(survey.min_group_size)
    codebook = _book(survey)
    sheets: dict[str, pd.DataFrame] = {}
    kinds: dict[str, dict[str, str]] = {}
    hr_tables: dict = {}  # wave -> its HR figures, measured once
    for level, sheet in LEVEL_SHEETS.items():
        frame, frame_kinds = scorecard_table(survey.unit_scores, level, min_group_size=k, codebook=codebook,
                                             directorate=directorate)
        sheets[sheet], kinds[sheet] = _with_hr(frame, frame_kinds, level, hr, k, hr_tables)
    if include_questions and len(survey.item_results):
        sheets[QUESTIONS_SHEET], kinds[QUESTIONS_SHEET] = question_table(
            survey.item_results, min_group_size=k, codebook=codebook, directorate=directorate)
    suppressed_text = settings.SUPPRESSED_LABEL.format(k=k)
    notes = [
        "Team scorecards" + (f": {dataset_label}" if dataset_label else ""),
        f"Anonymity threshold: {k} responses. A team, directorate or organisation with fewer than {k} responses "
        f"to a measure shows '{suppressed_text}' instead of any figure. When a small unit is hidden, the next "
        "smallest unit in the same directorate (or organisation) may be hidden too, so that no hidden figure can "
        "be worked out by subtraction from the total (complementary suppression); it shows "
        f"'{settings.COMPLEMENTARY_LABEL.format(k=k)}'.",
        f"'{settings.NO_DATA_LABEL}' means nobody in the unit answered the questions of that measure; it is not "
        f"the same as a hidden figure. '{settings.NOT_ASKED_LABEL}' means that wave's survey did not ask it.",
        "Figure columns hold numbers only, so they sort, filter and add up in Excel: a figure that is not shown is an "
        "empty cell, and the status column beside its measure (e.g. 'Morale: status') says why. Each measure has "
        "its own status column because the reason differs from measure to measure (a measure not asked in a "
        "wave, a measure with fewer answers); filter a status column to (Blanks) to keep the rows whose figures "
        "are shown.",
        "HR figures (staff in post, leaver rate, stability index, sickness absence rate) are over each wave's HR "
        "window, the window the Board uses; a team or directorate with fewer than "
        f"{k} staff in post at the start or end of the window has none ('HR: status' says so).",
        "Scores are on a 0-10 scale (higher is better for every measure, including 'Thinking about leaving', "
        "whose questions are reverse-scored). Unit scores are unweighted means of respondents' scores; published "
        "NHS Staff Survey benchmark scores are weighted by occupational group, so compare with care.",
        "Each row is one unit in one survey wave. Differences between teams or waves are associations, not "
        "evidence of what causes them.",
        "No respondent-level data is included in this workbook.",
    ]
    if directorate:
        notes.insert(2, f"Filtered to the directorate '{directorate}' and its teams; the organisation sheet shows "
                        "the whole organisation.")
    guide = _guide(sheets, kinds, codebook, k)
    waves = sorted(survey.unit_scores["wave"].dropna().astype(str).unique())
    wave = str(wave) if wave is not None and str(wave) in waves else (waves[-1] if waves else "")
    measures = _measure_order(survey.unit_scores["measure"].dropna().astype(str).unique(), codebook)
    pages, teams = team_pages(survey, hr, wave=wave, measures=measures,
                              labels={m: _measure_label(m, codebook) for m in measures}, action_log=actions,
                              directorate=directorate, max_pages=max_team_sheets, hr_tables=hr_tables) if wave else ([], 0)
    named: dict[str, TeamPage] = {}
    for page in pages:
        named[excel_sheet_name(page.team, [README_SHEET, CONTENTS_SHEET, *sheets, *named])] = page
    contents, capped = _contents(sheets, named, wave, teams, max_team_sheets)
    notes += capped
    return Scorecards(sheets=sheets, kinds=kinds, guide=guide, notes=notes, min_group_size=k,
                      sources=sources if sources is not None else pd.DataFrame(), wave=wave, team_pages=named,
                      teams_with_results=teams, contents=contents)


def write_scorecards_xlsx(cards: Scorecards, path: str | Path | None = None) -> bytes:
    """Write the workbook (:func:`analytics.report.scorecards_xlsx.write_workbook`): README, Contents, one
    sheet per level, the questions sheet, then one printable sheet per team. Returns the XLSX bytes; also
    writes them to ``path`` when given (its folder must exist)."""
    from analytics.report.scorecards_xlsx import write_workbook

    return write_workbook(cards, path)

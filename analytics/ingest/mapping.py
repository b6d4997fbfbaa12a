"""Recognising columns: which column is the team, the directorate, the wave, and which question each
item column holds.

The result is a :class:`Mapping`: plain data, saved as JSON and re-applied to next year's file (a
"preset"), and corrected by the user on the Data page.

Where the code is: :mod:`~analytics.ingest.mapping_model` (the :class:`Mapping` and
:class:`CustomMeasure` data), :mod:`~analytics.ingest.recognise` (recognising one column from its header
texts), :mod:`~analytics.ingest.presets` (:func:`apply_mapping`), :mod:`~analytics.ingest.local_measures`
(:func:`add_custom_measure`); this module detects the mapping of a whole file and summarises it. The
public names of those modules are importable from here.
"""

from __future__ import annotations

import pandas as pd

from analytics.errors import InputError
from analytics.ingest.codebook import Codebook
from analytics.ingest.local_measures import add_custom_measure, measure_id_from_label
from analytics.ingest.mapping_model import MAPPING_FORMAT_VERSION, CustomMeasure, Mapping, unmapped_columns
from analytics.ingest.presets import apply_mapping
from analytics.ingest.raw import RawTable
from analytics.ingest.recognise import (
    UNIT_COLUMN_WORDS,
    code_in_text,
    duplicate_error,
    normalise_wording,
    recognise_item,
    recognise_unit_columns,
    short_text,
    sorted_codes,
    wording_in_texts,
)

__all__ = [
    "MAPPING_FORMAT_VERSION", "MAPPING_SUMMARY_COLUMNS", "UNIT_COLUMN_WORDS", "CustomMeasure", "Mapping",
    "add_custom_measure", "apply_mapping", "detect_mapping", "measure_id_from_label", "normalise_wording",
    "recognise_item", "summarise_mapping",
]


def detect_mapping(
    raw: RawTable,
    codebook: Codebook,
    *,
    team_col: str | None = None,
    directorate_col: str | None = None,
    wave_col: str | None = None,
    wave_label: str | None = None,
    require_items: bool = True,
) -> Mapping:
    """Recognise what each column of a respondent-level survey file holds.

    Parameters
    ----------
    raw
        The file as read (:class:`analytics.ingest.raw.RawTable`).
    codebook
        The survey year's questions and measures.
    team_col, directorate_col, wave_col
        Columns the user names; any header text as it appears in any header row, compared case- and
        space-insensitively (:meth:`~analytics.ingest.raw.RawTable.resolve_column`). They override recognition
        and are never read as questions.
    wave_label
        The wave of every row (e.g. ``"2025"``). Left ``None`` when not given: the pipeline then falls
        back to a year in the file name.
    require_items
        When true (the default) a file in which no codebook question is recognised is refused. A local
        pulse survey with only its own questions passes ``False`` and adds
        :func:`add_custom_measure` measures afterwards.

    Returns
    -------
    Mapping
        ``items`` in file order; ``evidence`` says how each column was recognised (``"code"``,
        ``"wording"``, ``"header word 'ward'"``, ``"user"``); ``unmapped`` lists the other columns.
        A column that repeats a question already recognised by its code is left unmapped and its
        evidence starts with ``"not used:"``.

    Raises
    ------
    InputError
        Two columns recognised as the same question (both columns and the code are named); no question
        of the codebook recognised (when ``require_items``); a named column that does not exist, or one
        column named for two roles.

    Notes
    -----
    Question columns are recognised by :func:`recognise_item` (code first, then wording); a match by
    code is preferred to a match by wording, and a column is never mapped to two questions. Unit
    columns are recognised by :func:`recognise_unit_columns` among the columns that are not questions.
    """
    where = {"file": raw.file_name, "sheet": raw.sheet}
    explicit = _named_columns(raw, {"team": team_col, "directorate": directorate_col, "wave": wave_col}, where)
    evidence: dict[str, str] = {col: "user" for col in explicit.values()}
    items_by_col = _recognise_questions(raw, codebook, evidence, where)
    if not items_by_col and require_items:
        raise _no_questions_error(raw, codebook, where)

    items = {col: items_by_col[col] for col in raw.columns if col in items_by_col}
    roles = _unit_roles(raw, explicit, exclude=list(items) + list(explicit.values()), evidence=evidence)
    mapping = Mapping(items=items, team_col=roles["team"], directorate_col=roles["directorate"],
                      wave_col=roles["wave"], wave_label=wave_label, codebook=codebook.id,
                      evidence={c: evidence[c] for c in raw.columns if c in evidence})
    mapping.unmapped = unmapped_columns(raw, mapping)
    return mapping


def _named_columns(raw: RawTable, named: dict[str, str | None], where: dict) -> dict[str, str]:
    """Role -> column for the columns the user named (resolved in any header row); one column named for
    two roles is refused."""
    explicit: dict[str, str] = {}
    for role, name in named.items():
        if name is None:
            continue
        column = raw.resolve_column(str(name), role=role)
        for other_role, other_col in explicit.items():
            if other_col == column:
                raise InputError(f"The column '{column}' was named both as the {other_role} column and as the "
                                 f"{role} column; name a different column for each.", **where)
        explicit[role] = column
    return explicit


def _recognise_questions(raw: RawTable, codebook: Codebook, evidence: dict[str, str], where: dict) -> dict[str, str]:
    """Column -> item code for the question columns (columns already in ``evidence`` skipped), adding
    each one's evidence: by code first (a second column with the same code is refused), then by wording
    for the columns without a code (a wording whose code another column has is ``"not used: ..."``)."""
    by_code: dict[str, str] = {}     # item code -> column
    by_wording: dict[str, list[str]] = {}
    wording_alt: dict[str, str] = {}  # column -> item its wording suggests, when its code says otherwise
    codes = sorted_codes(codebook)
    for column in raw.columns:
        if column in evidence:
            continue
        texts = raw.texts_of(column)
        code = next((c for c in (code_in_text(t, codes) for t in texts) if c is not None), None)
        wording = wording_in_texts(texts, codebook)
        if code is None:
            if wording is not None:
                by_wording.setdefault(wording, []).append(column)
            continue
        if code in by_code:
            raise duplicate_error(by_code[code], column, code, codebook, where)
        by_code[code] = column
        if wording is not None and wording != code:
            wording_alt[column] = wording
    items_by_col = {col: code for code, col in by_code.items()}
    for column in by_code.values():
        evidence[column] = "code"
        if column in wording_alt:
            evidence[column] = (f"code (its wording reads like {wording_alt[column]}; check that the codebook "
                                "is for this survey year)")
    _add_wording_matches(by_wording, by_code, items_by_col, evidence, codebook, where)
    return items_by_col


def _add_wording_matches(by_wording: dict[str, list[str]], by_code: dict[str, str], items_by_col: dict[str, str],
                         evidence: dict[str, str], codebook: Codebook, where: dict) -> None:
    """Map the columns recognised by wording only, unless another column has that question's code; two
    columns with one wording are refused."""
    for code, columns in by_wording.items():
        if len(columns) > 1:
            raise duplicate_error(columns[0], columns[1], code, codebook, where)
        column = columns[0]
        if code in by_code:
            evidence[column] = (f"not used: its wording is that of {code}, but column '{by_code[code]}' has "
                                "that question's code")
            continue
        items_by_col[column] = code
        evidence[column] = "wording"


def _no_questions_error(raw: RawTable, codebook: Codebook, where: dict) -> InputError:
    """No codebook question recognised: show the expected codes, an example wording and the headers."""
    focus = list(codebook.items_of(codebook.measures[0].id)) if codebook.measures else list(codebook.items)
    examples = ", ".join(focus[:6])
    wording = next((codebook.items[c].wording for c in focus if codebook.items[c].wording), "")
    shown = "; ".join(f"'{short_text(c, 50)}'" for c in raw.columns[:8])
    more = f" and {len(raw.columns) - 8} more" if len(raw.columns) > 8 else ""
    return InputError(
        f"None of the questions of the codebook '{codebook.name}' were recognised. Question columns are "
        f"expected to be headed by a question code ({examples}, ...) or by the question's wording "
        f"(e.g. '{wording}'). The headers are: {shown}{more}. Give the codebook of the survey's year "
        "(--codebook), a saved column mapping (--mapping), or, for a survey with its own questions, its "
        "measures (--local-measure \"NAME=COL,COL,...\"); on the Data page, add local measures or choose "
        "the codebook.", **where)


def _unit_roles(raw: RawTable, explicit: dict[str, str], *, exclude: list[str],
                evidence: dict[str, str]) -> dict[str, str | None]:
    """Role -> column for team, directorate and wave: the user's, else the one recognised by its header
    words among the columns not in ``exclude`` (its evidence added), else ``None``."""
    detected = recognise_unit_columns(raw, exclude=exclude)
    roles: dict[str, str | None] = {}
    for role in UNIT_COLUMN_WORDS:
        if role in explicit:
            roles[role] = explicit[role]
        elif role in detected:
            column, phrase = detected[role]
            roles[role] = column
            evidence[column] = f"header word '{phrase}'"
        else:
            roles[role] = None
    return roles


# -- summary ------------------------------------------------------------------------------------

#: Columns of :func:`summarise_mapping`.
MAPPING_SUMMARY_COLUMNS = ("measure", "label", "items_expected", "items_found", "missing_items")


def summarise_mapping(mapping: Mapping, codebook: Codebook) -> pd.DataFrame:
    """How many of each measure's questions the mapping found.

    Returns
    -------
    pandas.DataFrame
        One row per codebook measure (codebook order, themes expanded into their sub-scores' items),
        then one per local measure, with columns

        * ``measure`` — measure id;
        * ``label`` — its label;
        * ``items_expected`` — number of distinct items the measure rests on;
        * ``items_found`` — how many of them a column is mapped to;
        * ``missing_items`` — the missing item codes, comma-separated, in codebook order (``""`` when
          none).

    Notes
    -----
    A local measure's columns were checked when it was added (:func:`add_custom_measure`) and when a
    preset was applied (:func:`apply_mapping`), so all of them count as found.
    """
    mapped = set(mapping.items.values())
    rows = []
    for measure in codebook.measures:
        expected = codebook.items_of(measure.id)
        missing = [c for c in expected if c not in mapped]
        rows.append((measure.id, measure.label, len(expected), len(expected) - len(missing), ", ".join(missing)))
    for cm in mapping.custom_measures:
        rows.append((cm.id, cm.label, len(cm.columns), len(cm.columns), ""))
    frame = pd.DataFrame(rows, columns=list(MAPPING_SUMMARY_COLUMNS))
    return frame.astype({"items_expected": "int64", "items_found": "int64"})

"""Local measures: a measure the user defines over any columns of the file (e.g. a pulse survey's own
questions), added to a :class:`~analytics.ingest.mapping_model.Mapping`."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from analytics.errors import InputError
from analytics.ingest.answer_scales import DetectedScale, column_scales, combined_scale
from analytics.ingest.codebook import Codebook, normalise_label
from analytics.ingest.mapping_model import CustomMeasure, Mapping, copy_mapping
from analytics.ingest.raw import RawTable

#: The scale value that asks for the scale to be detected from the answers (:func:`detected_scale_value`).
AUTO_SCALE = "auto"


def measure_id_from_label(label: str) -> str:
    """A safe measure id from a label: ASCII letters, digits and underscores, starting with a letter.

    >>> measure_id_from_label("Local wellbeing pulse")
    'local_wellbeing_pulse'
    >>> measure_id_from_label("2025 pulse: café & teamwork!")
    'local_2025_pulse_cafe_teamwork'
    """
    ascii_text = unicodedata.normalize("NFKD", str(label)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.casefold()).strip("_")
    if not slug:
        return "local_measure"
    if not slug[0].isalpha():
        slug = f"local_{slug}"
    return slug


def add_custom_measure(
    mapping: Mapping,
    raw: RawTable,
    label: str,
    columns: list[str] | tuple[str, ...],
    scale: str | list[str] = "agreement",
    reverse_columns: list[str] | tuple[str, ...] = (),
    *,
    description: str = "",
    codebook: Codebook | None = None,
    scales: dict[str, DetectedScale | None] | None = None,
) -> Mapping:
    """Add a user-defined measure over any columns (e.g. a local pulse survey's own questions).

    Parameters
    ----------
    mapping
        The current mapping; it is not modified.
    raw
        The file, to check the columns: any header text of any header row, case- and
        space-insensitive (:meth:`~analytics.ingest.raw.RawTable.resolve_column`).
    label
        The measure's name as users see it ("Local wellbeing pulse"); its id is made from it
        (:func:`measure_id_from_label`, e.g. ``"local_wellbeing_pulse"``).
    columns
        The measure's item columns.
    scale
        A codebook scale name (``"agreement"``, ``"frequency"``, ``"yes_no"``), the options from least
        to most favourable wording order, or ``"auto"``: detected from the columns' answers
        (:func:`detected_scale_value`).
    reverse_columns
        Columns among ``columns`` that are reverse-keyed.
    description
        Shown with the measure.
    codebook
        When given, the new measure is checked against it (scale name known, id not a codebook
        measure's id) by :meth:`analytics.ingest.codebook.Codebook.with_custom_measures`.

    Returns
    -------
    Mapping
        A copy with the measure appended to ``custom_measures``; its columns leave ``unmapped`` and
        get evidence ``"user"`` unless already recognised.

    Raises
    ------
    InputError
        Empty label or column list; a column named twice, not in the file, or already the team,
        directorate or wave column; a reverse-keyed column
        that is not one of the columns; a scale with fewer than two options; a label (or id) already
        used by another local measure.
    """
    where = {"file": raw.file_name, "sheet": raw.sheet}
    label = str(label or "").strip()
    if not label:
        raise InputError("Give the local measure a name.", **where)
    if not columns:
        raise InputError(f"The local measure '{label}' needs at least one column.", **where)
    resolved_cols = _measure_columns(mapping, raw, label, columns, where)
    reverse = _reverse_columns(raw, label, resolved_cols, reverse_columns, where)
    scale_value = _scale_value(scale, label, where)
    if scale_value == AUTO_SCALE:
        scale_value = detected_scale_value(raw, resolved_cols, codebook, label=label, scales=scales)
    measure_id = measure_id_from_label(label)
    _refuse_taken_name(mapping, label, measure_id, where)
    wordings = {c: w for c in resolved_cols if (w := question_wording(raw, c))}
    new = CustomMeasure(id=measure_id, label=label, columns=resolved_cols, scale=scale_value,
                        reverse_columns=reverse, description=str(description or ""), wordings=wordings)
    if codebook is not None:
        codebook.with_custom_measures([new])
    result = copy_mapping(mapping)
    result.custom_measures.append(new)
    for column in resolved_cols:
        result.evidence.setdefault(column, "user")
    result.unmapped = [c for c in result.unmapped if c not in resolved_cols]
    return result


def question_wording(raw: RawTable, column: str) -> str:
    """A column's question text from the file's other header rows, or ``""``: the longest header text that
    is neither the column's label nor JSON (a Qualtrics export's second row holds the question, its third
    ``{"ImportId": "QID1"}``).

    >>> raw = RawTable(frame=pd.DataFrame(columns=["Q1"]), file_name="pulse.csv",
    ...                header_texts={"Q1": ["Q1", "I feel valued.", '{"ImportId": "QID1"}']})
    >>> question_wording(raw, "Q1")
    'I feel valued.'
    """
    texts = [str(t).strip() for t in raw.header_texts.get(column, [])]
    texts = [t for t in texts if t and t != column and not (t.startswith("{") and t.endswith("}"))]
    return max(texts, key=len) if texts else ""


def detected_scale_value(raw: RawTable, columns: list[str], codebook: Codebook | None = None, *, label: str = "",
                         scales: dict[str, DetectedScale | None] | None = None) -> str | list[str]:
    """The scale of a local measure's columns detected from their answers
    (:func:`analytics.ingest.answer_scales.combined_scale` of each column's
    :func:`~analytics.ingest.answer_scales.detect_scale`): the codebook's scale name when the codebook has a
    scale with those options (``"agreement"``), else the options as a list.

    ``scales`` gives each column's detected scale when ``raw`` holds only the header (the Data page);
    otherwise they are detected from ``raw.frame``.

    Raises
    ------
    InputError
        The answers are on no known scale: the user chooses the scale (or lists its options).
    """
    if scales is None:
        scales = column_scales(raw.frame, columns)
    detected = combined_scale([scales.get(c) for c in columns])
    if detected is None:
        described = "; ".join(f"'{c}': {scales[c].label if scales.get(c) else 'no known scale'}" for c in columns)
        raise InputError(f"The answer scale of the local measure '{label}' could not be told from the answers "
                         f"({described}; known scales: agreement, frequency, satisfaction, likelihood, yes/no, "
                         "numbers 1 to k or 0 to 10). Choose its answer scale.", file=raw.file_name, sheet=raw.sheet)
    if codebook is not None:
        for name, scale in codebook.scales.items():
            if [normalise_label(o) for o in scale.options] == [normalise_label(o) for o in detected.options]:
                return name
    return list(detected.options)


def _reverse_columns(raw: RawTable, label: str, columns: list[str], reverse_columns, where: dict) -> list[str]:
    """The reverse-keyed columns as the file's labels; refused when one is not among ``columns``."""
    reverse = [raw.resolve_column(str(c), role=f"'{label}'") for c in reverse_columns]
    outside = [c for c in reverse if c not in columns]
    if outside:
        raise InputError(f"Reverse-keyed column(s) {', '.join(outside)} are not among the columns of the local "
                         f"measure '{label}'.", **where)
    return reverse


def _measure_columns(mapping: Mapping, raw: RawTable, label: str, columns, where: dict) -> list[str]:
    """The measure's columns as the file's labels; refused when one is named twice or is the team,
    directorate or wave column."""
    resolved_cols = [raw.resolve_column(str(c), role=f"'{label}'") for c in columns]
    repeated = sorted({c for c in resolved_cols if resolved_cols.count(c) > 1})
    if repeated:
        raise InputError(f"The local measure '{label}' lists the column(s) {', '.join(repeated)} more than once.",
                         **where)
    roles = {mapping.team_col: "team", mapping.directorate_col: "directorate", mapping.wave_col: "wave"}
    for column in resolved_cols:
        if column in roles:
            raise InputError(f"'{column}' is the {roles[column]} column; the columns of the local measure '{label}' "
                             "must hold answers.", **where)
    return resolved_cols


def _refuse_taken_name(mapping: Mapping, label: str, measure_id: str, where: dict) -> None:
    """Another local measure has this id, or this label (case- and space-insensitively)."""
    for cm in mapping.custom_measures:
        if cm.id == measure_id or normalise_label(cm.label) == normalise_label(label):
            raise InputError(f"There is already a local measure called '{cm.label}'; choose another name.", **where)


def _scale_value(scale: str | list[str], label: str, where: dict) -> str | list[str]:
    """A scale name (stripped, not blank), or at least two different options (stripped)."""
    if isinstance(scale, str):
        if not scale.strip():
            raise InputError(f"Choose a scale for the local measure '{label}'.", **where)
        return scale.strip()
    options = [str(o).strip() for o in scale]
    if len(options) < 2 or len({normalise_label(o) for o in options}) != len(options):
        raise InputError(f"The scale of the local measure '{label}' needs at least two different options, "
                         "listed from least to most favourable.", **where)
    return options


def parse_local_measure(text: str) -> dict:
    """Read a local measure written as ``"NAME=COL[,COL...][;reverse=COL[,COL...]][;scale=SCALE]"`` (the
    command line's ``--local-measure``): its name, columns, reverse-keyed columns and scale (``"auto"``:
    detected from the answers, unless ``scale=`` names a codebook scale).

    >>> parse_local_measure("Team pulse=Q1,Q2, Q3;reverse=Q3")
    {'label': 'Team pulse', 'columns': ['Q1', 'Q2', 'Q3'], 'reverse_columns': ['Q3'], 'scale': 'auto'}

    Raises
    ------
    InputError
        No ``=``, a blank name or no column, or a part other than ``reverse=`` and ``scale=``.
    """
    head, *parts = str(text).split(";")
    label, sep, columns = head.partition("=")
    columns_list = [c.strip() for c in columns.split(",") if c.strip()]
    if not sep or not label.strip() or not columns_list:
        raise InputError(f"--local-measure '{text}' is not NAME=COL[,COL...] (e.g. \"Team pulse=Q1,Q2,Q3,Q4\").")
    spec = {"label": label.strip(), "columns": columns_list, "reverse_columns": [], "scale": AUTO_SCALE}
    for part in parts:
        key, _, value = part.partition("=")
        key = key.strip().casefold()
        if key == "reverse":
            spec["reverse_columns"] = [c.strip() for c in value.split(",") if c.strip()]
        elif key == "scale" and value.strip():
            spec["scale"] = value.strip()
        else:
            raise InputError(f"--local-measure '{text}': after the columns only ';reverse=COL,...' and "
                             "';scale=NAME' are understood.")
    return spec


def add_local_measures(mapping: Mapping, raw: RawTable, specs: list[str] | tuple[str, ...],
                       codebook: Codebook | None = None) -> Mapping:
    """``mapping`` with the local measures written as :func:`parse_local_measure` texts added
    (:func:`add_custom_measure`; a measure the mapping already has, by name, is replaced). ``raw`` must
    hold the answers when a scale is to be detected."""
    for text in specs:
        spec = parse_local_measure(text)
        kept = [m for m in mapping.custom_measures if normalise_label(m.label) != normalise_label(spec["label"])]
        if len(kept) != len(mapping.custom_measures):
            mapping = copy_mapping(mapping)
            mapping.custom_measures = kept
        mapping = add_custom_measure(mapping, raw, spec["label"], spec["columns"], spec["scale"],
                                     spec["reverse_columns"], codebook=codebook)
    return mapping

"""What a published wave stores: canonical files holding only what reproduces every figure.

Survey: each respondent-level survey file of the spec is read and scored exactly as
:func:`analytics.dataset.load_survey` reads it (its column options or own mapping; repeated response ids
and copies across files removed), and the rows kept are written, per wave and source file, as one CSV
("part") with the columns ``wave``, ``directorate``, ``team`` (the cleaned unit names scoring used), then one
column per mapped question, headed by its code, holding the answers as the file gave them (local measures'
columns keep their headers: their item codes are made from them). Nothing else of the file is kept: no
free text, no response id, no demographic that is not mapped, no name. Each part has a canonical mapping
(question code -> the column of the same code; team/directorate/wave columns) with the codebook used.

HR: only the columns :mod:`analytics.hr.loading` reads (found as it finds them), under their own headers,
with employee and assignment numbers replaced by an HMAC-SHA256 keyed by the installation's salt
(:func:`pseudonym`): the same number gives the same code in the staff and absence files, so absences still
link to their employee, and no number can be read back.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import io
from dataclasses import dataclass

import pandas as pd

from analytics.dataset import DatasetSpec
from analytics.errors import InputError
from analytics.hr.cells import _clean_ids, _find_columns
from analytics.hr.records import ABSENCE_HEADERS, STAFF_HEADERS, TEAM_MONTH_HEADERS
from analytics.ingest.codebook import load_codebook
from analytics.ingest.io import read_table
from analytics.ingest.mapping import Mapping
from analytics.survey.duplicates import refuse_identical_files
from analytics.survey.pipeline import (_drop_duplicates_across_files, _read_in_two_passes, _score_file,
                                       _scoring_table, recognise_file)

WAVE_COLUMN, DIRECTORATE_COLUMN, TEAM_COLUMN = "wave", "directorate", "team"
#: HR roles holding a person's identifier: pseudonymised before storing.
ID_ROLES = ("employee", "assignment")
#: Length of a pseudonym: "p" and this many hex digits of the HMAC (80 bits: no collision among any
#: organisation's staff numbers in practice).
PSEUDONYM_HEX = 20


@dataclass(frozen=True)
class CanonicalFile:
    """One stored file: its role (``survey``, ``staff``, ``absence``), name, bytes and, for a survey part,
    its wave, canonical mapping (JSON), respondents and (directorate, team) pairs."""

    role: str
    name: str
    content: bytes
    wave: str | None = None
    mapping_json: str | None = None
    respondents: int = 0
    hierarchy: tuple[tuple[str, str], ...] = ()

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def gzip_bytes(content: bytes) -> bytes:
    return gzip.compress(content, compresslevel=9, mtime=0)


def gunzip_bytes(content: bytes) -> bytes:
    return gzip.decompress(content)


def _csv(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


# ------------------------------------------------------------------------------------------------
# Survey
# ------------------------------------------------------------------------------------------------
def _read_scored(spec: DatasetSpec) -> list[tuple[object, object, pd.DataFrame]]:
    """(recognised file, scores, table read) of each survey file, as ``load_survey`` scores them, with
    copies across files removed."""
    refuse_identical_files([p.name for p in spec.survey_files], [p.digest for p in spec.survey_files])
    read, files, scored = [], [], []
    for index in range(len(spec.survey_files)):
        recognised = recognise_file(spec.survey_source(index), spec.file_column_options(index))
        if recognised.is_unit_level:
            raise InputError("This file holds published results (one row per team or organisation), not one row "
                             "per respondent; only respondent-level survey files can be published.",
                             file=recognised.source.file_name)
        result, keys = _score_file(recognised, load_codebook(recognised.mapping.codebook))
        table = _scoring_table(recognised) if _read_in_two_passes(recognised.source) else recognised.raw
        scored.append(result)
        files.append({"row_keys": keys})
        read.append((recognised, table.frame))
    scored = _drop_duplicates_across_files(scored, files)
    return [(rec, result, frame) for (rec, frame), result in zip(read, scored)]


def _part_mapping(mapping: Mapping, codes: dict[str, str], has_directorate: bool) -> Mapping:
    """The mapping of a canonical part: question code -> the column of the same code (local measures keep
    their columns), and the canonical unit and wave columns."""
    items = {code: code for code in codes if _is_question(code, mapping)}
    return Mapping(items=items, team_col=TEAM_COLUMN, directorate_col=DIRECTORATE_COLUMN if has_directorate else None,
                   wave_col=WAVE_COLUMN, codebook=mapping.codebook, custom_measures=list(mapping.custom_measures))


def _is_question(code: str, mapping: Mapping) -> bool:
    """True for a codebook question's code (renamed to its code), false for a local measure's column (kept)."""
    return code in set(mapping.items.values()) and not code.startswith("custom.")


def canonical_survey(spec: DatasetSpec) -> list[CanonicalFile]:
    """The canonical parts of the spec's survey files (module docstring): one per source file and wave."""
    if not spec.survey_files:
        raise InputError("Give at least one survey file to publish.")
    parts: list[CanonicalFile] = []
    for number, (recognised, scored, frame) in enumerate(_read_scored(spec), start=1):
        people = scored.respondents
        columns = scored.item_columns  # code -> the file's column
        answers = frame.loc[people.index, list(columns.values())]
        answers.columns = [code if _is_question(code, recognised.mapping) else column
                           for code, column in columns.items()]
        units = people[[WAVE_COLUMN, DIRECTORATE_COLUMN, TEAM_COLUMN]]
        for wave, rows in units.groupby(WAVE_COLUMN, sort=True):
            has_directorate = rows[DIRECTORATE_COLUMN].notna().any()
            head = rows if has_directorate else rows.drop(columns=[DIRECTORATE_COLUMN])
            table = pd.concat([head, answers.loc[rows.index]], axis=1)
            mapping = _part_mapping(recognised.mapping, columns, has_directorate)
            pairs = rows[[DIRECTORATE_COLUMN, TEAM_COLUMN]].fillna("").astype(str).drop_duplicates()
            parts.append(CanonicalFile(
                role="survey", name=f"survey_{_safe(wave)}_part{number}.csv", content=_csv(table), wave=str(wave),
                mapping_json=mapping.to_json(), respondents=int(len(rows)),
                hierarchy=tuple(sorted(map(tuple, pairs.to_numpy().tolist())))))
    return parts


def _safe(text: object) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in str(text))


# ------------------------------------------------------------------------------------------------
# HR
# ------------------------------------------------------------------------------------------------
def pseudonym(value: str, salt: bytes) -> str:
    """The stored code of an employee (or assignment) number: ``"p"`` + the first :data:`PSEUDONYM_HEX` hex
    digits of HMAC-SHA256(salt, number). Stable for one installation's salt; not reversible."""
    return "p" + hmac.new(salt, value.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def _pseudonymised(frame: pd.DataFrame, found: dict[str, str], salt: bytes) -> pd.DataFrame:
    out = frame[list(dict.fromkeys(found.values()))].copy()
    for role in ID_ROLES:
        if role in found:
            ids = _clean_ids(out[found[role]])
            out[found[role]] = ids.map(lambda v: pseudonym(v, salt) if isinstance(v, str) else v)
    return out


def staff_columns(raw, team_col: str | None) -> dict[str, str]:
    """The columns :func:`analytics.hr.loading.load_hr_table` reads from a staff (or team-month) file: role ->
    header, found as it finds them."""
    month = _find_columns(raw, TEAM_MONTH_HEADERS, {"team": team_col})
    staff = _find_columns(raw, STAFF_HEADERS, {"team": team_col})
    return month if "month" in month and "start_date" not in staff else staff


def canonical_hr(spec: DatasetSpec, salt: bytes) -> list[CanonicalFile]:
    """The canonical staff and absence files of the spec (module docstring); none without HR files."""
    out = []
    for role, payload in (("staff", spec.staff_file), ("absence", spec.absence_file)):
        if payload is None:
            continue
        raw = read_table(payload.content, payload.name)
        found = staff_columns(raw, spec.hr_team_col) if role == "staff" else _find_columns(raw, ABSENCE_HEADERS)
        out.append(CanonicalFile(role=role, name=f"hr_{role}.csv", content=_csv(_pseudonymised(raw.frame, found, salt))))
    return out


def check_publishable(spec: DatasetSpec) -> None:
    """Refuse what cannot be published: no survey file; an absence file without its staff file."""
    if spec.absence_file is not None and spec.staff_file is None:
        raise InputError("An absence file needs the staff file it belongs to (the ESR staff list): add it too.",
                         file=spec.absence_file.name)
    if spec.mapping_json:
        Mapping.from_json(spec.mapping_json, source="saved mapping")

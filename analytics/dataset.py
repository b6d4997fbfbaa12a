"""A dataset: the survey and HR files a session works on, and everything computed from them.

The dashboard holds one :class:`DatasetSpec` (the shipped sample trust until the user uploads files)
and asks :func:`load_dataset` for the scored, anonymised results. The spec is plain data (file names,
bytes and column choices), so it can be hashed for caching and rebuilt for any anonymity threshold.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from analytics import settings
from analytics.errors import InputError
from analytics.hr import HRRecords, StaffRecords, load_absence, load_hr_table
from analytics.io import read_table
from analytics.mapping import Mapping
from analytics.pipeline import ColumnOptions, Progress, SurveyResults, SurveySource, score_survey_files

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
#: The fictional trust shipped in ``sample_data/`` (see its README).
SAMPLE_TRUST_NAME = "Northfield and Vale NHS Foundation Trust"
SAMPLE_SURVEY_FILES = ("survey_2023.csv", "survey_2024.xlsx", "survey_2025.csv")
SAMPLE_STAFF_FILE = "hr_staff_esr.csv"
SAMPLE_ABSENCE_FILE = "hr_absence_esr.csv"


@dataclass(frozen=True)
class FilePayload:
    """One file's name and bytes (an upload, or a shipped sample file)."""

    name: str
    content: bytes = field(repr=False)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @classmethod
    def from_path(cls, path: str | Path) -> "FilePayload":
        path = Path(path)
        if not path.is_file():
            raise InputError("The file does not exist.", file=str(path))
        return cls(name=path.name, content=path.read_bytes())


@dataclass(frozen=True)
class DatasetSpec:
    """What to load: survey files (one or more waves), optional HR files, and column choices.

    ``mapping_json`` is a saved :class:`~analytics.mapping.Mapping` applied to every survey file;
    ``team_col`` etc. override recognition.
    """

    label: str
    survey_files: tuple[FilePayload, ...] = ()
    staff_file: FilePayload | None = None
    absence_file: FilePayload | None = None
    is_sample: bool = False
    mapping_json: str | None = None
    team_col: str | None = None
    directorate_col: str | None = None
    wave_col: str | None = None
    wave_label: str | None = None
    hr_team_col: str | None = None

    @property
    def key(self) -> str:
        """A digest of everything that determines the results (for caching)."""
        h = hashlib.sha256()
        for payload in (*self.survey_files, self.staff_file, self.absence_file):
            h.update(b"|" + (f"{payload.name}:{payload.digest}".encode() if payload else b"-"))
        for value in (self.mapping_json, self.team_col, self.directorate_col, self.wave_col, self.wave_label,
                      self.hr_team_col):
            h.update(b"|" + str(value).encode())
        return h.hexdigest()

    @property
    def file_names(self) -> list[str]:
        return [p.name for p in (*self.survey_files, self.staff_file, self.absence_file) if p is not None]

    def column_options(self) -> ColumnOptions:
        mapping = Mapping.from_json(self.mapping_json, source="saved mapping") if self.mapping_json else None
        return ColumnOptions(team_col=self.team_col, directorate_col=self.directorate_col, wave_col=self.wave_col,
                             wave_label=self.wave_label, mapping=mapping)


@dataclass
class Dataset:
    """Scored, anonymised survey results and HR records for one spec and anonymity threshold.

    ``hr`` holds anonymous HR records (employee numbers are replaced by codes when read); pages ask
    :mod:`analytics.hr` for unit-level metrics from it.
    """

    spec: DatasetSpec
    min_group_size: int
    survey: SurveyResults | None
    hr: HRRecords | None

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def waves(self) -> list[str]:
        return self.survey.waves if self.survey is not None else []


def sample_spec(directory: str | Path = SAMPLE_DIR) -> DatasetSpec:
    """The shipped sample trust as a spec."""
    directory = Path(directory)
    return DatasetSpec(
        label=f"Sample data: {SAMPLE_TRUST_NAME} (fictional)",
        survey_files=tuple(FilePayload.from_path(directory / name) for name in SAMPLE_SURVEY_FILES),
        staff_file=FilePayload.from_path(directory / SAMPLE_STAFF_FILE),
        absence_file=FilePayload.from_path(directory / SAMPLE_ABSENCE_FILE),
        is_sample=True,
    )


def load_hr(spec: DatasetSpec) -> HRRecords | None:
    """Read the spec's HR files (employee-level staff + absence, or a team-month aggregate file)."""
    if spec.staff_file is None:
        if spec.absence_file is not None:
            raise InputError("An absence file needs the staff file it belongs to (the ESR staff list): add it too.",
                             file=spec.absence_file.name)
        return None
    raw = read_table(spec.staff_file.content, spec.staff_file.name)
    records = load_hr_table(raw, team_col=spec.hr_team_col)
    if spec.absence_file is not None:
        if not isinstance(records, StaffRecords):
            raise InputError("An absence file can only be linked to an employee-level staff file, not to team-month "
                             "figures (which already hold FTE days lost).", file=spec.absence_file.name)
        records = load_absence(read_table(spec.absence_file.content, spec.absence_file.name), records)
    return records


def load_dataset(spec: DatasetSpec, *, min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE,
                 progress: Progress | None = None) -> Dataset:
    """Score the spec's survey files and read its HR files."""
    survey = None
    if spec.survey_files:
        sources = [SurveySource(file_name=p.name, content=p.content) for p in spec.survey_files]
        survey = score_survey_files(sources, spec.column_options(), min_group_size=min_group_size,
                                    progress=(lambda f, m: progress(0.8 * f, m)) if progress else None)
    if progress:
        progress(0.85, "Reading HR files")
    hr = load_hr(spec)
    if progress:
        progress(1.0, "Done")
    return Dataset(spec=spec, min_group_size=min_group_size, survey=survey, hr=hr)

"""A dataset: the survey and HR files a session works on, and everything computed from them.

The dashboard holds one :class:`DatasetSpec` (the shipped sample trust until the user uploads files)
and asks :func:`load_dataset` for the scored, anonymised results. The spec is plain data (file names,
bytes and column choices), so it can be hashed for caching and rebuilt for any anonymity threshold.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from analytics import labels, prepared, settings
from analytics.errors import InputError
from analytics.hr import (HRExclusions, HRPeriod, HRRecords, LeaverDefinition, StaffRecords, apply_exclusions,
                         doctors_in_training_roles, exclusions_text, load_absence, load_hr_table, set_period)
from analytics.ingest import isolated
from analytics.ingest.io import read_table
from analytics.ingest.codebook import load_codebook
from analytics.ingest.mapping import CustomMeasure, Mapping
from analytics.survey.duplicates import refuse_identical_files
from analytics.survey.pipeline import (ColumnOptions, Progress, SurveyResults, SurveySource, pooled_results,
                                score_survey_files)
from analytics.survey import asked, published
from analytics.survey.privacy import check_min_group_size
from analytics.survey.scoring import ScoredResponses
from analytics.unit_matching import read_unit_map, with_unit_map

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
#: The fictional trust shipped in ``sample_data/`` (see its README).
SAMPLE_TRUST_NAME = "Northfield and Vale NHS Foundation Trust"
SAMPLE_SURVEY_FILES = ("survey_2023.csv", "survey_2024.xlsx", "survey_2025.csv")
SAMPLE_STAFF_FILE = "hr_staff_esr.csv"
SAMPLE_ABSENCE_FILE = "hr_absence_esr.csv"
#: The dashboard's and the board pack's default: doctors in training rotate between employers, so NHS
#: leaver statistics leave them out.
DEFAULT_EXCLUSIONS = HRExclusions(doctors_in_training=True)


@dataclass(frozen=True)
class FilePayload:
    """One file's name and bytes (an upload, or a shipped sample file)."""

    name: str
    content: bytes = field(repr=False)

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @classmethod
    def from_path(cls, path: str | Path) -> "FilePayload":
        path = Path(path)
        if not path.is_file():
            raise InputError("The file does not exist.", file=str(path))
        return cls(name=path.name, content=path.read_bytes())


@dataclass(frozen=True)
class PublishedWave:
    """The marker of a spec rebuilt from the store (:func:`analytics.store.load_published`): the wave (the
    latest of several), its version, the anonymity threshold it was published with (k may be raised, never
    lowered), the organisation and the fixed unit hierarchy ((directorate, team) pairs). ``waves`` lists every
    (wave, version) the spec holds."""

    wave: str
    version: int
    k: int
    organisation: str
    hierarchy: tuple[tuple[str, str], ...] = ()
    waves: tuple[tuple[str, int], ...] = ()


def check_published_k(spec: "DatasetSpec", min_group_size: int) -> None:
    """Refuse an anonymity threshold below the one the spec's wave was published with (InputError)."""
    published_k = spec.published.k if spec.published is not None else None
    if published_k is not None and isinstance(min_group_size, (int, float)) and min_group_size < published_k:
        raise InputError(f"This wave was published with an anonymity threshold of {published_k}; it cannot be "
                         "lowered.")


@dataclass(frozen=True)
class DatasetSpec:
    """What to load: survey files (one or more waves), optional HR files, and column choices.

    ``mapping_json`` is a saved :class:`~analytics.ingest.mapping.Mapping` applied to every survey file;
    ``team_col`` etc. override recognition.

    ``mappings_json`` holds one entry per survey file (same order), for waves whose files differ in shape
    (codes in one export, question text in another), where one preset cannot fit every file: entry *i*
    is survey file *i*'s own corrected mapping (JSON), or ``None`` to recognise that file's columns as
    usual (with ``mapping_json`` and the column options above). A file's own mapping is applied with its
    own ``wave_label`` (it was made for that file) and without the spec-level column options. Empty (the
    default) means every file is read with ``mapping_json`` and the column options.

    ``hr_period`` is the HR period the user set (:class:`analytics.hr.HRPeriod`); unset, it is inferred
    from the HR files (:func:`analytics.hr.infer_period`).

    ``survey_sheets`` names the worksheet to read of each survey file (same order), for workbooks holding
    several response sheets: entry *i* is survey file *i*'s sheet (case-insensitive), or ``None`` to take
    the sheet holding the responses, as :func:`analytics.ingest.io.read_table` chooses it. Empty (the default)
    means every file's sheet is chosen automatically; CSV files have no sheets and take ``None``.
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
    mappings_json: tuple[str | None, ...] = ()
    survey_sheets: tuple[str | None, ...] = ()
    #: The HR period the user set (the Data page, or --start/--end/--extract-date); unset: inferred.
    hr_period: HRPeriod = HRPeriod()
    #: How leavers are counted in every HR figure (the Data page's choice; default spell-based, headcount).
    leaver_definition: LeaverDefinition = LeaverDefinition()
    #: The user's organisation in a file of several organisations' published results (the Board's choice).
    our_organisation: str | None = None
    #: The user's confirmed survey-to-HR unit pairs as CSV (:func:`analytics.unit_matching.unit_map_csv`),
    #: or None: carried by the HR records into every survey x HR join.
    unit_map_csv: bytes | None = None
    #: Set when the spec was rebuilt from the store's published waves: their k and hierarchy are fixed.
    published: PublishedWave | None = None

    @cached_property
    def key(self) -> str:
        """A digest of everything that determines the results (for caching)."""
        h = hashlib.sha256()
        for payload in (*self.survey_files, self.staff_file, self.absence_file):
            h.update(b"|" + (f"{payload.name}:{payload.digest}".encode() if payload else b"-"))
        for value in (self.mapping_json, self.team_col, self.directorate_col, self.wave_col, self.wave_label,
                      self.hr_team_col):
            h.update(b"|" + str(value).encode())
        if self.mappings_json:
            # Only when given, so that the keys of specs without per-file mappings do not change.
            for value in self.mappings_json:
                h.update(b"|file mapping:" + str(value).encode())
        if any(sheet is not None for sheet in self.survey_sheets):
            # Only when a sheet is named, so that the keys of specs reading the automatic sheets do not change.
            for sheet in self.survey_sheets:
                h.update(b"|file sheet:" + str(sheet).encode())
        if self.hr_period.is_set:
            h.update(b"|hr period:" + repr(self.hr_period).encode())
        if self.leaver_definition != LeaverDefinition():
            h.update(b"|leavers:" + repr(self.leaver_definition).encode())
        if self.our_organisation is not None:
            h.update(b"|ours:" + self.our_organisation.encode())
        if self.unit_map_csv is not None:
            # Only when given, so that the keys of specs without a unit map do not change.
            h.update(b"|unit map:" + hashlib.sha256(self.unit_map_csv).hexdigest().encode())
        if self.published is not None:
            h.update(b"|published:" + repr(self.published).encode())
        return h.hexdigest()

    @property
    def is_preview(self) -> bool:
        """Uploaded files shown to one session only (neither the shipped sample nor published waves): their
        results are cached for that session alone and dropped when it ends."""
        return not self.is_sample and self.published is None

    def unit_map(self) -> pd.DataFrame | None:
        """The confirmed unit map (:func:`analytics.unit_matching.read_unit_map`), or None."""
        return None if self.unit_map_csv is None else read_unit_map(self.unit_map_csv, name="unit map")

    @cached_property
    def survey_key(self) -> str:
        """A digest of what the survey results depend on (the survey files and their column choices): HR
        files, the HR period, the unit map or the organisation chosen do not change the scores."""
        h = hashlib.sha256()
        for payload in self.survey_files:
            h.update(b"|" + f"{payload.name}:{payload.digest}".encode())
        for value in (self.mapping_json, self.team_col, self.directorate_col, self.wave_col, self.wave_label,
                      self.mappings_json, self.survey_sheets):
            h.update(b"|" + str(value).encode())
        return h.hexdigest()

    @property
    def file_names(self) -> list[str]:
        return [p.name for p in (*self.survey_files, self.staff_file, self.absence_file) if p is not None]

    def column_options(self) -> ColumnOptions:
        mapping = Mapping.from_json(self.mapping_json, source="saved mapping") if self.mapping_json else None
        return ColumnOptions(team_col=self.team_col, directorate_col=self.directorate_col, wave_col=self.wave_col,
                             wave_label=self.wave_label, mapping=mapping)

    def survey_source(self, index: int) -> SurveySource:
        """Survey file ``index`` as a :class:`~analytics.survey.pipeline.SurveySource`, with its sheet from
        ``survey_sheets`` (``None``: the sheet holding the responses).

        Raises :class:`InputError` when ``survey_sheets`` is given but does not hold one entry per survey file.
        """
        if self.survey_sheets and len(self.survey_sheets) != len(self.survey_files):
            raise InputError(f"{len(self.survey_sheets)} sheet choice(s) were given for {len(self.survey_files)} "
                             "survey file(s); give one per file (or none).")
        payload = self.survey_files[index]
        sheet = self.survey_sheets[index] if self.survey_sheets else None
        return SurveySource(file_name=payload.name, content=payload.content, sheet=sheet)

    def file_column_options(self, index: int) -> ColumnOptions:
        """The column options of survey file ``index``: its own mapping when ``mappings_json`` gives one,
        else :meth:`column_options`."""
        own = self.mappings_json[index] if self.mappings_json else None
        if own is None:
            return self.column_options()
        name = self.survey_files[index].name
        mapping = Mapping.from_json(own, source=f"column mapping of {name}")
        return ColumnOptions(wave_label=mapping.wave_label, mapping=mapping)


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
    #: What was left out of the HR records, in plain words (shown next to every HR figure).
    hr_exclusions: str = ""
    #: The HR exclusions asked for (the sidebar's choice; the dashboard leaves out doctors in training).
    exclusions: HRExclusions = DEFAULT_EXCLUSIONS
    #: Whose view of the data this is (:func:`analytics.access.scope_key`): empty for every unit, else a
    #: manager's units. Part of :attr:`cache_key`.
    scope_key: str = ""

    @property
    def label(self) -> str:
        return self.spec.label

    # The properties below are worked out once per dataset (pages ask on every rerun); nothing changes a
    # dataset's survey or spec after it is made.
    @cached_property
    def waves(self) -> list[str]:
        return self.survey.waves if self.survey is not None else []

    @cached_property
    def organisations(self) -> list[str]:
        """The organisations of a file of several organisations' published results (else one or none)."""
        return published.organisations(self.survey)

    @cached_property
    def needs_our_organisation(self) -> bool:
        """True when the results hold several organisations and the user has not said which is theirs."""
        return published.needs_our_organisation(self.survey) and self.spec.our_organisation is None

    @cached_property
    def measures_present(self) -> tuple[str, ...]:
        """Ids of the measures with results in any wave, in codebook order (then any others, sorted); ``()``
        without a survey. Worked out once per dataset: pages ask on every rerun."""
        if self.survey is None:
            return ()
        present = set(self.survey.unit_scores["measure"].astype(str).unique())
        order = list(labels.measure_labels(self.survey.codebook))
        return tuple([m for m in order if m in present] + sorted(present - set(order)))

    @cached_property
    def not_asked(self) -> frozenset[tuple[str, str]]:
        """(wave, measure) pairs that a wave's survey did not ask (:func:`analytics.survey.asked.not_asked`),
        worked out once per dataset."""
        return frozenset(asked.not_asked(self.survey.unit_scores)) if self.survey is not None else frozenset()

    @cached_property
    def board_survey(self) -> SurveyResults | None:
        """The survey results the Board and the board pack describe: with several organisations' published
        results, only the user's organisation at the organisation level
        (:func:`analytics.survey.published.for_organisation`)."""
        if self.survey is None or self.spec.our_organisation is None or not published.needs_our_organisation(
                self.survey):
            return self.survey
        return published.for_organisation(self.survey, self.spec.our_organisation)

    @cached_property
    def cache_key(self) -> str:
        """One digest of everything every figure of this dataset depends on: the files and column choices
        (:attr:`DatasetSpec.key`), the anonymity threshold and the HR exclusions. Caches of figures and
        tables key on it (the dashboard hashes a :class:`Dataset` argument by it), so no cached function
        takes these settings one by one."""
        h = hashlib.sha256(self.spec.key.encode())
        h.update(f"|k={self.min_group_size}|hr={self.exclusions!r}".encode())
        if self.scope_key:
            h.update(f"|scope={self.scope_key}".encode())
        return h.hexdigest()


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
    """Read the spec's HR files (employee-level staff + absence, or a team-month aggregate file), carrying
    the spec's unit map (:attr:`DatasetSpec.unit_map_csv`). The sample's records are read once and kept on
    disk (:func:`analytics.prepared.on_disk`)."""
    return prepared.on_disk("hr", spec, (), lambda: _read_hr_here_or_in_child(spec))


def _read_hr_here_or_in_child(spec: DatasetSpec) -> HRRecords | None:
    """:func:`_read_hr`, in a child process when the HR files are over ``settings.HR_IN_CHILD_ABOVE_BYTES`` in
    all (reading and linking an ESR extract is seconds of Python work that would hold the server's interpreter
    lock: other sessions' pages would wait)."""
    files = [p for p in (spec.staff_file, spec.absence_file) if p is not None]
    if spec.staff_file is None or not _worth_a_child(files, settings.HR_IN_CHILD_ABOVE_BYTES):
        return _read_hr(spec)
    return _in_child(_read_hr_from_disk, files, _bare(spec))


def _read_hr_from_disk(named: list[tuple[str, str]], bare: DatasetSpec) -> HRRecords | None:
    """In the child: the staff file (and the absence file, second when given) read back and read by
    :func:`_read_hr`."""
    files = _payloads_back(named)
    return _read_hr(dataclasses.replace(bare, staff_file=files[0], absence_file=files[1] if len(files) > 1 else None))


# --- Work on uploaded files in a child process (scoring, HR) ---------------------------------------
def _worth_a_child(files: list[FilePayload], threshold: int | None) -> bool:
    """Whether files of this size in all (over ``threshold`` bytes; ``None``: never) go to a child process,
    where the platform has one (:data:`analytics.ingest.isolated.ISOLATION_AVAILABLE`)."""
    return (threshold is not None and isolated.ISOLATION_AVAILABLE and bool(files)
            and sum(len(p.content) for p in files) > threshold)


def _bare(spec: DatasetSpec) -> DatasetSpec:
    """The spec without its files' bytes (they reach the child as temporary files)."""
    return dataclasses.replace(spec, survey_files=(), staff_file=None, absence_file=None)


def _in_child(target, files: list[FilePayload], *args, progress: Progress | None = None):
    """``target([(name, path), …], *args)`` run in a child process (:func:`analytics.ingest.isolated.run_isolated`,
    with ``settings.SCORE_MEMORY_LIMIT_BYTES`` and ``settings.SCORE_TIME_LIMIT_SECONDS``). The files reach it as
    temporary files (removed afterwards), so their bytes are not copied into its launch message; only the
    result, and ``progress`` reports on the way, come back, and the server waits without holding Python's
    interpreter lock."""
    with tempfile.TemporaryDirectory(prefix="upload_") as folder:
        named = []
        for index, payload in enumerate(files):
            path = Path(folder) / f"{index}{Path(payload.name).suffix}"
            path.write_bytes(payload.content)
            named.append((payload.name, str(path)))
        return isolated.run_isolated(target, named, *args, file_name=", ".join(p.name for p in files),
                                     memory_limit=settings.SCORE_MEMORY_LIMIT_BYTES,
                                     time_limit=settings.SCORE_TIME_LIMIT_SECONDS, progress=progress)


def _payloads_back(named: list[tuple[str, str]]) -> list[FilePayload]:
    """In the child: the files :func:`_in_child` handed over, read back (and no reading child of its own)."""
    settings.ISOLATE_READS_ABOVE_BYTES = None   # this process is the child; the setting is its own copy
    return [FilePayload(name=name, content=Path(path).read_bytes()) for name, path in named]


def _read_hr(spec: DatasetSpec) -> HRRecords | None:
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
    if spec.hr_period.is_set:
        records = set_period(records, spec.hr_period)
    if spec.leaver_definition != LeaverDefinition():
        if not isinstance(records, StaffRecords):
            raise InputError(f"Leavers can be counted {spec.leaver_definition.text} only from an employee-level staff "
                             "file; team-month figures hold the leavers as they were counted. Choose the default "
                             "(spell-based, headcount).", file=spec.staff_file.name)
        records = dataclasses.replace(records, leaver_definition=spec.leaver_definition)
    return with_unit_map(records, spec.unit_map()) if spec.unit_map_csv is not None else records


def _merged_custom_measures(mappings: list[Mapping]) -> list[CustomMeasure]:
    """The local measures of several files' mappings, one per measure id: a measure defined for several
    waves keeps the union of its columns (its questions may be headed differently in each file)."""
    merged: dict[str, CustomMeasure] = {}
    for mapping in mappings:
        for measure in mapping.custom_measures:
            if measure.id not in merged:
                merged[measure.id] = CustomMeasure(id=measure.id, label=measure.label, columns=list(measure.columns),
                                                   scale=measure.scale, reverse_columns=list(measure.reverse_columns),
                                                   description=measure.description, wordings=dict(measure.wordings))
                continue
            known = merged[measure.id]
            if known.scale != measure.scale:
                raise InputError(f"The local measure '{measure.label}' uses different scales in different survey "
                                 "files. Give it the same scale in every file, or different names.")
            known.columns += [c for c in measure.columns if c not in known.columns]
            known.reverse_columns += [c for c in measure.reverse_columns if c not in known.reverse_columns]
            known.wordings = {**measure.wordings, **known.wordings}
    return list(merged.values())


def _score_with_file_mappings(spec: DatasetSpec, min_group_size: int, progress: Progress | None) -> SurveyResults:
    """Score each survey file with its own column options, then pool the respondents of every file into
    one set of unit tables (suppression needs the pooled counts).

    Each file goes through :func:`analytics.survey.pipeline.score_survey_files` on its own (recognition, scoring,
    unit-level results files); the per-file unit tables are recomputed from the pooled respondents.
    """
    min_group_size = check_min_group_size(min_group_size)
    if len(spec.mappings_json) != len(spec.survey_files):
        raise InputError(f"{len(spec.mappings_json)} column mapping(s) were given for {len(spec.survey_files)} "
                         "survey file(s); give one per file (or none).")
    scored: list[ScoredResponses] = []
    published: list = []
    files: list[dict] = []
    total = len(spec.survey_files)
    for index in range(total):
        step = (lambda f, m, i=index: progress((i + f) / total * 0.9, m)) if progress else None
        result = score_survey_files([spec.survey_source(index)], spec.file_column_options(index),
                                    min_group_size=min_group_size, progress=step)
        files.extend(result.files)
        if result.scored is None:
            published.append(result.unit_scores)
        else:
            scored.append(result.scored)
    mappings = [f["mapping"] for f in files if not f.get("unit_level")]
    base_book = load_codebook(mappings[0].codebook if mappings else None)
    book = base_book.with_custom_measures(_merged_custom_measures(mappings))
    if progress:
        progress(0.95, "Computing team scores")
    return pooled_results(scored, published, files, book, min_group_size=min_group_size)


def can_exclude_doctors_in_training(records: HRRecords | None) -> bool:
    """True when the records are employee-level with job roles of which some are doctor-in-training roles."""
    return (isinstance(records, StaffRecords) and records.has_job_role
            and bool(doctors_in_training_roles(records.assignments["job_role"])))


def exclude_from_hr(records: HRRecords | None, exclusions: HRExclusions) -> tuple[HRRecords | None, str]:
    """The HR records the pages use, and the exclusions in plain words.

    Doctors in training rotate between employers on national changeover days, so NHS leaver statistics
    leave them out; the dashboard does too by default, as a visible choice in the sidebar. When the data
    cannot tell them apart (no job-role column, or team-month figures) they are counted and the text
    says so; the other exclusions are applied as :func:`analytics.hr.apply_exclusions` applies them.
    """
    if records is None:
        return None, ""
    possible = exclusions
    if exclusions.doctors_in_training and not can_exclude_doctors_in_training(records):
        possible = dataclasses.replace(exclusions, doctors_in_training=False)
    if possible.any:
        records, resolved = apply_exclusions(records, possible)
        text = resolved.text()
    else:
        text = exclusions_text(HRExclusions())
    if exclusions.doctors_in_training and not possible.doctors_in_training:
        text += (" Doctors in training could not be told apart in these HR files (no job role naming a training"
                 " grade), so they are counted.")
    return records, text


def load_survey(spec: DatasetSpec, *, min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE,
                progress: Progress | None = None) -> SurveyResults | None:
    """Score the spec's survey files (None when there are none).

    With ``spec.mappings_json`` each survey file is recognised with its own mapping
    (:meth:`DatasetSpec.file_column_options`) and the respondents of all files are pooled into one set
    of suppressed unit tables, as :func:`~analytics.survey.pipeline.score_survey_files` does for one mapping.
    Each workbook is read from its sheet in ``spec.survey_sheets`` (:meth:`DatasetSpec.survey_source`),
    else from the sheet holding the responses.

    Raises :class:`InputError` for unreadable files, a named sheet the workbook does not have,
    ``mappings_json`` or ``survey_sheets`` not holding one entry per survey file, and two survey files with
    the same bytes (:func:`analytics.survey.duplicates.refuse_identical_files`: every respondent would be
    counted twice), and a threshold below a published wave's (:func:`check_published_k`). The sample's
    results are scored once and kept on disk (:func:`analytics.prepared.on_disk`).
    """
    check_published_k(spec, min_group_size)
    return prepared.on_disk("survey", spec, (int(min_group_size),),
                            lambda: _score_survey(spec, min_group_size, progress))


def _score_survey(spec: DatasetSpec, min_group_size: int, progress: Progress | None) -> SurveyResults | None:
    refuse_identical_files([p.name for p in spec.survey_files], [p.digest for p in spec.survey_files])
    files = list(spec.survey_files)
    if not _worth_a_child(files, settings.SCORE_IN_CHILD_ABOVE_BYTES):
        return _score_here(spec, min_group_size, progress)
    if progress:
        progress(0.02, "Reading " + ", ".join(p.name for p in files))
    single = sum(len(p.content) for p in files) > settings.SINGLE_PRECISION_ITEMS_ABOVE_BYTES
    return _in_child(_score_from_disk, files, _bare(spec), min_group_size, single, progress=progress)


def _score_from_disk(named: list[tuple[str, str]], bare: DatasetSpec, min_group_size: int, single_precision: bool,
                     progress: Progress | None = None):
    """In the scoring child: the spec's survey files read back and scored here, reporting ``progress``
    (relayed to the server).

    With ``single_precision`` (files over ``settings.SINGLE_PRECISION_ITEMS_ABOVE_BYTES``) the respondents' item
    scores (kept for reliability and respondent-level models) come back in single precision
    (``settings.LARGE_UPLOAD_ITEM_DTYPE``: 7 significant digits; answers on a 5-point scale, 0, 2.5, 5, 7.5 and
    10, are exact), which halves the largest table the server keeps of a large upload. Every unit table is
    computed in the child in double precision, as in the server."""
    files = tuple(_payloads_back(named))
    results = _score_here(dataclasses.replace(bare, survey_files=files), min_group_size, progress)
    del files
    if single_precision and results is not None and results.scored is not None:
        items = results.scored.item_scores.astype(settings.LARGE_UPLOAD_ITEM_DTYPE)
        results = dataclasses.replace(results, scored=dataclasses.replace(results.scored, item_scores=items))
    return results


def _score_here(spec: DatasetSpec, min_group_size: int, progress: Progress | None) -> SurveyResults | None:
    """The survey results of the spec's survey files, scored in this process (see :func:`load_survey`)."""
    if spec.survey_files and spec.mappings_json:
        return _score_with_file_mappings(spec, min_group_size, progress)
    if spec.survey_files:
        sources = [spec.survey_source(index) for index in range(len(spec.survey_files))]
        return score_survey_files(sources, spec.column_options(), min_group_size=min_group_size, progress=progress)
    return None


def load_dataset(spec: DatasetSpec, *, min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE,
                 exclusions: HRExclusions = DEFAULT_EXCLUSIONS, progress: Progress | None = None) -> Dataset:
    """Score the spec's survey files and read its HR files (exclusions: :func:`exclude_from_hr`); a threshold
    below a published wave's is refused (:func:`check_published_k`)."""
    check_published_k(spec, min_group_size)
    survey = load_survey(spec, min_group_size=min_group_size,
                         progress=(lambda f, m: progress(0.8 * f, m)) if progress else None)
    if progress:
        progress(0.85, "Reading HR files")
    hr, text = exclude_from_hr(load_hr(spec), exclusions)
    if progress:
        progress(1.0, "Done")
    return Dataset(spec=spec, min_group_size=min_group_size, survey=survey, hr=hr, hr_exclusions=text,
                   exclusions=exclusions)

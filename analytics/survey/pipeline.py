"""The survey pipeline end to end: files -> recognised columns -> scores -> anonymised unit tables.

This is what the command line and the dashboard call::

    results = score_survey_files([SurveySource("survey_2025.csv", path)], min_group_size=11)
    results.unit_scores      # wave x level x unit x measure, already suppressed
    results.item_results     # wave x level x unit x item % positive, already suppressed
    results.findings         # data-quality findings, one row each

Reading strategy (architecture.md, performance habits): a workbook is read once (calamine reads a
whole sheet anyway); a CSV is read in two passes — a small preview to recognise the columns, then only
the columns the mapping needs, which keeps a 1M-row export within memory.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from analytics import settings
from analytics.ingest.codebook import Codebook, load_codebook
from analytics.errors import InputError
from analytics.ingest.io import read_table
from analytics.ingest.local_measures import add_local_measures
from analytics.ingest.mapping import Mapping, apply_mapping, detect_mapping, summarise_mapping
from analytics.survey.privacy import check_min_group_size
from analytics.ingest.quality import concat_findings
from analytics.ingest.names import merge_spellings, spelling_findings
from analytics.ingest.raw import RawTable
from analytics.survey.scoring import ScoredResponses, item_results, score_responses, unit_scores
from analytics.survey.duplicates import (RowKeys, content_digest, pooled_duplicates, refuse_identical_files, row_keys,
                                         within_file_duplicates)
from analytics.survey.wave_source import (FROM_DATE_COLUMN, WaveSource, detect_wave, find_column, found_in_file,
                                          wave_from_dates, wave_source_finding)
from analytics.ingest.published_shapes import LEVEL_WORDS, SHAPE_BENCHMARK, detect_shape, level_of
from analytics.ingest.published_workbook import read_benchmark_workbook
from analytics.ingest.unit_level import UnitResults, is_unit_level, looks_published, read_unit_results
from analytics.ingest.published_table import PUBLISHED_NOTE  # noqa: F401 (for pages)
from analytics.survey.published_scores import COMPARATOR_COLUMNS, published_unit_scores

#: ``progress(fraction_done, message)``: called as long work advances (the Data page shows a bar).
Progress = Callable[[float, str], None]

_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


@dataclass(frozen=True)
class SurveySource:
    """One file to read: its name as the user knows it and its content (a path or the uploaded bytes)."""

    file_name: str
    content: str | Path | bytes
    sheet: str | None = None

    @classmethod
    def from_path(cls, path: str | Path, sheet: str | None = None) -> "SurveySource":
        path = Path(path)
        if not path.exists():
            raise InputError("The file does not exist. Check the name and folder.", file=str(path))
        if path.is_dir():
            raise InputError("This is a folder, not a file.", file=str(path))
        return cls(file_name=path.name, content=path, sheet=sheet)


@dataclass
class ColumnOptions:
    """What the user told us about the columns (all optional; recognition fills in the rest)."""

    team_col: str | None = None
    directorate_col: str | None = None
    wave_col: str | None = None
    wave_label: str | None = None
    mapping: Mapping | None = None
    #: Local measures as ``"NAME=COL[,COL...][;reverse=COL...]"`` texts
    #: (:func:`analytics.ingest.local_measures.parse_local_measure`), added to every file's mapping.
    local_measures: tuple[str, ...] = ()
    #: Published results: ``{column: kind}`` overriding the kinds decided (analytics.ingest.column_kinds).
    column_kinds: dict[str, str] | None = None


@dataclass
class RecognisedFile:
    """A file read and its columns recognised, before scoring.

    ``unit_results`` is set (and ``mapping`` is empty) when the file holds unit-level results (one row per
    team or organisation with a response count) rather than one row per respondent.

    ``wave_fallback`` is the wave the file itself gives (a response-date column, the sheet name, a title
    row, the file name: :mod:`analytics.survey.wave_source`), used when there is no wave column and the
    user typed none; ``wave_source`` says where the wave used comes from.
    """

    source: SurveySource
    raw: RawTable
    mapping: Mapping
    wave_fallback: str | None
    unit_results: UnitResults | None = None
    wave_source: WaveSource | None = None
    #: What the file itself gives for the wave (never a wave column or a typed wave): shown on the Data page.
    wave_found: WaveSource | None = None

    @property
    def is_unit_level(self) -> bool:
        return self.unit_results is not None

    @property
    def measure_summary(self) -> pd.DataFrame:
        return summarise_mapping(self.mapping, load_codebook(self.mapping.codebook))


@dataclass
class SurveyResults:
    """Everything the pages, the exports and the CLI may show of a set of survey files.

    ``unit_scores`` and ``item_results`` are suppressed (:mod:`analytics.survey.privacy`); respondent-level
    rows are not kept here.
    """

    unit_scores: pd.DataFrame
    item_results: pd.DataFrame
    findings: pd.DataFrame
    files: list[dict] = field(default_factory=list)
    min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE
    codebook_id: str = ""
    #: Respondent-level scores, kept for the analytics functions that need them (wave comparisons,
    #: reliability, multilevel models), which return aggregates only. Never shown or exported.
    scored: ScoredResponses | None = field(default=None, repr=False)
    codebook: Codebook | None = field(default=None, repr=False)

    @property
    def waves(self) -> list[str]:
        return sorted(self.unit_scores["wave"].dropna().unique().tolist())

    @property
    def published_without_counts(self) -> bool:
        """Whether any file is published results without response counts (figures shown as published,
        already anonymised; no k suppression possible): pages say so with :data:`PUBLISHED_NOTE`."""
        return any(f.get("published_without_counts") for f in self.files)

    @property
    def comparators(self) -> pd.DataFrame:
        """Comparator rows of every published file (COMPARATOR_COLUMNS plus ``file``), never units."""
        tables = [f["comparators"].assign(file=f["file"]) for f in self.files
                  if f.get("comparators") is not None and len(f["comparators"])]
        return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=[*COMPARATOR_COLUMNS, "file"])


def wave_from_file_name(file_name: str) -> str | None:
    """A survey year in the file name (``staff_survey_2025.xlsx`` -> ``"2025"``), or None."""
    years = _YEAR_IN_NAME.findall(Path(file_name).stem)
    return years[-1] if years else None


def _report(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message)


def _read_in_two_passes(source: SurveySource) -> bool:
    """A CSV larger than :data:`settings.LARGE_CSV_BYTES` is read in two passes: a preview to recognise the
    columns, then only the mapped columns (memory). Anything smaller is read once, whole (time)."""
    if not _is_csv(source):
        return False
    size = len(source.content) if isinstance(source.content, bytes) else Path(source.content).stat().st_size
    return size > settings.LARGE_CSV_BYTES


def _is_csv(source: SurveySource) -> bool:
    """True unless the content starts like a workbook (zip or OLE2 container)."""
    if isinstance(source.content, bytes):
        head = source.content[:4]
    else:
        with Path(source.content).open("rb") as handle:
            head = handle.read(4)
    return not head.startswith(b"PK") and not head.startswith(b"\xd0\xcf\x11\xe0")


def recognise_file(source: SurveySource, options: ColumnOptions | None = None,
                   codebook: Codebook | None = None, *, require_items: bool = True) -> RecognisedFile:
    """Read a survey file and recognise its columns (or apply a saved mapping). With ``require_items``
    false, a file in which no codebook question is recognised is not refused (a local pulse survey: the
    Data page then offers its columns for local measures)."""
    options = options or ColumnOptions()
    if options.mapping is not None:
        codebook = codebook or load_codebook(options.mapping.codebook)
    codebook = codebook or load_codebook()
    two_passes = _read_in_two_passes(source)
    # Local measures' scales are detected from the answers, so such a file is read whole.
    two_passes = two_passes and not options.local_measures
    header = read_table(source.content, source.file_name, sheet=source.sheet, header_only=two_passes)
    found = found_in_file(header, source.file_name)
    wave_fallback = found.wave
    if options.mapping is None and is_unit_level(header):
        return _recognise_published(source, options, codebook, header, two_passes, wave_fallback, found)
    if options.mapping is not None:
        mapping = _applied_mapping(header, options, codebook)
    else:
        try:
            mapping = detect_mapping(header, codebook, team_col=options.team_col,
                                     directorate_col=options.directorate_col, wave_col=options.wave_col,
                                     wave_label=options.wave_label)
        except InputError:
            # No codebook question among one-row-per-respondent columns: published figures without
            # counts (one row per unit, scores or percentages) are read as such; a local pulse survey goes
            # on without national questions when allowed (the Data page, --local-measure); else refused.
            if looks_published(header):
                return _recognise_published(source, options, codebook, header, two_passes, wave_fallback, found)
            if require_items and not options.local_measures:
                raise
            mapping = detect_mapping(header, codebook, team_col=options.team_col,
                                     directorate_col=options.directorate_col, wave_col=options.wave_col,
                                     wave_label=options.wave_label, require_items=False)
    if options.local_measures:
        mapping = add_local_measures(mapping, header, options.local_measures, codebook)
    wave_source = detect_wave(header, source.file_name, wave_col=mapping.wave_col, wave_label=mapping.wave_label,
                              found=found)
    return RecognisedFile(source=source, raw=header, mapping=mapping, wave_fallback=wave_fallback,
                          wave_source=wave_source, wave_found=found)


def _applied_mapping(header: RawTable, options: ColumnOptions, codebook: Codebook) -> Mapping:
    """``options.mapping`` applied to the file, with the columns and wave the options name overriding it."""
    mapping = apply_mapping(header, options.mapping, codebook)
    overrides = {k: getattr(options, k) for k in ("team_col", "directorate_col", "wave_col")}
    for key, column in overrides.items():
        if column:
            setattr(mapping, key, header.resolve_column(column, role=key.removesuffix("_col")))
            mapping.evidence[getattr(mapping, key)] = "user"
    if options.wave_label:
        mapping.wave_label = options.wave_label
    return mapping


def _recognise_published(source: SurveySource, options: ColumnOptions, codebook: Codebook, header: RawTable,
                         two_passes: bool, wave_fallback: str | None, found=None) -> RecognisedFile:
    """A file of published unit-level results (:func:`analytics.ingest.unit_level.read_unit_results`)."""
    # An NSS benchmark workbook with one sheet per benchmark group is read whole (every group sheet).
    workbook = None if source.sheet or detect_shape(header) != SHAPE_BENCHMARK else read_benchmark_workbook(
        source.content, source.file_name, codebook, unit_col=options.team_col, wave_col=options.wave_col,
        wave_label=options.wave_label or wave_fallback, column_kinds=options.column_kinds)
    if workbook is not None:
        raw, unit_results = workbook.raw, workbook.results
    else:
        raw = read_table(source.content, source.file_name, sheet=source.sheet) if two_passes else header
        unit_results = read_unit_results(raw, codebook, unit_col=options.team_col, wave_col=options.wave_col,
                                         wave_label=options.wave_label or wave_fallback,
                                         column_kinds=options.column_kinds)
    return RecognisedFile(source=source, raw=raw, mapping=Mapping(codebook=codebook.id), wave_fallback=wave_fallback,
                          unit_results=unit_results, wave_found=found,
                          wave_source=detect_wave(raw, source.file_name, wave_col=unit_results.wave_col,
                                                  wave_label=options.wave_label, found=found))


def score_recognised(recognised: RecognisedFile, codebook: Codebook | None = None) -> ScoredResponses:
    """Score one recognised file (reading only the mapped columns of a large CSV).

    Rows repeating an earlier row's response id are removed, with a finding
    (:func:`analytics.survey.duplicates.within_file_duplicates`); a finding says where the wave came from.
    """
    return _score_file(recognised, codebook)[0]


def _scoring_table(recognised: RecognisedFile) -> RawTable:
    """The table to score: the file as read, or for a large CSV only the mapped columns, the response-date
    column and the response-id column (a second pass), with the wave re-read from all the dates."""
    raw = recognised.raw
    if not _read_in_two_passes(recognised.source):
        return raw
    ids = find_column(raw, settings.RESPONSE_ID_HEADERS)
    source = recognised.wave_source
    dates = [source.column] if source is not None and source.kind == FROM_DATE_COLUMN and source.column else []
    columns = list(dict.fromkeys(recognised.mapping.used_columns() + dates + ids[:1]))
    full = read_table(recognised.source.content, recognised.source.file_name, sheet=recognised.source.sheet,
                      columns=columns)
    from_all = wave_from_dates(full) if dates else None
    if from_all is not None:
        recognised.wave_fallback = from_all.wave
        recognised.wave_source = from_all
    return full


def _score_file(recognised: RecognisedFile, codebook: Codebook | None = None) -> tuple[ScoredResponses, RowKeys]:
    """Score one recognised file; return the scores (within-file repeats removed) and each kept row's keys."""
    mapping = recognised.mapping
    codebook = codebook or load_codebook(mapping.codebook)
    raw = _scoring_table(recognised)
    if mapping.team_col is None:
        raise InputError("No team column was recognised. Name it (for example --team-col \"Ward\"), or choose it "
                         "on the Data page.", file=recognised.source.file_name, sheet=raw.sheet)
    if not (mapping.wave_col or mapping.wave_label or recognised.wave_fallback):
        raise InputError("The survey year (wave) is not known: there is no year or wave column and no year in the "
                         "file name. Give it (for example --wave 2025), or rename the file to include the year.",
                         file=recognised.source.file_name)
    scored = score_responses(raw, mapping, codebook, wave=recognised.wave_fallback)
    keys = row_keys(raw, mapping, scored.respondents["wave"])
    repeated, repeat_findings = within_file_duplicates(keys)
    extra = [repeat_findings]
    if recognised.wave_source is not None:
        extra.insert(0, wave_source_finding(recognised.wave_source, file=raw.file_name, sheet=raw.sheet))
    scored = _without_rows(scored, repeated, extra)
    return scored, keys.without(repeated)


def _without_rows(scored: ScoredResponses, rows, findings: list[pd.DataFrame]) -> ScoredResponses:
    """``scored`` without the respondents of spreadsheet ``rows``, with ``findings`` added."""
    return dataclasses.replace(scored, respondents=scored.respondents.drop(index=rows),
                               item_scores=scored.item_scores.drop(index=rows),
                               findings=concat_findings([scored.findings, *findings]))


#: Header words of a unit-level file's unit column that say which level its rows are (one rule, in
#: :mod:`analytics.ingest.published_shapes`).
_LEVEL_WORDS = LEVEL_WORDS


def unit_level_level(unit_column: str | None) -> str:
    """The reporting level of a unit-level file's rows, from its unit column's header.

    ``"organisation"`` for "Organisation name", "Trust", "Provider"…; ``"directorate"`` for "Directorate",
    "Division", "Care group"…; otherwise ``"team"``.
    """
    return level_of(unit_column) or settings.LEVEL_TEAM


def unit_level_scores(recognised: RecognisedFile, *, min_group_size: int) -> pd.DataFrame:
    """A unit-level file's results in the unit-score layout (:data:`settings.UNIT_SCORE_COLUMNS`, plus
    ``pct_unfavourable`` for burnout/stress-like percentages), suppressed.

    Scores (0–10) go to ``mean``, favourable percentages to ``pct_positive`` and unfavourable ones to
    ``pct_unfavourable``; ``measure`` is a codebook measure id, an item code or the column's header.
    Confidence intervals are empty (a published table gives no respondent data). With counts, a unit
    below the threshold — or with an unknown count — is suppressed, and teams under a total row get
    complementary suppression (:func:`analytics.survey.published_scores.published_unit_scores`). A file
    without any count is shown as published (already anonymised). The comparators table is
    :func:`unit_level_comparators`.
    """
    return _published_tables(recognised, min_group_size)[0]


def unit_level_comparators(recognised: RecognisedFile, *, min_group_size: int) -> pd.DataFrame:
    """The comparator rows (median, mean, best, worst, totals) of a unit-level file:
    :data:`analytics.survey.published_scores.COMPARATOR_COLUMNS`."""
    return _published_tables(recognised, min_group_size)[1]


def _published_tables(recognised: RecognisedFile, min_group_size: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    results = recognised.unit_results
    assert results is not None
    if results.frame["wave"].isna().any() or results.comparators["wave"].isna().any():
        raise InputError("The survey year (wave) of these results is not known: there is no year or wave column, "
                         "and no year in a sheet name, a title row or the file name. Give it (for example --wave "
                         "2025, or the wave on the Data page).",
                         file=recognised.source.file_name)
    level = results.level or unit_level_level(results.unit_col)
    return published_unit_scores(_named_units(results), level, min_group_size=min_group_size)


def _named_units(results: UnitResults) -> UnitResults:
    """Units keyed by a code (ODS) shown with their name: "Northfield Trust (R0A)", unique like the code."""
    if not results.unit_labels:
        return results
    names = {code: f"{name} ({code})" for code, name in results.unit_labels.items() if name and name != code}
    frame = results.frame.assign(unit=results.frame["unit"].map(lambda u: names.get(u, u)))
    return dataclasses.replace(results, frame=frame)


def _combine(scored: list[ScoredResponses], codebook: Codebook) -> ScoredResponses:
    if len(scored) == 1:
        return scored[0]
    return ScoredResponses(
        respondents=pd.concat([s.respondents for s in scored], ignore_index=True),
        item_scores=pd.concat([s.item_scores for s in scored], ignore_index=True),
        findings=concat_findings([s.findings for s in scored]),
        codebook=codebook,
        item_columns={k: v for s in scored for k, v in s.item_columns.items()},
    )


def _drop_duplicates_across_files(scored: list[ScoredResponses], files: list[dict]) -> list[ScoredResponses]:
    """``scored`` (one per respondent-level file of ``files``, in order) without duplicates across files; the
    findings go to the file they are about, and each file's ``respondents`` count is updated."""
    scored_files = [f for f in files if not f.get("unit_level")]
    if len(scored) < 2 or len(scored_files) != len(scored) or not all("row_keys" in f for f in scored_files):
        return scored
    drops, findings = pooled_duplicates([f["row_keys"] for f in scored_files])
    kept = []
    for result, info, rows, own in zip(scored, scored_files, drops, findings):
        if len(rows) or len(own):
            result = _without_rows(result, rows, [own])
            info["respondents"] = int(len(result.respondents))
            info["duplicates_removed"] = int(len(rows))
            info["row_keys"] = info["row_keys"].without(rows)
        kept.append(result)
    return kept


def pooled_results(scored: list[ScoredResponses], published: list[pd.DataFrame], files: list[dict],
                   codebook: Codebook, *, min_group_size: int) -> SurveyResults:
    """Anonymised unit tables from the pooled respondents of several files, plus published unit-level tables.

    Respondents are pooled before any unit is scored because suppression needs the pooled counts: a team
    split across two exports is one team. Duplicate respondents across files (the same response id in one
    wave, a whole file copied under another name) are removed first, with findings
    (:func:`analytics.survey.duplicates.pooled_duplicates`), so that nobody is counted twice; the files'
    ``respondents`` counts are updated. Unit-level (published) tables are appended as they are.
    """
    if scored:
        scored = _drop_duplicates_across_files(scored, files)
        combined = _merge_unit_spellings(_combine(scored, codebook), len(scored))
        table = unit_scores(combined, codebook, min_group_size=min_group_size)
        items = item_results(combined, codebook, min_group_size=min_group_size)
        findings = combined.findings
    else:
        combined = None
        table = pd.DataFrame(columns=list(settings.UNIT_SCORE_COLUMNS))
        items = pd.DataFrame(columns=list(settings.ITEM_RESULT_COLUMNS))
        findings = pd.DataFrame(columns=list(settings.FINDING_COLUMNS))
    if published:
        table = pd.concat([t for t in (table, *published) if len(t)], ignore_index=True)
    return SurveyResults(unit_scores=table, item_results=items, findings=findings, files=files,
                         min_group_size=min_group_size, codebook_id=codebook.id, scored=combined, codebook=codebook)


def _merge_unit_spellings(combined: ScoredResponses, n_files: int) -> ScoredResponses:
    """Team and directorate names that differ only by letter case across files ("Ward 7" in one export,
    "WARD 7" in the next) are one unit (:func:`analytics.ingest.names.merge_spellings`; each file's own
    variants were merged when it was scored), with a finding per merge."""
    if n_files < 2:
        return combined
    respondents, findings = combined.respondents, [combined.findings]
    for role in ("directorate", "team"):
        if role not in respondents.columns:
            continue
        merged, merges = merge_spellings(respondents[role])
        if merges:
            respondents = respondents.assign(**{role: merged})
            findings.append(spelling_findings(merges, column=role, role=role, file="several files"))
    if len(findings) == 1:
        return combined
    return dataclasses.replace(combined, respondents=respondents, findings=concat_findings(findings))


def _published_file_entry(recognised: RecognisedFile, units: pd.DataFrame, comparators: pd.DataFrame) -> dict:
    """``SurveyResults.files`` entry of a published file: ``unit_level`` True, ``published_without_counts``,
    ``column_kinds`` (column, kind, measure, why), ``comparators`` (suppressed), ``unit_properties``,
    ``unit_labels`` (ODS code -> name)."""
    results = recognised.unit_results
    return {"file": recognised.source.file_name, "sheet": recognised.raw.sheet, "respondents": None,
            "waves": sorted(units["wave"].astype(str).unique().tolist()),
            "items_recognised": 0, "notes": list(recognised.raw.notes) + results.notes,
            "mapping": recognised.mapping, "unit_level": True,
            "published_without_counts": results.published_without_counts, "shape": results.shape,
            "column_kinds": results.column_kinds, "comparators": comparators,
            "unit_properties": results.unit_properties, "unit_labels": results.unit_labels,
            "wave_source": recognised.wave_source.text if recognised.wave_source else ""}


def score_survey_files(sources: list[SurveySource], options: ColumnOptions | None = None, *,
                       min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE,
                       codebook: Codebook | None = None, progress: Progress | None = None) -> SurveyResults:
    """Read, recognise and score survey files (one or several waves), returning anonymised tables.

    Parameters
    ----------
    sources
        The files; several files of the same wave are pooled (e.g. one export per directorate).
    options
        Column choices and/or a saved mapping applied to every file.
    min_group_size
        The anonymity threshold k (default 11, never below 5).

    Raises :class:`InputError` when two sources hold the same bytes (the same file uploaded twice:
    :func:`analytics.survey.duplicates.refuse_identical_files`). Duplicate respondents are removed before
    pooling (:func:`pooled_results`).
    """
    min_group_size = check_min_group_size(min_group_size)
    if not sources:
        raise InputError("No survey file was given.")
    if len(sources) > 1:
        refuse_identical_files([s.file_name for s in sources], [content_digest(s.content) for s in sources])
    scored: list[ScoredResponses] = []
    files: list[dict] = []
    published: list[pd.DataFrame] = []
    for index, source in enumerate(sources):
        _report(progress, index / len(sources), f"Reading {source.file_name}")
        recognised = recognise_file(source, options, codebook)
        if recognised.is_unit_level:
            units, comparators = _published_tables(recognised, min_group_size)
            published.append(units)
            files.append(_published_file_entry(recognised, units, comparators))
            continue
        book = codebook or load_codebook(recognised.mapping.codebook)
        _report(progress, (index + 0.5) / len(sources), f"Scoring {source.file_name}")
        result, keys = _score_file(recognised, book)
        scored.append(result)
        wave_text = recognised.wave_source.text if recognised.wave_source else ""
        files.append({"file": source.file_name, "sheet": recognised.raw.sheet,
                      "respondents": int(len(result.respondents)),
                      "waves": sorted(result.respondents["wave"].dropna().astype(str).unique().tolist()),
                      "items_recognised": len(recognised.mapping.items),
                      "notes": list(recognised.raw.notes) + ([wave_text] if wave_text else []),
                      "mapping": recognised.mapping, "wave_source": wave_text, "row_keys": keys})
    base_book = codebook or load_codebook(files[0]["mapping"].codebook)
    # Custom measures: every file's mapping carries the same ones when a preset is used.
    book = base_book.with_custom_measures(files[0]["mapping"].custom_measures)
    _report(progress, 0.95, "Computing team scores")
    results = pooled_results(scored, published, files, book, min_group_size=min_group_size)
    _report(progress, 1.0, "Done")
    return results

"""The board pack: what a wellbeing guardian takes to a board or committee meeting, as a content model.

:func:`build_board_pack` assembles, from a loaded :class:`~analytics.dataset.Dataset`, an NHS board paper as
plain data — a cover, body sections and annexes made of text, tables (full-precision frames with a declared
kind per column) and figure data (small aggregate frames) — so that the same content can be rendered to one
self-contained HTML file and to PDF (``render.pack``), tested without a browser, and scripted from the command
line (``python -m analytics report``). Nothing here imports Plotly or Streamlit; rounding happens in the
renderer.

The paper, in order::

    cover           title, meeting, purpose, executive summary (at most five sentences from the figures), what
                    the board is asked to note or decide, owner and author (:class:`PaperDetails`), date, sources
    summary         scope of the report and the RAG summary table of the headline measures (H1–H6)
    headlines       periods, RAG thresholds and benchmarks; the trend figure; local measures
    exceptions      teams low on compassionate leadership and high on leaving or sickness; teams whose
                    score fell by more than chance would explain
    statements      plain-language statements a paper can quote, each naming the table it rests on
    behaviours      the four behaviours of compassionate leadership; the weakest and what to do
    actions         (packs made from the workspace store) the action log with each unit's figures beside it
    relationships   how team survey scores are associated with HR outcomes, in figures and in words
    methods         Annex A: how every figure is computed, and the statistics (tests, p-values, effect sizes)
    anonymity       Annex B: the threshold in use and how many units it hides
    sources         Annex C: the files used and the dates they cover

The body is plain English; every statistic's name and test is in Annex A. The modules: :mod:`.pack_model`
(blocks, sections, cover), :mod:`.pack_survey` (body sections from :mod:`analytics.board`),
:mod:`.pack_relationships`, :mod:`.pack_annex`, :mod:`.pack_cover`; this module puts them together and keeps
every public name importable from here.

Anonymity (shared/design/domain.md §2)
--------------------------------------
Every table and figure is built from the suppressed tables of :class:`~analytics.survey.pipeline.SurveyResults`
or from functions that take them and return aggregates of shown units only
(:mod:`analytics.board`, :mod:`analytics.relate`). A suppressed unit is never listed by name with a
figure: exceptions and relationships use shown units only, and the anonymity section gives counts of
hidden units, never their names. No respondent-level row is in the model. Counts of respondents in a
data source below the threshold are replaced by "fewer than k responses".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from analytics import board
from analytics.dataset import Dataset
from analytics.errors import InputError
from analytics.hr import HRExclusions
from analytics.survey import published
from analytics.wave_window import WINDOW_CONCURRENT, check_window_kind
from analytics.report.pack_annex import METHODS_TEXT, AnnexTables, anonymity_section, data_sources_table, \
    methods_section, sources_section
from analytics.report.pack_cover import build_cover
from analytics.report.pack_model import ANNEX_KEYS, COLUMN_KINDS, DEFAULT_PURPOSE, PACK_TITLE, SECTION_TITLES, \
    Block, BoardPack, Bullets, Column, Cover, Figure, PaperDetails, Refs, Section, Table, Text, dataset_codebook, \
    measure_label, suppressed_text
from analytics.report.pack_relationships import DOCTORS_IN_TRAINING_CAVEAT, RELATIONSHIP_MEASURES, \
    RELATIONSHIP_OUTCOMES, relationships_section
from analytics.report.pack_survey import BENCHMARK_NOTE, behaviours_section, exceptions_section, headlines_section, \
    local_measure_ids, local_measures_table, statements_section, summary_section

__all__ = [
    "ANNEX_KEYS", "BENCHMARK_NOTE", "COLUMN_KINDS", "DEFAULT_PURPOSE", "DOCTORS_IN_TRAINING_CAVEAT", "METHODS_TEXT",
    "PACK_TITLE", "RELATIONSHIP_MEASURES", "RELATIONSHIP_OUTCOMES", "SECTION_TITLES", "Block", "BoardPack", "Bullets",
    "Column", "Cover", "Figure", "PaperDetails", "Section", "Table", "Text", "anonymity_section", "build_board_pack",
    "data_sources_table", "local_measure_ids", "local_measures_table", "measure_label", "methods_section",
    "relationships_section", "sources_section", "suppressed_text",
]

#: The body sections that need survey results (each says so when there are none).
_SURVEY_SECTIONS = ("headlines", "exceptions", "statements", "behaviours")


def _pick_wave(dataset: Dataset, wave: str | None) -> tuple[str | None, str | None]:
    waves = [str(w) for w in dataset.waves]
    if not waves:
        return None, None
    if wave is None:
        wave = waves[-1]
    wave = str(wave)
    if wave not in waves:
        raise InputError(f"There is no wave '{wave}' in the survey results. Waves: {', '.join(waves)}.")
    position = waves.index(wave)
    return wave, (waves[position - 1] if position > 0 else None)


def _note_key(text: str) -> str:
    """A note without the prefix naming its rows or wave ("H4, H5: …", "Wave 2025: …")."""
    head, sep, rest = text.partition(": ")
    if sep and (head.startswith("Wave ") or all(part.strip()[:1] == "H" for part in head.split(","))):
        return rest
    return text


def drop_repeated_notes(sections: list[Section]) -> None:
    """Keep the first of notes that say the same thing (the HR window note comes from the headlines, the
    exceptions and the relationships alike); later copies are removed in place."""
    seen: set[str] = set()
    for section in sections:
        kept = []
        for block in section.blocks:
            if isinstance(block, Text) and block.style == "note":
                key = _note_key(block.text)
                if key in seen:
                    continue
                seen.add(key)
            kept.append(block)
        section.blocks[:] = kept


def _check_organisation(dataset: Dataset) -> None:
    if dataset.needs_our_organisation:
        raise InputError(f"These results hold {len(dataset.organisations)} organisations. Say which is yours (on "
                         "the Board page, or --organisation NAME on the command line) before writing the board "
                         "pack. Organisations: " + ", ".join(dataset.organisations[:10])
                         + (" …" if len(dataset.organisations) > 10 else "") + ".")


def build_board_pack(dataset: Dataset, *, wave: str | None = None, directorate: str | None = None,
                     thresholds: Mapping[str, object] | None = None, benchmarks: Mapping[str, object] | None = None,
                     exclusions: HRExclusions = HRExclusions(), low_score_below: float | None = None,
                     window_kind: str = WINDOW_CONCURRENT, generated_at: dt.datetime | None = None,
                     title: str = PACK_TITLE, actions: pd.DataFrame | None = None,
                     paper: PaperDetails | None = None) -> BoardPack:
    """Every section of the board pack for one wave, as data (see the module docstring).

    Parameters
    ----------
    dataset
        A loaded dataset (:func:`analytics.dataset.load_dataset`); its ``min_group_size`` is the threshold
        used throughout and printed in the pack, and its HR records already carry the dataset-level
        exclusions (doctors in training; ``dataset.hr_exclusions`` says which), stated in the summary.
    wave
        The survey wave reported (default: the latest); it is compared with the wave before it.
    directorate
        Narrow the exception lists to one directorate (headlines and relationships stay organisation-wide).
    thresholds, benchmarks
        RAG thresholds and benchmarks per headline (:func:`analytics.board.apply_thresholds`); default the
        starting thresholds of :data:`analytics.settings.DEFAULT_RAG_THRESHOLDS`.
    exclusions
        Staff left out of every HR figure in the pack on top of the dataset's own exclusions
        (:class:`analytics.hr.HRExclusions`; the Board assurance page's staff groups).
    low_score_below
        The exception rule's fixed score cut-off (:func:`analytics.board.exceptions`; default: the lowest
        quarter of teams).
    window_kind
        HR window of the relationships: ``"concurrent"`` or ``"lagged"``.
    generated_at
        The time printed on the pack (default now).
    actions
        The workspace's action log (:func:`analytics.store.actions`); when given, an "Actions: you said, we
        did" section lists the actions about the dataset's units with their figures beside them.
    paper
        The cover's meeting, owner, author, date and purpose (:class:`PaperDetails`; default all blank, the
        date of building and the standard purpose).

    Returns
    -------
    BoardPack
        A cover and sections in :data:`SECTION_TITLES` order. Without survey results only the methods,
        anonymity and sources sections have content; the others say why.

    Raises
    ------
    InputError
        An unknown wave or window; a staff group that is not in the HR data.
    """
    check_window_kind(window_kind)
    generated_at = generated_at or dt.datetime.now().replace(microsecond=0)
    wave, previous = _pick_wave(dataset, wave)
    groups = exclusions.staff_groups
    exclusion_texts = [dataset.hr_exclusions.strip()] if dataset.hr_exclusions.strip() else []
    if groups and dataset.hr is not None:
        exclusion_texts.append("Staff groups left out of every HR figure: " + ", ".join(groups) + ".")
    _check_organisation(dataset)
    refs, annex, facts = Refs(), AnnexTables(), {}
    table_refs: dict[str, str] = {}
    report = None
    if dataset.board_survey is not None and wave is not None:
        benchmarks = published.peer_benchmarks(dataset.survey, dataset.spec.our_organisation, wave, benchmarks)
        report = board.board_report(dataset.board_survey, dataset.hr, wave=wave,
                                    exclusions=exclusions, thresholds=thresholds, benchmarks=benchmarks,
                                    directorate=directorate, low_score_below=low_score_below,
                                    hr_description=dataset.hr_exclusions)
    sections = [summary_section(dataset, report, refs, table_refs, wave=wave, previous=previous,
                                directorate=directorate, exclusions_text=" ".join(exclusion_texts),
                                generated_at=generated_at)]
    if report is not None:
        sections.append(headlines_section(report, dataset_codebook(dataset), dataset, refs, annex, table_refs))
        sections.append(exceptions_section(report, table_refs, refs, dataset.min_group_size, annex))
        behaviours = behaviours_section(report, refs, table_refs)
        sections.append(statements_section(report, table_refs))
        sections.append(behaviours)
    else:
        sections.extend(Section(key, SECTION_TITLES[key], [Text(
            "There are no survey results: add at least one survey file.", "note")]) for key in _SURVEY_SECTIONS)
    from analytics.report.actions_section import actions_section

    action_log = actions_section(dataset, actions, refs.table)
    if action_log is not None:
        sections.append(action_log)
    sections.append(relationships_section(dataset, wave, refs, window_kind=window_kind, exclusions=exclusions,
                                          annex=annex, facts=facts))
    sections.append(methods_section(annex, refs))
    sections.append(anonymity_section(dataset, wave, refs))
    sections.append(sources_section(dataset, refs, generated_at))
    drop_repeated_notes(sections)
    cover = build_cover(dataset, report, facts.get("relationships"), table_refs, paper or PaperDetails(),
                        wave=wave, previous=previous, generated_at=generated_at)
    return BoardPack(title=title, organisation=dataset.label, wave=wave, previous_wave=previous,
                     min_group_size=dataset.min_group_size, generated_at=generated_at, sections=sections,
                     directorate=directorate, notes=list(report.notes) if report is not None else [], cover=cover)

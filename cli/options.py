"""Command-line options shared by several commands, turned into the analytics' own values."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from analytics.dataset import can_exclude_doctors_in_training
from analytics.errors import InputError
from analytics.hr import HRExclusions, HRPeriod, HRRecords
from analytics.ingest.codebook import Codebook, load_codebook
from analytics.ingest.mapping import Mapping
from analytics.survey.pipeline import ColumnOptions, SurveyResults, SurveySource, recognise_file
from analytics.unit_matching import attention_note, hr_team_units, match_units, read_unit_map, survey_team_units

#: Said when doctors in training are left out by default but the HR file cannot tell them apart.
DOCTORS_NOT_TOLD_APART = ("Doctors in training could not be told apart in this HR file (no job role naming a "
                          "training grade), so they are counted.")


def add_doctors_in_training_options(parser: argparse.ArgumentParser) -> None:
    """``--include-doctors-in-training`` and ``--exclude-doctors-in-training`` (the default, stated)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--include-doctors-in-training", action="store_true",
                       help="count doctors in training in the HR figures. By default they are left out (when the "
                            "job roles tell them apart), as NHS leaver statistics do: they rotate between "
                            "employers, so each rotation would count as a leaver")
    group.add_argument("--exclude-doctors-in-training", action="store_true",
                       help="leave doctors in training out and refuse files that cannot tell them apart (no "
                            "job-role column, or team-month figures); without either flag they are left out "
                            "whenever the file can tell them apart")


def hr_exclusions(args: argparse.Namespace, records: HRRecords | None = None) -> tuple[HRExclusions, str]:
    """The ``--exclude-…`` flags of a command as one :class:`~analytics.hr.HRExclusions`, and a note to print.

    Doctors in training are left out by default. With neither doctors flag, they are left out when
    ``records`` can tell them apart (a job-role column naming training grades), else counted with
    :data:`DOCTORS_NOT_TOLD_APART` as the note; ``--exclude-doctors-in-training`` asks for it whatever the
    file (refused by :func:`analytics.hr.apply_exclusions` when impossible); ``--include-doctors-in-training``
    counts them. Flags a command does not have count as not given.
    """
    include = bool(getattr(args, "include_doctors_in_training", False))
    explicit = bool(getattr(args, "exclude_doctors_in_training", False))
    if include and explicit:
        raise InputError("Give --include-doctors-in-training or --exclude-doctors-in-training, not both.")
    note = ""
    if include:
        doctors = False
    elif explicit or records is None:
        doctors = True
    else:
        doctors = can_exclude_doctors_in_training(records)
        note = "" if doctors else DOCTORS_NOT_TOLD_APART
    exclusions = HRExclusions(staff_groups=tuple(getattr(args, "exclude_staff_group", None) or ()),
                              job_roles=tuple(getattr(args, "exclude_job_role", None) or ()),
                              assignment_categories=tuple(getattr(args, "exclude_assignment_category", None) or ()),
                              doctors_in_training=doctors)
    return exclusions, note


def add_hr_period_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, *,
                          start_end: bool = True) -> None:
    """``--start``/``--end`` (the HR period; with ``start_end``) and ``--extract-date``."""
    if start_end:
        parser.add_argument("--start", metavar="YYYY-MM-DD",
                            help="first day the HR files cover (give --end too). Default: inferred from the files' "
                                 "dates, in whole months (a financial-year extract covers 1 April to 31 March)")
        parser.add_argument("--end", metavar="YYYY-MM-DD", help="last day the HR files cover (give --start too)")
    parser.add_argument("--extract-date", metavar="YYYY-MM-DD",
                        help="the day the HR extract was taken: the HR period ends that day, and termination dates "
                             "after it are planned leavers (in post, not leavers)")


def hr_period(args: argparse.Namespace) -> HRPeriod:
    """The HR period options of a command as one :class:`~analytics.hr.HRPeriod` (checked)."""
    return HRPeriod.of(getattr(args, "start", None), getattr(args, "end", None), getattr(args, "extract_date", None))


UNIT_MAP_HELP = ("a CSV of confirmed survey-to-HR team pairs (columns survey_directorate, survey_team, "
                 "hr_directorate, hr_team; directorates may be blank), as downloaded from the Data page. Teams "
                 "are otherwise joined only where directorate and team agree; the others are listed as notes")


def add_unit_map_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--unit-map FILE.csv`` (:func:`analytics.unit_matching.read_unit_map`)."""
    parser.add_argument("--unit-map", metavar="FILE.csv", help=UNIT_MAP_HELP)


def read_unit_map_option(args: argparse.Namespace) -> pd.DataFrame | None:
    """The ``--unit-map`` file read and checked, or None when not given."""
    path = getattr(args, "unit_map", None)
    return read_unit_map(path, name=Path(path).name) if path else None


def unmatched_units_notes(survey: SurveyResults | None, records: HRRecords | None) -> list[str]:
    """Notes naming the shown survey teams of any wave not joined to an HR team (unmatched or ambiguous)."""
    if survey is None or records is None:
        return []
    matches = match_units(survey_team_units(survey.unit_scores), hr_team_units(records),
                          getattr(records, "unit_map", None))
    return attention_note(matches)


MAPPING_HELP = ("a saved column mapping (JSON, e.g. last year's, saved from the Data page; the format is "
                "analytics/schemas/mapping.schema.json, described in the README)")
CODEBOOK_HELP = ("codebook: the id of a shipped one (default nss_2024_2025) or the path of a codebook JSON file "
                 "(a copy edited for another survey year or local questions)")
LOCAL_MEASURE_HELP = ("a measure of the file's own questions (a local pulse survey): NAME=COL[,COL...], optionally "
                      "followed by ;reverse=COL[,COL...] (reverse-keyed) and ;scale=NAME (a codebook scale; by "
                      "default the answer scale is detected from the answers, e.g. agreement with Neutral as its "
                      "midpoint). Repeat for several measures. Example: --local-measure \"Team pulse=Q1,Q2,Q3,Q4\"")


def add_survey_mapping_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, *,
                               mapping: bool = True, codebook: bool = True) -> None:
    """``--mapping FILE.json``, ``--codebook ID|FILE.json`` (each unless the command has it already) and
    ``--local-measure "NAME=COL[,COL...]"`` (repeatable)."""
    if mapping:
        parser.add_argument("--mapping", metavar="FILE.json", help=MAPPING_HELP)
    if codebook:
        parser.add_argument("--codebook", metavar="ID|FILE.json", help=CODEBOOK_HELP)
    parser.add_argument("--local-measure", metavar="NAME=COL[,COL...]", action="append", default=[],
                        help=LOCAL_MEASURE_HELP)


def survey_codebook(args: argparse.Namespace) -> Codebook | None:
    """The ``--codebook`` given (None: the mapping's or the default)."""
    given = getattr(args, "codebook", None)
    return load_codebook(given) if given else None


def survey_column_options(args: argparse.Namespace, **columns) -> ColumnOptions:
    """The survey column options of a command: ``columns`` (team_col, directorate_col, wave_col, wave_label,
    those the command has), ``--mapping`` and ``--local-measure``."""
    path = getattr(args, "mapping", None)
    return ColumnOptions(**columns, mapping=Mapping.load(path) if path else None,
                         local_measures=tuple(getattr(args, "local_measure", None) or ()))


def file_mappings_json(paths: list[str], args: argparse.Namespace, options: ColumnOptions) -> tuple[str | None, ...]:
    """Each survey file's mapping as JSON, recognised with ``options`` and ``--codebook`` (which the mapping
    then names, so that it is loaded again), for a dataset spec; ``()`` when neither ``--codebook`` nor
    ``--local-measure`` is given (the spec recognises the files itself). Published-results files get None."""
    given = getattr(args, "codebook", None)
    if not given and not options.local_measures:
        return ()
    codebook = survey_codebook(args)
    out: list[str | None] = []
    for path in paths:
        recognised = recognise_file(SurveySource.from_path(path), options, codebook)
        if recognised.is_unit_level:
            out.append(None)
            continue
        if given:
            recognised.mapping.codebook = str(given)
        out.append(recognised.mapping.to_json())
    return tuple(out)

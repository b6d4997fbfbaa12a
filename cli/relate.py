"""``relate``: unit-level relationships between survey measures and outcomes, from the command line.

::

    python -m analytics relate --survey FILE [FILE ...] --hr FILE [--absence FILE] [--window concurrent|lagged]
           [--wave W ...] [--level team|directorate] [--x MEASURE ...] [--y OUTCOME ...]
           [--by directorate|staff_mix] [--weight-by-responses] [--adjust pct_registered_nursing|mean_staff ...]
           [--include-doctors-in-training | --exclude-doctors-in-training] [--exclude-staff-group NAME ...]
           [--exclude-job-role NAME ...] [--unit-map FILE.csv]
           [--min-group K] --out FILE.csv

    python -m analytics relate --units FILE --unit-col COL --x COL [--x COL ...] --y COL [--y COL ...]
           [--wave-col COL] [--by COL] [--weight COL] [--adjust COL ...] [--sheet NAME] [--min-group K] --out FILE.csv

The first form scores the survey files (:func:`analytics.survey.pipeline.score_survey_files`, small teams
suppressed), reads the HR files (:mod:`analytics.hr`) and relates each wave's team scores to the HR
outcomes over the wave's window (:func:`analytics.relate.relate_survey_hr`); by default every wave whose
window the HR data covers, the measures of :data:`analytics.relate.DEFAULT_MEASURES` and the outcomes
leaver rate, sickness rate and stability index (those the HR data can give). Survey teams are joined
to HR teams where directorate and team agree (:func:`analytics.unit_matching.match_units`) or as
``--unit-map FILE.csv`` pairs them; the others are printed as notes. The second form relates
the columns of a unit-level file directly (:func:`analytics.relate.relate_units`), e.g. organisation
scores against sickness rates, stratified by a benchmarking group.

Output: one row per x × y × group with the columns ``x, y, group, n, r, r_ci_low, r_ci_high, p, p_adj,
rho, rho_ci_low, rho_ci_high``, then ``rate_ratio, rr_ci_low, rr_ci_high`` when an outcome has counts
(leaver rate: odds ratio of leaving per 1-point higher score, binomial model; sickness rate: rate ratio,
quasi-Poisson model), then ``note``, which says why a row's statistics are empty ("too few units (n=3;
at least 5 needed)") and how r was weighted or adjusted. ``group`` is empty when not stratified. When
several waves are related in one run, the wave is written into ``group`` ("wave 2024", or
"wave 2024; Medicine" when stratified) so that each row is identified by the issue's columns; the waves,
windows and unit of analysis are printed when the file is written. ``p_adj`` is the Benjamini–Hochberg
adjusted p across every row of the run that has a p. Text cells are neutralised against spreadsheet
formula injection (:func:`analytics.export.write_table`).

User errors (a missing --hr, an unknown window, column or measure, an unreadable file) print one line
on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys

from analytics import hr, relate, settings
from analytics.errors import InputError
from analytics.export import write_table
from analytics.wave_window import WINDOW_CONCURRENT, check_window_kind
from analytics.survey.pipeline import SurveySource, score_survey_files
from analytics.survey.privacy import check_min_group_size
from analytics.unit_matching import with_unit_map
from cli.options import (add_survey_mapping_options, survey_codebook, survey_column_options,
                         add_doctors_in_training_options, add_hr_period_options, add_unit_map_option, hr_exclusions,
                         hr_period, read_unit_map_option)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "relate", help="relate team survey scores to leaver rate, sickness and stability (or columns of a "
                       "unit-level file): r and rho with CIs, BH-adjusted p, rate ratios",
        description="Relate survey measures to outcomes between units (teams, directorates, organisations): "
                    "Pearson r with Fisher-z 95% CI, Spearman rho with its CI, n, p, Benjamini-Hochberg "
                    "adjusted p, and for leaver and sickness rates the ratio per 1-point higher score from a "
                    "binomial or quasi-Poisson model. Results describe associations between units, not causes. "
                    "Give either --survey and --hr, or --units.")
    survey = parser.add_argument_group("survey and HR files")
    survey.add_argument("--survey", metavar="FILE", nargs="+", action="extend", default=[],
                        help="survey exports (CSV, XLSX; several waves allowed)")
    survey.add_argument("--hr", metavar="FILE",
                        help="employee-level staff file or team-month aggregate file (CSV, XLSX)")
    survey.add_argument("--absence", metavar="FILE", help="sickness absence episodes (employee-level staff file only)")
    survey.add_argument("--window", metavar="KIND", default=WINDOW_CONCURRENT,
                        help="concurrent (the 12 months around the survey; default), lagged (the 12 months after) "
                             "or previous (the 12 months before)")
    add_hr_period_options(survey)
    survey.add_argument("--wave", metavar="W", nargs="+", action="extend", default=[],
                        help="wave(s) to relate (default: every wave the HR data covers)")
    survey.add_argument("--level", default=settings.LEVEL_TEAM, metavar="LEVEL",
                        help="unit of analysis: team (default) or directorate")
    survey.add_argument("--team-col", metavar="COL", help="the survey files' team column")
    survey.add_argument("--directorate-col", metavar="COL", help="the survey files' directorate column")
    add_survey_mapping_options(survey)
    survey.add_argument("--hr-team-col", metavar="COL", help="the HR file's team column")
    add_unit_map_option(survey)
    survey.add_argument("--weight-by-responses", action="store_true",
                        help="weight Pearson r by each unit's survey responses")
    add_doctors_in_training_options(survey)
    survey.add_argument("--exclude-staff-group", metavar="NAME", nargs="+", action="extend", default=[],
                        help="staff group(s) to leave out of the HR figures")
    survey.add_argument("--exclude-job-role", metavar="NAME", nargs="+", action="extend", default=[],
                        help="job role(s) to leave out of the HR figures")
    units = parser.add_argument_group("unit-level file")
    units.add_argument("--units", metavar="FILE",
                       help="one row per unit (e.g. organisation) with score and outcome columns")
    units.add_argument("--unit-col", metavar="COL", help="the column naming each unit")
    units.add_argument("--sheet", metavar="NAME", help="worksheet to read (workbooks)")
    units.add_argument("--weight", metavar="COL", help="column of weights for Pearson r (e.g. responses)")
    units.add_argument("--wave-col", metavar="COL",
                       help="the column naming each row's wave (survey year) in a file of several waves: every "
                            "wave is related in one run, a unit appearing once per wave")
    both = parser.add_argument_group("both forms")
    both.add_argument("--x", metavar="COL", nargs="+", action="extend", default=[],
                      help="score(s): measure ids with --survey (default: the main measures), columns with --units")
    both.add_argument("--y", metavar="COL", nargs="+", action="extend", default=[],
                      help="outcome(s): leaver_rate, sickness_rate, stability_index or a measure id with --survey "
                           "(default: the HR outcomes), columns with --units")
    both.add_argument("--by", metavar="GROUP",
                      help="stratify: directorate or staff_mix with --survey; a column (e.g. benchmarking group) "
                           "with --units")
    both.add_argument("--adjust", metavar="COL", nargs="+", action="extend", default=[],
                      help="covariates for partial correlations: pct_registered_nursing, mean_staff with --survey; "
                           "numeric columns with --units")
    both.add_argument("--min-group", type=int, default=settings.DEFAULT_MIN_GROUP_SIZE, metavar="K",
                      help="anonymity threshold: fewest responses for a unit to be analysed "
                           f"(default {settings.DEFAULT_MIN_GROUP_SIZE}, never below {settings.MIN_GROUP_SIZE_FLOOR})")
    both.add_argument("--out", metavar="FILE.csv", help="output file (.csv or .xlsx)")
    parser.set_defaults(handler=run_relate)


_SURVEY_ONLY = {"--hr": "hr", "--absence": "absence", "--wave": "wave", "--team-col": "team_col",
                "--directorate-col": "directorate_col", "--hr-team-col": "hr_team_col", "--unit-map": "unit_map",
                "--weight-by-responses": "weight_by_responses",
                "--exclude-doctors-in-training": "exclude_doctors_in_training",
                "--include-doctors-in-training": "include_doctors_in_training",
                "--exclude-staff-group": "exclude_staff_group", "--exclude-job-role": "exclude_job_role",
                "--start": "start", "--end": "end", "--extract-date": "extract_date"}
_UNITS_ONLY = {"--unit-col": "unit_col", "--sheet": "sheet", "--weight": "weight", "--wave-col": "wave_col"}


def _check_form(args: argparse.Namespace) -> str:
    """Which form was asked for ("survey" or "units"); refuses a mixture or a missing argument."""
    if args.out is None:
        raise InputError("Give the output file with --out FILE.csv.")
    if args.survey and args.units:
        raise InputError("Give either --survey (with --hr) or --units, not both.")
    if not args.survey and not args.units:
        raise InputError("Give the survey files with --survey FILE ... and the HR file with --hr FILE, or a unit-level "
                         "file with --units FILE.")
    return _check_survey_form(args) if args.survey else _check_units_form(args)


def _check_survey_form(args: argparse.Namespace) -> str:
    """The ``--survey`` form: no ``--units`` options, an HR file, a known window."""
    wrong = [flag for flag, name in _UNITS_ONLY.items() if getattr(args, name)]
    if wrong:
        raise InputError(f"{wrong[0]} belongs with --units, not with --survey.")
    if not args.hr:
        raise InputError("Give the HR file with --hr FILE (an employee-level staff file or a team-month file).")
    check_window_kind(args.window)
    return "survey"


def _check_units_form(args: argparse.Namespace) -> str:
    """The ``--units`` form: no ``--survey`` options, the unit column and at least one x and one y."""
    wrong = [flag for flag, name in _SURVEY_ONLY.items() if getattr(args, name)]
    if args.window != WINDOW_CONCURRENT:
        wrong.append("--window")
    if wrong:
        raise InputError(f"{wrong[0]} belongs with --survey, not with --units.")
    if not args.unit_col:
        raise InputError("Name the column of unit names with --unit-col COL.")
    if not args.x or not args.y:
        raise InputError("Name the score column(s) with --x COL and the outcome column(s) with --y COL.")
    return "units"


def _run_survey(args: argparse.Namespace) -> relate.RelateResult:
    records = hr.read_staff_file(args.hr, team_col=args.hr_team_col)
    if args.absence:
        if not isinstance(records, hr.StaffRecords):
            raise InputError("--absence can only be used with an employee-level staff file; this file holds "
                             "team-month figures, which carry their own FTE days lost.", file=records.file_name)
        records = hr.read_absence_file(args.absence, records)
    period = hr_period(args)
    if period.is_set:
        records = hr.set_period(records, period)
    records = with_unit_map(records, read_unit_map_option(args))
    sources = [SurveySource.from_path(path) for path in args.survey]
    options = survey_column_options(args, team_col=args.team_col, directorate_col=args.directorate_col)
    survey = score_survey_files(sources, options, min_group_size=args.min_group, codebook=survey_codebook(args))
    exclusions, note = hr_exclusions(args, records)
    result = relate.relate_survey_hr(
        survey, records, waves=args.wave or None, window_kind=args.window, measures=args.x or None,
        outcomes=args.y or None, level=args.level, by=args.by,
        weights=relate.WEIGHT_RESPONSES if args.weight_by_responses else None, covariates=args.adjust,
        exclusions=exclusions)
    if note:
        result.notes.insert(0, note)
    how, planned = hr.period_notes(records)
    result.notes[:0] = how + planned
    return result


def _run_units(args: argparse.Namespace) -> tuple[relate.RelateResult, list[str]]:
    k = check_min_group_size(args.min_group)
    numeric = list(dict.fromkeys([*args.x, *args.y, *([args.weight] if args.weight else []), *args.adjust]))
    frame, notes = relate.read_units_file(args.units, unit_col=args.unit_col, columns=numeric, sheet=args.sheet,
                                          text_columns=[args.by] if args.by else [], min_group_size=k,
                                          wave_col=args.wave_col)
    result = relate.relate_units(frame, args.unit_col, args.x, args.y, by=args.by, include_pooled=bool(args.by),
                                 weights=args.weight, covariates=args.adjust, wave_col=args.wave_col)
    return result, notes


def run_relate(args: argparse.Namespace) -> int:
    """Check the arguments, run the chosen form, write the table; 0 on success."""
    form = _check_form(args)
    if form == "survey":
        result = _run_survey(args)
        notes = result.notes
    else:
        result, notes = _run_units(args)
    table = result.cli_table()
    path = write_table(table, args.out, sheet_name="Relationships")
    unit = result.table["unit_of_analysis"].iloc[0] if len(result.table) else ""
    if form == "survey":
        windows = "; ".join(f"wave {w}: {start:%Y-%m-%d} to {end:%Y-%m-%d}"
                            for w, (start, end) in result.windows.items() if start is not None)
        context = f"unit of analysis: {unit}; {args.window} windows: {windows}"
    else:
        context = f"unit of analysis: {unit}"
    print(f"Wrote {len(table)} rows to {path} ({context}). Results describe associations between units, not causes.")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return 0

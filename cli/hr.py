"""``hr``: leaver rate, stability index and sickness absence rate from the command line.

::

    python -m analytics hr STAFF_FILE [--absence FILE] [--team-col COL] [--job-role-col COL]
           [--start YYYY-MM-DD --end YYYY-MM-DD | --wave W [--window KIND]] [--extract-date YYYY-MM-DD]
           [--min-group K] [--include-doctors-in-training | --exclude-doctors-in-training]
           [--exclude-staff-group NAME ...]
           [--exclude-job-role NAME ...] [--exclude-assignment-category NAME ...]
           [--leaver-definition {spell,snapshot}] [--fte-based] --out FILE.csv

STAFF_FILE is an employee-level staff file (one row per employee or assignment) or a team-month aggregate
file (team, month, staff in post, leavers, FTE days lost, FTE days available); see :mod:`analytics.hr`.
The output has one row per level x unit with the columns :data:`analytics.hr.HR_CLI_COLUMNS` (rates in %,
full precision; a figure that cannot be worked out is left empty), the window in ``window_start``,
``window_end`` and ``window_months``.

The window: ``--start``/``--end`` as given; else ``--wave W`` gives that survey wave's window (``--window``
concurrent, lagged or previous: :func:`analytics.wave_window.wave_window`, the one the dashboard and the
board pack use); else the latest 12 months of the HR period. The HR period is inferred from the files
(:func:`analytics.hr.infer_period`) unless ``--extract-date`` says when the extract was taken.

Small teams: a team (or directorate) with fewer than ``--min-group`` (default 11) staff in post at the
start or end of the window gets no figures (:func:`analytics.hr.suppress_small_hr_units`);
``--show-small-units`` shows them, for checking figures against the extract only.

Exclusions (:func:`analytics.hr.apply_exclusions`) are stated in the output. Doctors in training (the job roles
of :data:`analytics.hr.DOCTORS_IN_TRAINING_ROLES`), who rotate between trusts and would otherwise count as
leavers, are left out by default whenever the file's job roles tell them apart, as in the dashboard and
``report`` (:func:`cli.options.hr_exclusions`); ``--include-doctors-in-training`` counts them, and
``--exclude-doctors-in-training`` insists (refusing a file that cannot tell them apart). The command prints
what was excluded.

Leavers (:mod:`analytics.hr.leavers`) are counted spell-based by default (every spell in a unit ending in the
window); ``--leaver-definition snapshot`` uses NHS Digital's method (in post on the first day, not on the
last; employee-level files only), and ``--fte-based`` divides leavers' FTE by mean FTE in post instead of
headcounts. The ``leaver_definition`` column and the printed line name the definition used;
``voluntary_leavers`` and ``voluntary_resignation_rate`` need a leaving-reason column.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from analytics import hr, settings
from analytics.errors import InputError
from analytics.export import write_table
from analytics.survey.privacy import check_min_group_size
from analytics.wave_window import WINDOW_CONCURRENT, latest_window, wave_window, window_metrics, window_within
from cli.options import add_doctors_in_training_options, add_hr_period_options, hr_exclusions


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "hr", help="leaver rate, stability index and sickness absence rate per team, directorate and organisation",
        description="Compute NHS leaver rate, stability index and sickness absence rate over a window (default: "
                    "the latest 12 months of the HR period; --wave: that survey wave's window) from an employee-level "
                    "staff file (with an optional absence file) or a team-month aggregate file. Writes one row "
                    "per level x unit.")
    parser.add_argument("staff_file", metavar="STAFF_FILE",
                        help="employee-level staff file or team-month aggregate file (CSV, XLSX or XLSM)")
    parser.add_argument("--absence", metavar="FILE", help="sickness absence episodes (employee-level input only)")
    parser.add_argument("--team-col", metavar="COL", help="the team column, as its header appears in the file")
    parser.add_argument("--job-role-col", metavar="COL",
                        help="the job-role (or grade) column, as its header appears in the file (default: a column "
                             "headed Job Role, Occupation, Grade, Role, Job Title or Occupation Code)")
    parser.add_argument("--start", metavar="YYYY-MM-DD", help="first day of the window (give --end too)")
    parser.add_argument("--end", metavar="YYYY-MM-DD", help="last day of the window (give --start too)")
    parser.add_argument("--wave", metavar="W",
                        help="report the HR window of this survey wave (e.g. 2024), as the dashboard does")
    parser.add_argument("--window", metavar="KIND", default=WINDOW_CONCURRENT,
                        help="with --wave: concurrent (the 12 months around the survey; default), lagged (the 12 "
                             "months after) or previous (the 12 months before)")
    add_hr_period_options(parser, start_end=False)
    parser.add_argument("--min-group", type=int, default=settings.DEFAULT_MIN_GROUP_SIZE, metavar="K",
                        help=f"no figures for a team with fewer than K staff in post (default "
                             f"{settings.DEFAULT_MIN_GROUP_SIZE}, never below {settings.MIN_GROUP_SIZE_FLOOR})")
    parser.add_argument("--show-small-units", action="store_true",
                        help="show teams below --min-group too (for checking figures against the extract; do "
                             "not share the output)")
    parser.add_argument("--exclude-staff-group", metavar="NAME", nargs="+", action="extend", default=[],
                        help="staff group(s) to leave out, e.g. 'Students'")
    parser.add_argument("--exclude-job-role", metavar="NAME", nargs="+", action="extend", default=[],
                        help="job role(s) to leave out, as written in the job-role column")
    parser.add_argument("--exclude-assignment-category", metavar="NAME", nargs="+", action="extend", default=[],
                        help="assignment categories to leave out, e.g. 'Bank'")
    add_doctors_in_training_options(parser)
    parser.add_argument("--leaver-definition", choices=list(settings.LEAVER_METHODS),
                        default=settings.LEAVER_METHOD_SPELL,
                        help="how leavers are counted: 'spell' (default: every spell in a unit ending in the "
                             "window, a joiner who leaves within it included) or 'snapshot' (NHS Digital: in post "
                             "on the window's first day and not on its last; employee-level files only)")
    parser.add_argument("--fte-based", action="store_true",
                        help="leaver and voluntary resignation rates by FTE (leavers' FTE / mean FTE in post at "
                             "the start and end) instead of headcount; needs an FTE column")
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="output file (.csv or .xlsx)")
    parser.set_defaults(handler=run_hr)


def _window(args: argparse.Namespace, records: hr.HRRecords):
    if (args.start is None) != (args.end is None):
        raise InputError("Give both --start and --end (or neither, for the latest 12 months of the HR period).")
    if args.start is not None and args.wave:
        raise InputError("Give either --start and --end, or --wave, not both.")
    if args.start is not None:
        first, last = hr.resolve_window(records, args.start, args.end)
        window = window_within(records, first, last, kind="chosen")
        if not window.available or (window.start, window.end) != (first, last):
            # A window chosen by date is reported as given (any length), not cut to whole months.
            return first, last, None
        return first, last, window
    window = wave_window(records, args.wave, args.window) if args.wave else latest_window(records)
    if not window.available:
        raise InputError(window.reason)
    return window.start, window.end, window


def run_hr(args: argparse.Namespace) -> int:
    """Read the files, compute :func:`analytics.hr.hr_metrics`, write the table; 0 on success."""
    k = check_min_group_size(args.min_group)
    records = hr.read_staff_file(args.staff_file, team_col=args.team_col, job_role_col=args.job_role_col)
    if args.absence:
        if not isinstance(records, hr.StaffRecords):
            raise InputError("--absence can only be used with an employee-level staff file; this file holds "
                             "team-month figures, which carry their own FTE days lost.",
                             file=records.file_name)
        records = hr.read_absence_file(args.absence, records)
    period = hr.HRPeriod.of(extract_date=args.extract_date)   # --start/--end are the window here
    if period.is_set:
        records = hr.set_period(records, period)
    exclusions, note = hr_exclusions(args, records)
    definition = hr.LeaverDefinition(args.leaver_definition, settings.LEAVER_BASIS_FTE if args.fte_based
                                     else settings.LEAVER_BASIS_HEADCOUNT)
    first, last, window = _window(args, records)
    if window is not None:
        metrics = window_metrics(records, window, exclusions=exclusions, definition=definition)
    else:
        metrics = hr.hr_metrics(records, start=first, end=last, exclusions=exclusions, definition=definition)
        metrics["window_months"] = pd.NA
    hidden = ""
    if not args.show_small_units:
        metrics = hr.suppress_small_hr_units(metrics, k)
        hidden = " " + metrics.attrs["hr_suppression"]
    table = metrics[list(hr.HR_CLI_COLUMNS)]
    path = write_table(table, args.out, sheet_name="HR outcomes")
    window_text = window.text if window is not None else f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    print(f"Wrote {len(table)} rows to {path} (window {first:%Y-%m-%d} to {last:%Y-%m-%d}"
          + (f": {window_text}" if window is not None and window.is_short else "")
          + f"; leavers: {table['leaver_definition'].iloc[0]}). "
          f"{hr.exclusions_text(metrics)}{hidden}" + (f" {note}" if note else ""))
    how, planned = hr.period_notes(records)
    for line in how + planned:
        print(f"note: {line}", file=sys.stderr)
    return 0

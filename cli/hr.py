"""``hr``: leaver rate, stability index and sickness absence rate from the command line.

::

    python -m analytics hr STAFF_FILE [--absence FILE] [--team-col COL] [--job-role-col COL]
           [--start YYYY-MM-DD --end YYYY-MM-DD] [--include-doctors-in-training | --exclude-doctors-in-training]
           [--exclude-staff-group NAME ...]
           [--exclude-job-role NAME ...] [--exclude-assignment-category NAME ...]
           [--leaver-definition {spell,snapshot}] [--fte-based] --out FILE.csv

STAFF_FILE is an employee-level staff file (one row per employee or assignment) or a team-month aggregate
file (team, month, staff in post, leavers, FTE days lost, FTE days available); see :mod:`analytics.hr`.
The output has one row per level x unit with the columns :data:`analytics.hr.HR_CLI_COLUMNS` (rates in %,
full precision; a figure that cannot be worked out is left empty). Small teams are not suppressed: HR
turnover is reported per team internally, and ``staff_start`` / ``staff_end`` show each unit's size.

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

from analytics import hr, settings
from analytics.errors import InputError
from analytics.export import write_table
from cli.options import add_doctors_in_training_options, hr_exclusions


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "hr", help="leaver rate, stability index and sickness absence rate per team, directorate and organisation",
        description="Compute NHS leaver rate, stability index and sickness absence rate over a window (default: "
                    "the 12 months ending with the latest complete month in the data) from an employee-level "
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


def run_hr(args: argparse.Namespace) -> int:
    """Read the files, compute :func:`analytics.hr.hr_metrics`, write the table; 0 on success."""
    if (args.start is None) != (args.end is None):
        raise InputError("Give both --start and --end (or neither, for the 12 months ending with the latest "
                         "complete month in the data).")
    records = hr.read_staff_file(args.staff_file, team_col=args.team_col, job_role_col=args.job_role_col)
    if args.absence:
        if not isinstance(records, hr.StaffRecords):
            raise InputError("--absence can only be used with an employee-level staff file; this file holds "
                             "team-month figures, which carry their own FTE days lost.",
                             file=records.file_name)
        records = hr.read_absence_file(args.absence, records)
    exclusions, note = hr_exclusions(args, records)
    definition = hr.LeaverDefinition(args.leaver_definition, settings.LEAVER_BASIS_FTE if args.fte_based
                                     else settings.LEAVER_BASIS_HEADCOUNT)
    metrics = hr.hr_metrics(records, start=args.start, end=args.end, exclusions=exclusions, definition=definition)
    table = metrics[list(hr.HR_CLI_COLUMNS)]
    path = write_table(table, args.out, sheet_name="HR outcomes")
    print(f"Wrote {len(table)} rows to {path} (window {metrics.attrs['window_start']:%Y-%m-%d} to "
          f"{metrics.attrs['window_end']:%Y-%m-%d}; leavers: {table['leaver_definition'].iloc[0]}). "
          f"{hr.exclusions_text(metrics)}" + (f" {note}" if note else ""))
    return 0

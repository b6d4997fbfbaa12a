"""``report``: the board pack (HTML or PDF) or the team scorecards workbook from the command line.

::

    python -m analytics report --survey FILE [FILE ...] [--hr FILE] [--absence FILE] [--min-group K]
           [--wave LABEL] [--directorate NAME] [--exclude-staff-group NAME ...] [--include-doctors-in-training]
           [--team-col COL] [--directorate-col COL] [--wave-col COL] [--mapping FILE.json] [--unit-map FILE.csv]
           [--meeting TEXT] [--owner NAME] [--author NAME] [--paper-date YYYY-MM-DD]
           --out board.html|board.pdf|scorecards.xlsx
    python -m analytics report --store URL [--wave LABEL] [--min-group K] [--directorate NAME] --out ...

With ``--store`` the published waves of the store are reported (each wave's latest version, with its fixed
hierarchy and a threshold no lower than the one it was published with; see ``cli/store.py``).

The output's file extension chooses what is written:

* ``.html`` — the board pack as one self-contained HTML file (opens offline; prints to A4);
* ``.pdf`` — the same board pack printed to PDF by a headless Chromium-family browser (Chromium, Google
  Chrome or Microsoft Edge, found on the PATH or in its usual install place);
* ``.xlsx`` — the team scorecards workbook (one sheet per level with HR figures, a question sheet, one
  printable sheet per team with results in ``--wave`` (default the latest), a contents sheet and a README).

Nothing below the anonymity threshold (``--min-group``, default 11, never below 5) is written, and no
respondent-level row. User errors exit with status 2 and a one-line message.

``--meeting``, ``--owner``, ``--author`` and ``--paper-date`` fill the board pack's cover (blank fields are
printed as "to be completed"; the date defaults to today).

The HTML and PDF renderers live in :mod:`render.pack` (they use Plotly); they are imported inside the
handler, only when a board pack is asked for, so importing this module (and the ``analytics`` command
registry) never imports Plotly.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from pathlib import Path

from analytics import settings
from analytics.dataset import DatasetSpec, FilePayload, load_dataset
from analytics.errors import InputError
from analytics.hr import HRExclusions, HRPeriod
from analytics.ingest.mapping import Mapping
from analytics.unit_matching import read_unit_map, unit_map_csv
from cli.options import (add_hr_period_options, add_survey_mapping_options, add_unit_map_option, file_mappings_json,
                         hr_period, survey_column_options, unmatched_units_notes)

#: Output extensions and what each writes.
OUTPUT_KINDS = {".html": "board pack (HTML)", ".pdf": "board pack (PDF)", ".xlsx": "team scorecards workbook"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report", help="board pack (HTML or PDF) or team scorecards workbook (XLSX)",
        description="Write the board assurance pack (.html, or .pdf printed by Chromium) or the team scorecards "
                    "workbook (.xlsx) from survey exports and, optionally, HR files. Units with fewer responses "
                    "than the anonymity threshold are never shown.")
    parser.add_argument("--survey", nargs="+", metavar="FILE",
                        help="survey exports (CSV, XLSX or XLSM; several waves allowed)")
    parser.add_argument("--hr", metavar="FILE", help="HR staff file (employee level) or team-month figures")
    parser.add_argument("--absence", metavar="FILE",
                        help="sickness absence episodes (with an employee-level --hr file)")
    parser.add_argument("--store", metavar="URL", default=None,
                        help="report the waves published to this store (database URL) instead of files (--survey)")
    parser.add_argument("--min-group", type=int, default=None, metavar="K",
                        help=f"anonymity threshold: minimum responses to show a unit (default "
                             f"{settings.DEFAULT_MIN_GROUP_SIZE}, or the published one with --store; never below "
                             f"{settings.MIN_GROUP_SIZE_FLOOR})")
    parser.add_argument("--wave", metavar="LABEL", help="survey wave the board pack reports and the scorecards' team sheets show (default: the latest)")
    parser.add_argument("--directorate", metavar="NAME",
                        help="board pack: list exceptions for this directorate only; scorecards: only this "
                             "directorate and its teams")
    parser.add_argument("--exclude-staff-group", metavar="NAME", nargs="+", action="extend", default=[],
                        help="staff group(s) left out of every HR figure in the board pack")
    parser.add_argument("--include-doctors-in-training", action="store_true",
                        help="count doctors in training in the HR figures (by default they are left out when the "
                             "staff file's job roles show them: they rotate between employers, so NHS leaver "
                             "statistics leave them out)")
    add_hr_period_options(parser)
    parser.add_argument("--organisation", metavar="NAME",
                        help="with published results of several organisations in one file: the one the board pack "
                             "describes (the others are its benchmark group: their median is each headline's "
                             "benchmark)")
    parser.add_argument("--team-col", metavar="COL", help="the survey team column, as its header appears")
    parser.add_argument("--directorate-col", metavar="COL", help="the survey directorate column")
    parser.add_argument("--wave-col", metavar="COL", help="the survey year / wave column")
    add_survey_mapping_options(parser)
    add_unit_map_option(parser)
    cover = parser.add_argument_group("board pack cover")
    cover.add_argument("--meeting", metavar="TEXT", default="", help="the meeting the paper goes to, e.g. 'Trust Board'")
    cover.add_argument("--owner", metavar="NAME", default="", help="the executive who owns the paper")
    cover.add_argument("--author", metavar="NAME", default="", help="who wrote the paper")
    cover.add_argument("--paper-date", metavar="YYYY-MM-DD", default=None,
                       help="the date printed on the cover (default: today)")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="board.html, board.pdf or scorecards.xlsx (the extension chooses the output)")
    parser.set_defaults(handler=run_report)


def _output_path(out: str) -> Path:
    path = Path(out)
    if path.suffix.lower() not in OUTPUT_KINDS:
        raise InputError("The output file must end in .html or .pdf (board pack) or .xlsx (team scorecards).",
                         file=path.name)
    if not path.parent.exists():
        raise InputError("The folder for the output file does not exist.", file=str(path))
    if path.is_dir():
        raise InputError("The output is a folder; give a file name.", file=str(path))
    return path


def paper_date(text: str | None) -> dt.date | None:
    """``--paper-date`` as a date: ``YYYY-MM-DD`` or ``DD/MM/YYYY``; None when not given.

    >>> paper_date("2026-03-12"), paper_date("12/03/2026")
    (datetime.date(2026, 3, 12), datetime.date(2026, 3, 12))
    """
    if text is None or not text.strip():
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise InputError(f"--paper-date '{text}' is not a date: write it as YYYY-MM-DD (for example 2026-03-12).")


def spec_from_paths(surveys: list[str], *, hr: str | None = None, absence: str | None = None,
                    team_col: str | None = None, directorate_col: str | None = None, wave_col: str | None = None,
                    mapping: str | None = None, hr_period: HRPeriod = HRPeriod(),
                    unit_map: str | None = None, mappings_json: tuple[str | None, ...] = ()) -> DatasetSpec:
    """A :class:`~analytics.dataset.DatasetSpec` from file paths (the command line's dataset)."""
    if absence and not hr:
        raise InputError("--absence needs the staff file it belongs to: give it with --hr.", file=Path(absence).name)
    mapping_json = Mapping.load(mapping).to_json() if mapping else None
    survey_files = tuple(FilePayload.from_path(p) for p in surveys)
    return DatasetSpec(
        label=", ".join(p.name for p in survey_files),
        survey_files=survey_files,
        staff_file=FilePayload.from_path(hr) if hr else None,
        absence_file=FilePayload.from_path(absence) if absence else None,
        mapping_json=mapping_json, team_col=team_col, directorate_col=directorate_col, wave_col=wave_col,
        hr_period=hr_period, mappings_json=mappings_json,
        unit_map_csv=unit_map_csv(read_unit_map(unit_map, name=Path(unit_map).name)) if unit_map else None,
    )


def _surveys(args: argparse.Namespace) -> list[str]:
    if not args.survey:
        raise InputError("Give the survey files (--survey FILE ...) or a store of published waves (--store URL).")
    return args.survey


def _published_spec(args: argparse.Namespace) -> DatasetSpec:
    """The published waves of ``--store`` (each its latest version); ``--wave`` must be one of them."""
    from analytics.store import load_published, open_store

    if args.survey or args.hr or args.absence:
        raise InputError("Give either files (--survey, --hr, --absence) or --store, not both: a published wave's "
                         "data comes from the store.")
    spec = load_published(open_store(args.store))
    waves = [wave for wave, _ in spec.published.waves]
    if args.wave is not None and args.wave not in waves:
        raise InputError(f"Wave {args.wave} is not published in this store; published: {', '.join(waves)}.")
    return spec


def _write_scorecards(args: argparse.Namespace, dataset, path: Path) -> int:
    """The team scorecards workbook (:func:`analytics.report.scorecards.build_scorecards`) with the dataset's
    HR figures and, with ``--store``, its action log on the team sheets; the same call as the download."""
    from analytics.report.pack import data_sources_table
    from analytics.report.scorecards import build_scorecards, write_scorecards_xlsx

    if dataset.survey is None:  # pragma: no cover - --survey is required
        raise InputError("No survey file was given.")
    action_log = None
    if args.store:
        from analytics.store import actions, open_store

        action_log = actions(open_store(args.store))
    cards = build_scorecards(dataset.survey, directorate=args.directorate, sources=data_sources_table(dataset),
                             dataset_label=dataset.label, hr=dataset.hr, actions=action_log, wave=args.wave)
    write_scorecards_xlsx(cards, path)
    rows = sum(len(frame) for name, frame in cards.sheets.items())
    print(f"Wrote the team scorecards ({', '.join(cards.sheets)}; {rows} rows; {len(cards.team_pages)} team "
          f"sheet(s) for wave {cards.wave or '-'}; anonymity threshold {dataset.min_group_size}) to {path}",
          file=sys.stderr)
    return 0


def run_report(args: argparse.Namespace) -> int:
    """Load the files, build the board pack or the scorecards, write ``--out``; 0 on success."""
    path = _output_path(args.out)
    suffix = path.suffix.lower()
    from analytics.report.pack_model import PaperDetails

    paper = PaperDetails(meeting=args.meeting, owner=args.owner, author=args.author,
                         paper_date=paper_date(args.paper_date))
    if suffix == ".pdf":
        from render.pack import PDF_NEEDS_CHROMIUM, chromium_path

        if chromium_path() is None:  # say so before the files are read
            raise InputError(PDF_NEEDS_CHROMIUM)
    spec = _published_spec(args) if args.store else spec_from_paths(
        _surveys(args), hr=args.hr, absence=args.absence, team_col=args.team_col,
        directorate_col=args.directorate_col, wave_col=args.wave_col, mapping=args.mapping,
        hr_period=hr_period(args), unit_map=args.unit_map,
        mappings_json=file_mappings_json(args.survey, args, survey_column_options(
            args, team_col=args.team_col, directorate_col=args.directorate_col, wave_col=args.wave_col)))
    if args.min_group is None:
        args.min_group = spec.published.k if spec.published is not None else settings.DEFAULT_MIN_GROUP_SIZE
    if args.organisation:
        spec = dataclasses.replace(spec, our_organisation=args.organisation)
    dataset = load_dataset(spec, min_group_size=args.min_group,
                           exclusions=HRExclusions(doctors_in_training=not args.include_doctors_in_training))
    if suffix == ".xlsx":
        return _write_scorecards(args, dataset, path)
    from analytics.report.pack import build_board_pack
    from render.pack import render_html, render_pdf  # Plotly: imported only for a board pack

    for note in unmatched_units_notes(dataset.survey, dataset.hr):
        print(f"note: {note}", file=sys.stderr)
    action_log = None
    if args.store:
        from analytics.store import actions, open_store, record_audit

        store = open_store(args.store)
        action_log = actions(store)
        record_audit(store, None, "board pack written (command line)", wave=args.wave, file=path.name)
    pack = build_board_pack(dataset, wave=args.wave, directorate=args.directorate,
                            exclusions=HRExclusions(staff_groups=tuple(args.exclude_staff_group or ())),
                            actions=action_log, paper=paper)
    if suffix == ".html":
        path.write_text(render_html(pack), encoding="utf-8")
    else:
        path.write_bytes(render_pdf(pack))
    print(f"Wrote the board pack for wave {pack.wave} (anonymity threshold {pack.min_group_size}) to {path}",
          file=sys.stderr)
    return 0

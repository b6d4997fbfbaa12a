"""``validate`` and ``score``: the survey pipeline from the command line.

::

    python -m analytics validate FILE [--sheet NAME] [--team-col COL]
    python -m analytics score FILE [FILE ...] [--sheet NAME] [--team-col COL] [--directorate-col COL]
           [--wave-col COL | --wave LABEL] [--mapping FILE.json] [--min-group K] --out FILE.csv|FILE.xlsx
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from analytics import settings
from analytics.ingest.codebook import load_codebook
from analytics.errors import InputError
from analytics.export import write_table
from analytics.ingest.mapping import summarise_mapping
from analytics.ingest.published_table import PUBLISHED_NOTE
from cli.options import add_survey_mapping_options, survey_column_options
from analytics.survey.pipeline import ColumnOptions, SurveySource, recognise_file, score_recognised, score_survey_files

#: Columns of ``score``'s output, in order (issue: the survey pipeline).
SCORE_OUTPUT_COLUMNS = ["wave", "level", "unit", "measure", "n", "mean", "ci_low", "ci_high", "pct_positive",
                        "suppressed"]




def register(subparsers: argparse._SubParsersAction) -> None:
    validate = subparsers.add_parser(
        "validate", help="show what was recognised in a survey file and every data-quality finding",
        description="Read a survey export, show what was recognised (rows, units, waves, items per measure) "
                    "and every data-quality finding. Exit 0 when the file can be scored, 2 when it cannot.")
    validate.add_argument("file", help="survey export (CSV, XLSX or XLSM)")
    validate.add_argument("--sheet", help="worksheet to read (default: the one holding responses)")
    validate.add_argument("--team-col", help="the team column, as its header appears in any header row")
    validate.add_argument("--directorate-col", help="the directorate column")
    validate.add_argument("--wave-col", help="the survey year / wave column")
    validate.add_argument("--wave", help="the wave of every row, when the file has no wave column")
    add_survey_mapping_options(validate)
    validate.set_defaults(handler=run_validate)

    score = subparsers.add_parser(
        "score", help="score survey files into anonymised team, directorate and organisation results",
        description="Score one or more survey exports. Writes one row per wave x level x unit x measure; "
                    "units with fewer responses than the anonymity threshold are suppressed.")
    score.add_argument("files", nargs="+", metavar="FILE", help="survey exports (several waves allowed)")
    score.add_argument("--sheet", help="worksheet to read in every workbook")
    score.add_argument("--team-col", help="the team column, as its header appears in any header row")
    score.add_argument("--directorate-col", help="the directorate column")
    waves = score.add_mutually_exclusive_group()
    waves.add_argument("--wave-col", help="the survey year / wave column")
    waves.add_argument("--wave", help="the wave of every row (e.g. 2025), when the file has no wave column")
    add_survey_mapping_options(score)
    score.add_argument("--min-group", type=int, default=settings.DEFAULT_MIN_GROUP_SIZE, metavar="K",
                       help=f"anonymity threshold: minimum responses to report a unit "
                            f"(default {settings.DEFAULT_MIN_GROUP_SIZE}, never below {settings.MIN_GROUP_SIZE_FLOOR})")
    score.add_argument("--out", required=True, help="output file: .csv or .xlsx")
    score.set_defaults(handler=run_score)


def _options(args: argparse.Namespace) -> ColumnOptions:
    return survey_column_options(args, team_col=args.team_col, directorate_col=getattr(args, "directorate_col", None),
                                 wave_col=getattr(args, "wave_col", None), wave_label=getattr(args, "wave", None))


def _print_columns(mapping, out) -> None:
    """The team, directorate and wave columns recognised (or "not found")."""
    for role in ("team_col", "directorate_col", "wave_col"):
        column = getattr(mapping, role)
        print(f"{role.removesuffix('_col').capitalize()} column: {column if column else 'not found'}", file=out)


def _print_respondents(respondents, out) -> None:
    """Respondents, waves, teams and (when recorded) directorates of a scored file."""
    print(f"Respondents: {len(respondents)}", file=out)
    print(f"Waves: {', '.join(sorted(respondents['wave'].astype(str).unique()))}", file=out)
    print(f"Teams: {respondents['team'].nunique()}", file=out)
    if respondents["directorate"].notna().any():
        print(f"Directorates: {respondents['directorate'].nunique()}", file=out)


def _print_measures(summary, unmapped: list[str], out) -> None:
    """Questions recognised per measure (with the codes missing), then the columns not used (first 15)."""
    print("Items recognised per measure:", file=out)
    for row in summary.itertuples(index=False):
        missing = f" (missing: {row.missing_items})" if row.missing_items else ""
        print(f"  {row.label}: {row.items_found} of {row.items_expected}{missing}", file=out)
    if unmapped:
        shown = ", ".join(unmapped[:15]) + (f" and {len(unmapped) - 15} more" if len(unmapped) > 15 else "")
        print(f"Columns not used: {shown}", file=out)


def _print_findings(findings, out) -> None:
    """Every data-quality finding with its severity, column and spreadsheet rows."""
    print(f"Data-quality findings: {len(findings)}", file=out)
    for row in findings.itertuples(index=False):
        where = f"column '{row.column}'" if isinstance(row.column, str) and row.column else ""
        rows = f", rows {row.rows}" if isinstance(row.rows, str) and row.rows else ""
        print(f"  [{row.severity}] {where}{rows}: {row.message}", file=out)


def run_validate(args: argparse.Namespace) -> int:
    source = SurveySource.from_path(args.file, sheet=args.sheet)
    options = _options(args)
    codebook = load_codebook(args.codebook) if args.codebook else None
    recognised = recognise_file(source, options, codebook)
    mapping = recognised.mapping
    codebook = codebook or load_codebook(mapping.codebook)
    out = sys.stdout
    print(f"File: {source.file_name}" + (f" (sheet '{recognised.raw.sheet}')" if recognised.raw.sheet else ""), file=out)
    for note in recognised.raw.notes:
        print(f"  - {note}", file=out)
    if recognised.is_unit_level:
        return _validate_unit_level(recognised)
    _print_columns(mapping, out)
    scored = score_recognised(recognised, codebook)
    _print_respondents(scored.respondents, out)
    summary = summarise_mapping(mapping, codebook)
    _print_measures(summary, mapping.unmapped, out)
    _print_findings(scored.findings, out)
    if (summary["items_found"] == 0).all():
        raise InputError("No measure can be scored: none of the codebook's questions was recognised.",
                         file=source.file_name)
    return 0


def _validate_unit_level(recognised) -> int:
    """``validate`` for a file of unit-level results (one row per team or organisation)."""
    results = recognised.unit_results
    frame = results.frame
    print(f"Shape: unit-level results (one row per unit; {results.shape})")
    print(f"Unit column: {results.unit_col}; response-count column: {results.count_col or 'none'}")
    if results.published_without_counts:
        print(f"  {PUBLISHED_NOTE}")
    print(f"Units: {frame['unit'].nunique()}")
    print(f"Waves: {', '.join(sorted(frame['wave'].dropna().astype(str).unique())) or 'not known'}")
    print("Columns read:")
    for header, measure in results.columns.items():
        print(f"  {header} -> {measure}")
    print("Column kinds (column | kind | why):")
    for row in results.column_kinds.itertuples(index=False):
        print(f"  {row.column} | {row.kind} | {row.why}")
    if len(results.comparators):
        print("Comparator rows (not units): " + ", ".join(
            f"{u} ({k})" for u, k in results.comparators[["unit", "kind"]].drop_duplicates().values))
    for note in results.notes:
        print(f"  - {note}")
    if frame["wave"].isna().any():
        raise InputError("The survey year (wave) of these results is not known: give it with --wave.",
                         file=recognised.source.file_name)
    return 0


def score_output(unit_scores: pd.DataFrame) -> pd.DataFrame:
    """The ``score`` table: :data:`SCORE_OUTPUT_COLUMNS`, one row per wave x level x unit x measure.

    The output has no parent column, so a team name used in two directorates (two units) would appear
    twice in a wave, indistinguishable: such names are written as ``"Team (Directorate)"``.
    """
    table = unit_scores.copy()
    keys = ["wave", "level", "unit", "measure"]
    repeated = table.duplicated(keys, keep=False) & table["parent"].notna()
    table.loc[repeated, "unit"] = (table.loc[repeated, "unit"].astype(str) + " ("
                                   + table.loc[repeated, "parent"].astype(str) + ")")
    columns = list(SCORE_OUTPUT_COLUMNS)
    if "pct_unfavourable" in table and table["pct_unfavourable"].notna().any():
        columns.insert(columns.index("pct_positive") + 1, "pct_unfavourable")
    return table[columns]


def run_score(args: argparse.Namespace) -> int:
    sources = [SurveySource.from_path(path, sheet=args.sheet) for path in args.files]
    codebook = load_codebook(args.codebook) if args.codebook else None
    results = score_survey_files(sources, _options(args), min_group_size=args.min_group, codebook=codebook)
    table = score_output(results.unit_scores)
    write_table(table, args.out, sheet_name="Scores")
    shown = int((~table["suppressed"].astype(bool)).sum())
    print(f"Wrote {len(table)} rows ({shown} shown, {len(table) - shown} suppressed below "
          f"{results.min_group_size} responses) to {args.out}", file=sys.stderr)
    return 0

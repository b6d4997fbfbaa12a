"""Every benchmark-group sheet of an NSS benchmark workbook, read in one go.

The NSS benchmark workbook has one sheet per benchmark group ("Acute & Acute Community Trusts",
"Community Trusts", ...), each in the benchmark layout (``<variable>_<year>`` columns with ``_n_`` counts:
:mod:`analytics.ingest.published_shapes`). :func:`read_benchmark_workbook` reads each such sheet with
:func:`analytics.ingest.unit_level.read_unit_results` and joins them:

* the organisations of every sheet are the units, each with its group as the unit property
  ``benchmark_group`` (:data:`BENCHMARK_GROUP_PROPERTY`, one row per wave and unit);
* the comparator rows of each sheet (its median, best, worst ...) keep their sheet in the comparators'
  ``group`` column, so a comparator is always that of its own group;
* sheets in another layout (a notes or contents sheet) are left out, with a note.

An organisation listed in two groups of the same wave is refused (its figures would count twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.errors import InputError
from analytics.ingest.codebook import Codebook
from analytics.ingest.io import list_sheets, read_table
from analytics.ingest.published_shapes import SHAPE_BENCHMARK, detect_shape
from analytics.ingest.published_table import UNIT_PROPERTY_COLUMNS
from analytics.ingest.raw import RawTable
from analytics.ingest.unit_level import UnitResults, read_unit_results

#: Unit property (``UnitResults.unit_properties``) holding an organisation's benchmark group.
BENCHMARK_GROUP_PROPERTY = "benchmark_group"
#: A workbook is read whole only when at least this many of its sheets are in the benchmark layout.
MIN_GROUP_SHEETS = 2


@dataclass
class BenchmarkWorkbook:
    """A benchmark workbook read whole: ``raw`` is its first group sheet (for the file's notes and wave
    detection), ``results`` the joined results, ``groups`` the sheet names read, in workbook order."""

    raw: RawTable
    results: UnitResults
    groups: list[str]


def benchmark_group_sheets(content: str | Path | bytes, file_name: str) -> tuple[list[tuple[str, RawTable]],
                                                                                list[str]]:
    """``([(sheet, table)], other sheets)``: the sheets of a workbook in the NSS benchmark layout, in workbook
    order, and the names of the sheets left out. A CSV has none. A sheet that cannot be read as a table (empty,
    a chart) is left out."""
    groups, others = [], []
    for name in list_sheets(content, file_name):
        try:
            raw = read_table(content, file_name, sheet=name)
        except InputError:
            others.append(name)
            continue
        if detect_shape(raw) == SHAPE_BENCHMARK:
            groups.append((name, raw))
        else:
            others.append(name)
    return groups, others


def read_benchmark_workbook(content: str | Path | bytes, file_name: str, codebook: Codebook, *,
                            unit_col: str | None = None, wave_col: str | None = None,
                            wave_label: str | None = None,
                            column_kinds: dict[str, str] | None = None) -> BenchmarkWorkbook | None:
    """Every benchmark-group sheet of a workbook, joined (see the module docstring); None when fewer than
    :data:`MIN_GROUP_SHEETS` sheets are in the benchmark layout (the file is then read as one table).

    The keyword arguments are passed to :func:`~analytics.ingest.unit_level.read_unit_results` for each sheet.

    Raises
    ------
    InputError
        As :func:`~analytics.ingest.unit_level.read_unit_results` for any sheet (the message names the sheet);
        an organisation in two groups of the same wave.
    """
    sheets, others = benchmark_group_sheets(content, file_name)
    if len(sheets) < MIN_GROUP_SHEETS:
        return None
    parts = [(name, read_unit_results(raw, codebook, unit_col=unit_col, wave_col=wave_col, wave_label=wave_label,
                                      column_kinds=column_kinds)) for name, raw in sheets]
    results = join_group_results(parts, file_name)
    results.notes.insert(0, f"Read every benchmark-group sheet of the workbook ({len(parts)}: "
                            + ", ".join(f"'{name}'" for name, _ in parts) + "); each organisation keeps its group, "
                            "and each group's comparator rows stay with that group."
                            + (f" Sheets not in the benchmark layout, left out: "
                               + ", ".join(f"'{o}'" for o in others) + "." if others else ""))
    return BenchmarkWorkbook(raw=sheets[0][1], results=results, groups=[name for name, _ in parts])


def join_group_results(parts: list[tuple[str, UnitResults]], file_name: str = "") -> UnitResults:
    """One :class:`UnitResults` from the results of each benchmark group (``[(group, results)]``): units and
    comparators of every group, each comparator with its ``group``, each unit's group as a unit property."""
    _refuse_units_in_two_groups(parts, file_name)
    first = parts[0][1]
    frame = pd.concat([r.frame for _, r in parts], ignore_index=True)
    comparators = pd.concat([r.comparators.assign(group=group) for group, r in parts], ignore_index=True)
    groups = pd.concat([r.frame[["wave", "unit"]].drop_duplicates().assign(property=BENCHMARK_GROUP_PROPERTY,
                                                                              value=group)
                        for group, r in parts], ignore_index=True)
    properties = pd.concat([*(r.unit_properties for _, r in parts if len(r.unit_properties)), groups],
                           ignore_index=True)[list(UNIT_PROPERTY_COLUMNS)]
    kinds = pd.concat([r.column_kinds for _, r in parts], ignore_index=True).drop_duplicates(["column", "kind"])
    notes = [f"Sheet '{group}': {note}" for group, r in parts for note in r.notes]
    columns: dict[str, str] = {}
    labels: dict[str, str] = {}
    for _, r in parts:
        columns.update(r.columns)
        labels.update(r.unit_labels)
    return UnitResults(frame=frame, notes=notes, unit_col=first.unit_col, count_col=first.count_col,
                       wave_col=first.wave_col, columns=columns, column_kinds=kinds.reset_index(drop=True),
                       comparators=comparators, unit_properties=properties,
                       published_without_counts=all(r.published_without_counts for _, r in parts),
                       shape=first.shape, level=first.level, unit_labels=labels)


def _refuse_units_in_two_groups(parts: list[tuple[str, UnitResults]], file_name: str) -> None:
    seen: dict[tuple, str] = {}
    for group, r in parts:
        for wave, unit in r.frame[["wave", "unit"]].drop_duplicates().itertuples(index=False):
            other = seen.setdefault((wave, unit), group)
            if other != group:
                raise InputError(f"The organisation '{unit}' is in two benchmark groups ('{other}' and '{group}')"
                                 + (f" in {wave}" if wave else "") + ". Remove it from one of the sheets.",
                                 file=file_name or None)

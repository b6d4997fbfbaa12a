"""Long records of a published unit-level table: units, comparator rows and unit properties apart.

Used by :func:`analytics.ingest.unit_level.read_unit_results`; kept apart to keep that module short.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analytics.errors import InputError
from analytics.ingest.column_kinds import COLUMN_KIND_COLUMNS, KIND_COUNT, KIND_RESPONSE_RATE
from analytics.ingest.comparators import comparator_kind

#: Columns of :attr:`UnitResults.frame`.
UNIT_RESULT_COLUMNS = ("wave", "unit", "measure", "n", "value", "value_kind")
#: Columns of :attr:`UnitResults.comparators`: ``group`` is the benchmark group a comparator belongs to (the
#: sheet of an NSS benchmark workbook read whole: :mod:`analytics.ingest.published_workbook`), "" otherwise.
COMPARATOR_RESULT_COLUMNS = (*UNIT_RESULT_COLUMNS, "kind", "group")
#: Columns of :attr:`UnitResults.unit_properties`.
UNIT_PROPERTY_COLUMNS = ("wave", "unit", "property", "value")
#: ``value_kind`` of a percentage where higher is worse (burnout, stress).
VALUE_KIND_PCT_UNFAVOURABLE = "pct_unfavourable"
#: The note of a file without response counts (pages show it next to the figures).
PUBLISHED_NOTE = ("Published figures, already anonymised: shown as published. The file gives no numbers of "
                  "responses, so no minimum-group (k) suppression can be applied here; counts are left blank, "
                  "never invented.")

@dataclass
class _Column:
    """One result column as read: its measure, kind (and why), values and, when the file gives them per
    figure, its own response counts."""

    column: str
    measure: str
    kind: str
    why: str
    values: list[float | None] | None = None
    value_kind: str = ""
    counts: list[int | None] | None = None


@dataclass
class _UnitTable:
    """The rows of a unit-level file, column by column, turned into long records."""

    rows: list[int]
    units: list[str | None]
    waves: list[str | None]
    counts: list[int | None]
    kept: list[_Column]
    unit_col: str
    wave_col: str | None
    wave_label: str | None
    where: dict
    comparators: dict[str, str] = field(default_factory=dict)
    skipped_blank: int = 0

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """``(frame, comparators, unit_properties)``. A row without a unit name is skipped when it has no
        figure and refused otherwise; a unit twice in one wave is refused; comparator rows go apart."""
        records, comparators, properties = [], [], []
        seen_units: dict[tuple[str | None, str], int] = {}
        for i, row in enumerate(self.rows):
            if self.units[i] is None:
                self._skip_unnamed(i, row)
                continue
            wave, unit = self._wave(i, row), self.units[i]
            kind = self.comparators.get(unit) or comparator_kind(unit)
            if kind is None:
                self._check_unique(seen_units, wave, unit, row)
            for e in self.kept:
                n = e.counts[i] if e.counts is not None else self.counts[i]
                record = (wave, unit, e.measure, n, e.values[i], e.value_kind)
                if e.kind == KIND_RESPONSE_RATE:
                    properties.append((wave, unit, "response_rate", e.values[i]))
                elif kind is not None:
                    comparators.append((*record, kind, ""))
                else:
                    records.append(record)
        types = {"wave": "object", "unit": "object", "measure": "object", "n": "Int64", "value": "float64",
                 "value_kind": "object"}
        frame = pd.DataFrame.from_records(records, columns=list(UNIT_RESULT_COLUMNS)).astype(types)
        comp = pd.DataFrame.from_records(comparators, columns=list(COMPARATOR_RESULT_COLUMNS)).astype(
            {**types, "group": "object"})
        props = pd.DataFrame.from_records(properties, columns=list(UNIT_PROPERTY_COLUMNS))
        return frame, comp, props

    def _check_unique(self, seen_units: dict, wave: str | None, unit: str, row: int) -> None:
        key = (wave, unit)
        if key in seen_units:
            raise InputError(f"The unit '{unit}' appears twice{f' in wave {wave}' if wave else ''} "
                             f"(rows {seen_units[key]} and {row}). Remove the repeat, or name a unit column "
                             "whose names are unique.", column=self.unit_col, row=row, **self.where)
        seen_units[key] = row

    def _skip_unnamed(self, i: int, row: int) -> None:
        has_figures = self.counts[i] is not None or any(e.values[i] is not None for e in self.kept)
        if has_figures:
            raise InputError("This row has figures but no unit name. Fill in the name or delete the row.",
                             column=self.unit_col, row=row, **self.where)
        self.skipped_blank += 1

    def _wave(self, i: int, row: int) -> str | None:
        """The row's wave; a blank wave cell takes ``wave_label``, refused when there is none."""
        wave = self.waves[i]
        if wave is None and self.wave_col is not None:
            if self.wave_label is None:
                raise InputError("This row has no wave. Fill it in, or give the wave for rows without one.",
                                 column=self.wave_col, row=row, **self.where)
            wave = self.wave_label
        return wave


def _kinds_table(considered: list[_Column], count_col: str | None) -> pd.DataFrame:
    """One row per column considered (the count column first): column, kind, measure ("" when not a
    figure), why."""
    rows = [(count_col, KIND_COUNT, "", "the number of responses of each unit")] if count_col else []
    rows += [(e.column, e.kind, e.measure if e.values is not None and e.kind != KIND_RESPONSE_RATE else "", e.why)
             for e in considered]
    return pd.DataFrame(rows, columns=list(COLUMN_KIND_COLUMNS))


def _closing_notes(notes: list[str], skipped_blank: int, without_counts: bool, comparators: pd.DataFrame) -> None:
    if skipped_blank:
        notes.append(f"{skipped_blank} row(s) without a unit name or any figure skipped.")
    if without_counts:
        notes.append(PUBLISHED_NOTE)
    if len(comparators):
        labels = ", ".join(f"'{u}' ({k})" for u, k in comparators[["unit", "kind"]].drop_duplicates().values)
        notes.append(f"Comparator rows, not units: {labels}.")

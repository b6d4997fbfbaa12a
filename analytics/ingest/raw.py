"""The raw table: what :mod:`analytics.ingest.io` hands to recognition and scoring.

Kept in its own module so that reading, mapping and scoring agree on one structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analytics.ingest.codebook import normalise_label
from analytics.errors import InputError


@dataclass
class RawTable:
    """One sheet (or CSV file) of responses, as read.

    Attributes
    ----------
    frame
        One row per data row of the file. Columns are unique text labels (the header chosen by the
        reader; duplicates made unique with `` (2)``, `` (3)`` suffixes). Cells are kept as read (text or
        numbers); nothing is scored here. **The index is the spreadsheet row number** as the user sees it
        in Excel (the first line of the file is row 1), so any finding can name its row.
    file_name
        The file's name as the user gave it (no directory), for messages.
    sheet
        The worksheet read, or ``None`` for CSV.
    header_texts
        For each column label, the texts of every header row above the data for that column, top to
        bottom, blanks dropped (e.g. Qualtrics: ``["Q9f", "To what extent ... - My immediate manager cares
        about my concerns.", '{"ImportId":"QID12_4"}']``). Recognition uses all of them.
    header_row
        Spreadsheet row number of the last header row.
    title_texts
        The text of each title row above the header (e.g. ``"Staff pulse survey, autumn 2025"``), top to
        bottom; the wave may be read from it (:mod:`analytics.survey.wave_source`).
    notes
        What the reader decided, in plain words ("Sheet 'Responses' chosen; 'Cover' skipped", "2 title
        rows above the header skipped", "Read as Windows-1252, semicolon-delimited").
    """

    frame: pd.DataFrame
    file_name: str
    sheet: str | None = None
    header_texts: dict[str, list[str]] = field(default_factory=dict)
    header_row: int = 1
    notes: list[str] = field(default_factory=list)
    title_texts: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def texts_of(self, column: str) -> list[str]:
        """Every header text of a column (its label first)."""
        texts = [column] + [t for t in self.header_texts.get(column, []) if t != column]
        return [t for t in texts if str(t).strip()]

    def resolve_column(self, name: str, *, role: str = "column") -> str:
        """Find the column the user means by ``name``: its label or the text of any header row,
        compared case- and space-insensitively.

        Raises :class:`InputError` naming the columns available when nothing (or more than one column)
        matches.
        """
        wanted = normalise_label(name)
        exact = [c for c in self.columns if c == name]
        if exact:
            return exact[0]
        hits = [c for c in self.columns if any(normalise_label(t) == wanted for t in self.texts_of(c))]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise InputError(f"'{name}' matches more than one column ({', '.join(hits)}); give the exact "
                             f"header of the {role} column.", file=self.file_name, sheet=self.sheet)
        shown = ", ".join(f"'{c}'" for c in self.columns[:30])
        more = f" and {len(self.columns) - 30} more" if len(self.columns) > 30 else ""
        raise InputError(f"There is no {role} column called '{name}'. The columns are: {shown}{more}.",
                         file=self.file_name, sheet=self.sheet)

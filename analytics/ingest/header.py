"""Finding the header of a table in the first rows of a CSV file or worksheet, and labelling its columns.

Shared by the CSV and workbook readers (:mod:`analytics.ingest.csv_reader`,
:mod:`analytics.ingest.workbook`). The rules are those of the module docstring of
:mod:`analytics.ingest.io` ("Header rows" and "Column labels"); each signal has its own function here:

* :func:`_first_data_row`: the first dense, data-like row followed by a data-like row;
* :func:`_header_block_above`: the block of non-blank rows above the data (refused if too tall);
* :func:`_header_by_density`: the fallback when no data-like row is found;
* :func:`_drop_title_columns_rows`: leading rows filled only in the first two columns are titles;
* :func:`_split_at_data_row`: a header row that does not look like one starts the data;
* :func:`_carry_merged_headings`: blanks under a merged heading (SurveyMonkey) take the text to their left;
* :func:`_label_rule`: Qualtrics-style identifier row, one row, or joined stacked texts.

Row numbers are 0-based positions in the preview; column positions are 0-based positions in the preview
rows. No codebook knowledge is used.
"""

from __future__ import annotations

import datetime as _dt
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

#: Rows examined (from the top of the sheet or file) to find the header and choose the sheet.
PREVIEW_ROWS = 300
#: At most this many stacked header rows (Qualtrics uses 3, SurveyMonkey 2).
MAX_HEADER_ROWS = 5
#: Sub-headings that say nothing about a column (left out of SurveyMonkey-style labels).
GENERIC_SUBHEADINGS = frozenset({"response", "responses", "open-ended response", "open ended response", "answer"})

LABEL_SINGLE = "single"
LABEL_IDENTIFIER_ROW = "identifier row"
LABEL_JOINED = "joined"

_NUMBER_TEXT = re.compile(r"^[-+]?(\d[\d ]*([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?%?$")
_DATE_TEXT = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$"
                        r"|^\d{1,2}:\d{2}(:\d{2})?$")
_IDENTIFIER_TEXT = re.compile(r"^[A-Za-z_][\w.\-#]{0,39}$")
_WHITESPACE = re.compile(r"\s+")


@dataclass
class Header:
    """Where the header and data are within a preview, and the labels.

    Row numbers are 0-based positions in the preview; ``positions`` are 0-based column positions in
    the preview rows, ``labels`` the label of each position kept.
    """

    title_rows: list[int]
    header_rows: list[int]
    data_start: int
    positions: list[int]
    labels: list[str]
    header_texts: dict[str, list[str]]
    label_rule: str
    dropped_columns: list[int]
    #: The text of each title row (its filled cells joined with a space), top to bottom.
    title_texts: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------
# Cells
# ------------------------------------------------------------------------------------------------
def is_blank(value) -> bool:
    """``None``, NaN, or text of white space only."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return value != value
    return False


def _is_typed(value) -> bool:
    """Numbers, dates, booleans, and text that looks like one of them."""
    if isinstance(value, str):
        text = value.strip()
        return bool(_NUMBER_TEXT.match(text) or _DATE_TEXT.match(text)) or text.lower() in ("true", "false")
    return isinstance(value, (int, float, bool, _dt.date, _dt.time, _dt.timedelta, np.number))


def _is_json_text(value) -> bool:
    """Text such as Qualtrics' ``{"ImportId":"QID12_4"}``: braces around something holding a colon."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return len(text) > 2 and text[0] == "{" and text[-1] == "}" and ":" in text


def _cell_key(value) -> str:
    """A cell compared case- and space-insensitively."""
    return _WHITESPACE.sub(" ", str(value)).strip().casefold()


def _header_text(value) -> str:
    """A header cell as text: stripped; whole numbers without '.0'; dates in ISO form."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ") if (value.hour or value.minute or value.second) else value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value).strip()


def column_letter(position: int) -> str:
    """Excel column letter of a 0-based column position (0 -> "A", 27 -> "AB")."""
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# ------------------------------------------------------------------------------------------------
# The preview and its row signals
# ------------------------------------------------------------------------------------------------
def _row_keys(row: list, filled: list[bool]) -> list[str]:
    """:func:`_cell_key` of each filled cell, ``""`` for blanks."""
    return [_cell_key(v) if f else "" for v, f in zip(row, filled)]


def _is_json_row(row: list, n_filled: int) -> bool:
    """At least half of the row's ``n_filled`` filled cells are JSON (and it has one)."""
    return n_filled > 0 and sum(_is_json_text(v) for v in row) * 2 >= max(1, n_filled)


class _Preview:
    """The preview rows padded to one width, with what every signal needs computed once.

    ``typical`` is the median number of filled cells of the non-blank rows; ``rows_with_key`` counts,
    for each cell value (case- and space-insensitive), the rows it occurs in; ``json_row[r]`` is true
    when at least half of row ``r``'s filled cells are JSON.
    """

    def __init__(self, rows: list[list]):
        self.width = max((len(row) for row in rows), default=0)
        self.rows = [list(row) + [None] * (self.width - len(row)) for row in rows]
        self.filled = [[not is_blank(v) for v in row] for row in self.rows]
        self.n_filled = [sum(f) for f in self.filled]
        self.nonblank_rows = [r for r, n in enumerate(self.n_filled) if n]
        self.typical = statistics.median(self.n_filled[r] for r in self.nonblank_rows) if self.nonblank_rows else 0
        self.keys = [_row_keys(row, filled) for row, filled in zip(self.rows, self.filled)]
        self.rows_with_key = self.key_counts(self.nonblank_rows)
        self.json_row = [_is_json_row(row, n) for row, n in zip(self.rows, self.n_filled)]

    def key_counts(self, rows: list[int]) -> Counter:
        """For each cell value (case- and space-insensitive), the number of ``rows`` it occurs in."""
        return Counter(key for r in rows for key in set(self.keys[r]) if key)

    def dense(self, r: int) -> bool:
        """Row ``r`` is filled at least half as much as a typical row (and has a filled cell)."""
        return self.n_filled[r] >= max(1.0, 0.5 * self.typical)

    def _typed_or_in(self, r: int, counts: Counter, at_least: int) -> int:
        """Filled cells of row ``r`` that are typed or whose value ``counts`` at least ``at_least`` times."""
        row, keys, filled = self.rows[r], self.keys[r], self.filled[r]
        return sum(1 for c in range(self.width) if filled[c] and (_is_typed(row[c]) or counts[keys[c]] >= at_least))

    def data_like(self, r: int) -> bool:
        """At least half of row ``r``'s filled cells are typed or occur again in another row; never a JSON row."""
        if not self.n_filled[r] or self.json_row[r]:
            return False
        return self._typed_or_in(r, self.rows_with_key, 2) * 2 >= self.n_filled[r]

    def header_like(self, r: int, in_data: Counter) -> bool:
        """A JSON row, or one where fewer than a quarter of the filled cells are typed or found in the data."""
        if self.json_row[r]:
            return True
        return self._typed_or_in(r, in_data, 1) * 4 < self.n_filled[r]


# ------------------------------------------------------------------------------------------------
# Where the header and the data are
# ------------------------------------------------------------------------------------------------
def _first_data_row(p: _Preview) -> int | None:
    """The first row after the first non-blank one that is dense and data-like and is followed by a
    data-like row (or is the last non-blank row), extended upwards over sparse data-like rows that
    have a filled row above them; ``None`` when there is none."""
    first, later = p.nonblank_rows[0], p.nonblank_rows[1:]
    for i, r in enumerate(later):
        if p.dense(r) and p.data_like(r) and (i + 1 >= len(later) or p.data_like(later[i + 1])):
            data_start = r
            break
    else:
        return None
    while (data_start - 1 > first and p.n_filled[data_start - 1] and p.data_like(data_start - 1)
           and p.n_filled[data_start - 2]):
        data_start -= 1
    return data_start


def _header_block_above(p: _Preview, data_start: int) -> tuple[int, int] | None:
    """First and last row of the consecutive non-blank rows above ``data_start`` (blank rows between
    them and the data skipped); ``None`` when the block is taller than :data:`MAX_HEADER_ROWS`."""
    first = p.nonblank_rows[0]
    block_end = data_start - 1
    while not p.n_filled[block_end]:
        block_end -= 1
    block_start = block_end
    while block_start - 1 >= first and p.n_filled[block_start - 1]:
        block_start -= 1
    if block_end - block_start + 1 > MAX_HEADER_ROWS:
        return None
    return block_start, block_end


def _header_by_density(p: _Preview) -> tuple[list[int], int]:
    """Fallback (tiny or free-text files): the header is the first row filled at least half as much as
    the fullest row; the data are the rows below it."""
    fullest = max(p.n_filled)
    header_row = next(r for r in p.nonblank_rows if p.n_filled[r] * 2 >= fullest)
    return [header_row], header_row + 1


def _header_and_data_start(p: _Preview) -> tuple[list[int], int]:
    """Header rows (at most :data:`MAX_HEADER_ROWS`, the lowest ones) and the first data row."""
    data_start = _first_data_row(p)
    block = _header_block_above(p, data_start) if data_start is not None else None
    if block is None:
        return _header_by_density(p)
    block_start, block_end = block
    return list(range(block_start, block_end + 1))[-MAX_HEADER_ROWS:], data_start


def _drop_title_columns_rows(p: _Preview, header_rows: list[int]) -> list[int]:
    """Leading header rows whose only filled cells are in the first two columns are title rows (when the
    last header row has at least 3 filled cells): drop them."""
    last = header_rows[-1]
    while len(header_rows) > 1 and p.n_filled[last] >= 3 and not any(p.filled[header_rows[0]][2:p.width]):
        header_rows = header_rows[1:]
    return header_rows


def _split_at_data_row(p: _Preview, header_rows: list[int], data_start: int) -> tuple[list[int], int]:
    """Rows below the first header row must look like headers (no numbers or dates, no values found again
    in the data below): the first that does not starts the data (e.g. a first respondent who mostly
    wrote comments)."""
    in_data = p.key_counts([r for r in p.nonblank_rows if r > header_rows[-1]])
    for i, r in enumerate(header_rows[1:], start=1):
        if not p.header_like(r, in_data):
            return header_rows[:i], r
    return header_rows, data_start


# ------------------------------------------------------------------------------------------------
# Column labels
# ------------------------------------------------------------------------------------------------
def _carry_merged_headings(raw_texts: list[list[str]], width: int) -> list[list[str]]:
    """In every header row but the last, a blank cell whose column has text in a lower header row takes
    the nearest text to its left in the same row (merged matrix headings, e.g. SurveyMonkey)."""
    texts = [list(t) for t in raw_texts]
    for i in range(len(texts) - 1):
        carried = ""
        for c in range(width):
            lower_has_text = any(raw_texts[j][c] for j in range(i + 1, len(texts)))
            if texts[i][c]:
                carried = texts[i][c]
            elif lower_has_text and carried:
                texts[i][c] = carried
            elif not lower_has_text:
                carried = ""
    return texts


def _is_identifier_row(raw_texts: list[list[str]], width: int) -> bool:
    """The first of several header rows has text in at least 90% of the columns with any header text, and
    at least 60% of those texts are identifiers (``Q9f``, ``Q9_4``, ``StartDate``)."""
    if len(raw_texts) < 2:
        return False
    first_texts = [t for t in raw_texts[0] if t]
    columns_with_text = sum(1 for c in range(width) if any(t[c] for t in raw_texts))
    return (len(first_texts) >= 0.9 * columns_with_text
            and sum(bool(_IDENTIFIER_TEXT.match(t)) for t in first_texts) >= 0.6 * len(first_texts))


def _label_rule(p: _Preview, header_rows: list[int], raw_texts: list[list[str]]) -> str:
    """:data:`LABEL_SINGLE` for one header row; :data:`LABEL_IDENTIFIER_ROW` when a header row holds JSON
    or the first row is a row of identifiers (Qualtrics); :data:`LABEL_JOINED` otherwise."""
    if len(header_rows) == 1:
        return LABEL_SINGLE
    if any(p.json_row[r] for r in header_rows) or _is_identifier_row(raw_texts, p.width):
        return LABEL_IDENTIFIER_ROW
    return LABEL_JOINED


def _joined_label(non_json: list[str]) -> str:
    """Distinct texts joined top to bottom with ``" - "``, generic sub-headings below the first left out
    (kept only when nothing else is left)."""
    parts: list[str] = []
    for i, text in enumerate(non_json):
        if i > 0 and _cell_key(text) in GENERIC_SUBHEADINGS:
            continue
        if all(_cell_key(text) != _cell_key(part) for part in parts):
            parts.append(text)
    if not parts and non_json:
        parts = [non_json[0]]
    return " - ".join(parts)


def _column_label(column_texts: list[str], non_json: list[str], rule: str) -> str:
    """The label of one column under ``rule``: the identifier row's text (or the first non-JSON text
    below it), else the joined texts. ``column_texts`` are the column's header texts top to bottom
    (after carrying), with ``""`` for blanks."""
    if rule == LABEL_IDENTIFIER_ROW:
        return column_texts[0] or (non_json[0] if non_json else "")
    return _joined_label(non_json)


def unique_labels(labels: list[str]) -> list[str]:
    """Make labels unique in column order: the second ``Q9f`` becomes ``Q9f (2)``, and so on."""
    taken = set(labels)
    seen: Counter = Counter()
    result = []
    for label in labels:
        seen[label] += 1
        if seen[label] == 1:
            result.append(label)
            continue
        number = seen[label]
        candidate = f"{label} ({number})"
        while candidate in taken:
            number += 1
            candidate = f"{label} ({number})"
        taken.add(candidate)
        result.append(candidate)
    return result


# ------------------------------------------------------------------------------------------------
# The decision
# ------------------------------------------------------------------------------------------------
def detect_header(rows: list[list], first_column: int = 0) -> Header | None:
    """Find title rows, header rows and the first data row in ``rows`` (a preview), and label the columns.

    ``first_column`` is the sheet column of ``rows[*][0]`` (for "Column F" labels). Returns ``None``
    when the preview has no filled cell at all. A column with no header text and no data in the preview
    is dropped (listed in ``dropped_columns``); one with data but no text is labelled ``"Column F"``.
    """
    p = _Preview(rows)
    if not p.nonblank_rows:
        return None
    header_rows, data_start = _header_and_data_start(p)
    header_rows = _drop_title_columns_rows(p, header_rows)
    header_rows, data_start = _split_at_data_row(p, header_rows, data_start)
    title_rows = [r for r in p.nonblank_rows if r < header_rows[0]]

    raw_texts = [[_header_text(v) for v in p.rows[r]] for r in header_rows]
    texts = _carry_merged_headings(raw_texts, p.width)
    rule = _label_rule(p, header_rows, raw_texts)

    header = Header(title_rows=title_rows, header_rows=header_rows, data_start=data_start, positions=[],
                    labels=[], header_texts={}, label_rule=rule, dropped_columns=[],
                    title_texts=[" ".join(t for t in map(_header_text, p.rows[r]) if t) for r in title_rows])
    _label_columns(p, header, texts, first_column)
    return header


def _label_columns(p: _Preview, header: Header, texts: list[list[str]], first_column: int) -> None:
    """Fill ``header``'s positions, unique labels, header texts and dropped columns.

    ``texts`` are the header rows' texts after carrying merged headings. A column with no header text
    and no data in the preview is dropped; one with data but no text is labelled ``"Column F"``; runs of
    white space in a label become one space.
    """
    data_rows = range(header.data_start, len(p.rows))
    labels, texts_by_position = [], {}
    for c in range(p.width):
        column_texts = [row_texts[c] for row_texts in texts]
        if not any(column_texts) and not any(p.filled[r][c] for r in data_rows):
            header.dropped_columns.append(c)
            continue
        non_json = [text for text, r in zip(column_texts, header.header_rows) if text and not p.json_row[r]]
        label = _WHITESPACE.sub(" ", _column_label(column_texts, non_json, header.label_rule)).strip()
        header.positions.append(c)
        labels.append(label or f"Column {column_letter(first_column + c)}")
        texts_by_position[c] = [text for text in column_texts if text]
    header.labels = unique_labels(labels)
    header.header_texts = {label: texts_by_position[c] for label, c in zip(header.labels, header.positions)}


def header_notes(header: Header, row_offset: int, first_column: int) -> list[str]:
    """Plain-words notes on the header decision; ``row_offset`` turns preview rows into sheet rows."""
    notes = []
    if header.title_rows:
        rows = [r + row_offset + 1 for r in header.title_rows]
        span = f"row {rows[0]}" if len(rows) == 1 else f"rows {rows[0]}-{rows[-1]}"
        notes.append(f"{len(rows)} title row{'s' if len(rows) > 1 else ''} above the header skipped ({span}).")
    first, last = header.header_rows[0] + row_offset + 1, header.header_rows[-1] + row_offset + 1
    data_row = header.data_start + row_offset + 1
    if first == last:
        notes.append(f"Header in row {first}; data from row {data_row}.")
    else:
        how = ("labels are the first header row's identifiers" if header.label_rule == LABEL_IDENTIFIER_ROW
               else "labels join the header rows' texts with ' - '")
        notes.append(f"Header in rows {first}-{last} ({how}); data from row {data_row}.")
    if header.dropped_columns:
        notes.append(_dropped_columns_note(header.dropped_columns, first_column))
    return notes


def _dropped_columns_note(dropped: list[int], first_column: int) -> str:
    """'Columns F, G ignored ...' naming at most 10 columns."""
    letters = ", ".join(column_letter(first_column + c) for c in dropped[:10])
    more = "" if len(dropped) <= 10 else f" and {len(dropped) - 10} more"
    return (f"Column{'s' if len(dropped) > 1 else ''} {letters}{more} ignored: no heading "
            f"and no values in the first {PREVIEW_ROWS} rows.")

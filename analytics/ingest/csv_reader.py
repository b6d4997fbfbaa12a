"""Reading a CSV file: encoding and delimiter sniffed from the first MiB, the header found on the first
records (:mod:`analytics.ingest.header`), then the data parsed by pandas' C engine.

The rules ("CSV encoding and delimiter", "CSV rows longer than the header", "Cells") are in the module
docstring of :mod:`analytics.ingest.io`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from collections import Counter

import pandas as pd

from analytics.errors import InputError
from analytics.ingest.frames import HEADER_ONLY_ROWS, finish_table, no_responses, select_positions
from analytics.ingest.header import PREVIEW_ROWS, Header, detect_header, header_notes, is_blank
from analytics.ingest.raw import RawTable
from analytics.ingest.source import Source, looks_like_text

#: Bytes read from the start of a CSV file to sniff encoding, delimiter and header.
CSV_SNIFF_BYTES = 1024 * 1024
CSV_DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_SNIFF_RECORDS = 100


# ------------------------------------------------------------------------------------------------
# Sniffing: encoding, delimiter, preview records
# ------------------------------------------------------------------------------------------------
def _sniff_csv(src: Source) -> tuple[str, str, list[list], bool, str]:
    """Encoding, delimiter, preview records, whether the preview reached the end, encoding's name."""
    head = src.read_head(CSV_SNIFF_BYTES)
    at_end = len(head) >= src.size
    if not looks_like_text(head[:65536]):
        raise InputError("This file is not a spreadsheet: it is neither an Excel workbook nor readable text "
                         "(CSV). Upload the survey export as an Excel workbook (.xlsx) or a CSV file.",
                         file=src.name)
    encoding, shown, text = _decode_head(head, at_end)
    if not text.strip():
        raise InputError("The file has no text in it. Export the responses again and upload the new file.",
                         file=src.name)
    if not text.translate({ord(ch): None for ch in ",;\t|\"' \r\n"}):
        raise InputError("The file has no values in it. Export the responses again and upload the new file.",
                         file=src.name)
    try:
        delimiter, records, preview_at_end = _sniff_text(text, at_end)
    except csv.Error as error:
        raise InputError("The file could not be read as CSV (a value is too long or the file holds control "
                         "characters). Open it in Excel, save it as 'CSV UTF-8', and upload that.",
                         file=src.name) from error
    return encoding, delimiter, records, preview_at_end, shown


def _guess_encoding(head: bytes, at_end: bool) -> tuple[str, str]:
    """Codec and its name for the user: a byte-order mark decides; else UTF-8 if ``head`` decodes as
    UTF-8 (a character cut at the end of a partial head is allowed), else Windows-1252."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 (with byte-order mark)"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=at_end)
        return "utf-8", "UTF-8"
    except UnicodeDecodeError:
        return "cp1252", "Windows-1252"


def _decode_head(head: bytes, at_end: bool) -> tuple[str, str, str]:
    """Codec, its name, and the text of ``head`` (without its last, possibly cut, line unless ``at_end``).
    Bytes undefined in the guessed codec fall back to Latin-1, which decodes anything."""
    encoding, shown = _guess_encoding(head, at_end)
    try:
        text = codecs.getincrementaldecoder(encoding)(errors="strict").decode(head, final=at_end)
    except UnicodeDecodeError:
        encoding, shown = "latin-1", "Latin-1"
        text = head.decode("latin-1")
    if not at_end:  # drop the last, possibly cut, line
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[:cut + 1] if cut >= 0 else text
    return encoding, shown, text


def _delimiter_score(text: str, delimiter: str) -> tuple[int, int]:
    """(records, fields) of the most common field count (> 1) among the first 100 non-blank records when
    split by ``delimiter``, ties to more fields; ``(0, 0)`` when that count is 1 or nothing is filled."""
    counts = Counter()
    try:
        for i, record in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter)):
            if i >= _SNIFF_RECORDS:
                break
            if any(cell.strip() for cell in record):
                counts[len(record)] += 1
    except csv.Error:
        # Split by the wrong delimiter a record can look broken (a whole header line as one over-long
        # field): this delimiter does not fit, which must not stop the others being tried.
        return (0, 0)
    if not counts:
        return (0, 0)
    n_fields, n_rows = max(counts.items(), key=lambda item: (item[1], item[0]))
    return (n_rows, n_fields) if n_fields > 1 else (0, 0)


def _best_delimiter(text: str) -> str:
    """The delimiter of :data:`CSV_DELIMITERS` with the highest :func:`_delimiter_score` (first wins ties;
    comma when none splits anything)."""
    best, best_key = ",", (0, 0)
    for delimiter in CSV_DELIMITERS:
        key = _delimiter_score(text, delimiter)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def _sniff_text(text: str, at_end: bool) -> tuple[str, list[list], bool]:
    """Delimiter, preview records and whether the preview holds the whole file, from decoded text.

    Preview cells of white space only are ``None``. When the text is not the whole file, the last record
    is dropped (it may have been cut within a quoted field).
    """
    best = _best_delimiter(text)
    records = []
    for record in csv.reader(io.StringIO(text), delimiter=best):
        records.append([cell if cell.strip() else None for cell in record])
        if len(records) >= PREVIEW_ROWS:
            break
    if not at_end and len(records) < PREVIEW_ROWS and records:
        records = records[:-1] or records  # the last record may have been cut within a quoted field
    preview_at_end = at_end and len(records) < PREVIEW_ROWS
    return best, records, preview_at_end


# ------------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------------
def read_csv(src: Source, *, columns: list[str] | None, header_only: bool) -> RawTable:
    """Read a CSV source into a :class:`RawTable` (see :func:`analytics.ingest.io.read_table`)."""
    encoding, delimiter, records, preview_at_end, encoding_name = _sniff_csv(src)
    header = detect_header(records)
    if header is None:
        raise InputError("The file has no values in it. Export the responses again and upload the new file.",
                         file=src.name)
    header_row = header.header_rows[-1] + 1
    data_records = records[header.data_start:]
    _refuse_rows_wider_than_header(records, header, src.name)
    if preview_at_end and not any(any(not is_blank(v) for v in row) for row in data_records):
        raise no_responses(src.name, None, header_row)
    positions, labels = select_positions(header, columns, src.name, None)

    decimal = _decimal_mark(delimiter, data_records)
    notes = list(src.notes)
    notes.append(f"Read as {encoding_name} text, {DELIMITER_NAMES[delimiter]}-delimited"
                 + (", with decimal commas." if decimal == "," else "."))
    notes += header_notes(header, 0, 0)

    options = _read_options(records, header, delimiter, decimal, columns, positions, header_only)
    frame, encoding_used = _read_csv_frame(src, encoding, options)
    if encoding_used != encoding:
        notes[len(src.notes)] = (f"Read as Windows-1252 text (not UTF-8: a character after the first "
                                 f"{CSV_SNIFF_BYTES // 1024} KB is not UTF-8), {DELIMITER_NAMES[delimiter]}-delimited.")
    frame = frame[positions]
    frame.columns = labels
    return finish_table(frame, header.data_start + 1, file_name=src.name, sheet=None, header=header,
                        labels=labels, header_row=header_row, notes=notes, columns=columns,
                        header_only=header_only)


def _refuse_rows_wider_than_header(records: list[list], header: Header, name: str) -> None:
    """A preview data record with a value beyond the header's last column (usually a value holding an
    unquoted delimiter) is refused, naming its row."""
    header_width = max(len(records[r]) for r in header.header_rows)
    for number, record in enumerate(records[header.data_start:], start=header.data_start + 1):
        if len(record) > header_width and any(v is not None for v in record[header_width:]):
            n_values = max(i for i, v in enumerate(record) if v is not None) + 1
            raise InputError(f"This row has {n_values} values but the header has {header_width} columns; a value "
                             "probably contains an unquoted delimiter. Put quotes around that value (or export "
                             "the file again) and upload it.", file=name, row=number)


def _decimal_mark(delimiter: str, data_records: list[list]) -> str:
    """``","`` for a semicolon file whose preview data hold a decimal-comma number (``0,8``), else ``"."``."""
    if delimiter == ";" and any(_DECIMAL_COMMA.match(v) for row in data_records for v in row if isinstance(v, str)):
        return ","
    return "."


def _read_options(records: list[list], header: Header, delimiter: str, decimal: str, columns: list[str] | None,
                  positions: list[int], header_only: bool) -> dict:
    """Options for ``pandas.read_csv``: every cell text unless empty, columns named by position.

    Reading every column of the preview's width makes pandas refuse rows with extra values (a value
    holding an unquoted delimiter); with a column subset, extra values past the header are ignored.
    """
    width = max(len(r) for r in records)
    options = dict(sep=delimiter, header=None, skiprows=header.data_start, skip_blank_lines=False,
                   keep_default_na=False, na_values=[""], index_col=False, engine="c", decimal=decimal,
                   nrows=HEADER_ONLY_ROWS if header_only else None)
    options["names"] = list(range(width))
    if columns is not None:
        options["usecols"] = sorted(set(positions))
    return options


def _read_csv_frame(src: Source, encoding: str, options: dict) -> tuple[pd.DataFrame, str]:
    """The data as parsed by pandas, and the codec used: ``encoding``, or Windows-1252 when a byte after
    the sniffed head is not UTF-8."""
    opener = _content_opener(src)
    for attempt in (encoding, "cp1252"):
        try:
            with opener() as handle, warnings.catch_warnings():
                # Chunks of blank lines make pandas warn of mixed types; the column is text either way.
                warnings.simplefilter("ignore", pd.errors.DtypeWarning)
                return pd.read_csv(handle, encoding=attempt, **options), attempt
        except UnicodeDecodeError:
            if attempt == "cp1252" or encoding not in ("utf-8", "utf-8-sig"):
                raise InputError("The file's text encoding could not be recognised. Open it in Excel and save "
                                 "it as 'CSV UTF-8', then upload that.", file=src.name) from None
        except pd.errors.ParserError as error:
            if "usecols" in options and "Too many columns specified" in str(error):
                # pandas' C parser refuses a column subset when no row reaches the last requested
                # column (all those cells are empty): read every column instead.
                fewer = {key: value for key, value in options.items() if key != "usecols"}
                return _read_csv_frame(src, attempt, fewer)
            raise _parser_error(error, src.name) from None
        except pd.errors.EmptyDataError:
            return pd.DataFrame(columns=options.get("names") or options["usecols"]), attempt
    raise AssertionError("unreachable")


#: Bytes of blank lines, white space or NUL padding at a file's end above which they are cut before parsing.
TRAILING_PADDING_CUT = 64 * 1024
_PADDING = b" \t\r\n\x00\x0b\x0c"


def _content_end(src: Source) -> int:
    """Where the file's content ends: its size less the blank lines, white space and NUL bytes at its end
    (read backwards, 1 MiB at a time)."""
    end = src.size
    with src.opener() as handle:
        while end > 0:
            start = max(0, end - (1 << 20))
            handle.seek(start)
            block = handle.read(end - start)
            kept = len(block.rstrip(_PADDING))
            if kept:
                return start + kept
            end = start
    return 0


def _content_opener(src: Source):
    """A function opening the file for pandas: the file itself, or, when more than
    :data:`TRAILING_PADDING_CUT` bytes of padding end it (two million blank lines, NUL padding), its content
    without them, so that they are never parsed into empty rows (they would take seconds and gigabytes)."""
    end = _content_end(src)
    if src.size - end <= TRAILING_PADDING_CUT:
        return src.opener
    with src.opener() as handle:
        content = handle.read(end) + b"\n"
    return lambda: io.BytesIO(content)


def _parser_error(error: Exception, name: str) -> InputError:
    """What to tell the user about a pandas parser error: the line with too many values, when known."""
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
    if found:
        expected, line, saw = found.groups()
        return InputError(f"Line {line} of the file has {saw} values but the header has {expected} columns; "
                          "a value probably contains an unquoted delimiter. Put quotes around that value (or "
                          "export the file again) and upload it.", file=name)
    return InputError("The file could not be read as CSV. Open it in Excel, save it as 'CSV UTF-8', and "
                      "upload that.", file=name)

"""Reading survey exports and HR spreadsheets: CSV, XLSX and XLSM, as the user's tool saved them.

:func:`read_table` turns a file (a path, or the bytes of an upload) into a
:class:`~analytics.ingest.raw.RawTable`: one row per data row, unique column labels, the text of every header
row kept per column, and the spreadsheet row number of each data row as the frame's index.
:func:`list_sheets` names a workbook's sheets.

What the reader decides, and how
--------------------------------
File type
    By content, not by name: a workbook is a zip archive holding ``xl/workbook.xml`` (or ``.bin``);
    an OLE2 container (``D0 CF 11 E0 A1 B1 1A E1``) is a password-protected workbook when it holds an
    ``EncryptionInfo`` stream and an old ``.xls`` workbook otherwise; both are refused with what to do.
    Anything else must be text, read as CSV.
Zip-bomb guard
    Before a workbook is parsed, its zip directory is checked: the sum of the members' uncompressed
    sizes must not exceed ``settings.MAX_UNCOMPRESSED_BYTES`` and the compression ratio
    (uncompressed / compressed) of the archive, and of any member larger than 1 MiB, must not exceed
    ``settings.MAX_COMPRESSION_RATIO``. Only the directory is read, so the check takes milliseconds.
    The sizes are those the directory declares: an archive crafted to under-declare them is not
    caught here.
CSV encoding and delimiter
    A byte-order mark decides (UTF-8, UTF-16); otherwise UTF-8 if the first MiB decodes as UTF-8, else
    Windows-1252 (what Excel on Windows writes). If a later byte is not UTF-8 the file is read again as
    Windows-1252. The delimiter is the one of ``,`` ``;`` tab ``|`` that splits the most of the first
    100 records (parsed with quotes respected) into the same number (> 1) of fields; ties go to the
    larger number of fields. Semicolon files whose numbers use a decimal comma (``0,8``) are read with
    ``decimal=","``.
Sheet
    ``sheet=`` names it (case-insensitive). Otherwise every visible worksheet is examined and the one
    whose header is followed by the most data rows x columns is read; the others (covers, notes,
    "Read me") are listed in the notes. Hidden sheets are only considered when no visible sheet has data.
Header rows
    Decided on the first :data:`PREVIEW_ROWS` rows, without any codebook knowledge:

    * a cell is *data-like* when it is a number, date or boolean (or text that looks like one), or when
      the same value (case- and space-insensitively) occurs in another row of the preview, in any
      column (answers repeat a small set of options; a header's texts occur in their own row only);
      a row is data-like when at least half of its filled cells are;
    * a row holding JSON (Qualtrics' ``{"ImportId":"QID12_4"}``) is a header row;
    * the data start at the first data-like row that is filled at least half as much as a typical row
      and is followed by a data-like row (then extended upwards over sparse data-like rows); the header
      is the block of consecutive non-blank rows directly above it (at most :data:`MAX_HEADER_ROWS`).
      The first non-blank row of the sheet is always a header row. A block taller than
      :data:`MAX_HEADER_ROWS` is not believed, and the rule below is used instead;
    * rows above that block (separated by a blank row), and leading rows of the block whose only
      filled cells are in the first two columns, are title rows and are skipped;
    * a row of the block below its first row that does not look like a header (a quarter or more of
      its filled cells are numbers, dates, or values found again in the data below, and it holds no
      JSON) starts the data instead (e.g. a first respondent who mostly wrote comments);
    * when no data-like row is found (tiny or free-text files), the header is the first row filled at
      least half as much as the fullest row, and the data are the rows below it.
Column labels (the exact rules recognition can rely on)
    Header texts are read per column, top to bottom; in every header row but the last, a blank cell
    whose column has text in a lower header row takes the nearest text to its left in the same row
    (merged matrix headers, e.g. SurveyMonkey). Then:

    * one header row: its text;
    * **Qualtrics-style** (some header row holds JSON, or the first of several header rows is a row of
      identifiers: it has text in at least 90% of the columns that have any header text, and at least
      60% of those texts are a letter or ``_`` followed by up to 39 letters, digits, ``_ . - #``, such as
      ``Q9f``, ``Q9_4``, ``StartDate``): the text of the first header row; where that is blank, the first
      non-JSON text below it;
    * otherwise (**SurveyMonkey-style** and other stacked headers): the distinct texts of the header rows
      joined top to bottom with ``" - "``, leaving out generic sub-headings ("Response", "Responses",
      "Open-Ended Response", "Answer"): a matrix statement becomes ``"<question> - <statement>"``, a
      single question ``"<question>"``, an "Other (please specify)" column
      ``"<question> - Other (please specify)"``;
    * runs of white space (including line breaks) in a label become one space; a column with no header
      text is labelled ``"Column <letter>"`` (e.g. ``"Column F"``) when it holds data in the preview and is
      dropped otherwise (said in the notes);
    * repeated labels get `` (2)``, `` (3)`` suffixes in column order.

    ``header_texts[label]`` holds every header row's text for the column (after the carry-forward,
    blanks dropped, stripped of outer spaces).
CSV rows longer than the header
    A data row with values beyond the header's last column (usually a value holding an unquoted
    delimiter) is refused, naming its row (in the preview) or its line (later in the file). When
    only some ``columns`` are read, values beyond the header further down are not checked.
Cells
    Kept as read. CSV: pandas' C parser infers numbers per column; only empty cells are missing (text
    such as "N/A" or "None" stays text). XLSX (calamine): text stays text, numbers are numbers (whole
    numbers as integers where a column has no blanks), a column of dates becomes datetime64, mixed
    columns keep each cell's own type. Rows with no value at all (in the columns read) are dropped;
    the index keeps every remaining row's spreadsheet row number.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import re
import statistics
import struct
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics import settings
from analytics.errors import InputError
from analytics.ingest.raw import RawTable

#: Rows examined (from the top of the sheet or file) to find the header and choose the sheet.
PREVIEW_ROWS = 300
#: Data rows returned by ``read_table(..., header_only=True)``.
HEADER_ONLY_ROWS = 200
#: At most this many stacked header rows (Qualtrics uses 3, SurveyMonkey 2).
MAX_HEADER_ROWS = 5
#: Bytes read from the start of a CSV file to sniff encoding, delimiter and header.
CSV_SNIFF_BYTES = 1024 * 1024
#: Members smaller than this are not checked individually against the compression-ratio limit.
ZIP_MEMBER_RATIO_MIN_BYTES = 1024 * 1024

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".xltx", ".xltm")
CSV_DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
#: Sub-headings that say nothing about a column (left out of SurveyMonkey-style labels).
GENERIC_SUBHEADINGS = frozenset({"response", "responses", "open-ended response", "open ended response", "answer"})

_NUMBER_TEXT = re.compile(r"^[-+]?(\d[\d ]*([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?%?$")
_DATE_TEXT = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$"
                        r"|^\d{1,2}:\d{2}(:\d{2})?$")
_IDENTIFIER_TEXT = re.compile(r"^[A-Za-z_][\w.\-#]{0,39}$")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_WHITESPACE = re.compile(r"\s+")


# ------------------------------------------------------------------------------------------------
# Public API
# ------------------------------------------------------------------------------------------------
def read_table(
    source: str | Path | bytes,
    file_name: str | None = None,
    *,
    sheet: str | None = None,
    columns: list[str] | None = None,
    header_only: bool = False,
) -> RawTable:
    """Read one table of responses (or HR records) from a CSV or Excel file.

    Parameters
    ----------
    source
        A path, or the bytes of an uploaded file (a file-like object with ``getvalue()``/``read()``,
        such as Streamlit's ``UploadedFile``, is accepted too).
    file_name
        The name the user knows the file by; required with bytes. Used in messages and, with the
        content, to tell a workbook from CSV. Defaults to the path's name.
    sheet
        Worksheet to read (case-insensitive). ``None`` chooses the sheet holding the responses (see
        the module docstring); ignored for CSV.
    columns
        Read only these column labels (labels as the same call without ``columns`` gives them), in
        the order given. For a large CSV only these columns are parsed into memory.
    header_only
        Return the header with only the first :data:`HEADER_ONLY_ROWS` data rows: fast, for
        recognising columns.

    Returns
    -------
    RawTable
        ``frame`` indexed by spreadsheet row number (first line of the file = row 1), unique labels,
        ``header_texts``, ``header_row`` (row number of the last header row), and ``notes`` saying
        which sheet, encoding, delimiter and header rows were used.

    Raises
    ------
    InputError
        The file is empty, not a spreadsheet, password-protected, an old ``.xls`` workbook, unsafe to
        unpack, has a header but no responses, the sheet or a requested column does not exist, or a
        CSV row has more values than the header has columns. The message names the file (and sheet)
        and says what to do.
    """
    src = _open_source(source, file_name)
    if src.kind == "workbook":
        return _read_workbook(src, sheet=sheet, columns=columns, header_only=header_only)
    return _read_csv(src, columns=columns, header_only=header_only)


def list_sheets(source: str | Path | bytes, file_name: str | None = None) -> list[str]:
    """Names of a workbook's sheets, in workbook order (hidden sheets included); ``[]`` for CSV.

    Raises :class:`InputError` for the same unreadable files as :func:`read_table`.
    """
    src = _open_source(source, file_name)
    if src.kind != "workbook":
        return []
    workbook = _load_workbook(src)
    try:
        return list(workbook.sheet_names)
    finally:
        workbook.close()


# ------------------------------------------------------------------------------------------------
# Source: what the file is
# ------------------------------------------------------------------------------------------------
@dataclass
class _Source:
    name: str
    path: Path | None
    data: bytes | None
    head: bytes
    size: int
    kind: str = "csv"  # "csv" or "workbook"
    notes: list[str] = field(default_factory=list)

    def opener(self):
        """A fresh binary file object for the content."""
        return open(self.path, "rb") if self.path is not None else io.BytesIO(self.data)

    def read_all(self) -> bytes:
        if self.data is not None:
            return self.data
        return self.path.read_bytes()

    def read_head(self, n_bytes: int) -> bytes:
        if self.data is not None:
            return self.data[:n_bytes]
        with open(self.path, "rb") as handle:
            return handle.read(n_bytes)


def _open_source(source, file_name: str | None) -> _Source:
    """Resolve the source, refuse what cannot be a table, and decide CSV or workbook."""
    path: Path | None = None
    data: bytes | None = None
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not file_name:
            raise InputError("A file name is needed to read uploaded bytes (give file_name=...).")
        name = Path(str(file_name)).name
    elif isinstance(source, (str, Path)):
        path = Path(source)
        name = Path(str(file_name)).name if file_name else path.name
        if not path.exists():
            raise InputError("The file does not exist. Check the name and the folder.", file=str(source))
        if not path.is_file():
            raise InputError("This is a folder, not a file. Give the path of the CSV or Excel file.", file=str(source))
    elif hasattr(source, "getvalue") or hasattr(source, "read"):
        data = source.getvalue() if hasattr(source, "getvalue") else source.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        name = Path(str(file_name or getattr(source, "name", "") or "upload")).name
    else:
        raise InputError(f"Cannot read a {type(source).__name__}: give a file path or the file's bytes.")

    size = len(data) if data is not None else path.stat().st_size
    head = data[:8] if data is not None else _read_first_bytes(path, 8)
    src = _Source(name=name, path=path, data=data, head=head, size=size)
    suffix = Path(name).suffix.lower()

    if size == 0:
        raise InputError("The file is empty (0 bytes). Export the responses again and upload the new file.",
                         file=name)
    if head.startswith(OLE2_MAGIC):
        _refuse_ole2(src)
    if head.startswith(ZIP_MAGICS):
        _check_workbook_zip(src)
        src.kind = "workbook"
        if suffix not in WORKBOOK_EXTENSIONS:
            src.notes.append(f"'{name}' is an Excel workbook despite its name; read as a workbook.")
        return src
    if head.startswith(b"%PDF"):
        raise InputError("This is a PDF document, not a spreadsheet. Upload the survey export as an Excel "
                         "workbook (.xlsx) or a CSV file.", file=name)
    if suffix in WORKBOOK_EXTENSIONS:
        looks_text = _looks_like_text(src.read_head(4096))
        what = "a text file" if looks_text else "neither a workbook nor a text file"
        advice = ("If it holds comma- or tab-separated values, rename it to .csv; otherwise open it in Excel "
                  "and save it as an Excel Workbook (.xlsx) or CSV." if looks_text else
                  "Open the original in Excel and save it as an Excel Workbook (.xlsx) or CSV.")
        raise InputError(f"This file is named {suffix} but is not an Excel workbook: it is {what}. {advice}",
                         file=name)
    return src


def _read_first_bytes(path: Path, n_bytes: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(n_bytes)


def _looks_like_text(sample: bytes) -> bool:
    """True when ``sample`` has no NUL bytes (unless UTF-16 with a BOM) and almost no control bytes."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if b"\x00" in sample:
        return False
    control = sum(sample.count(bytes([b])) for b in range(32) if b not in (9, 10, 12, 13))
    control += sample.count(b"\x7f")
    return control <= max(1, len(sample) // 200)


# --- OLE2 (password-protected workbooks, legacy .xls) ---------------------------------------------
def _refuse_ole2(src: _Source) -> None:
    """An OLE2 container is never read: say whether it is encrypted, an old .xls, or something else."""
    names = _ole2_stream_names(src.read_all())
    lowered = {n.lower() for n in names}
    if "encryptioninfo" in lowered or "encryptedpackage" in lowered:
        raise InputError("This workbook is password-protected, so it cannot be read. Open it in Excel, remove "
                         "the password (File > Info > Protect Workbook > Encrypt with Password, clear the "
                         "box), save it, and upload it again.", file=src.name)
    if "workbook" in lowered or "book" in lowered or Path(src.name).suffix.lower() == ".xls":
        raise InputError("This is an old-style Excel 97-2003 workbook (.xls), which is not supported. Open it "
                         "in Excel and save it as an Excel Workbook (.xlsx) or as CSV, then upload that.",
                         file=src.name)
    raise InputError("This is an older Microsoft Office file (such as a Word document), not a spreadsheet. "
                     "Upload the survey export as an Excel workbook (.xlsx) or a CSV file.", file=src.name)


def _ole2_stream_names(data: bytes) -> list[str]:
    """Names of the entries in an OLE2 compound file's directory ([MS-CFB] 2.2 and 2.6).

    Follows the header's DIFAT (and its extension sectors) to the FAT, then the FAT chain of the
    directory. If the structure is damaged, falls back to searching the bytes for the UTF-16 names of
    interest, so that a damaged encrypted file is still recognised.
    """
    try:
        return _parse_ole2_directory(data)
    except (struct.error, ValueError, IndexError):
        found = []
        for name in ("EncryptionInfo", "EncryptedPackage", "Workbook", "Book"):
            if name.encode("utf-16-le") in data:
                found.append(name)
        return found


def _parse_ole2_directory(data: bytes) -> list[str]:
    end_of_chain, free_sector = 0xFFFFFFFE, 0xFFFFFFFF
    sector_shift = struct.unpack_from("<H", data, 30)[0]
    if sector_shift not in (9, 12):
        raise ValueError("bad sector size")
    sector_size = 1 << sector_shift
    n_sectors = max(0, (len(data) - sector_size) // sector_size + 1)
    first_dir, = struct.unpack_from("<I", data, 48)
    first_difat, n_difat = struct.unpack_from("<II", data, 68)

    def sector(number: int) -> bytes:
        offset = (number + 1) * sector_size
        if number >= n_sectors or offset + sector_size > len(data) + sector_size:
            raise ValueError("sector out of range")
        return data[offset:offset + sector_size]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s not in (free_sector, end_of_chain)]
    next_difat, seen = first_difat, 0
    while next_difat not in (free_sector, end_of_chain) and seen <= n_difat and seen < n_sectors:
        entries = struct.unpack(f"<{sector_size // 4}I", sector(next_difat).ljust(sector_size, b"\0"))
        fat_sectors.extend(s for s in entries[:-1] if s not in (free_sector, end_of_chain))
        next_difat, seen = entries[-1], seen + 1
    fat: list[int] = []
    for number in fat_sectors:
        fat.extend(struct.unpack(f"<{sector_size // 4}I", sector(number).ljust(sector_size, b"\0")))

    names: list[str] = []
    current, steps = first_dir, 0
    while current not in (free_sector, end_of_chain):
        block = sector(current).ljust(sector_size, b"\0")
        for start in range(0, sector_size, 128):
            entry = block[start:start + 128]
            name_length, entry_type = struct.unpack_from("<HB", entry, 64)
            if entry_type in (1, 2, 5) and 2 <= name_length <= 64:
                names.append(entry[:name_length - 2].decode("utf-16-le", errors="replace"))
        steps += 1
        if steps > n_sectors or current >= len(fat):
            break
        current = fat[current]
    return names


# --- Zip (XLSX/XLSM) -------------------------------------------------------------------------------
def _check_workbook_zip(src: _Source) -> None:
    """Refuse a zip that is not a workbook or that would unpack to too much (zip-bomb guard).

    First the sizes declared in the zip's central directory are checked against the limits; then every
    member is unpacked as a stream (1 MiB at a time, nothing kept) to confirm that its content really is
    the declared size: Python's reader stops at the declared size and checks the CRC, so a file that
    under-declares its sizes to slip past the first check is refused before the spreadsheet parser
    (which might trust the stream rather than the directory) sees it. About 0.15 s for a workbook of
    120 MB unpacked.
    """
    try:
        with src.opener() as handle, zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
        raise InputError("This file looks like an Excel workbook but is damaged (it cannot be opened as one). "
                         "Open it in Excel and save it again, or export the responses again.",
                         file=src.name) from error
    member_names = {info.filename for info in infos}
    if not ({"xl/workbook.xml", "xl/workbook.bin"} & member_names):
        raise InputError("This is a zip archive but not an Excel workbook. Upload the survey export itself, "
                         "saved as an Excel workbook (.xlsx) or a CSV file.", file=src.name)
    if any(info.flag_bits & 0x1 for info in infos):
        raise InputError("This workbook's contents are encrypted, so it cannot be read. Open it in Excel, "
                         "remove the password, save it, and upload it again.", file=src.name)
    total_uncompressed = sum(info.file_size for info in infos)
    total_compressed = sum(info.compress_size for info in infos)
    limit = settings.MAX_UNCOMPRESSED_BYTES
    if total_uncompressed > limit:
        raise InputError(f"This workbook is too large to open safely: its contents would take "
                         f"{_human_bytes(total_uncompressed)} once unpacked (the limit is {_human_bytes(limit)}). "
                         "Remove sheets you do not need, or save the responses sheet as CSV and upload that.",
                         file=src.name)
    max_ratio = settings.MAX_COMPRESSION_RATIO
    ratios = [total_uncompressed / max(total_compressed, 1)]
    ratios += [info.file_size / max(info.compress_size, 1) for info in infos
               if info.file_size >= ZIP_MEMBER_RATIO_MIN_BYTES]
    if max(ratios) > max_ratio:
        raise InputError(f"This workbook is compressed unusually tightly ({max(ratios):,.0f} to 1; the limit is "
                         f"{max_ratio} to 1), which is how files built to exhaust memory look, so it was not "
                         "opened. Open it in Excel and save it again, or save the responses as CSV.",
                         file=src.name)
    _check_declared_sizes_hold(src)


def _check_declared_sizes_hold(src: _Source) -> None:
    """Unpack every member as a stream and refuse the file if a member's content does not match its
    declared size and checksum (see :func:`_check_workbook_zip`)."""
    try:
        with src.opener() as handle, zipfile.ZipFile(handle) as archive:
            for info in archive.infolist():
                with archive.open(info) as member:
                    while member.read(1 << 20):
                        pass
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError) as error:
        raise InputError("This workbook's contents do not match the sizes and checksums it declares, so it was "
                         "not opened (a damaged file, or one built to exhaust memory). Open it in Excel and save "
                         "it again, or save the responses as CSV.", file=src.name) from error


def _human_bytes(n_bytes: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n_bytes >= size:
            return f"{n_bytes / size:,.1f} {unit}"
    return f"{n_bytes} bytes"


# ------------------------------------------------------------------------------------------------
# Header detection (shared by CSV and workbooks)
# ------------------------------------------------------------------------------------------------
@dataclass
class _Header:
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


def _is_blank(value) -> bool:
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
    if not isinstance(value, str):
        return False
    text = value.strip()
    return len(text) > 2 and text[0] == "{" and text[-1] == "}" and ":" in text


def _cell_key(value) -> str:
    return _WHITESPACE.sub(" ", str(value)).strip().casefold()


def _header_text(value) -> str:
    """A header cell as text: stripped; whole numbers without '.0'; dates in ISO form."""
    if _is_blank(value):
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


def _detect_header(rows: list[list], first_column: int = 0) -> _Header | None:
    """Find title rows, header rows and the first data row in ``rows`` (a preview, padded to one width).

    ``first_column`` is the sheet column of ``rows[*][0]`` (for "Column F" labels). Returns ``None``
    when the preview has no filled cell at all.
    """
    width = max((len(row) for row in rows), default=0)
    rows = [list(row) + [None] * (width - len(row)) for row in rows]
    filled = [[not _is_blank(v) for v in row] for row in rows]
    n_filled = [sum(f) for f in filled]
    nonblank_rows = [r for r, n in enumerate(n_filled) if n]
    if not nonblank_rows:
        return None
    typical = statistics.median(n_filled[r] for r in nonblank_rows)

    def dense(r: int) -> bool:
        return n_filled[r] >= max(1.0, 0.5 * typical)

    keys = [[_cell_key(v) if f else "" for v, f in zip(rows[r], filled[r])] for r in range(len(rows))]
    rows_with_key = Counter(key for r in nonblank_rows for key in set(keys[r]) if key)
    json_row = [sum(_is_json_text(v) for v in row) * 2 >= max(1, n) and n > 0 for row, n in zip(rows, n_filled)]

    def data_like(r: int) -> bool:
        if not n_filled[r] or json_row[r]:
            return False
        hits = sum(1 for c in range(width) if filled[r][c]
                   and (_is_typed(rows[r][c]) or rows_with_key[keys[r][c]] >= 2))
        return hits * 2 >= n_filled[r]

    first = nonblank_rows[0]
    data_start = None
    later = nonblank_rows[1:]
    for i, r in enumerate(later):
        if dense(r) and data_like(r) and (i + 1 >= len(later) or data_like(later[i + 1])):
            data_start = r
            break
    if data_start is not None:
        while (data_start - 1 > first and n_filled[data_start - 1] and data_like(data_start - 1)
               and n_filled[data_start - 2]):
            data_start -= 1
        block_end = data_start - 1
        while not n_filled[block_end]:  # blank rows between header and data
            block_end -= 1
        block_start = block_end
        while block_start - 1 >= first and n_filled[block_start - 1]:
            block_start -= 1
        if block_end - block_start + 1 > MAX_HEADER_ROWS:  # too tall to be a header: trust density
            data_start = None
    if data_start is None:
        fullest = max(n_filled)
        block_end = next(r for r in nonblank_rows if n_filled[r] * 2 >= fullest)
        block_start = block_end
        data_start = block_end + 1

    header_rows = list(range(block_start, block_end + 1))
    header_rows = header_rows[-MAX_HEADER_ROWS:]
    last = header_rows[-1]
    while len(header_rows) > 1 and n_filled[last] >= 3 and all(
            not filled[header_rows[0]][c] for c in range(2, width)):
        header_rows = header_rows[1:]
    # Rows below the first header row must look like headers: (almost) no numbers or dates, and no
    # values found again in the data below (a first respondent who mostly wrote comments is data).
    in_data = Counter(key for r in nonblank_rows if r > header_rows[-1] for key in set(keys[r]) if key)

    def header_like(r: int) -> bool:
        if json_row[r]:
            return True
        data_cells = sum(1 for c in range(width) if filled[r][c]
                         and (_is_typed(rows[r][c]) or in_data[keys[r][c]]))
        return data_cells * 4 < n_filled[r]

    for i, r in enumerate(header_rows[1:], start=1):
        if not header_like(r):
            header_rows, data_start = header_rows[:i], r
            break
    title_rows = [r for r in nonblank_rows if r < header_rows[0]]

    # Header texts per row, with blanks under a merged (carried) heading filled from the left.
    texts = [[_header_text(v) for v in rows[r]] for r in header_rows]
    raw_texts = [list(t) for t in texts]
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

    has_json = any(json_row[r] for r in header_rows)
    first_texts = [t for t in raw_texts[0] if t]
    columns_with_text = sum(1 for c in range(width) if any(t[c] for t in raw_texts))
    identifier_row = (len(header_rows) > 1 and len(first_texts) >= 0.9 * columns_with_text
                      and sum(bool(_IDENTIFIER_TEXT.match(t)) for t in first_texts) >= 0.6 * len(first_texts))
    if len(header_rows) == 1:
        label_rule = "single"
    elif has_json or identifier_row:
        label_rule = "identifier row"
    else:
        label_rule = "joined"

    data_filled = [any(filled[r][c] for r in range(data_start, len(rows))) for c in range(width)]
    positions, labels, texts_by_position, dropped = [], [], {}, []
    for c in range(width):
        column_texts = [texts[i][c] for i in range(len(texts)) if texts[i][c]]
        if not column_texts and not data_filled[c]:
            dropped.append(c)
            continue
        non_json = [texts[i][c] for i in range(len(texts)) if texts[i][c] and not json_row[header_rows[i]]]
        if label_rule == "identifier row":
            label = texts[0][c] or (non_json[0] if non_json else "")
        else:
            parts: list[str] = []
            for i, text in enumerate(non_json):
                if i > 0 and _cell_key(text) in GENERIC_SUBHEADINGS:
                    continue
                if all(_cell_key(text) != _cell_key(p) for p in parts):
                    parts.append(text)
            if not parts and non_json:
                parts = [non_json[0]]
            label = " - ".join(parts)
        label = _WHITESPACE.sub(" ", label).strip() or f"Column {column_letter(first_column + c)}"
        positions.append(c)
        labels.append(label)
        texts_by_position[c] = column_texts
    unique = _unique_labels(labels)
    header_texts = {label: texts_by_position[c] for label, c in zip(unique, positions)}
    return _Header(title_rows=title_rows, header_rows=header_rows, data_start=data_start, positions=positions,
                   labels=unique, header_texts=header_texts, label_rule=label_rule, dropped_columns=dropped)


def _unique_labels(labels: list[str]) -> list[str]:
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


def _header_notes(header: _Header, row_offset: int, first_column: int) -> list[str]:
    """Plain-words notes on the header decision; ``row_offset`` turns preview rows into sheet rows."""
    notes = []
    if header.title_rows:
        rows = [r + row_offset + 1 for r in header.title_rows]
        span = f"row {rows[0]}" if len(rows) == 1 else f"rows {rows[0]}-{rows[-1]}"
        notes.append(f"{len(rows)} title row{'s' if len(rows) > 1 else ''} above the header skipped ({span}).")
    first, last = header.header_rows[0] + row_offset + 1, header.header_rows[-1] + row_offset + 1
    if first == last:
        notes.append(f"Header in row {first}; data from row {header.data_start + row_offset + 1}.")
    else:
        how = ("labels are the first header row's identifiers" if header.label_rule == "identifier row"
               else "labels join the header rows' texts with ' - '")
        notes.append(f"Header in rows {first}-{last} ({how}); data from row {header.data_start + row_offset + 1}.")
    if header.dropped_columns:
        letters = ", ".join(column_letter(first_column + c) for c in header.dropped_columns[:10])
        more = "" if len(header.dropped_columns) <= 10 else f" and {len(header.dropped_columns) - 10} more"
        notes.append(f"Column{'s' if len(header.dropped_columns) > 1 else ''} {letters}{more} ignored: no heading "
                     f"and no values in the first {PREVIEW_ROWS} rows.")
    return notes


def _select_positions(header: _Header, columns: list[str] | None, src_name: str,
                      sheet: str | None) -> tuple[list[int], list[str]]:
    """Column positions and labels to read: all, or the requested labels in the order given."""
    if columns is None:
        return list(header.positions), list(header.labels)
    by_label = dict(zip(header.labels, header.positions))
    wanted: list[str] = []
    for label in columns:
        if label not in wanted:
            wanted.append(label)
    missing = [label for label in wanted if label not in by_label]
    if missing:
        shown = ", ".join(f"'{label}'" for label in header.labels[:30])
        more = f" and {len(header.labels) - 30} more" if len(header.labels) > 30 else ""
        raise InputError(f"There is no column called {', '.join(repr(m) for m in missing)}. The columns are: "
                         f"{shown}{more}.", file=src_name, sheet=sheet)
    return [by_label[label] for label in wanted], wanted


def _no_responses(name: str, sheet: str | None, header_row: int) -> InputError:
    return InputError(f"The header (row {header_row}) has no responses below it. Check that this is the "
                      "export with the responses in it, or export the responses again.", file=name, sheet=sheet)


def _drop_empty_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop rows with no value in any column, checking column by column only the rows still empty."""
    if frame.shape[1] == 0 or frame.empty:
        return frame
    empty = None
    for position in range(frame.shape[1]):
        missing = frame.iloc[:, position].isna().to_numpy()
        empty = missing if empty is None else (empty & missing)
        if not empty.any():
            return frame
    return frame.loc[~empty]


# ------------------------------------------------------------------------------------------------
# CSV
# ------------------------------------------------------------------------------------------------
def _sniff_csv(src: _Source) -> tuple[str, str, list[list], bool, str]:
    """Encoding, delimiter, preview records, whether the preview reached the end, encoding's name."""
    head = src.read_head(CSV_SNIFF_BYTES)
    at_end = len(head) >= src.size
    if not _looks_like_text(head[:65536]):
        raise InputError("This file is not a spreadsheet: it is neither an Excel workbook nor readable text "
                         "(CSV). Upload the survey export as an Excel workbook (.xlsx) or a CSV file.",
                         file=src.name)
    if head.startswith(codecs.BOM_UTF8):
        encoding, shown = "utf-8-sig", "UTF-8 (with byte-order mark)"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, shown = "utf-16", "UTF-16"
    else:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=at_end)
            encoding, shown = "utf-8", "UTF-8"
        except UnicodeDecodeError:
            encoding, shown = "cp1252", "Windows-1252"
    try:
        text = codecs.getincrementaldecoder(encoding)(errors="strict").decode(head, final=at_end)
    except UnicodeDecodeError:
        encoding, shown = "latin-1", "Latin-1"
        text = head.decode("latin-1")
    if not at_end:  # drop the last, possibly cut, line
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[:cut + 1] if cut >= 0 else text
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


def _sniff_text(text: str, at_end: bool) -> tuple[str, list[list], bool]:
    """Delimiter, preview records and whether the preview holds the whole file, from decoded text."""
    best, best_key = ",", (0, 0)
    for delimiter in CSV_DELIMITERS:
        counts = Counter()
        for i, record in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter)):
            if i >= 100:
                break
            if any(cell.strip() for cell in record):
                counts[len(record)] += 1
        if not counts:
            continue
        n_fields, n_rows = max(counts.items(), key=lambda item: (item[1], item[0]))
        key = (n_rows, n_fields) if n_fields > 1 else (0, 0)
        if key > best_key:
            best, best_key = delimiter, key
    records = []
    for record in csv.reader(io.StringIO(text), delimiter=best):
        records.append([cell if cell.strip() else None for cell in record])
        if len(records) >= PREVIEW_ROWS:
            break
    if not at_end and len(records) < PREVIEW_ROWS and records:
        records = records[:-1] or records  # the last record may have been cut within a quoted field
    preview_at_end = at_end and len(records) < PREVIEW_ROWS
    return best, records, preview_at_end


def _read_csv(src: _Source, *, columns: list[str] | None, header_only: bool) -> RawTable:
    encoding, delimiter, records, preview_at_end, encoding_name = _sniff_csv(src)
    header = _detect_header(records)
    if header is None:
        raise InputError("The file has no values in it. Export the responses again and upload the new file.",
                         file=src.name)
    header_row = header.header_rows[-1] + 1
    header_width = max(len(records[r]) for r in header.header_rows)
    for number, record in enumerate(records[header.data_start:], start=header.data_start + 1):
        if len(record) > header_width and any(v is not None for v in record[header_width:]):
            n_values = max(i for i, v in enumerate(record) if v is not None) + 1
            raise InputError(f"This row has {n_values} values but the header has {header_width} columns; a value "
                             "probably contains an unquoted delimiter. Put quotes around that value (or export "
                             "the file again) and upload it.", file=src.name, row=number)
    if preview_at_end and not any(any(not _is_blank(v) for v in row) for row in records[header.data_start:]):
        raise _no_responses(src.name, None, header_row)
    positions, labels = _select_positions(header, columns, src.name, None)

    decimal = "."
    if delimiter == ";" and any(_DECIMAL_COMMA.match(v) for row in records[header.data_start:]
                                for v in row if isinstance(v, str)):
        decimal = ","
    notes = list(src.notes)
    notes.append(f"Read as {encoding_name} text, {DELIMITER_NAMES[delimiter]}-delimited"
                 + (", with decimal commas." if decimal == "," else "."))
    notes += _header_notes(header, 0, 0)

    width = max(len(r) for r in records)
    # Reading every column of the header's width makes pandas refuse rows with extra values (a value
    # holding an unquoted delimiter); with a column subset, extra values past the header are ignored.
    options = dict(sep=delimiter, header=None, skiprows=header.data_start, skip_blank_lines=False,
                   keep_default_na=False, na_values=[""], index_col=False, engine="c", decimal=decimal,
                   nrows=HEADER_ONLY_ROWS if header_only else None)
    options["names"] = list(range(width))
    if columns is not None:
        options["usecols"] = sorted(set(positions))
    frame, encoding_used = _read_csv_frame(src, encoding, options)
    if encoding_used != encoding:
        notes[len(src.notes)] = (f"Read as Windows-1252 text (not UTF-8: a character after the first "
                                 f"{CSV_SNIFF_BYTES // 1024} KB is not UTF-8), {DELIMITER_NAMES[delimiter]}-delimited.")
    frame = frame[positions]
    frame.columns = labels
    frame.index = pd.RangeIndex(header.data_start + 1, header.data_start + 1 + len(frame))
    frame = _drop_empty_rows(frame)
    if not header_only and frame.empty and columns is None:
        raise _no_responses(src.name, None, header_row)
    if header_only:
        notes.append(f"Header only: the first {HEADER_ONLY_ROWS} data rows at most.")
    return RawTable(frame=frame, file_name=src.name, sheet=None,
                    header_texts={label: header.header_texts[label] for label in labels},
                    header_row=header_row, notes=notes)


def _read_csv_frame(src: _Source, encoding: str, options: dict) -> tuple[pd.DataFrame, str]:
    for attempt in (encoding, "cp1252"):
        try:
            with src.opener() as handle:
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
            found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
            if found:
                expected, line, saw = found.groups()
                raise InputError(f"Line {line} of the file has {saw} values but the header has {expected} columns; "
                                 "a value probably contains an unquoted delimiter. Put quotes around that value (or "
                                 "export the file again) and upload it.", file=src.name) from None
            raise InputError("The file could not be read as CSV. Open it in Excel, save it as 'CSV UTF-8', and "
                             "upload that.", file=src.name) from None
        except pd.errors.EmptyDataError:
            return pd.DataFrame(columns=options.get("names") or options["usecols"]), attempt
    raise AssertionError("unreachable")


# ------------------------------------------------------------------------------------------------
# Workbooks (calamine)
# ------------------------------------------------------------------------------------------------
def _load_workbook(src: _Source):
    import python_calamine

    try:
        if src.path is not None:
            return python_calamine.CalamineWorkbook.from_path(str(src.path))
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(src.data))
    except Exception as error:  # calamine raises several types for damaged files
        raise InputError("This workbook is damaged and cannot be read. Open it in Excel and save it again, or "
                         "export the responses again.", file=src.name) from error


def _sheet_rows(sheet_obj, nrows: int | None, name: str, sheet: str) -> list[list]:
    try:
        return sheet_obj.to_python(skip_empty_area=True, nrows=nrows) if nrows else sheet_obj.to_python()
    except Exception as error:
        raise InputError("This sheet cannot be read (the workbook may be damaged). Open it in Excel and save "
                         "it again.", file=name, sheet=sheet) from error


def _read_workbook(src: _Source, *, sheet: str | None, columns: list[str] | None, header_only: bool) -> RawTable:
    workbook = _load_workbook(src)
    try:
        return _read_open_workbook(workbook, src, sheet=sheet, columns=columns, header_only=header_only)
    finally:
        workbook.close()


def _read_open_workbook(workbook, src: _Source, *, sheet, columns, header_only) -> RawTable:
    names = list(workbook.sheet_names)
    metadata = {m.name: m for m in workbook.sheets_metadata}
    if sheet is not None:
        matches = [n for n in names if n.strip().casefold() == str(sheet).strip().casefold()]
        if not matches:
            raise InputError(f"There is no sheet called '{sheet}'. The sheets are: "
                             f"{', '.join(repr(n) for n in names)}.", file=src.name)
        candidates, chosen_by_user = matches[:1], True
    else:
        def is_worksheet(n: str) -> bool:
            return str(metadata[n].typ).endswith("WorkSheet") if n in metadata else True

        def is_visible(n: str) -> bool:
            return str(metadata[n].visible).endswith(".Visible") if n in metadata else True

        visible = [n for n in names if is_worksheet(n) and is_visible(n)]
        hidden = [n for n in names if is_worksheet(n) and not is_visible(n)]
        candidates, chosen_by_user = visible, False
    best = None  # (score, name, sheet object, header, n_data_rows)
    examined: list[str] = []
    for round_candidates in ([candidates] if chosen_by_user else [candidates, hidden]):
        for name in round_candidates:
            examined.append(name)
            try:
                sheet_obj = workbook.get_sheet_by_name(name)
            except Exception as error:
                raise InputError("This sheet cannot be read (the workbook may be damaged). Open it in Excel and "
                                 "save it again.", file=src.name, sheet=name) from error
            if not sheet_obj.height or sheet_obj.start is None:
                continue
            preview = _sheet_rows(sheet_obj, PREVIEW_ROWS, src.name, name)
            header = _detect_header(preview, first_column=sheet_obj.start[1])
            if header is None:
                continue
            n_data_rows = sheet_obj.height - header.data_start
            score = max(n_data_rows, 0) * max(len(header.positions), 1)
            if best is None or score > best[0]:
                best = (score, name, sheet_obj, header, n_data_rows)
        if best is not None and best[0] > 0:
            break
    if best is None:
        what = "This sheet has no values in it" if chosen_by_user else "No sheet of this workbook has any values in it"
        raise InputError(f"{what}. Check that this is the export with the responses in it.", file=src.name,
                         sheet=candidates[0] if chosen_by_user else None)
    _score, name, sheet_obj, header, n_data_rows = best
    row_offset, first_column = sheet_obj.start
    header_row = header.header_rows[-1] + row_offset + 1
    if n_data_rows <= 0:
        raise _no_responses(src.name, name, header_row)

    notes = list(src.notes)
    others = [n for n in examined if n != name]
    if chosen_by_user:
        notes.append(f"Sheet '{name}' read, as asked.")
    elif others:
        notes.append(f"Sheet '{name}' chosen: it holds the most responses; "
                     f"{', '.join(repr(n) for n in others)} skipped.")
    else:
        notes.append(f"Sheet '{name}' read (the only sheet with data).")
    notes += _header_notes(header, row_offset, first_column)
    positions, labels = _select_positions(header, columns, src.name, name)

    nrows = header.data_start + HEADER_ONLY_ROWS if header_only else None
    rows = _sheet_rows(sheet_obj, nrows, src.name, name)
    data_rows = rows[header.data_start:]
    if data_rows:
        transposed = list(zip(*data_rows))
        width = len(transposed)
        frame = pd.DataFrame({label: _column_from_cells(list(transposed[p]) if p < width else [None] * len(data_rows))
                              for p, label in zip(positions, labels)})
    else:
        frame = pd.DataFrame({label: pd.Series([], dtype=object) for label in labels})
    start = row_offset + header.data_start + 1
    frame.index = pd.RangeIndex(start, start + len(frame))
    frame = _drop_empty_rows(frame)
    if not header_only and frame.empty and columns is None:
        raise _no_responses(src.name, name, header_row)
    if header_only:
        notes.append(f"Header only: the first {HEADER_ONLY_ROWS} data rows at most.")
    return RawTable(frame=frame, file_name=src.name, sheet=name,
                    header_texts={label: header.header_texts[label] for label in labels},
                    header_row=header_row, notes=notes)


def _column_from_cells(values: list):
    """One column of calamine cells as a pandas array, keeping each cell's kind.

    Empty cells (calamine gives ``""``) are missing. All text -> Arrow-backed ``str``; all numbers ->
    float64 (int64 when every cell is a whole number and none is missing); all dates -> datetime64;
    all booleans -> bool; anything mixed -> object, with whole-number floats shown as integers.
    """
    try:  # fast path for the common cases: all text (blanks as ""), or all numbers
        arrow = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        arrow = None
    if arrow is not None and pa.types.is_string(arrow.type):
        arrow = pc.if_else(pc.equal(arrow, ""), pa.scalar(None, pa.string()), arrow)
        return pd.Series(arrow, dtype="str").array
    if arrow is not None and pa.types.is_floating(arrow.type) and arrow.null_count == 0:
        numbers = arrow.to_numpy()
        if np.all(np.mod(numbers, 1) == 0) and np.all(np.abs(numbers) < 2**53):
            return numbers.astype(np.int64)
        return numbers
    if "" in values:
        values = [None if v == "" else v for v in values]
    kinds = {type(v) for v in values}
    kinds.discard(type(None))
    has_missing = None in values
    if not kinds:
        return pd.array(values, dtype=object)
    if kinds <= {str}:
        return pd.array(values, dtype="str")
    if kinds <= {float, int}:
        numbers = np.array([np.nan if v is None else v for v in values] if has_missing else values, dtype=float)
        if not has_missing and np.all(np.mod(numbers, 1) == 0) and np.all(np.abs(numbers) < 2**53):
            return numbers.astype(np.int64)
        return numbers
    if kinds <= {_dt.date, _dt.datetime}:
        return pd.to_datetime(pd.Series(values, dtype=object)).array
    if kinds == {bool} and not has_missing:
        return np.array(values, dtype=bool)
    return pd.array([int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 2**53 else v
                     for v in values], dtype=object)

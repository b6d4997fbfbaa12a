"""Reading survey exports and HR spreadsheets: CSV, XLSX and XLSM, as the user's tool saved them.

:func:`read_table` turns a file (a path, or the bytes of an upload) into a
:class:`~analytics.ingest.raw.RawTable`: one row per data row, unique column labels, the text of every header
row kept per column, and the spreadsheet row number of each data row as the frame's index.
:func:`list_sheets` names a workbook's sheets.

Where the code is: :mod:`~analytics.ingest.source` (what the file is), :mod:`~analytics.ingest.archive`
(OLE2 and zip safety checks), :mod:`~analytics.ingest.header` (header rows and column labels),
:mod:`~analytics.ingest.csv_reader` and :mod:`~analytics.ingest.workbook` (the two readers),
:mod:`~analytics.ingest.frames` (what both readers do once the header is known).

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
Isolation
    The checks above (type, zip-bomb guard, sheet extents) run in the calling process; the reading
    itself runs in a child process with a memory and a time limit (:mod:`analytics.ingest.isolated`) for
    every workbook and for CSV files above ``settings.ISOLATE_READS_ABOVE_BYTES``, so a file that slips
    past the checks ends only that child: the caller gets an :class:`InputError` saying what happened.
"""

from __future__ import annotations

from pathlib import Path

from analytics.ingest.frames import HEADER_ONLY_ROWS
from analytics.ingest.header import MAX_HEADER_ROWS, PREVIEW_ROWS, column_letter
from analytics.ingest.isolated import read_source, sheet_names
from analytics.ingest.raw import RawTable
from analytics.ingest.source import open_source

__all__ = ["HEADER_ONLY_ROWS", "MAX_HEADER_ROWS", "PREVIEW_ROWS", "column_letter", "list_sheets", "read_table"]


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
    src = open_source(source, file_name)
    return read_source(src, sheet=sheet, columns=columns, header_only=header_only)


def list_sheets(source: str | Path | bytes, file_name: str | None = None) -> list[str]:
    """Names of a workbook's sheets, in workbook order (hidden sheets included); ``[]`` for CSV.

    Raises :class:`InputError` for the same unreadable files as :func:`read_table`.
    """
    src = open_source(source, file_name)
    if src.kind != "workbook":
        return []
    return sheet_names(src)

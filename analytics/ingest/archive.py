"""Safety checks on binary containers before anything parses them: OLE2 files (password-protected
workbooks, old ``.xls``) are refused with what to do, and zip archives (XLSX/XLSM) are checked to be
workbooks that unpack to a sane size (zip-bomb guard).

The limits are ``settings.MAX_UNCOMPRESSED_BYTES`` and ``settings.MAX_COMPRESSION_RATIO`` (read when a
file is checked, so that tests and deployments can change them). See the module docstring of
:mod:`analytics.ingest.io` ("File type", "Zip-bomb guard").
"""

from __future__ import annotations

import html
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from analytics import settings
from analytics.errors import InputError

#: Members smaller than this are not checked individually against the compression-ratio limit.
ZIP_MEMBER_RATIO_MIN_BYTES = 1024 * 1024

_END_OF_CHAIN, _FREE_SECTOR = 0xFFFFFFFE, 0xFFFFFFFF
_NO_SECTOR = (_FREE_SECTOR, _END_OF_CHAIN)


# --- OLE2 (password-protected workbooks, legacy .xls) ---------------------------------------------
def refuse_ole2(src) -> None:
    """An OLE2 container is never read: say whether it is encrypted, an old .xls, or something else.

    ``src`` is an :class:`analytics.ingest.source.Source`. Always raises :class:`InputError`.
    """
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


class _Ole2Sectors:
    """The sectors of an OLE2 file: size from the header's sector shift (512 or 4096 bytes); sector ``n``
    starts at ``(n + 1) * size`` (the header takes the first sector's place)."""

    def __init__(self, data: bytes):
        sector_shift = struct.unpack_from("<H", data, 30)[0]
        if sector_shift not in (9, 12):
            raise ValueError("bad sector size")
        self.data = data
        self.size = 1 << sector_shift
        self.count = max(0, (len(data) - self.size) // self.size + 1)

    def __getitem__(self, number: int) -> bytes:
        offset = (number + 1) * self.size
        if number >= self.count or offset + self.size > len(self.data) + self.size:
            raise ValueError("sector out of range")
        return self.data[offset:offset + self.size].ljust(self.size, b"\0")

    def numbers(self, number: int) -> tuple[int, ...]:
        """Sector ``number`` read as little-endian 32-bit sector numbers."""
        return struct.unpack(f"<{self.size // 4}I", self[number])


def _fat(data: bytes, sectors: _Ole2Sectors) -> list[int]:
    """The file allocation table: the header's 109 DIFAT entries, then the DIFAT extension chain."""
    first_difat, n_difat = struct.unpack_from("<II", data, 68)
    fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s not in _NO_SECTOR]
    next_difat, seen = first_difat, 0
    while next_difat not in _NO_SECTOR and seen <= n_difat and seen < sectors.count:
        entries = sectors.numbers(next_difat)
        fat_sectors.extend(s for s in entries[:-1] if s not in _NO_SECTOR)
        next_difat, seen = entries[-1], seen + 1
    fat: list[int] = []
    for number in fat_sectors:
        fat.extend(sectors.numbers(number))
    return fat


def _parse_ole2_directory(data: bytes) -> list[str]:
    """Names of the storage, stream and root entries (types 1, 2, 5) along the directory's FAT chain."""
    sectors = _Ole2Sectors(data)
    first_dir, = struct.unpack_from("<I", data, 48)
    fat = _fat(data, sectors)
    names: list[str] = []
    current, steps = first_dir, 0
    while current not in _NO_SECTOR:
        block = sectors[current]
        for start in range(0, sectors.size, 128):
            entry = block[start:start + 128]
            name_length, entry_type = struct.unpack_from("<HB", entry, 64)
            if entry_type in (1, 2, 5) and 2 <= name_length <= 64:
                names.append(entry[:name_length - 2].decode("utf-16-le", errors="replace"))
        steps += 1
        if steps > sectors.count or current >= len(fat):
            break
        current = fat[current]
    return names


# --- Zip (XLSX/XLSM) -------------------------------------------------------------------------------
def check_workbook_zip(src) -> None:
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
    _check_declared_sizes(src.name, infos)
    extents = _check_declared_sizes_hold(src)
    parts = sheet_parts(src)
    names = [name.strip().casefold() for name, _ in parts]
    twice = sorted({name for name, _ in parts if names.count(name.strip().casefold()) > 1})
    if twice:
        raise InputError(f"This workbook has more than one sheet called '{twice[0]}', which Excel never allows: "
                         "the file was altered after it was saved, and it is not clear which sheet holds the "
                         "responses. Open it in Excel, save it again, or export the responses again.",
                         file=src.name)
    src.sheet_extents = {name: extents[part] for name, part in parts if part in extents}


def _check_declared_sizes(name: str, infos: list[zipfile.ZipInfo]) -> None:
    """Total uncompressed size at most ``settings.MAX_UNCOMPRESSED_BYTES``; compression ratio of the
    archive, and of every member of at least :data:`ZIP_MEMBER_RATIO_MIN_BYTES`, at most
    ``settings.MAX_COMPRESSION_RATIO``."""
    total_uncompressed = sum(info.file_size for info in infos)
    total_compressed = sum(info.compress_size for info in infos)
    limit = settings.MAX_UNCOMPRESSED_BYTES
    if total_uncompressed > limit:
        raise InputError(f"This workbook is too large to open safely: its contents would take "
                         f"{_human_bytes(total_uncompressed)} once unpacked (the limit is {_human_bytes(limit)}). "
                         "Remove sheets you do not need, or save the responses sheet as CSV and upload that.",
                         file=name)
    max_ratio = settings.MAX_COMPRESSION_RATIO
    ratios = [total_uncompressed / max(total_compressed, 1)]
    ratios += [info.file_size / max(info.compress_size, 1) for info in infos
               if info.file_size >= ZIP_MEMBER_RATIO_MIN_BYTES]
    if max(ratios) > max_ratio:
        raise InputError(f"This workbook is compressed unusually tightly ({max(ratios):,.0f} to 1; the limit is "
                         f"{max_ratio} to 1), which is how files built to exhaust memory look, so it was not "
                         "opened. Open it in Excel and save it again, or save the responses as CSV.",
                         file=name)


def _check_declared_sizes_hold(src) -> dict[str, "SheetExtent"]:
    """Unpack every member as a stream and refuse the file if a member's content does not match its
    declared size and checksum (see :func:`check_workbook_zip`). On the way, measure each worksheet's
    extent (:class:`SheetExtent`) from its cell references; returns them by sheet part."""
    scanners: dict[str, _ExtentScanner] = {}
    try:
        with src.opener() as handle, zipfile.ZipFile(handle) as archive:
            for info in archive.infolist():
                is_sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
                scanner = _ExtentScanner() if is_sheet else None
                with archive.open(info) as member:
                    while chunk := member.read(1 << 20):
                        if scanner is not None:
                            scanner.feed(chunk)
                if scanner is not None:
                    scanner.extent()  # scans the last rows
                    scanners[info.filename] = scanner
            _resolve_used_rows(archive, scanners)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError) as error:
        raise InputError("This workbook's contents do not match the sizes and checksums it declares, so it was "
                         "not opened (a damaged file, or one built to exhaust memory). Open it in Excel and save "
                         "it again, or save the responses as CSV.", file=src.name) from error
    return {part: scanner.extent() for part, scanner in scanners.items()}


# --- Sheet extents (a stray cell far from the data would make the reader allocate the whole grid) ---
_ROW_END = re.compile(rb"</row>")
_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_CELL_AT = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})(\d+)"')


#: A sheet reaching further down than this, with most of those rows empty, holds a stray cell far below.
SPARSE_ROWS_FROM = 100_000


@dataclass(frozen=True)
class SheetExtent:
    """How far a worksheet's cells reach: ``rows`` (the last row number) and ``columns`` (the last
    column number), and the cell that reaches furthest, e.g. ``"XFD1048576"``."""

    rows: int
    columns: int
    far_cell: str
    #: How many rows actually hold cells (``<row>`` elements).
    rows_present: int = 0
    #: The last row holding a value that is not blank (white space, NUL padding and control characters are
    #: blank, as for :func:`analytics.ingest.frames.drop_empty_rows`); 0 when no row does, ``None`` when
    #: unknown (the sheet's rows could not be told apart).
    rows_used: int | None = None
    #: A cell of the last row, e.g. ``"A1048576"`` (named in the note when rows below the data are cut).
    last_cell: str = ""

    @property
    def cells(self) -> int:
        return self.rows * self.columns

    @property
    def blank_rows_below(self) -> int:
        """How many rows at the bottom hold nothing but blank cells (0 when unknown)."""
        return self.rows - self.rows_used if self.rows_used is not None else 0

    @property
    def blank_below_data(self) -> bool:
        """True when the rows at the bottom hold only blank cells and the rows above them (the data) do not
        themselves reach far below what they fill: reading up to :attr:`rows_used` reads the data only."""
        if self.rows_used is None or self.rows_used >= self.rows:
            return False
        return not (self.rows_used > SPARSE_ROWS_FROM and self.rows_present * 10 < self.rows_used)

    @property
    def reaches_far_below(self) -> bool:
        """True when the last row lies far below the data: over :data:`SPARSE_ROWS_FROM` rows of which fewer
        than a tenth hold cells (one stray space typed in row 1,048,576)."""
        return self.rows > SPARSE_ROWS_FROM and self.rows_present * 10 < self.rows


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + (char - 64)
    return number


class _ExtentScanner:
    """The last row and column referenced in a worksheet's XML, and the last row holding a value that is not
    blank, read chunk by chunk.

    Cells are written in order within a row, so a row's last cell (the ``<c`` before its ``</row>``) is
    its furthest column, and the last ``<row`` is the furthest row: one look per row, not per cell (a
    worksheet of 20,000 rows x 100 columns is scanned in a fraction of a second). A chunk is cut after its
    last ``</row>`` and the rest kept for the next one.

    The last row with a value is found from the end of each chunk backwards (:func:`_row_values`): usually
    the chunk's last row has one, so one row per chunk is looked at. A row whose only values are shared
    strings (``t="s"``, an index into ``xl/sharedStrings.xml``, read after the sheets) is *pending*: the
    indices are kept and resolved by :func:`_resolve_used_rows` once the strings are known.
    """

    def __init__(self) -> None:
        self.rows = 0
        self.columns = 0
        self.far_cell = ""
        self.rows_present = 0
        self.last_cell = ""
        #: The last row with a value known to be non-blank.
        self.last_value_row = 0
        #: Rows below ``last_value_row`` whose only values are shared strings: (row, indices), in order.
        self.pending: list[tuple[int, set[int]]] = []
        self.unknown = False
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        data = self._tail + chunk
        cut = data.rfind(b"</row>")
        if cut < 0:
            self._tail = data[-(1 << 22):] if len(data) > (1 << 22) else data
            return
        cut += len(b"</row>")
        self._scan(data[:cut])
        self._tail = data[cut:]

    def _scan(self, data: bytes) -> None:
        start = 0
        ends = []
        for end in _ROW_END.finditer(data):
            self.rows_present += 1
            ends.append((start, end.start()))
            at = data.rfind(b"<c ", start, end.start())
            if at >= 0:
                cell = _CELL_AT.match(data, at)
                if cell is not None:
                    column = _column_number(cell.group(1))
                    if column > self.columns:
                        self.columns, self.far_cell = column, (cell.group(1) + cell.group(2)).decode()
            start = end.end()
        last_row = data.rfind(b"<row")
        number = _ROW_NUMBER.match(data, last_row) if last_row >= 0 else None
        if number is not None:
            self.rows = max(self.rows, int(number.group(1)))
        self._scan_values(data, ends)

    def _scan_values(self, data: bytes, ends: list[tuple[int, int]]) -> None:
        """Move ``last_value_row`` and ``pending`` on by the rows of this chunk, looked at from its end."""
        if self.unknown or not ends:
            return
        found: list[tuple[int, set[int]]] = []
        last_start, last_end = ends[-1]
        if (cell := data.rfind(b"<c ", last_start, last_end)) >= 0 and (match := _CELL_AT.match(data, cell)):
            self.last_cell = (match.group(1) + match.group(2)).decode()
        for start, end in reversed(ends):
            row_at = data.rfind(b"<row", start, end)
            number = _ROW_NUMBER.match(data, row_at) if row_at >= 0 else None
            if number is None:
                self.unknown = True
                return
            filled, indices = _row_values(data[row_at:end])
            if filled:
                self.last_value_row, self.pending = int(number.group(1)), []
                break
            if indices:
                found.append((int(number.group(1)), indices))
        self.pending.extend(reversed(found))
        if len(self.pending) > _MAX_PENDING_ROWS:
            self.unknown = True

    def extent(self) -> SheetExtent:
        if self._tail:
            self._scan(self._tail)
            self._tail = b""
        rows_used = None if self.unknown or self.pending else self.last_value_row
        return SheetExtent(self.rows, self.columns, self.far_cell, self.rows_present, rows_used, self.last_cell)


#: Rows of shared strings only, below the last row known to hold a value, that are kept to be resolved; a
#: sheet with more (a million rows of one repeated space) is not cut.
_MAX_PENDING_ROWS = 200_000
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_CELL_TYPE = re.compile(rb'\bt="([^"]*)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_TEXT = re.compile(rb"<t\b[^>]*>([^<]*)</t>")


def _blank_text(raw: bytes) -> bool:
    """True when XML text (entities included) holds only blank characters."""
    from analytics.ingest.frames import _EMPTY_CHARACTERS

    return not html.unescape(raw.decode("utf-8", "replace")).strip(_EMPTY_CHARACTERS)


def _row_values(row: bytes) -> tuple[bool, set[int]]:
    """Whether a row's XML holds a non-blank value (a number, a date, a boolean, a formula's result, or text
    that is not blank), and the shared-string indices of its other values (blank or not: not yet known)."""
    indices: set[int] = set()
    for cell in _CELL.finditer(row):
        body = cell.group(2)
        if not body:
            continue
        kind = _CELL_TYPE.search(cell.group(1))
        kind = kind.group(1) if kind else b"n"
        if kind == b"inlineStr":
            if not _blank_text(b"".join(_TEXT.findall(body))):
                return True, indices
            continue
        value = _VALUE.search(body)
        if value is None:
            continue
        if kind == b"s":
            if value.group(1).strip().isdigit():
                indices.add(int(value.group(1)))
                continue
            return True, indices
        if kind != b"str" or not _blank_text(value.group(1)):
            return True, indices
    return False, indices


_STRING_ITEM = re.compile(rb"<si\b[^>]*?(?:/>|>(.*?)</si>)", re.S)


def _blank_shared_strings(archive: zipfile.ZipFile, wanted: set[int]) -> set[int] | None:
    """Which of the ``wanted`` shared-string indices are blank; ``None`` when the strings cannot be read.
    Streamed, and stopped after the largest index wanted."""
    if not wanted:
        return set()
    try:
        member = archive.open("xl/sharedStrings.xml")
    except KeyError:
        return None
    blank, index, tail, last = set(), 0, b"", max(wanted)

    def take(data: bytes) -> None:
        nonlocal index
        for item in _STRING_ITEM.finditer(data):
            if index in wanted and _blank_text(b"".join(_TEXT.findall(item.group(1) or b""))):
                blank.add(index)
            index += 1

    with member:
        while index <= last and (chunk := member.read(1 << 20)):
            data = tail + chunk
            cut = data.rfind(b"</si>")
            if cut < 0:
                tail = data
                continue
            cut += len(b"</si>")
            take(data[:cut])
            tail = data[cut:]
        if index <= last:
            take(tail)
    return blank if index > last else None


def _resolve_used_rows(archive: zipfile.ZipFile, scanners: dict[str, _ExtentScanner]) -> None:
    """Settle the sheets' pending rows (see :class:`_ExtentScanner`) once the shared strings can be read: the
    last used row is the last pending row with a string that is not blank."""
    wanted = {i for scanner in scanners.values() if not scanner.unknown for _, ids in scanner.pending for i in ids}
    blank = _blank_shared_strings(archive, wanted)
    for scanner in scanners.values():
        if not scanner.pending or scanner.unknown:
            continue
        if blank is None:
            scanner.unknown = True
            continue
        for row, indices in reversed(scanner.pending):
            if indices - blank:
                scanner.last_value_row = row
                break
        scanner.pending = []


_SHEET = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_SHEET_ID_FIRST = re.compile(rb'<sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_RELATION = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_RELATION_TARGET_FIRST = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')


def sheet_parts(src) -> list[tuple[str, str]]:
    """``(sheet name, worksheet part)`` pairs (``xl/worksheets/sheet1.xml``) from the workbook's own index,
    in its order (read as text, never with an XML parser: no entity can expand)."""
    try:
        with src.opener() as handle, zipfile.ZipFile(handle) as archive:
            book = archive.read("xl/workbook.xml")
            rels = archive.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return []
    sheets = _SHEET.findall(book) or [(name, rid) for rid, name in _SHEET_ID_FIRST.findall(book)]
    targets = dict(_RELATION.findall(rels))
    targets.update({rid: target for target, rid in _RELATION_TARGET_FIRST.findall(rels)})
    out = []
    for name, rid in sheets:
        target = targets.get(rid)
        if target is None:
            continue
        target = target.decode().lstrip("/")
        part = target if target.startswith("xl/") else "xl/" + target
        out.append((html.unescape(name.decode("utf-8", "replace")), part))
    return out


def _human_bytes(n_bytes: int) -> str:
    """``1.5 MB``-style size, in binary units."""
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n_bytes >= size:
            return f"{n_bytes / size:,.1f} {unit}"
    return f"{n_bytes} bytes"

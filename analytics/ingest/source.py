"""What a file given to the reader is: where its bytes are, what the user calls it, and whether it is a
workbook or text read as CSV (decided by content, not by name; see "File type" in the module docstring
of :mod:`analytics.ingest.io`). Files that cannot be a table are refused here with what to do.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass, field
from pathlib import Path

from analytics.errors import InputError
from analytics.ingest.archive import check_workbook_zip, refuse_ole2

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".xltx", ".xltm")


@dataclass
class Source:
    """One file to read: ``path`` or ``data`` (the bytes of an upload), its first bytes and size, its
    ``kind`` (``"csv"`` or ``"workbook"``) and notes for the user about what it was taken to be."""

    name: str
    path: Path | None
    data: bytes | None
    head: bytes
    size: int
    kind: str = "csv"  # "csv" or "workbook"
    notes: list[str] = field(default_factory=list)
    #: A workbook's sheets and how far their cells reach (:class:`analytics.ingest.archive.SheetExtent`).
    sheet_extents: dict = field(default_factory=dict)

    def opener(self):
        """A fresh binary file object for the content."""
        return open(self.path, "rb") if self.path is not None else io.BytesIO(self.data)

    def read_all(self) -> bytes:
        """The whole content."""
        if self.data is not None:
            return self.data
        return self.path.read_bytes()

    def read_head(self, n_bytes: int) -> bytes:
        """The first ``n_bytes`` bytes (fewer if the file is shorter)."""
        if self.data is not None:
            return self.data[:n_bytes]
        with open(self.path, "rb") as handle:
            return handle.read(n_bytes)


def open_source(source, file_name: str | None) -> Source:
    """Resolve the source, refuse what cannot be a table, and decide CSV or workbook.

    ``source`` is a path, bytes, or a file-like object with ``getvalue()``/``read()`` (Streamlit's
    ``UploadedFile``); ``file_name`` is required with bytes. Raises :class:`InputError` for a missing
    file, a folder, an empty file, a PDF, an OLE2 file, an unsafe or non-workbook zip, and a file named
    like a workbook that is not one.
    """
    name, path, data = _resolve(source, file_name)
    size = len(data) if data is not None else path.stat().st_size
    head = data[:8] if data is not None else _read_first_bytes(path, 8)
    src = Source(name=name, path=path, data=data, head=head, size=size)
    _decide_kind(src)
    return src


def _resolve(source, file_name: str | None) -> tuple[str, Path | None, bytes | None]:
    """The file's name, and its path or bytes."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        if not file_name:
            raise InputError("A file name is needed to read uploaded bytes (give file_name=...).")
        return Path(str(file_name)).name, None, bytes(source)
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise InputError("The file does not exist. Check the name and the folder.", file=str(source))
        if not path.is_file():
            raise InputError("This is a folder, not a file. Give the path of the CSV or Excel file.", file=str(source))
        return (Path(str(file_name)).name if file_name else path.name), path, None
    if hasattr(source, "getvalue") or hasattr(source, "read"):
        data = source.getvalue() if hasattr(source, "getvalue") else source.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        return Path(str(file_name or getattr(source, "name", "") or "upload")).name, None, data
    raise InputError(f"Cannot read a {type(source).__name__}: give a file path or the file's bytes.")


def _decide_kind(src: Source) -> None:
    """Set ``src.kind`` from the content, in this order: empty (refused), OLE2 (refused), zip (a checked
    workbook), PDF (refused), named like a workbook but not one (refused), otherwise CSV."""
    suffix = Path(src.name).suffix.lower()
    if src.size == 0:
        raise InputError("The file is empty (0 bytes). Export the responses again and upload the new file.",
                         file=src.name)
    if src.head.startswith(OLE2_MAGIC):
        refuse_ole2(src)
    if src.head.startswith(ZIP_MAGICS):
        check_workbook_zip(src)
        src.kind = "workbook"
        if suffix not in WORKBOOK_EXTENSIONS:
            src.notes.append(f"'{src.name}' is an Excel workbook despite its name; read as a workbook.")
        return
    if src.head.startswith(b"%PDF"):
        raise InputError("This is a PDF document, not a spreadsheet. Upload the survey export as an Excel "
                         "workbook (.xlsx) or a CSV file.", file=src.name)
    if suffix in WORKBOOK_EXTENSIONS:
        _refuse_misnamed_workbook(src, suffix)


def _refuse_misnamed_workbook(src: Source, suffix: str) -> None:
    """A file named ``.xlsx`` (etc.) that is neither zip nor OLE2: say whether it is text or binary."""
    looks_text = looks_like_text(src.read_head(4096))
    what = "a text file" if looks_text else "neither a workbook nor a text file"
    advice = ("If it holds comma- or tab-separated values, rename it to .csv; otherwise open it in Excel "
              "and save it as an Excel Workbook (.xlsx) or CSV." if looks_text else
              "Open the original in Excel and save it as an Excel Workbook (.xlsx) or CSV.")
    raise InputError(f"This file is named {suffix} but is not an Excel workbook: it is {what}. {advice}",
                     file=src.name)


def _read_first_bytes(path: Path, n_bytes: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(n_bytes)


def looks_like_text(sample: bytes) -> bool:
    """True when ``sample`` has no NUL bytes (unless UTF-16 with a BOM) and almost no control bytes.
    NUL padding at the end (a file written into a larger preallocated space) does not count: those rows
    are dropped as empty when the table is read."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = sample.rstrip(b"\x00\r\n")
    if b"\x00" in sample:
        return False
    control = sum(sample.count(bytes([b])) for b in range(32) if b not in (9, 10, 12, 13))
    control += sample.count(b"\x7f")
    return control <= max(1, len(sample) // 200)

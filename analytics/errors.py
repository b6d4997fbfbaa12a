"""Errors a user can fix.

:class:`InputError` is raised for anything the person who supplied the data can act on: an
unreadable file, a column that cannot be found, a value outside its scale. Its message is for a
non-programmer; the location (file, sheet, column, spreadsheet row) is given separately so that pages
and the CLI can show it consistently. Pages show it with ``st.error``; the CLI prints it on stderr and
exits with status 2. Any other exception is a bug.
"""

from __future__ import annotations


class InputError(ValueError):
    """A problem with the user's input, described so that they can fix it.

    Parameters
    ----------
    message
        What is wrong and what to do, in plain words (no jargon, no traceback).
    file, sheet, column, row
        Where the problem is. ``row`` is the spreadsheet row as the user sees it in Excel: the first
        line of the file is row 1.

    Examples
    --------
    >>> str(InputError("The value 7 is outside the 1-5 scale.", file="staff.csv", column="q9f", row=12))
    "staff.csv, column 'q9f', row 12: The value 7 is outside the 1-5 scale."
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        column: str | None = None,
        row: int | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.sheet = sheet
        self.column = column
        self.row = row
        super().__init__(str(self))

    @property
    def location(self) -> str:
        """The place of the problem, e.g. ``"staff.xlsx, sheet 'Data', column 'Team', row 7"``."""
        parts: list[str] = []
        if self.file:
            parts.append(str(self.file))
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.column:
            parts.append(f"column '{self.column}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message

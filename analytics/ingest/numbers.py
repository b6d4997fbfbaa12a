"""Numbers typed as text in a column, read by the evidence of the whole column: decimal comma or
thousands separator.

"4,3998" is a decimal comma (no thousands group has four digits), "1,234" is ambiguous on its own, and
"1.234,5" is a European thousands dot with a decimal comma. One cell is never read alone: a column whose
cells show a decimal comma anywhere (a comma followed by other than exactly three digits, a leading
"0,", or the "1.234,5" pattern) is read with decimal commas throughout; otherwise commas are thousands
separators ("1,234.5"). Spaces inside a number ("1 234", a non-breaking or thin space) are thousands
separators.
"""

from __future__ import annotations

import re

import pandas as pd

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
#: A comma that can only be a decimal comma: not followed by exactly three digits, or after a lone 0.
_DECIMAL_COMMA = re.compile(r"^[+-]?(\d+,\d{1,2}|\d+,\d{4,}|0,\d+)$")
#: Thousands dots with a decimal comma: "1.234,5", "12.345.678".
_DOT_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")


def uses_decimal_comma(texts: pd.Series) -> bool:
    """Whether a column of number texts is written with decimal commas (see the module docstring)."""
    cleaned = texts.dropna().astype(str).str.strip().map(lambda t: _SPACES.sub("", t))
    with_comma = cleaned[cleaned.str.contains(",", regex=False)]
    if with_comma.empty:
        return False
    # a decimal comma anywhere, or a thousands dot before the comma ("1.234,5")
    dot_then_comma = with_comma.str.contains(".", regex=False) & with_comma.str.match(_DOT_THOUSANDS)
    return bool(with_comma.str.match(_DECIMAL_COMMA).any() or dot_then_comma.any())


def number_texts(texts: pd.Series) -> tuple[pd.Series, bool]:
    """Texts made ready for ``pd.to_numeric``: thousands separators removed and a decimal comma made a
    point, decided for the whole column. Returns the texts and whether decimal commas were read."""
    cleaned = texts.astype("str").str.strip().map(lambda t: _SPACES.sub("", t) if isinstance(t, str) else t)
    if uses_decimal_comma(cleaned):
        return cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False), True
    return cleaned.str.replace(",", "", regex=False), False

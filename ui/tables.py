"""Showing a table with its CSV download: one helper for every page.

The CSV is :func:`analytics.export.csv_bytes`: UTF-8 with BOM (Excel shows accents), CRLF line ends (a
cell holding a lone carriage return is quoted rather than splitting its row), and every text cell a
spreadsheet could run as a formula prefixed with an apostrophe.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.export import csv_bytes

#: What an empty cell shows in a table on screen (never "nan", never "0").
MISSING_CELL = "–"
#: Sizing a text column to its longest value: the grid's body font (Source Sans at 14 px) averages under 7.5 px a
#: character, plus about 28 px of cell padding and the sort arrow. A column wider than the page scrolls
#: sideways with its first column pinned, so a long team name is shown whole rather than cut.
PX_PER_CHARACTER = 7.5
CELL_PADDING_PX = 28
TEXT_WIDTH_LIMITS_PX = (60, 420)

DOWNLOAD_HELP = ("The table for a spreadsheet. Cells that a spreadsheet could run as a formula are prefixed with an "
                 "apostrophe.")


def download_csv(frame: pd.DataFrame, *, file_name: str, key: str | None = None, label: str = "Download CSV",
                 help: str = DOWNLOAD_HELP) -> None:
    """A download button for ``frame`` as a neutralised CSV (aggregates of shown units only, never respondents).
    The CSV is made when the button is clicked (a callable), not on every rerun of the page."""
    st.download_button(label, data=lambda: csv_bytes(frame), file_name=file_name, mime="text/csv", key=key,
                       on_click="ignore", icon=":material/download:", help=help)


def markdown_literal(text: object) -> str:
    """Text from a data file or the codebook (team names, question wording, findings) shown literally in
    Markdown: every character Markdown reads as markup is escaped."""
    out = str(text)
    for char in "\\`*_{}[]()#+-.!|<>~$":
        out = out.replace(char, "\\" + char)
    return out


def fit_text_width(values, header: str = "") -> int:
    """Pixel width at which a text column shows its longest value (or its header) uncut:
    ``characters × PX_PER_CHARACTER + CELL_PADDING_PX``, kept within :data:`TEXT_WIDTH_LIMITS_PX`."""
    texts = [str(v) for v in pd.Series(values, dtype=object).dropna()]
    longest = max([len(header), *map(len, texts)]) if texts or header else 0
    least, most = TEXT_WIDTH_LIMITS_PX
    return int(min(most, max(least, round(longest * PX_PER_CHARACTER + CELL_PADDING_PX))))


def show_table_with_detail(frame: pd.DataFrame, *, key: str, file_name: str, column_config: dict,
                           placeholder: str, detail, hint: str) -> None:
    """A table with one row selectable and the selected row's whole text below it (``detail(row)``, Markdown;
    ``hint`` until a row is selected), so a long cell cut at 1400 px can be read, and a CSV download."""
    event = st.dataframe(frame, hide_index=True, column_config=column_config, key=key, placeholder=placeholder,
                         on_select="rerun", selection_mode="single-row")
    rows = list(getattr(getattr(event, "selection", None), "rows", None) or [])
    if rows and rows[0] < len(frame):
        st.info(detail(frame.iloc[rows[0]]), icon=":material/search:")
    else:
        st.caption(hint)
    download_csv(frame, file_name=file_name, key=f"{key}_download", label="Download table (CSV)")


def show_table(frame: pd.DataFrame, *, key: str, file_name: str, column_config: dict | None = None,
               download: pd.DataFrame | None = None, height: int | str = "auto",
               placeholder: str = MISSING_CELL, help: str = DOWNLOAD_HELP) -> None:
    """``st.dataframe`` (sortable by clicking a column) and a CSV download of ``download`` (e.g. the same rows
    at full precision) or, by default, of the table as shown."""
    st.dataframe(frame, hide_index=True, column_config=column_config or {}, key=key, height=height,
                 placeholder=placeholder)
    download_csv(frame if download is None else download, file_name=file_name, key=f"{key}_download",
                 label="Download table (CSV)", help=help)

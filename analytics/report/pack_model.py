"""The board pack's content model: blocks (text, bullets, tables, figures), sections, the cover and the pack.

Pure data: the renderer (:mod:`render.pack`) turns it into HTML and PDF; tests read it without a browser.
Frames keep full precision; a :class:`Column` says how a renderer formats each cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd

from analytics import settings
from analytics.ingest.codebook import Codebook, load_codebook
from analytics.dataset import Dataset

# --- Section titles (the PDF test looks for these) ------------------------------------------------------
#: Body sections first, then the annexes (methods, anonymity, sources) at the end of the paper.
SECTION_TITLES: dict[str, str] = {
    "summary": "Summary and RAG position",
    "headlines": "Headline measures",
    "exceptions": "Exceptions",
    "statements": "Statements for the board paper",
    "behaviours": "The four behaviours of compassionate leadership",
    "relationships": "Relationships with staff outcomes",
    "methods": "Annex A. Methods and statistics",
    "anonymity": "Annex B. Anonymity threshold",
    "sources": "Annex C. Data sources and dates",
}
#: Sections printed as annexes: the first of them starts on a new page.
ANNEX_KEYS = ("methods", "anonymity", "sources")
PACK_TITLE = "Staff wellbeing and compassionate leadership: board assurance report"

#: Column kinds a renderer knows how to format: text as is; ``score`` (0–10, one decimal), ``pct``
#: (0–100, one decimal and %), ``pp`` (percentage points), ``n`` (whole number), ``number``, ``r``
#: (two decimals), ``p``, ``ratio`` (two decimals), ``change`` (signed, one decimal), ``change_n`` (signed
#: whole number), ``bool`` ("yes"/"no"; missing = "not tested"), ``rag`` (a RAG word: Green, Amber, Red,
#: No data, Not rated).
COLUMN_KINDS = ("text", "score", "pct", "pp", "n", "number", "r", "p", "ratio", "change", "change_n", "bool", "rag")


@dataclass(frozen=True)
class Column:
    """One column of a table: the frame column, its heading, and how to format it (:data:`COLUMN_KINDS`).

    When the kind differs by row (a headline table mixes scores, rates and counts), ``kind_from`` names the
    frame column holding each row's key and ``kind_map`` maps that key to a kind; ``kind`` is the fallback.
    ``ci`` names the frame columns of a 95% confidence interval shown in the same cell, after the value.
    ``missing`` is what a missing value shows (default "no data"), e.g. "not tested" for a p-value.
    ``width`` is the column's share of the table width in percent (None: sized by its content), so that a
    long text column wraps over a few lines rather than squeezing the figures.
    """

    name: str
    label: str
    kind: str = "text"
    kind_from: str | None = None
    kind_map: tuple[tuple[str, str], ...] = ()
    ci: tuple[str, str] | None = None
    missing: str = settings.NO_DATA_LABEL
    width: int | None = None

    def __post_init__(self) -> None:
        for kind in (self.kind, *(k for _, k in self.kind_map)):
            if kind not in COLUMN_KINDS:
                raise ValueError(f"unknown column kind {kind!r}")

    def kind_of(self, row: Mapping[str, object]) -> str:
        """The kind of this column's cell in ``row``."""
        if self.kind_from is None:
            return self.kind
        return dict(self.kind_map).get(str(row.get(self.kind_from)), self.kind)


@dataclass
class Text:
    """A paragraph. ``style``: ``"lead"`` (introduction), ``"paragraph"``, ``"note"`` (small print) or
    ``"caveat"`` (boxed warning)."""

    text: str
    style: str = "paragraph"


@dataclass
class Bullets:
    """A list of short texts; ``refs`` (same length, or empty) names the table or figure each rests on."""

    items: list[str]
    ordered: bool = False
    refs: list[str] = field(default_factory=list)


@dataclass
class Table:
    """A table: ``frame`` at full precision, shown through ``columns``.

    ``ref`` is the table's number ("Table 2") that statements cite; ``caption`` names the data, the wave,
    the unit of analysis and n. Cells that are missing are shown as "no data".
    """

    ref: str
    title: str
    frame: pd.DataFrame
    columns: list[Column]
    caption: str = ""
    empty_text: str = "No rows."


@dataclass
class Figure:
    """Figure data for the renderer. ``kind`` picks the drawing:

    * ``"trend"``: ``data`` has ``wave, measure, label, mean, ci_low, ci_high, n, suppressed`` (organisation
      scores, shown rows only); with one wave it is drawn as bars with their confidence intervals;
    * ``"behaviours"``: ``data`` has ``behaviour, label, item, wave, pct_positive, n`` (organisation);
    * ``"forest"``: ``data`` has ``label, r, r_ci_low, r_ci_high, n`` (one row per pair).
    """

    ref: str
    kind: str
    title: str
    data: pd.DataFrame
    caption: str = ""
    options: dict = field(default_factory=dict)


Block = Text | Bullets | Table | Figure


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class PaperDetails:
    """What the person taking the paper fills in for the cover: all optional.

    ``meeting`` (e.g. "Trust Board, 12 March 2026"), ``owner`` (the executive who owns the paper), ``author``,
    ``paper_date`` (the date printed on the cover; default the day the pack is built) and ``purpose``
    (default :data:`DEFAULT_PURPOSE`). An empty field is printed as a blank line to fill in by hand.
    """

    meeting: str = ""
    owner: str = ""
    author: str = ""
    paper_date: dt.date | None = None
    purpose: str = ""


DEFAULT_PURPOSE = ("Assurance: the position on staff wellbeing and compassionate leadership from the staff survey "
                   "and HR records, with the teams that may need attention.")


@dataclass
class Cover:
    """The cover page: the paper's details, an executive summary of at most five sentences built from the
    figures, what the board is asked to do, and the data sources in one line each."""

    meeting: str
    purpose: str
    owner: str
    author: str
    paper_date: dt.date
    summary: list[str]
    asks: list[str]
    sources: list[str]


@dataclass
class BoardPack:
    """Everything the board pack shows, as data.

    ``wave`` is the wave reported and ``previous_wave`` the wave it is compared with (None when there is
    one wave only). ``generated_at`` is the time of building, printed on the pack. ``cover`` is the first
    page (None only for a pack assembled by hand).
    """

    title: str
    organisation: str
    wave: str | None
    previous_wave: str | None
    min_group_size: int
    generated_at: dt.datetime
    sections: list[Section]
    directorate: str | None = None
    notes: list[str] = field(default_factory=list)
    cover: Cover | None = None

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def blocks(self) -> Iterator[Block]:
        for section in self.sections:
            yield from section.blocks

    def tables(self) -> list[Table]:
        return [b for b in self.blocks() if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for b in self.blocks() if isinstance(b, Figure)]

    def texts(self) -> list[str]:
        """Every sentence the pack shows outside tables and figures (for checks and plain-text output)."""
        out = [self.title, self.organisation]
        if self.cover is not None:
            out.extend([self.cover.meeting, self.cover.purpose, self.cover.owner, self.cover.author,
                        *self.cover.summary, *self.cover.asks, *self.cover.sources])
        for section in self.sections:
            out.append(section.title)
            for block in section.blocks:
                if isinstance(block, Text):
                    out.append(block.text)
                elif isinstance(block, Bullets):
                    out.extend(block.items)
                elif isinstance(block, (Table, Figure)):
                    out.extend([block.title, block.caption])
        return out


class Refs:
    """Numbers tables and figures in the order they are created ("Table 1", "Figure 1", …)."""

    def __init__(self) -> None:
        self.tables = 0
        self.figures = 0

    def table(self) -> str:
        self.tables += 1
        return f"Table {self.tables}"

    def figure(self) -> str:
        self.figures += 1
        return f"Figure {self.figures}"


# --- Helpers shared by the section builders ---------------------------------------------------------------
def suppressed_text(min_group_size: int) -> str:
    return settings.SUPPRESSED_LABEL.format(k=int(min_group_size))


def dataset_codebook(dataset: Dataset) -> Codebook:
    """The dataset's codebook (the shipped one when the survey names none)."""
    survey = dataset.survey
    if survey is not None and survey.codebook is not None:
        return survey.codebook
    return load_codebook(survey.codebook_id if survey is not None and survey.codebook_id else None)


def measure_label(measure: str, codebook: Codebook) -> str:
    return codebook.measure(measure).label if measure in codebook.measure_ids else str(measure)


def date_text(value: object) -> str:
    """A date as "01 Apr 2025"; "" when missing."""
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d %b %Y}"

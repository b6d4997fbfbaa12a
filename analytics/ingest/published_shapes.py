"""Shapes of published results, recognised from their headers and turned into one wide table.

Every shape becomes a :class:`Reshaped` table with one row per unit (x wave), a unit column, optionally a
wave column, and result columns, each with the column holding its own number of responses when the
file gives one per figure. :func:`analytics.ingest.unit_level.read_unit_results` then reads it by the
same rules whatever the shape.

Shapes (domain.md §2a):

* **long breakdown** (the survey contractor's): ``Year, QuestionNumber, QuestionText, DimName, DimValue,
  BaseSize, Score`` — one row per unit x question. Units are the ``DimValue`` of the finest unit level
  named by ``DimName`` (team < directorate < organisation); organisation rows are totals (comparators);
  other breakdowns (staff group, age ...) are not units and are left out, with a note.
* **NSS benchmark workbook**: ``<variable>_<year>`` columns with ``<variable>_n_<year>`` counts and
  ``..._sig...`` significance companions (``pp1_2_2025``, ``pp1_2_n_2025``) — one row per organisation x
  year.
* **Likert distributions**: ``q4a.Strongly.agree``, ``q4a.Agree``, ... (per-option percentages or shares)
  and ``q4a.Respondents`` -> a 0–10 item score and % positive per unit (:func:`likert_figures`).
* **unit rows** (anything else): one row per unit, optionally per year (organisation x year tables).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from analytics import settings
from analytics.ingest.codebook import Codebook, load_codebook, normalise_label
from analytics.ingest.column_kinds import KIND_PCT_FAVOURABLE, KIND_SCORE
from analytics.ingest.published_cells import _parse_cell
from analytics.ingest.raw import RawTable
from analytics.ingest.recognise import header_words, recognise_item

SHAPE_UNIT_ROWS = "unit rows"
SHAPE_LONG = "long breakdown"
SHAPE_BENCHMARK = "NSS benchmark workbook"
SHAPE_LIKERT = "Likert distributions"

#: Header words that say which reporting level a unit column (or a long file's ``DimName``) holds.
LEVEL_WORDS = {
    settings.LEVEL_ORGANISATION: ("organisation", "organization", "trust", "provider", "org", "icb", "employer",
                                  "ods", "ods code", "org code", "trust code"),
    settings.LEVEL_DIRECTORATE: ("directorate", "division", "care group", "business unit", "clinical group"),
    settings.LEVEL_TEAM: ("team", "ward", "department", "service", "unit", "sub team", "work group"),
}

_LONG_HEADERS = {"questionnumber": "question", "questiontext": "text", "dimname": "dim_name",
                 "dimvalue": "dim_value", "basesize": "n", "score": "score", "year": "year"}
_BENCH_VALUE = re.compile(r"^(?P<var>[A-Za-z][A-Za-z0-9_]*?)_(?P<year>(?:19|20)\d\d)$")
_BENCH_COUNT = re.compile(r"^(?P<var>[A-Za-z][A-Za-z0-9_]*?)_n_(?P<year>(?:19|20)\d\d)$")
_BENCH_SIG = re.compile(r"_sig(_|$)|^sig_", re.IGNORECASE)
_LIKERT = re.compile(r"^(?P<item>[A-Za-z][A-Za-z0-9]*?)[._ ](?P<option>[A-Za-z].*)$")
#: A file without ``_n_`` companions is read as the benchmark layout when at least this many columns
#: end in a year (``pp1_2_2025``, ``theme_morale_2024``).
MIN_YEAR_SUFFIXED = 3
_RESPONDENT_OPTIONS = ("respondents", "responses", "n", "base", "basesize", "base size")


@dataclass
class Reshaped:
    """A published table in the common wide form.

    ``column_counts`` maps a result column to the column of its own response counts; ``kinds`` fixes the
    kind (and reason) of derived columns; ``comparators`` maps unit labels to a comparator kind decided
    by the shape (e.g. a long file's organisation rows are totals); ``skip`` are companion columns not
    to read as figures.
    """

    raw: RawTable
    shape: str = SHAPE_UNIT_ROWS
    unit_col: str | None = None
    wave_col: str | None = None
    level: str | None = None
    column_counts: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, tuple[str, str]] = field(default_factory=dict)
    comparators: dict[str, str] = field(default_factory=dict)
    skip: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


def level_of(text: str | None) -> str | None:
    """The reporting level a header (or ``DimName``) names, or None ("Staff group", "Age band")."""
    words = f" {' '.join(header_words(text or ''))} "
    for level, phrases in LEVEL_WORDS.items():
        if any(f" {p} " in words for p in phrases):
            return level
    return None


def _squash(text: str) -> str:
    return "".join(header_words(text))


def _long_columns(raw: RawTable) -> dict[str, str] | None:
    found = {}
    for column in raw.columns:
        role = _LONG_HEADERS.get(_squash(column))
        if role is not None and role not in found:
            found[role] = column
    needed = {"question", "dim_value", "score"}
    return found if needed <= set(found) else None


def detect_shape(raw: RawTable, codebook: Codebook | None = None) -> str:
    """Which shape a table has (one of the ``SHAPE_*`` names), from its headers alone."""
    if _long_columns(raw) is not None:
        return SHAPE_LONG
    if sum(bool(_BENCH_COUNT.match(c)) for c in raw.columns) >= 1 and \
            sum(bool(_BENCH_VALUE.match(c)) for c in raw.columns) >= 1:
        return SHAPE_BENCHMARK
    if sum(bool(_BENCH_VALUE.match(c)) for c in raw.columns) >= MIN_YEAR_SUFFIXED:
        return SHAPE_BENCHMARK
    if _likert_groups(raw, codebook):
        return SHAPE_LIKERT
    return SHAPE_UNIT_ROWS


def reshape(raw: RawTable, codebook: Codebook) -> Reshaped:
    """The table in the common wide form (:class:`Reshaped`), whatever its shape."""
    shape = detect_shape(raw, codebook)
    if shape == SHAPE_LONG:
        return _reshape_long(raw)
    if shape == SHAPE_BENCHMARK:
        return _reshape_benchmark(raw)
    if shape == SHAPE_LIKERT:
        return _reshape_likert(raw, codebook)
    return Reshaped(raw=raw)


def _wide_raw(raw: RawTable, frame: pd.DataFrame, header_texts: dict[str, list[str]] | None = None) -> RawTable:
    return RawTable(frame=frame, file_name=raw.file_name, sheet=raw.sheet, header_texts=header_texts or {},
                    header_row=raw.header_row, notes=list(raw.notes))


# -- organisation x year tables -------------------------------------------------------------------------

#: Headers of an organisation-code column (ODS code), compared as words.
CODE_HEADERS = ("ods code", "org code", "organisation code", "organization code", "trust code", "provider code",
                "ods", "code")
#: Headers of an organisation-name column beside the code.
NAME_HEADERS = ("organisation name", "organization name", "trust name", "provider name", "org name", "name",
                "organisation", "organization", "trust")


def org_year_key(raw: RawTable, taken: set[str]) -> tuple[str | None, str | None]:
    """``(code column, name column)`` of an organisation x year table (the caller has found its wave
    column): organisations are keyed by their ODS code, because names change between years and codes do
    not; the name column (if any) gives each code's label. ``(None, None)`` without a code column."""
    def find(headers: tuple[str, ...]) -> str | None:
        return next((c for c in raw.columns if c not in taken
                     and any(" ".join(header_words(t)) in headers for t in raw.texts_of(c))), None)
    code = find(CODE_HEADERS)
    if code is None:
        return None, None
    return code, find(tuple(h for h in NAME_HEADERS if h not in CODE_HEADERS))


# -- long breakdown ----------------------------------------------------------------------------------

def _long_levels(frame: pd.DataFrame, dim_col: str | None) -> tuple[str | None, dict[str, str | None]]:
    """The finest unit level present and each DimName's level."""
    if dim_col is None:
        return None, {}
    names = [n for n in frame[dim_col].dropna().astype(str).unique()]
    levels = {name: level_of(name) for name in names}
    present = [lv for lv in reversed(settings.LEVELS) if lv in levels.values()]
    return (present[0] if present else None), levels


def _long_units(frame: pd.DataFrame, cols: dict[str, str], notes: list[str]) -> tuple[pd.DataFrame, str | None,
                                                                                      dict[str, str]]:
    """Keep the rows of the finest unit level (units) and of organisation level (totals, comparators);
    other breakdowns are left out, with a note. Returns (rows kept, unit level, comparator labels)."""
    unit_level, levels = _long_levels(frame, cols.get("dim_name"))
    if cols.get("dim_name") is None:
        return frame, unit_level, {}
    names = frame[cols["dim_name"]].astype(str)
    org = [n for n, lv in levels.items() if lv == settings.LEVEL_ORGANISATION and lv != unit_level]
    totals = frame.loc[names.isin(org), cols["dim_value"]].dropna().astype(str).unique()
    dropped = [n for n, lv in levels.items() if lv != unit_level and n not in org]
    if dropped:
        notes.append("Breakdowns not read as units (left out): " + ", ".join(f"'{d}'" for d in dropped) + ".")
    if unit_level is not None:
        notes.append(f"Units are the '{unit_level}' rows of '{cols['dim_name']}'.")
    keep = names.isin([n for n, lv in levels.items() if lv == unit_level] + org)
    return frame.loc[keep], unit_level, {label: "total" for label in totals}


def _reshape_long(raw: RawTable) -> Reshaped:
    """Long breakdown -> one row per (year, unit), a column per question with its BaseSize companion."""
    cols = _long_columns(raw)
    frame = raw.frame.copy()
    frame["_row"] = frame.index
    notes = [f"Read as the contractor's long breakdown: units from '{cols['dim_value']}', questions from "
             f"'{cols['question']}', figures from '{cols['score']}'."]
    frame, unit_level, comparators = _long_units(frame, cols, notes)
    keys = [c for c in (cols.get("year"), cols["dim_value"]) if c is not None]
    frame["_q"] = frame[cols["question"]].astype(str)
    texts = frame.groupby("_q")[cols["text"]].first().astype(str).to_dict() if cols.get("text") else {}
    wide = frame.groupby(keys, sort=False, dropna=False)["_row"].min().to_frame("_row")
    header_texts: dict[str, list[str]] = {}
    column_counts: dict[str, str] = {}
    for q in pd.unique(frame[cols["question"]].dropna().astype(str)):
        part = frame.loc[frame["_q"] == q].drop_duplicates(keys).set_index(keys)
        wide[q] = part[cols["score"]].reindex(wide.index)
        header_texts[q] = [q] + ([texts[q]] if q in texts else [])
        if cols.get("n") is not None:
            wide[f"{q} (n)"] = part[cols["n"]].reindex(wide.index)
            column_counts[q] = f"{q} (n)"
    wide = wide.reset_index().set_index("_row")
    wide.index.name = None
    return Reshaped(raw=_wide_raw(raw, wide, header_texts), shape=SHAPE_LONG, unit_col=cols["dim_value"],
                    wave_col=cols.get("year"), level=unit_level, column_counts=column_counts,
                    comparators=comparators, skip=set(column_counts.values()), notes=notes)


# -- NSS benchmark workbook -------------------------------------------------------------------------

def _benchmark_columns(raw: RawTable) -> tuple[dict, dict, list[str]]:
    """``({(var, year): value column}, {(var, year): count column}, other columns)``; significance
    columns are dropped."""
    values, counts, other = {}, {}, []
    for column in raw.columns:
        if (m := _BENCH_COUNT.match(column)) is not None:
            counts[(m["var"], m["year"])] = column
        elif _BENCH_SIG.search(column):
            continue
        elif (m := _BENCH_VALUE.match(column)) is not None:
            values[(m["var"], m["year"])] = column
        else:
            other.append(column)
    return values, counts, other


def _reshape_benchmark(raw: RawTable) -> Reshaped:
    """``<variable>_<year>`` columns -> one row per organisation x year, a column per variable."""
    values, counts, other = _benchmark_columns(raw)
    years = sorted({y for _, y in values})
    variables = list(dict.fromkeys(v for v, _ in values))
    parts = []
    for year in years:
        part = raw.frame[other].copy()
        part.insert(0, "Year", year)
        part["_row"] = raw.frame.index
        for var in variables:
            part[var] = raw.frame[values[(var, year)]] if (var, year) in values else None
            if (var, year) in counts:
                part[f"{var} (n)"] = raw.frame[counts[(var, year)]]
        present = part[[v for v in variables]].map(lambda x: _parse_cell(x).kind == "number").any(axis=1)
        parts.append(part.loc[present])
    wide = pd.concat(parts, ignore_index=True)
    wide.index = [int(r) for r in wide.pop("_row")]
    column_counts = {v: f"{v} (n)" for v in variables if f"{v} (n)" in wide.columns}
    header_texts = {c: raw.texts_of(c) for c in other}
    group = f" (benchmark group: sheet '{raw.sheet}')" if raw.sheet else ""
    notes = [f"Read as an NSS benchmark workbook{group}: {len(variables)} variable(s) x {len(years)} year(s) "
             f"({', '.join(years)}), one row per organisation and year; significance columns left out."]
    return Reshaped(raw=_wide_raw(raw, wide, header_texts), shape=SHAPE_BENCHMARK, wave_col="Year",
                    column_counts=column_counts, skip=set(column_counts.values()), notes=notes)


# -- Likert distributions ---------------------------------------------------------------------------

def _option_scale(codebook: Codebook | None) -> dict[str, tuple[str, int]]:
    """Option label (normalised) -> (scale name, position 1..k), over the codebook's scales (the default
    codebook's when none is given)."""
    codebook = codebook if codebook is not None else load_codebook()
    out: dict[str, tuple[str, int]] = {}
    for scale in codebook.scales.values():
        for position, option in enumerate(scale.options, start=1):
            out.setdefault(normalise_label(option), (scale.name, position))
    return out


def holds_answer_labels(values: pd.Series) -> bool:
    """Whether at least half of a column's filled cells are answer options of the default codebook's
    scales ("Agree", "Often") or its missing options ("Don't know"): one row per respondent, not a unit."""
    options = set(_option_scale(None)) | {normalise_label(o) for o in load_codebook().missing_options}
    filled = [normalise_label(v) for v in values.dropna() if str(v).strip()]
    return bool(filled) and sum(v in options for v in filled) >= 0.5 * len(filled)


def _likert_groups(raw: RawTable, codebook: Codebook | None) -> dict[str, dict]:
    """Item prefix -> {"options": {column: (scale, position)}, "n": count column or None}, for prefixes
    with at least three options of one scale."""
    options = _option_scale(codebook)
    groups: dict[str, dict] = {}
    for column in raw.columns:
        m = _LIKERT.match(column)
        if m is None:
            continue
        label = normalise_label(re.sub(r"[._]+", " ", m["option"]))
        group = groups.setdefault(m["item"], {"options": {}, "n": None})
        if label in options:
            group["options"][column] = options[label]
        elif label in _RESPONDENT_OPTIONS:
            group["n"] = column
    return {item: g for item, g in groups.items()
            if len(g["options"]) >= 3 and len({s for s, _ in g["options"].values()}) == 1}


def likert_figures(shares: dict[int, float | None], k: int, reverse: bool) -> tuple[float | None, float | None]:
    """0–10 item score and % positive of one unit's answer distribution.

    Parameters
    ----------
    shares
        Position (1..k, least to most favourable as worded) -> the share answering it, in any unit
        (percentages or fractions): only their proportions matter. Missing positions count as 0 when
        others are present.
    k
        Number of options of the scale.
    reverse
        Reverse-keyed item (the codebook says so): position p scores as position k + 1 - p.

    Returns
    -------
    (score, pct_positive)
        ``score = Σ s_p × (p' − 1) / (k − 1) × 10 / Σ s_p`` (domain.md §1 item scoring, p' the keyed
        position) and ``pct_positive = 100 × (s of the two most favourable keyed positions) / Σ s_p``
        (NSS question-level % positive); (None, None) when no share is given or they sum to 0.
    """
    given = {p: float(s) for p, s in shares.items() if s is not None}
    total = sum(given.values())
    if not given or total <= 0:
        return None, None
    keyed = {(k + 1 - p if reverse else p): s for p, s in given.items()}
    score = sum(s * (p - 1) / (k - 1) * 10 for p, s in keyed.items()) / total
    favourable = sum(s for p, s in keyed.items() if p >= k - 1)
    return score, 100 * favourable / total


def _likert_item(raw: RawTable, item: str, group: dict, codebook: Codebook) -> tuple[str, dict, str, str | None]:
    """One item's score and % positive columns: ``(name, {column: (kind, values)}, why, note)``."""
    found = recognise_item([item], codebook)
    code = found[0] if found else None
    reverse = bool(code and codebook.items[code].reverse)
    scale_name = next(iter(group["options"].values()))[0]
    k = codebook.scales[scale_name].n_options
    scores, positives = [], []
    for _, row in raw.frame.iterrows():
        shares = {}
        for column, (_, position) in group["options"].items():
            cell = _parse_cell(row[column])
            shares[position] = cell.value if cell.kind == "number" else None
        score, positive = likert_figures(shares, k, reverse)
        scores.append(score)
        positives.append(positive)
    name = code or item
    why = f"computed from the {len(group['options'])} answer shares of '{item}' ({scale_name} scale"
    why += ", reverse-keyed in the codebook)" if reverse else ")"
    note = None if code else (f"'{item}' is not a question of the codebook: its options were scored as worded "
                              "(not reverse-keyed); check the item's wording.")
    columns = {f"{name} score": (KIND_SCORE, scores), f"{name} % positive": (KIND_PCT_FAVOURABLE, positives)}
    return name, columns, why, note


def _reshape_likert(raw: RawTable, codebook: Codebook) -> Reshaped:
    """Per-option shares -> a 0–10 score column and a % positive column per item, with its respondents."""
    groups = _likert_groups(raw, codebook)
    used = {c for g in groups.values() for c in [*g["options"], g["n"]] if c}
    wide = raw.frame[[c for c in raw.columns if c not in used]].copy()
    kinds: dict[str, tuple[str, str]] = {}
    column_counts: dict[str, str] = {}
    header_texts = {c: raw.texts_of(c) for c in wide.columns}
    notes = []
    for item, group in groups.items():
        name, columns, why, note = _likert_item(raw, item, group, codebook)
        for column, (kind, figures) in columns.items():
            wide[column] = figures
            header_texts[column] = [column]
            kinds[column] = (kind, why)
        if group["n"] is not None:
            wide[f"{name} (n)"] = raw.frame[group["n"]]
            for column in columns:
                column_counts[column] = f"{name} (n)"
        if note:
            notes.append(note)
    notes.insert(0, f"Read as Likert distributions: {len(groups)} question(s), each turned into a 0–10 score "
                    "(share-weighted option scores) and % positive (the two most favourable options).")
    return Reshaped(raw=_wide_raw(raw, wide, header_texts), shape=SHAPE_LIKERT, kinds=kinds,
                    column_counts=column_counts, skip=set(column_counts.values()), notes=notes)



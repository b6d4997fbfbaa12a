"""Duplicate uploads and duplicate respondents, found before any count or suppression.

A respondent counted twice doubles a team's count: a team of 6 shown as 12 passes the anonymity
threshold (domain.md §2) and its answers are shown. So duplicates are dealt with before respondents are
pooled (:func:`analytics.survey.pipeline.pooled_results`), in this order:

1. **The same file twice** (the same bytes, whatever the names; SHA-256 of the content): refused,
   naming both files (:func:`refuse_identical_files`). Nothing is scored.
2. **The same response id twice in one file** (a column headed as in
   :data:`analytics.settings.RESPONSE_ID_HEADERS`: ``ResponseId``, ``Response ID``, ``Respondent ID``,
   ``ID`` …): the later rows are removed, with a finding naming them (:func:`within_file_duplicates`).
3. **The same response id in two files of the same wave**: the copies in the later file are removed,
   with a finding naming both files and the rows. Ids that are row counters — whole numbers no larger
   than twice the file's rows plus 10, as Microsoft Forms' ``ID`` (1, 2, 3 …) — restart in every form,
   so they are compared within a file only; ids are compared within a wave only (a random id may recur
   in another year's export).
4. **A whole file copied under another name** (no usable id column; every row identical, in all answer
   and unit cells, to a row of the other files — e.g. the same export saved once as CSV and once as
   Excel, or an early export whose rows are all in the final one): its rows are removed, with a finding.
5. **A few identical rows across files** of one wave (no usable id column): a warning only — two people
   may answer identically.

"Identical" compares the cells scoring uses (team, directorate, wave column, every question and local
measure column), matched by role and question code, not by header: text case- and space-insensitively,
numbers by value (``4`` = ``4.0`` = ``"4"``), blanks equal to blanks.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import settings
from analytics.errors import InputError
from analytics.ingest import quality
from analytics.ingest.mapping import Mapping
from analytics.ingest.raw import RawTable
from analytics.survey.wave_source import find_column

KIND_DUPLICATE_ID = "duplicate_response_id"
KIND_DUPLICATE_FILE = "duplicate_file"
KIND_IDENTICAL_ROWS = "identical_rows"


@dataclass
class RowKeys:
    """What identifies each row of one scored file.

    ``frame`` is indexed by spreadsheet row, with columns ``wave`` (text), ``response_id`` (text or
    missing) and ``fingerprint`` (a 64-bit hash of the cells scoring uses, by role; see the module
    docstring). ``layout`` names the roles hashed, so that fingerprints are compared only between files
    with the same questions. ``id_is_counter``: the ids are row counters (compared within the file only).
    """

    file: str
    sheet: str | None
    frame: pd.DataFrame
    layout: str
    id_column: str | None = None
    id_is_counter: bool = False

    @property
    def has_global_ids(self) -> bool:
        return self.id_column is not None and not self.id_is_counter

    def without(self, rows) -> "RowKeys":
        return dataclasses.replace(self, frame=self.frame.drop(index=rows))


def content_digest(content: str | Path | bytes) -> str:
    """SHA-256 of a file's bytes (a path is read in 1 MiB blocks)."""
    h = hashlib.sha256()
    if isinstance(content, (bytes, bytearray, memoryview)):
        h.update(content)
        return h.hexdigest()
    with Path(content).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def refuse_identical_files(names: list[str], digests: list[str]) -> None:
    """Raise :class:`InputError` naming the first two files with the same bytes (rule 1)."""
    seen: dict[str, str] = {}
    for name, digest in zip(names, digests):
        if digest in seen:
            first = seen[digest]
            same = " (uploaded twice)" if first == name else ""
            raise InputError(f"'{name}' is the same file as '{first}'{same}: every respondent would be counted "
                             "twice, which would show teams below the anonymity threshold. Remove one of them.",
                             file=name)
        seen[digest] = name


# ------------------------------------------------------------------------------------------------
# Keys of each row
# ------------------------------------------------------------------------------------------------
def _id_texts(values: pd.Series) -> pd.Series:
    """Response ids as text: whole numbers without ``.0``, outer spaces removed, blank -> missing."""
    numbers = pd.to_numeric(values, errors="coerce")
    whole = numbers.notna() & (numbers == np.floor(numbers))
    text = values.astype("string").str.strip()
    text = text.where(~whole, numbers.where(whole).round().astype("Int64").astype("string"))
    return text.where(text != "")


def _is_counter(ids: pd.Series, n_rows: int) -> bool:
    numbers = pd.to_numeric(ids, errors="coerce")
    return bool(numbers.notna().all()) and len(numbers) > 0 and float(numbers.max()) <= 2 * n_rows + 10


def _value_hashes(distinct: pd.Series) -> np.ndarray:
    """A 64-bit hash per value: numbers by value, text case- and space-insensitively."""
    numbers = pd.to_numeric(distinct, errors="coerce")
    text = distinct.astype("string").str.strip().str.casefold().str.replace(r"\s+", " ", regex=True).fillna("")
    by_text = pd.util.hash_array(text.to_numpy(dtype=object))
    by_number = pd.util.hash_array(numbers.to_numpy(dtype=float, na_value=np.nan))
    return np.where(numbers.notna().to_numpy(), by_number, by_text)


def _column_hashes(columns: list[pd.Series]) -> list[np.ndarray]:
    """A 64-bit hash per cell of each column (:func:`_value_hashes`; blanks alike, as empty text).

    Only the distinct values of each column are normalised and hashed, all columns' together in one pass
    (a column of answers holds few), then spread back."""
    factorized = [pd.factorize(values, use_na_sentinel=True) for values in columns]
    sizes = [len(uniques) for _, uniques in factorized]
    distinct = pd.Series(np.concatenate([np.asarray(u, dtype=object) for _, u in factorized] + [np.array([""], dtype=object)]))
    hashes = _value_hashes(distinct)
    blank = hashes[-1:]
    out, start = [], 0
    for (codes, _), size in zip(factorized, sizes):
        # code -1 (blank) takes the last entry: the hash of empty text
        out.append(np.append(hashes[start:start + size], blank)[codes])
        start += size
    return out


def _roles(mapping: Mapping) -> list[tuple[str, str]]:
    """(role, column) of every cell scoring uses, in a fixed order that does not depend on the headers."""
    roles = [(role, column) for role, column in (("team", mapping.team_col), ("directorate", mapping.directorate_col),
                                                 ("wave", mapping.wave_col)) if column]
    roles += sorted((f"item:{code}", column) for column, code in mapping.items.items())
    for measure in mapping.custom_measures:
        roles += [(f"local:{measure.id}:{i}", column) for i, column in enumerate(measure.columns)]
    return list(dict.fromkeys(roles))


def row_keys(raw: RawTable, mapping: Mapping, waves: pd.Series) -> RowKeys:
    """The keys of each row of ``raw`` (``waves``: each row's wave, indexed like ``raw.frame``)."""
    frame = raw.frame
    roles = [(role, column) for role, column in _roles(mapping) if column in frame.columns]
    combined = np.zeros(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for position, hashes in enumerate(_column_hashes([frame[column] for _, column in roles])):
            combined = combined * np.uint64(1_000_003) + hashes + np.uint64(position)
    id_columns = [c for c in find_column(raw, settings.RESPONSE_ID_HEADERS) if c in frame.columns]
    id_column = id_columns[0] if id_columns else None
    ids = _id_texts(frame[id_column]) if id_column else pd.Series(pd.NA, index=frame.index, dtype="string")
    keys = pd.DataFrame({"wave": waves.reindex(frame.index).astype("string").astype("category"), "response_id": ids,
                         "fingerprint": combined}, index=frame.index)
    return RowKeys(file=raw.file_name, sheet=raw.sheet, frame=keys, layout="|".join(r for r, _ in roles),
                   id_column=id_column, id_is_counter=bool(id_column) and _is_counter(ids.dropna(), len(frame)))


# ------------------------------------------------------------------------------------------------
# Within one file
# ------------------------------------------------------------------------------------------------
def within_file_duplicates(keys: RowKeys) -> tuple[np.ndarray, pd.DataFrame]:
    """Rows repeating an earlier row's response id in the same file (rule 2): their row numbers and a
    finding naming them."""
    if keys.id_column is None:
        return np.array([], dtype=np.int64), quality.empty_findings()
    ids = keys.frame["response_id"]
    repeated = ids.notna() & ids.duplicated(keep="first")
    rows = keys.frame.index[repeated.to_numpy()].to_numpy()
    if len(rows) == 0:
        return rows, quality.empty_findings()
    values = ", ".join(dict.fromkeys(ids[repeated].tolist()[:5]))
    finding = {"severity": "warning", "kind": KIND_DUPLICATE_ID, "file": keys.file, "sheet": keys.sheet or "",
               "column": keys.id_column, "rows": quality.format_rows(rows), "count": len(rows),
               "value": quality.short_value(values),
               "message": f"{len(rows)} row(s) repeat the response ID of an earlier row of this file; the later "
                          "copies were removed before any count, so no respondent is counted twice."}
    return rows, quality.make_findings([finding])


# ------------------------------------------------------------------------------------------------
# Across files
# ------------------------------------------------------------------------------------------------
def _pair_finding(kind: str, severity: str, later: RowKeys, rows: np.ndarray, earlier: RowKeys,
                  earlier_rows: np.ndarray, message: str, column: str = "") -> dict:
    return {"severity": severity, "kind": kind, "file": later.file, "sheet": later.sheet or "", "column": column,
            "rows": quality.format_rows(rows), "count": len(rows),
            "message": f"{message} (rows {quality.format_rows(earlier_rows)} of '{earlier.file}')."}


def _cross_file_ids(keys: list[RowKeys]) -> tuple[list[np.ndarray], list[tuple[int, dict]]]:
    """Rule 3: response ids of a wave already seen in an earlier file."""
    drops = [np.array([], dtype=np.int64) for _ in keys]
    parts = [k.frame[k.frame["response_id"].notna()][["wave", "response_id"]].astype(str).assign(file=i)
             .reset_index(names="row") for i, k in enumerate(keys) if k.has_global_ids]
    if len(parts) < 2:
        return drops, []
    ids = pd.concat(parts, ignore_index=True)
    first = ids.groupby(["wave", "response_id"], sort=False)[["file", "row"]].transform("first")
    later = (ids["file"] != first["file"]).to_numpy()
    hits = ids[later].assign(first_file=first["file"][later], first_row=first["row"][later])
    findings: list[tuple[int, dict]] = []
    for (i, j), pair in hits.groupby(["file", "first_file"], sort=True):
        rows, k = pair["row"].to_numpy(dtype=np.int64), keys[i]
        drops[i] = np.concatenate([drops[i], rows])
        findings.append((i, _pair_finding(
            KIND_DUPLICATE_ID, "warning", k, rows, keys[j], pair["first_row"].to_numpy(),
            f"{len(rows)} response(s) of this file have the same response ID as responses of '{keys[j].file}' "
            "in the same wave; these later copies were removed before any count", column=k.id_column or "")))
    return drops, findings


def _holders_of_every_row(k: RowKeys, others: list[RowKeys]) -> list[int]:
    """Positions in ``others`` of the files holding rows identical to ``k``'s, when together they hold every
    row of ``k``; else ``[]``."""
    fingerprints = set(k.frame["fingerprint"].tolist())
    sets = [set(o.frame["fingerprint"].tolist()) for o in others]
    holders = [h for h, found in enumerate(sets) if fingerprints & found]
    pooled = set().union(*(sets[h] for h in holders)) if holders else set()
    return holders if holders and fingerprints <= pooled else []


def _whole_file_copies(keys: list[RowKeys]) -> tuple[list[bool], list[tuple[int, dict]]]:
    """Rule 4: files (without usable ids) every row of which is identical to a row of the other kept files,
    checked from the last file to the first so that, of two copies, the later one is removed."""
    removed = [False] * len(keys)
    findings: list[tuple[int, dict]] = []
    for i in reversed(range(len(keys))):
        k = keys[i]
        if k.has_global_ids or k.frame.empty:
            continue
        others = [j for j in range(len(keys)) if j != i and not removed[j] and keys[j].layout == k.layout]
        holders = _holders_of_every_row(k, [keys[j] for j in others])
        if holders:
            holders = [others[h] for h in holders]
            removed[i] = True
            names = " and ".join(f"'{keys[j].file}'" for j in holders)
            findings.append((i, {"severity": "warning", "kind": KIND_DUPLICATE_FILE, "file": k.file,
                                 "sheet": k.sheet or "",
                                 "rows": quality.format_rows(k.frame.index.to_numpy()), "count": len(k.frame),
                                 "message": f"Every one of the {len(k.frame)} rows of this file is identical (all "
                                            f"answers and units) to a row of {names}: the file is a copy, and its rows "
                                            "were removed before any count, so no respondent is counted twice."}))
    return removed, findings


def _identical_rows(keys: list[RowKeys], removed: list[bool]) -> list[tuple[int, dict]]:
    """Rule 5: rows (no usable id) identical to an earlier kept file's rows of the same wave: warnings."""
    findings: list[tuple[int, dict]] = []
    for i, k in enumerate(keys):
        if removed[i] or k.has_global_ids:
            continue
        for j in range(i):
            other = keys[j]
            if removed[j] or other.layout != k.layout:
                continue
            mine = pd.MultiIndex.from_frame(k.frame[["wave", "fingerprint"]])
            theirs = pd.MultiIndex.from_frame(other.frame[["wave", "fingerprint"]])
            rows = k.frame.index[mine.isin(theirs)].to_numpy()
            if len(rows) >= settings.DUPLICATE_ROWS_WARN_MIN:
                earlier_rows = other.frame.index[theirs.isin(mine)].to_numpy()
                findings.append((i, _pair_finding(
                    KIND_IDENTICAL_ROWS, "warning", k, rows, other, earlier_rows,
                    f"{len(rows)} row(s) of this file are identical (all answers and units) to rows of '{other.file}' "
                    "in the same wave. Two people can answer alike, so they are kept; if one file repeats the other, "
                    "remove the copy")))
    return findings


def pooled_duplicates(keys: list[RowKeys]) -> tuple[list[np.ndarray], list[pd.DataFrame]]:
    """Rows to remove from each file before pooling (rules 3 and 4), and the findings of rules 3-5.

    ``keys`` are the files in upload order (within-file repeats already removed). Returns, per file, the
    spreadsheet rows to remove and the findings about that file (:mod:`analytics.ingest.quality` format).
    """
    drops, id_findings = _cross_file_ids(keys)
    remaining = [k.without(d) for k, d in zip(keys, drops)]
    removed, file_findings = _whole_file_copies(remaining)
    drops = [k.frame.index.to_numpy() if gone else d for k, d, gone in zip(keys, drops, removed)]
    warnings = _identical_rows(remaining, removed)
    found = id_findings + file_findings + warnings
    return drops, [quality.make_findings([f for at, f in found if at == i]) for i in range(len(keys))]

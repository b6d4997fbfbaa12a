"""Unit names (teams, directorates) as people meant them: one team is one team however its name was typed.

Cleaning (:func:`clean_name`): Unicode NFC (an "é" typed as "e" + accent is the same team as "é"), invisible
characters removed (zero-width spaces and joiners, the byte-order mark, soft hyphens), bidirectional
controls removed (a right-to-left override would show a name reversed), other control characters
removed, and spaces trimmed and collapsed.

Merging (:func:`merge_spellings`): names that differ only by letter case after cleaning ("Ward 7",
"WARD 7", "ward 7 ") are one unit, written as its most frequent spelling (the first seen on a tie); a
finding lists every merge with the spellings found, so nothing is merged silently. Without merging, a team
of 21 typed three ways would be three teams of 7, each hidden below the anonymity threshold.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from analytics import settings
from analytics.ingest import quality

#: Zero-width and other invisible format characters, bidirectional controls, and C0/C1 controls.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
                        "\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]")

KIND_SPELLINGS_MERGED = "unit_spellings_merged"


def clean_name(value: object) -> str | None:
    """A unit name cleaned as the module docstring says; None for a blank."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = unicodedata.normalize("NFC", str(value))
    text = _INVISIBLE.sub("", text)
    text = " ".join(text.split())
    return text or None


def merge_spellings(names: pd.Series) -> tuple[pd.Series, list[tuple[str, list[str], int]]]:
    """Names (already cleaned; NA for blanks) with case variants merged into their most frequent spelling.

    Returns the merged names and one ``(spelling kept, spellings found, rows merged)`` per merged unit.
    """
    present = names.dropna()
    if present.empty:
        return names, []
    counts = present.value_counts(sort=False)
    folded = pd.Series(counts.index.map(lambda n: str(n).casefold()), index=counts.index)
    merges, replace = [], {}
    for _, group in counts.groupby(folded.to_numpy(), sort=False):
        if len(group) < 2:
            continue
        ordered = group.sort_values(ascending=False, kind="stable")
        kept = str(ordered.index[0])
        variants = [str(v) for v in ordered.index]
        merges.append((kept, variants, int(ordered.iloc[1:].sum())))
        replace.update({v: kept for v in variants[1:]})
    if not replace:
        return names, []
    return names.replace(replace), merges


def spelling_findings(merges: list[tuple[str, list[str], int]], *, column: str, role: str, file: str = "",
                      sheet: str | None = None) -> pd.DataFrame:
    """One data-quality finding per merged unit: the spelling kept and the spellings found."""
    return quality.make_findings([{
        "severity": settings.SEVERITY_INFO,
        "kind": KIND_SPELLINGS_MERGED, "file": file, "sheet": sheet or "", "column": column, "rows": "",
        "count": count, "value": kept,
        "message": f"The {role} names " + ", ".join(f"'{v}'" for v in variants) + " differ only in letter case "
                   f"or spacing, so they are one {role}, shown as '{kept}' ({count} response(s) renamed)."}
        for kept, variants, count in merges])

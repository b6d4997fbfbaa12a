"""Comparator rows of published results: medians, means, best and worst, totals — figures to compare a
unit with, never units themselves (domain.md §2a).

A label is a comparator when every word of it is a comparator word or a generic word and at least one
is a comparator word or "all"/"overall": "CS_MEDIAN", "Median", "Acute trusts average", "Best score",
"All teams", "Combined results", "Grand total", "National". A unit's own name with such a word among
others ("Best Start Ward", "Top Floor") is a unit.
"""

from __future__ import annotations

import re

#: Comparator words and the kind of comparator each names.
COMPARATOR_WORDS: dict[str, str] = {
    "median": "median", "mean": "mean", "average": "mean", "avg": "mean",
    "best": "best", "highest": "best", "max": "best", "maximum": "best",
    "worst": "worst", "lowest": "worst", "min": "worst", "minimum": "worst",
    "total": "total", "totals": "total", "combined": "total", "all": "total", "overall": "total",
    "national": "benchmark", "england": "benchmark", "benchmark": "benchmark", "sector": "benchmark",
}
#: Words that may stand beside a comparator word without making the label a unit's name.
GENERIC_WORDS = frozenset({
    "cs", "nhs", "group", "score", "scores", "result", "results", "value", "values", "trust", "trusts",
    "organisation", "organisations", "organization", "organizations", "team", "teams", "unit", "units",
    "the", "of", "for", "grand", "respondents", "staff", "survey", "acute", "community", "mental", "health",
    "ambulance", "specialist", "and", "combined", "directorates", "departments", "wards", "civil", "service",
    "learning", "disability", "disabilities", "providers", "sample", "people", "in",
})


def comparator_kind(label: object) -> str | None:
    """The kind of comparator a unit label names ("median", "mean", "best", "worst", "total",
    "benchmark"), or None for an ordinary unit."""
    if label is None:
        return None
    words = [w for w in re.split(r"[^0-9a-z]+", str(label).casefold()) if w]
    kinds = [COMPARATOR_WORDS[w] for w in words if w in COMPARATOR_WORDS]
    if not kinds or any(w not in COMPARATOR_WORDS and w not in GENERIC_WORDS for w in words):
        return None
    specific = [k for k in kinds if k != "total"]
    return specific[0] if specific else "total"

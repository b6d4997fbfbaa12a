"""Comparator rows of published results: medians, means, best, worst, totals — never units.

Published tables put benchmark and aggregate rows beside the units: "National median", "CS_MEDIAN",
"Best result", "All teams", "Combined results", "Total". Counted as units they would be analysed as if
they were one more team or trust (and a total beside its parts double-counts every respondent). This
module is the one place that decides which labels are comparators; the unit-level reader and
``relate --units`` both call :func:`comparator_kind`.
"""

from __future__ import annotations

from analytics.ingest.recognise import header_words

#: Comparator kinds, in the order they are tried (the first whose words appear wins: "national median"
#: is a median, "benchmark group average" a mean).
COMPARATOR_MEDIAN = "median"
COMPARATOR_MEAN = "mean"
COMPARATOR_BEST = "best"
COMPARATOR_WORST = "worst"
COMPARATOR_TOTAL = "total"
COMPARATOR_NATIONAL = "national"
COMPARATOR_BENCHMARK_GROUP = "benchmark_group"

#: Words (or phrases) of a label, per kind.
_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (COMPARATOR_MEDIAN, ("median",)),
    (COMPARATOR_MEAN, ("mean", "average", "avg")),
    (COMPARATOR_BEST, ("best", "highest", "max", "maximum")),
    (COMPARATOR_WORST, ("worst", "lowest", "min", "minimum")),
    (COMPARATOR_TOTAL, ("total", "all teams", "all staff", "all units", "all wards", "all directorates",
                        "all organisations", "all trusts", "combined results", "combined", "overall",
                        "whole organisation", "grand total", "all respondents")),
    (COMPARATOR_NATIONAL, ("national", "england", "nhs england", "all nhs", "sector")),
    (COMPARATOR_BENCHMARK_GROUP, ("benchmark group", "benchmarking group", "comparator group", "peer group",
                                  "benchmark")),
)

#: Words that may stand beside the words above in a comparator's label ("Acute trusts average", "Civil
#: Service benchmark", "Median of all organisations"). A label with any other word is a unit's name, however
#: it starts ("Best Start Ward", "Total Care Team").
GENERIC_WORDS = frozenset({
    "cs", "nhs", "group", "score", "scores", "result", "results", "value", "values", "trust", "trusts",
    "organisation", "organisations", "organization", "organizations", "team", "teams", "unit", "units",
    "the", "of", "for", "all", "grand", "respondents", "staff", "survey", "acute", "community", "mental",
    "health", "ambulance", "specialist", "and", "combined", "directorates", "departments", "wards", "civil",
    "service", "learning", "disability", "disabilities", "providers", "sample", "people", "in", "whole",
    "comparator", "benchmarking", "peer", "sector",
})
_KIND_VOCABULARY = frozenset(word for _, phrases in _KIND_WORDS for phrase in phrases for word in phrase.split())



def comparator_kind(label: object) -> str | None:
    """The comparator kind of a row label, or None when the row is a unit.

    Parameters
    ----------
    label
        The unit cell of the row, as written ("CS_MEDIAN", "Median for benchmark group", "All teams").

    Returns
    -------
    str or None
        One of ``"median"``, ``"mean"``, ``"best"``, ``"worst"``, ``"total"``, ``"national"``,
        ``"benchmark_group"``; None for a unit.

    Notes
    -----
    Words are compared case- and punctuation-insensitively (``"CS_MEDIAN"`` -> ``cs median``). A label
    with a word that is neither a comparator word nor in :data:`GENERIC_WORDS` is a unit. Kinds are tried in the order of
    :data:`_KIND_WORDS`, so "National median" is a median and "National" alone is national.

    >>> [comparator_kind(x) for x in ("CS_MEDIAN", "All teams", "Combined results", "Ward 7", "Lowest")]
    ['median', 'total', 'total', None, 'worst']
    """
    if label is None:
        return None
    words = header_words(str(label))
    if not words or any(w not in _KIND_VOCABULARY and w not in GENERIC_WORDS for w in words):
        return None
    padded = f" {' '.join(words)} "
    for kind, phrases in _KIND_WORDS:
        if any(f" {phrase} " in padded for phrase in phrases):
            return kind
    return None

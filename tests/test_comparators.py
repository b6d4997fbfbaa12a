"""Comparator rows (medians, means, best, worst, totals) are told apart from units by their labels."""

import pytest

from analytics.ingest.comparators import comparator_kind


@pytest.mark.parametrize("label, kind", [
    ("CS_MEDIAN", "median"), ("CS_MEAN", "mean"), ("Median", "median"), ("Acute trusts average", "mean"),
    ("Best score", "best"), ("Lowest", "worst"), ("All teams", "total"), ("Combined results", "total"),
    ("Grand total", "total"), ("National", "national"), ("Civil Service benchmark", "benchmark_group"),
    ("Mental health and learning disability trusts median", "median"),
])
def test_comparator_labels(label, kind):
    assert comparator_kind(label) == kind


@pytest.mark.parametrize("label", ["Ward 7", "Best Start Ward", "Top Floor", "Total Care Team", "Medicine", None, ""])
def test_unit_names_are_not_comparators(label):
    assert comparator_kind(label) is None

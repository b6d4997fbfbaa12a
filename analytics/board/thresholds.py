"""RAG statuses and benchmarks on the headline table (the rule itself: :mod:`analytics.rag`)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analytics import format as fmt
from analytics.board.common import HEADLINE_COLUMNS
from analytics.errors import InputError
from analytics.missing import is_missing
from analytics.rag import (
    DEFAULT_RAG_THRESHOLDS, RAG_GREEN, RAG_NO_DATA, RAG_NOT_RATED, RAG_RED, RagThresholds, as_thresholds, rag_rating)


#: Shown next to any comparison of local scores with a published benchmark (domain.md §1).
BENCHMARK_WEIGHTING_NOTE = ("Local scores are unweighted; published NHS Staff Survey benchmark scores are weighted "
                            "by occupational group.")


def _rag_reason(rating: str, value: float, rule: RagThresholds, kind: str) -> str:
    def show(x: float) -> str:
        return fmt.format_pct(x, 2) if kind == "pct" else fmt.format_number(x, 2)

    better, worse = ("at or above", "at or below") if rule.higher_is_better else ("at or below", "at or above")
    if rating == RAG_GREEN:
        return f"{show(value)} is {better} the green threshold ({show(rule.green_at)})"
    if rating == RAG_RED:
        return f"{show(value)} is {worse} the red threshold ({show(rule.red_at)})"
    return (f"{show(value)} is between the red threshold ({show(rule.red_at)}) and the green threshold "
            f"({show(rule.green_at)})")


def apply_thresholds(headline: pd.DataFrame, thresholds: Mapping[str, object] | None = None,
                     benchmarks: Mapping[str, object] | None = None) -> pd.DataFrame:
    """Add benchmark comparisons and RAG statuses to a headline table (a new frame; the input is unchanged).

    Parameters
    ----------
    headline
        :func:`headline_figures` output (or a previous :func:`apply_thresholds` output).
    thresholds
        Measure id → thresholds (an :class:`analytics.rag.RagThresholds`, a mapping with
        ``green_at``/``red_at``/``higher_is_better``, or a ``(green_at, red_at[, higher_is_better])``
        tuple). A survey measure without its own entry uses the ``"score"`` entry; anything not given
        uses :data:`analytics.settings.DEFAULT_RAG_THRESHOLDS`. The response count is not rated.
    benchmarks
        Measure id → a value the user entered to compare with (same units as ``value``); ``None`` or a
        missing id means no benchmark.

    Returns
    -------
    pandas.DataFrame
        ``headline`` with ``benchmark``, ``vs_benchmark`` (value − benchmark), ``rag`` (Green, Amber,
        Red, "No data" for a missing value, "Not rated" without thresholds), ``rag_reason``,
        ``green_at``, ``red_at`` and ``higher_is_better`` filled; a benchmark on a survey score adds
        :data:`BENCHMARK_WEIGHTING_NOTE` to ``note``.

    Raises
    ------
    InputError
        Thresholds in the wrong order (green must be strictly better than red) or not numbers; a
        benchmark that is not a number.
    """
    rules = dict(DEFAULT_RAG_THRESHOLDS)
    for name, spec in (thresholds or {}).items():
        if spec is not None:
            rules[str(name)] = as_thresholds(str(name), spec)
    out = headline.copy()
    for column in ("benchmark", "vs_benchmark", "green_at", "red_at"):
        out[column] = np.nan
    out["rag"], out["rag_reason"], out["higher_is_better"] = None, None, None
    out["rag"] = out["rag"].astype(object)
    out["rag_reason"] = out["rag_reason"].astype(object)
    out["higher_is_better"] = out["higher_is_better"].astype(object)
    benchmarks = dict(benchmarks or {})
    for i, row in out.iterrows():
        _add_benchmark(out, i, row, benchmarks.get(row["measure"]))
        rule = rules.get(row["measure"]) or (rules.get("score") if row["kind"] == "score" else None)
        _add_rag(out, i, row, rule)
    out = out[list(HEADLINE_COLUMNS)]
    out.attrs = dict(headline.attrs)
    return out


def _add_benchmark(out: pd.DataFrame, i: object, row: pd.Series, bench: object) -> None:
    """Row ``i``'s benchmark and ``vs_benchmark`` (value − benchmark); a benchmark on a survey score adds
    :data:`BENCHMARK_WEIGHTING_NOTE` to the note. A benchmark that is not a number is refused."""
    if is_missing(bench):
        return
    try:
        bench = float(bench)
    except (TypeError, ValueError):
        raise InputError(f"The benchmark for {row['label']} must be a number (got '{bench}').") from None
    out.at[i, "benchmark"] = bench
    if not is_missing(row["value"]):
        out.at[i, "vs_benchmark"] = float(row["value"]) - bench
    if row["kind"] == "score":
        note = row["note"] or ""
        if BENCHMARK_WEIGHTING_NOTE not in note:
            out.at[i, "note"] = (note + " " + BENCHMARK_WEIGHTING_NOTE).strip()


def _add_rag(out: pd.DataFrame, i: object, row: pd.Series, rule: RagThresholds | None) -> None:
    """Row ``i``'s RAG status (:func:`analytics.rag.rag_rating`), its reason in words and the thresholds used;
    "Not rated" without thresholds."""
    if rule is None:
        out.at[i, "rag"] = RAG_NOT_RATED
        out.at[i, "rag_reason"] = "No RAG thresholds are set for this figure."
        return
    out.at[i, "green_at"], out.at[i, "red_at"] = rule.green_at, rule.red_at
    out.at[i, "higher_is_better"] = rule.higher_is_better
    rating = rag_rating(row["value"], **rule.as_kwargs())
    out.at[i, "rag"] = rating
    out.at[i, "rag_reason"] = ("No value to rate." if rating == RAG_NO_DATA
                               else _rag_reason(rating, float(row["value"]), rule, row["kind"]))

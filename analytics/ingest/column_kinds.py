"""What kind of figure a column of published results holds, decided from its header and its values.

Kinds (domain.md §2a):

* ``score_0_10`` — a 0–10 score (NSS theme and sub-score scale);
* ``pct_favourable`` — a percentage 0–100 where higher is better (NSS "% positive");
* ``pct_unfavourable`` — a percentage 0–100 where higher is worse (burnout, stress, "negative", sickness);
* ``fraction`` — a share 0–1, multiplied by 100 for display (favourable or unfavourable by its header);
* ``count`` — a number of responses;
* ``response_rate`` — a property of the unit (share of staff who answered), never a measure score;
* ``not_used`` — left out (text, or values fitting no scale).

Rules, in order (the first that applies decides; the reason is returned in words, for the kinds table):

1. Header words: "response rate" -> response rate; count words ("n", "respondents", "base" ...) over
   whole numbers -> count.
2. Values written with "%" -> a percentage, however low ("4%" is 4 %, never a 0–10 score).
3. A header saying percent ("%", "percent", "pct", "rate", "proportion", "positive", "favourable"), an
   unfavourable word ("burnout", "stress", ...) or naming a question (NSS question-level results are
   % positive): values all in [0, 1] -> fraction; otherwise a percentage. A low percentage column
   (all <= 10) with such a header stays a percentage.
4. A header saying score ("score", "mean", "average") or naming a codebook measure -> a 0–10 score.
5. Values only: all in [0, 1] with decimals -> fraction; any above 10 (all within 0–100) -> percentage;
   all within 0–10 -> 0–10 score; otherwise not used.

Hence a fraction or a percentage is never read as a 0–10 score unless its header says "score". The user
can override any decision (``column_kinds={column: kind}`` of
:func:`analytics.ingest.unit_level.read_unit_results`).
"""

from __future__ import annotations

from analytics.ingest.published_cells import _Cell
from analytics.ingest.recognise import header_words

KIND_SCORE = "score_0_10"
KIND_PCT_FAVOURABLE = "pct_favourable"
KIND_PCT_UNFAVOURABLE = "pct_unfavourable"
KIND_FRACTION = "fraction"
KIND_COUNT = "count"
KIND_RESPONSE_RATE = "response_rate"
KIND_NOT_USED = "not_used"
#: Every kind a user may give.
KINDS = (KIND_SCORE, KIND_PCT_FAVOURABLE, KIND_PCT_UNFAVOURABLE, KIND_FRACTION, KIND_COUNT, KIND_RESPONSE_RATE,
         KIND_NOT_USED)
#: Columns of the kinds table (:attr:`analytics.ingest.unit_level.UnitResults.column_kinds`).
COLUMN_KIND_COLUMNS = ("column", "kind", "measure", "why")

#: Why a column fitting no scale is not used.
OUTSIDE_SCALES = "values outside 0–100"
#: Header words saying a column holds percentages (or fractions).
PERCENT_WORDS = frozenset({"percent", "percentage", "pct", "positive", "proportion", "rate", "rates",
                           "favourable", "favorable", "share"})
#: Header words of a figure where higher is worse.
UNFAVOURABLE_WORDS = frozenset({"burnout", "burned", "burnt", "stress", "stressed", "negative", "unfavourable",
                                "unfavorable", "sickness", "absence", "turnover", "leavers", "leaving",
                                "harassment", "bullying", "abuse", "discrimination", "violence"})
#: Header words saying a 0–10 score.
SCORE_WORDS = frozenset({"score", "mean", "average", "avg"})
#: Header words of a count of responses.
COUNT_WORDS = frozenset({"n", "respondents", "responses", "base", "basesize", "count"})


def is_unfavourable(texts: list[str]) -> bool:
    """Whether a header names a figure where higher is worse (:data:`UNFAVOURABLE_WORDS`)."""
    return any(w in UNFAVOURABLE_WORDS for t in texts for w in header_words(t))


def percentage_kind(texts: list[str]) -> str:
    """``pct_unfavourable`` when the header has an unfavourable word, else ``pct_favourable``."""
    return KIND_PCT_UNFAVOURABLE if is_unfavourable(texts) else KIND_PCT_FAVOURABLE


def _words(texts: list[str]) -> list[str]:
    return [w for t in texts for w in header_words(t)]


def _first(words: list[str], vocabulary: frozenset[str]) -> str | None:
    return next((w for w in words if w in vocabulary), None)


def _header_rule(texts: list[str], numbers: list[float]) -> tuple[str, str] | None:
    """Rule 1: response rate and count columns."""
    words = _words(texts)
    joined = f" {' '.join(words)} "
    if " response rate " in joined or " response rates " in joined:
        return KIND_RESPONSE_RATE, "header says 'response rate' (a property of the unit, not a score)"
    word = _first(words, COUNT_WORDS)
    if word is not None and numbers and all(v >= 0 and float(v).is_integer() for v in numbers) \
            and not any(w in PERCENT_WORDS | SCORE_WORDS for w in words):
        return KIND_COUNT, f"header says '{word}' and all values are whole numbers"
    return None


def _percent_reason(texts: list[str], meaning: tuple[str, str] | None) -> str | None:
    """Why the header says percentage (rule 3), or None."""
    words = _words(texts)
    says_score = _first(words, SCORE_WORDS) is not None
    if any("%" in t for t in texts):
        return "header has '%'"
    if (word := _first(words, PERCENT_WORDS)) is not None:
        return f"header says '{word}'"
    if (word := _first(words, UNFAVOURABLE_WORDS)) is not None and not says_score:
        return f"header says '{word}' (a percentage where higher is worse)"
    if meaning is not None and meaning[1] == "item" and not says_score:
        return f"names question {meaning[0]} (question-level results are % positive)"
    return None


def _percent_rule(texts: list[str], cells: list[_Cell], numbers: list[float],
                  meaning: tuple[str, str] | None) -> tuple[str, str] | None:
    """Rules 2 and 3: "%" in the values, or a percentage / unfavourable / question header."""
    pct = percentage_kind(texts)
    example = next((c.text for c in cells if c.percent_sign), None)
    if example is not None:
        return pct, f"values written with '%' ('{example}')"
    reason = _percent_reason(texts, meaning)
    if reason is None:
        return None
    if numbers and all(0 <= v <= 1 for v in numbers):
        return KIND_FRACTION, f"{reason} and all values lie between 0 and 1"
    return pct, reason


def _value_rule(texts: list[str], numbers: list[float]) -> tuple[str, str]:
    """Rule 5: values only."""
    if not numbers:
        return KIND_NOT_USED, "no figures"
    if all(0 <= v <= 1 for v in numbers) and any(not float(v).is_integer() for v in numbers):
        return KIND_FRACTION, "all values lie between 0 and 1, with decimals"
    if all(0 <= v <= 10 for v in numbers):
        return KIND_SCORE, "all values lie within 0–10 and the header names no percentage"
    if all(0 <= v <= 100 for v in numbers):
        return percentage_kind(texts), "values above 10 (all within 0–100)"
    return KIND_NOT_USED, OUTSIDE_SCALES


def decide_kind(texts: list[str], cells: list[_Cell], meaning: tuple[str, str] | None = None) -> tuple[str, str]:
    """The kind of a column and why, in words.

    Parameters
    ----------
    texts
        The column's header texts (all header rows).
    cells
        Its parsed cells (:func:`analytics.ingest.published_cells._parse_cell`).
    meaning
        ``(measure id or item code, "measure" | "item")`` when the header names a codebook measure or
        question, else None.

    Returns
    -------
    (kind, why)
        ``kind`` is one of :data:`KINDS`; ``why`` says which header word or value decided, e.g.
        ``"header says 'rate' and all values lie between 0 and 1"``. See the module docstring.
    """
    numbers = [float(c.value) for c in cells if c.kind == "number"]
    decided = _header_rule(texts, numbers) or _percent_rule(texts, cells, numbers, meaning)
    if decided is not None:
        return decided
    words = _words(texts)
    if (word := _first(words, SCORE_WORDS)) is not None:
        return KIND_SCORE, f"header says '{word}'"
    if meaning is not None and meaning[1] == "measure":
        return KIND_SCORE, f"names the codebook measure '{meaning[0]}' (a 0–10 score)"
    return _value_rule(texts, numbers)

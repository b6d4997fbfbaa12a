"""Known answer scales, and the scale of a local question detected from its answers.

A local pulse survey asks its own questions on the usual response scales, but words them in its own
way ("Neutral" where the NHS Staff Survey says "Neither agree nor disagree"; "Most of the time" for
"Often"). :data:`KNOWN_SCALES` is the one table of those scales: each position of a scale lists every
wording that means it, the first being the canonical one. It serves two rules:

* **Synonyms** (:func:`option_aliases`): any scale whose options are one wording per position of a known
  scale (the codebook's agreement scale, a local measure's "agreement") accepts every wording of each
  position. So "Neutral" on an agreement scale is position 3 of 5 and scores 5.0, never missing.
* **Detection** (:func:`detect_scale`): a local question's scale is the first known scale (table order:
  the shorter scale first) whose wordings cover every distinct answer that is not a non-answer
  (:data:`NON_ANSWERS`, missing) and gives each a position of its own (so "Agree" and "Somewhat agree"
  in one file make the 7-point scale, while "Somewhat agree" alone is the 5-point "Agree"). Answers that are all whole numbers are a numeric scale: ``0..10``
  when a 0 is answered, else ``1..k`` with ``k`` the smallest of 5, 7 and 10 not below the highest answer.

Item scores are then the codebook rule (domain.md §1): position ``p`` of ``k`` scores
``(p - 1) / (k - 1) * 10``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from analytics.ingest.codebook import normalise_label

#: The known scales: name -> (label, positions from least to most favourable wording, each a tuple of the
#: wordings that mean it, canonical first). Table order is the order tried by :func:`detect_scale`.
KNOWN_SCALES: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {
    "agreement": ("Agreement (5 points)", (
        ("Strongly disagree",),
        ("Disagree", "Somewhat disagree", "Tend to disagree"),
        ("Neither agree nor disagree", "Neither agree or disagree", "Neutral", "Neither",
         "Neither disagree nor agree"),
        ("Agree", "Somewhat agree", "Tend to agree"),
        ("Strongly agree",),
    )),
    "agreement_7": ("Agreement (7 points)", (
        ("Strongly disagree",),
        ("Disagree",),
        ("Somewhat disagree", "Slightly disagree"),
        ("Neither agree nor disagree", "Neither agree or disagree", "Neutral", "Neither"),
        ("Somewhat agree", "Slightly agree"),
        ("Agree",),
        ("Strongly agree",),
    )),
    "frequency": ("Frequency (5 points)", (
        ("Never", "None of the time"),
        ("Rarely", "Seldom", "A little of the time"),
        ("Sometimes", "Some of the time", "Occasionally"),
        ("Often", "Most of the time", "Frequently", "Usually", "Very often"),
        ("Always", "All of the time"),
    )),
    "satisfaction": ("Satisfaction (5 points)", (
        ("Very dissatisfied", "Extremely dissatisfied"),
        ("Dissatisfied", "Somewhat dissatisfied"),
        ("Neither satisfied nor dissatisfied", "Neither satisfied or dissatisfied", "Neutral", "Neither"),
        ("Satisfied", "Somewhat satisfied"),
        ("Very satisfied", "Extremely satisfied"),
    )),
    "likelihood": ("Likelihood (5 points)", (
        ("Very unlikely", "Extremely unlikely"),
        ("Unlikely", "Somewhat unlikely"),
        ("Neither likely nor unlikely", "Neither likely or unlikely", "Neutral", "Neither"),
        ("Likely", "Somewhat likely"),
        ("Very likely", "Extremely likely"),
    )),
    "yes_no": ("Yes / no", (("No",), ("Yes",))),
}

#: Answers that mean "no answer": missing, never a position (matched after :func:`normalise_label`).
NON_ANSWERS: tuple[str, ...] = (
    "Don't know", "Do not know", "Dont know", "Not applicable", "N/A", "NA", "Prefer not to say",
    "Prefer not to answer", "Not sure", "Can't say", "Rather not say", "No answer", "Skipped",
)

#: Highest answers of a numeric 1..k scale, tried in order.
_NUMERIC_TOPS = (5, 7, 10)

#: A label preceded by a number ("5 - Strongly agree", "(2) Disagree"): the label is group 1.
_PREFIX = re.compile(r"^\(?[0-9]{1,2}\)?\s*[-\u2013\u2014:.)=]?\s*([^0-9\s].*)$")


@dataclass(frozen=True)
class DetectedScale:
    """A scale detected from a question's answers.

    ``name`` is a :data:`KNOWN_SCALES` name or ``"numeric_1_k"``/``"numeric_0_10"``; ``options`` the
    canonical options from position 1 to ``k``; ``label`` says it in words ("Agreement (5 points)").
    """

    name: str
    label: str
    options: tuple[str, ...]


def _position_maps() -> dict[str, dict[str, int]]:
    return {name: {normalise_label(w): p for p, words in enumerate(positions, start=1) for w in words}
            for name, (_, positions) in KNOWN_SCALES.items()}


_POSITIONS = _position_maps()
_NON_ANSWERS = frozenset(normalise_label(a) for a in NON_ANSWERS) | {""}


def canonical_options(name: str) -> tuple[str, ...]:
    """The canonical options of a known scale, from position 1 to ``k``."""
    return tuple(words[0] for words in KNOWN_SCALES[name][1])


def option_aliases(options: tuple[str, ...] | list[str]) -> dict[str, int]:
    """Every accepted wording (normalised) -> position, for a scale whose options are the wordings of a
    known scale's positions in order; ``{}`` for any other scale (e.g. 0-10 numbers, a user's own list).

    >>> option_aliases(["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
    ...                 "Strongly agree"])["neutral"]
    3
    >>> option_aliases(["Bad", "Good"])
    {}
    """
    norm = [normalise_label(o) for o in options]
    for name, positions in _POSITIONS.items():
        if len(KNOWN_SCALES[name][1]) == len(norm) and all(positions.get(o) == p for p, o in enumerate(norm, 1)):
            return dict(positions)
    return {}


def _label_of(value: object) -> str:
    text = normalise_label(value)
    match = _PREFIX.match(text)
    return match.group(1).strip() if match and text not in _NON_ANSWERS else text


def _numeric_scale(numbers: list[float]) -> DetectedScale | None:
    if not numbers or any(n != int(n) or n < 0 for n in numbers):
        return None
    low, high = min(numbers), max(numbers)
    if low == 0:
        if high > 10:
            return None
        return DetectedScale("numeric_0_10", "Numbers 0 to 10", tuple(str(i) for i in range(11)))
    top = next((t for t in _NUMERIC_TOPS if high <= t), None)
    if top is None:
        return None
    return DetectedScale("numeric_1_k", f"Numbers 1 to {top}", tuple(str(i) for i in range(1, top + 1)))


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def detect_scale(columns: list[pd.Series]) -> DetectedScale | None:
    """The scale of one or more question columns, from their distinct answers (see the module docstring).

    Non-answers and blanks are left out; ``None`` when no known scale covers every answer (or there is no
    answer at all), so the user chooses the scale.

    >>> detect_scale([pd.Series(["Agree", "Neutral", "Strongly agree", "Don't know", None])]).name
    'agreement'
    >>> detect_scale([pd.Series([1, 4, 3])]).options
    ('1', '2', '3', '4', '5')
    """
    distinct = {v for column in columns for v in pd.unique(column.dropna())}
    labels = {_label_of(v) for v in distinct} - _NON_ANSWERS
    if not labels:
        return None
    numbers = [_as_number(t) for t in labels]
    if all(n is not None for n in numbers):
        return _numeric_scale(numbers)
    for name, positions in _POSITIONS.items():
        if labels <= positions.keys() and len({positions[t] for t in labels}) == len(labels):
            return DetectedScale(name, KNOWN_SCALES[name][0], canonical_options(name))
    return None


def column_scales(frame: pd.DataFrame, columns: list[str] | None = None) -> dict[str, DetectedScale | None]:
    """Column -> its scale detected from its own answers (:func:`detect_scale`), for ``columns`` (default:
    every column). Only the scale is kept, never an answer."""
    return {c: detect_scale([frame[c]]) for c in (frame.columns if columns is None else columns)}


def combined_scale(scales: list[DetectedScale | None]) -> DetectedScale | None:
    """One scale for several columns detected one by one: their common scale; the 7-point agreement scale
    when some columns read as the 5-point one (their answers fit both); numbers ``1..k`` with the largest
    ``k``; ``None`` when a column has no known scale or the columns' scales differ.

    >>> combined_scale([detect_scale([pd.Series([1, 2])]), detect_scale([pd.Series([6])])]).options[-1]
    '7'
    """
    if not scales or any(s is None for s in scales):
        return None
    names = {s.name for s in scales}
    if names == {"agreement", "agreement_7"}:
        names = {"agreement_7"}
    if len(names) != 1:
        return None
    return max((s for s in scales if s.name in names), key=lambda s: len(s.options))

"""The RAG rule: Green, Amber or Red against thresholds a user sets, in one place.

Every RAG status in the product — Board tiles and table, the board pack, the scorecards — is
:func:`rag_rating` of a value against a :class:`RagThresholds`. Both thresholds are inclusive: when
higher is better, Green if ``value >= green_at``, Red if ``value <= red_at``, Amber between; when lower
is better (sickness, leaving), Green if ``value <= green_at``, Red if ``value >= red_at``. The value
is judged **as it is shown**: rounded first to :data:`analytics.settings.RAG_DECIMALS` places (the
one decimal every score and rate is displayed with, :func:`analytics.format.displayed_value`), so a
morale score of 5.52, shown as 5.5, is Red when red is "at 5.5 or below" — the words and the colour
never disagree. The thresholds are compared as they are shown too (one decimal). The default thresholds
(:data:`analytics.settings.DEFAULT_RAG_THRESHOLDS`) are local starting points, not NHS standards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from analytics import settings
from analytics.errors import InputError
from analytics.missing import is_missing


RAG_GREEN, RAG_AMBER, RAG_RED, RAG_NO_DATA, RAG_NOT_RATED = "Green", "Amber", "Red", "No data", "Not rated"


@dataclass(frozen=True)
class RagThresholds:
    """Where Green and Red begin; both inclusive. :meth:`checked` refuses thresholds in the wrong order
    (checked when used, so that a page can hold what a user typed and say what is wrong)."""

    green_at: float
    red_at: float
    higher_is_better: bool = True

    def as_kwargs(self) -> dict[str, float | bool]:
        return {"green_at": self.green_at, "red_at": self.red_at, "higher_is_better": self.higher_is_better}

    def checked(self) -> "RagThresholds":
        """These thresholds, or :class:`InputError` when one is missing or Green is not strictly better than
        Red."""
        if is_missing(self.green_at) or is_missing(self.red_at):
            raise InputError("Set both the green and the red threshold.")
        if self.higher_is_better and not self.green_at > self.red_at:
            raise InputError(f"The green threshold ({self.green_at}) must be above the red threshold "
                             f"({self.red_at}) when higher values are better.")
        if not self.higher_is_better and not self.green_at < self.red_at:
            raise InputError(f"The green threshold ({self.green_at}) must be below the red threshold "
                             f"({self.red_at}) when lower values are better.")
        return self


#: The starting thresholds per measure or outcome ("score": every survey score without its own entry).
DEFAULT_RAG_THRESHOLDS: dict[str, RagThresholds] = {
    name: RagThresholds(green_at=green, red_at=red, higher_is_better=higher)
    for name, (green, red, higher) in settings.DEFAULT_RAG_THRESHOLDS.items()
}


def as_thresholds(name: str, spec: object) -> RagThresholds:
    """A :class:`RagThresholds` from one, anything with ``green_at``/``red_at``/``higher_is_better``
    attributes, a mapping with those keys, or a ``(green_at, red_at[, higher_is_better])`` tuple; checked."""
    if isinstance(spec, RagThresholds):
        return spec.checked()
    try:
        if isinstance(spec, Mapping):
            found = RagThresholds(float(spec["green_at"]), float(spec["red_at"]),
                                  bool(spec.get("higher_is_better", True)))
        elif isinstance(spec, (tuple, list)):
            found = RagThresholds(float(spec[0]), float(spec[1]), bool(spec[2]) if len(spec) > 2 else True)
        else:
            found = RagThresholds(float(spec.green_at), float(spec.red_at), bool(getattr(spec, "higher_is_better", True)))
    except (KeyError, IndexError, AttributeError, TypeError, ValueError):
        raise InputError(f"The RAG thresholds for '{name}' must give a green and a red threshold.") from None
    return found.checked()


def rag_rating(value: object, *, green_at: float, red_at: float, higher_is_better: bool = True) -> str:
    """Green, Amber or Red of ``value`` against the thresholds; "No data" when ``value`` is missing.

    Raises :class:`InputError` for thresholds in the wrong order (:meth:`RagThresholds.checked`).

    >>> rag_rating(7.0, green_at=7.0, red_at=6.0), rag_rating(5.7, green_at=4.0, red_at=5.6, higher_is_better=False)
    ('Green', 'Red')
    >>> rag_rating(5.52, green_at=6.5, red_at=5.5)  # shown as 5.5: red at 5.5 or below
    'Red'
    """
    rule = RagThresholds(green_at, red_at, higher_is_better).checked()
    if is_missing(value):
        return RAG_NO_DATA
    from analytics.format import displayed_value  # format imports labels, which imports this module

    v, green, red = (displayed_value(x, settings.RAG_DECIMALS) for x in (value, rule.green_at, rule.red_at))
    if rule.higher_is_better:
        return RAG_GREEN if v >= green else RAG_RED if v <= red else RAG_AMBER
    return RAG_GREEN if v <= green else RAG_RED if v >= red else RAG_AMBER

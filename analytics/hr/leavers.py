"""Who counts as a leaver, and on what basis (:class:`LeaverDefinition`): the spell-based count or NHS
Digital's snapshot method, by headcount or FTE, and the voluntary resignation rate (domain.md §3).

Methods (``LeaverDefinition.method``; labels in :data:`analytics.settings.LEAVER_METHODS`)
----------------------------------------------------------------------------------------
* ``"spell"`` (the default): every continuous spell of a person in the unit (:func:`~analytics.hr.spells._spell_rows`)
  that ends inside the window, first and last day included. A joiner who leaves within the window is a
  leaver; a person who leaves and comes back counts once per spell that ends.
* ``"snapshot"``: NHS Digital's turnover method in its NHS Workforce Statistics. Leavers are the people in
  post on the window's first day who are not in post on its last day (two snapshots, matched by person);
  the rate divides them by the mean of staff in post on the two days (NHS Digital's leaver rate: "leavers
  ÷ the average of staff in post at the beginning and end of the period", headcount-based, e.g. as
  quoted in Nuffield Trust, "Regional variation in leaver rates", 2022). A joiner who leaves within the
  window is not a leaver (not in the first snapshot); someone who leaves and returns before the last day
  is not one either; someone whose last day is the window's last day is still in post then, so not one.
  "In post" is judged at the unit's level: for a team, a move to another team (the person is in post in
  the organisation on the last day, but not in this team) counts as leaving the team, as it does in the
  spell-based count; for the organisation it is not a leaver.

Basis (``LeaverDefinition.basis``)
----------------------------------
* ``"headcount"`` (the default; NHS Digital's headline): ``leaver_rate = 100 × leavers ÷ mean(staff_start,
  staff_end)``.
* ``"fte"``: ``leaver_rate = 100 × leavers' FTE ÷ mean(FTE in post on the first day, FTE in post on the
  last day)``, FTE in post being the sum of the FTE of the unit's rows in post that day. A leaver's FTE is
  their FTE where they were counted: for a spell, the FTE of its rows ending on its last day (its FTE on
  leaving); for the snapshot method, their FTE in the first snapshot. ``staff_start``, ``staff_end``,
  ``leavers`` and ``voluntary_leavers`` stay headcounts.

Voluntary resignations
----------------------
A leaver resigned voluntarily when the leaving reason of the record(s) ending on their leaving day starts
with :data:`analytics.settings.VOLUNTARY_RESIGNATION_PREFIX` (ESR: "Voluntary Resignation - Relocation",
"Voluntary Resignation - Work Life Balance", ...), compared case- and space-insensitively.
``voluntary_resignation_rate = 100 × voluntary leavers ÷ mean(staff_start, staff_end)`` (or their FTE ÷
mean FTE in post, on the FTE basis). A leaver with a blank reason is not counted as voluntary. Without a
leaving-reason column both are NA.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import settings
from analytics.errors import InputError
from analytics.hr.spells import _spell_rows


#: Columns of :func:`unit_leavers`.
LEAVER_COUNT_COLUMNS = ("leavers", "voluntary_leavers", "leavers_fte", "voluntary_fte", "fte_start", "fte_end")


def _choice(value: object, allowed: dict[str, str], what: str) -> str:
    text = str(value).strip().lower()
    if text not in allowed:
        raise InputError(f"Unknown {what} '{value}'; use one of {', '.join(repr(k) for k in allowed)}.")
    return text


@dataclass(frozen=True)
class LeaverDefinition:
    """How leavers are counted (``method``: ``"spell"`` or ``"snapshot"``) and what the rates count
    (``basis``: ``"headcount"`` or ``"fte"``); see the module docstring. Hashable, so it can key a cache.

    >>> LeaverDefinition().text, LeaverDefinition("snapshot", "fte").text
    ('spell-based, headcount', 'NHS Digital snapshot, FTE')
    """

    method: str = settings.LEAVER_METHOD_SPELL
    basis: str = settings.LEAVER_BASIS_HEADCOUNT

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", _choice(self.method, settings.LEAVER_METHODS, "leaver definition"))
        object.__setattr__(self, "basis", _choice(self.basis, settings.LEAVER_BASES, "leaver rate basis"))

    @property
    def text(self) -> str:
        """The definition in a few words, for the ``leaver_definition`` column."""
        return f"{settings.LEAVER_METHODS[self.method]}, {settings.LEAVER_BASES[self.basis]}"

    @classmethod
    def of(cls, value: "LeaverDefinition | str | None") -> "LeaverDefinition":
        """A :class:`LeaverDefinition` from itself, a method name (headcount basis) or None (the default)."""
        if isinstance(value, cls):
            return value
        return cls() if value is None else cls(method=value)


def is_voluntary_resignation(reasons: pd.Series) -> np.ndarray:
    """Whether each leaving reason starts with :data:`~analytics.settings.VOLUNTARY_RESIGNATION_PREFIX`
    (case- and space-insensitive); blank or NA reasons are False."""
    prefix = " ".join(settings.VOLUNTARY_RESIGNATION_PREFIX.split()).casefold()
    text = reasons.astype("str").str.replace(r"\s+", " ", regex=True).str.strip().str.casefold()
    return text.str.startswith(prefix).fillna(False).to_numpy(dtype=bool)


def _spell_leavers(a: pd.DataFrame, keys: list[str], first: int, last: int) -> pd.DataFrame:
    """One row per spell ending in the window: ``keys``, ``fte`` (of its rows ending on its last day) and
    ``voluntary`` (any of those rows with a voluntary reason)."""
    df, spell = _spell_rows(a, keys, ["fte", "_voluntary"])
    end = df["end_day"].to_numpy()
    spell_end = pd.Series(end).groupby(spell).transform("max").to_numpy()
    leaving = (end == spell_end) & (spell_end >= first) & (spell_end <= last)
    rows = df[leaving]
    aggregations = {k: (k, "first") for k in keys}
    return rows.groupby(spell[leaving], sort=False).agg(**aggregations, fte=("fte", "sum"),
                                                        voluntary=("_voluntary", "any"))


def _snapshot_leavers(a: pd.DataFrame, keys: list[str], first: int, last: int) -> pd.DataFrame:
    """One row per person of a unit in post in it on ``first`` and not on ``last``: ``keys``, ``fte`` (in
    post on ``first``) and ``voluntary`` (a voluntary reason on a row ending on their last day in post)."""
    by = keys + ["person"]
    s, e = a["start_day"].to_numpy(), a["end_day"].to_numpy()
    in_first = (s <= first) & (e >= first)
    df = a[by].assign(_first=in_first, _last=(s <= last) & (e >= last),
                      _fte_first=np.where(in_first, a["fte"].to_numpy(), 0.0),
                      _end=np.where(s <= last, e, np.iinfo(np.int64).min))
    grouped = df.groupby(by, sort=False)
    left_on = grouped["_end"].transform("max").to_numpy()
    df["_voluntary"] = a["_voluntary"].to_numpy() & (e == left_on)
    people = df.groupby(by, sort=False).agg(in_first=("_first", "any"), in_last=("_last", "any"),
                                            fte=("_fte_first", "sum"), voluntary=("_voluntary", "any"))
    people = people[people["in_first"].to_numpy() & ~people["in_last"].to_numpy()]
    return people.reset_index()[keys + ["fte", "voluntary"]]


def unit_leavers(assignments: pd.DataFrame, keys: list[str], first: int, last: int,
                 definition: LeaverDefinition, has_reason: bool) -> pd.DataFrame:
    """Leavers per unit of one level (``keys``) over the window ``first``..``last`` (day numbers).

    Returns
    -------
    pd.DataFrame
        Indexed by ``keys`` (units with any row), :data:`LEAVER_COUNT_COLUMNS`: ``leavers`` and
        ``voluntary_leavers`` (headcounts; ``voluntary_leavers`` NaN without a reason column),
        ``leavers_fte`` and ``voluntary_fte`` (their FTE), ``fte_start`` and ``fte_end`` (FTE in post on
        the first and last day).
    """
    a = assignments.assign(_voluntary=is_voluntary_resignation(assignments["leaving_reason"]))
    a["fte"] = a["fte"].astype(float)
    if definition.method == settings.LEAVER_METHOD_SNAPSHOT:
        leavers = _snapshot_leavers(a, keys, first, last)
    else:
        leavers = _spell_leavers(a, keys, first, last)
    vol = leavers["voluntary"].to_numpy(dtype=bool)
    leavers = leavers.assign(leavers=1, voluntary_leavers=vol.astype(np.int64),
                             leavers_fte=leavers["fte"].to_numpy(), voluntary_fte=np.where(vol, leavers["fte"], 0.0))
    counted = leavers.groupby(keys, sort=True)[list(LEAVER_COUNT_COLUMNS[:4])].sum()
    s, e = a["start_day"].to_numpy(), a["end_day"].to_numpy()
    fte = a["fte"].to_numpy()
    in_post = a[keys].assign(fte_start=np.where((s <= first) & (e >= first), fte, 0.0),
                             fte_end=np.where((s <= last) & (e >= last), fte, 0.0))
    out = pd.concat([counted, in_post.groupby(keys, sort=True)[["fte_start", "fte_end"]].sum()], axis=1)
    for c in ("leavers", "voluntary_leavers", "leavers_fte", "voluntary_fte"):
        out[c] = out[c].fillna(0)
    if not has_reason:
        out[["voluntary_leavers", "voluntary_fte"]] = np.nan
    return out[list(LEAVER_COUNT_COLUMNS)]


def leaver_rates(counts: pd.DataFrame, definition: LeaverDefinition) -> tuple[pd.Series, pd.Series]:
    """``leaver_rate`` and ``voluntary_resignation_rate`` (Float64 %, NA when the denominator is 0 or
    unknown) from ``counts`` holding ``staff_start``, ``staff_end``, ``leavers``, ``voluntary_leavers`` and,
    on the FTE basis, ``leavers_fte``, ``voluntary_fte``, ``fte_start``, ``fte_end``."""
    if definition.basis == settings.LEAVER_BASIS_FTE:
        names = ("fte_start", "fte_end", "leavers_fte", "voluntary_fte")
    else:
        names = ("staff_start", "staff_end", "leavers", "voluntary_leavers")
    start, end, leavers, voluntary = (pd.to_numeric(counts[c]).astype("Float64") for c in names)
    mean = (start + end) / 2
    mean = mean.where(mean > 0)
    return 100 * leavers / mean, 100 * voluntary / mean

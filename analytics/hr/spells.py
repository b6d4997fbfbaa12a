"""People's continuous time in a unit (spells) and the overlap of periods in days: the building blocks of
staff in post, leavers and FTE days in :mod:`analytics.hr.metrics` and :mod:`analytics.hr.monthly`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics import settings


def _spell_rows(assignments: pd.DataFrame, keys: list[str], extra: list[str] = ()) -> tuple[pd.DataFrame, np.ndarray]:
    """Each person's rows within a unit (``keys``), sorted by person and start, and each row's spell number:
    a row starting no later than the day after the spell so far ends continues it. The rows keep
    ``keys``, ``person``, ``start_day``, ``end_day`` and the ``extra`` columns."""
    by = keys + ["person"]
    df = assignments[by + ["start_day", "end_day", *extra]].sort_values(by + ["start_day"], kind="stable")
    if df.empty:
        return df, np.zeros(0, dtype=np.int64)
    first = ~df.duplicated(by).to_numpy()
    running_end = df.groupby(by, sort=False)["end_day"].cummax().to_numpy()
    previous_end = np.roll(running_end, 1)
    new_spell = first | (df["start_day"].to_numpy() > previous_end + 1)
    return df, np.cumsum(new_spell)


def _spells(assignments: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Join each person's rows within a unit (``keys``) into continuous spells (:func:`_spell_rows`).
    Returns ``keys``, ``start_day``, ``end_day``."""
    df, spell = _spell_rows(assignments, keys)
    if df.empty:
        return df[keys + ["start_day", "end_day"]]
    aggregations = {k: (k, "first") for k in keys}
    return df.groupby(spell, sort=False).agg(**aggregations, start_day=("start_day", "min"),
                                             end_day=("end_day", "max")).reset_index(drop=True)


def _overlap_days(start: np.ndarray, end: np.ndarray, first: np.ndarray | int, last: np.ndarray | int) -> np.ndarray:
    return np.clip(np.minimum(end, last) - np.maximum(start, first) + 1, 0, None)


def _unit_frame(sums: pd.DataFrame, level: str, keys: list[str], has_directorate: bool) -> pd.DataFrame:
    out = sums.reset_index()
    out.insert(0, "level", level)
    out["unit"] = out[keys[-1]]
    if level == settings.LEVEL_ORGANISATION:
        out["parent"] = pd.NA
    elif level == settings.LEVEL_DIRECTORATE or has_directorate:
        out["parent"] = out[keys[-2]]
    else:
        out["parent"] = settings.ORGANISATION_UNIT
    return out.drop(columns=keys)

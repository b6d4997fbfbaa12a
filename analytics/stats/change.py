"""Change analysis: each unit's change in a score between two waves against its change in an outcome."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analytics.errors import InputError
from analytics.settings import CONFIDENCE_LEVEL
from analytics.stats._common import MIN_UNITS, _as_list, _numeric, _require_columns, _require_frame
from analytics.stats.correlation import correlations


def change_analysis(
    data: pd.DataFrame,
    x: str | Sequence[str],
    y: str | Sequence[str],
    *,
    unit: str,
    wave: str,
    wave_from: object,
    wave_to: object,
    by: str | None = None,
    min_units: int = MIN_UNITS,
    confidence: float = CONFIDENCE_LEVEL,
) -> pd.DataFrame:
    """Correlate the change in scores with the change in outcomes between two waves, per unit.

    Parameters
    ----------
    data
        One row per unit × wave (shown units only), with x and y columns.
    x, y
        Score and outcome columns.
    unit, wave
        Columns naming the unit and the wave.
    wave_from, wave_to
        The two waves compared; change = value at ``wave_to`` - value at ``wave_from``.
    by
        Optional grouping column (its value at ``wave_to``).
    min_units, confidence
        As in :func:`correlations`.

    Returns
    -------
    pandas.DataFrame
        As :func:`correlations`, with ``x`` and ``y`` named ``"change in <column>"``.

    Notes
    -----
    Units present in only one wave, or missing a value in either, drop out of that pair. Change scores
    remove stable differences between units (e.g. a ward's case mix), which is why they complement the
    cross-sectional correlation; they are noisier, so intervals are wider.

    Raises :class:`InputError` when a unit appears twice in one wave or a wave is absent.
    """
    data = _require_frame(data, "unit table")
    xs, ys = _as_list(x), _as_list(y)
    _require_columns(data, [unit, wave, *xs, *ys, *([by] if by else [])], "chosen")
    waves = set(data[wave].dropna().tolist())
    for label in (wave_from, wave_to):
        if label not in waves:
            raise InputError(f"Wave {label!r} is not in column '{wave}'. Waves found: "
                             + ", ".join(repr(w) for w in sorted(waves, key=str)) + ".", column=wave)
    if wave_from == wave_to:
        raise InputError("Choose two different waves to compare.")
    columns = list(dict.fromkeys(xs + ys))
    parts = {}
    for label in (wave_from, wave_to):
        part = data.loc[data[wave] == label]
        duplicated = part[unit].duplicated(keep=False) & part[unit].notna()
        if duplicated.any():
            name = part.loc[duplicated, unit].iloc[0]
            raise InputError(f"Unit {name!r} appears more than once in wave {label!r}; each unit needs one row "
                             "per wave.", column=unit)
        part = part.loc[part[unit].notna()].set_index(unit)
        parts[label] = pd.DataFrame({c: _numeric(part, c, "score or outcome") for c in columns}, index=part.index)
        if by and label == wave_to:
            group = part[by]
    both = parts[wave_from].index.intersection(parts[wave_to].index)
    delta = parts[wave_to].loc[both, columns] - parts[wave_from].loc[both, columns]
    delta.columns = [f"change in {c}" for c in columns]
    if by:
        delta[by] = group.loc[both]
    return correlations(delta.reset_index(drop=True), [f"change in {c}" for c in xs],
                        [f"change in {c}" for c in ys], by=by, min_units=min_units, confidence=confidence)

"""Shared checks and small helpers of the statistics modules (not part of the public API)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from analytics.errors import InputError
from analytics.settings import MIN_GROUP_SIZE_FLOOR


#: Fewest units (teams, organisations) for which a correlation or count model is reported. Below it
#: the row keeps its n and says "too few units"; its statistics are left empty.
MIN_UNITS = 5


#: The smallest ``min_units`` a caller may ask for: a Fisher-z interval needs n - 3 > 0.
MIN_UNITS_FLOOR = 4


def _z_critical(confidence: float) -> float:
    _check_confidence(confidence)
    return float(sps.norm.ppf(0.5 + confidence / 2))


def _check_confidence(confidence: float) -> None:
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        raise InputError(f"The confidence level must be between 0 and 1 (for example 0.95); got {confidence!r}.")


def _as_list(columns: str | Iterable[str] | None) -> list[str]:
    if columns is None:
        return []
    if isinstance(columns, str):
        return [columns]
    return [str(c) for c in columns]


def _require_frame(data: object, what: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"The {what} must be a table; got {type(data).__name__}.")
    return data


def _require_columns(data: pd.DataFrame, columns: Iterable[str], role: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        names = ", ".join(f"'{c}'" for c in missing)
        available = ", ".join(f"'{c}'" for c in list(data.columns)[:20])
        raise InputError(
            f"The {role} column {names} is not in the table. Columns available: {available}.",
            column=missing[0],
        )


def _row_of(label: object) -> int | None:
    """Spreadsheet row of an index label when the frame is indexed that way (analytics.ingest.raw)."""
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool) and int(label) >= 2:
        return int(label)
    return None


def _numeric(data: pd.DataFrame, column: str, role: str) -> pd.Series:
    """The column as float, missing kept missing; text that is not a number is refused."""
    series = data[column]
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    if pd.api.types.is_numeric_dtype(series):
        return series.astype(float)
    converted = pd.to_numeric(series, errors="coerce")
    bad = series.notna() & converted.isna() & (series.astype(str).str.strip() != "")
    if bad.any():
        label = bad[bad].index[0]
        raise InputError(
            f"The {role} column '{column}' must hold numbers, but it contains {series[label]!r}. "
            "Correct or remove that value, or choose another column.",
            column=column, row=_row_of(label),
        )
    return converted.astype(float)


def _non_negative(values: pd.Series, column: str, role: str) -> None:
    negative = values < 0
    if negative.any():
        label = negative[negative].index[0]
        raise InputError(
            f"The {role} column '{column}' has a negative value ({values[label]:g}); counts and days "
            "cannot be negative. Correct the value and try again.",
            column=column, row=_row_of(label),
        )


def _check_min_units(min_units: int) -> None:
    if not isinstance(min_units, (int, np.integer)) or min_units < MIN_UNITS_FLOOR:
        raise InputError(
            f"The minimum number of units must be a whole number of at least {MIN_UNITS_FLOOR}; got {min_units!r}."
        )


def _check_min_group_size(min_group_size: int) -> None:
    if not isinstance(min_group_size, (int, np.integer)) or min_group_size < MIN_GROUP_SIZE_FLOOR:
        raise InputError(
            f"The minimum reporting group must be a whole number of at least {MIN_GROUP_SIZE_FLOOR} "
            f"responses; got {min_group_size!r}."
        )


def _design(data: pd.DataFrame, covariates: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    """Numeric design columns for covariates: numbers as they are, text dummy-coded.

    A text (categorical) covariate becomes one 0/1 column per level except the first in sorted order
    (the reference level). Returns the design frame (same index as ``data``, missing where the covariate
    is missing) and its column names.
    """
    parts: dict[str, pd.Series] = {}
    for cov in covariates:
        series = data[cov]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            parts[cov] = series.astype(float)
            continue
        numeric = pd.to_numeric(series, errors="coerce")
        if numeric.notna().sum() == series.notna().sum():
            parts[cov] = numeric.astype(float)
            continue
        levels = sorted(series.dropna().astype(str).unique())
        text = series.astype(object).where(series.notna())
        for level in levels[1:]:
            column = f"{cov}={level}"
            parts[column] = pd.Series(np.where(text.isna(), np.nan, (text.astype(str) == level).astype(float)),
                                      index=data.index)
    design = pd.DataFrame(parts, index=data.index)
    return design, list(parts)

"""Missing is never zero: one test of whether a value is missing, for every module that shows or rates one."""

from __future__ import annotations

import math
from numbers import Number

import pandas as pd


def is_missing(value: object) -> bool:
    """True for ``None``, ``NaN``, ``pd.NA``, ``NaT`` and infinities (nothing that can be shown as a number).

    >>> is_missing(None), is_missing(float("nan")), is_missing(pd.NA), is_missing(0)
    (True, True, True, False)
    """
    if value is None:
        return True
    try:
        if pd.isna(value):
            return True
    except (TypeError, ValueError):  # arrays and other non-scalars
        return False
    if isinstance(value, Number):
        try:
            return math.isinf(float(value))
        except (TypeError, ValueError, OverflowError):
            return False
    return False

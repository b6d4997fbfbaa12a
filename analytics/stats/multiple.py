"""Multiple comparisons: Benjamini–Hochberg adjusted p-values, the one implementation the project uses.

Every family of tests shown together (the teams of a table, the cells of a relationships matrix, the
changes of one chart) is adjusted with :func:`benjamini_hochberg`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps


def benjamini_hochberg(p_values: pd.Series) -> pd.Series:
    """Benjamini–Hochberg adjusted p-values; missing p-values stay missing and are not counted.

    ``p_adj(i) = min over j >= i of (m / j) * p(j)`` for the m present p-values in ascending order,
    capped at 1 (Benjamini & Hochberg 1995, *J R Stat Soc B* 57:289–300), computed by
    :func:`scipy.stats.false_discovery_control`. Validated against ``statsmodels`` ``multipletests``
    (``method="fdr_bh"``).

    Values that are not numbers are treated as missing. The result has the input's index.

    >>> benjamini_hochberg(pd.Series([0.01, None, 0.04])).round(3).tolist()
    [0.02, nan, 0.04]
    """
    values = pd.to_numeric(pd.Series(p_values), errors="coerce").astype(float)
    adjusted = pd.Series(np.nan, index=values.index, dtype=float)
    present = values.notna().to_numpy()
    if present.any():
        adjusted[present] = sps.false_discovery_control(values[present].to_numpy(dtype=float), method="bh")
    return adjusted

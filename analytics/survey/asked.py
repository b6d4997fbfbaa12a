"""Which measures each wave's survey asked: a wave whose file has no answers at all for a measure (at
organisation level, n = 0 or no row) did not ask it, e.g. a short pulse survey beside a full annual survey.

Pages show such a (wave, measure) as :data:`analytics.settings.NOT_ASKED_LABEL`, not as an error or a zero.
"""

from __future__ import annotations

import pandas as pd

from analytics import settings


def not_asked(unit_scores: pd.DataFrame) -> set[tuple[str, str]]:
    """(wave, measure) pairs of the unit table's waves and measures with no organisation-level answers.

    Rule: a measure is "not asked" in a wave when no respondent of that wave has a score for it (the
    organisation row is missing or its n is 0 or missing), while another wave has one. A measure with no
    answers in any wave is simply absent, not "not asked". Suppressed organisation rows are asked (their n
    is at least 1).
    """
    org = unit_scores[unit_scores["level"] == settings.LEVEL_ORGANISATION]
    answered = org[pd.to_numeric(org["n"], errors="coerce").fillna(0) > 0]
    asked = set(zip(answered["wave"].astype(str), answered["measure"].astype(str)))
    waves = sorted(set(unit_scores["wave"].astype(str)))
    measures = {m for _, m in asked}
    return {(w, m) for w in waves for m in measures if (w, m) not in asked}

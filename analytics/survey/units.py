"""Unit identity: which team, directorate or organisation each survey respondent belongs to, named as the
unit tables name them, and one key per (parent, unit).

Every place that matches respondent rows to rows of the unit tables (wave comparisons, unit trends,
reliability and agreement, board exceptions) uses these functions, so that a team is the same team
everywhere: a blank team or directorate is :data:`~analytics.settings.NOT_RECORDED_UNIT`, a team's parent
is its directorate when the data has directorates (else the organisation), and two directorates' "Ward 1"
are two teams.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics import settings
from analytics.errors import InputError

#: Joins a parent and a unit into one key (a character that never appears in a name).
KEY_SEPARATOR = "\x1f"


def unit_keys(parent: pd.Series, unit: pd.Series) -> pd.Series:
    """One text key per row: ``parent + KEY_SEPARATOR + unit``."""
    return parent.astype(str).str.cat(unit.astype(str), sep=KEY_SEPARATOR)


def has_directorate(respondents: pd.DataFrame) -> bool:
    return "directorate" in respondents.columns and bool(respondents["directorate"].notna().any())


def respondent_units(respondents: pd.DataFrame, level: str) -> tuple[pd.Series, pd.Series]:
    """Each respondent's unit and its parent at ``level``, named as the unit tables name them.

    Follows :func:`analytics.survey.scoring.unit_scores`: a blank team or directorate is
    :data:`~analytics.settings.NOT_RECORDED_UNIT`; a team's parent is its directorate when the data has
    directorates, else the organisation.
    """
    index = respondents.index
    if level == settings.LEVEL_ORGANISATION:
        return (pd.Series(settings.ORGANISATION_UNIT, index=index, dtype=object),
                pd.Series("", index=index, dtype=object))
    column = "directorate" if level == settings.LEVEL_DIRECTORATE else "team"
    if column not in respondents.columns:
        raise InputError(f"The survey responses have no {column} column, so there are no {column} results.")
    unit = respondents[column].astype("str").fillna(settings.NOT_RECORDED_UNIT).astype(object)
    if level == settings.LEVEL_DIRECTORATE or not has_directorate(respondents):
        parent = pd.Series(settings.ORGANISATION_UNIT, index=index, dtype=object)
    else:
        parent = respondents["directorate"].astype("str").fillna(settings.NOT_RECORDED_UNIT).astype(object)
    return unit, parent


def _matches(values: pd.Series, name: str) -> np.ndarray:
    """``values == name``, where a blank value is :data:`~analytics.settings.NOT_RECORDED_UNIT`."""
    equal = np.array((values == name).fillna(False), dtype=bool)
    if name == settings.NOT_RECORDED_UNIT:
        equal |= values.isna().to_numpy()
    return equal


def unit_mask(respondents: pd.DataFrame, level: str, unit: str, parent: str) -> np.ndarray:
    """Respondents of one unit, as :func:`respondent_units` names them (without building every name)."""
    if level == settings.LEVEL_ORGANISATION:
        return np.full(len(respondents), str(unit) == settings.ORGANISATION_UNIT)
    column = "directorate" if level == settings.LEVEL_DIRECTORATE else "team"
    if column not in respondents.columns:
        raise InputError(f"The survey responses have no {column} column, so there are no {column} results.")
    mask = _matches(respondents[column], str(unit))
    if level == settings.LEVEL_TEAM and has_directorate(respondents):
        mask &= _matches(respondents["directorate"], str(parent))
    elif str(parent) != settings.ORGANISATION_UNIT:
        mask[:] = False
    return mask


def team_keys(respondents: pd.DataFrame) -> pd.Series | None:
    """Each respondent's team key (:func:`unit_keys` of :func:`respondent_units` at team level); missing for
    respondents whose team was not recorded. None when no respondent has a team."""
    if respondents["team"].isna().all():
        return None
    unit, parent = respondent_units(respondents, settings.LEVEL_TEAM)
    return unit_keys(parent, unit).astype(object).where((unit != settings.NOT_RECORDED_UNIT).to_numpy())

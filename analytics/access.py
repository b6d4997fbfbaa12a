"""Who may see and do what: roles, the signed-in user, and scoping a dataset to a manager's units.

This is the one module that holds the role rules (``architecture.md``: "role checks in one module, applied
before data leaves analytics"). The dashboard asks it which pages a role sees and whether a role may
publish, change the anonymity threshold or see respondent rows, and passes every dataset through
:func:`scope_dataset` before any page receives it, so a manager's browser never receives another unit's
scores.

Roles (issue 13):

=========  ==========================================================================================
role       may
=========  ==========================================================================================
admin      every page incl. the admin page; publish and withdraw waves; set k (never below the floor)
board      the Board page and its board pack; every unit at or above k
manager    Board, Team explorer and Trends, for their own directorates and teams only
analyst    every page except the admin page; no respondent rows; cannot change k
=========  ==========================================================================================

Scoping keeps the anonymity rules as they are: it removes rows, it never recomputes a figure. A manager's
directorate row is the very row every other role sees (suppressed or not, with the same complementary
suppression), and the organisation line stays as computed from every respondent. Respondent-level and
employee-level rows (which never leave ``analytics``) keep every person, so that figures about the
organisation (its test of change, its turnover) stay the same for every role; the team and directorate
labels of people outside the manager's units are blanked, so no unit-level figure can be computed for
another unit.

Pure: no Streamlit.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from enum import Enum

import pandas as pd

from analytics import settings
from analytics.dataset import Dataset
from analytics.errors import InputError


class Role(str, Enum):
    """A user's role in the workspace (stored as its value)."""

    ADMIN = "admin"
    BOARD = "board"
    MANAGER = "manager"
    ANALYST = "analyst"

    @classmethod
    def parse(cls, value: "str | Role") -> "Role":
        """The role named ``value`` (case-insensitive); :class:`InputError` names the roles otherwise."""
        if isinstance(value, Role):
            return value
        text = str(value).strip().lower()
        for role in cls:
            if role.value == text:
                return role
        raise InputError(f"'{value}' is not a role. Use one of: {', '.join(r.value for r in cls)}.")


# Page ids (the file names of ``pages/`` without ``.py``): app.py builds the navigation from these.
PAGE_BOARD = "board"
PAGE_TEAM_EXPLORER = "team_explorer"
PAGE_RELATIONSHIPS = "relationships"
PAGE_TRENDS = "trends"
PAGE_DATA = "data"
PAGE_METHODS = "methods"
PAGE_ADMIN = "admin"
ALL_PAGES = (PAGE_BOARD, PAGE_TEAM_EXPLORER, PAGE_RELATIONSHIPS, PAGE_TRENDS, PAGE_DATA, PAGE_METHODS, PAGE_ADMIN)

_PAGES: dict[Role, tuple[str, ...]] = {
    Role.ADMIN: ALL_PAGES,
    Role.BOARD: (PAGE_BOARD,),
    Role.MANAGER: (PAGE_BOARD, PAGE_TEAM_EXPLORER, PAGE_TRENDS),
    Role.ANALYST: tuple(p for p in ALL_PAGES if p != PAGE_ADMIN),
}


@dataclass(frozen=True)
class User:
    """A signed-in user (or the local user): e-mail (lower-cased), role, and for a manager the directorates
    and teams they may see. A manager with neither sees only the organisation line."""

    email: str
    role: Role
    directorates: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "email", str(self.email).strip().lower())
        object.__setattr__(self, "role", Role.parse(self.role))
        object.__setattr__(self, "directorates", tuple(self.directorates or ()))
        object.__setattr__(self, "teams", tuple(self.teams or ()))

    @property
    def is_scoped(self) -> bool:
        """Whether the user sees only some units (managers)."""
        return self.role is Role.MANAGER

    @classmethod
    def from_stored(cls, stored) -> "User":
        """A :class:`User` from the store's user record (any object with ``email``, ``role``,
        ``directorates`` and ``teams``)."""
        return cls(email=stored.email, role=stored.role, directorates=tuple(getattr(stored, "directorates", ()) or ()),
                   teams=tuple(getattr(stored, "teams", ()) or ()))


#: The single user of unsecured local mode (no ``[auth]`` configured): an administrator.
LOCAL_USER = User(email="local", role=Role.ADMIN)


def pages_for(role: Role | str) -> tuple[str, ...]:
    """The page ids the role may open (see the module's table)."""
    return _PAGES[Role.parse(role)]


def may_open(role: Role | str, page: str) -> bool:
    return page in pages_for(role)


def may_publish(role: Role | str) -> bool:
    """Publishing and withdrawing waves, and managing users: administrators only."""
    return Role.parse(role) is Role.ADMIN


def may_change_k(role: Role | str) -> bool:
    """Setting the anonymity threshold (never below :data:`settings.MIN_GROUP_SIZE_FLOOR`): administrators only;
    everyone else sees the figures at the threshold the administrator set."""
    return Role.parse(role) is Role.ADMIN


def may_see_respondent_rows(role: Role | str) -> bool:
    """Respondent-level downloads (none are offered today): administrators only."""
    return Role.parse(role) is Role.ADMIN


def may_upload(role: Role | str) -> bool:
    """Previewing uploaded files on the Data page: the roles that have the Data page."""
    return may_open(role, PAGE_DATA)


def may_edit_actions(user: User, *, level: str, unit: str, parent: str | None = None) -> bool:
    """Adding or updating a unit's actions (the action log): administrators for every unit; a manager for the
    units in their scope (:func:`unit_rows_in_scope`) other than the organisation; no other role."""
    if user.role is Role.ADMIN:
        return True
    if user.role is not Role.MANAGER or level == settings.LEVEL_ORGANISATION:
        return False
    row = pd.DataFrame({"level": [level], "unit": [unit], "parent": [parent]})
    return bool(unit_rows_in_scope(row, user).iloc[0])


# --- Scoping ------------------------------------------------------------------------------------------

def scope_key(user: User) -> str:
    """A digest of what the user may see: empty for roles that see every unit, else the manager's units.
    Two managers of the same units share cached figures; a manager never shares another's."""
    if not user.is_scoped:
        return ""
    text = "|".join(["d:" + d for d in sorted(user.directorates)] + ["t:" + t for t in sorted(user.teams)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), None).map(lambda v: None if v is None else str(v))


def unit_rows_in_scope(table: pd.DataFrame, user: User) -> pd.Series:
    """Which rows of a unit-level table (columns ``level``, ``unit``, ``parent``) the user may receive.

    Kept: every row for a role that sees all units; for a manager, the organisation level, their directorates,
    and the teams they manage (by name) or whose parent is one of their directorates. Rows of other levels
    (none today) are dropped for a manager.
    """
    if not user.is_scoped:
        return pd.Series(True, index=table.index)
    level = _text(table["level"])
    unit = _text(table["unit"])
    parent = _text(table["parent"]) if "parent" in table.columns else pd.Series(None, index=table.index)
    directorates, teams = set(user.directorates), set(user.teams)
    organisation = level == settings.LEVEL_ORGANISATION
    directorate = (level == settings.LEVEL_DIRECTORATE) & unit.isin(directorates)
    team = (level == settings.LEVEL_TEAM) & (unit.isin(teams) | parent.isin(directorates))
    return organisation | directorate | team


def scope_unit_table(table: pd.DataFrame | None, user: User) -> pd.DataFrame | None:
    """``table`` without the rows :func:`unit_rows_in_scope` drops (same columns; None stays None)."""
    if table is None or not user.is_scoped or table.empty or "level" not in table.columns:
        return table
    return table.loc[unit_rows_in_scope(table, user)]


def person_rows_in_scope(frame: pd.DataFrame, user: User) -> pd.Series:
    """Which person-level rows (respondents, staff records: columns ``team`` and optionally ``directorate``)
    belong to the manager's units: their team is one they manage, or their directorate is one of theirs."""
    if not user.is_scoped:
        return pd.Series(True, index=frame.index)
    inside = pd.Series(False, index=frame.index)
    if "team" in frame.columns:
        inside |= _text(frame["team"]).isin(set(user.teams))
    if "directorate" in frame.columns:
        inside |= _text(frame["directorate"]).isin(set(user.directorates))
    return inside


def blank_units_outside(frame: pd.DataFrame | None, user: User) -> pd.DataFrame | None:
    """Person-level rows with the ``team`` and ``directorate`` of people outside the manager's units blanked
    (missing): they still count at the organisation level but belong to no unit the manager can see."""
    if frame is None or not user.is_scoped:
        return frame
    outside = ~person_rows_in_scope(frame, user)
    if not outside.any():
        return frame
    frame = frame.copy()
    for column in ("team", "directorate"):
        if column in frame.columns:
            frame[column] = frame[column].astype(object)
            frame.loc[outside, column] = None
    return frame


def _scope_findings(findings: pd.DataFrame | None, hidden: set[str]) -> pd.DataFrame | None:
    """Data-quality findings without those that name a unit outside the scope (their messages may quote it)."""
    if findings is None or findings.empty or not hidden or "message" not in findings.columns:
        return findings
    text = findings.astype(str).agg(" ".join, axis=1)
    return findings.loc[~text.map(lambda t: any(name in t for name in hidden))]


def hidden_unit_names(table: pd.DataFrame, user: User) -> set[str]:
    """Names of the teams and directorates in ``table`` the user may not see."""
    if not user.is_scoped or table is None or table.empty:
        return set()
    units = table.loc[~unit_rows_in_scope(table, user) & (table["level"] != settings.LEVEL_ORGANISATION), "unit"]
    return {str(u) for u in units.dropna().unique()}


#: What a manager's dataset keeps of each survey file's details (``SurveyResults.files``): the file's name,
#: sheet, waves and respondent count (the board pack's data sources), whether it is published results, and its
#: published comparator rows (median, best, worst: not units). Left out: the column mapping, respondent row
#: keys, recognition notes (which may quote any unit).
FILE_KEYS_FOR_MANAGERS = ("file", "sheet", "waves", "respondents", "unit_level", "published_without_counts",
                          "comparators", "items_recognised")


def scope_survey(survey, user: User):
    """The survey results (:class:`analytics.survey.pipeline.SurveyResults`) a user may receive: unit tables
    with only the units in scope (:func:`unit_rows_in_scope`); respondent rows with the units of people
    outside the scope blanked (:func:`blank_units_outside`); per-file details reduced to
    :data:`FILE_KEYS_FOR_MANAGERS`; findings quoting a hidden unit dropped."""
    if survey is None or not user.is_scoped:
        return survey
    hidden = hidden_unit_names(survey.unit_scores, user)
    scored = survey.scored
    if scored is not None:
        scored = dataclasses.replace(scored, respondents=blank_units_outside(scored.respondents, user),
                                     findings=_scope_findings(scored.findings, hidden))
    files = [{key: f[key] for key in FILE_KEYS_FOR_MANAGERS if key in f} for f in survey.files]
    return dataclasses.replace(survey, unit_scores=scope_unit_table(survey.unit_scores, user),
                               item_results=scope_unit_table(survey.item_results, user),
                               findings=_scope_findings(survey.findings, hidden), files=files, scored=scored)


def scope_hr(records, user: User):
    """HR records a user may receive: employee-level assignments and absences (or team-month rows) keep every
    person, with the team and directorate of those outside the manager's units blanked, so the
    organisation's figures stay whole and no other unit's figure can be computed."""
    if records is None or not user.is_scoped:
        return records
    changes: dict = {}
    for name in ("assignments", "absence", "table"):
        frame = getattr(records, name, None)
        if isinstance(frame, pd.DataFrame):
            changes[name] = blank_units_outside(frame, user)
    if getattr(records, "unit_map", None) is not None:
        changes["unit_map"] = None
    return dataclasses.replace(records, **changes)


def scope_dataset(dataset: Dataset, user: User) -> Dataset:
    """The dataset a user's pages receive: unchanged for roles that see every unit; for a manager, survey
    results and HR records scoped by :func:`scope_survey` and :func:`scope_hr`, with a cache key of its own
    (:attr:`Dataset.scope_key`), so no cached figure is shared between scopes."""
    if not user.is_scoped:
        return dataset
    return dataclasses.replace(dataset, survey=scope_survey(dataset.survey, user), hr=scope_hr(dataset.hr, user),
                               scope_key=scope_key(user))

"""Roles and scoping (analytics/access.py) on hand-made tables."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analytics import access, settings
from analytics.access import LOCAL_USER, Role, User
from analytics.errors import InputError

MANAGER = User("Ann.Manager@Trust.nhs.uk", "manager", directorates=("Surgery",))
TEAM_MANAGER = User("tm@trust.nhs.uk", Role.MANAGER, teams=("Pharmacy",))
BOARD = User("g@trust.nhs.uk", Role.BOARD)
ANALYST = User("a@trust.nhs.uk", Role.ANALYST)


def unit_table() -> pd.DataFrame:
    """Organisation, two directorates (Surgery suppressed: n 8 < k 11) and four teams."""
    rows = [
        ("organisation", "Organisation", "", 60, 7.0, False),
        ("directorate", "Surgery", "Organisation", 8, None, True),
        ("directorate", "Support", "Organisation", 52, 6.5, False),
        ("team", "Theatres", "Surgery", 4, None, True),
        ("team", "Ward 1", "Surgery", 4, None, True),
        ("team", "Pharmacy", "Support", 30, 6.0, False),
        ("team", "Estates", "Support", 22, 7.1, False),
    ]
    return pd.DataFrame(rows, columns=["level", "unit", "parent", "n", "mean", "suppressed"])


def test_roles_parse_and_refuse_unknown():
    assert Role.parse("Board") is Role.BOARD
    assert MANAGER.email == "ann.manager@trust.nhs.uk"
    assert MANAGER.role is Role.MANAGER
    with pytest.raises(InputError, match="admin, board, manager, analyst"):
        Role.parse("owner")


def test_what_each_role_may_do():
    assert [access.may_publish(r) for r in Role] == [True, False, False, False]
    assert [access.may_change_k(r) for r in Role] == [True, False, False, False]
    assert [access.may_see_respondent_rows(r) for r in Role] == [True, False, False, False]
    assert access.pages_for("admin") == access.ALL_PAGES
    assert access.pages_for("board") == ("board",)
    assert access.pages_for("manager") == ("board", "team_explorer", "trends")
    assert access.PAGE_ADMIN not in access.pages_for("analyst")
    assert set(access.pages_for("analyst")) == set(access.ALL_PAGES) - {"admin"}
    assert LOCAL_USER.role is Role.ADMIN


def test_manager_of_a_directorate_keeps_organisation_their_directorate_and_its_teams():
    table = unit_table()
    kept = access.scope_unit_table(table, MANAGER)
    assert kept["unit"].tolist() == ["Organisation", "Surgery", "Theatres", "Ward 1"]
    # Rows are kept as they are: the suppressed directorate stays suppressed, with no figure.
    surgery = kept.loc[kept["unit"] == "Surgery"].iloc[0]
    assert bool(surgery["suppressed"]) and pd.isna(surgery["mean"]) and surgery["n"] == 8
    pd.testing.assert_frame_equal(kept, table.loc[kept.index])


def test_manager_of_a_team_keeps_the_team_and_organisation_only():
    kept = access.scope_unit_table(unit_table(), TEAM_MANAGER)
    assert kept["unit"].tolist() == ["Organisation", "Pharmacy"]


def test_unscoped_roles_keep_every_row():
    table = unit_table()
    for user in (BOARD, ANALYST, LOCAL_USER):
        assert access.scope_unit_table(table, user) is table
        assert access.scope_key(user) == ""
    assert access.scope_key(MANAGER) != access.scope_key(TEAM_MANAGER)
    assert access.scope_key(MANAGER) == access.scope_key(User("other@trust.nhs.uk", "manager",
                                                               directorates=("Surgery",)))


def test_person_rows_outside_the_scope_lose_their_units_but_stay_counted():
    people = pd.DataFrame({"team": ["Theatres", "Pharmacy", "Estates", None],
                           "directorate": ["Surgery", "Support", "Support", "Surgery"],
                           "score": [1.0, 2.0, 3.0, 4.0]})
    blanked = access.blank_units_outside(people, MANAGER)
    assert len(blanked) == 4 and blanked["score"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert _values(blanked["team"]) == ["Theatres", None, None, None]
    assert _values(blanked["directorate"]) == ["Surgery", None, None, "Surgery"]
    assert people["team"].tolist()[1] == "Pharmacy"  # the input is not changed
    team_only = access.blank_units_outside(people, TEAM_MANAGER)
    assert _values(team_only["team"]) == [None, "Pharmacy", None, None]


def _values(series: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in series]


def test_hidden_unit_names():
    assert access.hidden_unit_names(unit_table(), MANAGER) == {"Support", "Pharmacy", "Estates"}
    assert access.hidden_unit_names(unit_table(), BOARD) == set()


def test_scope_dataset_on_the_sample_keeps_the_organisation_figures(sample_dataset):
    """The organisation line and a manager's directorate are the same rows as everyone's; no other unit's
    name is left in the unit tables; the cache key differs."""
    directorate = "Clinical Support Services"
    manager = User("m@trust.nhs.uk", "manager", directorates=(directorate,))
    scoped = access.scope_dataset(sample_dataset, manager)
    full = sample_dataset.survey.unit_scores
    mine = scoped.survey.unit_scores
    assert scoped.cache_key != sample_dataset.cache_key
    assert set(mine["level"]) == set(settings.LEVELS)
    org = full[full["level"] == settings.LEVEL_ORGANISATION]
    pd.testing.assert_frame_equal(mine[mine["level"] == settings.LEVEL_ORGANISATION], org)
    own = full[(full["level"] == settings.LEVEL_DIRECTORATE) & (full["unit"] == directorate)]
    pd.testing.assert_frame_equal(mine[mine["level"] == settings.LEVEL_DIRECTORATE], own)
    teams = mine[mine["level"] == settings.LEVEL_TEAM]
    assert set(teams["parent"]) == {directorate}
    hidden = access.hidden_unit_names(full, manager)
    assert hidden and not hidden & set(mine["unit"]) and not hidden & set(scoped.survey.item_results["unit"])
    assert len(scoped.survey.scored.respondents) == len(sample_dataset.survey.scored.respondents)
    outside = scoped.survey.scored.respondents["directorate"].dropna()
    assert set(outside) == {directorate}
    assert set(scoped.hr.assignments["directorate"].dropna()) <= {directorate}
    assert access.scope_dataset(sample_dataset, BOARD) is sample_dataset


@pytest.fixture(scope="module")
def sample_dataset():
    from analytics.dataset import load_dataset, sample_spec
    return load_dataset(sample_spec())


def test_scoped_dataset_replaces_without_touching_the_original(sample_dataset):
    before = sample_dataset.survey.scored.respondents["team"].copy()
    access.scope_dataset(sample_dataset, TEAM_MANAGER)
    pd.testing.assert_series_equal(sample_dataset.survey.scored.respondents["team"], before)
    assert dataclasses.replace(sample_dataset).cache_key == sample_dataset.cache_key


def test_a_managers_file_details_keep_what_the_pack_lists_and_nothing_per_respondent(sample_dataset):
    from analytics.report.pack import data_sources_table

    scoped = access.scope_dataset(sample_dataset, MANAGER)
    assert all(set(f) <= set(access.FILE_KEYS_FOR_MANAGERS) for f in scoped.survey.files)
    assert not any("row_keys" in f or "mapping" in f for f in scoped.survey.files)
    pd.testing.assert_frame_equal(data_sources_table(scoped), data_sources_table(sample_dataset))

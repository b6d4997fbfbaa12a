"""Tests of analytics.survey.privacy: threshold checks, primary and complementary suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from analytics import settings
from analytics.errors import InputError
from analytics.survey.privacy import check_min_group_size, suppress_hierarchy, suppress_unit_table, suppression_label

ORG = settings.ORGANISATION_UNIT
PRIMARY, COMPLEMENTARY = settings.SUPPRESSION_PRIMARY, settings.SUPPRESSION_COMPLEMENTARY


def unit_table(rows, wave="2025", measure="compassionate_leadership"):
    """rows: (level, unit, parent, n); mean = n / 10 so shown values are checkable."""
    frame = pd.DataFrame(rows, columns=["level", "unit", "parent", "n"])
    frame.insert(0, "wave", wave)
    frame["measure"] = measure
    frame["mean"] = frame["n"] / 10
    frame["ci_low"] = frame["mean"] - 1
    frame["ci_high"] = frame["mean"] + 1
    frame["pct_positive"] = 50.0
    return frame


def hidden_units(out):
    return set(out.loc[out["suppressed"], "unit"] + "/" + out.loc[out["suppressed"], "parent"])


def reasons(out):
    """unit/parent -> suppressed_reason of every row."""
    return dict(zip(out["unit"] + "/" + out["parent"], out["suppressed_reason"]))


# --- check_min_group_size ------------------------------------------------------------------------
def test_check_min_group_size_accepts_whole_numbers():
    assert check_min_group_size(11) == 11
    assert check_min_group_size(5) == 5
    assert check_min_group_size(np.int64(30)) == 30
    assert check_min_group_size(8.0) == 8


@pytest.mark.parametrize("bad", [4, 0, -3])
def test_check_min_group_size_refuses_below_floor(bad):
    with pytest.raises(InputError, match="cannot be below 5"):
        check_min_group_size(bad)


@pytest.mark.parametrize("bad", [5.5, "11", None, True, float("nan"), float("inf")])
def test_check_min_group_size_refuses_non_integers(bad):
    with pytest.raises(InputError, match="whole number"):
        check_min_group_size(bad)


def test_a_published_unfavourable_percentage_is_blanked_like_the_other_values():
    table = unit_table([("organisation", ORG, "", 60), ("team", "A", ORG, 4), ("team", "B", ORG, 56)])
    table["pct_unfavourable"] = 30.0                    # burnout % in a published file
    out = suppress_unit_table(table, min_group_size=5)
    assert out.loc[out["suppressed"], "pct_unfavourable"].isna().all() and out["suppressed"].sum() == 2


def test_suppress_unit_table_checks_the_threshold():
    table = unit_table([("organisation", ORG, "", 30)])
    with pytest.raises(InputError, match="cannot be below 5"):
        suppress_unit_table(table, min_group_size=3)


# --- primary suppression -----------------------------------------------------------------------
def test_primary_suppression_blanks_values_and_count():
    table = unit_table([
        ("organisation", ORG, "", 60),
        ("team", "A", ORG, 4), ("team", "B", ORG, 11), ("team", "C", ORG, 45),
    ])
    out = suppress_unit_table(table, min_group_size=5)
    hidden = out[out["suppressed"]]
    # A (4 < 5) is hidden; A alone (4) is below 5, so the next-smallest sibling B is hidden too.
    assert hidden_units(out) == {f"A/{ORG}", f"B/{ORG}"}
    assert hidden["n"].isna().all()
    assert hidden[["mean", "ci_low", "ci_high", "pct_positive"]].isna().all().all()
    shown = out[~out["suppressed"]]
    assert shown["n"].tolist() == [60, 45]
    assert shown["mean"].tolist() == [6.0, 4.5]
    assert str(out["n"].dtype) == "Int64"
    assert out["suppressed"].dtype == bool


def test_organisation_below_threshold_is_suppressed_with_everything_under_it():
    table = unit_table([
        ("organisation", ORG, "", 9),
        ("directorate", "D", ORG, 9),
        ("team", "A", "D", 4), ("team", "B", "D", 5),
    ])
    out = suppress_unit_table(table, min_group_size=11)
    assert out["suppressed"].all()


def test_zero_count_is_no_data_not_suppressed():
    table = unit_table([("organisation", ORG, "", 30), ("team", "A", ORG, 0), ("team", "B", ORG, 30)])
    out = suppress_unit_table(table, min_group_size=11)
    assert not out["suppressed"].any()
    assert out["n"].tolist() == [30, 0, 30]


# --- complementary suppression -------------------------------------------------------------------
def test_single_small_child_hides_next_smallest_sibling():
    # Directorate shown (30): B (3) is hidden; A (8) is the next-smallest and is hidden with it, so that
    # B = 30 - 8 - 19 cannot be worked out. C stays.
    table = unit_table([
        ("organisation", ORG, "", 30), ("directorate", "D", ORG, 30),
        ("team", "A", "D", 8), ("team", "B", "D", 3), ("team", "C", "D", 19),
    ])
    out = suppress_unit_table(table, min_group_size=5)
    assert hidden_units(out) == {"A/D", "B/D"}


def test_reason_tells_primary_from_complementary():
    # The same hierarchy as above: B (3 < 5) is hidden for itself, A (8 >= 5) only as its complement.
    table = unit_table([
        ("organisation", ORG, "", 30), ("directorate", "D", ORG, 30),
        ("team", "A", "D", 8), ("team", "B", "D", 3), ("team", "C", "D", 19),
    ])
    out = suppress_unit_table(table, min_group_size=5)
    assert reasons(out) == {f"{ORG}/": "", f"D/{ORG}": "", "A/D": COMPLEMENTARY, "B/D": PRIMARY, "C/D": ""}
    assert str(out["suppressed_reason"].dtype) == "str"


def test_suppression_label_words():
    assert suppression_label(PRIMARY, 11) == "fewer than 11 responses"
    assert suppression_label(COMPLEMENTARY, 11) == "hidden to protect a group with fewer than 11 responses"
    assert suppression_label(settings.SUPPRESSION_COUNT_UNKNOWN, 11) == settings.COUNT_UNKNOWN_LABEL
    # A missing or unknown code reads as the primary label (what every suppressed row used to say).
    assert suppression_label("", 7) == "fewer than 7 responses"
    assert suppression_label(None, 7) == "fewer than 7 responses"
    assert suppression_label(float("nan"), 7) == "fewer than 7 responses"


def test_two_small_children_summing_to_k_need_no_complement():
    # k = 11: A (3) and B (8) are both below 11; together 3 + 8 = 11 >= 11, so C (30) stays shown.
    table = unit_table([
        ("organisation", ORG, "", 41), ("team", "A", ORG, 3), ("team", "B", ORG, 8), ("team", "C", ORG, 30),
    ])
    out = suppress_unit_table(table, min_group_size=11)
    assert hidden_units(out) == {f"A/{ORG}", f"B/{ORG}"}


def test_two_small_children_below_k_together_hide_the_next_smallest():
    # k = 11: A (3) + B (4) = 7 < 11, so the next-smallest sibling C (12) is hidden; D (20) stays.
    table = unit_table([
        ("organisation", ORG, "", 39), ("team", "A", ORG, 3), ("team", "B", ORG, 4),
        ("team", "C", ORG, 12), ("team", "D", ORG, 20),
    ])
    out = suppress_unit_table(table, min_group_size=11)
    assert hidden_units(out) == {f"A/{ORG}", f"B/{ORG}", f"C/{ORG}"}


def test_ties_between_siblings_are_broken_by_name():
    table = unit_table([
        ("organisation", ORG, "", 44), ("team", "Z", ORG, 3), ("team", "Y", ORG, 20), ("team", "X", ORG, 20),
        ("team", "W", ORG, 1),
    ])
    out = suppress_unit_table(table, min_group_size=5)
    # W (1) + Z (3) = 4 < 5: the next-smallest is a tie between X and Y (20 each): X goes first.
    assert hidden_units(out) == {f"W/{ORG}", f"Z/{ORG}", f"X/{ORG}"}


def test_cascade_across_levels():
    # k = 11. D3 (5) is hidden; D1 (45) is the next-smallest directorate and is hidden with it. D1 hidden
    # with all its teams shown could be rebuilt as A + B, so its smallest team A (20) is hidden too.
    # In D2, team A (10) is below 11 and its sibling C (40) is hidden with it.
    table = unit_table([
        ("organisation", ORG, "", 100),
        ("directorate", "D1", ORG, 45), ("directorate", "D2", ORG, 50), ("directorate", "D3", ORG, 5),
        ("team", "A", "D1", 20), ("team", "B", "D1", 25),
        ("team", "A", "D2", 10), ("team", "C", "D2", 40),
        ("team", "E", "D3", 5),
    ])
    out = suppress_unit_table(table, min_group_size=11)
    assert hidden_units(out) == {"D1/" + ORG, "D3/" + ORG, "A/D1", "A/D2", "C/D2", "E/D3"}
    # Below 11 for itself: D3 (5), A in D2 (10), E (5); complements: D1 (45), A in D1 (20), C (40).
    found = reasons(out)
    assert {u for u, r in found.items() if r == PRIMARY} == {"D3/" + ORG, "A/D2", "E/D3"}
    assert {u for u, r in found.items() if r == COMPLEMENTARY} == {"D1/" + ORG, "A/D1", "C/D2"}
    # The same team name under two directorates is two units, judged separately.
    assert out.loc[(out["unit"] == "B"), "suppressed"].tolist() == [False]


def test_each_measure_and_wave_is_its_own_hierarchy():
    first = unit_table([("organisation", ORG, "", 30), ("team", "A", ORG, 3), ("team", "B", ORG, 27)])
    second = unit_table([("organisation", ORG, "", 30), ("team", "A", ORG, 15), ("team", "B", ORG, 15)],
                        measure="morale")
    other_wave = unit_table([("organisation", ORG, "", 30), ("team", "A", ORG, 15), ("team", "B", ORG, 15)],
                            wave="2024")
    out = suppress_unit_table(pd.concat([first, second, other_wave], ignore_index=True), min_group_size=5)
    assert out["suppressed"].tolist() == [False, True, True, False, False, False, False, False, False]


def test_units_hidden_on_respondent_counts_are_hidden_on_every_row():
    # Team A has 3 respondents but none scored on this measure (n = 0: nothing to hide on the row);
    # on respondent counts A (3) is hidden and, as its complement, B (20). Both rows are hidden.
    table = unit_table([
        ("organisation", ORG, "", 50), ("team", "A", ORG, 0), ("team", "B", ORG, 20), ("team", "C", ORG, 30),
    ])
    counts = table[["wave", "level", "unit", "parent"]].copy()
    counts["n"] = [53, 3, 20, 30]
    without = suppress_unit_table(table, min_group_size=11)
    assert not without["suppressed"].any()
    with_counts = suppress_unit_table(table, min_group_size=11, unit_counts=counts)
    assert hidden_units(with_counts) == {f"A/{ORG}", f"B/{ORG}"}
    # Each row takes its unit's reason: A has 3 respondents (primary, although its row has n = 0),
    # B has 20 and is hidden to protect A (complementary).
    assert reasons(with_counts) == {f"{ORG}/": "", f"A/{ORG}": PRIMARY, f"B/{ORG}": COMPLEMENTARY, f"C/{ORG}": ""}


def test_row_below_k_is_primary_even_in_a_complementary_unit():
    # On respondents, B (20) is hidden as the complement of A (3). On this measure B's own n is 9 < 11,
    # so its row says "fewer than 11 responses", which is true of that figure. The hidden rows then hold
    # 0 + 9 = 9 < 11 responses, so C (30) is hidden on this measure as their complement.
    table = unit_table([
        ("organisation", ORG, "", 39), ("team", "A", ORG, 0), ("team", "B", ORG, 9), ("team", "C", ORG, 30),
    ])
    counts = table[["wave", "level", "unit", "parent"]].copy()
    counts["n"] = [53, 3, 20, 30]
    out = suppress_unit_table(table, min_group_size=11, unit_counts=counts)
    assert reasons(out) == {f"{ORG}/": "", f"A/{ORG}": PRIMARY, f"B/{ORG}": PRIMARY, f"C/{ORG}": COMPLEMENTARY}


def test_existing_suppressed_flag_is_kept_and_protected():
    table = unit_table([("organisation", ORG, "", 60), ("team", "A", ORG, 30), ("team", "B", ORG, 30)])
    table["suppressed"] = [False, True, False]
    out = suppress_unit_table(table, min_group_size=11)
    # A was hidden already (30 >= 11 people, so nothing more is needed).
    assert out["suppressed"].tolist() == [False, True, False]
    # Without a reason given, a row flagged before suppression reads as primary; a given reason is kept.
    assert out["suppressed_reason"].tolist() == ["", PRIMARY, ""]
    table["suppressed_reason"] = ["", settings.SUPPRESSION_COUNT_UNKNOWN, ""]
    out = suppress_unit_table(table, min_group_size=11)
    assert out["suppressed_reason"].tolist() == ["", settings.SUPPRESSION_COUNT_UNKNOWN, ""]


def test_input_row_order_and_index_are_kept():
    table = unit_table([("team", "B", ORG, 3), ("organisation", ORG, "", 40), ("team", "A", ORG, 37)])
    table.index = [10, 20, 30]
    out = suppress_unit_table(table, min_group_size=5)
    assert out.index.tolist() == [10, 20, 30]
    assert out["unit"].tolist() == ["B", ORG, "A"]
    assert out["suppressed"].tolist() == [True, False, True]


def test_suppress_hierarchy_for_a_demographic_breakdown():
    # Team x staff group, with each team's "All staff" row as the parent of its groups (k = 5).
    frame = pd.DataFrame({
        "team": ["A", "A", "A", "A"], "group": ["All staff", "Nurses", "Doctors", "Admin"],
        "parent_group": [None, "All staff", "All staff", "All staff"], "parent_team": [None, "A", "A", "A"],
        "headcount": [30, 20, 2, 8], "leaver_rate": [10.0, 5.0, 50.0, 12.5],
    })
    out = suppress_hierarchy(frame, node_cols=["team", "group"], parent_cols=["parent_team", "parent_group"],
                             count_col="headcount", min_group_size=5, value_cols=["leaver_rate"])
    assert out["suppressed"].tolist() == [False, False, True, True]
    assert out["leaver_rate"].isna().tolist() == [False, False, True, True]
    # Doctors (2) are below 5; Admin (8) is the complement.
    assert out["suppressed_reason"].tolist() == ["", "", PRIMARY, COMPLEMENTARY]


def test_duplicate_units_are_refused():
    table = unit_table([("organisation", ORG, "", 60), ("team", "A", ORG, 30), ("team", "A", ORG, 30)])
    with pytest.raises(InputError, match="same unit"):
        suppress_unit_table(table, min_group_size=11)


# --- property: nothing hidden can be recovered by subtraction -----------------------------------
@st.composite
def hierarchies(draw):
    """Random organisation -> (directorates ->) teams, sizes 0..40, threshold 5..30."""
    k = draw(st.integers(5, 30))
    n_directorates = draw(st.integers(0, 4))  # 0: teams sit directly under the organisation
    rows = []
    team_sizes = st.lists(st.integers(0, 40), min_size=1, max_size=6)
    if n_directorates == 0:
        sizes = draw(team_sizes)
        for i, n in enumerate(sizes):
            rows.append(("team", f"T{i}", ORG, n))
        total = sum(sizes)
    else:
        total = 0
        for d in range(n_directorates):
            sizes = draw(team_sizes)
            rows.append(("directorate", f"D{d}", ORG, sum(sizes)))
            # Same team names in every directorate: each is its own unit.
            rows += [("team", f"T{i}", f"D{d}", n) for i, n in enumerate(sizes)]
            total += sum(sizes)
    rows.insert(0, ("organisation", ORG, "", total))
    return k, unit_table(rows)


def _recoverable(unknowns, equations, target):
    """Is ``target`` (an unknown) determined by the linear equations over the unknowns?"""
    if not equations:
        return False
    matrix = np.array([[eq.get(u, 0.0) for u in unknowns] for eq in equations])
    unit = np.array([[1.0 if u == target else 0.0 for u in unknowns]])
    return np.linalg.matrix_rank(np.vstack([matrix, unit])) == np.linalg.matrix_rank(matrix)


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hierarchies())
def test_property_no_hidden_unit_can_be_recovered(case):
    k, table = case
    out = suppress_unit_table(table, min_group_size=k)
    original_n = table["n"].to_numpy()
    hidden = out["suppressed"].to_numpy()
    key = list(zip(table["level"], table["unit"], table["parent"]))

    # 1. No shown row rests on fewer than k responses (0 = no data).
    shown_n = original_n[~hidden]
    assert ((shown_n == 0) | (shown_n >= k)).all()
    # 2. Hidden rows carry no values.
    assert out.loc[hidden, ["n", "mean", "ci_low", "ci_high", "pct_positive"]].isna().all().all()
    assert (out.loc[~hidden, "n"].to_numpy(dtype=int) == shown_n).all()
    # 2b. The reason: none when shown; primary exactly for hidden rows with 0 < n < k; complementary
    #     only for rows with n >= k (a complement is never chosen among rows with n = 0).
    reason = out["suppressed_reason"].to_numpy(dtype=object)
    assert (reason[~hidden] == "").all()
    small = (original_n > 0) & (original_n < k)
    assert ((reason == PRIMARY) == (hidden & small)).all()
    assert ((reason == COMPLEMENTARY) == (hidden & ~small)).all()
    assert (original_n[reason == COMPLEMENTARY] >= k).all()

    # 3. For every parent: shown with no hidden child, or its hidden children hold >= k together
    #    (or all its children are hidden).
    parent_of = {}
    for i, (level, unit, parent) in enumerate(key):
        if level == "directorate" or (level == "team" and parent == ORG):
            parent_of[i] = next(j for j, kk in enumerate(key) if kk[0] == "organisation")
        elif level == "team":
            parent_of[i] = next(j for j, kk in enumerate(key) if kk[0] == "directorate" and kk[1] == parent)
    for p in set(parent_of.values()):
        children = [c for c, pp in parent_of.items() if pp == p and original_n[c] > 0]
        hidden_children = [c for c in children if hidden[c]]
        if not hidden[p] and not hidden_children:
            continue
        all_hidden = len(hidden_children) == len(children)
        assert all_hidden or original_n[hidden_children].sum() >= k, (p, children, hidden_children)

    # 4. Linear algebra: with every shown figure known, no hidden unit with 0 < n < k is determined.
    unknowns = [i for i in range(len(key)) if hidden[i] and original_n[i] > 0]
    equations = []
    for p in set(parent_of.values()):
        children = [c for c, pp in parent_of.items() if pp == p]
        eq = {}
        if p in unknowns:
            eq[p] = 1.0
        for c in children:
            if c in unknowns:
                eq[c] = -1.0
        if eq:
            equations.append(eq)
    for target in unknowns:
        if original_n[target] < k:
            assert not _recoverable(unknowns, equations, target), key[target]

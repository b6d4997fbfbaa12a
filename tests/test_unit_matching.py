"""Matching survey units to HR units on (directorate, team), suggestions and the user's unit map."""

import pandas as pd
import pytest

from analytics import settings
from analytics.errors import InputError
from analytics.unit_matching import (MATCH_COLUMNS, NO_HR_UNIT, attention_editor_frame, confirmed_map,
                                     hr_unit_options, esr_core_name, match_units, needing_attention,
                                     normalise_unit_name, read_unit_map, unit_label, unit_map_csv,
                                     unit_map_from_records, unit_map_records)


def units(*pairs):
    return pd.DataFrame(pairs, columns=["directorate", "team"])


def row(matches, team, directorate=None):
    hit = matches[matches["survey_team"] == team]
    if directorate is not None:
        hit = hit[hit["survey_directorate"] == directorate]
    assert len(hit) == 1
    return hit.iloc[0]


def test_normalise_unit_name():
    assert normalise_unit_name("  St. Mary\u2019s  Ward&Day-Unit ") == "st marys ward and day unit"
    assert normalise_unit_name("ＷＡＲＤ　４") == "ward 4"  # full-width letters and space (NFKC)
    assert normalise_unit_name(None) == ""
    assert normalise_unit_name(float("nan")) == ""
    # Cost-centre codes stay in the name used for exact matching...
    assert normalise_unit_name("123 ABC Ward 4 CC") == "123 abc ward 4 cc"


def test_esr_core_name_rule():
    assert esr_core_name("123 ABC Ward 4 CC") == "ward 4"
    assert esr_core_name("4521 W4 Ward 4") == "ward 4"
    # Only the ESR shape: lower-case "cc", a two-digit number, a lower-case word are kept.
    assert esr_core_name("Ward 4 cc") == "ward 4 cc"
    assert esr_core_name("24 HR Team") == "24 hr team"
    assert esr_core_name("111 nhs service") == "111 nhs service"
    # Nothing is stripped down to an empty name.
    assert esr_core_name("123 ABC CC") == "cc"


def test_exact_match_on_directorate_and_team():
    m = match_units(units(("Medicine", "Ward 4"), ("Surgery", "Theatres")),
                    units(("MEDICINE", "ward  4"), ("Surgery", "Theatres"), ("Surgery", "Recovery")))
    assert list(m.columns) == list(MATCH_COLUMNS)
    assert list(m["status"]) == ["matched", "matched"]
    assert (row(m, "Ward 4")["hr_directorate"], row(m, "Ward 4")["hr_team"]) == ("MEDICINE", "ward  4")
    assert row(m, "Ward 4")["score"] == 100
    assert row(m, "Ward 4")["suggestions"] == []


def test_same_team_in_two_directorates_goes_to_the_right_one():
    m = match_units(units(("Medicine", "Ward 4"), ("Surgery", "Ward 4")),
                    units(("Surgery", "Ward 4"), ("Medicine", "Ward 4")))
    assert list(m["status"]) == ["matched", "matched"]
    assert row(m, "Ward 4", "Medicine")["hr_directorate"] == "Medicine"
    assert row(m, "Ward 4", "Surgery")["hr_directorate"] == "Surgery"


@pytest.mark.parametrize("blank", ["", None, settings.NOT_RECORDED_UNIT])
def test_blank_directorate_with_a_unique_name_is_matched(blank):
    m = match_units(units((blank, "Ward 4"), (blank, "Pharmacy")),
                    units(("Medicine", "Ward 4"), ("Clinical Support", "Pharmacy")))
    assert list(m["status"]) == ["matched", "matched"]
    assert row(m, "Ward 4")["hr_directorate"] == "Medicine"


def test_file_without_directorate_column():
    m = match_units(pd.DataFrame({"team": ["Ward 4"]}), units(("Medicine", "Ward 4")))
    assert row(m, "Ward 4")["status"] == "matched"


def test_blank_directorate_with_a_duplicated_name_is_ambiguous():
    # The survey has no directorates; "Ward 4" is in two HR directorates: never joined to either.
    m = match_units(units(("", "Ward 4")), units(("Medicine", "Ward 4"), ("Surgery", "Ward 4")))
    r = row(m, "Ward 4")
    assert r["status"] == "ambiguous" and r["hr_team"] == ""
    assert {s[0] for s in r["suggestions"][:2]} == {"Medicine", "Surgery"}


def test_hr_without_directorates_and_a_team_name_in_two_survey_directorates():
    # The bug found in testing: one HR row joined twice. Both survey teams are ambiguous instead.
    m = match_units(units(("Medicine", "Ward 4"), ("Surgery", "Ward 4"), ("Surgery", "Theatres")),
                    units(("", "Ward 4"), ("", "Theatres")))
    assert list(m["status"]) == ["ambiguous", "ambiguous", "matched"]
    assert (m["status"] == "matched").sum() == 1


def test_one_hr_unit_is_never_given_to_two_survey_units():
    # "Ward 4" (Medicine) matches exactly; the blank-directorate "Ward 4" would match on name alone.
    m = match_units(units(("Medicine", "Ward 4"), ("", "Ward 4")), units(("Medicine", "Ward 4")))
    assert row(m, "Ward 4", "Medicine")["status"] == "matched"
    assert row(m, "Ward 4", "")["status"] == "ambiguous"


def test_esr_name_is_suggested_not_joined():
    m = match_units(units(("Medicine", "Ward 4")),
                    units(("Medicine", "123 ABC Ward 4 CC"), ("Medicine", "456 ABC Ward 14 CC"),
                          ("Surgery", "789 XYZ Theatres CC")))
    r = row(m, "Ward 4")
    assert r["status"] == "unmatched"
    assert r["suggestions"][0][:2] == ("Medicine", "123 ABC Ward 4 CC")
    assert r["suggestions"][0][2] == 100
    assert r["score"] == 100
    # "ward 4" against "ward 14": token-set ratio 2*6/13*100 (Indel similarity of the two strings).
    assert r["suggestions"][1][1] == "456 ABC Ward 14 CC"
    assert r["suggestions"][1][2] == pytest.approx(round(2 * 6 / 13 * 100, 1))


def test_unit_map_overrides():
    survey = units(("Medicine", "Ward 4"), ("Medicine", "Ward 5"))
    hr = units(("Medicine", "123 ABC Ward 4 CC"), ("Medicine", "Ward 5"), ("Medicine", "Ward 5 Annex"))
    table = pd.DataFrame([["Medicine", "Ward 4", "Medicine", "123 ABC Ward 4 CC"],
                          ["Medicine", "Ward 5", "Medicine", "Ward 5 Annex"]],
                         columns=["survey_directorate", "survey_team", "hr_directorate", "hr_team"])
    m = match_units(survey, hr, read_unit_map(unit_map_csv(table), name="map.csv"))
    assert list(m["status"]) == ["mapped", "mapped"]
    assert list(m["hr_team"]) == ["123 ABC Ward 4 CC", "Ward 5 Annex"]


def test_a_mapped_hr_unit_is_not_also_matched_by_name():
    survey = units(("Medicine", "Ward 4"), ("Medicine", "Ward 4 Day"))
    hr = units(("Medicine", "Ward 4"))
    table = pd.DataFrame([["Medicine", "Ward 4 Day", "Medicine", "Ward 4"]],
                         columns=["survey_directorate", "survey_team", "hr_directorate", "hr_team"])
    m = match_units(survey, hr, table)
    assert row(m, "Ward 4 Day")["status"] == "mapped"
    assert row(m, "Ward 4")["status"] == "ambiguous"


def write(tmp_path, text, name="map.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_read_unit_map_from_a_path(tmp_path):
    path = write(tmp_path, "Survey Directorate,survey_team,hr_directorate,HR Team,comment\n"
                           "Medicine,Ward 4,Medicine,123 ABC Ward 4 CC,x\n,,,,\n,Pharmacy,,Pharmacy Dept,\n")
    table = read_unit_map(path)
    assert table.values.tolist() == [["Medicine", "Ward 4", "Medicine", "123 ABC Ward 4 CC"],
                                     ["", "Pharmacy", "", "Pharmacy Dept"]]


def test_unit_map_missing_column_refused(tmp_path):
    with pytest.raises(InputError) as err:
        read_unit_map(write(tmp_path, "survey_directorate,survey_team,hr_team\nA,B,C\n"))
    assert err.value.column == "hr_directorate" and err.value.file.endswith("map.csv")


def test_unit_map_blank_team_refused_with_the_row(tmp_path):
    text = "survey_directorate,survey_team,hr_directorate,hr_team\nMedicine,Ward 4,Medicine,W4\nMedicine,Ward 5,Medicine, \n"
    with pytest.raises(InputError) as err:
        read_unit_map(text.encode(), name="units.csv")
    assert (err.value.file, err.value.column, err.value.row) == ("units.csv", "hr_team", 3)


def test_unit_map_survey_team_mapped_twice_refused(tmp_path):
    text = ("survey_directorate,survey_team,hr_directorate,hr_team\nMedicine,Ward 4,Medicine,W4\n"
            "Surgery,Ward 4,Surgery,W4\nmedicine,WARD 4,Medicine,W4b\n")
    with pytest.raises(InputError) as err:
        read_unit_map(write(tmp_path, text))
    assert (err.value.column, err.value.row) == ("survey_team", 4)
    assert "rows 2 and 4" in err.value.message


def test_unit_map_hr_team_given_twice_refused():
    text = "survey_directorate,survey_team,hr_directorate,hr_team\nA,Ward 4,A,W4\nA,Ward 5,A,W4\n"
    with pytest.raises(InputError) as err:
        read_unit_map(text.encode())
    assert (err.value.column, err.value.row) == ("hr_team", 3)


def test_unit_map_not_a_file(tmp_path):
    with pytest.raises(InputError):
        read_unit_map(tmp_path / "missing.csv")
    with pytest.raises(InputError):
        read_unit_map(b"\xff\xfe\x00bad")


def test_unit_map_round_trips_through_csv_and_preset_records():
    table = pd.DataFrame([["Medicine", "Ward 4", "Medicine", "123 ABC Ward 4 CC"]],
                         columns=["survey_directorate", "survey_team", "hr_directorate", "hr_team"])
    assert read_unit_map(unit_map_csv(table)).equals(table)
    assert unit_map_from_records(unit_map_records(table)).equals(table)
    with pytest.raises(InputError):
        unit_map_from_records("not rows")


def test_confirmed_map_from_choices():
    hr = units(("Medicine", "123 ABC Ward 4 CC"), ("Surgery", "789 XYZ Theatres CC"))
    m = match_units(units(("Medicine", "Ward 4"), ("Surgery", "Theatres")), hr)
    attention = needing_attention(m)
    assert len(attention) == 2
    editor = attention_editor_frame(attention)
    # both best suggestions score 100 and stand alone: filled in for the user to confirm
    assert list(editor["HR team"]) == ["123 ABC Ward 4 CC (Medicine)", "789 XYZ Theatres CC (Surgery)"]
    choices = [unit_label("Medicine", "123 ABC Ward 4 CC"), NO_HR_UNIT]
    table = confirmed_map(attention, choices, hr_unit_options(hr))
    assert table.values.tolist() == [["Medicine", "Ward 4", "Medicine", "123 ABC Ward 4 CC"]]
    again = match_units(units(("Medicine", "Ward 4"), ("Surgery", "Theatres")), hr, table)
    assert list(again["status"]) == ["mapped", "unmatched"]


def test_editor_leaves_a_tie_for_the_user():
    m = match_units(units(("", "Ward 4")), units(("Medicine", "Ward 4"), ("Surgery", "Ward 4")))
    assert list(attention_editor_frame(needing_attention(m))["HR team"]) == [NO_HR_UNIT]

"""Column recognition (analytics.ingest.mapping): questions by code and wording, unit columns, presets,
local measures and the measure summary. Tables are built by hand, as analytics.ingest.io would return them."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.ingest.codebook import Codebook, custom_item_code, load_codebook
from analytics.errors import InputError
from analytics.ingest.mapping import (
    UNIT_COLUMN_WORDS,
    CustomMeasure,
    Mapping,
    add_custom_measure,
    apply_mapping,
    detect_mapping,
    measure_id_from_label,
    normalise_wording,
    recognise_item,
    summarise_mapping,
)
from analytics.ingest.raw import RawTable

STEM = "To what extent do you agree or disagree with the following statements about your immediate manager?"
Q9F = "My immediate manager works together with me to come to an understanding of problems."
Q9H = "My immediate manager cares about my concerns."
Q9I = "My immediate manager takes effective action to help me with any problems I face."


@pytest.fixture(scope="module")
def nss() -> Codebook:
    return load_codebook()


def make_raw(columns, header_texts=None, rows=2, file_name="survey_2025.csv", sheet=None) -> RawTable:
    """A RawTable with the given column labels; data rows start at spreadsheet row 2."""
    data = {c: ["Agree"] * rows for c in columns}
    frame = pd.DataFrame(data, index=range(2, 2 + rows))
    return RawTable(frame=frame, file_name=file_name, sheet=sheet, header_texts=header_texts or {})


def small_codebook() -> Codebook:
    """Codes chosen to test prefixes: q2 / q25 / q25a, q9 / q9f."""
    return Codebook.from_dict({
        "id": "prefixes", "name": "Prefix test", "years": [2025],
        "scales": {"agreement": {"options": ["Disagree", "Agree"]}},
        "items": {code: {"wording": "", "scale": "agreement"} for code in ("q2", "q25", "q25a", "q9", "q9f")},
        "measures": [{"id": "m", "label": "M", "items": ["q2", "q25", "q25a", "q9", "q9f"]}],
    })


# -- questions by code --------------------------------------------------------------------------

@pytest.mark.parametrize("header", [
    "q9f", "Q9F", "Q9f.", "Q9f:", "q9f_", "Q9f - My immediate manager works together with me",
    f"Q9f. {Q9F}", "Q9f: works together", "Q9f_manager", " Q9f ", "Q.9f", "Q09f", f"{Q9F} (Q9f)", "[Q9f] understanding",
])
def test_item_code_variants(nss, header):
    mapping = detect_mapping(make_raw(["Team", header]), nss)
    assert mapping.items == {header: "q9f"}
    assert mapping.evidence[header] == "code"


@pytest.mark.parametrize("header, expected", [
    ("Q2", "q2"), ("Q25", "q25"), ("Q25a", "q25a"), ("q25a.", "q25a"), ("Q9", "q9"), ("Q9f", "q9f"),
    ("Q9 - overall", "q9"), ("q25_", "q25"),
])
def test_code_prefixes_never_confused(header, expected):
    # "q2" must not match "q25", nor "q9" match "q9f"
    assert recognise_item([header], small_codebook()) == (expected, "code")


@pytest.mark.parametrize("header", ["Q9_4", "Q25_1", "q9fa", "Q9g", "Q250", "Q2a", "Question 9f", "QID12_4"])
def test_not_codes(header):
    # Qualtrics ids (Q9_4) and codes with more characters are not codebook codes
    assert recognise_item([header], small_codebook()) is None


def test_code_in_second_header_row(nss):
    raw = make_raw(["Team", "Column 7"], header_texts={"Column 7": ["Q9h", Q9H]})
    assert detect_mapping(raw, nss).items == {"Column 7": "q9h"}


def test_code_wins_over_contradicting_wording(nss):
    header = f"Q9f - {Q9H}"  # code q9f, wording of q9h: one column, one item
    mapping = detect_mapping(make_raw(["Team", header]), nss)
    assert mapping.items == {header: "q9f"}
    assert mapping.evidence[header].startswith("code")
    assert "q9h" in mapping.evidence[header]


# -- questions by wording -----------------------------------------------------------------------

@pytest.mark.parametrize("header", [
    Q9H,
    Q9H.rstrip("."),
    "  my IMMEDIATE manager   cares about my concerns ",
    f"{STEM} - {Q9H}",
    f"{STEM}: {Q9H}",
    f"{STEM}\n{Q9H}",
    f"Your manager | {Q9H}",
    "My immediate manager cares about my concerns!",
])
def test_wording_variants(nss, header):
    mapping = detect_mapping(make_raw(["Team", header]), nss)
    assert mapping.items == {header: "q9h"}
    assert mapping.evidence[header] == "wording"


def test_wording_with_curly_quotes_and_no_full_stop(nss):
    header = "How far do you agree? - Care of patients / service users is my organisation\u2019s top priority"
    assert detect_mapping(make_raw(["Team", header]), nss).items == {header: "q25a"}


def test_wording_inside_a_sentence_is_not_enough(nss):
    # a statement must be the whole header or follow a separator, not end a different sentence
    header = "I do not think my immediate manager cares about my concerns"
    with pytest.raises(InputError, match="None of the questions"):
        detect_mapping(make_raw(["Team", header]), nss)


def test_normalise_wording():
    assert normalise_wording("Don\u2019t know.") == normalise_wording("dont know")
    assert normalise_wording("team / department") == "teamdepartment"
    assert normalise_wording("Health & well-being") == normalise_wording("health and wellbeing")


def test_qualtrics_like_headers(nss):
    # Qualtrics: row 1 "Q9_4" (its own numbering), row 2 "stem - statement", row 3 an import id
    texts = {
        "Q9_4": ["Q9_4", f"{STEM} - {Q9H}", '{"ImportId":"QID12_4"}'],
        "Q9_5": ["Q9_5", f"{STEM} - {Q9I}", '{"ImportId":"QID12_5"}'],
        "Q9_6": ["Q9_6", f"{STEM} - My manager is great", '{"ImportId":"QID12_6"}'],
        "Q1": ["Q1", "Which team do you work in?", '{"ImportId":"QID1"}'],
    }
    raw = make_raw(["Q1", "Q9_4", "Q9_5", "Q9_6"], header_texts=texts)
    mapping = detect_mapping(raw, nss)
    assert mapping.items == {"Q9_4": "q9h", "Q9_5": "q9i"}
    assert mapping.evidence["Q9_4"] == "wording"
    assert mapping.team_col == "Q1"
    assert mapping.evidence["Q1"] == "header word 'team'"
    assert mapping.unmapped == ["Q9_6"]


def test_surveymonkey_like_headers(nss):
    # SurveyMonkey: row 1 the question (written once over a matrix), row 2 the statement or "Response"
    texts = {
        "Response": ["Which ward or team do you work in?", "Response"],
        Q9F.rstrip("."): [STEM, Q9F.rstrip(".")],
        Q9H: [Q9H],
        "Open-Ended Response": ["Anything else you would like to tell us?", "Open-Ended Response"],
    }
    raw = make_raw(list(texts), header_texts=texts)
    mapping = detect_mapping(raw, nss)
    assert mapping.items == {Q9F.rstrip("."): "q9f", Q9H: "q9h"}
    assert mapping.team_col == "Response"
    assert mapping.unmapped == ["Open-Ended Response"]


def test_code_preferred_to_wording_of_another_column(nss):
    raw = make_raw(["Team", "Q9h", f"{STEM} - {Q9H}"])
    mapping = detect_mapping(raw, nss)
    assert mapping.items == {"Q9h": "q9h"}
    assert mapping.evidence[f"{STEM} - {Q9H}"].startswith("not used")
    assert mapping.unmapped == [f"{STEM} - {Q9H}"]


# -- team, directorate and wave columns ---------------------------------------------------------

@pytest.mark.parametrize("role", list(UNIT_COLUMN_WORDS))
def test_every_unit_word(nss, role):
    attr = {"team": "team_col", "directorate": "directorate_col", "wave": "wave_col"}[role]
    for word in UNIT_COLUMN_WORDS[role]:
        header = word.title()
        mapping = detect_mapping(make_raw([header, "Q9f"]), nss)
        assert getattr(mapping, attr) == header, word
        assert mapping.evidence[header] == f"header word '{word}'"


@pytest.mark.parametrize("headers, team, directorate, wave", [
    (["Department", "Team"], "Team", None, None),
    (["Sub-team", "Ward"], "Ward", None, None),
    (["Location", "Cost centre", "Service"], "Service", None, None),
    (["Sub-team", "Department"], "Sub-team", None, None),
    (["Team code", "Team name"], "Team name", None, None),
    (["Business unit", "Unit"], "Unit", "Business unit", None),
    (["Division", "Directorate", "Care group"], None, "Directorate", None),
    (["Year", "Survey year", "Wave"], None, None, "Wave"),
    (["Year", "Survey period"], None, None, "Survey period"),
    (["Which team do you belong to?", "Department"], "Department", None, None),  # word + qualifiers wins
    (["Which team are you in?", "Department"], "Which team are you in?", None, None),  # all qualifiers
    (["Ward / team", "Department"], "Ward / team", None, None),
    (["I feel part of my team", "Which team do you belong to?"], "Which team do you belong to?", None, None),
    (["Year of birth", "Length of service", "Are you a service user?"], None, None, None),
    (["Years in post", "Teamwork", "Team spirit is good around here on the whole"], None, None, None),
])
def test_unit_column_precedence(nss, headers, team, directorate, wave):
    mapping = detect_mapping(make_raw(headers + ["Q9f"]), nss)
    assert (mapping.team_col, mapping.directorate_col, mapping.wave_col) == (team, directorate, wave)


def test_question_mentioning_team_is_a_question(nss):
    header = "Q3d I am able to make suggestions to improve the work of my team / department"
    mapping = detect_mapping(make_raw([header, "Ward"]), nss)
    assert mapping.items == {header: "q3d"}
    assert mapping.team_col == "Ward"


def test_no_unit_columns_is_not_an_error(nss):
    mapping = detect_mapping(make_raw(["Q9f", "Respondent ID"]), nss)
    assert (mapping.team_col, mapping.directorate_col, mapping.wave_col, mapping.wave_label) == (None, None, None, None)
    assert mapping.unmapped == ["Respondent ID"]


# -- what the user names -------------------------------------------------------------------------

def test_overrides_win_and_accept_any_header_text(nss):
    raw = make_raw(["Team", "Ward Name", "Q3", "Period", "Q9f"], header_texts={"Q3": ["Q3", "Your care group"]})
    mapping = detect_mapping(raw, nss, team_col="  ward name ", directorate_col="YOUR CARE GROUP", wave_col="Period",
                             wave_label="2025")
    assert (mapping.team_col, mapping.directorate_col, mapping.wave_col) == ("Ward Name", "Q3", "Period")
    assert mapping.wave_label == "2025"
    assert {c: mapping.evidence[c] for c in ("Ward Name", "Q3", "Period")} == dict.fromkeys(
        ("Ward Name", "Q3", "Period"), "user")
    assert "Team" in mapping.unmapped


def test_override_column_is_not_read_as_a_question(nss):
    mapping = detect_mapping(make_raw(["Q9f", "Q9g"]), nss, team_col="Q9g")
    assert mapping.items == {"Q9f": "q9f"}
    assert mapping.team_col == "Q9g"


def test_wave_label_left_none_when_not_given(nss):
    assert detect_mapping(make_raw(["Q9f"]), nss).wave_label is None


# -- refusals --------------------------------------------------------------------------------------

def test_refuses_two_columns_with_one_code(nss):
    raw = make_raw(["Team", "Q9f", "Q9f (2)"], file_name="staff.xlsx", sheet="Data")
    with pytest.raises(InputError, match=r"'Q9f' and 'Q9f \(2\)' both look like question q9f") as info:
        detect_mapping(raw, nss)
    assert info.value.file == "staff.xlsx" and info.value.sheet == "Data"


def test_refuses_two_columns_with_one_wording(nss):
    raw = make_raw(["Team", Q9H, f"{STEM} - {Q9H}"])
    with pytest.raises(InputError, match="both look like question q9h"):
        detect_mapping(raw, nss)


def test_refuses_when_nothing_is_recognised(nss):
    raw = make_raw(["Team", "How are you?", "Q9_4"])
    expected = r"None of the questions .*\(q9f, q9g, q9h, q9i, \.\.\.\).*'How are you\?'; 'Q9_4'"
    with pytest.raises(InputError, match=expected):
        detect_mapping(raw, nss)


def test_require_items_false_allows_local_surveys(nss):
    mapping = detect_mapping(make_raw(["Team", "How are you?"]), nss, require_items=False)
    assert mapping.items == {} and mapping.team_col == "Team" and mapping.unmapped == ["How are you?"]


def test_refuses_unknown_named_column(nss):
    with pytest.raises(InputError, match="There is no team column called 'Ward'"):
        detect_mapping(make_raw(["Team", "Q9f"]), nss, team_col="Ward")


def test_refuses_one_column_for_two_roles(nss):
    with pytest.raises(InputError, match="named both as the team column and as the directorate column"):
        detect_mapping(make_raw(["Team", "Q9f"]), nss, team_col="Team", directorate_col="team")


# -- saved mappings (presets) -------------------------------------------------------------------

def last_years_file():
    return make_raw(["Ward", "Directorate", "Q9f", "Q9g", "Q9h", "Q9i", "Comments"], file_name="survey_2024.csv")


def test_json_round_trip(nss, tmp_path):
    mapping = detect_mapping(last_years_file(), nss, wave_label="2024")
    mapping = add_custom_measure(mapping, last_years_file(), "Local voice", ["Comments", "Q9f"], ["No", "Yes"],
                                 reverse_columns=["Comments"])
    assert Mapping.from_json(mapping.to_json()) == mapping
    path = tmp_path / "preset.json"
    mapping.save(path)
    assert Mapping.load(path) == mapping


def test_apply_last_years_preset_to_reordered_file(nss, tmp_path):
    preset_path = tmp_path / "preset_2024.json"
    detect_mapping(last_years_file(), nss, wave_label="2024").save(preset_path)
    this_year = make_raw(["Q9i", "Comments", "Q9h", "Directorate", "Q9g", "Ward", "Q9f"], file_name="survey_2025.csv")
    resolved = apply_mapping(this_year, Mapping.load(preset_path), nss)
    assert resolved.items == {"Q9i": "q9i", "Q9h": "q9h", "Q9g": "q9g", "Q9f": "q9f"}
    assert (resolved.team_col, resolved.directorate_col) == ("Ward", "Directorate")
    assert resolved.wave_label is None  # last year's label is not carried over
    assert set(resolved.evidence.values()) == {"preset"}
    assert resolved.unmapped == ["Comments"]
    assert apply_mapping(this_year, Mapping.load(preset_path), nss, wave_label="2025").wave_label == "2025"


def test_apply_preset_finds_renamed_question_columns(nss):
    preset = detect_mapping(last_years_file(), nss)
    renamed = make_raw(["ward", "Directorate", f"Q9f - {Q9F}", "Q9g", "Q9h", f"{STEM} - {Q9I}"])
    resolved = apply_mapping(renamed, preset, nss)
    assert resolved.team_col == "ward"  # same header, other case
    assert resolved.items == {f"Q9f - {Q9F}": "q9f", "Q9g": "q9g", "Q9h": "q9h", f"{STEM} - {Q9I}": "q9i"}
    assert resolved.evidence[f"Q9f - {Q9F}"] == "preset (found by code)"
    assert resolved.evidence[f"{STEM} - {Q9I}"] == "preset (found by wording)"


def test_apply_preset_refuses_missing_columns(nss):
    preset = detect_mapping(last_years_file(), nss)
    with pytest.raises(InputError, match=r"does not have: 'Directorate', 'Q9i'\. .*re-run column recognition"):
        apply_mapping(make_raw(["Ward", "Q9f", "Q9g", "Q9h"]), preset, nss)


def test_apply_preset_refuses_unknown_codes(nss):
    preset = Mapping(items={"Q9f": "q9f", "Q31x": "q31x"}, team_col="Ward")
    with pytest.raises(InputError, match="question\\(s\\) q31x, which the codebook"):
        apply_mapping(make_raw(["Ward", "Q9f", "Q31x"]), preset, nss)


def test_apply_preset_refuses_two_saved_columns_on_one(nss):
    preset = Mapping(items={"Q9f": "q9f", "q9f ": "q9g"}, team_col="Ward")
    with pytest.raises(InputError, match="both match the column 'Q9f'"):
        apply_mapping(make_raw(["Ward", "Q9f"]), preset, nss)


def test_apply_preset_with_local_measure(nss):
    preset = add_custom_measure(detect_mapping(last_years_file(), nss), last_years_file(), "Local voice",
                                ["Comments"], "agreement")
    resolved = apply_mapping(make_raw(["Ward", "Directorate", "comments", "Q9f", "Q9g", "Q9h", "Q9i"]), preset, nss)
    assert resolved.custom_measures[0].columns == ["comments"]
    with pytest.raises(InputError, match=r"'Comments' \(local measure 'Local voice'\)"):
        apply_mapping(make_raw(["Ward", "Directorate", "Q9f", "Q9g", "Q9h", "Q9i"]), preset, nss)


# -- local measures -----------------------------------------------------------------------------

def pulse_file():
    return make_raw(["Team", "Q9f", "I feel safe at work", "I am often exhausted", "I have time to rest"])


def test_add_custom_measure(nss):
    raw = pulse_file()
    base = detect_mapping(raw, nss)
    mapping = add_custom_measure(base, raw, "Local wellbeing pulse",
                                 ["i feel safe at work", "I am often exhausted", "I HAVE TIME TO REST"],
                                 "frequency", reverse_columns=["I am often exhausted"], codebook=nss)
    assert base.custom_measures == []  # not modified
    (measure,) = mapping.custom_measures
    assert measure == CustomMeasure(id="local_wellbeing_pulse", label="Local wellbeing pulse",
                                    columns=["I feel safe at work", "I am often exhausted", "I have time to rest"],
                                    scale="frequency", reverse_columns=["I am often exhausted"])
    assert mapping.unmapped == []
    assert mapping.evidence["I feel safe at work"] == "user"
    book = nss.with_custom_measures(mapping.custom_measures)
    assert book.items_of("local_wellbeing_pulse") == tuple(
        custom_item_code("local_wellbeing_pulse", c) for c in measure.columns)
    assert book.items[custom_item_code("local_wellbeing_pulse", "I am often exhausted")].reverse is True
    assert "I feel safe at work" in mapping.used_columns()


def test_measure_ids():
    assert measure_id_from_label("Local wellbeing pulse") == "local_wellbeing_pulse"
    assert measure_id_from_label("  Team  Spirit (2025)! ") == "team_spirit_2025"
    assert measure_id_from_label("2025 pulse") == "local_2025_pulse"
    assert measure_id_from_label("???") == "local_measure"


@pytest.mark.parametrize("label, columns, scale, reverse, message", [
    ("", ["I feel safe at work"], "agreement", (), "Give the local measure a name"),
    ("Pulse", [], "agreement", (), "needs at least one column"),
    ("Pulse", ["I feel safe at work", "i feel safe at work"], "agreement", (), "more than once"),
    ("Pulse", ["Not a column"], "agreement", (), "no 'Pulse' column called 'Not a column'"),
    ("Pulse", ["I feel safe at work"], "agreement", ["I have time to rest"], "are not among the columns"),
    ("Pulse", ["I feel safe at work"], ["Yes"], (), "at least two different options"),
    ("Pulse", ["I feel safe at work"], ["Yes", "yes "], (), "at least two different options"),
    ("Pulse", ["I feel safe at work"], " ", (), "Choose a scale"),
])
def test_custom_measure_refusals(nss, label, columns, scale, reverse, message):
    raw = pulse_file()
    with pytest.raises(InputError, match=message):
        add_custom_measure(detect_mapping(raw, nss), raw, label, columns, scale, reverse)


def test_custom_measure_refuses_unit_columns(nss):
    raw = pulse_file()
    with pytest.raises(InputError, match="'Team' is the team column"):
        add_custom_measure(detect_mapping(raw, nss), raw, "Pulse", ["team", "I feel safe at work"], "agreement")


def test_custom_measure_duplicates_refused(nss):
    raw = pulse_file()
    mapping = add_custom_measure(detect_mapping(raw, nss), raw, "Pulse", ["I feel safe at work"], "agreement")
    with pytest.raises(InputError, match="already a local measure called 'Pulse'"):
        add_custom_measure(mapping, raw, "pulse", ["I have time to rest"], "agreement")
    with pytest.raises(InputError, match="already a local measure"):
        add_custom_measure(mapping, raw, "Pulse!", ["I have time to rest"], "agreement")  # same id


def test_custom_measure_checked_against_codebook(nss):
    raw = pulse_file()
    with pytest.raises(InputError, match="scale 'likert7', which is not defined"):
        add_custom_measure(Mapping(), raw, "Pulse", ["I feel safe at work"], "likert7", codebook=nss)
    with pytest.raises(InputError, match="cannot reuse the id 'morale'"):
        add_custom_measure(Mapping(), raw, "Morale", ["I feel safe at work"], "agreement", codebook=nss)


# -- summary ----------------------------------------------------------------------------------------

def test_summarise_mapping(nss):
    raw = make_raw(["Team", "Q9f", "Q9g", "Q9h", "Q26a", "Q2a", "Q2b", "Q2c", "Pulse 1", "Pulse 2"])
    mapping = add_custom_measure(detect_mapping(raw, nss), raw, "Pulse", ["Pulse 1", "Pulse 2"], "agreement")
    summary = summarise_mapping(mapping, nss).set_index("measure")
    assert list(summary.reset_index().columns) == ["measure", "label", "items_expected", "items_found", "missing_items"]
    assert list(summary.index) == list(nss.measure_ids) + ["pulse"]
    row = summary.loc["compassionate_leadership"]
    assert (row["label"], row["items_expected"], row["items_found"], row["missing_items"]) == (
        "Compassionate leadership", 4, 3, "q9i")
    assert summary.loc["line_management", "items_found"] == 0
    # morale = thinking about leaving (3) + work pressure (3) + stressors (7) items, none shared
    assert summary.loc["morale", "items_expected"] == 3 + 3 + 7
    assert summary.loc["morale", "items_found"] == 1  # q26a
    assert summary.loc["motivation", "missing_items"] == ""
    assert summary.loc["staff_engagement", ["items_expected", "items_found"]].tolist() == [3 + 3 + 3, 3]
    assert summary.loc["pulse", ["items_expected", "items_found", "missing_items"]].tolist() == [2, 2, ""]

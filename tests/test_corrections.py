"""The Data page's logic (analytics.corrections) on small hand-made codebooks, mappings and frames.

Expected values are written out by hand; every refusal is checked with ``pytest.raises(InputError, match=…)``.
The same functions on real files (recognition, presets across years) are tested in test_page_data.py.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from analytics import settings
from analytics.dataset import FilePayload
from analytics.errors import InputError
from analytics.ingest.codebook import Codebook, Item, Scale
from analytics.corrections import (EDITOR_COLUMNS, FILES_VIEW_COLUMNS, FINDINGS_VIEW_COLUMNS, NOT_USED,
                                          SEVERITY_ICONS, SurveyFileState, all_blank, build_spec, corrected_mapping,
                                          file_id, files_view, findings_view, free_columns, hr_overview,
                                          item_choices, items_editor_frame, mapping_changed, measure_description,
                                          preset_json, question_labels, question_options, sheet_options,
                                          short_column, without_measure)
from analytics.ingest.mapping import CustomMeasure, Mapping

LONG_WORDING = "I am able to make suggestions to improve the work of my team or department, " \
               "and they are acted upon."
AGREEMENT = Scale("agreement", "Agreement (5 options)",
                  ("Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"))
BOOK = Codebook(
    id="tiny", name="Tiny", years=(2025,),
    scales={"agreement": AGREEMENT, "custom.pulse": Scale("custom.pulse", "Pulse", ("No", "Yes"))},
    items={"q1": Item("q1", "I look forward to work.", "agreement"),
           "q2": Item("q2", LONG_WORDING, "agreement"),
           "q3": Item("q3", "", "agreement"),
           "custom.pulse.c1": Item("custom.pulse.c1", "C1", "custom.pulse")},
    measures=())
Q1 = "q1 · I look forward to work."
Q2 = "q2 · " + LONG_WORDING[:69] + "…"
COLUMNS = ["Ward", "Division", "Q1", "Q2", "Q3", "Free text", "Pulse 1", "Pulse 2"]
PULSE = CustomMeasure(id="pulse", label="Pulse", columns=["Pulse 1", "Pulse 2"], scale="agreement",
                      reverse_columns=["Pulse 2"])


def _recognised() -> Mapping:
    """What recognition found: team, directorate, two questions, a local measure; Q3 and Free text unused."""
    return Mapping(items={"Q1": "q1", "Q2": "q2"}, team_col="Ward", directorate_col="Division",
                   custom_measures=[PULSE], codebook="tiny",
                   evidence={"Ward": "header word", "Division": "header word", "Q1": "code", "Q2": "wording",
                             "Pulse 1": "user", "Pulse 2": "user"},
                   unmapped=["Q3", "Free text"])


def _correct(**changes) -> Mapping:
    """corrected_mapping on COLUMNS from _recognised(), with the recognised choices unless changed."""
    options = dict(file_name="pulse_2025.csv", team_col="Ward", directorate_col="Division", wave_col=None,
                   wave_label=None, wave_fallback="2025", choices={"Q1": "q1", "Q2": "q2"})
    options.update(changes)
    return corrected_mapping(COLUMNS, _recognised(), BOOK, **options)


# --------------------------------------------------------------------------------------------------
# Labels and options
# --------------------------------------------------------------------------------------------------
def test_file_id_is_twelve_hex_digits_of_name_and_content():
    one = file_id(FilePayload("a.csv", b"x,y\n1,2\n"))
    assert len(one) == 12 and int(one, 16) >= 0
    assert one == file_id(FilePayload("a.csv", b"x,y\n1,2\n"))
    assert one != file_id(FilePayload("b.csv", b"x,y\n1,2\n"))
    assert one != file_id(FilePayload("a.csv", b"x,y\n1,3\n"))


def test_sheet_options_put_the_automatic_choice_first():
    assert sheet_options(["Read me", "Acute"], "Acute") == [
        "Automatic (the sheet holding responses: Acute)", "Read me", "Acute"]
    assert sheet_options([], None) == ["Automatic (the sheet holding responses)"]


def test_question_labels_cut_long_wordings_and_leave_out_local_items():
    labels = question_labels(BOOK)
    assert labels == {"q1": Q1, "q2": Q2, "q3": "q3"}
    assert len(labels["q2"]) == len("q2 · ") + 70  # 69 characters of wording and "…"
    assert question_options(BOOK) == [NOT_USED, "team column", "directorate column", "wave column", Q1, Q2, "q3"]


# --------------------------------------------------------------------------------------------------
# The question editor
# --------------------------------------------------------------------------------------------------
def test_editor_frame_lists_the_columns_with_their_question_or_role():
    frame = items_editor_frame(COLUMNS, _recognised(), BOOK)
    expected = pd.DataFrame({
        "Column": ["Ward", "Division", "Q1", "Q2", "Q3", "Free text"],  # the local measure's columns left out
        "Question": ["team column", "directorate column", Q1, Q2, NOT_USED, NOT_USED],
        "Recognised by": ["header word", "header word", "code", "wording", "", ""],
    }, columns=list(EDITOR_COLUMNS))
    pd.testing.assert_frame_equal(frame, expected)


def test_editor_frame_shows_the_roles_chosen_on_the_page():
    roles = {"team": "Free text", "directorate": None, "wave": "Q3"}
    frame = items_editor_frame(COLUMNS, _recognised(), BOOK, roles=roles)
    assert frame["Question"].tolist() == [NOT_USED, NOT_USED, Q1, Q2, "wave column", "team column"]


def test_item_choices_read_the_edited_table_back():
    editor = pd.DataFrame({"Column": ["Ward", "Q1", "Q2", "Q3", "Free text"],
                           "Question": ["team column", Q2, None, "q3", NOT_USED]})
    assert item_choices(editor, BOOK) == {"Ward": None, "Q1": "q2", "Q2": None, "Q3": "q3", "Free text": None}
    editor.loc[2, "Question"] = float("nan")  # a cell the editor left empty
    assert item_choices(editor, BOOK, roles={"team": "Ward"})["Q2"] is None


def test_item_choices_refuse_a_role_given_to_another_column():
    editor = pd.DataFrame({"Column": ["Ward", "Q3"], "Question": ["team column", "wave column"]})
    with pytest.raises(InputError, match="'Q3' is marked as the wave column in the question list. To use it as the "
                                         "wave column, choose it under 'Wave column' above"):
        item_choices(editor, BOOK, roles={"team": "Ward", "directorate": None, "wave": None})


# --------------------------------------------------------------------------------------------------
# The corrected mapping
# --------------------------------------------------------------------------------------------------
def test_unchanged_choices_keep_the_recognised_mapping():
    corrected = _correct()
    assert not mapping_changed(_recognised(), corrected)
    assert corrected.evidence == _recognised().evidence
    assert corrected.unmapped == ["Q3", "Free text"]
    assert corrected.custom_measures == [PULSE] and corrected.custom_measures[0] is not PULSE


def test_corrections_are_marked_as_the_users():
    corrected = _correct(team_col="Free text", directorate_col=None, choices={"Q1": "q1", "Q2": "q3", "Q3": "q2"})
    assert corrected.items == {"Q1": "q1", "Q2": "q3", "Q3": "q2"}
    assert (corrected.team_col, corrected.directorate_col) == ("Free text", None)
    assert corrected.evidence == {"Free text": "user", "Q1": "code", "Q2": "user", "Q3": "user",
                                  "Pulse 1": "user", "Pulse 2": "user"}
    assert corrected.unmapped == ["Ward", "Division"]
    assert mapping_changed(_recognised(), corrected)


def test_mapping_changed_ignores_evidence_and_unused_columns():
    other = _recognised()
    other.evidence = {}
    other.unmapped = []
    assert not mapping_changed(_recognised(), other)
    other.wave_label = "2025 pulse"
    assert mapping_changed(_recognised(), other)


def test_wave_label_is_kept_only_when_typed_and_not_from_the_file_name():
    assert _correct(wave_label="  2025 pulse ").wave_label == "2025 pulse"
    assert _correct(wave_label="2025").wave_label is None  # the year in the file name
    assert _correct(wave_label="  ").wave_label is None
    assert _correct(wave_col="Q3", wave_label="2025 pulse").wave_label is None
    assert _correct(wave_fallback=None, wave_label="2024").wave_label == "2024"


@pytest.mark.parametrize(("changes", "message"), [
    ({"team_col": "Site"}, "There is no column 'Site' in this file; choose the team column again."),
    ({"directorate_col": "Ward"}, "The column 'Ward' is chosen both as the team column and as the directorate "
                                  "column. Choose a different column for each."),
    ({"team_col": None}, "Choose the team column: scores are reported per team."),
    ({"choices": {"Ward": "q1"}}, "The column 'Ward' is the team column, but it is also given the question q1. "
                                  "Set its question to 'not used', or choose another team column."),
    ({"choices": {"Q1": "q2", "Q2": "q2"}}, f"The columns 'Q1' and 'Q2' are both given the question {Q2}. Each "
                                            "question can be given to one column only: set one of them to "
                                            "'not used'."),
    ({"wave_col": "Pulse 1"}, "The column 'Pulse 1' is the wave column, but it is also a question of the local "
                              "measure 'Pulse'. Remove the local measure or choose another wave column."),
    ({"wave_fallback": None}, "The survey year (wave) of this file is not known: it has no wave column, no "
                              "response-date column and no year in a sheet name, a title row or its file name. "
                              "Choose the wave column or type the year."),
])
def test_corrections_that_cannot_be_used_are_refused(changes, message):
    with pytest.raises(InputError, match=re.escape(message)) as raised:
        _correct(**changes)
    assert (raised.value.file, raised.value.sheet) == ("pulse_2025.csv", None)


def test_nothing_to_score_is_refused():
    bare = Mapping(team_col="Ward", codebook="tiny")
    with pytest.raises(InputError, match="No column is given a survey question or a local measure"):
        corrected_mapping(COLUMNS, bare, BOOK, file_name="a.xlsx", sheet="Data", team_col="Ward",
                          directorate_col=None, wave_col=None, wave_label=None, wave_fallback="2025", choices={})
    # a local measure alone is something to score
    assert _correct(choices={}).items == {}


# --------------------------------------------------------------------------------------------------
# Local measures and presets
# --------------------------------------------------------------------------------------------------
def test_local_measure_described_removed_and_free_columns():
    assert measure_description(PULSE) == ("- **Pulse**: Pulse 1, Pulse 2 (scale: agreement; "
                                          "reverse-keyed: Pulse 2)")
    listed = CustomMeasure(id="m", label="M", columns=["A"], scale=["No", "Yes"])
    assert measure_description(listed) == "- **M**: A (scale: No / Yes)"
    kept = without_measure(_recognised(), "pulse", COLUMNS)
    assert kept.custom_measures == [] and kept.unmapped == ["Q3", "Free text", "Pulse 1", "Pulse 2"]
    assert _recognised().custom_measures == [PULSE]  # the mapping given is not changed
    assert free_columns(list(reversed(COLUMNS)), _recognised()) == ["Free text", "Q3"]


def test_preset_leaves_out_the_files_wave():
    mapping = _recognised()
    mapping.wave_label = "2025 pulse"
    assert Mapping.from_json(preset_json(mapping)).wave_label is None
    assert mapping.wave_label == "2025 pulse"


# --------------------------------------------------------------------------------------------------
# The dataset spec
# --------------------------------------------------------------------------------------------------
def _entry(name: str, corrected: Mapping | None, *, sheet: str | None = None) -> SurveyFileState:
    recognised = SimpleNamespace(mapping=_recognised(), is_unit_level=False)
    # Each file its own bytes: two uploads with the same bytes are refused (the same file twice).
    return SurveyFileState(payload=FilePayload(name, name.encode()), recognised=recognised, corrected=corrected,
                           sheet=sheet)


def test_build_spec_carries_only_what_the_user_changed():
    plain = build_spec([_entry("a.csv", _recognised()), _entry("b.csv", _recognised())])
    assert (plain.mappings_json, plain.survey_sheets, plain.hr_team_col) == ((), (), None)
    assert plain.label == "Uploaded: a.csv, b.csv"
    changed = _correct(team_col="Free text")
    staff = FilePayload("esr.csv", b"y")
    spec = build_spec([_entry("a.csv", _recognised(), sheet="Data"), _entry("b.csv", changed)], staff_file=staff,
                      hr_team_col="")
    assert spec.mappings_json == (None, changed.to_json())
    assert spec.survey_sheets == ("Data", None)
    assert spec.label == "Uploaded: a.csv, b.csv, esr.csv" and spec.hr_team_col is None


def test_build_spec_refuses_nothing_and_files_not_ready():
    with pytest.raises(InputError, match="Upload at least one survey file or an HR file first."):
        build_spec([])
    assert build_spec([], staff_file=FilePayload("esr.csv", b"y")).survey_files == ()
    broken = SurveyFileState(payload=FilePayload("bad.csv", b"x"), error="unreadable")
    with pytest.raises(InputError, match=r"Fix the problems shown for bad.csv, c.csv \(or remove the file\)"):
        build_spec([broken, _entry("ok.csv", _recognised()), _entry("c.csv", None)])


# --------------------------------------------------------------------------------------------------
# What was read
# --------------------------------------------------------------------------------------------------
def test_short_column_and_all_blank():
    assert short_column("  Q9f  how\nmuch ", None, limit=40) == "Q9f how much"
    assert short_column("abcdefghij", None, limit=5) == "abcd…"
    assert short_column("anything", "q9f") == "q9f"
    assert short_column(None) == "" and short_column(float("nan")) == ""
    assert all_blank(pd.Series([None, "", float("nan")])) and not all_blank(pd.Series(["", "Data"]))


def test_findings_view_sorts_by_severity_and_shortens_columns():
    findings = pd.DataFrame([
        ["info", "missing_rate", "b.csv", None, "Q1", "2", 1, "", "one missing"],
        ["warning", "straight_lining", "a.csv", None, None, "4", 1, "", "same answers"],
        ["error", "out_of_range", "b.csv", None, "A header longer than ten", "5", 2, "7", "a 7"],
    ], columns=list(settings.FINDING_COLUMNS))
    shown = findings_view(findings, {("b.csv", "Q1"): "q1"})
    expected = pd.DataFrame({
        "Severity": [SEVERITY_ICONS["error"], SEVERITY_ICONS["warning"], SEVERITY_ICONS["info"]],
        "File": ["b.csv", "a.csv", "b.csv"], "Sheet": [None, None, None],
        "Column": ["A header longer than ten", "", "q1"], "Rows": ["5", "4", "2"], "Count": [2, 1, 1],
        "What was found": ["a 7", "same answers", "one missing"],
        "Full column header": ["A header longer than ten", "", "Q1"],
    }, columns=list(FINDINGS_VIEW_COLUMNS))
    pd.testing.assert_frame_equal(shown, expected, check_dtype=False)
    assert list(findings_view(None).columns) == list(FINDINGS_VIEW_COLUMNS) and findings_view(None).empty


def test_files_view_one_row_per_file_with_nullable_counts():
    frame = files_view([
        {"file": "a.csv", "respondents": 120, "waves": ["2024", "2025"], "items_recognised": 30,
         "notes": ["Read as CSV.", "2 rows skipped."]},
        {"file": "results.xlsx", "sheet": "Teams", "unit_level": True, "waves": ["2025"]},
    ])
    assert list(frame.columns) == list(FILES_VIEW_COLUMNS)
    assert frame["Kind"].tolist() == ["responses", "published results"]
    assert frame["Sheet"].tolist() == ["", "Teams"] and frame["Waves"].tolist() == ["2024, 2025", "2025"]
    assert frame["Respondents"].tolist() == [120, pd.NA] and str(frame["Respondents"].dtype) == "Int64"
    assert frame["Notes"].tolist() == ["Read as CSV. 2 rows skipped.", ""]


def test_hr_overview_of_team_month_figures():
    records = SimpleNamespace(table=pd.DataFrame({"team": ["A", "A", "B"]}), coverage_start=dt.date(2024, 4, 1),
                              coverage_end=dt.date(2025, 3, 31), has_directorate=False, notes=["One.", "Two."])
    assert hr_overview(records) == {"Read as": "team-month HR figures", "HR period": "01 Apr 2024 to 31 Mar 2025",
                                    "Leavers counted": "as given in the team-month file",
                                    "Teams": "2", "Directorates": "no directorate column", "Notes": "One. Two."}
    staff = SimpleNamespace(assignments=pd.DataFrame({"team": ["A", "B", "C"]}), absence=pd.DataFrame(),
                            coverage_start=dt.date(2024, 4, 1), coverage_end=dt.date(2025, 3, 31),
                            has_directorate=True, notes=["Inferred from the dates in the files: …",
                                                         "Planned leavers: 2 termination date(s) …", "Other."])
    overview = hr_overview(staff)
    # the period's inference and the planned leavers are findings of their own, not lost in the notes
    assert overview["How the period was found"] == "Inferred from the dates in the files: …"
    assert overview["Planned leavers"] == "Planned leavers: 2 termination date(s) …"
    assert overview["Notes"] == "Other." and overview["Leavers counted"] == "spell-based, headcount"
    assert overview["Read as"] == "employee-level staff list with sickness absence episodes"
    assert (overview["Teams"], overview["Directorates"]) == ("3", "yes")

"""The Data page: its logic functions (analytics.corrections) and AppTests of uploads, corrections,
local measures, presets and using the files.

AppTest in this Streamlit version drives ``st.file_uploader`` (``set_value``), ``st.data_editor`` (through its
edit state in ``session_state``) and forms, so the page is tested through its widgets. As in the other page
tests, ``switch_page`` before the first run runs the page script on its own (without ``app.py``'s sidebar).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from analytics import settings
from analytics.ingest.codebook import load_codebook
from analytics.corrections import (FINDINGS_VIEW_COLUMNS, FINDING_COLUMN_CHARS, NOT_USED, SEVERITY_ICONS,
                                          SurveyFileState, apply_preset, build_spec, column_questions,
                                          corrected_mapping, file_id, findings_view, item_choices, items_editor_frame,
                                          mapping_changed, mapping_roles, preset_json, question_labels,
                                          question_options, recognise_payload, sheet_options)
from analytics.dataset import FilePayload, load_survey
from analytics.errors import InputError
from analytics.ingest.mapping import Mapping, add_custom_measure
from sheet_fixtures import two_response_sheets_xlsx
from survey_fixtures import LOCAL_QUESTIONS, codes_csv, not_a_spreadsheet, question_text_xlsx
from ui import board_view
from ui import data_hr_view as hr_view
from ui import data_view as view

ROOT = Path(__file__).resolve().parent.parent
CSV = FilePayload("pulse_2024.csv", codes_csv())
XLSX = FilePayload("pulse_2025.xlsx", question_text_xlsx())
NEXT_YEAR_CSV = FilePayload("pulse_2025.csv", codes_csv(seed=5))
#: Sheets "Read me", "Acute" (chosen automatically) and "Community" (sheet_fixtures).
TWO_SHEETS = FilePayload("staff_survey_2025.xlsx", two_response_sheets_xlsx())
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOOK = load_codebook()


def _corrected(recognised, **changes):
    mapping = recognised.mapping
    options = dict(team_col=mapping.team_col, directorate_col=mapping.directorate_col, wave_col=mapping.wave_col,
                   wave_label=None, wave_fallback=recognised.wave_fallback,
                   choices=item_choices(items_editor_frame(recognised.raw.columns, mapping, BOOK), BOOK))
    options.update(changes)
    return corrected_mapping(recognised.raw.columns, mapping, BOOK, file_name=recognised.source.file_name,
                             **options)


# --------------------------------------------------------------------------------------------------
# Logic functions
# --------------------------------------------------------------------------------------------------
def test_recognised_header_has_no_response_rows():
    for payload in (CSV, XLSX):
        recognised = recognise_payload(payload)
        assert len(recognised.raw.frame) == 0
        assert recognised.raw.columns  # the header is kept
    assert recognise_payload(XLSX).raw.sheet == "Responses"


def test_editor_round_trip_keeps_the_recognised_questions():
    recognised = recognise_payload(CSV)
    frame = items_editor_frame(recognised.raw.columns, recognised.mapping, BOOK)
    assert frame["Column"].tolist() == recognised.raw.columns
    choices = item_choices(frame, BOOK)
    assert {c: code for c, code in choices.items() if code} == recognised.mapping.items
    assert choices["Squad"] is None
    assert frame.loc[frame["Column"] == "Q9H", "Question"].item() == question_labels(BOOK)["q9h"]


def test_editor_shows_the_role_of_the_team_directorate_and_wave_columns():
    recognised = recognise_payload(CSV)
    frame = items_editor_frame(recognised.raw.columns, recognised.mapping, BOOK).set_index("Column")
    assert frame.loc["Location", "Question"] == "team column"
    assert frame.loc["Directorate", "Question"] == "directorate column"
    assert frame.loc["Respondent", "Question"] == NOT_USED and frame.loc["Squad", "Question"] == NOT_USED
    # the roles chosen on the page win over the mapping's while the user corrects them
    roles = {"team": "Squad", "directorate": "Directorate", "wave": "Respondent"}
    frame = items_editor_frame(recognised.raw.columns, recognised.mapping, BOOK, roles=roles)
    shown = frame.set_index("Column")["Question"]
    assert (shown["Squad"], shown["Location"], shown["Respondent"]) == ("team column", NOT_USED, "wave column")
    # roles are not questions: no item code, and the corrected mapping keeps them as unit columns
    choices = item_choices(frame, BOOK, roles=roles)
    assert choices["Squad"] is None and choices["Directorate"] is None and choices["Q9F"] == "q9f"
    corrected = _corrected(recognised, team_col="Squad", wave_col="Respondent", choices=choices)
    assert (corrected.team_col, corrected.directorate_col, corrected.wave_col) == ("Squad", "Directorate", "Respondent")
    # the role labels are options of the editor's cells (so the role shows), before the questions
    assert question_options(BOOK)[:4] == [NOT_USED, "team column", "directorate column", "wave column"]


def test_a_role_given_in_the_editor_to_another_column_is_refused():
    recognised = recognise_payload(CSV)
    roles = mapping_roles(recognised.mapping)
    frame = items_editor_frame(recognised.raw.columns, recognised.mapping, BOOK)
    frame.loc[frame["Column"] == "Squad", "Question"] = "team column"
    with pytest.raises(InputError, match="'Squad' is marked as the team column.*choose it under 'Team column' above"):
        item_choices(frame, BOOK, roles=roles)


def test_corrected_team_column_is_a_change_made_by_the_user():
    recognised = recognise_payload(CSV)
    assert recognised.mapping.team_col == "Location"  # the site, not the team: the user corrects it
    unchanged = _corrected(recognised)
    assert not mapping_changed(recognised.mapping, unchanged)
    corrected = _corrected(recognised, team_col="Squad")
    assert corrected.team_col == "Squad"
    assert corrected.evidence["Squad"] == "user"
    assert "Location" in corrected.unmapped and "Squad" not in corrected.unmapped
    assert mapping_changed(recognised.mapping, corrected)


def test_two_columns_on_one_question_are_refused():
    recognised = recognise_payload(CSV)
    choices = item_choices(items_editor_frame(recognised.raw.columns, recognised.mapping, BOOK), BOOK)
    choices["Respondent"] = "q9h"
    with pytest.raises(InputError, match="'Respondent' and 'Q9H' are both given the question q9h"):
        _corrected(recognised, choices=choices)


def test_a_unit_column_that_is_also_a_question_is_refused():
    recognised = recognise_payload(CSV)
    with pytest.raises(InputError, match="'Q9F' is the team column, but it is also given the question q9f"):
        _corrected(recognised, team_col="Q9F")
    with pytest.raises(InputError, match="chosen both as the team column and as the directorate column"):
        _corrected(recognised, team_col="Squad", directorate_col="Squad")


def test_team_column_and_wave_are_required():
    recognised = recognise_payload(CSV)
    with pytest.raises(InputError, match="Choose the team column"):
        _corrected(recognised, team_col=None)
    with pytest.raises(InputError, match="The survey year \\(wave\\) of this file is not known"):
        _corrected(recognised, wave_fallback=None, wave_label="  ")
    with pytest.raises(InputError, match="No column is given a survey question"):
        _corrected(recognised, choices={})


def test_wave_label_same_as_file_name_is_not_a_change():
    recognised = recognise_payload(CSV)
    assert recognised.wave_fallback == "2024"
    assert _corrected(recognised, wave_label="2024").wave_label is None
    typed = _corrected(recognised, wave_label="2024 pulse")
    assert typed.wave_label == "2024 pulse"
    assert mapping_changed(recognised.mapping, typed)
    assert _corrected(recognised, wave_col="Respondent", wave_label="2024 pulse").wave_label is None


def test_preset_from_one_year_applies_to_the_next_years_file():
    recognised = recognise_payload(CSV)
    corrected = add_custom_measure(_corrected(recognised, team_col="Squad", wave_label="2024 pulse"), recognised.raw,
                                   "Speaking up pulse", list(LOCAL_QUESTIONS), reverse_columns=[LOCAL_QUESTIONS[1]])
    preset = preset_json(corrected)
    assert Mapping.from_json(preset).wave_label is None  # the wave belongs to the file, not to the preset
    applied = apply_preset(recognise_payload(NEXT_YEAR_CSV), preset, "column_mapping.json")
    assert applied.team_col == "Squad"
    assert [m.label for m in applied.custom_measures] == ["Speaking up pulse"]
    assert applied.custom_measures[0].reverse_columns == [LOCAL_QUESTIONS[1]]
    assert applied.items == corrected.items


def test_preset_that_does_not_fit_names_the_missing_columns():
    recognised = recognise_payload(CSV)
    preset = preset_json(_corrected(recognised, team_col="Squad"))
    with pytest.raises(InputError, match="names columns this file does not have: 'Squad', 'Directorate'"):
        apply_preset(recognise_payload(XLSX), preset, "column_mapping.json")
    with pytest.raises(InputError, match="not valid JSON"):
        apply_preset(recognised, b"{oops", "broken.json")


def test_build_spec_stores_file_mappings_only_when_changed():
    csv_state = SurveyFileState(payload=CSV, recognised=recognise_payload(CSV))
    xlsx_state = SurveyFileState(payload=XLSX, recognised=recognise_payload(XLSX))
    csv_state.corrected = _corrected(csv_state.recognised)
    xlsx_state.corrected = _corrected(xlsx_state.recognised)
    plain = build_spec([csv_state, xlsx_state])
    assert plain.mappings_json == () and plain.mapping_json is None
    assert plain.label == "Uploaded: pulse_2024.csv, pulse_2025.xlsx"
    csv_state.corrected = _corrected(csv_state.recognised, team_col="Squad")
    spec = build_spec([csv_state, xlsx_state], hr_team_col="Team")
    assert spec.mappings_json[1] is None
    assert Mapping.from_json(spec.mappings_json[0]).team_col == "Squad"
    assert spec.hr_team_col == "Team"


def test_build_spec_refuses_files_that_are_not_ready():
    with pytest.raises(InputError, match="Upload at least one survey file"):
        build_spec([])
    broken = SurveyFileState(payload=CSV, error="unreadable")
    with pytest.raises(InputError, match="Fix the problems shown for pulse_2024.csv"):
        build_spec([broken])


def test_sheet_options_name_the_automatic_choice_first():
    assert sheet_options(["Read me", "Acute"], "Acute") == [
        "Automatic (the sheet holding responses: Acute)", "Read me", "Acute"]
    assert sheet_options(["A", "B"], None)[0] == "Automatic (the sheet holding responses)"
    assert recognise_payload(TWO_SHEETS, "Community").raw.sheet == "Community"
    assert recognise_payload(TWO_SHEETS).raw.sheet == "Acute"


def test_build_spec_stores_sheets_only_when_chosen():
    def entry(payload, sheet=None):
        recognised = recognise_payload(payload, sheet)
        return SurveyFileState(payload=payload, recognised=recognised, corrected=recognised.mapping,
                               sheet=sheet)
    assert build_spec([entry(CSV), entry(TWO_SHEETS)]).survey_sheets == ()
    spec = build_spec([entry(CSV), entry(TWO_SHEETS, "Community")])
    assert spec.survey_sheets == (None, "Community") and spec.mappings_json == ()


def test_published_results_file_needs_no_mapping():
    published = FilePayload("results_2025.csv", b"Team,Number of responses,Compassionate leadership\n"
                                                b"Ward A,25,7.12\nWard B,8,6.5\nWard C,40,7.4\n")
    entry = SurveyFileState(payload=published, recognised=recognise_payload(published))
    assert entry.unit_level and entry.ready and not entry.changed
    csv_state = SurveyFileState(payload=CSV, recognised=recognise_payload(CSV))
    csv_state.corrected = _corrected(csv_state.recognised, team_col="Squad")
    spec = build_spec([entry, csv_state])
    assert spec.mappings_json[0] is None and spec.mappings_json[1] is not None


def test_findings_view_puts_the_most_serious_first():
    findings = pd.DataFrame([
        {"severity": "info", "kind": "missing_rate", "file": "a.csv", "sheet": None, "column": "Q9f", "rows": "2",
         "count": 1, "value": "", "message": "one missing"},
        {"severity": "error", "kind": "out_of_range", "file": "a.csv", "sheet": None, "column": "Q9g", "rows": "5",
         "count": 1, "value": "7", "message": "a 7 on a 1-5 scale"},
    ], columns=list(settings.FINDING_COLUMNS))
    shown = findings_view(findings)
    assert list(shown.columns) == list(FINDINGS_VIEW_COLUMNS)
    assert shown["What was found"].tolist() == ["a 7 on a 1-5 scale", "one missing"]
    assert shown["Severity"].iloc[0] == SEVERITY_ICONS["error"]
    assert findings_view(None).empty


def test_findings_view_shows_a_short_column_and_the_full_header_last():
    long_header = ("How often, if at all, do you feel this way about your job? - I look forward to going to work.")
    other = "To what extent do you agree or disagree with the following statements about your work?"
    findings = pd.DataFrame([
        {"severity": "info", "kind": "missing_rate", "file": "s.csv", "sheet": None, "column": long_header,
         "rows": "2", "count": 1, "value": "", "message": "one missing"},
        {"severity": "info", "kind": "missing_rate", "file": "s.csv", "sheet": None, "column": other,
         "rows": "3", "count": 2, "value": "", "message": "two missing"},
        {"severity": "warning", "kind": "straight_lining", "file": "s.csv", "sheet": None, "column": "",
         "rows": "4", "count": 1, "value": "", "message": "same answer everywhere"},
    ], columns=list(settings.FINDING_COLUMNS))
    recognised = Mapping(codebook=BOOK.id, team_col="Team", items={long_header: "q2a"})
    questions = column_questions([{"file": "s.csv", "mapping": recognised}])
    assert questions == {("s.csv", long_header): "q2a"}
    shown = findings_view(findings, questions)
    assert list(shown.columns)[-1] == "Full column header"
    by_message = shown.set_index("What was found")
    assert by_message.loc["one missing", "Column"] == "q2a"  # recognised as a question: its code
    cut = by_message.loc["two missing", "Column"]  # not recognised: the header's first 39 characters and "…"
    assert cut == other[:39].rstrip() + "…" and len(cut) <= FINDING_COLUMN_CHARS
    assert by_message.loc["two missing", "Full column header"] == other
    assert by_message.loc["same answer everywhere", "Column"] == ""
    config = view.findings_column_config(shown)
    assert set(config) == set(FINDINGS_VIEW_COLUMNS)
    assert config["Sheet"] is None  # no finding has a sheet (CSV files): hidden, kept in the CSV download
    # severity, file, column, rows and count leave room for the message at a 1400-px window
    assert sum(config[c]["width"] for c in ("Severity", "File", "Column", "Rows", "Count")) <= 560
    assert view.findings_column_config(shown.assign(Sheet="Responses"))["Sheet"] is not None


# --------------------------------------------------------------------------------------------------
# AppTests
# --------------------------------------------------------------------------------------------------
def _open(app_test):
    app_test.switch_page("pages/data.py")
    app_test.run()
    assert not app_test.exception
    return app_test


def _upload(at, files):
    at.file_uploader(key=view.SURVEY_UPLOADER_KEY).set_value(files)
    at.run()
    assert not at.exception


def _key(at, payload: FilePayload, name: str) -> str:
    fid = file_id(payload)
    return f"{view.PREFIX}:{fid}:{at.session_state[view.GENERATION_KEY].get(fid, 0)}:{name}"


def _add_local_measure(at, payload: FilePayload, name: str, columns) -> None:
    at.text_input(key=_key(at, payload, "local_name")).input(name)
    at.multiselect(key=_key(at, payload, "local_columns")).set_value(list(columns))
    at.button(key=_key(at, payload, "local_add")).click()
    at.run()
    assert not at.exception


def test_upload_correct_add_measure_and_use(app_test):
    at = _open(app_test)
    _upload(at, [(CSV.name, CSV.content, "text/csv"), (XLSX.name, XLSX.content, XLSX_MIME)])
    assert not at.error
    # what was recognised: the CSV's team is (wrongly) the site column, the workbook's is "Ward"
    assert at.selectbox(key=_key(at, CSV, "team")).value == "Location"
    assert at.selectbox(key=_key(at, XLSX, "team")).value == "Ward"
    assert at.selectbox(key=_key(at, XLSX, "directorate")).value == "Division"
    editor = at.data_editor(key=_key(at, CSV, "items")).value.set_index("Column")["Question"]
    assert editor["Location"] == "team column" and editor["Directorate"] == "directorate column"
    summaries = [d.value for d in at.dataframe if "Questions found" in d.value.columns]
    assert len(summaries) == 2
    found = summaries[0].set_index("Measure")["Questions found"]
    assert found["Compassionate leadership"] == "4 of 4"
    # correct the team column and add a local measure
    at.selectbox(key=_key(at, CSV, "team")).select("Squad")
    at.run()
    _add_local_measure(at, CSV, "Speaking up pulse", LOCAL_QUESTIONS)
    assert any("Speaking up pulse" in s.value for s in at.success)
    assert at.selectbox(key=_key(at, CSV, "team")).value == "Squad"  # kept across the new generation
    # use the files
    at.button(key=f"{view.PREFIX}:use").click()
    at.run()
    assert not at.exception and not at.error
    spec = at.session_state["dataset_spec"]
    assert spec.file_names == ["pulse_2024.csv", "pulse_2025.xlsx"]
    assert spec.mappings_json[1] is None
    csv_mapping = Mapping.from_json(spec.mappings_json[0])
    assert csv_mapping.team_col == "Squad"
    assert [m.label for m in csv_mapping.custom_measures] == ["Speaking up pulse"]
    assert any("Your files are in use" in s.value for s in at.success)
    findings = [d.value for d in at.dataframe if "What was found" in d.value.columns]
    assert findings  # the findings table of the files in use
    assert all(len(c) <= FINDING_COLUMN_CHARS for c in findings[0]["Column"])

    # the other pages use the upload: the Methods page lists the local measure and the uploaded waves
    at.switch_page("pages/methods.py")
    at.run()
    assert not at.exception
    assert any(c.value.startswith("Uploaded: pulse_2024.csv, pulse_2025.xlsx.") for c in at.caption)
    codebook = next(d.value for d in at.dataframe if "Reverse-keyed" in d.value.columns)
    assert "Speaking up pulse" in codebook["Measure"].tolist()
    missing = next(d.value for d in at.dataframe if any(c.startswith("% missing") for c in d.value.columns))
    assert {"% missing 2024", "% missing 2025"} <= set(missing.columns)

    # back on the Data page the uploads and corrections are still there
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception
    assert at.selectbox(key=_key(at, CSV, "team")).value == "Squad"
    assert [p.name for p in at.session_state[view.SURVEY_FILES_KEY]] == ["pulse_2024.csv", "pulse_2025.xlsx"]

    # and the sample data can be brought back
    at.button(key=f"{view.PREFIX}:use_sample").click()
    at.run()
    assert not at.exception
    assert "dataset_spec" not in at.session_state


def test_preset_saved_from_one_file_is_loaded_onto_next_years_file(app_test):
    at = _open(app_test)
    _upload(at, [(CSV.name, CSV.content, "text/csv")])
    at.selectbox(key=_key(at, CSV, "team")).select("Squad")
    at.run()
    _add_local_measure(at, CSV, "Speaking up pulse", LOCAL_QUESTIONS)
    # the preset the download button offers
    saved = preset_json(Mapping.from_json(at.session_state[view.MAPPINGS_KEY][file_id(CSV)]))
    # next year's file arrives: recognition takes the site again, the preset fixes it
    _upload(at, [(CSV.name, CSV.content, "text/csv"), (NEXT_YEAR_CSV.name, NEXT_YEAR_CSV.content, "text/csv")])
    assert at.selectbox(key=_key(at, NEXT_YEAR_CSV, "team")).value == "Location"
    preset = ("column_mapping.json", saved.encode(), "application/json")
    at.file_uploader(key=view.PRESET_UPLOADER_KEY).set_value(preset)
    at.run()
    at.selectbox(key=view.PRESET_TARGET_KEY).select(NEXT_YEAR_CSV.name)
    at.button(key=f"{view.PREFIX}:apply_preset").click()
    at.run()
    assert not at.exception and not at.error
    assert any("applied to pulse_2025.csv" in s.value for s in at.success)
    assert at.selectbox(key=_key(at, NEXT_YEAR_CSV, "team")).value == "Squad"
    applied = Mapping.from_json(at.session_state[view.MAPPINGS_KEY][file_id(NEXT_YEAR_CSV)])
    assert [m.label for m in applied.custom_measures] == ["Speaking up pulse"]
    # both files, each with its corrections, become one dataset of two waves
    at.button(key=f"{view.PREFIX}:use").click()
    at.run()
    assert not at.exception and not at.error
    assert at.session_state["dataset_spec"].file_names == ["pulse_2024.csv", "pulse_2025.csv"]
    assert any("Waves: 2024, 2025." in s.value for s in at.success)


def test_two_columns_on_one_question_and_an_invalid_file_show_errors(app_test):
    at = _open(app_test)
    bad = ("export.xlsx", not_a_spreadsheet(), XLSX_MIME)
    _upload(at, [(CSV.name, CSV.content, "text/csv"), bad])
    errors = [e.value for e in at.error]
    assert any("export.xlsx" in e and "not an Excel workbook" in e for e in errors)
    assert at.button(key=f"{view.PREFIX}:use").disabled
    # remove the bad file; then give two columns one question
    bad_id = file_id(FilePayload(*bad[:2]))
    at.button(key=f"{view.PREFIX}:{bad_id}:remove_bad").click()
    at.run()
    assert not at.error and not at.button(key=f"{view.PREFIX}:use").disabled
    editor_key = _key(at, CSV, "items")
    frame = at.data_editor(key=editor_key).value
    row = frame.index[frame["Column"] == "Respondent"][0]
    at.session_state[editor_key] = {"edited_rows": {int(row): {"Question": question_labels(BOOK)["q9h"]}},
                                    "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert any("'Respondent' and 'Q9H' are both given the question q9h" in e.value for e in at.error)
    assert at.button(key=f"{view.PREFIX}:use").disabled


def test_check_files_with_hr_figures_shows_progress_and_findings(app_test):
    at = _open(app_test)
    _upload(at, [(CSV.name, CSV.content, "text/csv")])
    team_month = (ROOT / "sample_data" / "hr_team_month.csv").read_bytes()
    at.file_uploader(key=view.STAFF_UPLOADER_KEY).set_value(("hr_team_month.csv", team_month, "text/csv"))
    at.run()
    assert not at.exception and not at.error
    overview = next(d.value for d in at.dataframe if "What was read" in d.value.columns)
    assert overview.set_index("")["What was read"]["Read as"] == "team-month HR figures"
    at.button(key=f"{view.PREFIX}:check").click()
    at.run()
    assert not at.exception and not at.error
    assert [(box.label, box.state) for box in at.status] == [("Files read and scored", "complete")]
    bar = at.get("progress")[0]
    assert bar.value == 100 and bar.text == "Done"  # fed by the loader's progress(fraction, message)
    assert "dataset_spec" not in at.session_state  # checked, not yet used
    files = next(d.value for d in at.dataframe if "Questions recognised" in d.value.columns)
    assert files["Respondents"].tolist() == [48]


def test_files_stay_until_removed_from_the_uploader_or_the_page(app_test):
    at = _open(app_test)
    _upload(at, [(CSV.name, CSV.content, "text/csv"), (NEXT_YEAR_CSV.name, NEXT_YEAR_CSV.content, "text/csv")])
    _upload(at, [(NEXT_YEAR_CSV.name, NEXT_YEAR_CSV.content, "text/csv")])  # the user removes one in the uploader
    assert [p.name for p in at.session_state[view.SURVEY_FILES_KEY]] == [NEXT_YEAR_CSV.name]
    at.button(key=f"{view.PREFIX}:{file_id(NEXT_YEAR_CSV)}:remove").click()
    at.run()
    assert not at.exception
    assert at.session_state[view.SURVEY_FILES_KEY] == []
    assert any(f"{NEXT_YEAR_CSV.name} removed." == i.value for i in at.info)


def test_choosing_the_second_response_sheet_reads_its_teams(app_test):
    at = _open(app_test)
    _upload(at, [(CSV.name, CSV.content, "text/csv"), (TWO_SHEETS.name, TWO_SHEETS.content, XLSX_MIME)])
    assert not at.error
    # a CSV has no sheets: no Sheet selectbox for it
    assert not [s for s in at.selectbox if s.key == _key(at, CSV, "sheet")]
    sheet = at.selectbox(key=_key(at, TWO_SHEETS, "sheet"))
    assert sheet.label == "Sheet"
    assert sheet.options == ["Automatic (the sheet holding responses: Acute)", "Read me", "Acute", "Community"]
    assert sheet.value == sheet.options[0]
    assert at.selectbox(key=_key(at, TWO_SHEETS, "team")).value == "Team"
    sheet.select("Community")
    at.run()
    assert not at.exception and not at.error
    assert at.selectbox(key=_key(at, TWO_SHEETS, "sheet")).value == "Community"  # kept in the new generation
    assert any(c.value.startswith("Read: sheet 'Community'.") for c in at.caption)
    assert at.session_state[view.SHEETS_KEY] == {file_id(TWO_SHEETS): "Community"}
    at.button(key=f"{view.PREFIX}:use").click()
    at.run()
    assert not at.exception and not at.error
    spec = at.session_state["dataset_spec"]
    assert spec.survey_sheets == (None, "Community")
    files = next(d.value for d in at.dataframe if "Questions recognised" in d.value.columns)
    assert files["Sheet"].tolist() == ["", "Community"] and files["Respondents"].tolist() == [48, 12 + 12]
    results = load_survey(spec)
    scores = results.unit_scores
    teams_2025 = set(scores.loc[(scores["wave"] == "2025") & (scores["level"] == settings.LEVEL_TEAM), "unit"])
    assert teams_2025 == {"District North", "District South"}
    # back to automatic: the Acute sheet again
    at.selectbox(key=_key(at, TWO_SHEETS, "sheet")).select("Automatic (the sheet holding responses: Acute)")
    at.run()
    assert not at.exception
    assert file_id(TWO_SHEETS) not in at.session_state[view.SHEETS_KEY]
    assert any(c.value.startswith("Read: sheet 'Acute'") for c in at.caption)


def test_renamed_hr_team_is_listed_and_confirming_it_fixes_the_join(app_test):
    """The sample trust with "Pharmacy" renamed ESR-style in the staff file: the team is not joined by name,
    the section lists it with the ESR name filled in, and confirming joins it on every page."""
    from analytics.dataset import load_dataset
    from analytics.outcomes import unit_outcomes
    from analytics.unit_matching import read_unit_map

    at = _open(app_test)
    survey = ROOT / "sample_data" / "survey_2024.xlsx"
    _upload(at, [(survey.name, survey.read_bytes(), XLSX_MIME)])
    staff = (ROOT / "sample_data" / "hr_staff_esr.csv").read_text(encoding="utf-8")
    renamed = staff.replace(",Clinical Support Services,Pharmacy,", ",Clinical Support Services,123 ABC Pharmacy CC,")
    at.file_uploader(key=view.STAFF_UPLOADER_KEY).set_value(("hr_staff_esr.csv", renamed.encode(), "text/csv"))
    at.run()
    at.button(key=f"{view.PREFIX}:use").click()
    at.run()
    assert not at.exception and not at.error
    assert any(h.value == "Match survey teams to HR teams" for h in at.header)
    editor = at.data_editor(key=view.UNIT_EDITOR_KEY).value
    row = editor[editor["Survey team"] == "Pharmacy"].iloc[0]
    assert (row["Status"], row["HR team"]) == ("unmatched", "123 ABC Pharmacy CC (Clinical Support Services)")
    spec = at.session_state["dataset_spec"]
    before = unit_outcomes(load_dataset(spec).survey.unit_scores, load_dataset(spec).hr, wave="2024")
    assert "Pharmacy" not in set(before.frame["unit"])
    assert any("Pharmacy (Clinical Support Services)" in n for n in before.notes)

    at.button(key=f"{view.PREFIX}:unit_confirm").click()
    at.run()
    assert not at.exception and not at.error
    spec = at.session_state["dataset_spec"]
    assert read_unit_map(spec.unit_map_csv).values.tolist() == [
        ["Clinical Support Services", "Pharmacy", "Clinical Support Services", "123 ABC Pharmacy CC"]]
    dataset = load_dataset(spec)
    after = unit_outcomes(dataset.survey.unit_scores, dataset.hr, wave="2024")
    assert set(after.frame["unit"]) == set(before.frame["unit"]) | {"Pharmacy"}
    assert any("1 by the confirmed unit map" in n for n in after.notes)
    assert any("Every shown survey team is joined" in s.value for s in at.success)
    # the preset saved now carries the confirmed map
    saved = preset_json(Mapping(items={}), at.session_state[view.UNIT_MAP_KEY])
    assert '"hr_team": "123 ABC Pharmacy CC"' in saved


def test_preset_carries_the_unit_map_and_old_presets_still_load():
    from analytics.corrections import preset_unit_map

    recognised = recognise_payload(CSV)
    table = pd.DataFrame([["Medicine", "Ward 4", "Medicine", "123 ABC Ward 4 CC"]],
                         columns=["survey_directorate", "survey_team", "hr_directorate", "hr_team"])
    with_map = preset_json(recognised.mapping, table)
    assert preset_unit_map(with_map, "p.json").equals(table)
    # the preset is still a mapping: it applies as before
    assert apply_preset(recognised, with_map, "p.json").team_col == recognised.mapping.team_col
    old = preset_json(recognised.mapping)
    assert "unit_map" not in old and preset_unit_map(old, "old.json") is None
    broken = with_map.replace('"survey_team": "Ward 4"', '"survey_team": ""')
    with pytest.raises(InputError) as err:
        preset_unit_map(broken, "p.json")
    assert (err.value.file, err.value.column, err.value.row) == ("p.json", "survey_team", 1)


def test_hr_period_from_the_extract_date_and_the_leaver_definition_reach_the_dataset(app_test):
    """An ESR staff list with a planned leaver: the period is inferred and shown with how; giving the date the
    extract was taken moves its end; the leaver definition chosen goes into the dataset in use."""
    at = _open(app_test)
    _upload(at, [(CSV.name, CSV.content, "text/csv")])
    staff = (ROOT / "sample_data" / "hr_staff_esr.csv").read_text(encoding="utf-8")
    lines = staff.splitlines()
    planned = lines[1].split(",")
    header = lines[0].split(",")
    planned[header.index("Termination Date")] = "30/06/2026"   # notice given: leaves after the extract
    staff = "\n".join([lines[0], ",".join(planned), *lines[2:]]) + "\n"
    at.file_uploader(key=view.STAFF_UPLOADER_KEY).set_value(("hr_staff_esr.csv", staff.encode(), "text/csv"))
    at.run()
    assert not at.exception and not at.error
    overview = next(d.value for d in at.dataframe if "What was read" in d.value.columns).set_index("")
    read = overview["What was read"]
    assert read["HR period"] == "01 Apr 2022 to 31 Dec 2025"          # the planned leaver does not move it
    assert read["How the period was found"].startswith("Inferred from the dates in the files")
    assert read["Planned leavers"].startswith("Planned leavers: 1 termination date(s) after the HR period's end")
    key = next(r.key for r in at.radio if r.key.startswith(f"{view.PREFIX}:hr_period:"))
    at.radio(key=key).set_value(hr_view.HR_PERIOD_MODES[1]).run()
    at.date_input(key=key.removesuffix(":mode") + ":extract").set_value(dt.date(2025, 11, 15)).run()
    method = next(s.key for s in at.selectbox if s.key.startswith(f"{view.PREFIX}:leavers:"))
    at.selectbox(key=method).set_value("snapshot").run()
    assert not at.exception and not at.error
    read = next(d.value for d in at.dataframe if "What was read" in d.value.columns).set_index("")["What was read"]
    assert read["HR period"] == "01 Apr 2022 to 15 Nov 2025"
    assert read["Leavers counted"] == "NHS Digital snapshot, headcount"
    at.button(key=f"{view.PREFIX}:use").click().run()
    assert not at.exception
    spec = at.session_state["dataset_spec"]
    assert spec.hr_period.extract_date == pd.Timestamp("2025-11-15")
    assert spec.leaver_definition.method == "snapshot"


def test_qualtrics_pulse_with_its_own_questions_reaches_every_page(app_test):
    """A pulse export with no national question: the page goes to the local-measure form (no dead end),
    shows the Qualtrics question text, detects the agreement scale with "Neutral" as its midpoint, and the
    local measure is scored (hand-computed in tests/pulse_fixtures.py) and shown on the other pages."""
    from pulse_fixtures import DEPT_A_SCORE, DEPT_B_SCORE, ORGANISATION_SCORE, QUESTIONS, pulse_csv

    pulse = FilePayload("staff_pulse_2025.csv", pulse_csv())
    at = _open(app_test)
    _upload(at, [(pulse.name, pulse.content, "text/csv")])
    assert not at.error
    advice = [i.value for i in at.info if "No question of the codebook" in i.value]
    assert advice and "Local measures" in advice[0] and "choose its codebook above" in advice[0]
    assert at.selectbox(key=_key(at, pulse, "codebook")).value == "nss_2024_2025"
    assert at.selectbox(key=_key(at, pulse, "team")).value == "Department"
    assert at.selectbox(key=_key(at, pulse, "local_scale")).value == "auto"
    columns = at.multiselect(key=_key(at, pulse, "local_columns"))
    assert set(QUESTIONS) <= set(columns.options) or any(QUESTIONS["Q1"][:30] in o for o in columns.options)
    _add_local_measure(at, pulse, "Team pulse", list(QUESTIONS))
    assert not at.error
    assert any("Team pulse" in s.value for s in at.success)
    mapping = Mapping.from_json(at.session_state[view.MAPPINGS_KEY][file_id(pulse)])
    measure = mapping.custom_measures[0]
    assert measure.scale == "agreement"  # detected from the answers (Neutral is its midpoint)
    assert measure.wordings["Q1"] == QUESTIONS["Q1"]  # the Qualtrics question text
    at.button(key=f"{view.PREFIX}:use").click()
    at.run()
    assert not at.exception and not at.error

    results = load_survey(at.session_state["dataset_spec"])
    table = results.unit_scores[results.unit_scores["measure"] == "team_pulse"].set_index("unit")
    org = table[table["level"] == settings.LEVEL_ORGANISATION]["mean"].item()
    assert org == pytest.approx(ORGANISATION_SCORE)
    assert table.loc["Department A", "mean"] == pytest.approx(DEPT_A_SCORE)
    assert table.loc["Department B", "mean"] == pytest.approx(DEPT_B_SCORE)

    for page in ("pages/team_explorer.py", "pages/board.py", "pages/trends.py", "pages/relationships.py"):
        at.switch_page(page)
        at.run()
        assert not at.exception, page
        assert not at.error, (page, [e.value for e in at.error])
    # the Board lists the local measure's organisation score (in its tab "How each status was reached")
    at.switch_page("pages/board.py")
    at.session_state[board_view.TABS_KEY] = "How each status was reached"
    at.run()
    local = next(d.value for d in at.dataframe if "Measure" in d.value.columns and "Responses" in d.value.columns)
    assert local.iloc[0]["Measure"] == "Team pulse" and local.iloc[0]["Responses"] == "24"
    assert local.iloc[0]["Score (0–10), 2025"] == f"{ORGANISATION_SCORE:.1f}"
    # the Team explorer offers the local measure
    at.switch_page("pages/team_explorer.py")
    at.run()
    shown = [w for w in [*at.selectbox, *at.multiselect] if "Team pulse" in [str(o) for o in w.options]]
    assert shown


def test_finding_detail_gives_the_whole_finding_literally():
    import pandas as pd
    from ui.data_view import finding_detail

    row = pd.Series({"Severity": "warning", "File": "pulse_2026.csv", "Sheet": None, "Column": "Q9A",
                     "Rows": "3, 5", "Count": 2, "What was found": "2 answers outside 1-5 (e.g. 7*)",
                     "Full column header": ""})
    assert finding_detail(row) == ("**pulse\\_2026\\.csv** · column: Q9A · rows: 3, 5  \n"
                                   "2 answers outside 1\\-5 \\(e\\.g\\. 7\\*\\)")


def test_qualtrics_columns_are_offered_by_their_question_text():
    from types import SimpleNamespace
    from ui.data_view import column_display_names

    raw = SimpleNamespace(columns=["QID2", "Q9f", "Team"], header_texts={
        "QID2": ["QID2", "Which team do you work in?", '{"ImportId":"QID2"}'],
        "Q9f": ["Q9f", '{"ImportId":"QID12_4"}'],
        "Team": ["Team"]})
    assert column_display_names(raw) == {"QID2": "QID2 · Which team do you work in?", "Q9f": "Q9f", "Team": "Team"}

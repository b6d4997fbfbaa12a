"""DatasetSpec.mappings_json: one corrected column mapping per survey file (waves of different shapes)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analytics import settings
from analytics.dataset import DatasetSpec, FilePayload, load_dataset
from analytics.errors import InputError
from analytics.ingest.mapping import add_custom_measure
from analytics.survey.pipeline import SurveySource, recognise_file
from survey_fixtures import LOCAL_QUESTIONS, RESPONDENTS_PER_TEAM, TEAMS, codes_csv, question_text_xlsx

CSV = FilePayload("pulse_2024.csv", codes_csv())
XLSX = FilePayload("pulse_2025.xlsx", question_text_xlsx())


def _recognised(payload: FilePayload):
    return recognise_file(SurveySource(payload.name, payload.content))


def _corrected_csv_mapping(with_local: bool = True):
    recognised = _recognised(CSV)
    mapping = recognised.mapping
    mapping.team_col = "Squad"
    if with_local:
        mapping = add_custom_measure(mapping, recognised.raw, "Speaking up pulse", list(LOCAL_QUESTIONS))
    return mapping


def _xlsx_mapping_with_local(scale: str = "agreement"):
    recognised = _recognised(XLSX)
    return add_custom_measure(recognised.mapping, recognised.raw, "Speaking up pulse", ["Speak up", "Time to reflect"],
                              scale=scale)


def test_unchanged_file_mappings_give_the_plain_results():
    plain = DatasetSpec(label="upload", survey_files=(CSV, XLSX))
    per_file = dataclasses.replace(plain, mappings_json=(None, _recognised(XLSX).mapping.to_json()))
    expected = load_dataset(plain, min_group_size=5).survey
    got = load_dataset(per_file, min_group_size=5).survey
    pd.testing.assert_frame_equal(expected.unit_scores, got.unit_scores)
    pd.testing.assert_frame_equal(expected.item_results, got.item_results)
    assert [f["file"] for f in got.files] == ["pulse_2024.csv", "pulse_2025.xlsx"]
    assert plain.key != per_file.key


def test_each_file_is_read_with_its_own_mapping_and_local_measures_are_pooled():
    spec = DatasetSpec(label="upload", survey_files=(CSV, XLSX),
                       mappings_json=(_corrected_csv_mapping().to_json(), _xlsx_mapping_with_local().to_json()))
    survey = load_dataset(spec, min_group_size=5).survey
    table = survey.unit_scores
    teams = table[(table["level"] == settings.LEVEL_TEAM) & (table["measure"] == "compassionate_leadership")]
    # the CSV's teams come from the corrected column "Squad", the workbook's from "Ward": the same four teams
    for wave in ("2024", "2025"):
        shown = teams[teams["wave"] == wave]
        assert sorted(shown["unit"]) == sorted(team for _, team in TEAMS)
        assert (shown["n"] == RESPONDENTS_PER_TEAM).all()
    local = table[(table["measure"] == "speaking_up_pulse") & (table["level"] == settings.LEVEL_ORGANISATION)]
    assert sorted(local["wave"]) == ["2024", "2025"]
    assert (local["n"] == len(TEAMS) * RESPONDENTS_PER_TEAM).all()
    # the pooled local measure holds both files' columns as its questions
    measure = survey.codebook.measure("speaking_up_pulse")
    assert len(measure.items) == 4
    items = survey.item_results
    assert items["item"].str.startswith("custom.speaking_up_pulse.").sum() > 0


def test_a_file_mapping_keeps_its_wave_label():
    recognised = _recognised(CSV)
    mapping = recognised.mapping
    mapping.team_col = "Squad"
    mapping.wave_label = "2024 pulse"
    spec = DatasetSpec(label="upload", survey_files=(CSV,), mappings_json=(mapping.to_json(),))
    survey = load_dataset(spec, min_group_size=5).survey
    assert survey.waves == ["2024 pulse"]


def test_refuses_a_mapping_count_that_does_not_match_the_files():
    spec = DatasetSpec(label="upload", survey_files=(CSV, XLSX), mappings_json=(None,))
    with pytest.raises(InputError, match="1 column mapping\\(s\\) were given for 2 survey file\\(s\\)"):
        load_dataset(spec, min_group_size=5)


def test_refuses_one_local_measure_on_two_scales():
    spec = DatasetSpec(label="upload", survey_files=(CSV, XLSX),
                       mappings_json=(_corrected_csv_mapping().to_json(),
                                      _xlsx_mapping_with_local(scale="frequency").to_json()))
    with pytest.raises(InputError, match="'Speaking up pulse' uses different scales"):
        load_dataset(spec, min_group_size=5)


def test_a_bad_file_mapping_is_an_input_error():
    spec = DatasetSpec(label="upload", survey_files=(CSV,), mappings_json=("{not json",))
    with pytest.raises(InputError, match="column mapping of pulse_2024.csv"):
        load_dataset(spec, min_group_size=5)


def test_key_of_a_spec_without_file_mappings_is_unchanged_by_the_new_field():
    spec = DatasetSpec(label="upload", survey_files=(CSV,))
    assert spec.key == dataclasses.replace(spec, mappings_json=()).key
    assert spec.key != dataclasses.replace(spec, mappings_json=(None,)).key

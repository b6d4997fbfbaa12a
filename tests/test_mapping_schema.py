"""Every column mapping the app writes validates against the published JSON Schema
(analytics/schemas/mapping.schema.json), and the schema refuses what the readers refuse."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from analytics.corrections import preset_json, recognise_payload
from analytics.dataset import FilePayload
from analytics.ingest.codebook import load_codebook
from analytics.ingest.io import read_table
from analytics.ingest.mapping import Mapping, add_custom_measure, detect_mapping
from analytics.ingest.local_measures import add_local_measures
from pulse_fixtures import pulse_csv
from survey_fixtures import LOCAL_QUESTIONS, codes_csv, question_text_xlsx

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "analytics" / "schemas" / "mapping.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
BOOK = load_codebook()


def _written_mappings() -> list[str]:
    texts = [Mapping().to_json()]
    for name in ("survey_2023.csv", "survey_2024.xlsx", "survey_2025.csv"):
        path = ROOT / "sample_data" / name
        texts.append(recognise_payload(FilePayload(name, path.read_bytes())).mapping.to_json())
    codes = recognise_payload(FilePayload("pulse_2024.csv", codes_csv()))
    texts.append(recognise_payload(FilePayload("pulse_2025.xlsx", question_text_xlsx())).mapping.to_json())
    local = add_custom_measure(codes.mapping, codes.raw, "Speaking up pulse", LOCAL_QUESTIONS, "agreement",
                               [LOCAL_QUESTIONS[0]], codebook=BOOK)
    listed = add_custom_measure(codes.mapping, codes.raw, "Own scale", LOCAL_QUESTIONS, ["Bad", "OK", "Good"])
    texts += [local.to_json(), listed.to_json(), preset_json(local)]
    unit_map = pd.DataFrame([{"survey_directorate": "Medicine", "survey_team": "Ward 1", "hr_directorate": "",
                              "hr_team": "Ward One"}])
    texts.append(preset_json(local, unit_map))
    pulse = read_table(pulse_csv(), "staff_pulse_2025.csv")
    detected = detect_mapping(pulse, BOOK, require_items=False)
    texts.append(detected.to_json())
    texts.append(add_local_measures(detected, pulse, ["Team pulse=Q1,Q2,Q3,Q4;reverse=Q3"], BOOK).to_json())
    return texts


def test_every_mapping_the_app_writes_validates():
    texts = _written_mappings()
    assert len(texts) >= 10
    for text in texts:
        data = json.loads(text)
        errors = [e.message for e in VALIDATOR.iter_errors(data)]
        assert not errors, (errors, text[:300])
        # and reads back to the same mapping
        assert Mapping.from_json(text).to_dict() == Mapping.from_dict(data).to_dict()


def test_pulse_mapping_carries_the_detected_scale_and_the_question_text():
    pulse = read_table(pulse_csv(), "staff_pulse_2025.csv")
    mapping = add_local_measures(detect_mapping(pulse, BOOK, require_items=False), pulse, ["Team pulse=Q1,Q2"], BOOK)
    measure = json.loads(mapping.to_json())["custom_measures"][0]
    assert measure["scale"] == "agreement"
    assert measure["wordings"]["Q2"] == "My manager supports me when I am under pressure."


@pytest.mark.parametrize("bad", [
    {},                                                                       # no items
    {"items": {"Q9f": 3}},                                                    # code not text
    {"items": {}, "custom_measures": [{"id": "Pulse", "label": "Pulse", "columns": ["Q1"]}]},  # id not a slug
    {"items": {}, "custom_measures": [{"id": "pulse", "label": "Pulse", "columns": []}]},      # no column
    {"items": {}, "custom_measures": [{"id": "pulse", "label": "Pulse", "columns": ["Q1"], "scale": ["Only"]}]},
    {"items": {}, "team": "Ward"},                                            # unknown field
])
def test_schema_refuses_malformed_mappings(bad):
    assert list(VALIDATOR.iter_errors(bad))


def test_readme_example_validates_and_loads():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    example = text.split("### Column mappings (JSON)", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    assert not list(VALIDATOR.iter_errors(json.loads(example)))
    mapping = Mapping.from_json(example)
    assert mapping.custom_measures[0].reverse_columns == ["Q3"]

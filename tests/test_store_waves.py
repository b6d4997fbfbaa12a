"""Publishing waves to the store and loading them back (analytics/store/waves.py, canonical.py), on SQLite and on
a real PostgreSQL server (fixture ``store_url`` in conftest.py).

The expected figures are those of the shipped sample read from its own files: the store must reproduce
them exactly, so the reference is ``load_dataset`` on the original files, never the store's output.
"""

from __future__ import annotations

import dataclasses
import gzip
import io

import pandas as pd
import pytest
import sqlalchemy as sa

from analytics.dataset import SAMPLE_DIR, DatasetSpec, FilePayload, load_dataset, load_survey, sample_spec
from analytics.errors import InputError
from analytics.hr import hr_metrics
from analytics.store import (audit_log, delete_wave, load_published, open_store, publish, published_waves,
                             set_organisation_k, withdraw_wave)
from analytics.store import schema
from analytics.store.canonical import pseudonym


@pytest.fixture
def store(store_url):
    opened = open_store(store_url)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def sample():
    spec = sample_spec()
    return spec, load_dataset(spec)


def _survey_only(name: str = "survey_2023.csv", content: bytes | None = None) -> DatasetSpec:
    payload = FilePayload.from_path(SAMPLE_DIR / name)
    return DatasetSpec(label="test", survey_files=(FilePayload(name, content or payload.content),))


def _frame(table: pd.DataFrame) -> pd.DataFrame:
    return table.reset_index(drop=True)


def test_publish_then_load_gives_the_sample_figures_exactly(store, sample):
    spec, expected = sample
    made = publish(store, spec, by="Lead@Trust.nhs.uk")
    assert [(m.wave, m.version, m.k) for m in made] == [("2023", 1, 11), ("2024", 1, 11), ("2025", 1, 11)]
    loaded = load_published(store)
    assert loaded.published.waves == (("2023", 1), ("2024", 1), ("2025", 1))
    assert loaded.published.k == 11
    got = load_dataset(loaded, min_group_size=11)
    # Organisation, directorate and team scores, n and suppression; question-level results.
    pd.testing.assert_frame_equal(_frame(got.survey.unit_scores), _frame(expected.survey.unit_scores))
    pd.testing.assert_frame_equal(_frame(got.survey.item_results), _frame(expected.survey.item_results))
    # HR leaver and sickness rates, every unit.
    pd.testing.assert_frame_equal(hr_metrics(got.hr), hr_metrics(expected.hr))
    assert got.hr_exclusions == expected.hr_exclusions
    assert [f["respondents"] for f in got.survey.files] == [f["respondents"] for f in expected.survey.files]
    waves = published_waves(store)
    assert list(waves.columns) == ["wave", "version", "status", "k", "published_by", "published_at", "respondents"]
    assert waves["respondents"].tolist() == [f["respondents"] for f in expected.survey.files]
    assert set(waves["published_by"]) == {"lead@trust.nhs.uk"}
    assert audit_log(store)["action"].tolist() == ["wave published"] * 3


def test_a_higher_k_than_published_is_allowed_a_lower_one_refused(store):
    publish(store, _survey_only(), by="a@b.org", k=13)
    spec = load_published(store, wave="2023")
    assert spec.published.k == 13
    with pytest.raises(InputError, match="published with an anonymity threshold of 13; it cannot be lowered"):
        load_dataset(spec, min_group_size=11)
    with pytest.raises(InputError, match="threshold of 13"):
        load_survey(spec, min_group_size=12)
    assert load_survey(spec, min_group_size=15).min_group_size == 15
    # Published with k=13 is the same as the files read with k=13.
    pd.testing.assert_frame_equal(_frame(load_survey(spec, min_group_size=13).unit_scores),
                                  _frame(load_survey(_survey_only(), min_group_size=13).unit_scores))


def test_k_below_five_or_below_the_organisation_threshold_is_refused(store):
    with pytest.raises(InputError, match="cannot be below 5"):
        publish(store, _survey_only(), by="a@b.org", k=4)
    set_organisation_k(store, "Northfield", 12, by="a@b.org")
    with pytest.raises(InputError, match="threshold is 12"):
        publish(store, _survey_only(), by="a@b.org", organisation="Northfield", k=11)
    assert publish(store, _survey_only(), by="a@b.org", organisation="Northfield")[0].k == 12
    with pytest.raises(InputError, match="cannot be below 5"):
        set_organisation_k(store, "Northfield", 3)


def test_republishing_makes_a_new_version_withdraw_hides_delete_removes(store):
    publish(store, _survey_only(), by="a@b.org")
    publish(store, _survey_only("survey_2025.csv"), by="a@b.org")
    publish(store, _survey_only(), by="b@b.org", k=12)
    with pytest.raises(InputError, match="cannot be lowered"):
        publish(store, _survey_only(), by="b@b.org", k=11)
    waves = published_waves(store)
    assert waves[["wave", "version", "k"]].values.tolist() == [["2023", 1, 11], ["2023", 2, 12], ["2025", 1, 11]]
    assert load_published(store).published.waves == (("2023", 2), ("2025", 1))
    assert load_published(store, wave="2023", version=1).published.k == 11
    withdraw_wave(store, "2023", by="a@b.org")
    assert load_published(store).published.waves == (("2025", 1),)
    with pytest.raises(InputError, match="2023 is withdrawn"):
        load_published(store, wave="2023")
    assert load_published(store, wave="2023", version=2).published.version == 2  # readable for audit
    assert set(published_waves(store).query("wave == '2023'")["status"]) == {"withdrawn"}
    with pytest.raises(InputError, match="already withdrawn"):
        withdraw_wave(store, "2023")
    publish(store, _survey_only(), by="a@b.org", k=12)
    assert load_published(store).published.waves == (("2023", 3), ("2025", 1))
    delete_wave(store, "2023", by="a@b.org")
    assert published_waves(store)["wave"].tolist() == ["2025"]
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.wave_files)).scalar_one() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.wave_versions)).scalar_one() == 1
    log = audit_log(store)
    assert log["action"].tolist() == ["wave published"] * 3 + ["wave withdrawn", "wave published", "wave deleted"]
    assert log["wave"].tolist()[-3:] == ["2023", "2023", "2023"]


@pytest.mark.parametrize("call, message", [
    (lambda s: load_published(s), "No wave is published yet"),
    (lambda s: withdraw_wave(s, "1999"), "no published wave '1999'"),
    (lambda s: delete_wave(s, "1999"), "no published wave '1999'"),
])
def test_an_empty_store_or_unknown_wave_is_an_input_error(store, call, message):
    with pytest.raises(InputError, match=message):
        call(store)


def test_unknown_wave_or_version_names_what_the_store_holds(store):
    publish(store, _survey_only(), by="a@b.org")
    with pytest.raises(InputError, match="no published wave '2031'; the store holds: 2023"):
        load_published(store, wave="2031")
    with pytest.raises(InputError, match="no version 7"):
        load_published(store, wave="2023", version=7)


def _stored_text(store) -> str:
    """Every stored blob (unzipped) and every table's cells, as one text."""
    parts = []
    with store.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)).all():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        parts.append(gzip.decompress(bytes(value)).decode("utf-8"))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


def _survey_blobs(store) -> str:
    table = schema.wave_files
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.content).where(table.c.role == "survey")).all()
    return "\n".join(gzip.decompress(bytes(r.content)).decode("utf-8") for r in rows)


def test_no_free_text_respondent_id_or_unmapped_demographic_is_stored(store):
    original = pd.read_csv(SAMPLE_DIR / "survey_2023.csv", dtype=str, encoding="utf-8-sig")
    ids = [f"RID-{i:06d}" for i in range(len(original))]
    comments = [f"My manager Jo Bloggs on the night shift said something unkind {i}" for i in range(len(original))]
    marked = original.assign(**{"Respondent ID": ids, "Comments": comments})
    content = marked.to_csv(index=False).encode("utf-8")
    hr = sample_spec()
    spec = dataclasses.replace(_survey_only(content=content), staff_file=hr.staff_file, absence_file=hr.absence_file)
    publish(store, spec, by="a@b.org")
    text = _stored_text(store)
    assert "RID-" not in text and "Jo Bloggs" not in text and "unkind" not in text
    assert "Completion date" not in text and "Staff group" not in text  # unmapped columns
    survey_text = _survey_blobs(store)
    assert "18/10/2023" not in survey_text and "Nursing and Midwifery Registered" not in survey_text
    assert "Headache" not in text  # the absence reason (health data) is not read by the HR loader
    loaded = load_published(store)
    survey = pd.read_csv(io.BytesIO(loaded.survey_files[0].content))
    assert list(survey.columns[:3]) == ["wave", "directorate", "team"]
    assert all(c.startswith("q") for c in survey.columns[3:])
    # The figures are still those of the file.
    pd.testing.assert_frame_equal(_frame(load_survey(loaded).unit_scores), _frame(load_survey(spec).unit_scores))


def test_employee_numbers_are_pseudonymised_stably_for_one_salt(store, tmp_path):
    spec = dataclasses.replace(_survey_only(), staff_file=sample_spec().staff_file,
                               absence_file=sample_spec().absence_file)
    publish(store, spec, by="a@b.org")
    first = load_published(store)
    staff = pd.read_csv(io.BytesIO(first.staff_file.content), dtype=str)
    originals = pd.read_csv(SAMPLE_DIR / "hr_staff_esr.csv", dtype=str)
    assert set(staff.columns) <= set(originals.columns)
    assert "Employee Number" in staff.columns and "Assignment Number" in staff.columns
    assert not set(staff["Employee Number"]) & set(originals["Employee Number"])
    assert staff["Employee Number"].iloc[0] == pseudonym(originals["Employee Number"].iloc[0], store.salt)
    absence = pd.read_csv(io.BytesIO(first.absence_file.content), dtype=str)
    assert set(absence["Employee Number"]) <= set(staff["Employee Number"])  # absences still link
    # Stable: publishing again with the same salt gives the same codes; another installation's differ.
    publish(store, spec, by="a@b.org")
    again = pd.read_csv(io.BytesIO(load_published(store).staff_file.content), dtype=str)
    assert again["Employee Number"].tolist() == staff["Employee Number"].tolist()
    other = open_store(f"sqlite:///{tmp_path / 'other.sqlite'}")
    assert other.salt != store.salt
    assert pseudonym("13774458", other.salt) != pseudonym("13774458", store.salt)
    other.close()


def test_waves_of_different_shapes_published_apart_give_the_files_figures(store):
    original = pd.read_csv(SAMPLE_DIR / "survey_2023.csv", dtype=str, encoding="utf-8-sig")
    fewer = original.drop(columns=["Q2a", "Q2b", "Q2c"]).assign(**{"Survey year": "2022"})
    files = (FilePayload("survey_2023.csv", (SAMPLE_DIR / "survey_2023.csv").read_bytes()),
             FilePayload("survey_2022.csv", fewer.to_csv(index=False).encode("utf-8")))
    spec = DatasetSpec(label="two shapes", survey_files=files)
    publish(store, dataclasses.replace(spec, survey_files=files[:1]), by="a@b.org")
    publish(store, dataclasses.replace(spec, survey_files=files[1:]), by="a@b.org")
    loaded = load_published(store)
    assert loaded.mappings_json and loaded.mapping_json is None  # each part read with its own mapping
    assert loaded.published.waves == (("2022", 1), ("2023", 1))
    expected = load_survey(spec)
    got = load_survey(loaded)
    pd.testing.assert_frame_equal(_frame(got.unit_scores), _frame(expected.unit_scores))
    pd.testing.assert_frame_equal(_frame(got.item_results), _frame(expected.item_results))

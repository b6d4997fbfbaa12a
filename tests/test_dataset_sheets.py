"""DatasetSpec.survey_sheets: which worksheet of each uploaded workbook to read."""

from __future__ import annotations

import pytest

from analytics import settings
from analytics.dataset import DatasetSpec, FilePayload, load_survey
from analytics.errors import InputError
from sheet_fixtures import two_response_sheets_xlsx
from survey_fixtures import codes_csv

BOOK = FilePayload("staff_survey_2025.xlsx", two_response_sheets_xlsx())
CSV = FilePayload("pulse_2024.csv", codes_csv())


def _teams(results) -> dict[str, float]:
    """Team -> respondents (n of the compassionate-leadership score)."""
    table = results.unit_scores
    rows = table[(table["level"] == settings.LEVEL_TEAM) & (table["measure"] == "compassionate_leadership")]
    return dict(zip(rows["unit"], rows["n"]))


@pytest.mark.parametrize("mappings_json", [(), (None,)], ids=["one mapping", "per-file mappings"])
def test_named_sheet_is_read(mappings_json):
    automatic = load_survey(DatasetSpec("book", survey_files=(BOOK,), mappings_json=mappings_json))
    # automatic: the sheet holding the most responses (Acute: 2 teams x 13)
    assert _teams(automatic) == {"Ward A": 13, "Ward B": 13}
    assert automatic.files[0]["sheet"] == "Acute"
    chosen = load_survey(DatasetSpec("book", survey_files=(BOOK,), mappings_json=mappings_json,
                                     survey_sheets=("community",)))  # case-insensitive
    assert _teams(chosen) == {"District North": 12, "District South": 12}
    assert chosen.files[0]["sheet"] == "Community"
    organisation = chosen.unit_scores[(chosen.unit_scores["level"] == settings.LEVEL_ORGANISATION)
                                      & (chosen.unit_scores["measure"] == "compassionate_leadership")]
    assert organisation["n"].tolist() == [12 + 12]


def test_sheets_of_several_files_csv_automatic():
    spec = DatasetSpec("two", survey_files=(CSV, BOOK), survey_sheets=(None, "Community"))
    results = load_survey(spec)
    assert [f["sheet"] for f in results.files] == [None, "Community"]
    teams = results.unit_scores.loc[results.unit_scores["level"] == settings.LEVEL_TEAM, "unit"]
    assert {"District North", "District South"} <= set(teams)
    assert not {"Ward A", "Ward B"} & set(results.unit_scores.loc[results.unit_scores["wave"] == "2025", "unit"])


def test_key_changes_only_when_a_sheet_is_named():
    plain = DatasetSpec("book", survey_files=(BOOK,))
    assert DatasetSpec("book", survey_files=(BOOK,), survey_sheets=(None,)).key == plain.key
    community = DatasetSpec("book", survey_files=(BOOK,), survey_sheets=("Community",))
    acute = DatasetSpec("book", survey_files=(BOOK,), survey_sheets=("Acute",))
    assert len({plain.key, community.key, acute.key}) == 3


def test_sheet_the_workbook_does_not_have_is_refused():
    spec = DatasetSpec("book", survey_files=(BOOK,), survey_sheets=("Outpatients",))
    with pytest.raises(InputError, match="There is no sheet called 'Outpatients'"):
        load_survey(spec)


def test_one_sheet_choice_per_file_is_required():
    spec = DatasetSpec("two", survey_files=(CSV, BOOK), survey_sheets=("Community",))
    with pytest.raises(InputError, match=r"1 sheet choice\(s\) were given for 2 survey file\(s\)"):
        load_survey(spec)

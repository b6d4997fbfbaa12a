"""The Trends page shows the published % unfavourable (burnout, stress rates) of published results, and no
figure where a row is suppressed."""

from __future__ import annotations

import pandas as pd

from analytics.dataset import DatasetSpec, FilePayload
from tests.test_trends import UNFAVOURABLE_CSV
from ui import trends_view as view

PAGE = "pages/trends.py"


def _spec(organisation: str) -> DatasetSpec:
    return DatasetSpec(label="Published", survey_files=(FilePayload("orgs.csv", UNFAVOURABLE_CSV.encode()),),
                       our_organisation=organisation)


def _survey_table(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "Mean (0–10)" in d.value.columns)


def _open(app_test, organisation: str):
    app_test.session_state["dataset_spec"] = _spec(organisation)
    app_test.switch_page(PAGE)
    app_test.run()
    assert not app_test.exception, app_test.exception
    app_test.selectbox(key="trends_organisation").set_value(organisation).run()
    app_test.multiselect(key="trends_measures").set_value(["Burned_out_rate", "morale"]).run()
    assert not app_test.exception and not app_test.error, [e.value for e in app_test.error]
    return app_test


def test_trends_page_shows_the_published_burnout_rate(app_test):
    table = _survey_table(_open(app_test, "A Trust"))
    assert view.PCT_UNFAVOURABLE_COLUMN in table.columns
    rows = table[table["Wave"].isin(["2024", "2025"])]
    burnout = rows.iloc[:2]
    assert burnout[view.PCT_UNFAVOURABLE_COLUMN].tolist() == [31.0, 29.5]
    assert (burnout["Note"] == "").all()           # a published rate is a figure, not "no data"
    assert rows.iloc[2:][view.PCT_UNFAVOURABLE_COLUMN].isna().all()   # morale is a 0-10 score


def test_trends_page_hides_the_rate_of_a_suppressed_year(app_test):
    table = _survey_table(_open(app_test, "B Trust"))
    first = table.iloc[0]
    assert first["Wave"] == "2024" and pd.isna(first[view.PCT_UNFAVOURABLE_COLUMN])
    assert pd.isna(first["Responses (n)"]) and first["Note"]
    assert table.iloc[1][view.PCT_UNFAVOURABLE_COLUMN] == 35.0

"""Published results of several organisations in one file: the user picks their organisation (never the
first row), the Board and the board pack describe it and compare it with the others."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import board
from analytics.dataset import DatasetSpec, FilePayload, load_dataset
from analytics.errors import InputError
from analytics.survey import published
from cli import main
from ui import board_view
from test_page_board import _metric, _run

#: One row per trust, a response count and two published 0–10 scores; a median row as some files have.
TRUSTS_CSV = """Organisation,Survey year,Responses,Compassionate leadership,Morale
Northfield Trust,2025,1200,7.10,6.00
Southgate Trust,2025,950,6.80,5.80
Eastwood Trust,2025,1500,7.40,6.20
Westmere Trust,2025,800,6.50,5.50
Median,2025,1100,6.95,5.90
"""


def trusts_spec(**kwargs) -> DatasetSpec:
    return DatasetSpec(label="Published", survey_files=(FilePayload("trusts_2025.csv", TRUSTS_CSV.encode()),),
                       **kwargs)


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(trusts_spec())


def test_organisations_leave_out_the_median_row(dataset):
    assert dataset.organisations == ["Eastwood Trust", "Northfield Trust", "Southgate Trust", "Westmere Trust"]
    assert dataset.needs_our_organisation


def test_peer_comparison_by_hand(dataset):
    peers = published.peer_comparison(dataset.survey, "Southgate Trust", "2025").set_index("measure")
    cl = peers.loc["compassionate_leadership"]
    # others: 7.10, 7.40, 6.50 -> median 7.10, best 7.40, worst 6.50; Southgate's 6.80 ranks 3rd of 4
    assert (cl["value"], cl["median"], cl["best"], cl["worst"]) == pytest.approx((6.80, 7.10, 7.40, 6.50))
    assert (cl["peers"], cl["rank"], cl["of"]) == (3, 3, 4)
    chosen = load_dataset(trusts_spec(our_organisation="Southgate Trust"))
    assert not chosen.needs_our_organisation
    headline = board.headline_measures(
        chosen.board_survey, None, wave="2025",
        benchmarks=published.peer_benchmarks(chosen.survey, "Southgate Trust", "2025")).set_index("measure")
    assert headline.loc["compassionate_leadership", "value"] == pytest.approx(6.80)      # not the first row's 7.10
    assert headline.loc["compassionate_leadership", "benchmark"] == pytest.approx(7.10)
    assert headline.loc["morale", "benchmark"] == pytest.approx(6.00)                     # 6.00, 6.20, 5.50


def test_an_unknown_organisation_is_refused(dataset):
    with pytest.raises(InputError, match="'Nowhere' is not an organisation of these results"):
        published.for_organisation(dataset.survey, "Nowhere")


def test_board_page_asks_for_our_organisation_then_describes_it(app_test):
    at = _run(app_test, trusts_spec())
    assert not at.error and not at.metric
    assert any("hold 4 organisations' published figures" in i.value for i in at.info)
    at.session_state[board_view.TABS_KEY] = "How each status was reached"   # where the peer table is
    at.selectbox(key="board:our_organisation").set_value("Westmere Trust").run()
    assert not at.exception and not at.error
    assert at.session_state["dataset_spec"].our_organisation == "Westmere Trust"
    assert _metric(at, "H1").value == "6.5"
    peers = next(d.value for d in at.dataframe if "Median of the others" in d.value.columns)
    row = peers.set_index("Measure").loc["Compassionate leadership"]
    assert (row["Ours"], row["Median of the others"], row["Rank"], row["Of"]) == (6.5, 7.1, 4, 4)


def test_report_needs_the_organisation_and_then_uses_it(tmp_path, capsys):
    path = tmp_path / "trusts_2025.csv"
    path.write_text(TRUSTS_CSV, encoding="utf-8")
    out = tmp_path / "board.html"
    assert main(["report", "--survey", str(path), "--out", str(out)]) == 2
    assert "These results hold 4 organisations" in capsys.readouterr().err
    assert main(["report", "--survey", str(path), "--organisation", "Eastwood Trust", "--out", str(out)]) == 0
    document = out.read_text(encoding="utf-8")
    # Eastwood's own score, against the median of the other three (7.10, 6.80, 6.50)
    assert ("Compassionate leadership scored 7.4 out of 10 in 2025 (1,500 responses)" in document
            and "0.6 above the benchmark of 6.8" in document)


def _multi_year_csv() -> str:
    rows = ["Organisation,Survey year,Responses,Compassionate leadership,Morale"]
    scores = {"A Trust": (7.1, 6.0), "B Trust": (6.8, 5.8), "C Trust": (7.4, 6.3), "D Trust": (6.5, 5.4),
              "E Trust": (7.0, 5.9), "F Trust": (6.6, 5.7)}
    for year, shift in (("2024", 0.0), ("2025", 0.1)):
        for name, (cl, morale) in scores.items():
            rows.append(f"{name},{year},900,{cl + shift:.2f},{morale - shift:.2f}")
        rows.append(f"Average,{year},900,6.90,5.80")
    return "\n".join(rows) + "\n"


def test_pages_of_published_organisation_results_say_what_they_can_show(app_test):
    import scipy.stats as sps
    spec = DatasetSpec(label="Published", survey_files=(FilePayload("trusts.csv", _multi_year_csv().encode()),),
                       our_organisation="C Trust")
    at = _run(app_test, spec)
    for page in ("pages/team_explorer.py", "pages/trends.py", "pages/methods.py", "pages/relationships.py"):
        at.switch_page(page).run()
        assert not at.exception and not at.error, (page, [e.value for e in at.error])
    # Relationships relates the six organisations, both waves in one run, the average row left out
    table = next(d.value for d in at.dataframe if "p (BH-adjusted)" in d.value.columns)
    assert list(table["Wave"]) == ["2024", "2025"] and list(table["n"]) == [6, 6]
    cl = [7.1, 6.8, 7.4, 6.5, 7.0, 6.6]
    morale = [6.0, 5.8, 6.3, 5.4, 5.9, 5.7]
    assert table["r"].iloc[0] == pytest.approx(sps.pearsonr(cl, morale).statistic, abs=1e-9)
    at.switch_page("pages/team_explorer.py").run()
    assert any("hold no team-level figures" in i.value for i in at.info)


def test_people_promise_scores_by_trust_without_counts(app_test):
    """One row per trust keyed by ODS code, People Promise variable names, a burnout percentage, a response
    rate as a fraction, a national median row and no response counts: read as published figures."""
    rows = ["Organisation name,ODS code,pp1_2_2025,theme_morale_2025,pp4_2_burnout_2025,Staff_response_rate"]
    for i, (cl, morale) in enumerate([(7.1, 6.0), (6.8, 5.8), (7.4, 6.3), (6.5, 5.4), (7.0, 5.9), (6.6, 5.7)]):
        rows.append(f"Trust {'ABCDEF'[i]},R0{i},{cl},{morale},{30 + i}.0%,0.{45 + i}")
    rows.append("National median,,6.90,5.90,34.0%,0.47")
    spec = DatasetSpec(label="PP", survey_files=(FilePayload("pp_2025.csv", ("\n".join(rows) + "\n").encode()),))
    dataset = load_dataset(spec)
    assert dataset.survey.published_without_counts
    assert dataset.organisations == [f"Trust {c} (R0{i})" for i, c in enumerate("ABCDEF")]   # not the median row
    at = _run(app_test, spec)
    assert not at.error and any("Published figures, already anonymised" in c.value for c in at.caption)
    at.selectbox(key="board:our_organisation").set_value("Trust C (R02)").run()
    assert not at.exception and not at.error
    assert _metric(at, "H1").value == "7.4"                       # pp1_2 is compassionate leadership

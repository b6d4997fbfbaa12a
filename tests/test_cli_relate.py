"""``python -m analytics relate`` through :func:`cli.main`: both forms, files in, CSV out, exit 2
with one line on user errors.

Survey files are built so that every respondent gives one code to every question: a respondent's
compassionate-leadership score is then ``(code - 1) / 4 * 10`` and a team's score the mean of those.
"""

from __future__ import annotations

import io

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from cli import main
from analytics.ingest.codebook import load_codebook
from analytics.dataset import SAMPLE_DIR

ITEMS = tuple(load_codebook().items)
TOL = 1e-6
ISSUE_COLUMNS = ["x", "y", "group", "n", "r", "r_ci_low", "r_ci_high", "p", "p_adj", "rho", "rho_ci_low",
                 "rho_ci_high"]
RATE_RATIO_COLUMNS = ["rate_ratio", "rr_ci_low", "rr_ci_high"]

#: Team -> (directorate, answer codes of its respondents, staff in post, leavers in the year).
#: "Small Team" (6 respondents) and "Tiny Team" (5) are below the threshold of 11, so they are suppressed;
#: together they have 11, so no other team needs to be hidden to protect them (complementary suppression).
TEAMS = {
    "Ward A": ("Medicine", [2] * 6 + [3] * 6, 40, 9),
    "Ward B": ("Medicine", [3] * 10 + [4] * 2, 50, 8),
    "Ward C": ("Medicine", [4] * 12, 60, 5),
    "Theatres": ("Surgery", [2] * 4 + [4] * 8, 80, 11),
    "Day Unit": ("Surgery", [5] * 6 + [4] * 6, 30, 2),
    "Recovery": ("Surgery", [3] * 12 + [5] * 3, 25, 3),
    "Critical Care": ("Surgery", [2] * 12, 70, 16),
    "Small Team": ("Surgery", [5] * 6, 8, 8),
    "Tiny Team": ("Surgery", [1] * 5, 10, 0),
}
SHOWN = [t for t in TEAMS if t not in ("Small Team", "Tiny Team")]


def survey_file(path, wave: str, teams: dict = TEAMS) -> str:
    header = ["Survey year", "Directorate", "Team", *[code.upper() for code in ITEMS]]
    lines = [",".join(header)]
    for team, (directorate, codes, *_rest) in teams.items():
        lines += [",".join([wave, directorate, team, *[str(code)] * len(ITEMS)]) for code in codes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def team_month_file(path, months, teams: dict = TEAMS) -> str:
    """Constant staff in post; each financial year's leavers in its June; sickness 4% of days available."""
    lines = ["Month,Directorate,Team,Staff in post,Leavers,FTE days lost,FTE days available"]
    for month in months:
        for team, (directorate, _codes, staff, leavers) in teams.items():
            left = leavers if month.month == 6 else 0
            lines.append(f"{month},{directorate},{team},{staff},{left},{staff * 30 * 0.04},{staff * 30}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def team_scores(teams=SHOWN) -> np.ndarray:
    return np.array([np.mean([(code - 1) / 4 * 10 for code in TEAMS[t][1]]) for t in teams])


def leaver_rates(teams=SHOWN) -> np.ndarray:
    return np.array([100 * TEAMS[t][3] / TEAMS[t][2] for t in teams])


@pytest.fixture
def files(tmp_path):
    return {
        "2023": survey_file(tmp_path / "survey_2023.csv", "2023"),
        "2024": survey_file(tmp_path / "survey_2024.csv", "2024"),
        "hr": team_month_file(tmp_path / "team_month.csv", pd.period_range("2023-04", "2025-03", freq="M")),
        "out": str(tmp_path / "relate.csv"),
    }


def read_out(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""])


def test_survey_and_hr_files_two_waves(files, capsys):
    code = main(["relate", "--survey", files["2023"], files["2024"], "--hr", files["hr"],
                 "--x", "compassionate_leadership", "--y", "leaver_rate", "sickness_rate", "--out", files["out"]])
    assert code == 0
    out = read_out(files["out"])
    assert list(out.columns) == [*ISSUE_COLUMNS, "window_start", "window_end", *RATE_RATIO_COLUMNS, "note",
                                 "p_adj_family"]
    assert list(out["group"]) == ["wave 2023", "wave 2023", "wave 2024", "wave 2024"]
    # each row names its wave's HR window (the concurrent 12 months: April to March)
    assert list(out["window_start"]) == ["2023-04-01"] * 2 + ["2024-04-01"] * 2
    assert list(out["window_end"]) == ["2024-03-31"] * 2 + ["2025-03-31"] * 2
    leaving = out[(out["y"] == "leaver_rate") & (out["group"] == "wave 2024")].iloc[0]
    reference = sps.pearsonr(team_scores(), leaver_rates())
    assert leaving["n"] == len(SHOWN)                      # the suppressed team is not counted
    assert leaving["r"] == pytest.approx(reference.statistic, abs=TOL)
    assert leaving["p"] == pytest.approx(reference.pvalue, abs=TOL)
    assert leaving["rho"] == pytest.approx(sps.spearmanr(team_scores(), leaver_rates()).statistic, abs=TOL)
    assert leaving["rate_ratio"] < 1 and "odds ratio" in leaving["note"]
    assert out["p_adj"].dropna().to_numpy() == pytest.approx(
        sps.false_discovery_control(out["p"].dropna().to_numpy(), method="bh"), abs=TOL)
    # every team has 4% sickness: no variation, so the row says so and its statistics are empty
    sickness = out[out["y"] == "sickness_rate"].iloc[0]
    assert math.isnan(sickness["r"]) and sickness["note"] == "no variation in 'sickness_rate' across these units"
    printed = capsys.readouterr().out
    assert "unit of analysis: team" in printed
    assert "wave 2023: 2023-04-01 to 2024-03-31; wave 2024: 2024-04-01 to 2025-03-31" in printed
    assert "associations between units, not causes" in printed


def test_one_wave_stratified_by_directorate_and_lagged(files):
    code = main(["relate", "--survey", files["2023"], files["2024"], "--hr", files["hr"], "--wave", "2023",
                 "--window", "lagged", "--x", "compassionate_leadership", "--y", "leaver_rate", "--by", "directorate",
                 "--out", files["out"]])
    assert code == 0
    out = read_out(files["out"])
    assert list(out["group"]) == ["Medicine", "Surgery"]
    # lagged window of the 2023 survey: November 2023 to October 2024, which holds June 2024's leavers only
    medicine = out.iloc[0]
    assert medicine["n"] == 3 and math.isnan(medicine["r"])
    assert medicine["note"] == "too few units (n=3; at least 5 needed)"
    assert out.iloc[1]["n"] == 4


UNITS_CSV = """Trust,Benchmarking group,Responses,Compassionate and inclusive,Sickness rate
T1,Acute,1200,7.1,5.6%
T2,Acute,950,6.8,6.1%
T3,Acute,1500,7.4,4.9%
T4,Acute,800,6.5,6.4%
T5,Acute,1100,7.0,5.2%
T6,Community,600,7.2,4.8%
T7,Community,700,6.9,5.9%
T8,Community,650,7.5,4.4%
T9,Community,720,6.6,6.6%
T10,Community,540,7.1,5.1%
"""


def test_unit_level_file_stratified_by_benchmarking_group(tmp_path, capsys):
    units = tmp_path / "trusts.csv"
    units.write_text(UNITS_CSV, encoding="utf-8")
    out_path = tmp_path / "relate.xlsx"
    code = main(["relate", "--units", str(units), "--unit-col", "Trust", "--x", "Compassionate and inclusive",
                 "--y", "Sickness rate", "--by", "Benchmarking group", "--out", str(out_path)])
    assert code == 0
    out = pd.read_excel(out_path, sheet_name="Relationships", engine="openpyxl")
    # no counts in a unit-level file; each row says what its two columns held (n, mean, min, max)
    assert list(out.columns) == [*ISSUE_COLUMNS, "x_n", "x_mean", "x_min", "x_max", "y_n", "y_mean", "y_min", "y_max",
                                 "note", "p_adj_family"]
    # the pooled row (all ten trusts, group empty) beside the two groups
    assert [g if isinstance(g, str) else "" for g in out["group"]] == ["", "Acute", "Community"]
    assert out.iloc[0]["n"] == 10
    acute = out.iloc[1]
    x, y = [7.1, 6.8, 7.4, 6.5, 7.0], [5.6, 6.1, 4.9, 6.4, 5.2]
    assert (acute["x_n"], acute["x_mean"], acute["x_min"], acute["x_max"]) == pytest.approx((5, sum(x) / 5, 6.5, 7.4))
    assert (acute["y_min"], acute["y_max"]) == pytest.approx((4.9, 6.4))
    assert acute["n"] == 5
    assert acute["r"] == pytest.approx(sps.pearsonr(x, y).statistic, abs=TOL)
    ci = sps.pearsonr(x, y).confidence_interval()
    assert (acute["r_ci_low"], acute["r_ci_high"]) == pytest.approx((ci.low, ci.high), abs=TOL)
    assert "unit of analysis: trust" in capsys.readouterr().out


MULTI_YEAR_CSV = """Organisation,Year,Compassionate leadership,Sickness rate,Response rate
A,2023,7.1,5.6%,0.51
B,2023,6.8,6.1%,0.43
C,2023,7.4,4.9%,0.62
D,2023,6.5,6.4%,0.38
E,2023,7.0,5.2%,0.47
A,2024,7.2,5.3%,0.55
B,2024,6.7,6.3%,0.41
C,2024,7.3,5.0%,0.60
D,2024,6.9,5.8%,0.44
E,2024,6.6,6.2%,0.39
Median,2024,6.9,5.8%,0.44
"""


def test_a_multi_year_file_is_related_wave_by_wave_in_one_run(tmp_path):
    units = tmp_path / "orgs.csv"
    units.write_text(MULTI_YEAR_CSV, encoding="utf-8")
    out_path = tmp_path / "relate.csv"
    assert main(["relate", "--units", str(units), "--unit-col", "Organisation", "--wave-col", "Year",
                 "--x", "Compassionate leadership", "--y", "Sickness rate", "Response rate",
                 "--out", str(out_path)]) == 0
    out = pd.read_csv(out_path, encoding="utf-8-sig")
    assert list(out["group"]) == ["wave 2023", "wave 2023", "wave 2024", "wave 2024"]
    frame = pd.read_csv(io.StringIO(MULTI_YEAR_CSV))
    frame = frame[frame["Organisation"] != "Median"]          # a comparator row, not a unit
    p_values = []
    for i, (year, part) in enumerate(frame.groupby("Year")):
        x = part["Compassionate leadership"].to_numpy(float)
        sickness = part["Sickness rate"].str.rstrip("%").astype(float).to_numpy()
        row = out.iloc[2 * i]
        assert row["n"] == 5 and row["r"] == pytest.approx(sps.pearsonr(x, sickness).statistic, abs=TOL)
        rate = out.iloc[2 * i + 1]
        assert rate["r"] == pytest.approx(sps.pearsonr(x, part["Response rate"]).statistic, abs=TOL)
        # the summaries show a fraction column beside a percentage one
        assert rate["y_max"] < 1 < row["y_min"]
        p_values += [row["p"], rate["p"]]
    assert out["p_adj"].to_numpy() == pytest.approx(sps.false_discovery_control(p_values, method="bh"), abs=TOL)


def test_output_text_is_neutralised_against_formula_injection(tmp_path):
    units = tmp_path / "trusts.csv"
    units.write_text(UNITS_CSV.replace("Acute", "=HYPERLINK(1)"), encoding="utf-8")
    out_path = tmp_path / "relate.csv"
    assert main(["relate", "--units", str(units), "--unit-col", "Trust", "--x", "Compassionate and inclusive",
                 "--y", "Sickness rate", "--by", "Benchmarking group", "--out", str(out_path)]) == 0
    assert "'=HYPERLINK(1)" in out_path.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("argv, message", [
    (["--survey", "{survey}", "--out", "{out}"], "Give the HR file with --hr FILE"),
    (["--survey", "{survey}", "--hr", "{hr}", "--window", "sideways", "--out", "{out}"],
     "The window must be one of: concurrent, lagged, previous (got 'sideways')"),
    (["--survey", "{survey}", "--hr", "{hr}", "--x", "happiness", "--out", "{out}"], "no survey measure 'happiness'"),
    (["--survey", "{survey}", "--hr", "{hr}", "--by", "ward", "--out", "{out}"], "Stratify by one of"),
    (["--survey", "{survey}", "--hr", "{hr}", "--wave", "2019", "--out", "{out}"], "no wave '2019'"),
    (["--survey", "{survey}", "--hr", "{hr}", "--absence", "{hr}", "--out", "{out}"],
     "--absence can only be used with an employee-level staff file"),
    (["--survey", "{survey}", "--hr", "{hr}", "--exclude-doctors-in-training", "--out", "{out}"],
     "cannot be excluded from team-month figures"),
    (["--survey", "{survey}", "--hr", "{hr}"], "Give the output file with --out FILE.csv"),
    (["--survey", "{survey}", "--hr", "{hr}", "--unit-col", "Trust", "--out", "{out}"],
     "--unit-col belongs with --units"),
    (["--survey", "{dir}/missing.csv", "--hr", "{hr}", "--out", "{out}"], "does not exist"),
    (["--out", "{out}"], "Give the survey files with --survey"),
    (["--units", "{units}", "--survey", "{survey}", "--out", "{out}"], "not both"),
    (["--units", "{units}", "--x", "CL", "--y", "Sick", "--out", "{out}"], "--unit-col COL"),
    (["--units", "{units}", "--unit-col", "Trust", "--x", "CL", "--out", "{out}"], "--y COL"),
    (["--units", "{units}", "--unit-col", "Trust", "--x", "Nope", "--y", "Sick", "--out", "{out}"],
     "There is no result column called 'Nope'"),
    (["--units", "{units}", "--unit-col", "Trust", "--x", "CL", "--y", "Sick", "--window", "lagged",
      "--out", "{out}"], "--window belongs with --survey"),
    (["--units", "{units}", "--unit-col", "Trust", "--x", "CL", "--y", "Sick", "--out", "{dir}/out.txt"],
     "must end in .csv or .xlsx"),
])
def test_user_errors_exit_2_with_one_line(files, tmp_path, capsys, argv, message):
    units = tmp_path / "units.csv"
    units.write_text("Trust,CL,Sick\nA,7,5\n", encoding="utf-8")
    names = {"survey": files["2024"], "hr": files["hr"], "out": files["out"], "units": str(units), "dir": str(tmp_path)}
    code = main(["relate", *[a.format(**names) for a in argv]])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert message in err


def test_sample_trust_leaves_doctors_in_training_out_by_default(tmp_path):
    """Without a flag the figures are those with --exclude-doctors-in-training (sample_data/README.md: 2024
    wave, odds ratio 0.862 per point for leaving); --include-doctors-in-training gives other figures."""
    outputs = {}
    for flag in ([], ["--exclude-doctors-in-training"], ["--include-doctors-in-training"]):
        out_path = tmp_path / f"relate{len(outputs)}.csv"
        assert main(["relate", "--survey", str(SAMPLE_DIR / "survey_2024.xlsx"),
                     "--hr", str(SAMPLE_DIR / "hr_staff_esr.csv"), "--absence", str(SAMPLE_DIR / "hr_absence_esr.csv"),
                     *flag, "--x", "compassionate_leadership", "--out", str(out_path)]) == 0
        outputs[tuple(flag)] = read_out(out_path).set_index("y")
    default, excluded = outputs[()], outputs[("--exclude-doctors-in-training",)]
    pd.testing.assert_frame_equal(default, excluded)
    assert default.loc["leaver_rate", "rate_ratio"] == pytest.approx(0.862, abs=0.005)
    assert outputs[("--include-doctors-in-training",)].loc["leaver_rate", "r"] != pytest.approx(
        default.loc["leaver_rate", "r"], abs=0.01)


def test_sample_trust_employee_files_with_doctors_in_training_excluded(tmp_path):
    out_path = tmp_path / "relate.csv"
    code = main(["relate", "--survey", str(SAMPLE_DIR / "survey_2024.xlsx"),
                 "--hr", str(SAMPLE_DIR / "hr_staff_esr.csv"),
                 "--absence", str(SAMPLE_DIR / "hr_absence_esr.csv"), "--exclude-doctors-in-training",
                 "--x", "compassionate_leadership", "--out", str(out_path)])
    assert code == 0
    out = read_out(out_path).set_index("y")
    assert list(out.index) == ["leaver_rate", "sickness_rate", "stability_index"]
    assert (out["n"] == 48).all() and (out["group"].isna()).all()
    # sample_data/README.md: 2024 wave, odds ratio 0.862 (0.759-0.979), sickness rate ratio 0.902
    assert out.loc["leaver_rate", "rate_ratio"] == pytest.approx(0.862, abs=0.005)
    assert out.loc["leaver_rate", "rr_ci_high"] < 1
    assert out.loc["sickness_rate", "rate_ratio"] == pytest.approx(0.902, abs=0.005)
    assert math.isnan(out.loc["stability_index", "rate_ratio"]) and out.loc["stability_index", "r"] > 0


def esr_teams() -> dict:
    """TEAMS with ESR-style HR names for the Medicine wards ("101 MED Ward A CC")."""
    return {(f"10{i} MED {t} CC" if d == "Medicine" else t): v
            for i, (t, v) in enumerate(TEAMS.items()) for d in [v[0]]}


def test_unit_map_joins_renamed_hr_teams(files, tmp_path, capsys):
    """ESR names are never joined by name: the three Medicine wards are left out with a note on stderr;
    --unit-map pairs them and the figures are those of the plain names (scipy reference, all 7 teams)."""
    hr_file = team_month_file(tmp_path / "esr.csv", pd.period_range("2023-04", "2025-03", freq="M"), esr_teams())
    argv = ["relate", "--survey", files["2024"], "--hr", hr_file, "--x", "compassionate_leadership",
            "--y", "leaver_rate", "--out", files["out"]]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "note: Wave 2024: Survey and HR teams were matched on directorate and team." in err
    assert ("3 surveyed team(s) have no HR unit of the same directorate and name: Ward A (Medicine), "
            "Ward B (Medicine), Ward C (Medicine)") in err
    assert "--unit-map FILE.csv" in err
    without = read_out(files["out"]).iloc[0]
    others = [t for t in SHOWN if TEAMS[t][0] != "Medicine"]
    assert without["n"] == len(others)
    assert math.isnan(without["r"]) and "too few units" in without["note"]  # 4 teams: fewer than 5

    unit_map = tmp_path / "units.csv"
    unit_map.write_text("survey_directorate,survey_team,hr_directorate,hr_team\n"
                        + "".join(f"Medicine,{t},Medicine,{h}\n" for t, h in zip(TEAMS, esr_teams())
                                  if TEAMS[t][0] == "Medicine"), encoding="utf-8")
    assert main([*argv, "--unit-map", str(unit_map)]) == 0
    err = capsys.readouterr().err
    assert "have no HR unit" not in err and "3 by the confirmed unit map" in err
    mapped = read_out(files["out"]).iloc[0]
    assert mapped["n"] == len(SHOWN)
    assert mapped["r"] == pytest.approx(sps.pearsonr(team_scores(), leaver_rates()).statistic, abs=TOL)


def test_bad_unit_map_exits_2_naming_the_row(files, tmp_path, capsys):
    unit_map = tmp_path / "units.csv"
    unit_map.write_text("survey_directorate,survey_team,hr_directorate,hr_team\nMedicine,Ward A,Medicine,W1\n"
                        "Medicine,Ward A,Medicine,W2\n", encoding="utf-8")
    code = main(["relate", "--survey", files["2024"], "--hr", files["hr"], "--unit-map", str(unit_map),
                 "--out", files["out"]])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "units.csv" in err and "row 3" in err and "mapped twice" in err


def test_unit_map_belongs_with_survey_form(tmp_path, capsys):
    units = tmp_path / "units.csv"
    units.write_text("Trust,CL,Sick\nA,7,5\n", encoding="utf-8")
    code = main(["relate", "--units", str(units), "--unit-col", "Trust", "--x", "CL", "--y", "Sick",
                 "--unit-map", str(units), "--out", str(tmp_path / "o.csv")])
    assert code == 2 and "--unit-map belongs with --survey" in capsys.readouterr().err

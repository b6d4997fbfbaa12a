"""The shipped sample trust: reproducible, in the documented shapes, and carrying the planted effects.

Expected values come from the generating parameters written in ``sample_data/README.md`` (e.g. the
leaver hazard ratio exp(-0.16) = 0.852 per point), recovered with tolerances that allow for sampling
noise and for regression dilution (team means are estimates of the true team scores).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics import hr, stats
from analytics.ingest.codebook import load_codebook, normalise_label
from analytics.survey.pipeline import SurveySource, score_survey_files
from sample_data import generate as gen

SAMPLE = Path(gen.__file__).resolve().parent
TRAINEES = set(gen.TRAINEE_ROLES)
#: Concurrent window of each wave: the survey's financial year (README, "Compassionate leadership per
#: team and wave"); the data end in December 2025.
WINDOWS = {"2023": ("2023-04-01", "2024-03-31"), "2024": ("2024-04-01", "2025-03-31"),
           "2025": ("2025-04-01", "2025-12-31")}


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series.replace("", None), format="%d/%m/%Y")


# =================================================================================================
# Fixtures (module scope: every file is read once)
# =================================================================================================
@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture(scope="module")
def staff() -> pd.DataFrame:
    frame = pd.read_csv(SAMPLE / gen.STAFF_FILE, dtype=str, keep_default_na=False)
    frame["start"] = _dates(frame["Assignment Start Date"])
    frame["end"] = _dates(frame["Termination Date"])
    frame["fte"] = frame["FTE"].astype(float)
    return frame


@pytest.fixture(scope="module")
def absence() -> pd.DataFrame:
    frame = pd.read_csv(SAMPLE / gen.ABSENCE_FILE, dtype=str, keep_default_na=False)
    frame["start"] = _dates(frame["Absence Start Date"])
    frame["end"] = _dates(frame["Absence End Date"])
    frame["lost"] = frame["FTE Days Lost"].astype(float)
    return frame


@pytest.fixture(scope="module")
def team_month() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / gen.TEAM_MONTH_FILE)


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / gen.PLANTED_FILE).set_index("Team")


@pytest.fixture(scope="module")
def survey_2023() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / gen.SURVEY_2023_FILE, encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def survey_results():
    sources = [SurveySource.from_path(SAMPLE / name)
               for name in (gen.SURVEY_2023_FILE, gen.SURVEY_2024_FILE, gen.SURVEY_2025_FILE)]
    return score_survey_files(sources, min_group_size=11)


@pytest.fixture(scope="module")
def team_scores(survey_results) -> pd.DataFrame:
    """Shown (not suppressed) team means: one row per wave x team, one column per measure."""
    us = survey_results.unit_scores
    shown = us[(us["level"] == "team") & ~us["suppressed"].astype(bool)]
    return shown.pivot_table(index=["wave", "unit"], columns="measure", values="mean").reset_index()


@pytest.fixture(scope="module")
def concurrent(team_scores) -> pd.DataFrame:
    """Team score of each wave joined to the team's HR figures over the wave's concurrent window
    (team-month file through analytics.hr)."""
    records = hr.read_staff_file(SAMPLE / gen.TEAM_MONTH_FILE)
    frames = []
    for wave, (first, last) in WINDOWS.items():
        metrics = hr.hr_metrics(records, start=first, end=last, levels=["team"])
        joined = team_scores[team_scores["wave"] == wave].merge(metrics, on="unit", validate="one_to_one")
        months = 12 if wave != "2025" else 9
        for column in ("leavers", "staff_start", "staff_end", "fte_days_lost", "fte_days_available"):
            joined[column] = pd.to_numeric(joined[column]).astype(float)
        joined["mean_staff"] = (joined["staff_start"] + joined["staff_end"]) / 2
        joined["staff_years"] = joined["mean_staff"] * months / 12
        frames.append(joined)
    return pd.concat(frames, ignore_index=True).dropna(subset=["compassionate_leadership"])


# =================================================================================================
# Reproducibility
# =================================================================================================
def test_generator_script_reproduces_the_shipped_files_byte_for_byte(tmp_path):
    completed = subprocess.run([sys.executable, str(SAMPLE / "generate.py"), "--out", str(tmp_path)],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    for name in gen.FILES:
        if name.endswith(".xlsx"):
            # compare what the workbook holds: deflate output may differ between zlib builds
            assert _zip_entries(tmp_path / name) == _zip_entries(SAMPLE / name), name
            continue
        fresh = hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        assert fresh == gen.file_digest(SAMPLE / name), f"{name} differs from what generate.py writes"


def _zip_entries(path: Path) -> list[tuple[str, tuple, str]]:
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, info.date_time, hashlib.sha256(archive.read(info)).hexdigest())
                for info in archive.infolist()]


def test_workbook_bytes_do_not_depend_on_when_it_was_written(tmp_path, monkeypatch, codebook):
    """openpyxl stamps the save time into docProps/core.xml and the zip entries; the generator
    replaces both with a fixed time. Two saves at different clock times give the same bytes."""
    import datetime as dt
    import time

    import openpyxl.writer.excel as excel_writer

    items = {code: [4.0, 0.0 if code in gen.DONT_KNOW_ITEMS else 2.0, np.nan] for code in gen.simulated_items(codebook)}
    responses = pd.DataFrame({"respondent": ["R_a", "R_b", "R_c"], "team": ["Payroll"] * 3,
                              "directorate": ["Corporate Services"] * 3, "staff_group": [gen.ADM] * 3,
                              "completed": [dt.date(2024, 10, 1).toordinal()] * 3, "seconds": [600, 700, 800],
                              "partial": [False, False, True], **items})
    trust = gen.SampleTrust(teams=pd.DataFrame(), assignments=pd.DataFrame(), absences=pd.DataFrame(),
                            responses={2024: responses})
    saved = []
    for year in (2030, 2031):
        class Clock(dt.datetime):
            @classmethod
            def now(cls, tz=None):
                return dt.datetime(year, 1, 1, 12, 0, 0, tzinfo=tz)

        monkeypatch.setattr(excel_writer.datetime, "datetime", Clock)
        monkeypatch.setattr(time, "time", lambda: dt.datetime(year, 1, 1).timestamp())
        path = tmp_path / f"{year}.xlsx"
        gen.write_survey_2024(trust, path, codebook)
        saved.append(path.read_bytes())
    assert saved[0] == saved[1]
    wb = openpyxl.load_workbook(io.BytesIO(saved[0]), read_only=True)
    assert wb.properties.modified == gen.FIXED_TIMESTAMP
    rows = list(wb["Responses"].iter_rows(values_only=True))
    assert len(rows) == 3 + 3
    assert rows[4][list(rows[0]).index("Q25_2")] == "Don't know"


def test_workbook_metadata_and_zip_times_are_fixed():
    data = (SAMPLE / gen.SURVEY_2024_FILE).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {gen.FIXED_TIMESTAMP.timetuple()[:6]}
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert wb.properties.created == gen.FIXED_TIMESTAMP
    assert wb.properties.modified == gen.FIXED_TIMESTAMP


def test_write_files_refuses_unknown_names(tmp_path):
    with pytest.raises(ValueError, match="Unknown sample files"):
        gen.write_files(tmp_path, only=["survey_2026.csv"])


def test_total_size_is_small():
    assert sum((SAMPLE / name).stat().st_size for name in gen.FILES) < 15 * 1024**2


# =================================================================================================
# Survey shapes
# =================================================================================================
def test_2023_export_has_nss_codes_numeric_answers_and_a_byte_order_mark(survey_2023, codebook):
    assert (SAMPLE / gen.SURVEY_2023_FILE).read_bytes().startswith(b"\xef\xbb\xbf")
    items = ["Q" + code[1:] for code in gen.simulated_items(codebook)]
    assert list(survey_2023.columns) == ["Respondent ID", "Survey year", "Completion date", "Directorate",
                                         "Team", "Staff group", *items]
    assert set(survey_2023["Survey year"]) == {"2023"}
    assert survey_2023["Respondent ID"].is_unique
    values = set(np.unique(survey_2023[items].to_numpy()))
    assert values == {"", "1", "2", "3", "4", "5"}
    blank_share = (survey_2023[items] == "").to_numpy().mean()
    assert 0.02 <= blank_share <= 0.05  # 2% at random + partial completion + "Don't know" written blank
    dates = pd.to_datetime(survey_2023["Completion date"], format="%d/%m/%Y")
    assert dates.min() >= pd.Timestamp("2023-10-02") and dates.max() <= pd.Timestamp("2023-11-24")


def test_2024_workbook_is_qualtrics_shaped(codebook):
    wb = openpyxl.load_workbook(SAMPLE / gen.SURVEY_2024_FILE, read_only=True)
    assert wb.sheetnames == ["About this export", "Responses"]
    rows = pd.read_excel(SAMPLE / gen.SURVEY_2024_FILE, sheet_name="Responses", header=None, engine="calamine",
                         dtype=str)
    ids, texts, imports = rows.iloc[0].tolist(), rows.iloc[1].tolist(), rows.iloc[2].tolist()
    assert ids[:14] == ["StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)", "Finished",
                        "RecordedDate", "ResponseId", "DistributionChannel", "UserLanguage", "Directorate", "Team",
                        "Staff group", "Survey year"]
    assert all(json.loads(text)["ImportId"] for text in imports)
    q9h = ids.index("Q9_8")
    assert texts[q9h] == ("To what extent do you agree or disagree with the following statements about your "
                          "immediate manager? - My immediate manager cares about my concerns.")
    assert imports[q9h] == '{"ImportId":"QID12_8"}'
    data = rows.iloc[3:]
    assert set(data[ids.index("Survey year")]) == {"2024"}
    answers = data.iloc[:, 14:].stack().dropna()
    options = {normalise_label(o) for scale in codebook.scales.values() for o in scale.options}
    assert set(answers.map(normalise_label)) <= options | {"don't know"}
    canonical = {o for scale in codebook.scales.values() for o in scale.options} | {"Don't know"}
    variants = ~answers.isin(canonical)
    assert 0.005 < variants.mean() < 0.03  # a few "strongly agree " / "Strongly Agree"
    assert (answers == "Don't know").sum() > 100


def test_2025_export_is_surveymonkey_shaped_in_windows_1252(codebook):
    data = (SAMPLE / gen.SURVEY_2025_FILE).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert b"Don\x92t know" in data and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("cp1252"), newline="")))
    row1, row2 = rows[0], rows[1]
    assert row1[9:12] == ["Which directorate do you work in?", "Which team do you work in?",
                          "Which of these best describes your staff group?"]
    assert row2[9:12] == ["Response"] * 3
    simulated = gen.simulated_items(codebook)
    statements = row2[12:12 + len(simulated)]
    assert [normalise_label(s) for s in statements] == [normalise_label(codebook.items[c].wording) for c in simulated]
    assert row1[12] == gen.STEMS["q2"] and row1[13] == ""  # the stem sits over a matrix's first column only
    assert row2[-1] == "Open-Ended Response"
    assert all(len(r) == len(row1) for r in rows)


def test_each_wave_has_a_nhs_like_response_rate_and_several_small_teams(staff, survey_results):
    us = survey_results.unit_scores
    org = us[(us["level"] == "organisation") & (us["measure"] == "compassionate_leadership")]
    for wave, census in gen.SURVEY_CENSUS.items():
        census = pd.Timestamp(census)
        in_post = ((staff["start"] <= census) & (staff["end"].isna() | (staff["end"] >= census))).sum()
        n_file = _respondents(wave)
        assert 2200 <= n_file <= 2500
        assert 0.44 <= n_file / in_post <= 0.50
        # compassionate leadership is scored for nearly every respondent (a few stop before q9)
        assert 0.95 * n_file <= int(org.loc[org["wave"] == str(wave), "n"].iloc[0]) <= n_file
    small = _small_teams_per_wave()
    assert all(8 <= count <= 15 for count in small.values()), small


def _respondents(wave: int) -> int:
    if wave == 2023:
        return len(pd.read_csv(SAMPLE / gen.SURVEY_2023_FILE, encoding="utf-8-sig"))
    if wave == 2024:
        return len(pd.read_excel(SAMPLE / gen.SURVEY_2024_FILE, sheet_name="Responses", header=None,
                                 engine="calamine")) - 3
    return len(pd.read_csv(SAMPLE / gen.SURVEY_2025_FILE, encoding="cp1252", header=[0, 1]))


def _small_teams_per_wave() -> dict[int, int]:
    teams = {
        2023: pd.read_csv(SAMPLE / gen.SURVEY_2023_FILE, encoding="utf-8-sig")["Team"],
        2024: pd.read_excel(SAMPLE / gen.SURVEY_2024_FILE, sheet_name="Responses", header=None,
                            engine="calamine", skiprows=3)[11],
        2025: pd.read_csv(SAMPLE / gen.SURVEY_2025_FILE, encoding="cp1252", header=[0, 1]).iloc[:, 10],
    }
    return {wave: int((column.value_counts() < 11).sum()) for wave, column in teams.items()}


def test_reverse_keyed_items_are_answered_consistently(survey_2023):
    codes = survey_2023[["Q26a", "Q26b", "Q9h", "Q2a", "Q5a"]].replace("", np.nan).astype(float)
    corr = codes.corr()
    assert corr.loc["Q26a", "Q26b"] > 0.3       # both reverse-keyed: they agree with each other
    assert corr.loc["Q26a", "Q9h"] < -0.1       # high compassionate leadership: disagrees with q26a
    assert corr.loc["Q26a", "Q2a"] < -0.1       # looking forward to work: disagrees with q26a
    assert corr.loc["Q5a", "Q2a"] < 0           # unrealistic time pressures go with lower motivation


def test_organisation_means_are_nss_like(survey_results):
    us = survey_results.unit_scores
    org = us[us["level"] == "organisation"].pivot_table(index="measure", columns="wave", values="mean")
    assert org.loc["compassionate_leadership"].between(6.8, 7.2).all()
    assert org.loc["morale"].between(5.7, 6.1).all()
    assert org.loc["staff_engagement"].between(6.6, 7.0).all()


# =================================================================================================
# HR shapes and consistency
# =================================================================================================
def test_staff_file_is_esr_shaped_with_fictional_identifiers(staff, planted):
    assert list(staff.columns[:11]) == list(gen.STAFF_COLUMNS)
    numbers = staff["Employee Number"]
    assert numbers.str.fullmatch(r"[1-9]\d{7}").all()
    first = staff["Assignment Number"] == numbers
    rehired = staff["Assignment Number"] == numbers + "-2"
    assert (first | rehired).all() and 50 <= rehired.sum() <= 150
    # random, not sequential: sorted numbers are spread over the 8-digit range
    gaps = np.diff(np.sort(numbers.astype(np.int64).unique()))
    assert np.median(gaps) > 1000
    assert set(staff["Organisation"]) == set(planted.index)
    assert set(staff["Staff Group"]) == set(gen.STAFF_GROUPS)
    assert staff["fte"].between(0.4, 1.0).all()
    assert (staff["end"].isna() | (staff["end"] >= staff["start"])).all()
    assert staff["end"].min() >= pd.Timestamp(gen.PERIOD_START)
    assert staff["end"].max() <= pd.Timestamp(gen.PERIOD_END)
    assert (staff["Leaving Reason"] == "").eq(staff["end"].isna()).all()


def test_one_persons_assignments_never_overlap(staff):
    s = staff.assign(end_or_open=staff["end"].fillna(pd.Timestamp("2100-01-01"))).sort_values(
        ["Employee Number", "start"])
    same = s["Employee Number"].eq(s["Employee Number"].shift())
    assert not (same & (s["start"] <= s["end_or_open"].shift())).any()


def test_headcount_is_roughly_stable_around_five_thousand(staff, team_month):
    monthly = team_month.groupby("Month")["Staff in post"].sum()
    assert monthly.between(0.97 * monthly.mean(), 1.03 * monthly.mean()).all()
    for day in ("2022-04-30", "2024-01-31", "2025-12-31"):
        d = pd.Timestamp(day)
        everyone = ((staff["start"] <= d) & (staff["end"].isna() | (staff["end"] >= d))).sum()
        assert 4800 <= everyone <= 5200


def test_absence_episodes_do_not_overlap_lie_within_employment_and_cost_fte_times_days(staff, absence):
    ab = absence.sort_values(["Employee Number", "start"])
    same = ab["Employee Number"].eq(ab["Employee Number"].shift())
    assert not (same & (ab["start"] <= ab["end"].shift())).any()
    assert (ab["end"] >= ab["start"]).all()
    spells = staff[["Employee Number", "start", "end", "fte"]].rename(columns={"start": "a_start", "end": "a_end"})
    pairs = ab.reset_index().merge(spells, on="Employee Number")
    inside = (pairs["start"] >= pairs["a_start"]) & (pairs["a_end"].isna() | (pairs["end"] <= pairs["a_end"]))
    matched = pairs[inside]
    assert matched["index"].is_unique and len(matched) == len(ab)
    days = (matched["end"] - matched["start"]).dt.days + 1
    np.testing.assert_allclose(matched["lost"], matched["fte"] * days, rtol=0, atol=1e-9)


def test_team_month_file_is_what_the_employee_files_give(staff, absence, team_month):
    """Recompute every team-month figure from the staff and absence files (doctors in training
    excluded) with the README's definitions, independently of the generator's own code."""
    s = staff[~staff["Job Role"].isin(TRAINEES)].reset_index(drop=True)
    months = pd.period_range("2022-04", "2025-12", freq="M")
    grid = pd.DataFrame({"Month": months.strftime("%Y-%m"), "first": months.start_time.normalize(),
                         "last": months.end_time.normalize()})
    open_end = pd.Timestamp("2100-01-01")
    a = s[["Organisation", "start", "end", "fte"]].assign(end=s["end"].fillna(open_end)).merge(grid, how="cross")
    a["in_post_end"] = (a["start"] <= a["last"]) & (a["end"] >= a["last"])
    a["leaver"] = (a["end"] >= a["first"]) & (a["end"] <= a["last"])
    a["days"] = ((a[["end", "last"]].min(axis=1) - a[["start", "first"]].max(axis=1)).dt.days + 1).clip(lower=0)
    a["available"] = a["fte"] * a["days"]
    expected = a.groupby(["Organisation", "Month"]).agg(sip=("in_post_end", "sum"), leavers=("leaver", "sum"),
                                                        available=("available", "sum"))
    spells = s[["Employee Number", "Organisation", "start", "end", "fte"]].rename(
        columns={"start": "a_start", "end": "a_end"})
    ep = absence.merge(spells, on="Employee Number")
    ep = ep[(ep["start"] >= ep["a_start"]) & (ep["a_end"].isna() | (ep["start"] <= ep["a_end"]))]
    ep = ep[["Organisation", "start", "end", "fte"]].merge(grid, how="cross")
    ep["days"] = ((ep[["end", "last"]].min(axis=1) - ep[["start", "first"]].max(axis=1)).dt.days + 1).clip(lower=0)
    lost = (ep["fte"] * ep["days"]).groupby([ep["Organisation"], ep["Month"]]).sum().rename("lost")
    expected = expected.join(lost).fillna({"lost": 0.0})
    got = team_month.set_index(["Team", "Month"]).sort_index()
    expected = expected.reindex(got.index)
    assert list(team_month.columns) == list(gen.TEAM_MONTH_COLUMNS)
    assert len(team_month) == 62 * 45
    np.testing.assert_array_equal(got["Staff in post"], expected["sip"])
    np.testing.assert_array_equal(got["Leavers"], expected["leavers"])
    np.testing.assert_allclose(got["FTE days available"], expected["available"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(got["FTE days lost"], expected["lost"], rtol=0, atol=1e-6)


def test_analytics_hr_agrees_between_the_two_hr_shapes(staff, absence):
    """hr_metrics over 2024/25 from the team-month file and from the employee files (doctors in
    training removed) give the same leavers, staff at the end and FTE days."""
    keep = ~staff["Job Role"].isin(TRAINEES)
    staff_csv = staff.loc[keep, list(gen.STAFF_COLUMNS)].to_csv(index=False).encode()
    absence_csv = absence.loc[absence["Employee Number"].isin(staff.loc[keep, "Employee Number"]),
                              list(gen.ABSENCE_COLUMNS)].to_csv(index=False).encode()
    employee = hr.read_absence_file(absence_csv, hr.read_staff_file(staff_csv, "staff.csv"), "absence.csv")
    aggregate = hr.read_staff_file(SAMPLE / gen.TEAM_MONTH_FILE)
    window = dict(start="2024-04-01", end="2025-03-31")
    by_employee = hr.hr_metrics(employee, **window).set_index(["level", "unit"])
    by_aggregate = hr.hr_metrics(aggregate, **window).set_index(["level", "unit"])
    teams = by_aggregate.xs("team", level="level")
    other = by_employee.xs("team", level="level").loc[teams.index]
    np.testing.assert_array_equal(teams["leavers"].to_numpy(int), other["leavers"].to_numpy(int))
    np.testing.assert_array_equal(teams["staff_end"].to_numpy(int), other["staff_end"].to_numpy(int))
    for column in ("fte_days_available", "fte_days_lost"):
        np.testing.assert_allclose(teams[column].to_numpy(float), other[column].to_numpy(float), atol=1e-6)


def test_trust_rates_are_in_the_nhs_range(team_month):
    tm = team_month.assign(fy=team_month["Month"].str[:4].astype(int)
                           - (team_month["Month"].str[5:7].astype(int) < 4))
    sickness = 100 * tm["FTE days lost"].sum() / tm["FTE days available"].sum()
    assert 5.0 <= sickness <= 5.7
    monthly = tm.groupby(["fy", "Month"])[["Staff in post", "Leavers"]].sum()
    for fy in (2023, 2024):
        year = monthly.loc[fy]
        start = monthly.loc[fy - 1, "Staff in post"].iloc[-1]
        rate = 100 * year["Leavers"].sum() / ((start + year["Staff in post"].iloc[-1]) / 2)
        assert 10.0 <= rate <= 12.5


# =================================================================================================
# Planted effects, recovered through the analytics package
# =================================================================================================
def test_leaver_odds_fall_with_team_compassionate_leadership_in_every_wave(concurrent):
    for wave, rows in concurrent.groupby("wave"):
        model = stats.binomial_rate_model(rows, "compassionate_leadership", "leavers", "mean_staff")
        assert int(model["n"].iloc[0]) >= 45
        assert 0.75 <= float(model["rate_ratio"].iloc[0]) <= 0.95, wave


def test_sickness_falls_with_team_compassionate_leadership_in_every_wave(concurrent):
    for wave, rows in concurrent.groupby("wave"):
        model = stats.poisson_rate_model(rows, "compassionate_leadership", "fte_days_lost", "fte_days_available")
        assert 0.80 <= float(model["rate_ratio"].iloc[0]) <= 0.97, wave


def _pooled_rate_ratio(data: pd.DataFrame, score: str, events: str, exposure: str) -> float:
    design = pd.get_dummies(data[[score, "wave"]], columns=["wave"], drop_first=True).astype(float)
    fit = sm.GLM(data[events], sm.add_constant(design), family=sm.families.Poisson(),
                 offset=np.log(data[exposure])).fit(scale="X2")
    return math.exp(fit.params[score])


def test_pooled_rate_ratios_recover_the_planted_effects(concurrent, planted):
    leaver_rr = _pooled_rate_ratio(concurrent, "compassionate_leadership", "leavers", "staff_years")
    sickness_rr = _pooled_rate_ratio(concurrent, "compassionate_leadership", "fte_days_lost", "fte_days_available")
    assert 0.75 <= leaver_rr <= 0.95          # planted exp(-0.16) = 0.852, diluted by sampling error
    assert 0.80 <= sickness_rr <= 0.97        # planted exp(-0.105) = 0.900
    # against the true team scores the fits sit closer to what was planted
    true = concurrent.assign(true_cl=[planted.loc[team, f"True compassionate leadership {wave}"]
                                      for team, wave in zip(concurrent["unit"], concurrent["wave"])])
    assert abs(math.log(_pooled_rate_ratio(true, "true_cl", "leavers", "staff_years")) - (-0.16)) < 0.08
    assert abs(math.log(_pooled_rate_ratio(true, "true_cl", "fte_days_lost", "fte_days_available")) - (-0.105)) < 0.06


def test_team_morale_rises_with_compassionate_leadership(team_scores):
    for wave, rows in team_scores.dropna(subset=["compassionate_leadership", "morale"]).groupby("wave"):
        r = np.corrcoef(rows["compassionate_leadership"], rows["morale"])[0, 1]
        slope = np.polyfit(rows["compassionate_leadership"], rows["morale"], 1)[0]
        assert r > 0.6, wave
        assert 0.25 <= slope <= 0.65, wave   # planted about 0.45 per point


def test_team_means_track_the_true_scores(team_scores, planted):
    for wave, rows in team_scores.groupby("wave"):
        truth = planted.loc[rows["unit"], f"True compassionate leadership {wave}"].to_numpy()
        assert np.corrcoef(rows["compassionate_leadership"], truth)[0, 1] > 0.85
        assert abs(float(np.mean(rows["compassionate_leadership"] - truth))) < 0.15


def test_improving_and_declining_teams_move_as_planted(team_scores):
    wide = team_scores.pivot_table(index="unit", columns="wave", values="compassionate_leadership")
    change = wide["2025"] - wide["2023"]
    improving = [t for t, (_, a, b) in gen.TRAJECTORIES.items() if a + b > 0]
    declining = [t for t, (_, a, b) in gen.TRAJECTORIES.items() if a + b < 0]
    assert len(improving) == 6 and len(declining) == 6
    assert (change[improving] > 0).all()
    assert (change[declining] < 0).all()
    assert change[improving].mean() > 0.6
    assert change[declining].mean() < -0.6

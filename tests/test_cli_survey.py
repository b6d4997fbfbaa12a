"""The survey pipeline end to end through the command line (``python -m analytics validate|score``).

Expected values are hand arithmetic on a small file: 4 teams in 2 directorates, all four
compassionate-leadership items answered with the same code by each respondent, so a respondent's score
is (code - 1) / 4 * 10.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from cli import main

ROOT = Path(__file__).resolve().parent.parent

# team -> (directorate, codes of its respondents)
TEAMS = {
    "Ward A": ("Medicine", [5, 4, 3, 4, 5]),
    "Ward B": ("Medicine", [2, 1, 2, 3, 2, 1]),
    "Clinic C": ("Surgery", [4, 4]),
    "Clinic D": ("Surgery", [3, 3, 3, 3, 3, 3, 3]),
}
AGREEMENT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


def _write_codes_csv(path: Path) -> Path:
    lines = ["Directorate,Team,Q9f,Q9g,Q9h,Q9i"]
    for team, (directorate, codes) in TEAMS.items():
        lines += [f"{directorate},{team},{c},{c},{c},{c}" for c in codes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write_wording_xlsx(path: Path) -> Path:
    """The same answers as text labels, question text as headers, a title row and a cover sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    cover = wb.active
    cover.title = "About"
    cover.append(["Staff survey export"])
    cover.append(["Generated for testing"])
    sheet = wb.create_sheet("Responses")
    sheet.append(["Local staff survey 2024 - all responses"])
    sheet.append([])
    stem = "To what extent do you agree or disagree with the following statements about your immediate manager? - "
    sheet.append(["Ward / team", "Directorate",
                  stem + "My immediate manager works together with me to come to an understanding of problems.",
                  stem + "My immediate manager is interested in listening to me when I describe challenges I face.",
                  stem + "My immediate manager cares about my concerns.",
                  stem + "My immediate manager takes effective action to help me with any problems I face."])
    for team, (directorate, codes) in TEAMS.items():
        for c in codes:
            label = AGREEMENT[c - 1]
            sheet.append([team, directorate, label.upper(), f" {label} ", label.lower(), label])
    wb.save(path)
    return path


def _score(tmp_path: Path, *files: Path, extra: list[str] | None = None) -> pd.DataFrame:
    out = tmp_path / "scores.csv"
    code = main(["score", *map(str, files), "--min-group", "5", "--out", str(out), *(extra or [])])
    assert code == 0
    return pd.read_csv(out)


def _row(table: pd.DataFrame, level: str, unit: str, measure: str = "compassionate_leadership") -> pd.Series:
    hit = table[(table["level"] == level) & (table["unit"] == unit) & (table["measure"] == measure)]
    assert len(hit) == 1, (level, unit, measure)
    return hit.iloc[0]


def test_score_gives_hand_computed_team_results(tmp_path):
    table = _score(tmp_path, _write_codes_csv(tmp_path / "survey_2025.csv"))
    assert list(table.columns) == ["wave", "level", "unit", "measure", "n", "mean", "ci_low", "ci_high",
                                   "pct_positive", "suppressed"]
    ward_a = _row(table, "team", "Ward A")
    scores = [10, 7.5, 5, 7.5, 10]
    assert ward_a["wave"] == 2025
    assert ward_a["n"] == 5
    assert ward_a["mean"] == pytest.approx(40 / 5)
    low, high = stats.t.interval(0.95, 4, loc=8.0, scale=stats.tstd(scores) / 5**0.5)
    assert (ward_a["ci_low"], ward_a["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert ward_a["pct_positive"] == pytest.approx(100 * 4 / 5)  # codes 4 and 5 are favourable
    ward_b = _row(table, "team", "Ward B")
    assert ward_b["mean"] == pytest.approx((2.5 + 0 + 2.5 + 5 + 2.5 + 0) / 6)
    assert ward_b["pct_positive"] == 0
    organisation = _row(table, "organisation", "Organisation")
    assert organisation["n"] == 20
    assert organisation["mean"] == pytest.approx((40 + 12.5 + 2 * 7.5 + 7 * 5) / 20)
    medicine = _row(table, "directorate", "Medicine")
    assert medicine["mean"] == pytest.approx((40 + 12.5) / 11)


def test_small_team_and_its_complement_are_suppressed(tmp_path):
    table = _score(tmp_path, _write_codes_csv(tmp_path / "survey_2025.csv"))
    clinic_c = _row(table, "team", "Clinic C")  # 2 responses < 5
    clinic_d = _row(table, "team", "Clinic D")  # would reveal Clinic C by subtraction from Surgery
    for row in (clinic_c, clinic_d):
        assert bool(row["suppressed"]) is True
        assert pd.isna(row["n"]) and pd.isna(row["mean"]) and pd.isna(row["ci_low"]) and pd.isna(row["ci_high"])
    assert bool(_row(table, "directorate", "Surgery")["suppressed"]) is False


def test_text_labels_and_question_wording_give_the_same_scores(tmp_path):
    codes = _score(tmp_path, _write_codes_csv(tmp_path / "survey_2025.csv"))
    wording = _score(tmp_path, _write_wording_xlsx(tmp_path / "survey_2024.xlsx"))
    assert set(wording["wave"]) == {2024}
    merged = codes.merge(wording, on=["level", "unit", "measure"], suffixes=("_codes", "_text"))
    assert len(merged) == len(codes)
    pd.testing.assert_series_equal(merged["mean_codes"], merged["mean_text"], check_names=False)
    pd.testing.assert_series_equal(merged["suppressed_codes"], merged["suppressed_text"], check_names=False)


def test_several_waves_and_xlsx_output(tmp_path):
    out = tmp_path / "scores.xlsx"
    code = main(["score", str(_write_codes_csv(tmp_path / "survey_2025.csv")),
                 str(_write_wording_xlsx(tmp_path / "survey_2024.xlsx")), "--min-group", "5", "--out", str(out)])
    assert code == 0
    table = pd.read_excel(out, engine="calamine")
    assert sorted(table["wave"].unique()) == [2024, 2025]


def test_saved_mapping_round_trip_is_applied(tmp_path):
    from analytics.ingest.mapping import detect_mapping
    from analytics.ingest.codebook import load_codebook
    from analytics.ingest.io import read_table

    source = _write_codes_csv(tmp_path / "survey_2025.csv")
    mapping = detect_mapping(read_table(source), load_codebook())
    mapping.save(tmp_path / "preset.json")
    with_preset = _score(tmp_path, source, extra=["--mapping", str(tmp_path / "preset.json")])
    pd.testing.assert_frame_equal(with_preset, _score(tmp_path, source))


def test_validate_prints_what_was_recognised(tmp_path, capsys):
    code = main(["validate", str(_write_codes_csv(tmp_path / "survey_2025.csv"))])
    out = capsys.readouterr().out
    assert code == 0
    assert "Respondents: 20" in out
    assert "Teams: 4" in out
    assert "Compassionate leadership: 4 of 4" in out


def test_team_column_named_by_any_header_text(tmp_path):
    table = _score(tmp_path, _write_wording_xlsx(tmp_path / "survey_2024.xlsx"), extra=["--team-col", "ward / TEAM"])
    assert "Ward A" in set(table["unit"])


@pytest.mark.parametrize("argv, message", [
    (["score", "{missing}", "--out", "{out}"], "does not exist"),
    (["score", "{csv}", "--min-group", "3", "--out", "{out}"], "below 5"),
    (["score", "{csv}", "--out", "{tmp}/scores.txt"], r"\.csv or \.xlsx"),
    (["score", "{csv}", "--team-col", "Unit name", "--out", "{out}"], "no team column called 'Unit name'"),
    (["validate", "{notxlsx}"], "not an Excel workbook"),
    (["score", "{nowave}", "--out", "{out}"], "wave"),
])
def test_user_errors_exit_2_with_one_line(tmp_path, capsys, argv, message):
    csv = _write_codes_csv(tmp_path / "survey_2025.csv")
    (tmp_path / "renamed.xlsx").write_text("Team,Q9f\nA,4\n", encoding="utf-8")
    nowave = tmp_path / "survey.csv"
    nowave.write_text(csv.read_text(encoding="utf-8"), encoding="utf-8")
    values = {"missing": str(tmp_path / "nope.csv"), "out": str(tmp_path / "out.csv"), "csv": str(csv),
              "tmp": str(tmp_path), "notxlsx": str(tmp_path / "renamed.xlsx"), "nowave": str(nowave)}
    code = main([a.format(**values) for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert re.search(message, err)


def test_module_entry_point_runs(tmp_path):
    source = _write_codes_csv(tmp_path / "survey_2025.csv")
    done = subprocess.run([sys.executable, "-m", "analytics", "validate", str(source)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    bad = subprocess.run([sys.executable, "-m", "analytics", "validate", str(tmp_path / "missing.csv")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def _write_unit_level_csv(path: Path) -> Path:
    path.write_text(
        "Organisation name,Responses,Compassionate leadership,Morale,Q9f % positive\n"
        "Trust A,\"1,234\",7.12,6.05,63%\n"
        "Trust B,8,6.9,5.5,58.4 %\n"
        "Trust C,650,*,6.1,61%\n"
        "Trust D,,7.0,6.0,60%\n", encoding="utf-8")
    return path


def test_unit_level_results_are_read_and_suppressed(tmp_path):
    table = _score(tmp_path, _write_unit_level_csv(tmp_path / "benchmark_2025.csv"))
    assert set(table["level"]) == {"organisation"}
    trust_a = _row(table, "organisation", "Trust A")
    assert (trust_a["n"], trust_a["mean"]) == (1234, 7.12)
    assert _row(table, "organisation", "Trust A", "q9f")["pct_positive"] == 63.0
    assert _row(table, "organisation", "Trust A", "morale")["mean"] == 6.05
    # A suppression marker is missing, never zero.
    assert pd.isna(_row(table, "organisation", "Trust C")["mean"])
    # Trust B's 8 responses pass a threshold of 5 but not the default of 11.
    assert _row(table, "organisation", "Trust B")["mean"] == 6.9
    default = tmp_path / "default.csv"
    assert main(["score", str(tmp_path / "benchmark_2025.csv"), "--out", str(default)]) == 0
    table11 = pd.read_csv(default)
    trust_b = _row(table11, "organisation", "Trust B")
    assert bool(trust_b["suppressed"]) and pd.isna(trust_b["mean"]) and pd.isna(trust_b["n"])
    # An unknown response count cannot be checked against the threshold: suppressed.
    trust_d = _row(table11, "organisation", "Trust D")
    assert bool(trust_d["suppressed"]) and pd.isna(trust_d["mean"])


def test_validate_describes_unit_level_results(tmp_path, capsys):
    code = main(["validate", str(_write_unit_level_csv(tmp_path / "benchmark_2025.csv"))])
    out = capsys.readouterr().out
    assert code == 0
    assert "unit-level results" in out
    assert "Q9f % positive -> q9f" in out


def test_an_edited_codebook_file_is_used(tmp_path, capsys):
    """A user's codebook (here: a copy whose compassionate-leadership measure keeps only q9f and q9g)."""
    import json

    from analytics.ingest.codebook import load_codebook

    data = load_codebook().to_dict()
    data["id"] = "local_2025"
    for measure in data["measures"]:
        if measure["id"] == "compassionate_leadership":
            measure["items"] = ["q9f", "q9g"]
    path = tmp_path / "local_2025.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    source = _write_codes_csv(tmp_path / "survey_2025.csv")
    assert main(["validate", str(source), "--codebook", str(path)]) == 0
    assert "Compassionate leadership: 2 of 2" in capsys.readouterr().out
    table = _score(tmp_path, source, extra=["--codebook", str(path)])
    # Every respondent answered q9f..q9i alike, so the two-item mean equals the four-item one.
    assert _row(table, "team", "Ward A")["mean"] == pytest.approx(40 / 5)
    assert main(["score", str(source), "--codebook", str(tmp_path / "missing.json"), "--out",
                 str(tmp_path / "x.csv")]) == 2


def test_a_team_name_in_two_directorates_is_told_apart(tmp_path):
    lines = ["Directorate,Team,Q9f,Q9g,Q9h,Q9i"]
    lines += [f"Medicine,Admin,{c},{c},{c},{c}" for c in [5] * 6]
    lines += [f"Surgery,Admin,{c},{c},{c},{c}" for c in [1] * 6]
    source = tmp_path / "survey_2025.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = _score(tmp_path, source)
    assert _row(table, "team", "Admin (Medicine)")["mean"] == 10
    assert _row(table, "team", "Admin (Surgery)")["mean"] == 0


def test_large_csv_read_in_two_passes_gives_the_same_scores(tmp_path, monkeypatch):
    from analytics import settings
    from analytics.survey.pipeline import SurveySource, recognise_file, score_recognised

    source = _write_codes_csv(tmp_path / "survey_2025.csv")
    with_one_pass = _score(tmp_path, source)
    monkeypatch.setattr(settings, "LARGE_CSV_BYTES", 10)  # every file is "large" now
    recognised = recognise_file(SurveySource.from_path(source))
    assert any("Header only" in note for note in recognised.raw.notes)  # a preview, not the whole file
    assert len(score_recognised(recognised).respondents) == 20
    pd.testing.assert_frame_equal(_score(tmp_path, source), with_one_pass)


# --------------------------------------------------------------------------------------------------
# A local pulse survey (tests/pulse_fixtures.py): its own questions, "Neutral" answers, no mapping file
# --------------------------------------------------------------------------------------------------
def _pulse(tmp_path: Path) -> Path:
    from pulse_fixtures import pulse_csv

    path = tmp_path / "staff_pulse_2025.csv"
    path.write_bytes(pulse_csv())
    return path


def test_local_measure_option_scores_a_pulse_survey_with_neutral_as_the_midpoint(tmp_path):
    from pulse_fixtures import DEPT_A_SCORE, DEPT_B_SCORE, ORGANISATION_SCORE, SCORE_WITHOUT_NEUTRAL

    table = _score(tmp_path, _pulse(tmp_path), extra=["--local-measure", "Team pulse=Q1,Q2,Q3,Q4"])
    org = _row(table, "organisation", table[table["level"] == "organisation"]["unit"].iloc[0], "team_pulse")
    assert org["mean"] == pytest.approx(ORGANISATION_SCORE, abs=1e-6)   # 6.3194, Neutral = 5.0
    assert org["mean"] != pytest.approx(SCORE_WITHOUT_NEUTRAL, abs=1e-3)  # 6.7361 if Neutral were dropped
    assert _row(table, "team", "Department A", "team_pulse")["mean"] == pytest.approx(DEPT_A_SCORE, abs=1e-6)
    assert _row(table, "team", "Department B", "team_pulse")["mean"] == pytest.approx(DEPT_B_SCORE, abs=1e-6)


def test_local_measure_reverse_keyed_column(tmp_path):
    # Q3 reverse-keyed: Department A's Strongly agree scores 0, so its respondents (7.5 + 5 + 0 + 7.5) / 4
    table = _score(tmp_path, _pulse(tmp_path), extra=["--local-measure", "Team pulse=Q1,Q2,Q3,Q4;reverse=Q3"])
    assert _row(table, "team", "Department A", "team_pulse")["mean"] == pytest.approx(20 / 4, abs=1e-6)


def test_validate_pulse_without_and_with_a_local_measure(tmp_path, capsys):
    pulse = _pulse(tmp_path)
    assert main(["validate", str(pulse)]) == 2
    err = capsys.readouterr().err
    assert "--local-measure" in err and "--codebook" in err
    assert main(["validate", str(pulse), "--local-measure", "Team pulse=Q1,Q2,Q3,Q4"]) == 0
    out = capsys.readouterr().out
    assert "Team pulse" in out and "unknown_label" not in out


def test_bad_local_measure_text_is_an_input_error(tmp_path, capsys):
    assert main(["validate", str(_pulse(tmp_path)), "--local-measure", "Q1,Q2"]) == 2
    assert "NAME=COL" in capsys.readouterr().err


def test_local_measure_on_report_and_relate(tmp_path, capsys):
    import datetime as dt

    pulse = _pulse(tmp_path)
    out = tmp_path / "scorecards.xlsx"
    assert main(["report", "--survey", str(pulse), "--local-measure", "Team pulse=Q1,Q2,Q3,Q4", "--min-group", "5",
                 "--out", str(out)]) == 0
    teams = pd.read_excel(out, sheet_name="Teams", header=None, engine="openpyxl").astype(str)
    assert teams.apply(lambda col: col.str.contains("Team pulse")).any().any()
    hr = tmp_path / "hr.csv"
    lines = ["Month,Team,Staff in post,Leavers,FTE days lost,FTE days available"]
    for month in range(1, 13):
        day = dt.date(2026 if month < 4 else 2025, month, 1)  # the 2025 wave's window: April 2025 - March 2026
        lines += [f"{day},Department A,20,{1 if month == 6 else 0},24,600",
                  f"{day},Department B,20,{2 if month == 6 else 0},30,600"]
    hr.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["relate", "--survey", str(pulse), "--hr", str(hr), "--local-measure", "Team pulse=Q1,Q2,Q3,Q4",
                 "--x", "team_pulse", "--y", "leaver_rate", "--min-group", "5", "--out", str(tmp_path / "r.csv")])
    assert code == 0, capsys.readouterr().err
    result = pd.read_csv(tmp_path / "r.csv", encoding="utf-8-sig")
    assert set(result["x"]) == {"team_pulse"} and int(result["n"].iloc[0]) == 2


def test_codebook_and_mapping_files_on_score(tmp_path):
    """--codebook FILE.json and --mapping FILE.json: a copy of the shipped codebook and the mapping the
    pulse's local measure makes give the same scores as --local-measure."""
    import json

    from analytics.ingest.codebook import load_codebook
    from analytics.ingest.io import read_table
    from analytics.ingest.mapping import add_custom_measure, detect_mapping
    from pulse_fixtures import ORGANISATION_SCORE, pulse_csv

    book = tmp_path / "codebook.json"
    book.write_text(json.dumps(load_codebook().to_dict()), encoding="utf-8")
    raw = read_table(pulse_csv(), "staff_pulse_2025.csv")
    mapping = add_custom_measure(detect_mapping(raw, load_codebook(), require_items=False), raw, "Team pulse",
                                 ["Q1", "Q2", "Q3", "Q4"], "auto", codebook=load_codebook())
    mapping_file = tmp_path / "mapping.json"
    mapping.save(mapping_file)
    table = _score(tmp_path, _pulse(tmp_path), extra=["--mapping", str(mapping_file), "--codebook", str(book)])
    org = table[(table["level"] == "organisation") & (table["measure"] == "team_pulse")]["mean"].item()
    assert org == pytest.approx(ORGANISATION_SCORE, abs=1e-6)

"""``python -m analytics report``: board pack (HTML, PDF) and team scorecards (XLSX), and its refusals (exit 2)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cli import main
from tests.report_helpers import hand_score, survey_csv, team_month_csv, without_plotly_bundle
from analytics import format as fmt
from render import pack as pack_render

ROOT = Path(__file__).resolve().parent.parent
TEAMS = {
    "Ward A": ("Medicine", [5, 4, 3, 4, 5, 4]),
    "Ward B": ("Medicine", [2, 1, 2, 3, 2, 1, 2]),
    "Clinic C": ("Surgery", [4, 4]),
    "Clinic D": ("Surgery", [3, 3, 3, 3, 3, 3, 3]),
    "Clinic E": ("Surgery", [4, 5, 4, 5, 4, 5]),
}
CODES = [c for _, codes in TEAMS.values() for c in codes]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report")
    survey = folder / "survey_2025.csv"
    survey.write_bytes(survey_csv(TEAMS, "2025"))
    hr = folder / "hr_team_month.csv"
    months = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
    hr.write_bytes(team_month_csv({t: (d, 10, 1, 2.0, 300.0) for t, (d, _) in TEAMS.items()}, months))
    return {"survey": survey, "hr": hr, "folder": folder}


def run(*args: str) -> int:
    return main(["report", *args])


def test_html_board_pack(files, tmp_path, capsys):
    out = tmp_path / "board.html"
    assert run("--survey", str(files["survey"]), "--hr", str(files["hr"]), "--min-group", "5", "--out", str(out)) == 0
    document = out.read_text(encoding="utf-8")
    assert "Wrote the board pack for wave 2025 (anonymity threshold 5)" in capsys.readouterr().err
    assert fmt.format_score(hand_score(CODES)) in document
    assert "Anonymity threshold: 5 responses" in document
    assert "Clinic C" not in without_plotly_bundle(document)  # 2 responses: suppressed


def test_scorecards_workbook(files, tmp_path):
    out = tmp_path / "scorecards.xlsx"
    assert run("--survey", str(files["survey"]), "--min-group", "5", "--out", str(out)) == 0
    book = load_workbook(io.BytesIO(out.read_bytes()))
    assert book.sheetnames[:6] == ["README", "Contents", "Organisation", "Directorates", "Teams", "Questions"]
    rows = list(book["Teams"].iter_rows(values_only=True))
    by_team = {row[2]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert by_team["Ward A"]["Compassionate leadership: score"] == pytest.approx(hand_score(TEAMS["Ward A"][1]))
    # A hidden figure is an empty cell; its status column says why.
    assert by_team["Clinic C"]["Compassionate leadership: score"] is None
    assert by_team["Clinic C"]["Compassionate leadership: status"] == "fewer than 5 responses"
    readme = " ".join(str(v) for row in book["README"].iter_rows(values_only=True) for v in row if v)
    assert "survey_2025.csv" in readme and "Anonymity threshold: 5 responses" in readme


def test_scorecards_for_one_directorate(files, tmp_path):
    out = tmp_path / "medicine.xlsx"
    assert run("--survey", str(files["survey"]), "--min-group", "5", "--directorate", "Medicine",
               "--out", str(out)) == 0
    teams = [row[2] for row in load_workbook(out)["Teams"].iter_rows(min_row=2, values_only=True)]
    assert teams == ["Ward A", "Ward B"]


@pytest.mark.skipif(pack_render.chromium_path() is None or shutil.which("pdftotext") is None,
                    reason="PDF needs Chromium (apt-get install chromium) and pdftotext (poppler-utils)")
def test_pdf_board_pack(files, tmp_path):
    out = tmp_path / "board.pdf"
    assert run("--survey", str(files["survey"]), "--hr", str(files["hr"]), "--min-group", "5", "--out", str(out)) == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", " ", text)
    assert "Headline measures" in flat and "Data sources and dates" in flat


def test_doctors_in_training_left_out_unless_included(files, tmp_path):
    from analytics.report.pack import DOCTORS_IN_TRAINING_CAVEAT
    from tests.report_helpers import staff_csv

    staff = tmp_path / "staff.csv"
    staff.write_bytes(staff_csv({t: (d, 12) for t, (d, _) in TEAMS.items()}, doctors_in_training={"Ward A": 4}))
    documents = {}
    for flag in ([], ["--include-doctors-in-training"]):
        out = tmp_path / f"board{len(flag)}.html"
        assert run("--survey", str(files["survey"]), "--hr", str(staff), "--min-group", "5", *flag,
                   "--out", str(out)) == 0
        documents[bool(flag)] = without_plotly_bundle(out.read_text(encoding="utf-8"))
    assert "doctors in training, who rotate between employers" in documents[False]
    assert DOCTORS_IN_TRAINING_CAVEAT not in documents[False]
    assert DOCTORS_IN_TRAINING_CAVEAT in documents[True]


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "{tmp}/board.docx"], r"must end in \.html or \.pdf \(board pack\) or \.xlsx"),
    (["--out", "{tmp}/missing/board.html"], "folder for the output file does not exist"),
    (["--min-group", "4", "--out", "{tmp}/board.html"], "cannot be below 5 responses"),
    (["--absence", "{survey}", "--out", "{tmp}/board.html"], "--absence needs the staff file"),
    (["--wave", "2019", "--out", "{tmp}/board.html"], "There is no wave '2019'"),
    (["--hr", "{tmp}/nothing.csv", "--out", "{tmp}/board.html"], "The file does not exist"),
])
def test_user_errors_exit_2_with_one_line(files, tmp_path, capsys, args, message):
    filled = [a.format(tmp=tmp_path, survey=files["survey"]) for a in args]
    assert run("--survey", str(files["survey"]), *filled) == 2
    err = capsys.readouterr().err
    assert re.search(message, err) and err.startswith("error: ") and err.count("\n") == 1


def test_missing_survey_file_exits_2(tmp_path, capsys):
    assert run("--survey", str(tmp_path / "none.csv"), "--out", str(tmp_path / "b.html")) == 2
    assert "The file does not exist" in capsys.readouterr().err


def test_pdf_without_chromium_exits_2_and_points_to_html(files, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(pack_render, "chromium_path", lambda: None)
    assert run("--survey", str(files["survey"]), "--out", str(tmp_path / "board.pdf")) == 2
    err = capsys.readouterr().err
    assert "Chromium" in err and "HTML board pack works without it" in err
    assert not (tmp_path / "board.pdf").exists()


def test_command_line_process_and_plotly_free_import(files, tmp_path):
    done = subprocess.run([sys.executable, "-m", "analytics", "report", "--survey", str(files["survey"]),
                           "--out", str(tmp_path / "x.txt")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    probe = subprocess.run([sys.executable, "-c", "import sys, cli, analytics.report.pack, analytics.report.scorecards; "
                            "cli.build_parser(); print('plotly' in sys.modules, 'streamlit' in sys.modules)"],
                           cwd=ROOT, capture_output=True, text=True, check=True)
    assert probe.stdout.split() == ["False", "False"]
    helped = subprocess.run([sys.executable, "-m", "analytics", "report", "--help"], cwd=ROOT, capture_output=True,
                            text=True)
    assert helped.returncode == 0 and "scorecards.xlsx" in helped.stdout

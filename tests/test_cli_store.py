"""The store commands (cli/store.py) and ``report --store`` on SQLite and PostgreSQL: what they print, and user
mistakes giving one line on stderr with exit status 2 (no traceback)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_publish_waves_withdraw_delete_and_audit(store_url, capsys, tmp_path):
    code, out, err = _run(capsys, "waves", "--store", store_url)
    assert (code, out) == (0, "") and "No wave is published yet" in err
    code, _, err = _run(capsys, "publish", "--survey", str(SAMPLE / "survey_2023.csv"), str(SAMPLE / "survey_2025.csv"),
                        "--min-group", "12", "--as", "Lead@Trust.nhs.uk", "--store", store_url)
    assert code == 0
    assert "Published wave 2023 as version 1 (anonymity threshold 12)" in err
    code, out, _ = _run(capsys, "waves", "--store", store_url)
    rows = _rows(out)
    assert [(r["wave"], r["version"], r["status"], r["k"], r["published_by"]) for r in rows] == [
        ("2023", "1", "published", "12", "lead@trust.nhs.uk"), ("2025", "1", "published", "12", "lead@trust.nhs.uk")]
    assert [r["respondents"] for r in rows] == ["2311", "2335"]  # the sample's respondents (sample_data/README)
    assert _run(capsys, "withdraw", "--wave", "2023", "--store", store_url)[0] == 0
    assert _run(capsys, "delete", "--wave", "2025", "--store", store_url)[0] == 0
    _, out, _ = _run(capsys, "waves", "--store", store_url)
    assert [(r["wave"], r["status"]) for r in _rows(out)] == [("2023", "withdrawn")]
    target = tmp_path / "audit.csv"
    code, _, err = _run(capsys, "audit", "--out", str(target), "--store", store_url)
    assert code == 0 and "4 audit entries" in err
    actions = [r["action"] for r in csv.DictReader(target.open(encoding="utf-8"))]
    assert actions == ["wave published", "wave published", "wave withdrawn", "wave deleted"]


def test_users_add_list_role_remove(store_url, capsys):
    assert _run(capsys, "users", "add", "First@Trust.nhs.uk", "--role", "admin", "--store", store_url)[0] == 0
    assert _run(capsys, "users", "add", "m@trust.nhs.uk", "--role", "manager", "--directorate", "Medicine",
                "Surgery and Theatres", "--store", store_url)[0] == 0
    assert _run(capsys, "users", "role", "m@trust.nhs.uk", "--role", "board", "--store", store_url)[0] == 0
    _, out, _ = _run(capsys, "users", "list", "--store", store_url)
    assert [(r["email"], r["role"]) for r in _rows(out)] == [("first@trust.nhs.uk", "admin"), ("m@trust.nhs.uk", "board")]
    assert _run(capsys, "users", "remove", "M@trust.nhs.uk", "--store", store_url)[0] == 0
    _, out, _ = _run(capsys, "audit", "--store", store_url)
    assert [r["action"] for r in _rows(out)] == ["user added", "user added", "role changed", "user removed"]


@pytest.mark.parametrize("argv, message", [
    (["users", "add", "a@b.org", "--role", "boss"], "role 'boss' does not exist"),
    (["users", "remove", "ghost@b.org"], "no user ghost@b.org"),
    (["withdraw", "--wave", "1999"], "no published wave '1999'"),
    (["delete", "--wave", "1999"], "no published wave '1999'"),
    (["publish", "--survey", str(SAMPLE / "survey_2023.csv"), "--min-group", "4"], "cannot be below 5"),
    (["report", "--wave", "2023", "--out", "board.html"], "No wave is published yet"),
])
def test_user_mistakes_exit_2_with_one_line(store_url, capsys, argv, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, *argv, "--store", store_url)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_an_unreachable_store_exits_2(capsys):
    code, _, err = _run(capsys, "waves", "--store", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert code == 2 and err.startswith("error: The store at postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert err.count("\n") == 1


def _sheets(path: Path) -> dict[str, list[tuple]]:
    book = load_workbook(path, read_only=True)
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames if name != "README"}


def test_report_from_the_store_equals_the_report_from_the_files(store_url, capsys, tmp_path):
    surveys = [str(SAMPLE / "survey_2023.csv"), str(SAMPLE / "survey_2025.csv")]
    assert _run(capsys, "publish", "--survey", *surveys, "--store", store_url)[0] == 0
    from_files, from_store = tmp_path / "files.xlsx", tmp_path / "store.xlsx"
    assert _run(capsys, "report", "--survey", *surveys, "--out", str(from_files))[0] == 0
    code, _, err = _run(capsys, "report", "--store", store_url, "--out", str(from_store))
    assert code == 0 and "anonymity threshold 11" in err
    assert _sheets(from_store) == _sheets(from_files)
    code, _, err = _run(capsys, "report", "--store", store_url, "--wave", "2024", "--out", str(from_store))
    assert code == 2 and "Wave 2024 is not published in this store; published: 2023, 2025." in err
    code, _, err = _run(capsys, "report", "--store", store_url, "--min-group", "7", "--out", str(from_store))
    assert code == 2 and "published with an anonymity threshold of 11; it cannot be lowered" in err

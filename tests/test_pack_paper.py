"""The board pack as an NHS board paper: cover, executive summary, plain-English body with the statistics in
Annex A, the cover options of the command line, browser discovery for the PDF, and (marked ``browser``) the
printed PDF rendered to PNG pages that are checked and saved to ``screenshots/pack/`` for reviewers.

Expected sentences are written by hand from the rules in :mod:`analytics.report.pack_cover`; browser discovery
runs against a fake PATH and file system.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.dataset import load_dataset
from analytics.report import pack_cover
from analytics.report.pack import ANNEX_KEYS, SECTION_TITLES, PaperDetails, Table, build_board_pack
from analytics.report.pack_relationships import r_in_words
from analytics.report.pack_survey import plain_statement, why_listed
from cli import main
from render import browser
from render import pack as pack_render
from tests.report_helpers import spec_from, survey_csv, team_month_csv, without_plotly_bundle

ROOT = Path(__file__).resolve().parent.parent
GENERATED = dt.datetime(2026, 3, 1, 9, 0)
_rng = np.random.default_rng(14)
TEAMS = {f"Team {i}": ("North" if i < 5 else "South", list(_rng.integers(1, 6, 12 + i))) for i in range(10)}
MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
#: Words naming a statistic or a test: none may appear in the body (only in Annex A).
JARGON = ("Cohen", "Welch", "quasi-Poisson", "Poisson", "Benjamini", "Pearson", "Spearman", "rho", "p = ", "p < ",
          "adjusted p", "t-test")


@pytest.fixture(scope="module")
def dataset():
    spec = spec_from([("survey_2024.csv", survey_csv(TEAMS, "2024")), ("survey_2025.csv", survey_csv(TEAMS, "2025"))],
                     hr=("hr.csv", team_month_csv({t: (d, 20, i % 3, 1.0 + i, 600.0)
                                                   for i, (t, (d, _)) in enumerate(TEAMS.items())}, MONTHS)))
    return load_dataset(spec, min_group_size=5)


@pytest.fixture(scope="module")
def pack(dataset):
    return build_board_pack(dataset, generated_at=GENERATED,
                            paper=PaperDetails(meeting="Trust Board, 12 March 2026", owner="Director of People"))


def _body_words(pack) -> str:
    """Every word of the body (cover and sections before the annexes), table headings and captions included."""
    words = [*pack.cover.summary, *pack.cover.asks, pack.cover.purpose]
    for section in pack.sections:
        if section.key in ANNEX_KEYS:
            continue
        for block in section.blocks:
            if isinstance(block, Table):
                words.extend([block.title, block.caption, *(c.label for c in block.columns)])
            elif hasattr(block, "items"):
                words.extend(block.items)
            else:
                words.extend([getattr(block, "text", ""), getattr(block, "title", ""), getattr(block, "caption", "")])
    return " ".join(words)


# --- modules -----------------------------------------------------------------------------------------------
def test_pack_modules_are_small():
    for path in sorted((ROOT / "analytics" / "report").glob("pack*.py")):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 500, path.name


# --- cover and summary -------------------------------------------------------------------------------------
def test_cover_holds_the_paper_details(pack):
    cover = pack.cover
    assert cover.meeting == "Trust Board, 12 March 2026" and cover.owner == "Director of People"
    assert cover.author == "" and cover.paper_date == GENERATED.date()
    assert 1 <= len(cover.summary) <= pack_cover.MAX_SUMMARY_SENTENCES
    assert all(s.endswith(".") and s[0].isupper() for s in cover.summary)
    assert cover.asks[0] == "Note the RAG position of the headline measures (Table 1)."
    assert any(a.startswith("Decide whether the local RAG thresholds (Table 2)") for a in cover.asks)
    assert cover.sources[0] == "Staff survey: 2 files, waves 2024, 2025."


def test_cover_is_first_and_blank_fields_are_to_fill_in(pack):
    document = without_plotly_bundle(pack_render.render_html(pack))
    body = document[document.index("<body>"):]
    assert body.index('class="cover"') < body.index("<h2>")
    assert "Trust Board, 12 March 2026" in body and "01 March 2026" in body
    assert re.search(r"<th>Author</th><td><span class=\"fill\">to be completed</span>", body)
    assert 'counter(page)' in document and 'counter(pages)' in document  # page numbers in print
    assert 'nav class="contents"' in body
    for title in SECTION_TITLES.values():
        assert f'">{title}</a>' in body  # the contents list every section


def test_rag_summary_is_a_table_not_a_list(pack):
    summary = pack.section("summary")
    table = next(b for b in summary.blocks if isinstance(b, Table))
    assert table.ref == "Table 1" and [c.label for c in table.columns][-2:] == ["RAG", "n"]
    assert list(table.frame["ref"]) == ["H1", "H2", "H3", "H4", "H5", "H6"]


def test_rag_sentence_worst_first():
    headline = pd.DataFrame({"label": ["Compassionate leadership", "Morale", "Leaver rate", "Responses"],
                             "rag": ["Green", "Red", "Amber", "Not rated"]})
    assert pack_cover.rag_sentence(headline) == ("RAG position: morale is red; leaver rate is amber; "
                                                 "compassionate leadership is green.")


def test_change_sentence():
    headline = pd.DataFrame({"label": ["Morale", "Leaver rate"], "kind": ["score", "pct"], "value": [6.04, 12.5],
                             "previous": [5.5, 10.0], "change": [0.54, 2.5], "significant": [True, False]})
    assert pack_cover.change_sentence(headline, "2025", "2024") == (
        "Since 2024, morale rose from 5.5 to 6.0: a change unlikely to be chance.")
    assert pack_cover.change_sentence(headline.assign(significant=False), "2025", "2024") == (
        "No headline measure changed since 2024 by more than chance would explain.")
    assert pack_cover.change_sentence(headline, "2025", None) == "There is no survey wave before 2025 to compare with."


def test_relationship_sentence_says_associated_never_causes():
    frame = pd.DataFrame({"x": ["morale", "morale"], "y": ["leaver_rate", "sickness_rate"],
                          "measure_label": ["Morale", "Morale"], "outcome_label": ["Leaver rate", "Sickness absence rate"],
                          "r": [-0.42, -0.61], "clear": [True, False],
                          "in_words": [r_in_words(-0.42, "leaver_rate"), r_in_words(-0.61, "sickness_rate")]})
    sentence = pack_cover.relationship_sentence(frame)
    assert sentence == ("Across teams, a higher morale score is associated with a lower leaver rate (moderate "
                        "association).")
    assert pack_cover.relationship_sentence(frame.assign(clear=False)).startswith("Across teams, no survey measure")


@pytest.mark.parametrize(("r", "outcome", "words"), [
    (0.05, "leaver_rate", "negligible"), (-0.1, "leaver_rate", "weak: higher scores, lower leaver rates"),
    (0.3, "stability_index", "moderate: higher scores, higher stability"),
    (-0.5, "sickness_rate", "strong: higher scores, lower sickness absence rates"), (float("nan"), "x", "not worked out"),
])
def test_r_in_words(r, outcome, words):
    assert r_in_words(r, outcome) == words


def test_short_reasons_and_plain_statements():
    assert why_listed(pd.Series({"high_leaver_rate": True, "high_sickness_rate": True})) == (
        "low leadership score; high leaving; high sickness absence")
    assert plain_statement("x; the change is statistically significant (p < 0.001; effect size d = 0.31, small). "
                           "RAG status: Red.") == "x; the change is unlikely to be chance. RAG status: Red."


# --- plain English -----------------------------------------------------------------------------------------
def test_body_names_no_statistic_and_the_annex_does(pack):
    body = _body_words(pack)
    for word in JARGON:
        assert word not in body, word
    assert not re.search(r"(?<!the )\bcause[sd]\b", body)  # guidance may say "ask what they see as the causes"
    assert "associated with" in body
    annex = " ".join(" ".join([t.title, t.caption, *(c.label for c in t.columns)])
                     for t in pack.section("methods").blocks if isinstance(t, Table))
    methods = " ".join(b.text for b in pack.section("methods").blocks if hasattr(b, "text"))
    for word in ("Cohen", "Welch", "quasi-Poisson", "Benjamini", "Pearson", "Spearman"):
        assert word in annex + methods, word


def test_annexes_come_last(pack):
    keys = [s.key for s in pack.sections]
    assert keys[-3:] == list(ANNEX_KEYS)


# --- command line ------------------------------------------------------------------------------------------
def test_cli_cover_options(tmp_path, capsys):
    survey = tmp_path / "survey_2025.csv"
    survey.write_bytes(survey_csv(TEAMS, "2025"))
    out = tmp_path / "board.html"
    assert main(["report", "--survey", str(survey), "--min-group", "5", "--meeting", "People Committee",
                 "--owner", "Chief People Officer", "--author", "A. Analyst", "--paper-date", "2026-03-12",
                 "--out", str(out)]) == 0
    document = without_plotly_bundle(out.read_text(encoding="utf-8"))
    for text in ("People Committee", "Chief People Officer", "A. Analyst", "12 March 2026"):
        assert text in document, text
    assert main(["report", "--survey", str(survey), "--paper-date", "March 2026", "--out", str(out)]) == 2
    assert "--paper-date 'March 2026' is not a date" in capsys.readouterr().err


# --- browser discovery -------------------------------------------------------------------------------------
def _finder(files=(), on_path=None, **kwargs):
    files = set(files)
    on_path = on_path or {}
    return browser.find_browser(which=on_path.get, is_file=files.__contains__, **kwargs)


def test_browser_on_the_path_in_order():
    path = {"msedge": "/usr/local/bin/msedge", "google-chrome": "/usr/bin/google-chrome"}
    assert _finder(on_path=path, environ={}, platform="linux", home="/home/a") == "/usr/bin/google-chrome"
    assert _finder(on_path={"msedge": "C:/Edge/msedge.exe"}, environ={}, platform="win32", home="C:/Users/a") \
        == "C:/Edge/msedge.exe"


def test_browser_override_wins_when_it_exists():
    environ = {"CHROMIUM_PATH": "/opt/custom/chrome"}
    assert _finder(files={"/opt/custom/chrome"}, on_path={"chromium": "/usr/bin/chromium"}, environ=environ,
                   platform="linux", home="/h") == "/opt/custom/chrome"
    assert _finder(on_path={"chromium": "/usr/bin/chromium"}, environ=environ, platform="linux",
                   home="/h") == "/usr/bin/chromium"  # the override names no file: ignored


def test_browser_in_windows_program_files():
    environ = {"PROGRAMFILES": r"C:\Program Files", "PROGRAMFILES(X86)": r"C:\Program Files (x86)",
               "LOCALAPPDATA": r"C:\Users\ann\AppData\Local"}
    edge = r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"
    assert _finder(files={edge}, environ=environ, platform="win32", home=r"C:\Users\ann") == edge
    chrome = r"C:\Users\ann\AppData\Local\Google\Chrome\Application\chrome.exe"
    assert _finder(files={edge, chrome}, environ=environ, platform="win32", home="x") == edge  # Program Files first
    assert _finder(files={chrome}, environ=environ, platform="win32", home="x") == chrome


def test_browser_in_macos_applications():
    edge = "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"
    assert _finder(files={edge}, environ={}, platform="darwin", home="/Users/ann") == edge
    chromium = "/Users/ann/Applications/Chromium.app/Contents/MacOS/Chromium"
    assert _finder(files={chromium}, environ={}, platform="darwin", home="/Users/ann") == chromium


def test_browser_in_linux_install_places_and_none():
    assert _finder(files={"/snap/bin/chromium"}, environ={}, platform="linux", home="/h") == "/snap/bin/chromium"
    assert _finder(files={"/usr/bin/chromium"}, environ={}, platform="win32", home="/h") is None  # not looked at
    assert _finder(environ={}, platform="darwin", home="/Users/a") is None


def test_no_browser_says_how_to_get_one(pack, monkeypatch):
    monkeypatch.setattr(pack_render, "chromium_path", lambda: None)
    with pytest.raises(Exception) as caught:
        pack_render.render_pdf(pack)
    message = str(caught.value)
    for words in ("Microsoft Edge", "Google Chrome", "apt-get install chromium", "CHROMIUM_PATH",
                  "The HTML board pack works without it"):
        assert words in message, words
    assert "Traceback" not in message


# --- the printed pages (real browser) ------------------------------------------------------------------------
SCREENSHOTS = ROOT / "screenshots" / "pack"
#: Least share of non-white pixels on any page (a page with one sentence and the footer has about 0.5%).
MIN_INK = 0.015


def _sample_pack():
    from cli.report import spec_from_paths
    from analytics.hr import HRExclusions

    data = ROOT / "sample_data"
    spec = spec_from_paths([str(data / "survey_2023.csv"), str(data / "survey_2024.xlsx"),
                            str(data / "survey_2025.csv")], hr=str(data / "hr_staff_esr.csv"),
                           absence=str(data / "hr_absence_esr.csv"))
    dataset = load_dataset(spec, min_group_size=11, exclusions=HRExclusions(doctors_in_training=True))
    return build_board_pack(dataset, generated_at=GENERATED,
                            paper=PaperDetails(meeting="Trust Board, 12 March 2026", owner="Director of People",
                                               author="Head of Organisational Development"))


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").is_file() or shutil.which("pdftoppm") is None
                    or shutil.which("pdftotext") is None,
                    reason="needs Debian chromium (/usr/bin/chromium) and poppler-utils (pdftoppm, pdftotext)")
def test_printed_pages_are_a_board_paper(tmp_path):
    from PIL import Image

    pdf = tmp_path / "board.pdf"
    pdf.write_bytes(pack_render.render_pdf(_sample_pack(), chromium="/usr/bin/chromium"))
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 6 <= len(pages) <= 12, len(pages)
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "Executive summary" in first and "The board is asked to" in first and "Page 1 of" in first
    last = subprocess.run(["pdftotext", "-f", str(len(pages)), "-l", str(len(pages)), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert f"Page {len(pages)} of {len(pages)}" in last
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("page-*.png"):
        old.unlink()
    for number, page in enumerate(pages, start=1):
        image = Image.open(page).convert("L")
        ink = float((np.asarray(image) < 200).mean())
        assert ink > MIN_INK, f"page {number} is nearly empty ({ink:.1%} ink)"
        # Saved with a 64-colour palette: small enough to commit, sharp enough to read.
        Image.open(page).convert("RGB").quantize(colors=64).save(SCREENSHOTS / f"page-{number:02d}.png",
                                                                 optimize=True)

"""Hostile and messy inputs against a clean file of the same content: time and peak memory of reading each
through the survey pipeline, as ratios in the same run (the machines are shared; no absolute limits here).

Cases (each a respondent-level survey of 20,000 rows x 40 questions, made here):

* ``blank lines``: the clean CSV followed by two million blank lines;
* ``NUL padding``: the clean CSV followed by 4 MB of NUL bytes;
* ``stray cell``: the clean XLSX with a notes sheet holding text in A1 and in XFD1048576 (the reader
  would allocate the whole grid: the sheet must be skipped, never opened);
* ``stray space``: the clean XLSX with one space typed in Z1048576 of its response sheet (refused with
  the cell to delete).

Run: ``python bench/bench_hostile.py``. Prints, per case, seconds and peak MB, and their ratios against the
clean file of the same kind; the limits of the issue (5 s, 1 GB) are printed beside them.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
ROWS, QUESTIONS = 20_000, 40
CODES = ["q9f", "q9g", "q9h", "q9i", "q26a", "q26b", "q26c", "q2a", "q2b", "q2c"]

_READ = (
    "import sys; sys.path.insert(0, sys.argv[2]);"
    "from analytics.errors import InputError;"
    "from analytics.survey.pipeline import SurveySource, ColumnOptions, score_survey_files\n"
    "try:\n"
    "    score_survey_files([SurveySource.from_path(sys.argv[1])], ColumnOptions(wave_label='2025'))\n"
    "except InputError as error:\n"
    "    print('refused:', str(error)[:80], file=sys.stderr)\n"
)


def _measure(path: Path) -> tuple[float, float]:
    """Wall seconds and peak MB (VmHWM) of reading ``path`` in a fresh interpreter (imports excluded)."""
    peak = "[int(line.split()[1]) / 1024 for line in open('/proc/self/status') if line.startswith('VmHWM')][0]"
    script = ("import time, sys\nimport pandas, numpy, pyarrow\n"
              f"sys.path.insert(0, {str(ROOT)!r})\nimport analytics.survey.pipeline\n"
              f"t = time.perf_counter()\nexec({_READ!r})\nprint(time.perf_counter() - t, {peak})")
    done = subprocess.run([sys.executable, "-c", script, str(path), str(ROOT)], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    seconds, peak_mb = done.stdout.split()[-2:]
    return float(seconds), float(peak_mb)


def _table(rng: np.random.Generator) -> list[list]:
    header = ["Team"] + [CODES[i % len(CODES)].upper() + ("" if i < len(CODES) else f"_{i}") for i in range(QUESTIONS)]
    rows = [[f"Team {int(t)}"] + rng.integers(1, 6, QUESTIONS).tolist() for t in rng.integers(0, 200, ROWS)]
    return [header, *rows]


def make_files(folder: Path) -> dict[str, Path]:
    import openpyxl

    table = _table(np.random.default_rng(3))
    text = "\n".join(",".join(map(str, r)) for r in table) + "\n"
    paths = {name: folder / name for name in ("clean.csv", "blank_lines.csv", "nul_padding.csv", "clean.xlsx",
                                              "stray_cell.xlsx", "stray_space.xlsx")}
    paths["clean.csv"].write_text(text)
    paths["blank_lines.csv"].write_text(text + "\n" * 2_000_000)
    paths["nul_padding.csv"].write_bytes(text.encode() + b"\x00" * (4 << 20))
    for name, stray in (("clean.xlsx", None), ("stray_cell.xlsx", "notes"), ("stray_space.xlsx", "space")):
        book = openpyxl.Workbook(write_only=True)
        if stray == "notes":
            notes = book.create_sheet("Notes")
            notes.append(["About this export"])
        sheet = book.create_sheet("Responses")
        for row in table:
            sheet.append(row)
        book.save(paths[name])
        if stray:
            # the first sheet: Notes in one file, the only (response) sheet in the other
            _add_far_cell(paths[name], "XFD1048576" if stray == "notes" else "Z1048576")
    return paths


def _add_far_cell(path: Path, cell: str) -> None:
    """Append one far cell to the first sheet's XML (openpyxl's write-only mode cannot address one)."""
    import zipfile

    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info)) for info in source.infolist()]
    part = "xl/worksheets/sheet1.xml"
    row = cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    far = f'<row r="{row}"><c r="{cell}" t="inlineStr"><is><t xml:space="preserve"> x</t></is></c></row>'.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in items:
            if info.filename == part:
                content = content.replace(b"</sheetData>", far + b"</sheetData>")
            target.writestr(info, content)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        paths = make_files(Path(folder))
        base = {"csv": _measure(paths["clean.csv"]), "xlsx": _measure(paths["clean.xlsx"])}
        print(f"clean CSV {base['csv'][0]:.2f} s, {base['csv'][1]:.0f} MB; "
              f"clean XLSX {base['xlsx'][0]:.2f} s, {base['xlsx'][1]:.0f} MB")
        for name in ("blank_lines.csv", "nul_padding.csv", "stray_cell.xlsx", "stray_space.xlsx"):
            seconds, peak = _measure(paths[name])
            kind = "csv" if name.endswith(".csv") else "xlsx"
            print(f"{name:18} {seconds:6.2f} s ({seconds / base[kind][0]:.2f}x clean), {peak:6.0f} MB "
                  f"({peak / base[kind][1]:.2f}x clean); limits 5 s, 1024 MB")


if __name__ == "__main__":
    main()

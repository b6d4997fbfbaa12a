"""Benchmark of :mod:`analytics.ingest.io` against a bare calamine / C-engine read.

Generates (once, into ``bench/data/``, which git ignores) survey-like files:

* ``survey_20k.xlsx`` and ``survey_20k.csv``: 20,000 responses x 100 columns with a Qualtrics-style
  three-row header (ids, question text, ImportId JSON);
* ``survey_1m.csv``: 1,000,000 responses x 120 columns, one header row.

and prints, for each measurement run in its own subprocess (so that peak memory is that of the one
read): wall time and peak resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``).

Run ``python bench/bench_read.py`` (all), or ``python bench/bench_read.py small`` to skip the 1M file.
"""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

AGREEMENT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
FREQUENCY = ["Never", "Rarely", "Sometimes", "Often", "Always"]
TEAMS = [f"Ward {i}" for i in range(1, 61)]
DIRECTORATES = ["Medicine", "Surgery", "Women and Children", "Community", "Mental Health", "Corporate"]


def _survey_rows(n_rows: int, n_items: int, seed: int) -> tuple[list[str], list[str], list[list]]:
    """Ids, question texts and rows: 4 metadata columns, team, directorate, ``n_items`` answers."""
    rng = random.Random(seed)
    ids = ["ResponseId", "StartDate", "Progress", "Duration (in seconds)", "Team", "Directorate"]
    texts = ["Response ID", "Start Date", "Progress", "Duration (in seconds)", "Which team do you work in?",
             "Which directorate do you work in?"]
    for i in range(n_items):
        ids.append(f"Q{i // 10 + 1}_{i % 10 + 1}")
        texts.append(f"To what extent do you agree with the following statements? - Statement {i + 1}.")
    rows = []
    for r in range(n_rows):
        row = [f"R_{r:08x}{rng.randrange(16**6):06x}", f"2025-10-{rng.randint(1, 28):02d} 09:{rng.randint(0, 59):02d}",
               100, rng.randint(120, 3000), rng.choice(TEAMS), rng.choice(DIRECTORATES)]
        for i in range(n_items):
            scale = FREQUENCY if i % 7 == 0 else AGREEMENT
            u = rng.random()
            row.append("" if u < 0.04 else ("Don't know" if u < 0.06 else scale[min(4, int((u - 0.06) / 0.188))]))
        rows.append(row)
    return ids, texts, rows


def make_small(force: bool = False) -> tuple[Path, Path]:
    DATA.mkdir(parents=True, exist_ok=True)
    xlsx, csv_path = DATA / "survey_20k.xlsx", DATA / "survey_20k.csv"
    if force or not xlsx.exists() or not csv_path.exists():
        ids, texts, rows = _survey_rows(20_000, 94, seed=1)
        imports = [json.dumps({"ImportId": f"QID{i}"}, separators=(",", ":")) for i in range(len(ids))]
        with open(csv_path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerows([ids, texts, imports])
            writer.writerows(rows)
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("Responses")
        for row in [ids, texts, imports]:
            ws.append(row)
        for row in rows:
            ws.append([None if v == "" else v for v in row])
        wb.save(xlsx)
    return xlsx, csv_path


def make_large(force: bool = False) -> Path:
    """1M x 120 CSV: 20,000 distinct rows written 50 times (the reader cannot tell)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / "survey_1m.csv"
    if force or not path.exists():
        ids, _texts, rows = _survey_rows(20_000, 114, seed=2)
        import io

        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        block = buffer.getvalue()
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerow(ids)
            for _ in range(50):
                fh.write(block)
    return path


# ------------------------------------------------------------------------------------------------
# Measurements: each runs in its own interpreter, so that peak memory is that of the one read
# ------------------------------------------------------------------------------------------------
def _large_columns() -> list[str]:
    """40 columns of the 1M file: team, directorate and 38 question columns (as labelled by read_table)."""
    return ["Team", "Directorate"] + [f"Q{i // 10 + 1}_{i % 10 + 1}" for i in range(0, 114, 3)][:38]


def _measure(name: str) -> dict:
    import resource

    import pandas as pd

    from analytics.ingest.io import read_table

    small_xlsx, small_csv, large_csv = DATA / "survey_20k.xlsx", DATA / "survey_20k.csv", DATA / "survey_1m.csv"
    actions = {
        "xlsx_bare": lambda: pd.read_excel(small_xlsx, engine="calamine"),
        "xlsx_read_table": lambda: read_table(small_xlsx).frame,
        "xlsx_header_only": lambda: read_table(small_xlsx, header_only=True).frame,
        "csv_bare": lambda: pd.read_csv(small_csv),
        "csv_read_table": lambda: read_table(small_csv).frame,
        "large_header_only": lambda: read_table(large_csv, header_only=True).frame,
        "large_bare_usecols": lambda: pd.read_csv(large_csv, usecols=_large_columns()),
        "large_read_table_columns": lambda: read_table(large_csv, columns=_large_columns()).frame,
    }
    started = time.perf_counter()
    frame = actions[name]()
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes
    return {"name": name, "seconds": seconds, "peak_mb": peak_mb, "shape": list(frame.shape)}


def _run(name: str, repeats: int = 1) -> dict:
    """Best of ``repeats`` subprocess runs (the machine is shared, so the minimum is the fair figure)."""
    results = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, __file__, "--measure", name], capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = min(results, key=lambda r: r["seconds"])
    print(f"  {name:<26} {best['seconds']:7.2f} s   peak {best['peak_mb']:7.0f} MB   shape {tuple(best['shape'])}"
          f"   (best of {repeats})", flush=True)
    return best


def main(argv: list[str]) -> None:
    if len(argv) == 2 and argv[0] == "--measure":
        print(json.dumps(_measure(argv[1])))
        return
    with_large = "small" not in argv
    print("Generating files (first run only) ...", flush=True)
    make_small()
    if with_large:
        make_large()
    print("20k x 100 XLSX (Qualtrics-style 3-row header):")
    bare = _run("xlsx_bare", 3)
    ours = _run("xlsx_read_table", 3)
    _run("xlsx_header_only", 3)
    print(f"  ratio read_table / bare pd.read_excel(calamine): {ours['seconds'] / bare['seconds']:.2f}")
    print("20k x 100 CSV:")
    _run("csv_bare", 3)
    _run("csv_read_table", 3)
    if with_large:
        size_mb = (DATA / "survey_1m.csv").stat().st_size / 1024**2
        print(f"1M x 120 CSV ({size_mb:,.0f} MB), reading 40 columns:")
        _run("large_header_only", 1)
        _run("large_bare_usecols", 1)
        _run("large_read_table_columns", 1)


if __name__ == "__main__":
    main(sys.argv[1:])

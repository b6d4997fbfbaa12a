"""End-to-end benchmark of the survey pipeline (read -> recognise -> score -> suppress).

Targets (issue: survey pipeline), each printed as a ratio against a baseline measured in the same run:

* 20k respondents x 100 columns XLSX: validate + score end to end within 1.3x the bare
  ``pd.read_excel(engine="calamine")`` of the same file;
* the same data as CSV: under 0.5 s end to end;
* 1M respondents x 120 columns CSV: under 15 s and under 3 GB peak memory (reading only the mapped columns).

Every measurement runs in its own subprocess, so its peak resident memory is its own. Files are
generated once into ``bench/data/`` (git-ignored). Run ``python bench/bench_pipeline.py`` or add
``small`` to skip the 1M-row file.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analytics.ingest.codebook import load_codebook  # noqa: E402

STEM = "To what extent do you agree or disagree with the following statements? - "


def _columns(n_columns: int) -> tuple[list[str], list[str], list[str]]:
    """Ids, question texts and scale names: metadata, team, directorate, every NSS item, then fillers."""
    book = load_codebook()
    ids = ["ResponseId", "StartDate", "Team", "Directorate"]
    texts = ["Response ID", "Start Date", "Which team do you work in?", "Which directorate do you work in?"]
    scales = ["id", "date", "team", "directorate"]
    for code, item in book.items.items():
        ids.append(code.upper())
        texts.append(STEM + item.wording)
        scales.append(item.scale)
    extra = 0
    while len(ids) < n_columns:
        extra += 1
        ids.append(f"LOCAL{extra}")
        texts.append(f"Local question {extra}")
        scales.append("agreement")
    return ids, texts, scales


def _answers(n_rows: int, scales: list[str], seed: int, codes: bool) -> list[np.ndarray]:
    book = load_codebook()
    rng = np.random.default_rng(seed)
    teams = np.array([f"Team {i:02d}" for i in range(60)], dtype=object)
    directorates = np.array(["Medicine", "Surgery", "Women and Children", "Community", "Clinical Support",
                             "Corporate"], dtype=object)
    team_index = rng.integers(0, 60, n_rows)
    columns: list[np.ndarray] = []
    for scale in scales:
        if scale == "id":
            columns.append(np.char.add("R_", np.arange(n_rows).astype(str)).astype(object))
        elif scale == "date":
            columns.append(np.full(n_rows, "2025-10-01 09:00", dtype=object))
        elif scale == "team":
            columns.append(teams[team_index])
        elif scale == "directorate":
            columns.append(directorates[team_index % 6])
        else:
            options = np.array(book.scales[scale].options, dtype=object)
            position = np.clip(np.round(rng.normal(0.7 * len(options), 1.0, n_rows)), 1, len(options)).astype(int)
            col = position.astype(object) if codes else options[position - 1]
            col[rng.random(n_rows) < 0.03] = ""
            columns.append(col)
    return columns


def _write_csv(path: Path, header_rows: list[list[str]], columns: list[np.ndarray]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerows(header_rows)
        writer.writerows(zip(*columns))


def make_files(force: bool = False) -> dict[str, Path]:
    DATA.mkdir(parents=True, exist_ok=True)
    paths = {"xlsx": DATA / "pipeline_20k.xlsx", "csv": DATA / "pipeline_20k.csv", "large": DATA / "pipeline_1m.csv"}
    ids, texts, scales = _columns(100)
    import_ids = [json.dumps({"ImportId": f"QID{i}"}) for i in range(len(ids))]
    if force or not paths["csv"].exists() or not paths["xlsx"].exists():
        columns = _answers(20_000, scales, seed=1, codes=False)
        _write_csv(paths["csv"], [ids, texts, import_ids], columns)
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        sheet = wb.create_sheet("Responses")
        for header in (ids, texts, import_ids):
            sheet.append(header)
        for row in zip(*columns):
            sheet.append(list(row))
        wb.save(paths["xlsx"])
    if "small" not in sys.argv and (force or not paths["large"].exists()):
        ids, _, scales = _columns(120)
        _write_csv(paths["large"], [ids], _answers(1_000_000, scales, seed=2, codes=True))
    return paths


_BARE_XLSX = "import pandas as pd, sys; pd.read_excel(sys.argv[1], engine='calamine', header=None)"
_BARE_CSV = "import pandas as pd, sys; pd.read_csv(sys.argv[1], header=None, low_memory=False)"
_BARE_CSV_MAPPED = ("import pandas as pd, sys; cols = pd.read_csv(sys.argv[1], nrows=0).columns;"
                    "pd.read_csv(sys.argv[1], usecols=[c for c in cols if c.startswith('Q') or c in ('Team', 'Directorate')],"
                    " low_memory=False)")
_PIPELINE = (
    "import sys; sys.path.insert(0, sys.argv[2]);"
    "from analytics.survey.pipeline import SurveySource, ColumnOptions, score_survey_files;"
    "r = score_survey_files([SurveySource.from_path(sys.argv[1])], ColumnOptions(wave_label='2025'));"
    "assert len(r.unit_scores) > 0"
)


def _measure(code: str, path: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``code`` run in a fresh interpreter (import time excluded).

    Peak memory is the child's ``VmHWM`` (``/proc/self/status``), which starts afresh at ``exec``;
    ``ru_maxrss`` would not do: Linux carries it over from the parent across ``execve``.
    """
    wrapper = "import time, sys\nimport pandas, numpy, pyarrow\n"
    if "analytics" in code:
        wrapper += f"sys.path.insert(0, {str(ROOT)!r})\nimport analytics.survey.pipeline\n"
    peak = ("[int(line.split()[1]) / 1024 for line in open('/proc/self/status') if line.startswith('VmHWM')][0]")
    script = wrapper + f"t = time.perf_counter()\nexec({code!r})\nprint(time.perf_counter() - t, {peak})"
    done = subprocess.run([sys.executable, "-c", script, str(path), str(ROOT)], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    seconds, peak_mb = done.stdout.split()[-2:]
    return float(seconds), float(peak_mb)


def main() -> None:
    paths = make_files()
    bare_xlsx, _ = _measure(_BARE_XLSX, paths["xlsx"])
    pipe_xlsx, mem_xlsx = _measure(_PIPELINE, paths["xlsx"])
    print(f"20k x 100 XLSX: bare calamine read {bare_xlsx:.2f} s; pipeline {pipe_xlsx:.2f} s; "
          f"ratio {pipe_xlsx / bare_xlsx:.2f} (target <= 1.30); peak {mem_xlsx:.0f} MB")
    bare_csv, _ = _measure(_BARE_CSV, paths["csv"])
    pipe_csv, mem_csv = _measure(_PIPELINE, paths["csv"])
    print(f"20k x 100 CSV: bare pandas read {bare_csv:.2f} s; pipeline {pipe_csv:.2f} s "
          f"(target < 0.5 s); ratio to bare {pipe_csv / bare_csv:.2f}; peak {mem_csv:.0f} MB")
    if "small" not in sys.argv:
        bare_large, bare_mem = _measure(_BARE_CSV_MAPPED, paths["large"])
        pipe_large, mem_large = _measure(_PIPELINE, paths["large"])
        print(f"1M x 120 CSV: bare pandas read of the mapped columns {bare_large:.1f} s, peak {bare_mem:.0f} MB; "
              f"pipeline {pipe_large:.1f} s (target < 15 s; ratio to bare {pipe_large / bare_large:.2f}); "
              f"peak {mem_large:.0f} MB (target < 3000 MB)")


if __name__ == "__main__":
    main()

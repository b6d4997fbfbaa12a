"""Hostile and messy inputs against a clean file of the same content: time and peak memory of reading each
through the survey pipeline, as ratios in the same run (the machines are shared; no absolute limits here).

Cases (each a respondent-level survey of 20,000 rows x 40 questions, made here):

* ``blank lines``: the clean CSV followed by two million blank lines;
* ``NUL padding``: the clean CSV followed by 4 MB of NUL bytes;
* ``stray cell``: the clean XLSX with a notes sheet holding text in A1 and in XFD1048576 (the reader
  would allocate the whole grid: the sheet must be skipped, never opened);
* ``stray space``: the clean XLSX with one space typed in Z1048576 of its response sheet (refused with
  the cell to delete);
* ``blank rows below``: the clean XLSX with one space typed in A240000 (a grid of 9.8 million cells, within
  ``settings.MAX_CUT_SHEET_CELLS``): only the rows with data are read;
* ``far value``: the team column alone with text in A900000 (900,000 cells, under the limit that refuses a
  sheet reaching far below its data: read in full, in the child), against the team column alone; once more
  with the child allowed only 32 MB beyond its start (it needs more: the child ends, the caller does not).

Every workbook is read in a child process (:mod:`analytics.ingest.isolated`): the peak memory of the calling
process (the server) and of the reading child are printed apart. Before the cases, the child's start-up and
``read_table``'s time in-process and in a child are printed for the clean files and the sample surveys.

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
    "    print('refused:', error.message[:90])\n"
)


#: After the read: stop the fork server (analytics.ingest.isolated) and wait for it, so that the peak memory of
#: the reading children it forked (Linux passes a reaped process's children's peak up to its parent) is in
#: this process's RUSAGE_CHILDREN; 0 when nothing was read in a child.
_CHILD_PEAK = (
    "import os, resource\n"
    "from multiprocessing import forkserver\n"
    "server = forkserver._forkserver\n"
    "if server._forkserver_pid is not None:\n"
    "    os.close(server._forkserver_alive_fd)\n"
    "    os.waitpid(server._forkserver_pid, 0)\n"
    "child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
)


def _measure(path: Path, memory_limit: int | None = None) -> tuple[float, float, float]:
    """Wall seconds, the calling process's peak MB (VmHWM) and the reading children's peak MB of reading
    ``path`` in a fresh interpreter (imports and the fork server's start excluded). ``memory_limit``: the
    children may grow by this many bytes of address space beyond what they start with."""
    peak = "[int(line.split()[1]) / 1024 for line in open('/proc/self/status') if line.startswith('VmHWM')][0]"
    limit = ("settings.READ_MEMORY_LIMIT_BYTES = isolated.run_isolated(isolated.address_space, file_name='size') "
             f"+ {memory_limit}\n" if memory_limit else "")
    script = ("import time, sys\nimport pandas, numpy, pyarrow\n"
              f"sys.path.insert(0, {str(ROOT)!r})\nimport analytics.survey.pipeline\n"
              "from analytics import settings\nfrom analytics.ingest import isolated\n" + limit +
              "isolated.run_isolated(isolated.child_pid_probe, file_name='warm-up')\n"
              f"t = time.perf_counter()\nexec({_READ!r})\nseconds = time.perf_counter() - t\n"
              f"{_CHILD_PEAK}print(seconds, {peak}, child_mb)")
    done = subprocess.run([sys.executable, "-c", script, str(path), str(ROOT)], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    lines = done.stdout.strip().splitlines()
    seconds, peak_mb, child_mb = lines[-1].split()
    if len(lines) > 1:
        print("   ", lines[-2])
    return float(seconds), float(peak_mb), float(child_mb)


_COMPARE = """
import statistics, sys, time
sys.path.insert(0, sys.argv[1])
from analytics import settings
from analytics.ingest import isolated
from analytics.ingest.io import read_table
t = time.perf_counter(); isolated.run_isolated(isolated.child_pid_probe, file_name='start'); first = time.perf_counter() - t
starts = []
for _ in range(20):
    t = time.perf_counter(); isolated.run_isolated(isolated.child_pid_probe, file_name='start')
    starts.append(time.perf_counter() - t)
print('start', first, statistics.median(starts))
for path in sys.argv[2:]:
    times = {}
    for mode, threshold in (('in', None), ('child', 0)):
        settings.ISOLATE_READS_ABOVE_BYTES = threshold
        read_table(path)
        runs = []
        for _ in range(5):
            t = time.perf_counter(); read_table(path); runs.append(time.perf_counter() - t)
        times[mode] = statistics.median(runs)
    print(path, times['in'], times['child'])
"""


def compare_isolation(paths: list[Path]) -> None:
    """Print the reading child's start-up, and read_table's median time per file in-process and in a child."""
    done = subprocess.run([sys.executable, "-c", _COMPARE, str(ROOT), *map(str, paths)], capture_output=True,
                          text=True, cwd=ROOT, check=True)
    lines = done.stdout.strip().splitlines()
    _, first, each = lines[0].split()
    print(f"reading child: first start (fork server) {float(first):.3f} s, then {float(each) * 1000:.1f} ms a child")
    for line in lines[1:]:
        path, local, child = line.rsplit(maxsplit=2)
        print(f"read_table {Path(path).name:22} in-process {float(local):6.3f} s, in a child {float(child):6.3f} s "
              f"({float(child) / float(local):.2f}x)")


def _table(rng: np.random.Generator) -> list[list]:
    header = ["Team"] + [CODES[i % len(CODES)].upper() + ("" if i < len(CODES) else f"_{i}") for i in range(QUESTIONS)]
    rows = [[f"Team {int(t)}"] + rng.integers(1, 6, QUESTIONS).tolist() for t in rng.integers(0, 200, ROWS)]
    return [header, *rows]


def make_files(folder: Path) -> dict[str, Path]:
    import openpyxl

    table = _table(np.random.default_rng(3))
    text = "\n".join(",".join(map(str, r)) for r in table) + "\n"
    paths = {name: folder / name for name in ("clean.csv", "blank_lines.csv", "nul_padding.csv", "clean.xlsx",
                                              "stray_cell.xlsx", "stray_space.xlsx", "blank_rows_below.xlsx",
                                              "one_column.xlsx", "far_value.xlsx")}
    paths["clean.csv"].write_text(text)
    paths["blank_lines.csv"].write_text(text + "\n" * 2_000_000)
    paths["nul_padding.csv"].write_bytes(text.encode() + b"\x00" * (4 << 20))
    far_cells = {"clean.xlsx": None, "stray_cell.xlsx": "XFD1048576", "stray_space.xlsx": "Z1048576",
                 "blank_rows_below.xlsx": "A240000", "one_column.xlsx": None, "far_value.xlsx": "A900000"}
    for name, far in far_cells.items():
        book = openpyxl.Workbook(write_only=True)
        if name == "stray_cell.xlsx":
            notes = book.create_sheet("Notes")
            notes.append(["About this export"])
        sheet = book.create_sheet("Responses")
        for row in table:
            sheet.append(row[:1] if name in ("one_column.xlsx", "far_value.xlsx") else row)
        book.save(paths[name])
        if far:
            # the first sheet: Notes in one file, the only (response) sheet in the others
            _add_far_cell(paths[name], far, " x" if name == "far_value.xlsx" else " ")
    return paths


def _add_far_cell(path: Path, cell: str, text: str) -> None:
    """Append one far cell to the first sheet's XML (openpyxl's write-only mode cannot address one)."""
    import zipfile

    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info)) for info in source.infolist()]
    part = "xl/worksheets/sheet1.xml"
    row = cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    far = f'<row r="{row}"><c r="{cell}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c></row>'.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in items:
            if info.filename == part:
                content = content.replace(b"</sheetData>", far + b"</sheetData>")
            target.writestr(info, content)


def _line(name: str, figures: tuple[float, float, float], base: tuple[float, float, float]) -> str:
    seconds, peak, child = figures
    return (f"{name:22} {seconds:6.2f} s ({seconds / base[0]:.2f}x clean); peak {max(peak, child):6.0f} MB "
            f"({max(peak, child) / max(base[1], base[2]):.2f}x clean; calling process {peak:.0f} MB, reading "
            f"child {child:.0f} MB); limits 5 s, 1024 MB")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        paths = make_files(Path(folder))
        compare_isolation([paths["clean.csv"], paths["clean.xlsx"],
                           *(ROOT / "sample_data" / n for n in ("survey_2023.csv", "survey_2024.xlsx",
                                                                "survey_2025.csv"))])
        base = {"csv": _measure(paths["clean.csv"]), "xlsx": _measure(paths["clean.xlsx"]),
                "column": _measure(paths["one_column.xlsx"])}
        for kind, (seconds, peak, child) in base.items():
            print(f"clean {kind:6} {seconds:.2f} s, calling process {peak:.0f} MB, reading child {child:.0f} MB")
        for name in ("blank_lines.csv", "nul_padding.csv", "stray_cell.xlsx", "stray_space.xlsx",
                     "blank_rows_below.xlsx", "far_value.xlsx"):
            kind = "csv" if name.endswith(".csv") else "column" if name == "far_value.xlsx" else "xlsx"
            print(_line(name, _measure(paths[name]), base[kind]))
        # The same far value with the child allowed less memory than it needs: it ends, the caller does not.
        print(_line("far_value.xlsx, +32 MB", _measure(paths["far_value.xlsx"], 32 * 1024**2), base["column"]))


if __name__ == "__main__":
    main()

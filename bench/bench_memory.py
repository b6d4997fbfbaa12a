"""Peak memory of one survey upload, through the path an upload takes in the dashboard.

Generates (in a temporary directory, removed afterwards) a survey CSV of ``--mb`` megabytes (default 1024)
shaped like ``sample_data/survey_2025.csv`` (and, like it, Windows-1252): its two header rows, then its response rows repeated, each
repeat with its own team names (``"Labour Ward 7"``) and respondent ids. The file is written row by row by a
child process, so generating it does not count in the measured peak.

Then, in this process (standing for the Streamlit server):

1. the bytes as the uploader widget holds them (``streamlit``'s ``UploadedFile`` over the file's bytes);
2. ``ui.data_view``'s payload of it (``FilePayload(name, uploaded.getvalue())``) and a ``DatasetSpec``;
3. ``ui.state._dataset`` — the cached loader every page calls (``load_survey`` → ``score_survey_files`` →
   the isolated reader of ``analytics.ingest.isolated`` for a file this size → scoring and suppression), with
   its caches (outside a Streamlit session they are the server-wide ones);
4. the session ends: the uploader's bytes, the payload, the spec and the caches are dropped.

It prints the resident memory before the upload, the peak of this process (``VmHWM`` of
``/proc/self/status``) and of the reading child (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` once the
fork server holding it has been stopped and reaped), each also as a multiple of the file size, and what this
process still holds after step 4 (``VmRSS``, after ``gc.collect()`` and ``malloc_trim``).

Run ``python bench/bench_memory.py`` (1 GB, several minutes) or ``python bench/bench_memory.py --mb 100``.
A benchmark, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import gc
import io
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "sample_data" / "survey_2025.csv"
#: Columns of the sample's rows varied in each repeat: the respondent id and the team.
ID_COLUMN = 0
TEAM_COLUMN = 10


def generate(path: Path, n_bytes: int) -> int:
    """Write a survey CSV of at least ``n_bytes`` bytes to ``path``; the number of response rows."""
    with SAMPLE.open(newline="", encoding="cp1252") as handle:
        reader = csv.reader(handle)
        header = [next(reader), next(reader)]
        rows = list(reader)
    written = 0
    n_rows = 0
    repeat = 0
    with path.open("w", newline="", encoding="cp1252") as out:
        writer = csv.writer(out)
        writer.writerows(header)
        while out.tell() < n_bytes:
            buffer = io.StringIO()
            chunk = csv.writer(buffer)
            for row in rows:
                row = list(row)
                row[ID_COLUMN] = str(10**11 + n_rows)
                if row[TEAM_COLUMN]:
                    row[TEAM_COLUMN] = f"{row[TEAM_COLUMN]} {repeat % 50 + 1}"
                chunk.writerow(row)
                n_rows += 1
            out.write(buffer.getvalue())
            written = out.tell()
            repeat += 1
    return n_rows if written else 0


def _status(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> None:
    """Reset VmHWM to the current resident size (Linux ≥ 4.0: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def _trim() -> None:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


def _gb(n: int) -> str:
    return f"{n / 1024**3:6.2f} GB"


def measure(path: Path) -> dict:
    """Run one upload of ``path`` through the dashboard's loading path; the figures (bytes)."""
    from multiprocessing import forkserver

    from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

    from analytics import settings
    from analytics.dataset import DEFAULT_EXCLUSIONS, DatasetSpec
    from analytics.ingest import isolated
    from ui import data_view, state

    isolated._fork_context()
    isolated.run_isolated(isolated.child_pid_probe, file_name=None)   # start the fork server before measuring
    _trim()
    size = path.stat().st_size
    before = _status("VmRSS")
    _reset_peak()
    started = time.perf_counter()

    uploaded = UploadedFile(UploadedFileRec(file_id="bench", name=path.name, type="text/csv",
                                            data=path.read_bytes()), None)
    payload = data_view._payload_of(uploaded)
    spec = DatasetSpec(label="Preview of your uploads", survey_files=(payload,))
    dataset = state._dataset(spec.key, settings.DEFAULT_MIN_GROUP_SIZE, DEFAULT_EXCLUSIONS, spec)
    seconds = time.perf_counter() - started
    peak = _status("VmHWM")
    loaded = _status("VmRSS")

    del uploaded, payload, spec, dataset
    for cached in (state._dataset, state._survey, state._hr, state._hr_raw):
        cached.clear()
    _trim()
    retained = _status("VmRSS")
    forkserver._forkserver._stop()   # reaps the fork server, whose reaped children then count in RUSAGE_CHILDREN
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return dict(size=size, before=before, peak=peak, loaded=loaded, retained=retained, child_peak=child_peak,
                seconds=seconds)


def report(figures: dict) -> None:
    size = figures["size"]
    print(f"file size                          {_gb(size)}")
    print(f"server before the upload (RSS)     {_gb(figures['before'])}")
    print(f"server peak (VmHWM)                {_gb(figures['peak'])}  = {figures['peak'] / size:4.2f} x file;"
          f" above the start {(figures['peak'] - figures['before']) / size:4.2f} x file")
    print(f"server after loading (RSS)         {_gb(figures['loaded'])}  above the start "
          f"{(figures['loaded'] - figures['before']) / size:4.2f} x file")
    print(f"reading child peak (ru_maxrss)     {_gb(figures['child_peak'])}  = {figures['child_peak'] / size:4.2f} x file")
    print(f"retained after the session's data and caches are dropped  {_gb(figures['retained'])}  above the start "
          f"{(figures['retained'] - figures['before']) / size:+4.2f} x file")
    print(f"loading time                       {figures['seconds']:6.1f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024, help="size of the generated survey file in MB (default 1024)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)   # the measuring child: this file
    args = parser.parse_args(argv)
    if args.measure:
        report(measure(args.measure))
        return
    with tempfile.TemporaryDirectory(prefix="bench_memory_") as tmp:
        path = Path(tmp) / "survey_2025.csv"
        n_rows = generate(path, args.mb * 1024**2)
        print(f"generated {path.name}: {n_rows:,} responses, {path.stat().st_size / 1024**2:,.0f} MB")
        # A fresh process for the measurement: its peak is the upload's alone, not the generator's.
        subprocess.run([sys.executable, __file__, "--measure", str(path)], check=True)


if __name__ == "__main__":
    main()

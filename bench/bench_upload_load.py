"""Does one user's upload slow everyone else? Other sessions' work while an upload is scored (issue 15).

    python bench/bench_upload_load.py [--mb 32] [--probe-ms 20]

The Streamlit server runs every session's script in a thread of one Python process, so a survey scored in the
server holds Python's interpreter lock and the other sessions' reruns queue behind it. Uploads over
``settings.SCORE_IN_CHILD_ABOVE_BYTES`` are scored in a child process instead (analytics.dataset), and the
server thread only waits on a pipe.

Generates an NSS-shaped survey CSV of ``--mb`` megabytes (bench/bench_memory.py's generator; 32 MB is about
200,000 responses), then, in this process (standing for the server), in one run:

1. idle: a probe, ``--probe-ms`` of pure-Python work (what a page's rerun mostly is), timed over and over;
2. the same probe while another thread scores the file in this process (``SCORE_IN_CHILD_ABOVE_BYTES = None``,
   the old behaviour);
3. the same probe while another thread scores the file through a child (the shipped setting).

Prints each probe latency's median, p95 and worst, as ratios to idle, and how long each scoring took.
A benchmark, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_memory import generate  # noqa: E402

from analytics import settings  # noqa: E402
from analytics.dataset import DatasetSpec, FilePayload, load_survey  # noqa: E402


def _calibrate(ms: float) -> int:
    """Loop count of a pure-Python loop taking about ``ms`` milliseconds here."""
    n = 10_000
    while True:
        start = time.perf_counter()
        _spin(n)
        took = time.perf_counter() - start
        if took > 0.005:
            return max(1, int(n * ms / 1000 / took))
        n *= 4


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i % 7
    return total


def _probe_while(work, loops: int) -> tuple[list[float], float]:
    """Probe latencies (seconds) while ``work()`` runs in another thread (or for 3 s if ``work`` is None);
    the seconds ``work`` took."""
    latencies: list[float] = []
    took = [0.0]
    done = threading.Event()

    def run() -> None:
        start = time.perf_counter()
        try:
            work()
        finally:
            took[0] = time.perf_counter() - start
            done.set()

    if work is None:
        threading.Timer(3.0, done.set).start()
    else:
        threading.Thread(target=run, daemon=True).start()
    time.sleep(0.05)
    while not done.is_set():
        start = time.perf_counter()
        _spin(loops)
        latencies.append(time.perf_counter() - start)
        time.sleep(0.005)     # a pause between clicks
    return latencies, took[0]


def _row(name: str, latencies: list[float], idle: list[float] | None, took: float | None) -> None:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    med, worst = statistics.median(ordered), ordered[-1]
    ratio = ""
    if idle:
        ratio = (f"  × {med / statistics.median(idle):4.1f} median, × {p95 / sorted(idle)[round(0.95 * (len(idle) - 1))]:4.1f}"
                 f" p95 of idle")
    scored = f"; scoring took {took:5.1f} s" if took else ""
    print(f"  {name:<36} probes {len(ordered):4d}  median {1000 * med:6.0f} ms  p95 {1000 * p95:6.0f} ms  "
          f"worst {1000 * worst:6.0f} ms{ratio}{scored}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=32)
    parser.add_argument("--probe-ms", type=float, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "survey_large.csv"
        rows = generate(path, int(args.mb * 1024**2))
        spec = DatasetSpec(label="upload", survey_files=(FilePayload(path.name, path.read_bytes()),))
        loops = _calibrate(args.probe_ms)
        print(f"A {path.stat().st_size / 1024**2:.0f} MB survey ({rows:,} responses) scored while another "
              f"session's {args.probe_ms:g} ms of Python work runs again and again; same run", flush=True)
        shipped = settings.SCORE_IN_CHILD_ABOVE_BYTES

        idle, _ = _probe_while(None, loops)
        _row("idle", idle, None, None)
        settings.SCORE_IN_CHILD_ABOVE_BYTES = None
        here, took_here = _probe_while(lambda: load_survey(spec), loops)
        _row("scored in the server process", here, idle, took_here)
        settings.SCORE_IN_CHILD_ABOVE_BYTES = shipped
        child, took_child = _probe_while(lambda: load_survey(spec), loops)
        _row("scored in a child (shipped)", child, idle, took_child)


if __name__ == "__main__":
    main()

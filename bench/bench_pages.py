"""Page-speed benchmark: how long a page takes to rerun when a sidebar filter changes, on the sample trust.

Target (issue: dashboard): filter changes rerun in under 200 ms on the sample data (cached analytics).

Every run goes through ``app.py`` (frame, then page) with ``streamlit.testing.v1.AppTest``, patched as in
``tests/conftest.py`` so that a switched-to page is run inside app.py as in the browser. For each page:

1. a fresh AppTest with ``st.cache_data`` cleared (the sample trust itself, held by ``st.cache_resource``,
   was loaded once beforehand and is reported on its own line): the page's **cold** first run;
2. a fixed sequence of sidebar changes (wave, directorate, and back), each timed as one ``at.run()``.
   A change to a (wave, directorate) combination the page has not shown yet is a **first** visit (its
   cached analytics are computed once); a combination already shown is a **repeat** (served from cache);
3. a few reruns with nothing changed (what any click on the page costs at least).

Baseline, measured in the same run: the rerun time of a one-line Streamlit script through AppTest. The
ratio column is the page's median repeat rerun divided by that baseline, so that a slower or busier
machine shows up in both. AppTest times include building the element tree that AppTest inspects, which the
browser does not need; the browser instead receives the same elements over a websocket.

Run ``python bench/bench_pages.py`` (about a minute on 2 cores). Prints a table; exits 0.
"""

from __future__ import annotations

import gc
import logging
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.runtime.pages_manager import PagesManager  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from ui.state import ALL_DIRECTORATES, DIRECTORATE_KEY, WAVE_KEY  # noqa: E402

TARGET_MS = 200.0
PAGES = [
    ("Board assurance", "pages/board.py"),
    ("Team explorer", "pages/team_explorer.py"),
    ("Relationships", "pages/relationships.py"),
    ("Trends", "pages/trends.py"),
    ("Data", "pages/data.py"),
    ("Methods & data quality", "pages/methods.py"),
]
BASELINE_SCRIPT = "import streamlit as st\nst.write('Hello')\n"
BASELINE_RUNS = 15
NO_CHANGE_RUNS = 3
TIMEOUT_S = 180


def _run_through_app_py() -> None:
    """As tests/conftest.py's ``app_test`` fixture: keep the "pages folder" flag off, so that every run
    goes through app.py (AppTest would otherwise run a switched-to page file on its own)."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init


def _silence_bare_mode_warnings() -> None:
    """Creating AppTests and clearing caches happen outside a script run, which Streamlit warns about on
    each call; AppTest resets the log levels on every run, hence silenced again each time."""
    for name in ("streamlit.runtime.caching.cache_data_api", "streamlit.runtime.caching.cache_resource_api",
                 "streamlit.runtime.scriptrunner_utils.script_run_context"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _clear_caches(resources: bool = False) -> None:
    """Clear Streamlit's caches between AppTests."""
    _silence_bare_mode_warnings()
    st.cache_data.clear()
    if resources:
        st.cache_resource.clear()


def _timed_run(at: AppTest) -> float:
    gc.collect()
    start = time.perf_counter()
    at.run(timeout=TIMEOUT_S)
    elapsed = (time.perf_counter() - start) * 1000.0
    if at.exception:
        raise RuntimeError(f"the app raised: {at.exception[0].message}")
    return elapsed


@dataclass
class PageTimes:
    name: str
    cold_ms: float = float("nan")
    first_ms: list[float] = field(default_factory=list)
    repeat_ms: list[float] = field(default_factory=list)
    no_change_ms: list[float] = field(default_factory=list)
    changes: list[tuple[str, str, float]] = field(default_factory=list)  # (change, first/repeat, ms)
    error: str | None = None


def baseline_ms() -> float:
    """Median rerun time of a one-line Streamlit script through AppTest."""
    at = AppTest.from_string(BASELINE_SCRIPT, default_timeout=TIMEOUT_S)
    at.run()
    return statistics.median(_timed_run(at) for _ in range(BASELINE_RUNS))


def load_sample_ms() -> float:
    """First run of the app with every cache empty: reads and scores the sample trust (cache_resource)."""
    _clear_caches(resources=True)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT_S)
    at.switch_page("pages/data.py")  # the lightest page: the time is the frame's, i.e. the dataset's
    return _timed_run(at)


def _change_sequence(waves: list[str], directorates: list[str]) -> list[tuple[str, str]]:
    """(widget key, value) changes: another wave, a directorate, back to all, back to the latest wave,
    then directorates under the latest wave, and the whole round again (all repeats by then)."""
    latest, other = waves[-1], (waves[-2] if len(waves) > 1 else waves[-1])
    first_dirs = directorates[:2] or [ALL_DIRECTORATES]
    round_ = [(WAVE_KEY, other), (DIRECTORATE_KEY, first_dirs[0]), (DIRECTORATE_KEY, ALL_DIRECTORATES),
              (WAVE_KEY, latest)]
    for directorate in first_dirs:
        round_ += [(DIRECTORATE_KEY, directorate), (DIRECTORATE_KEY, ALL_DIRECTORATES)]
    return round_ + round_


def bench_page(name: str, path: str) -> PageTimes:
    times = PageTimes(name)
    _clear_caches()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT_S)
    at.switch_page(path)
    try:
        times.cold_ms = _timed_run(at)
        wave_box = at.sidebar.selectbox(key=WAVE_KEY)
        directorate_box = at.sidebar.selectbox(key=DIRECTORATE_KEY)
        waves = [str(w) for w in wave_box.options]
        directorates = [d for d in directorate_box.options if d != ALL_DIRECTORATES]
        seen = {(str(wave_box.value), str(directorate_box.value))}
        state = {WAVE_KEY: str(wave_box.value), DIRECTORATE_KEY: str(directorate_box.value)}
        for key, value in _change_sequence(waves, directorates):
            state[key] = value
            at.sidebar.selectbox(key=key).set_value(value)
            elapsed = _timed_run(at)
            combination = (state[WAVE_KEY], state[DIRECTORATE_KEY])
            kind = "repeat" if combination in seen else "first"
            seen.add(combination)
            (times.repeat_ms if kind == "repeat" else times.first_ms).append(elapsed)
            times.changes.append((f"{'wave' if key == WAVE_KEY else 'directorate'} -> {value}", kind, elapsed))
        for _ in range(NO_CHANGE_RUNS):
            times.no_change_ms.append(_timed_run(at))
    except Exception as exc:  # a benchmark reports a failing page and carries on with the others
        times.error = f"{type(exc).__name__}: {exc}"
    return times


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _max(values: list[float]) -> float:
    return max(values) if values else float("nan")


def main() -> int:
    _silence_bare_mode_warnings()
    _run_through_app_py()
    base = baseline_ms()
    sample = load_sample_ms()
    results = [bench_page(name, path) for name, path in PAGES]

    print(f"Baseline: one-line script rerun through AppTest, median of {BASELINE_RUNS}: {base:.1f} ms")
    print(f"Sample trust read and scored (first run of the app, every cache empty): {sample:.0f} ms")
    print(f"Target: a filter change reruns in under {TARGET_MS:.0f} ms (cached analytics).\n")
    header = (f"{'page':<24}{'cold':>8}{'first med':>11}{'first max':>11}{'repeat med':>12}{'repeat max':>12}"
              f"{'no-change':>11}{'ratio':>8}  target")
    print(header)
    print("-" * len(header))
    for t in results:
        if t.error:
            print(f"{t.name:<24}  FAILED: {t.error}")
            continue
        repeat_median = _median(t.repeat_ms)
        verdict = "met" if _max(t.repeat_ms) < TARGET_MS else (
            "median met" if repeat_median < TARGET_MS else "MISSED")
        print(f"{t.name:<24}{t.cold_ms:>8.0f}{_median(t.first_ms):>11.0f}{_max(t.first_ms):>11.0f}"
              f"{repeat_median:>12.0f}{_max(t.repeat_ms):>12.0f}{_median(t.no_change_ms):>11.0f}"
              f"{repeat_median / base:>8.1f}  {verdict} (repeat)")
    print("\nAll times in ms. cold: the page's first run (dataset already loaded, page caches empty). "
          "first: a (wave, directorate) combination shown for the first time (n per page below); repeat: a "
          "combination shown before; no-change: a rerun with the same filters. ratio: repeat median / baseline.")
    print("\nEach change, in order (first/repeat, ms):")
    for t in results:
        if t.error:
            continue
        steps = ", ".join(f"{change} {kind[0]} {ms:.0f}" for change, kind, ms in t.changes)
        print(f"  {t.name} (first n={len(t.first_ms)}, repeat n={len(t.repeat_ms)}): {steps}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The shared workspace in the app: opening the Board on published waves (from the store) against the same
files as a session's own preview, and the server memory each further signed-in session costs.

    python bench/bench_sessions.py [--sessions N]

Runs the app in this process with Streamlit's AppTest (one AppTest = one browser session; the server's caches
are shared between them as in ``streamlit run``):

1. Board, cold: a fresh process-wide cache, the sample trust published to a temporary SQLite store, against
   the same sample files given to the session as a preview (ratio, same run).
2. Board, warm: a second session opening the Board once the first has (published data are shared across
   sessions; a preview is the session's own).
3. Memory: resident memory after N sessions have each opened the Board on the published waves, as signed-in
   managers of different directorates (scoped copies) and board members (shared), per session.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import settings  # noqa: E402
from analytics.access import User  # noqa: E402
from analytics.dataset import sample_spec  # noqa: E402
from analytics.store import open_store, publish  # noqa: E402


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _board(user: User | None = None, preview=None, keep: list | None = None) -> float:
    """Open the Board in a new session; its time. ``keep`` holds the session open (as a connected browser)."""
    from streamlit.testing.v1 import AppTest
    from ui.auth import USER_KEY
    from ui.state import SPEC_KEY

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    if user is not None:
        at.session_state[USER_KEY] = user
    if preview is not None:
        at.session_state[SPEC_KEY] = preview
    start = time.perf_counter()
    at.run()
    took = time.perf_counter() - start
    if at.exception:
        raise SystemExit(f"the Board failed: {at.exception[0].message}")
    if keep is not None:
        keep.append(at)
    return took


def _clear() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'store.sqlite'}"
        store = open_store(url)
        publish(store, sample_spec(), by="od@trust.nhs.uk")
        os.environ[settings.STORE_URL_ENV] = url
        spec = sample_spec()
        _board()                                    # imports and Plotly warm-up, not measured
        _clear()
        cold_store = _board()
        warm_store = _board()
        _clear()
        cold_files = _board(preview=spec)
        warm_files = _board(preview=spec)
        print(f"Board, cold: published waves from the store {cold_store:.2f} s, the same files as a preview "
              f"{cold_files:.2f} s (ratio {cold_store / cold_files:.2f})")
        print(f"Board, second session: store {warm_store:.2f} s, files {warm_files:.2f} s "
              f"(ratio {warm_store / warm_files:.2f})")
        _clear()
        _board()
        from analytics.dataset import load_dataset
        table = load_dataset(spec).survey.unit_scores
        names = sorted(table.loc[table["level"] == "directorate", "unit"].astype(str).unique())
        gc.collect()
        before = _rss_mb()
        sessions: list = []
        for i in range(args.sessions):
            user = (User(f"manager{i}@trust.nhs.uk", "manager", directorates=(names[i % len(names)],))
                    if i % 2 == 0 else User(f"guardian{i}@trust.nhs.uk", "board"))
            _board(user, keep=sessions)
        gc.collect()
        after = _rss_mb()
        print(f"Memory: {args.sessions} signed-in sessions (half managers of {len(names)} directorates, half board "
              f"members) added {after - before:.0f} MB resident ({(after - before) / args.sessions:.1f} MB per session; "
              f"process {after:.0f} MB)")


if __name__ == "__main__":
    main()

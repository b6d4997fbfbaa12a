"""Server CPU per click and cold start to the first chart, under ``streamlit run app.py`` (issues 14 and 15).

    python bench/bench_clicks.py [--rounds N] [--port 8614]

Starts the dashboard as the README does (``python -m streamlit run app.py``, the sample trust) and, in the
same run and the same way, a baseline: a one-chart Streamlit app (two pages of one Plotly chart each and a
sidebar select box). Each is driven by one websocket session speaking Streamlit's protocol
(``bench/ws_client.py``); server CPU is the server process's utime + stime (``/proc/<pid>/stat``) before
and after each action, once the run has finished. Prints, with each figure's ratio to the baseline's:

1. Cold start to the first chart: from starting the server process to the first ``plotly_chart`` element
   arriving over the websocket (the session connects as soon as the server answers). Twice for the
   dashboard: the first start ever (no prepared files: a fresh ``DASHBOARD_CACHE_DIR``) and a later start
   (prepared files on disk, as after install or any earlier start).
2. Server CPU per page switch (median, p95) over ``--rounds`` rounds of Board → Team explorer →
   Relationships → Trends, after one round that fills the caches.
3. Server CPU per sidebar change: the first visit of a wave and of a directorate (CPU and time to the end of
   the run), then changes back and forth between visited values (median).

Each measured action starts once the server has been idle for 0.3 s, so that one action's background work
(the Board computes the other waves' figures once a page is drawn) is not counted in the next.

Uses ports ``--port`` and ``--port + 1``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ws_client import ROOT, Session, cpu_seconds, start_server, stop_server, wait_ready  # noqa: E402

PAGES = ["Board assurance", "Team explorer", "Relationships", "Trends"]
SETTLE = 0.1   # seconds after a run ends before reading CPU (messages still being sent)

BASELINE_APP = '''
import plotly.graph_objects as go
import streamlit as st


def chart(title):
    def page():
        st.title(title)
        wave = st.sidebar.selectbox("Survey wave", ["2023", "2024", "2025"], index=2)
        fig = go.Figure(go.Bar(x=["a", "b", "c"], y=[1, 3, 2 + int(wave) % 3]))
        st.plotly_chart(fig, key=title)
    return page


st.navigation([st.Page(chart("One"), title="One", url_path="one", default=True),
               st.Page(chart("Two"), title="Two", url_path="two")]).run()
'''


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def _cold(script: Path, port: int, env: dict) -> tuple[float, object]:
    """Seconds from process start to the first plotly_chart element; the server process (left running)."""
    start = time.perf_counter()
    server = start_server(script, port, env=env)
    wait_ready(port, timeout=120)
    session = Session(port, timeout=300)
    run = await session.connect()
    connected = time.perf_counter() - start - run.elapsed
    await session.close()
    if "plotly_chart" not in run.first:
        stop_server(server)
        raise SystemExit(f"{script.name}: no chart in the first run ({dict(run.kinds)}; {run.exceptions})")
    return connected + run.first["plotly_chart"], server


async def _wait_idle(pid: int, quiet: float = 0.3, limit: float = 15.0) -> None:
    """Wait until the server has used no CPU for ``quiet`` seconds (background work of the previous action, such
    as the Board computing the other waves, is over), at most ``limit`` seconds: each action is measured alone,
    as a user's next click comes seconds, not milliseconds, later."""
    start = time.perf_counter()
    last, since = cpu_seconds(pid), time.perf_counter()
    while time.perf_counter() - start < limit:
        await asyncio.sleep(0.05)
        now = cpu_seconds(pid)
        if now != last:
            last, since = now, time.perf_counter()
        elif time.perf_counter() - since >= quiet:
            return


async def _measure(session: Session, pid: int, action) -> tuple[float, float]:
    """(server CPU seconds, wall seconds) of one action, started once the server is idle."""
    await _wait_idle(pid)
    before = cpu_seconds(pid)
    run = await action()
    await asyncio.sleep(SETTLE)
    if run.exceptions:
        raise SystemExit(f"the page failed: {run.exceptions}")
    return cpu_seconds(pid) - before, run.elapsed


async def _clicks(port: int, pid: int, pages: list[str], rounds: int, first_visits: dict[str, str],
                  back_and_forth: tuple[str, str, str]) -> dict:
    async with Session(port, timeout=300) as session:
        for title in pages:                                # fill the caches
            await session.switch_page(title)
        switches = []
        for _ in range(rounds):
            for title in pages:
                switches.append((await _measure(session, pid, lambda t=title: session.switch_page(t)))[0])
        await session.switch_page(pages[0])
        first = {label: await _measure(session, pid, lambda l=label, v=value: session.set_widget(l, v))
                 for label, value in first_visits.items()}
        label, one, other = back_and_forth
        changes = []
        for i in range(2 * rounds):
            value = one if i % 2 == 0 else other
            changes.append((await _measure(session, pid, lambda v=value: session.set_widget(label, v)))[0])
    return {"switch": switches, "first": first, "change": changes}


async def main_async(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        baseline_script = Path(tmp) / "baseline_app.py"
        baseline_script.write_text(BASELINE_APP)
        cache_env = {"DASHBOARD_CACHE_DIR": str(Path(tmp) / "prepared")}

        base_cold, base_server = await _cold(baseline_script, args.port + 1, {})
        try:
            base = await _clicks(args.port + 1, base_server.pid, ["One", "Two"], args.rounds * 2,
                                 {"Survey wave": "2024"}, ("Survey wave", "2023", "2024"))
        finally:
            stop_server(base_server)

        first_ever, server = await _cold(ROOT / "app.py", args.port, cache_env)
        stop_server(server)
        cold, server = await _cold(ROOT / "app.py", args.port, cache_env)
        try:
            app = await _clicks(args.port, server.pid, PAGES, args.rounds,
                                {"Survey wave": "2024", "Directorate": "Medicine"},
                                ("Survey wave", "2025", "2024"))
        finally:
            stop_server(server)

    def ms(value: float) -> str:
        return f"{1000 * value:7.0f} ms"

    def ratio(value: float, reference: float) -> str:
        return f"× {value / reference:5.1f} baseline" if reference > 0 else "(baseline 0)"

    b_med = statistics.median(base["switch"])
    b_change = statistics.median(base["change"])
    print(f"Dashboard (sample trust) against a one-chart Streamlit app, same run; {args.rounds} rounds; "
          f"server CPU from /proc (10 ms ticks)")
    print(f"  cold start to first chart, prepared files:   {cold:6.2f} s   "
          f"{ratio(cold, base_cold)} ({base_cold:.2f} s)")
    print(f"  cold start to first chart, first start ever: {first_ever:6.2f} s   {ratio(first_ever, base_cold)}")
    print(f"  page switch, server CPU median:  {ms(statistics.median(app['switch']))}   "
          f"{ratio(statistics.median(app['switch']), b_med)} ({ms(b_med).strip()})")
    print(f"  page switch, server CPU p95:     {ms(p95(app['switch']))}   "
          f"{ratio(p95(app['switch']), p95(base['switch']))} ({ms(p95(base['switch'])).strip()})")
    print(f"  sidebar change (visited wave), server CPU median: {ms(statistics.median(app['change']))}   "
          f"{ratio(statistics.median(app['change']), b_change)} ({ms(b_change).strip()})")
    base_first_cpu, base_first_wall = base["first"]["Survey wave"]
    for label, (cpu, wall) in app["first"].items():
        print(f"  first visit of a {label.lower():<12} server CPU {ms(cpu)}, run {ms(wall)}   "
              f"{ratio(wall, base_first_wall)} ({ms(base_first_wall).strip()} run)")
    print("  page switches (ms):", " ".join(f"{1000 * v:.0f}" for v in app["switch"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--port", type=int, default=8614)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()

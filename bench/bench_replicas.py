"""Many users at once: page-switch latency of concurrent sessions on one app process and on replicas (issue 15).

    python bench/bench_replicas.py [--sessions 20] [--many 40] [--rounds 3] [--replicas 2] [--port 8640]

Each session is a browser tab speaking Streamlit's websocket protocol (``bench/ws_client.py``); all sessions
open the app together and then switch pages back to back, with no pause between clicks, for ``--rounds``
rounds of Board → Team explorer → Relationships → Trends (the harshest load: everyone clicking at once). The
latency of a switch is from sending it to the end of its run. In one run, on the sample trust:

1. Baseline: a one-chart Streamlit app (bench/bench_clicks.py's), one process, ``--sessions`` sessions.
2. The dashboard as the README starts it (``streamlit run app.py``), one process, ``--sessions`` sessions.
3. The dashboard as ``deploy/replicas.py`` runs it: ``--replicas`` processes behind nginx (sticky sessions),
   ``--sessions`` sessions through the proxy.
4. ``--many`` sessions on one process and on the replicas: errors (closed sessions, failed or timed-out
   runs) and latency.

Every server is warmed first (each page opened once per process), so the figures are those of a running
service, not of its first start (bench/bench_clicks.py measures that). Prints median and p95 per setup, with
ratios to one process and to the baseline. Needs nginx (Debian: ``apt-get install nginx``).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "deploy"))

import replicas  # noqa: E402
from bench_clicks import BASELINE_APP, PAGES, p95  # noqa: E402
from ws_client import ROOT, Session, SessionError, start_server, stop_server, wait_ready  # noqa: E402

RUN_TIMEOUT = 120.0   # seconds a single run may take before it counts as an error


class _Gate:
    """Holds every tab until all have connected (or failed to), then lets them click together."""

    def __init__(self, sessions: int):
        self.waiting = sessions
        self.all_in = asyncio.Event()
        self.go = asyncio.Event()

    def arrived(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.all_in.set()


async def _user(port: int, pages: list[str], rounds: int, gate: _Gate) -> tuple[list[float], list[str]]:
    """One tab: connect, wait for everyone, then switch pages ``rounds`` times round; (latencies, errors)."""
    latencies: list[float] = []
    errors: list[str] = []
    arrived = False
    try:
        async with Session(port, timeout=RUN_TIMEOUT) as session:
            gate.arrived()
            arrived = True
            await gate.go.wait()
            for _ in range(rounds):
                for title in pages[1:] + pages[:1]:
                    run = await session.switch_page(title)
                    if run.exceptions or run.status != "FINISHED_SUCCESSFULLY":
                        errors.append(f"{title}: {run.status} {run.exceptions[:1]}")
                    latencies.append(run.elapsed)
    except (SessionError, OSError) as exc:
        errors.append(str(exc))
    finally:
        if not arrived:
            gate.arrived()
    return latencies, errors


async def _crowd(port: int, pages: list[str], sessions: int, rounds: int) -> tuple[list[float], list[str], float]:
    """``sessions`` tabs at once; (all latencies, all errors, wall seconds of the clicking)."""
    gate = _Gate(sessions)
    tasks = [asyncio.create_task(_user(port, pages, rounds, gate)) for _ in range(sessions)]
    await gate.all_in.wait()
    gate.go.set()
    clicked = time.perf_counter()
    results = await asyncio.gather(*tasks)
    latencies = [x for lat, _ in results for x in lat]
    errors = [e for _, errs in results for e in errs]
    return latencies, errors, time.perf_counter() - clicked


async def _warm(ports: list[int], pages: list[str]) -> None:
    """Open every page once on each process (fills the caches), straight to each process's own port."""
    for port in ports:
        async with Session(port, timeout=300) as session:
            for title in pages[1:]:
                await session.switch_page(title)


def _summary(name: str, latencies: list[float], errors: list[str], wall: float, reference: dict | None) -> dict:
    row = {"median": statistics.median(latencies) if latencies else float("nan"),
           "p95": p95(latencies) if latencies else float("nan"), "n": len(latencies), "errors": len(errors)}
    ratio = ""
    if reference:
        ratio = f"   p95 × {row['p95'] / reference['p95']:.2f} of one process"
    print(f"  {name:<44} switches {row['n']:4d}  median {row['median']:6.2f} s  p95 {row['p95']:6.2f} s  "
          f"errors {row['errors']}  ({wall:.0f} s){ratio}", flush=True)
    for message in sorted(set(errors))[:3]:
        print(f"      error: {message}")
    return row


async def main_async(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DASHBOARD_CACHE_DIR": str(Path(tmp) / "prepared")}
        print(f"{args.sessions} (and {args.many}) sessions switching pages back to back, {args.rounds} rounds of "
              f"{len(PAGES)} pages; sample trust; same run", flush=True)

        baseline_script = Path(tmp) / "baseline_app.py"
        baseline_script.write_text(BASELINE_APP)
        server = start_server(baseline_script, args.port + 9)
        try:
            wait_ready(args.port + 9)
            await _warm([args.port + 9], ["One", "Two"])
            base = _summary(f"baseline one-chart app, 1 process, {args.sessions}",
                            *await _crowd(args.port + 9, ["One", "Two"], args.sessions, args.rounds * 2), None)
        finally:
            stop_server(server)

        server = start_server(ROOT / "app.py", args.port, env=env)
        try:
            wait_ready(args.port, timeout=120)
            await _warm([args.port], PAGES)
            one = _summary(f"dashboard, 1 process, {args.sessions} sessions",
                           *await _crowd(args.port, PAGES, args.sessions, args.rounds), None)
            one_many = _summary(f"dashboard, 1 process, {args.many} sessions",
                                *await _crowd(args.port, PAGES, args.many, args.rounds), None)
        finally:
            stop_server(server)

        with replicas.start(args.replicas, args.port + 20, env=env) as running:
            await _warm(running.replica_ports, PAGES)
            many = _summary(f"dashboard, {args.replicas} replicas + nginx, {args.sessions} sessions",
                            *await _crowd(running.port, PAGES, args.sessions, args.rounds), one)
            many_40 = _summary(f"dashboard, {args.replicas} replicas + nginx, {args.many} sessions",
                               *await _crowd(running.port, PAGES, args.many, args.rounds), one_many)

    print(f"  p95 against the baseline app: 1 process × {one['p95'] / base['p95']:.1f}, "
          f"{args.replicas} replicas × {many['p95'] / base['p95']:.1f}")
    print(f"  targets: p95 ≤ 2 s at {args.sessions} on one process: {'met' if one['p95'] <= 2 else 'NOT met'}; "
          f"lower with replicas: {'met' if many['p95'] < one['p95'] else 'NOT met'}; no errors at {args.many}: "
          f"{'met' if one_many['errors'] == 0 and many_40['errors'] == 0 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--many", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--port", type=int, default=8640)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()

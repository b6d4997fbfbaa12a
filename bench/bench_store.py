"""The store against the files: publishing the sample trust, and loading it back, on SQLite and PostgreSQL.

    python bench/bench_store.py [--repeat N]

Prints, per database: publish time; ``load_published`` + ``load_dataset`` time against ``load_dataset`` on
the original files (ratio, same run); the stored bytes against the sample files' bytes. PostgreSQL is the
server of ``TEST_POSTGRES_URL``, else a throwaway cluster started with .ci/postgres (skipped when there are no
PostgreSQL binaries).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics.dataset import load_dataset, sample_spec  # noqa: E402
from analytics.store import load_published, open_store, publish  # noqa: E402
from analytics.store import schema  # noqa: E402


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) if repeat < 3 else statistics.median(times)


def _stored_bytes(store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.sum(sa.func.length(schema.wave_files.c.content)))).scalar_one() or 0)


def _measure(name: str, url: str, repeat: int, files_time: float, files_bytes: int) -> None:
    spec = sample_spec()
    store = open_store(url)
    start = time.perf_counter()
    publish(store, spec, by="bench@example.org")
    publish_time = time.perf_counter() - start
    load_time = _best(lambda: load_dataset(load_published(store), min_group_size=11), repeat)
    stored = _stored_bytes(store)
    print(f"{name:10s} publish {publish_time:6.2f} s ({publish_time / files_time:4.2f}x a load from files); "
          f"load from store {load_time:5.2f} s vs files {files_time:5.2f} s (ratio {load_time / files_time:4.2f}); "
          f"stored {stored / 1e6:5.2f} MB gzip vs files {files_bytes / 1e6:5.2f} MB ({stored / files_bytes:4.2f})")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    spec = sample_spec()
    files_bytes = sum(len(p.content) for p in (*spec.survey_files, spec.staff_file, spec.absence_file))
    files_time = _best(lambda: load_dataset(sample_spec(), min_group_size=11), args.repeat)
    with tempfile.TemporaryDirectory() as folder:
        _measure("SQLite", f"sqlite:///{folder}/store.sqlite", args.repeat, files_time, files_bytes)
        print(f"{'':10s} SQLite file {os.path.getsize(f'{folder}/store.sqlite') / 1e6:.2f} MB")
    server, tmp_dir = os.environ.get("TEST_POSTGRES_URL"), None
    if not server:
        tmp_dir = tempfile.mkdtemp(prefix="bench-pg-")
        done = subprocess.run([str(ROOT / ".ci" / "postgres"), "start", tmp_dir], capture_output=True, text=True)
        if done.returncode != 0:
            print("PostgreSQL: skipped (no server binaries)")
            shutil.rmtree(tmp_dir, ignore_errors=True)
            return
        server = done.stdout.strip()
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        _measure("PostgreSQL", sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False),
                 args.repeat, files_time, files_bytes)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
        if tmp_dir:
            subprocess.run([str(ROOT / ".ci" / "postgres"), "stop", tmp_dir], capture_output=True)
            shutil.rmtree(tmp_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

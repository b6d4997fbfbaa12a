"""Run several dashboard processes behind nginx with sticky sessions (the README's "Deployment" section).

    python deploy/replicas.py [--replicas 2] [--port 8500] [--address 127.0.0.1]

Starts ``--replicas`` app processes (``python -m streamlit run app.py``) on loopback ports ``--port + 1`` …
``--port + N``, and Debian's nginx on ``--address:--port`` with ``deploy/nginx.conf`` (sticky sessions by a
cookie, websocket upgrades passed through), then waits; Ctrl-C (or SIGTERM) stops all of them. The app
processes share whatever store the environment names (``WORKSPACE_STORE_URL``: give a PostgreSQL URL when
the replicas serve real users; the default SQLite file suits one machine only) and the sample's prepared files.

One process per CPU core is the useful number: each Streamlit process runs its users' pages on one core at a
time. nginx must be installed (Debian: ``apt-get install nginx``; or name it with ``NGINX=/path/to/nginx``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG_TEMPLATE = Path(__file__).resolve().parent / "nginx.conf"
DEFAULT_MAX_UPLOAD_MB = 1024


class DeployError(RuntimeError):
    """A replica or nginx could not be started; the message says what to do."""


def nginx_binary() -> str:
    """nginx's path: ``$NGINX``, else ``nginx`` on the PATH or in ``/usr/sbin``. :class:`DeployError` if none."""
    named = os.environ.get("NGINX")
    found = named or shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found or not Path(found).exists():
        raise DeployError("nginx was not found. Install it (Debian or Ubuntu: apt-get install nginx) or give its "
                          "path in the NGINX environment variable.")
    return found


def max_upload_mb(config: Path = ROOT / ".streamlit" / "config.toml") -> int:
    """The app's per-file upload limit (``server.maxUploadSize``, megabytes), so nginx lets the same files through."""
    try:
        return int(tomllib.loads(config.read_text())["server"]["maxUploadSize"])
    except (OSError, KeyError, ValueError, tomllib.TOMLDecodeError):
        return DEFAULT_MAX_UPLOAD_MB


def render_config(upstream_ports: list[int], listen: str, prefix: Path, max_upload: int | None = None) -> str:
    """``deploy/nginx.conf`` with its fields filled: ``listen`` (e.g. ``127.0.0.1:8500``), one upstream server
    per port on loopback, ``prefix`` for nginx's own files."""
    servers = "\n        ".join(f"server 127.0.0.1:{port};" for port in upstream_ports)
    return (CONFIG_TEMPLATE.read_text()
            .replace("@PREFIX@", str(prefix)).replace("@LISTEN@", listen).replace("@SERVERS@", servers)
            .replace("@MAX_UPLOAD_MB@", str(max_upload or max_upload_mb())))


def wait_healthy(port: int, proc: subprocess.Popen | None = None, timeout: float = 90.0) -> None:
    """Wait until ``http://127.0.0.1:port/_stcore/health`` answers 200; :class:`DeployError` if the process
    ends first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise DeployError(f"the process on port {port} stopped (exit code {proc.returncode}).")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise DeployError(f"nothing answered on port {port} within {timeout:.0f} seconds.")


@dataclass
class Replicas:
    """Running app processes and their nginx (see :func:`start`); ``url`` is what users open."""

    port: int
    replica_ports: list[int]
    processes: list[subprocess.Popen] = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    prefix: Path | None = None
    address: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}/"

    def stop(self) -> None:
        """Stop nginx, then every app process (SIGTERM, then SIGKILL after 10 s)."""
        for proc in ([self.nginx] if self.nginx else []) + self.processes:
            if proc.poll() is None:
                proc.terminate()
        for proc in ([self.nginx] if self.nginx else []) + self.processes:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.prefix is not None:
            shutil.rmtree(self.prefix, ignore_errors=True)

    def __enter__(self) -> "Replicas":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(replicas: int = 2, port: int = 8500, address: str = "127.0.0.1", env: dict | None = None,
          app_args: list[str] | None = None, output=subprocess.DEVNULL) -> Replicas:
    """Start ``replicas`` app processes on ports ``port + 1`` … and nginx on ``address:port``; wait until every
    one answers. On any failure everything started is stopped and :class:`DeployError` says why."""
    if replicas < 1:
        raise DeployError("--replicas must be 1 or more.")
    nginx = nginx_binary()
    running = Replicas(port=port, replica_ports=[port + i for i in range(1, replicas + 1)], address=address)
    try:
        for replica_port in running.replica_ports:
            command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
                       "--server.port", str(replica_port), "--server.headless", "true",
                       "--browser.gatherUsageStats", "false", *(app_args or [])]
            running.processes.append(subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})},
                                                      stdout=output, stderr=subprocess.STDOUT))
        running.prefix = Path(tempfile.mkdtemp(prefix="dashboard-nginx-"))
        conf = running.prefix / "nginx.conf"
        conf.write_text(render_config(running.replica_ports, f"{address}:{port}", running.prefix))
        checked = subprocess.run([nginx, "-t", "-q", "-p", str(running.prefix), "-c", str(conf)],
                                 capture_output=True, text=True)
        if checked.returncode != 0:
            raise DeployError(f"nginx refused the configuration: {checked.stderr.strip()}")
        running.nginx = subprocess.Popen([nginx, "-p", str(running.prefix), "-c", str(conf), "-g", "daemon off;"],
                                         stdout=output, stderr=subprocess.STDOUT)
        for proc, replica_port in zip(running.processes, running.replica_ports):
            wait_healthy(replica_port, proc)
        wait_healthy(port, running.nginx)
    except BaseException:
        running.stop()
        raise
    return running


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=max(1, os.cpu_count() or 1),
                        help="app processes (default: one per CPU core)")
    parser.add_argument("--port", type=int, default=8500, help="the port users open (replicas use the next ones)")
    parser.add_argument("--address", default="127.0.0.1",
                        help="the address nginx listens on (0.0.0.0 for every network: configure sign-in first)")
    args = parser.parse_args()
    try:
        running = start(args.replicas, args.port, args.address, output=None)
    except DeployError as exc:
        raise SystemExit(f"Could not start the replicas: {exc}") from None
    print(f"{args.replicas} app processes on ports {running.replica_ports[0]}–{running.replica_ports[-1]} behind "
          f"nginx: open {running.url}  (Ctrl-C stops them)", flush=True)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        while not stopping and all(p.poll() is None for p in [running.nginx, *running.processes]):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()


if __name__ == "__main__":
    main()

"""Replicas behind nginx (issue 15): two real app processes and Debian's nginx with deploy/nginx.conf.

Checks that a browser's requests stay on one replica (the sticky cookie), that new browsers are spread over
both, and that a whole page runs through the proxy's websocket. Skipped where nginx is not installed
(``.ci/run`` installs it).
"""

from __future__ import annotations

import asyncio
import socket
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT / "bench"))

import replicas  # noqa: E402

try:
    replicas.nginx_binary()
except replicas.DeployError:
    pytest.skip("nginx is not installed", allow_module_level=True)


def _free_port_block(size: int) -> int:
    """A port p with p … p + size - 1 free on loopback (checked, not reserved)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + size >= 65535:
            continue
        try:
            for port in range(base, base + size):
                with socket.socket() as other:
                    other.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError("no free block of ports")


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    cache = tmp_path_factory.mktemp("prepared")
    with replicas.start(2, _free_port_block(3), env={"DASHBOARD_CACHE_DIR": str(cache)}) as started:
        yield started


def _upstreams(running) -> list[str]:
    """The replica (``127.0.0.1:port``) of each request in nginx's access log, in order, once the log has stopped
    growing (nginx writes a request's line after its response, so a client can be ahead of the log)."""
    path = running.prefix / "access.log"
    lines = path.read_text().splitlines() if path.exists() else []
    for _ in range(50):
        time.sleep(0.1)
        again = path.read_text().splitlines() if path.exists() else []
        if len(again) == len(lines):
            break
        lines = again
    return [line.split()[2] for line in lines]


def _get(url: str, cookie: str | None = None):
    """(status, the sticky Set-Cookie header or None) of a GET (Streamlit sets cookies of its own too)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as reply:
        sticky = [c for c in reply.headers.get_all("Set-Cookie") or [] if c.startswith("dashboard_replica=")]
        return reply.status, (sticky[0] if sticky else None)


def test_the_config_fills_every_field():
    text = replicas.render_config([8501, 8502], "127.0.0.1:8500", Path("/run/x"), max_upload=1024)
    assert "@" not in text.replace("$", "")
    assert "server 127.0.0.1:8501;" in text and "server 127.0.0.1:8502;" in text
    assert "listen 127.0.0.1:8500;" in text and "client_max_body_size 1024m;" in text
    assert replicas.max_upload_mb() == 1024      # .streamlit/config.toml's server.maxUploadSize


def test_a_browser_stays_on_one_replica_and_new_browsers_are_spread(running):
    status, cookie = _get(running.url)
    assert status == 200 and cookie.startswith("dashboard_replica=") and "HttpOnly" in cookie
    key = cookie.split(";")[0]
    before = len(_upstreams(running))
    for _ in range(12):
        status, again = _get(running.url + "_stcore/health", cookie=key)
        assert status == 200 and again is None                  # the cookie is set once
    sticky = Counter(_upstreams(running)[before:])
    assert len(sticky) == 1 and sum(sticky.values()) == 12
    before = len(_upstreams(running))
    for _ in range(24):                                         # new browsers: no cookie
        _get(running.url + "_stcore/health")
    spread = Counter(_upstreams(running)[before:])
    # Both replicas take new browsers (all 24 on one: probability 2 × 0.5^24).
    assert set(spread) == {f"127.0.0.1:{port}" for port in running.replica_ports}


def test_a_page_runs_through_the_proxy_websocket(running):
    from ws_client import Session

    async def visit():
        async with Session(running.port, timeout=180) as session:     # opens the Board, the default page
            return session.first_run, await session.switch_page("Team explorer")

    board, explorer = asyncio.run(visit())
    for run in (board, explorer):
        assert run.status == "FINISHED_SUCCESSFULLY" and not run.exceptions
    assert board.kinds["plotly_chart"] >= 1 and explorer.kinds["dataframe"] >= 1

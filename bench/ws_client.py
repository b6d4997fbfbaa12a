"""A Streamlit websocket session without a browser, for benchmarks (issue 15).

Speaks Streamlit's own protocol: the browser sends ``BackMsg`` protobufs (a ``rerun_script`` carrying a
``ClientState``: the page's script hash and the widgets' values) over ``ws://host:port/_stcore/stream`` and
receives ``ForwardMsg`` protobufs (``new_session``, ``navigation``, ``delta`` elements, ``script_finished``).
The server does the same work for this client as for a browser (it runs the script and serialises every
element); only the drawing is missing.

API (all coroutines unless noted; one ``Session`` = one browser tab)::

    server = start_server(ROOT / "app.py", port=8611)        # sync; ``streamlit run`` as the README does
    wait_ready(port=8611)                                     # sync; waits for /_stcore/health
    async with Session(8611) as s:                            # connects and waits for the first run
        s.pages                # {"Board assurance": page_script_hash, ...} (from the navigation message)
        s.widgets              # {"Survey wave": Widget(id, kind, options, value), ...} seen in the last run
        run = await s.switch_page("Team explorer")           # -> Run
        run = await s.set_widget("Survey wave", "2024")      # -> Run (selectbox: the option's label)
        run = await s.rerun()                                 # -> Run, same page and widgets
    cpu_seconds(server.pid)    # sync; utime + stime of the server process (all threads), seconds
    stop_server(server)        # sync

A ``Run`` holds ``elapsed`` (seconds from sending the request to ``script_finished``), ``kinds`` (a count of
element types received, e.g. ``{"plotly_chart": 3, "markdown": 40}``), ``first`` (element type → seconds from
the request until the first such element arrived), ``exceptions`` (messages of ``st.exception`` elements),
``nbytes`` (bytes received) and ``status`` (the ``script_finished`` status name).
Errors: ``SessionError`` when the server closes the connection, a run ends with a compile error, or a run
takes longer than ``timeout``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import connect

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parent.parent
_DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


class SessionError(RuntimeError):
    """The server closed the session, a run failed to compile, or a run did not finish in time."""


@dataclass
class Widget:
    """A widget as last drawn by the server: its id, proto type (``selectbox``, ``checkbox``, ...),
    option labels (choice widgets) and the value this client will send (``None``: the server's own)."""

    id: str
    kind: str
    options: list[str] = field(default_factory=list)
    value: object = None


@dataclass
class Run:
    """One script run as this client saw it (see the module docstring)."""

    elapsed: float = 0.0
    kinds: Counter = field(default_factory=Counter)
    first: dict[str, float] = field(default_factory=dict)
    exceptions: list[str] = field(default_factory=list)
    nbytes: int = 0
    status: str = ""


def _state(widget: Widget) -> WidgetState:
    """The widget's value as the browser sends it (selectbox/radio: the option label as ``string_value``)."""
    state = WidgetState(id=widget.id)
    value = widget.value
    if widget.kind in ("checkbox", "toggle"):
        state.bool_value = bool(value)
    elif widget.kind in ("selectbox", "radio"):
        state.string_value = str(value)
    elif widget.kind in ("multiselect", "button_group"):
        state.string_array_value.data.extend(str(v) for v in (value if isinstance(value, list) else [value]))
    elif widget.kind == "number_input":
        if isinstance(value, int):
            state.int_value = value
        else:
            state.double_value = float(value)
    elif widget.kind == "slider":
        state.double_array_value.data.extend(value if isinstance(value, list) else [value])
    else:
        state.string_value = str(value)
    return state


class Session:
    """One browser-like session on a running server (``async with Session(port) as s``).

    ``timeout``: seconds a run may take before ``SessionError``. ``query``: the URL's query string.
    """

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 120.0, query: str = ""):
        self.url = f"ws://{host}:{port}/_stcore/stream"
        self.timeout = timeout
        self.query = query
        self.pages: dict[str, str] = {}
        self.widgets: dict[str, Widget] = {}
        self.page_hash = ""
        self.first_run: Run | None = None     # the run of the default page on connecting
        self._ws = None

    async def __aenter__(self) -> "Session":
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def connect(self) -> Run:
        """Open the websocket and run the default page, as a browser opening the app; the first ``Run``."""
        self._ws = await connect(self.url, subprotocols=["streamlit"], max_size=None,
                                 open_timeout=self.timeout, ping_interval=None)
        self.first_run = await self._request()
        return self.first_run

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    async def rerun(self) -> Run:
        """Run the current page again with the current widget values."""
        return await self._request()

    async def switch_page(self, title: str) -> Run:
        """Open the page titled ``title`` in the navigation (a click on its link)."""
        if title not in self.pages:
            raise SessionError(f"no page titled {title!r}; pages: {sorted(self.pages)}")
        self.page_hash = self.pages[title]
        return await self._request()

    async def set_widget(self, label: str, value: object) -> Run:
        """Give the widget labelled ``label`` a new value (what a user's change sends) and wait for the run."""
        if label not in self.widgets:
            raise SessionError(f"no widget labelled {label!r}; widgets: {sorted(self.widgets)}")
        self.widgets[label].value = value
        return await self._request()

    async def _request(self) -> Run:
        msg = BackMsg()
        client = msg.rerun_script
        client.query_string = self.query
        client.page_script_hash = self.page_hash
        for widget in self.widgets.values():
            if widget.value is not None:
                client.widget_states.widgets.append(_state(widget))
        start = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        try:
            return await asyncio.wait_for(self._receive(start), self.timeout)
        except TimeoutError as exc:
            raise SessionError(f"the run took longer than {self.timeout} s") from exc

    async def _receive(self, start: float) -> Run:
        run = Run()
        seen: dict[str, Widget] = {}
        while True:
            try:
                data = await self._ws.recv()
            except Exception as exc:  # the connection closed
                raise SessionError(f"the server closed the session: {exc}") from exc
            run.nbytes += len(data)
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "delta":
                self._element(fwd, run, seen, start)
            elif kind == "navigation":
                self.pages = {p.page_name: p.page_script_hash for p in fwd.navigation.app_pages}
                self.page_hash = self.page_hash or fwd.navigation.page_script_hash
            elif kind == "new_session" and not self.page_hash:
                self.page_hash = fwd.new_session.page_script_hash
            elif kind == "script_finished":
                status = fwd.script_finished
                run.status = ForwardMsg.ScriptFinishedStatus.Name(status)
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise SessionError("the script failed to compile")
                if status in _DONE:
                    run.elapsed = time.perf_counter() - start
                    for label, widget in seen.items():     # keep what this client set on the same widget
                        old = self.widgets.get(label)
                        if old is not None and old.id == widget.id:
                            widget.value = old.value
                    self.widgets = seen
                    return run

    @staticmethod
    def _element(fwd: ForwardMsg, run: Run, seen: dict[str, Widget], start: float) -> None:
        if fwd.delta.WhichOneof("type") != "new_element":
            return
        element = fwd.delta.new_element
        etype = element.WhichOneof("type")
        if etype is None:
            return
        run.kinds[etype] += 1
        run.first.setdefault(etype, time.perf_counter() - start)
        proto = getattr(element, etype)
        if etype == "exception":
            run.exceptions.append(f"{proto.type}: {proto.message}")
        widget_id = getattr(proto, "id", "")
        label = getattr(proto, "label", "")
        if widget_id and label and etype not in ("plotly_chart", "dataframe", "vega_lite_chart"):
            options = list(getattr(proto, "options", []))
            seen[label] = Widget(widget_id, etype, [getattr(o, "content", o) for o in options])


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads, not children) the process has used, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(script: Path | str, port: int, env: dict | None = None, cwd: Path | str | None = None,
                 extra: list[str] | None = None) -> subprocess.Popen:
    """Start ``python -m streamlit run script`` headless on ``port`` (output discarded); the process."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", *(extra or [])]
    return subprocess.Popen(cmd, cwd=str(cwd or ROOT), env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(port: int, host: str = "127.0.0.1", timeout: float = 60.0) -> float:
    """Wait until the server answers ``/_stcore/health``; seconds waited. ``SessionError`` on timeout."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/_stcore/health", timeout=1) as reply:
                if reply.status == 200:
                    return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.02)
    raise SessionError(f"no server on port {port} after {timeout} s")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop a server started by ``start_server``."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()

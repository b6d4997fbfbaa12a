"""Reading a file in a child process, so that no file can end the server process.

The guards in :mod:`analytics.ingest.archive` refuse the known ways a file can exhaust memory before any
reader opens it, but a file can still slip past them (a bug in a reader, pathological XML, a native abort
inside calamine). :func:`run_isolated` runs one reading step in a child process and gives the caller
either its result or an :class:`~analytics.errors.InputError` saying, in words, what happened and what to
try; the parent (the Streamlit server, with every other user's session, or the CLI) lives on.

How
---
* The child is started with multiprocessing's ``"forkserver"`` context: a small single-threaded server
  process, started once, that has imported the readers (``pandas``, ``pyarrow``, ``python_calamine``) and
  forks a fresh child for each read. The threaded Streamlit server itself is never forked (forking a
  threaded process can deadlock the child on a lock another thread held), and a child does not pay for
  importing pandas again.
* In the child, ``resource.setrlimit(RLIMIT_AS, …)`` caps its address space at
  ``settings.READ_MEMORY_LIMIT_BYTES``: an allocation beyond it fails (``MemoryError`` in Python, an abort in
  native code) inside the child only.
* The parent waits at most ``settings.READ_TIME_LIMIT_SECONDS`` for the result, then kills the child.
* The result (for :func:`read_source`, the :class:`~analytics.ingest.raw.RawTable`: frame, header texts and
  the reader's notes) comes back pickled through a pipe, the frame's column buffers out of band (pickle
  protocol 5: sent as they lie in memory, received into the memory the frame then uses). An :class:`InputError` raised in the child reaches
  the parent as the same error (message, file, sheet, column, row). Any other exception in the child is a
  bug and is raised in the parent as a :class:`RuntimeError` carrying the child's traceback.

Only files above ``settings.ISOLATE_READS_ABOVE_BYTES`` are read in a child: starting one costs a few
hundredths of a second (measured by ``bench/bench_hostile.py``), which matters against a small CSV read in
milliseconds. Every workbook is read in a child whatever its size (a 15 KB workbook can ask for 512 GiB),
and so are CSV files above the threshold; a small CSV is read in the parent (its reader is pandas' parser
on at most that many bytes, and the memory it needs is bounded by their number).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import multiprocessing
import multiprocessing.context
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
import traceback
from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.context import set_spawning_popen
from pathlib import Path
from typing import Any, Callable, Iterator

from analytics import settings
from analytics.errors import InputError

try:
    import resource
except ImportError:  # Windows: no address-space limit, no fork server
    resource = None

#: Whether files can be read in a child here: a POSIX fork server, and the Python versions whose fork-server
#: launch :class:`_Popen` mirrors (3.11). Elsewhere files are read in this process, behind the same guards
#: (extent scan, zip-bomb checks) but without the child's memory and time limits.
ISOLATION_AVAILABLE = (resource is not None and "forkserver" in multiprocessing.get_all_start_methods()
                       and sys.version_info[:2] == (3, 11))

#: Modules the fork server imports once, so that each child starts with the readers (and, for uploads scored in
#: a child, the scoring) loaded.
_PRELOAD = ["analytics.ingest.io", "python_calamine", "analytics.dataset"]
#: What multiprocessing would send a child to re-create the parent's main module in it.
_MAIN_KEYS = ("init_main_from_path", "init_main_from_name")
_CONTEXT_LOCK = threading.Lock()
_context = None


class _Popen(popen_forkserver.Popen):
    """multiprocessing's fork-server launch (Python 3.11's ``popen_forkserver.Popen._launch``), except that the
    child is not told to import the parent's main module.

    multiprocessing re-creates ``__main__`` in a child by running the main script again as ``__mp_main__``.
    Under Streamlit, ``__main__`` is the page script being run (Streamlit installs it there), so each child
    would run the page again; under the CLI it would be the CLI. The reader's targets are module-level
    functions of the analytics package, found by their own modules, so the main module is never needed."""

    def _launch(self, process_obj):
        prep_data = spawn.get_preparation_data(process_obj._name)
        for key in _MAIN_KEYS:
            prep_data.pop(key, None)
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        parent_w = os.dup(w)  # the child's sentinel of its parent, as in multiprocessing
        self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as handle:
            handle.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _ReaderProcess(multiprocessing.context.ForkServerProcess):
    """A fork-server child launched by :class:`_Popen`."""

    @staticmethod
    def _Popen(process_obj):
        return _Popen(process_obj)


def _fork_context():
    """The ``"forkserver"`` multiprocessing context, with the readers preloaded (set once per process).

    The main module is not preloaded (multiprocessing's default): under Streamlit it may be a page script."""
    global _context
    with _CONTEXT_LOCK:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(_PRELOAD))
            _context = context
        return _context


# ------------------------------------------------------------------------------------------------
# The child
# ------------------------------------------------------------------------------------------------
def _limit_memory(limit_bytes: int | None) -> None:
    if not limit_bytes:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit_bytes = min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, hard))


class _PipeProgress:
    """In the child: ``progress(fraction, message)`` sent to the parent as ``("progress", fraction, message)``
    ahead of the outcome (:func:`_wait` hands each to the parent's callback)."""

    def __init__(self, conn):
        self.conn = conn

    def __call__(self, fraction: float, message: str) -> None:
        self.conn.send(("progress", float(fraction), str(message)))


def _child_main(conn, target: Callable, args: tuple, kwargs: dict, memory_limit: int | None,
                relay_progress: bool = False) -> None:
    """Run ``target(*args, **kwargs)`` under the memory limit and send one outcome through ``conn``:
    ``("ok", result)``, ``("input_error", fields)``, ``("memory", None)`` or ``("error", traceback)``. With
    ``relay_progress`` the target is given ``progress=`` (:class:`_PipeProgress`), whose reports go first."""
    try:
        _limit_memory(memory_limit)
        if relay_progress:
            kwargs = {**kwargs, "progress": _PipeProgress(conn)}
        outcome: tuple = ("ok", target(*args, **kwargs))
    except InputError as error:
        outcome = ("input_error", (error.message, error.file, error.sheet, error.column, error.row))
    except MemoryError:
        outcome = ("memory", None)
    except BaseException:  # a bug in a reader: reported to the parent, which raises it
        outcome = ("error", traceback.format_exc())
    try:
        _send(conn, outcome)
    except MemoryError:
        _send(conn, ("memory", None))
    finally:
        conn.close()


def _send(conn, outcome: tuple) -> None:
    """Send ``outcome`` pickled with protocol 5, its large buffers (a frame's columns) out of band: the sizes
    first, then the pickle, then each buffer as it lies in memory (no copy into the pickle; for a frame of
    470 MB this saves about a second and the copy's memory)."""
    views: list[memoryview] = []

    def out_of_band(buffer: pickle.PickleBuffer) -> bool:
        try:
            views.append(buffer.raw())
        except BufferError:  # not contiguous: kept in the pickle
            return True
        return False

    header = pickle.dumps(outcome, protocol=5, buffer_callback=out_of_band)
    conn.send([view.nbytes for view in views])
    conn.send_bytes(header)
    for view in views:
        if view.nbytes:
            conn.send_bytes(view)


def _read_exact(fd: int, view: memoryview) -> None:
    got = 0
    while got < len(view):
        n = os.readv(fd, [view[got:]])
        if n == 0:
            raise EOFError
        got += n


def _recv_into(conn, buffer: bytearray) -> None:
    """One message of ``conn`` (multiprocessing's framing: a 4-byte size, or -1 then an 8-byte size) read
    straight into ``buffer``. ``Connection.recv_bytes_into`` would read it into a temporary buffer first and
    copy it: for a 500 MB column block, 500 MB more at the peak of the server process."""
    head = bytearray(4)
    _read_exact(conn.fileno(), memoryview(head))
    size = int.from_bytes(head, "big", signed=True)
    if size == -1:
        head = bytearray(8)
        _read_exact(conn.fileno(), memoryview(head))
        size = int.from_bytes(head, "big")
    if size != len(buffer):
        raise OSError(f"expected {len(buffer)} bytes from the reading process, got a message of {size}")
    _read_exact(conn.fileno(), memoryview(buffer))


def _receive(conn, sizes: list[int]) -> tuple:
    """What :func:`_send` sent, after its first message (``sizes``); the buffers are received straight into the
    memory the result then uses (:func:`_recv_into`, on POSIX; elsewhere through ``recv_bytes_into``)."""
    header = conn.recv_bytes()
    buffers = []
    for size in sizes:
        buffer = bytearray(size)
        if size:
            if hasattr(os, "readv"):
                _recv_into(conn, buffer)
            else:
                conn.recv_bytes_into(buffer)
        buffers.append(buffer)
    return pickle.loads(header, buffers=buffers)


# ------------------------------------------------------------------------------------------------
# The parent
# ------------------------------------------------------------------------------------------------
def _gigabytes(n_bytes: int) -> str:
    return f"{n_bytes / 1024**3:,.1f} GB"


def _memory_message(limit: int | None) -> str:
    allowed = f" ({_gigabytes(limit)})" if limit else ""
    return (f"Reading this file needed more memory than allowed{allowed}, so it was stopped. A sheet may hold "
            "stray cells far below or to the right of the data: delete them in Excel (select the empty rows "
            "and columns beyond the data, right-click, Delete), save, and upload again; or save the responses "
            "sheet as CSV and upload that.")


def _died_message(exitcode: int | None, limit: int | None) -> str:
    """Words for a child that ended without an answer (killed by a signal or exited)."""
    if exitcode is not None and exitcode < 0:
        try:
            how = f"it was stopped by the system ({signal.Signals(-exitcode).name})"
        except ValueError:
            how = f"it was stopped by the system (signal {-exitcode})"
    else:
        how = f"it ended without an answer (status {exitcode})"
    allowed = f" ({_gigabytes(limit)})" if limit else ""
    return (f"Reading this file failed: {how}, most likely because the file needed more memory than allowed"
            f"{allowed} or is damaged in a way the reader cannot handle. If a sheet holds stray cells far below "
            "or to the right of the data, delete them in Excel, save, and upload again; otherwise open the file "
            "in Excel and save it again, or save the responses sheet as CSV and upload that.")


def _timeout_message(seconds: float) -> str:
    return (f"Reading this file took longer than {seconds:g} seconds, so it was stopped. A sheet may hold stray "
            "cells far below or to the right of the data, or far more rows and columns than a survey export: "
            "delete what is not needed in Excel, save, and upload again; or save the responses sheet as CSV "
            "and upload that.")


def _wait(conn, process, time_limit: float | None, progress: Callable[[float, str], None] | None = None
          ) -> tuple[str, Any]:
    """The child's outcome, or ``("timeout", None)`` / ``("died", None)``; the child's progress reports on the
    way are handed to ``progress``. Waiting on the pipe holds no lock: the server's other sessions run meanwhile."""
    deadline = None if time_limit is None else time.monotonic() + time_limit
    try:
        while True:
            if not conn.poll(None if deadline is None else max(0.0, deadline - time.monotonic())):
                return "timeout", None
            message = conn.recv()
            if isinstance(message, tuple) and message[:1] == ("progress",):
                if progress is not None:
                    progress(message[1], message[2])
                continue
            return _receive(conn, message)
    except (EOFError, OSError):
        return "died", None


def _stop(process) -> None:
    if process.is_alive():
        process.kill()
    process.join(10)


def run_isolated(target: Callable, *args, file_name: str | None, memory_limit: int | None = None,
                 time_limit: float | None = None, progress: Callable[[float, str], None] | None = None, **kwargs):
    """``target(*args, **kwargs)`` run in a child process; its result, pickled back.

    ``target`` must be a module-level function (it is pickled by name). ``memory_limit`` (bytes of address
    space) and ``time_limit`` (seconds) default to ``settings.READ_MEMORY_LIMIT_BYTES`` and
    ``settings.READ_TIME_LIMIT_SECONDS``, read at call time. ``file_name`` is named in the errors. With
    ``progress`` the target is called with a ``progress=`` of its own, whose ``(fraction, message)`` reports
    reach ``progress`` here while the child works.

    Raises
    ------
    InputError
        Raised by ``target`` in the child (same message and location), or the child ran out of memory,
        was killed (signal) or took longer than the time limit: the message says which, and what to try.
    RuntimeError
        Any other exception in the child (a bug), with the child's traceback.
    """
    memory_limit = settings.READ_MEMORY_LIMIT_BYTES if memory_limit is None else memory_limit
    time_limit = settings.READ_TIME_LIMIT_SECONDS if time_limit is None else time_limit
    _fork_context()
    receiver, sender = multiprocessing.Pipe(duplex=False)
    process = _ReaderProcess(target=_child_main, args=(sender, target, args, kwargs, memory_limit,
                                                       progress is not None), daemon=True)
    try:
        process.start()
        sender.close()
        kind, payload = _wait(receiver, process, time_limit, progress)
    finally:
        receiver.close()
        _stop(process)
    if kind == "ok":
        return payload
    if kind == "input_error":
        message, file, sheet, column, row = payload
        raise InputError(message, file=file, sheet=sheet, column=column, row=row)
    if kind == "memory":
        raise InputError(_memory_message(memory_limit), file=file_name)
    if kind == "timeout":
        raise InputError(_timeout_message(time_limit), file=file_name)
    if kind == "error":
        raise RuntimeError(f"Reading {file_name!r} failed in the reading process:\n{payload}")
    raise InputError(_died_message(process.exitcode, memory_limit), file=file_name)


# ------------------------------------------------------------------------------------------------
# Reading a source
# ------------------------------------------------------------------------------------------------
def should_isolate(src) -> bool:
    """Workbooks always; CSV when larger than ``settings.ISOLATE_READS_ABOVE_BYTES`` (see the module
    docstring). ``settings.ISOLATE_READS_ABOVE_BYTES = None`` reads everything in the parent."""
    threshold = settings.ISOLATE_READS_ABOVE_BYTES
    if threshold is None or not ISOLATION_AVAILABLE:
        return False
    return src.kind == "workbook" or src.size > threshold


def read_in_process(src, *, sheet: str | None, columns: list[str] | None, header_only: bool):
    """The reader for ``src``'s kind, in this process: a :class:`~analytics.ingest.raw.RawTable`."""
    from analytics.ingest.csv_reader import read_csv
    from analytics.ingest.workbook import read_workbook

    if src.kind == "workbook":
        return read_workbook(src, sheet=sheet, columns=columns, header_only=header_only)
    return read_csv(src, columns=columns, header_only=header_only)


@contextlib.contextmanager
def _on_disk(src) -> Iterator:
    """``src`` as the child should get it: an upload held in memory (``src.data``) larger than
    ``settings.HAND_OVER_ON_DISK_BYTES`` is written to a temporary file, removed afterwards, and the child reads
    that file. Pickled into the child's launch message, the bytes would be copied once in this process (the
    message is built in memory) and once more in the child; on disk they are copied in neither."""
    threshold = settings.HAND_OVER_ON_DISK_BYTES
    if src.data is None or threshold is None or len(src.data) <= threshold:
        yield src
        return
    handle = tempfile.NamedTemporaryFile(prefix="upload_", suffix=Path(src.name).suffix, delete=False)
    try:
        with handle:
            handle.write(src.data)
        yield dataclasses.replace(src, path=Path(handle.name), data=None)
    finally:
        os.unlink(handle.name)


def read_source(src, *, sheet: str | None = None, columns: list[str] | None = None, header_only: bool = False):
    """Read an opened and checked :class:`~analytics.ingest.source.Source` into a RawTable: in a child process
    when :func:`should_isolate` (a large upload handed over on disk: :func:`_on_disk`), otherwise here. Same
    result either way."""
    if not should_isolate(src):
        return read_in_process(src, sheet=sheet, columns=columns, header_only=header_only)
    with _on_disk(src) as handed_over:
        return run_isolated(read_in_process, handed_over, file_name=src.name, sheet=sheet, columns=columns,
                            header_only=header_only)


def sheet_names_in_process(src) -> list[str]:
    """A workbook's sheet names, in workbook order (hidden sheets included), read in this process."""
    from analytics.ingest.workbook import load_workbook

    workbook = load_workbook(src)
    try:
        return list(workbook.sheet_names)
    finally:
        workbook.close()


def sheet_names(src) -> list[str]:
    """:func:`sheet_names_in_process`, in a child process when :func:`should_isolate` (opening a workbook
    reads its shared strings, which a hostile file can make huge)."""
    if not should_isolate(src):
        return sheet_names_in_process(src)
    return run_isolated(sheet_names_in_process, src, file_name=src.name)


def child_pid_probe() -> int:
    """The process id of whoever runs this (a cheap target to measure a child's start-up with)."""
    return os.getpid()


def address_space() -> int:
    """The address space (VmSize, bytes) of the process running this; 0 where ``/proc`` is absent. Run in a
    child, the size a reading child starts with, which ``settings.READ_MEMORY_LIMIT_BYTES`` includes."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0

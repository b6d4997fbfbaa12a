"""The dashboard's caches, keyed by one value: :attr:`analytics.dataset.Dataset.cache_key`, and bounded in bytes.

Every cached wrapper in ``ui/`` takes the :class:`~analytics.dataset.Dataset` itself as its first argument;
it is hashed by its ``cache_key`` (a digest of the files, column choices, anonymity threshold and HR
exclusions), never by its contents, and the remaining arguments are the page's choices (wave, unit,
measure…). The threshold and exclusions therefore never travel as loose arguments. Arguments whose name starts
with ``_`` are not part of the key (as in Streamlit's caches).

- :func:`cached_table` — the caller gets its own copy (tables a page may sort or edit).
- :func:`cached_object` — one shared object, never changed after it is built (Plotly figures, result objects),
  which keeps reruns fast.

Both keep two stores (:func:`per_audience`): the sample and published waves in the server-wide store, shared by
every session (held by ``st.cache_resource``, so ``st.cache_resource.clear()`` empties it); a session's preview
of its own uploads (``DatasetSpec.is_preview``) in a store of that session alone, kept in its session state:
no other session can reach it, and its memory goes when the session ends. Nothing of a user's data sits in a
module global.

The eviction rule (:class:`BudgetStore`)
----------------------------------------
Each store has a byte budget (``settings.CACHE_BUDGET_BYTES`` server-wide, ``settings.SESSION_CACHE_BUDGET_BYTES``
per session) and each cached function an entry limit (``max_entries``) within it. An entry's size is estimated
cheaply when it is stored (:func:`estimate_bytes`); a large part held by several entries (the survey results
held both by the survey cache and by the dataset built on them) is counted once, while any entry holds it.
Storing an entry past either limit drops the least recently used entries (of that function for the entry
limit, of any function for the budget) until both hold; a result larger than the whole budget is returned to
the caller but not kept.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import inspect
import pickle
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from analytics import settings
from analytics.dataset import Dataset, DatasetSpec

F = TypeVar("F", bound=Callable)

#: How a dataset argument is hashed: by its one key.
DATASET_HASH_FUNCS = {Dataset: lambda dataset: dataset.cache_key}
#: Entries kept per cached function (every wave × directorate × unit a session visits, a few sessions over).
DEFAULT_MAX_ENTRIES = 32
#: Entries kept per cached function for one session's preview of its uploads.
PREVIEW_MAX_ENTRIES = 16
#: Parts at least this large (a table, a column, a file's bytes) are counted once per store however many entries
#: hold them; smaller ones are counted in each entry.
SHARED_PART_BYTES = 64 * 1024
#: Values of an object column sampled to estimate its text's size.
_SAMPLED_VALUES = 64
#: Session-state key of the session's own store.
_SESSION_STORE_KEY = "ui_cache_session_store"


# ------------------------------------------------------------------------------------------------
# Size estimates
# ------------------------------------------------------------------------------------------------
def _object_column_bytes(values: pd.Series | pd.Index) -> int:
    """Text held by an object column beyond its pointers: the mean ``sys.getsizeof`` of up to
    ``_SAMPLED_VALUES`` evenly spaced values, times the number of values."""
    n = len(values)
    if n == 0:
        return 0
    step = max(1, n // _SAMPLED_VALUES)
    sample = values[::step][:_SAMPLED_VALUES]
    return int(sum(sys.getsizeof(v) for v in sample) / len(sample) * n)


def _holds_python_text(dtype) -> bool:
    """Object columns, and pandas' string columns stored as Python objects (Arrow-backed ones are measured
    exactly by ``memory_usage``)."""
    return dtype == object or (isinstance(dtype, pd.StringDtype) and dtype.storage == "python")


def _frame_bytes(frame: pd.DataFrame | pd.Series) -> int:
    """``memory_usage(deep=False)`` (buffers, and pointers of object columns) plus the sampled text of object
    columns."""
    if isinstance(frame, pd.Series):
        size = int(frame.memory_usage(index=True, deep=False))
        return size + (_object_column_bytes(frame) if _holds_python_text(frame.dtype) else 0)
    size = int(frame.memory_usage(index=True, deep=False).sum())
    for _name, column in frame.items():
        if _holds_python_text(column.dtype):
            size += _object_column_bytes(column)
    return size


def _figure_bytes(figure) -> int:
    """A Plotly figure by its traces' data arrays (plus 1 KB a trace and 4 KB of layout)."""
    size = 4096
    for trace in figure.data:
        size += 1024
        for name in ("x", "y", "z", "text", "customdata", "hovertext", "values", "labels", "ids"):
            value = trace[name] if name in trace else None
            if value is not None:
                size += _leaf_bytes(value)
    return size


def _leaf_bytes(value) -> int:
    if isinstance(value, np.ndarray):
        return int(value.nbytes) + (_object_column_bytes(pd.Series(value)) if value.dtype == object else 0)
    if isinstance(value, (list, tuple)):
        return 8 * len(value) + _object_column_bytes(pd.Series(value, dtype=object)) if value else 0
    return sys.getsizeof(value)


def _buffer_bytes(value) -> int:
    """A table, column, index, array, bytes or text: its bytes."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return _frame_bytes(value)
    if isinstance(value, pd.Index):
        return int(value.memory_usage(deep=False)) + (_object_column_bytes(value) if _holds_python_text(value.dtype)
                                                      else 0)
    if isinstance(value, np.ndarray):
        return _leaf_bytes(value)
    return len(value)


def _members(value) -> list:
    """What a container, dataclass or plain object holds (cached properties too)."""
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    members = ({f.name: getattr(value, f.name, None) for f in dataclasses.fields(value)}
               if dataclasses.is_dataclass(value) else {})
    members.update(getattr(value, "__dict__", {}))
    return list(members.values())


_BUFFERS = (pd.DataFrame, pd.Series, pd.Index, np.ndarray, bytes, bytearray, str)


def _parts(value, parts: dict[int, tuple[int, Any]], seen: set[int], depth: int = 0) -> int:
    """Bytes of ``value`` counted in place; parts of at least ``SHARED_PART_BYTES`` go to ``parts``
    (id -> (bytes, object)) instead. The uploaded files of a spec are not counted: they belong to the
    session's uploads (bounded by ``settings.SESSION_UPLOAD_LIMIT_BYTES``) or to the sample."""
    if value is None or id(value) in seen or depth > 6 or isinstance(value, (DatasetSpec, type)):
        return 0
    seen.add(id(value))
    if isinstance(value, _BUFFERS):
        size = _buffer_bytes(value)
        if size >= SHARED_PART_BYTES:
            parts[id(value)] = (size, value)
            return 0
        return size
    if type(value).__module__.startswith("plotly"):
        return _figure_bytes(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return 56 + 8 * len(value) + sum(_parts(v, parts, seen, depth + 1) for v in value)
    if isinstance(value, dict) or dataclasses.is_dataclass(value) or hasattr(value, "__dict__"):
        return 64 + sum(_parts(v, parts, seen, depth + 1) for v in _members(value))
    return sys.getsizeof(value)


def estimate_bytes(value) -> int:
    """A cheap estimate of the memory ``value`` holds: DataFrames by ``memory_usage(deep=False)`` plus sampled
    text of object columns, bytes by their length, Plotly figures by their data arrays, containers, dataclasses
    and plain objects by their contents (each object once; a spec's files not counted)."""
    parts: dict[int, tuple[int, Any]] = {}
    own = _parts(value, parts, set())
    return own + sum(size for size, _ in parts.values())


# ------------------------------------------------------------------------------------------------
# The store
# ------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class _Entry:
    function: str
    value: Any
    own_bytes: int
    part_ids: tuple[int, ...]


class BudgetStore:
    """Cached results bounded by a byte budget and, per function, by a number of entries (the rule is in the
    module docstring). Thread-safe: the server-wide store is used by every session's script thread."""

    def __init__(self, budget_bytes: int):
        self.budget_bytes = int(budget_bytes)
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._parts: dict[int, list] = {}   # id -> [bytes, number of entries holding it, the object]
        self._own_total = 0
        self._lock = threading.RLock()
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}

    @property
    def total_bytes(self) -> int:
        """Estimated bytes held: every entry's own bytes plus every large part once."""
        with self._lock:
            return self._own_total + sum(p[0] for p in self._parts.values())

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self, function: str | None = None) -> list[tuple[str, str]]:
        """The keys held, least recently used first (of one function when given)."""
        with self._lock:
            return [k for k in self._entries if function is None or k[0] == function]

    def values(self) -> list:
        """The values held, least recently used first."""
        with self._lock:
            return [entry.value for entry in self._entries.values()]

    def get(self, function: str, key: str) -> tuple[bool, Any]:
        """(True, value) and the entry marked as just used, or (False, None)."""
        with self._lock:
            entry = self._entries.get((function, key))
            if entry is None:
                return False, None
            self._entries.move_to_end((function, key))
            return True, entry.value

    def key_lock(self, function: str, key: str) -> threading.Lock:
        """A lock per key, so that two sessions asking for the same result compute it once."""
        with self._lock:
            return self._key_locks.setdefault((function, key), threading.Lock())

    def put(self, function: str, key: str, value, *, max_entries: int) -> bool:
        """Store ``value``; drop least recently used entries past the limits. False when ``value`` alone is
        larger than the budget (then it is not kept)."""
        parts: dict[int, tuple[int, Any]] = {}
        own = _parts(value, parts, set())
        with self._lock:
            self._drop((function, key))
            if own + sum(size for size, _ in parts.values()) > self.budget_bytes:
                return False
            for part_id, (size, obj) in parts.items():
                held = self._parts.setdefault(part_id, [size, 0, obj])
                held[1] += 1
            self._entries[(function, key)] = _Entry(function, value, own, tuple(parts))
            self._own_total += own
            mine = [k for k in self._entries if k[0] == function]
            for old in mine[:max(0, len(mine) - max_entries)]:
                self._drop(old)
            while self.total_bytes > self.budget_bytes and len(self._entries) > 1:
                self._drop(next(iter(self._entries)))
            return True

    def _drop(self, key: tuple[str, str]) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self._own_total -= entry.own_bytes
        for part_id in entry.part_ids:
            held = self._parts[part_id]
            held[1] -= 1
            if held[1] == 0:
                del self._parts[part_id]
        self._key_locks.pop(key, None)

    def clear(self, function: str | None = None) -> None:
        """Drop every entry (of one function when given)."""
        with self._lock:
            for key in self.keys(function):
                self._drop(key)


@st.cache_resource(show_spinner=False)
def _shared_store() -> BudgetStore:
    """The server-wide store (one per server; ``st.cache_resource.clear()`` replaces it with an empty one)."""
    return BudgetStore(settings.CACHE_BUDGET_BYTES)


def _session_store() -> BudgetStore:
    """This session's own store, in its session state (gone with the session)."""
    store = st.session_state.get(_SESSION_STORE_KEY)
    if store is None:
        store = st.session_state[_SESSION_STORE_KEY] = BudgetStore(settings.SESSION_CACHE_BUDGET_BYTES)
    return store


def _token(value, hash_funcs: dict) -> str:
    for kind, func in hash_funcs.items():
        if isinstance(value, kind):
            return f"{kind.__name__}:{func(value)}"
    if value is None or isinstance(value, (str, int, float, bool, np.generic)):
        return repr(value)
    if isinstance(value, (tuple, list, frozenset)):
        return type(value).__name__ + "(" + ",".join(_token(v, hash_funcs) for v in value) + ")"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return repr(value)
    return hashlib.sha256(pickle.dumps(value, protocol=5)).hexdigest()


def _call_key(signature: inspect.Signature, hash_funcs: dict, args, kwargs) -> str:
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    text = "|".join(f"{name}={_token(value, hash_funcs)}" for name, value in bound.arguments.items()
                    if not name.startswith("_"))
    return hashlib.sha256(text.encode()).hexdigest()


def per_audience(cache, *, max_entries: int, preview_entries: int, spec_of: Callable, show_spinner: bool | str = False,
                 hash_funcs: dict | None = None, **_options) -> Callable[[F], F]:
    """Cache a function in two budgeted stores (:class:`BudgetStore`): server-wide for shared data (the sample,
    published waves; at most ``max_entries`` entries of this function), session-scoped for a session's preview
    of its uploads (at most ``preview_entries``). ``spec_of(*args, **kwargs)`` gives the call's
    :class:`~analytics.dataset.DatasetSpec`. ``cache`` is ``st.cache_data`` (each caller gets a copy of the
    result) or ``st.cache_resource`` (one shared result); ``show_spinner`` a text shown while computing."""
    copies = cache is st.cache_data
    funcs = {**DATASET_HASH_FUNCS, **(hash_funcs or {})}

    def decorate(func: F) -> F:
        signature = inspect.signature(func)
        name = f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def call(*args, **kwargs):
            in_session = get_script_run_ctx(suppress_warning=True) is not None   # not in bare scripts and tests
            own = in_session and spec_of(*args, **kwargs).is_preview
            store = _session_store() if own else _shared_store()
            key = _call_key(signature, funcs, args, kwargs)
            found, value = store.get(name, key)
            if not found:
                with store.key_lock(name, key):
                    found, value = store.get(name, key)
                    if not found:
                        if in_session and isinstance(show_spinner, str):
                            with st.spinner(show_spinner):
                                value = func(*args, **kwargs)
                        else:
                            value = func(*args, **kwargs)
                        store.put(name, key, value, max_entries=preview_entries if own else max_entries)
            return copy.deepcopy(value) if copies else value

        def clear() -> None:
            """Drop this function's entries: server-wide, and this session's when called in a session."""
            _shared_store().clear(name)
            if get_script_run_ctx(suppress_warning=True) is not None:
                _session_store().clear(name)
        call.clear = clear  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]
    return decorate


def _dataset_spec(dataset: Dataset, *args, **kwargs):
    return dataset.spec


def cached_table(max_entries: int = DEFAULT_MAX_ENTRIES) -> Callable[[F], F]:
    """Keyed by the dataset's ``cache_key`` and the other arguments; each caller gets its own copy."""
    return per_audience(st.cache_data, max_entries=max_entries, preview_entries=min(max_entries, PREVIEW_MAX_ENTRIES),
                        spec_of=_dataset_spec)


def cached_object(max_entries: int = DEFAULT_MAX_ENTRIES) -> Callable[[F], F]:
    """Keyed by the dataset's ``cache_key`` and the other arguments (the result is shared: nothing may change
    it)."""
    return per_audience(st.cache_resource, max_entries=max_entries,
                        preview_entries=min(max_entries, PREVIEW_MAX_ENTRIES), spec_of=_dataset_spec)

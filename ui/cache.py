"""The dashboard's caches, keyed by one value: :attr:`analytics.dataset.Dataset.cache_key`.

Every cached wrapper in ``ui/`` takes the :class:`~analytics.dataset.Dataset` itself as its first argument;
Streamlit hashes it by its ``cache_key`` (a digest of the files, column choices, anonymity threshold and HR
exclusions), never by its contents, and the remaining arguments are the page's choices (wave, unit,
measure…). The threshold and exclusions therefore never travel as loose arguments.

- :func:`cached_table` — ``st.cache_data``: the caller gets its own copy (tables a page may sort or edit).
- :func:`cached_object` — ``st.cache_resource``: one shared object, never changed after it is built
  (Plotly figures, result objects), which keeps reruns fast.

Both keep two caches (:func:`per_audience`): the sample and published waves in the server-wide cache, shared by
every session; a session's preview of its own uploads (``DatasetSpec.is_preview``) in a cache of that session
alone (``scope="session"``), which Streamlit drops when the session ends: no other session can reach it, and
its memory goes with it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from analytics.dataset import Dataset

F = TypeVar("F", bound=Callable)

#: How Streamlit hashes a dataset argument: by its one key.
DATASET_HASH_FUNCS = {Dataset: lambda dataset: dataset.cache_key}
#: Entries kept per cached function (every wave × directorate × unit a session visits, a few sessions over).
DEFAULT_MAX_ENTRIES = 32
#: Entries kept per cached function for one session's preview of its uploads.
PREVIEW_MAX_ENTRIES = 16


def per_audience(cache, *, max_entries: int, preview_entries: int, spec_of: Callable, **options) -> Callable[[F], F]:
    """Decorate a function with two Streamlit caches (``cache`` is ``st.cache_data`` or ``st.cache_resource``):
    server-wide for shared data (the sample, published waves), session-scoped for a session's preview of its
    uploads. ``spec_of(*args, **kwargs)`` gives the call's :class:`~analytics.dataset.DatasetSpec`."""
    def decorate(func: F) -> F:
        shared = cache(max_entries=max_entries, **options)(func)
        own = cache(max_entries=preview_entries, scope="session", **options)(func)

        @functools.wraps(func)
        def call(*args, **kwargs):
            in_session = get_script_run_ctx(suppress_warning=True) is not None   # not in bare scripts and tests
            return (own if in_session and spec_of(*args, **kwargs).is_preview else shared)(*args, **kwargs)

        def clear() -> None:
            shared.clear()
            if get_script_run_ctx(suppress_warning=True) is not None:
                own.clear()
        call.clear = clear  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]
    return decorate


def _dataset_spec(dataset: Dataset, *args, **kwargs):
    return dataset.spec


def cached_table(max_entries: int = DEFAULT_MAX_ENTRIES) -> Callable[[F], F]:
    """``st.cache_data`` keyed by the dataset's ``cache_key`` and the other arguments."""
    return per_audience(st.cache_data, max_entries=max_entries, preview_entries=min(max_entries, PREVIEW_MAX_ENTRIES),
                        spec_of=_dataset_spec, show_spinner=False, hash_funcs=DATASET_HASH_FUNCS)


def cached_object(max_entries: int = DEFAULT_MAX_ENTRIES) -> Callable[[F], F]:
    """``st.cache_resource`` keyed by the dataset's ``cache_key`` and the other arguments (the result is
    shared: nothing may change it)."""
    return per_audience(st.cache_resource, max_entries=max_entries,
                        preview_entries=min(max_entries, PREVIEW_MAX_ENTRIES), spec_of=_dataset_spec,
                        show_spinner=False, hash_funcs=DATASET_HASH_FUNCS)

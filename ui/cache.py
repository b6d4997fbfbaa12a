"""The dashboard's caches, keyed by one value: :attr:`analytics.dataset.Dataset.cache_key`.

Every cached wrapper in ``ui/`` takes the :class:`~analytics.dataset.Dataset` itself as its first argument;
Streamlit hashes it by its ``cache_key`` (a digest of the files, column choices, anonymity threshold and HR
exclusions), never by its contents, and the remaining arguments are the page's choices (wave, unit,
measure…). The threshold and exclusions therefore never travel as loose arguments.

- :func:`cached_table` — ``st.cache_data``: the caller gets its own copy (tables a page may sort or edit).
- :func:`cached_object` — ``st.cache_resource``: one shared object, never changed after it is built
  (Plotly figures, result objects), which keeps reruns fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from analytics.dataset import Dataset

F = TypeVar("F", bound=Callable)

#: How Streamlit hashes a dataset argument: by its one key.
DATASET_HASH_FUNCS = {Dataset: lambda dataset: dataset.cache_key}
#: Entries kept per cached function (every wave × directorate × unit a session visits, a few sessions over).
DEFAULT_MAX_ENTRIES = 32


def cached_table(max_entries: int = DEFAULT_MAX_ENTRIES) -> Callable[[F], F]:
    """``st.cache_data`` keyed by the dataset's ``cache_key`` and the other arguments."""
    return st.cache_data(max_entries=max_entries, show_spinner=False, hash_funcs=DATASET_HASH_FUNCS)


def cached_object(max_entries: int = DEFAULT_MAX_ENTRIES) -> Callable[[F], F]:
    """``st.cache_resource`` keyed by the dataset's ``cache_key`` and the other arguments (the result is
    shared: nothing may change it)."""
    return st.cache_resource(max_entries=max_entries, show_spinner=False, hash_funcs=DATASET_HASH_FUNCS)

"""The dashboard's caches are bounded in bytes as well as entries (ui/cache.py): the eviction rule and the size
estimates. Sizes below are worked by hand from the estimator's documented rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import streamlit as st

from analytics import settings
from analytics.dataset import sample_spec
from ui import cache
from ui.cache import BudgetStore, estimate_bytes

KB100 = 100_000   # above cache.SHARED_PART_BYTES (65,536): a part counted once per store


def test_estimates_bytes_frames_and_containers():
    assert estimate_bytes(b"x" * 1000) == 1000
    frame = pd.DataFrame({"a": np.zeros(1000)})
    # 1,000 float64 values = 8,000 bytes, plus a RangeIndex of a few hundred bytes at most.
    assert 8000 <= estimate_bytes(frame) <= 8000 + 500
    text = pd.DataFrame({"t": pd.Series(["x" * 50] * 1000, dtype=object)})
    # 1,000 pointers (8,000) + 1,000 strings of 50 ASCII characters (sys.getsizeof = 49 + 50 = 99 each).
    assert 8000 + 99_000 <= estimate_bytes(text) <= 8000 + 99_000 + 500
    big = b"y" * KB100
    # The same object twice is counted once: tuple 56 + 2 pointers x 8 = 72, plus 100,000.
    assert estimate_bytes((big, big)) == KB100 + 72


def test_estimates_a_figure_by_its_data():
    import plotly.graph_objects as go

    figure = go.Figure(go.Bar(x=np.arange(10_000, dtype=float), y=np.arange(10_000, dtype=float)))
    # Two arrays of 10,000 float64 = 160,000 bytes, plus 1 KB for the trace and 4 KB for the layout.
    assert 160_000 <= estimate_bytes(figure) <= 160_000 + 1024 + 4096 + 1000


def test_insert_past_budget_drops_least_recently_used():
    store = BudgetStore(250_000)
    assert store.put("f", "a", b"a" * KB100, max_entries=10)
    assert store.put("f", "b", b"b" * KB100, max_entries=10)
    assert store.total_bytes == 200_000
    assert store.put("f", "c", b"c" * KB100, max_entries=10)   # 300,000 > 250,000: the oldest (a) goes
    assert store.keys() == [("f", "b"), ("f", "c")]
    assert store.total_bytes == 200_000
    assert store.get("f", "b")[0]                               # b used: now c is the least recently used
    assert store.put("f", "d", b"d" * KB100, max_entries=10)
    assert store.keys() == [("f", "b"), ("f", "d")]
    assert store.get("f", "a") == (False, None)


def test_result_bigger_than_budget_is_not_kept():
    store = BudgetStore(250_000)
    store.put("f", "a", b"a" * KB100, max_entries=10)
    assert not store.put("f", "huge", b"h" * 300_000, max_entries=10)
    assert store.keys() == [("f", "a")]     # nothing else was dropped for it
    assert store.total_bytes == KB100


def test_entry_limit_is_per_function():
    store = BudgetStore(10**9)
    for key in "abc":
        store.put("f", key, key, max_entries=2)
    store.put("g", "z", "z", max_entries=2)
    assert store.keys("f") == [("f", "b"), ("f", "c")]
    assert store.keys("g") == [("g", "z")]


def test_a_part_held_by_two_entries_counts_once_until_both_go():
    store = BudgetStore(10**9)
    big = b"p" * KB100
    store.put("survey", "k", (big,), max_entries=5)      # tuple: 56 + 8 = 64 bytes of its own
    store.put("dataset", "k", (big,), max_entries=5)
    assert store.total_bytes == KB100 + 64 + 64
    store.clear("survey")
    assert store.total_bytes == KB100 + 64
    store.clear()
    assert store.total_bytes == 0 and len(store) == 0


def test_decorated_function_keeps_within_budget(monkeypatch):
    monkeypatch.setattr(settings, "CACHE_BUDGET_BYTES", 250_000)
    st.cache_resource.clear()   # a new server-wide store, with the budget above
    spec = sample_spec()
    calls = []

    @cache.per_audience(st.cache_resource, max_entries=10, preview_entries=2, spec_of=lambda size, _spec: _spec)
    def make(size: int, _spec):
        calls.append(size)
        return b"v" * size

    assert make(KB100, spec) == b"v" * KB100
    make(KB100, spec)
    assert calls == [KB100]                      # kept: computed once
    make(300_000, spec)
    make(300_000, spec)
    assert calls == [KB100, 300_000, 300_000]    # larger than the budget: returned, never kept
    make(KB100, spec)
    assert calls == [KB100, 300_000, 300_000]    # and the small one was not dropped for it
    make.clear()
    make(KB100, spec)
    assert calls[-1] == KB100 and len(calls) == 4
    st.cache_resource.clear()


def test_cached_table_gives_each_caller_a_copy():
    st.cache_resource.clear()
    spec = sample_spec()

    @cache.per_audience(st.cache_data, max_entries=4, preview_entries=2, spec_of=lambda _spec: _spec)
    def table(_spec):
        return pd.DataFrame({"a": [1.0, 2.0]})

    first = table(spec)
    first.loc[0, "a"] = 99.0
    assert table(spec)["a"].tolist() == [1.0, 2.0]
    st.cache_resource.clear()


@pytest.mark.parametrize("name", ["CACHE_BUDGET_BYTES", "SESSION_CACHE_BUDGET_BYTES", "SESSION_UPLOAD_LIMIT_BYTES"])
def test_budgets_live_in_settings(name):
    assert getattr(settings, name) > 0

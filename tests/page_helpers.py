"""Helpers shared by the page AppTests: the figures a page drew, one trace, and the no-error check."""

from __future__ import annotations

import json


def figures(at) -> list[dict]:
    """Every Plotly figure on the page, as its JSON spec."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def names(fig: dict) -> list[str]:
    return [t.get("name") for t in fig["data"]]


def trace(fig: dict, name: str) -> dict:
    found = [t for t in fig["data"] if t.get("name") == name]
    assert found, f"no trace {name!r} in {names(fig)}"
    return found[0]


def check_no_exception(at) -> None:
    """No exception box and no error message on the page."""
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]

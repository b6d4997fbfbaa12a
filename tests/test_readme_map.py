"""The README's map from each page section to the functions that compute it names only things that exist."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIXES = ("", "analytics.", "ui.", "render.", "cli.")


def map_rows() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Where each figure is computed", 1)[1]
    return [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| page")]


def dotted_names(row: str) -> list[str]:
    """Backticked ``module.attribute`` names of a table row (file paths and calls with arguments skipped)."""
    names = []
    for token in re.findall(r"`([^`]+)`", row):
        if "/" in token or " " in token or "(" in token or "=" in token or "." not in token:
            continue
        names.append(token)
    return names


def resolves(name: str) -> bool:
    """Whether ``name`` is an attribute path (or dataclass field) under one of the project's packages."""
    for prefix in PREFIXES:
        full = (prefix + name).split(".")
        for cut in range(len(full), 0, -1):
            try:
                target = importlib.import_module(".".join(full[:cut]))
            except ImportError:
                continue
            for attribute in full[cut:]:
                fields = getattr(target, "__dataclass_fields__", {})
                if hasattr(target, attribute):
                    target = getattr(target, attribute)
                elif attribute in fields:   # a dataclass field has no class attribute
                    target = fields[attribute]
                else:
                    break
            else:
                return True
            break
    return False


def test_every_name_in_the_map_exists():
    rows = map_rows()
    assert len(rows) >= 20, "the map lost its rows"
    names = [name for row in rows for name in dotted_names(row)]
    assert len(names) >= 60
    missing = sorted({name for name in names if not resolves(name)})
    assert missing == []


def test_every_page_appears_in_the_map():
    rows = "\n".join(map_rows())
    for page in ("Board", "Team explorer", "Trends", "Relationships", "Data", "Methods"):
        assert f"| {page}" in rows or f"/ {page}" in rows, page

"""The board pack's action-log section (analytics/report/actions_section.py) and its audit on the command line."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import store as workspace
from analytics.dataset import load_dataset, sample_spec
from analytics.report.actions_section import SECTION_KEY
from analytics.report.pack import build_board_pack


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(sample_spec())


def _team(dataset) -> tuple[str, str, float, float]:
    """A sample team shown in 2024 and 2025 on morale: (directorate, team, mean 2024, mean 2025)."""
    t = dataset.survey.unit_scores
    rows = t[(t["level"] == "team") & (t["measure"] == "morale") & ~t["suppressed"].astype(bool)]
    both = rows.groupby(["parent", "unit"])["wave"].apply(set)
    parent, unit = next(k for k, v in both.items() if {"2024", "2025"} <= v)
    mean = rows.set_index(["parent", "unit", "wave"])["mean"]
    return parent, unit, float(mean[(parent, unit, "2024")]), float(mean[(parent, unit, "2025")])


def test_pack_lists_actions_with_the_figures_beside_them(dataset):
    parent, unit, before, after = _team(dataset)
    log = pd.DataFrame([
        {"id": 1, "level": "team", "parent": parent, "unit": unit, "wave": "2024", "addresses": "morale",
         "title": "Rota fairness review", "owner": "Matron", "due": "2024-12-31", "status": "done", "notes": ""},
        {"id": 2, "level": "team", "parent": "Nowhere", "unit": "Ghost ward", "wave": "2024", "addresses": "morale",
         "title": "Not in this dataset", "owner": "", "due": None, "status": "open", "notes": ""},
    ])
    pack = build_board_pack(dataset, wave="2025", actions=log)
    section = next(s for s in pack.sections if s.key == SECTION_KEY)
    table = next(b for b in section.blocks if hasattr(b, "frame")).frame
    assert table["title"].tolist() == ["Rota fairness review"]          # the unit outside the dataset is left out
    row = table.iloc[0]
    assert (row["value_raised"], row["value_next"]) == (before, after)
    assert row["change"] == pytest.approx(after - before)
    assert "1 actions recorded: 0 open, 0 in progress, 1 done, 0 dropped." in section.blocks[0].text
    assert SECTION_KEY not in [s.key for s in build_board_pack(dataset, wave="2025").sections]


def test_report_from_the_store_has_the_actions_and_is_audited(tmp_path, capsys):
    from cli import main

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    store = workspace.open_store(url)
    workspace.publish(store, sample_spec(), by="od@trust.nhs.uk")
    dataset = load_dataset(workspace.load_published(store))
    parent, unit, _, _ = _team(dataset)
    workspace.add_action(store, {"level": "team", "parent": parent, "unit": unit, "wave": "2024",
                                 "addresses": "attending", "title": "Listening rounds", "status": "in progress"},
                         by="od@trust.nhs.uk")
    out = tmp_path / "pack.html"
    assert main(["report", "--store", url, "--wave", "2025", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "Actions: you said, we did" in html and "Listening rounds" in html
    assert workspace.audit_log(store)["action"].iloc[-1] == "board pack written (command line)"

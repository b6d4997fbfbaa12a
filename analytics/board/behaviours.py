"""The four behaviours of compassionate leadership at organisation level, the weakest of them and what
to do about it (guidance.json)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analytics import settings
from analytics.board.common import BEHAVIOUR_COLUMNS, GUIDANCE_COLUMNS, _float, previous_wave
from analytics.errors import InputError
from analytics.ingest.codebook import Codebook, load_codebook
from analytics.missing import is_missing


#: The four-behaviours mapping is the project's reading (domain.md §1).
BEHAVIOURS_NOTE = "The four-behaviours mapping of questions is an interpretation, not NHS method."


GUIDANCE_FILE = Path(__file__).resolve().parent / "guidance.json"


@lru_cache(maxsize=4)
def _guidance_cached(path: str) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"The guidance file could not be read: {exc}.", file=path) from None
    for key in ("sources", "behaviours", "support"):
        if key not in data:
            raise InputError(f"The guidance file has no '{key}' section.", file=path)
    return data


def load_guidance(path: str | Path | None = None) -> dict:
    """The what-to-do guidance (``analytics/board/guidance.json`` unless ``path`` is given): ``sources``
    (id → citation), ``behaviours`` (id → label, question_theme, summary, actions, source) and
    ``support`` (wellbeing conversations, guardians, champions, Mental Health First Aiders)."""
    return json.loads(json.dumps(_guidance_cached(str(path or GUIDANCE_FILE))))  # a copy callers may change


def guidance_table(behaviours: Iterable[str], guidance: dict | None = None) -> pd.DataFrame:
    """What to do, as rows a page or a paper can list.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GUIDANCE_COLUMNS`. For each behaviour in ``behaviours`` (in order): one row per
        action (``section`` "behaviour", ``heading`` the behaviour's label); then one row per support
        item (``section`` "support": health and wellbeing conversations, wellbeing guardian, wellbeing
        champions, Mental Health First Aiders). ``source`` is the full citation of ``source_id``.
    """
    guidance = guidance or load_guidance()
    sources = guidance["sources"]
    rows = []
    for behaviour in behaviours:
        entry = guidance["behaviours"].get(behaviour)
        if entry is None:
            continue
        for action in entry["actions"]:
            rows.append({"section": "behaviour", "behaviour": behaviour, "heading": entry["label"], "text": action,
                         "source_id": entry["source"], "source": sources.get(entry["source"], entry["source"])})
    for item in guidance["support"]:
        rows.append({"section": "support", "behaviour": None, "heading": item["heading"], "text": item["text"],
                     "source_id": item["source"], "source": sources.get(item["source"], item["source"])})
    return pd.DataFrame(rows, columns=list(GUIDANCE_COLUMNS))


def _organisation_row(org: pd.DataFrame, wave: str | None, item: str) -> pd.Series | None:
    """The organisation's item-result row of ``item`` (code matched without case) in ``wave``, or None."""
    if wave is None:
        return None
    hit = org[(org["wave"].astype(str) == wave) & (org["item"].astype(str).str.casefold() == item.casefold())]
    return None if hit.empty else hit.iloc[0]


_BEHAVIOUR_LABELS = {"attending": "Attending", "understanding": "Understanding", "empathising": "Empathising",
                     "helping": "Helping"}


def _shown(row: pd.Series | None) -> bool:
    return row is not None and not bool(row["suppressed"]) and not is_missing(row["pct_positive"])


def _behaviour_figures(now: pd.Series | None, before: pd.Series | None) -> dict:
    """``n``, ``pct_positive``, ``previous_pct_positive``, ``change_points`` and ``suppressed`` of one behaviour
    from its organisation rows this wave and the wave before (missing, never zero, when not shown)."""
    pct = float(now["pct_positive"]) if _shown(now) else math.nan
    pct_before = float(before["pct_positive"]) if _shown(before) else math.nan
    return {"n": _float(now["n"]) if _shown(now) else math.nan, "pct_positive": pct,
            "previous_pct_positive": pct_before, "change_points": pct - pct_before,
            "suppressed": now is not None and bool(now["suppressed"])}


def behaviour_results(item_results: pd.DataFrame, wave: str, codebook: Codebook | None = None) -> pd.DataFrame:
    """The four behaviours of compassionate leadership at organisation level, % positive.

    Parameters
    ----------
    item_results
        The suppressed question-level table (:data:`analytics.settings.ITEM_RESULT_COLUMNS`).
    wave
        The wave described; the previous wave (if any) is shown alongside, without a test.
    codebook
        Supplies the behaviour → question mapping (``codebook.behaviours``: attending → q9g,
        understanding → q9f, empathising → q9h, helping → q9i) and the wording.

    Returns
    -------
    pandas.DataFrame
        One row per behaviour in the codebook's order (refs B1–B4), columns :data:`BEHAVIOUR_COLUMNS`:
        ``behaviour``, ``label``, ``item``, ``wording``, ``wave``, ``n`` (answers), ``pct_positive`` (the two
        favourable options, 0–100), ``previous_wave``, ``previous_pct_positive``, ``change_points``,
        ``weakest`` (True for the lowest % positive; all tied rows at full precision), ``suppressed``,
        ``note`` (:data:`BEHAVIOURS_NOTE`). A suppressed or missing organisation question has no
        numbers and is never the weakest.
    """
    book = codebook or load_codebook()
    mapping = book.behaviours
    if not mapping:
        raise InputError("The codebook does not map the four behaviours to questions.")
    wave = str(wave)
    waves = sorted(item_results["wave"].dropna().astype(str).unique())
    prev = previous_wave(waves, wave) if wave in waves else None
    org = item_results[item_results["level"] == settings.LEVEL_ORGANISATION]
    note = book.behaviours_note or BEHAVIOURS_NOTE
    rows = [{"ref": f"B{i + 1}", "behaviour": behaviour, "label": _BEHAVIOUR_LABELS.get(behaviour, behaviour.capitalize()),
             "item": item, "wording": book.items[item].wording if item in book.items else "", "wave": wave,
             **_behaviour_figures(_organisation_row(org, wave, item), _organisation_row(org, prev, item)),
             "previous_wave": prev, "weakest": False, "note": note}
            for i, (behaviour, item) in enumerate(mapping.items())]
    out = pd.DataFrame(rows, columns=list(BEHAVIOUR_COLUMNS))
    values = out["pct_positive"].astype(float)
    if values.notna().any():
        out["weakest"] = (values == values.min()).to_numpy()
    return out


@dataclass
class WeakestBehaviour:
    """The weakest behaviour(s) and what to do.

    ``behaviours``: ids of the weakest (several if tied; empty when no behaviour can be shown);
    ``table``: :func:`behaviour_results`; ``guidance``: :func:`guidance_table` for the weakest;
    ``summaries``: behaviour id → one-sentence description; ``sources``: id → citation; ``note``: the
    interpretation label.
    """

    wave: str
    behaviours: tuple[str, ...]
    table: pd.DataFrame
    guidance: pd.DataFrame
    summaries: dict[str, str]
    sources: dict[str, str]
    note: str = BEHAVIOURS_NOTE

    @property
    def refs(self) -> list[str]:
        return self.table.loc[self.table["weakest"].astype(bool), "ref"].tolist()


def weakest_behaviour(item_results: pd.DataFrame, wave: str, codebook: Codebook | None = None,
                      guidance: dict | None = None) -> WeakestBehaviour:
    """The behaviour with the lowest organisation-level % positive in ``wave``, and the guidance for it.

    The behaviours are compared on % positive of their question (:func:`behaviour_results`); the
    differences may be small and are not tested — the point is where to start. Without any shown
    behaviour, ``behaviours`` is empty and the guidance lists the support items only.
    """
    guidance = guidance or load_guidance()
    table = behaviour_results(item_results, wave, codebook)
    weakest = tuple(table.loc[table["weakest"].astype(bool), "behaviour"])
    return WeakestBehaviour(
        wave=str(wave), behaviours=weakest, table=table, guidance=guidance_table(weakest, guidance),
        summaries={b: e["summary"] for b, e in guidance["behaviours"].items()}, sources=dict(guidance["sources"]),
        note=str(table["note"].iloc[0]) if len(table) else BEHAVIOURS_NOTE)

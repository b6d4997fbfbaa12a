"""The board pack's cover page: the paper's details, an executive summary of at most five sentences built from
the figures, what the board is asked to note or decide, and the data sources.

Every sentence is built from the same frames the body's tables show (the headline table, the exception lists,
the four behaviours, the relationships table), so the cover cannot say something the pages do not. The words
are plain: "unlikely to be chance" for a statistically significant change, "associated with" for a
relationship between teams, never "causes".
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analytics import format as fmt
from analytics.board import BoardReport
from analytics.dataset import Dataset
from analytics.missing import is_missing
from analytics.report.pack_annex import sources_in_brief
from analytics.report.pack_model import DEFAULT_PURPOSE, Cover, PaperDetails
from analytics.report.pack_relationships import OUTCOME_LABELS

#: Most sentences in the executive summary.
MAX_SUMMARY_SENTENCES = 5
_RAG_ORDER = ("Red", "Amber", "Green")


def _value_text(value: object, kind: str) -> str:
    if kind == "pct":
        return fmt.format_pct(value)
    if kind == "score":
        return fmt.format_score(value)
    return fmt.format_n(value)


_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _count(n: int) -> str:
    """A count in words up to ten, in figures above ("one", "12")."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else f"{n:,}"


def _names(labels: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def rag_sentence(headline: pd.DataFrame) -> str | None:
    """The RAG position in one sentence, worst first ("Morale is red; leaver rate is amber; …")."""
    parts = []
    for rag in _RAG_ORDER:
        labels = [str(label).lower() for label in headline.loc[headline["rag"] == rag, "label"]]
        if labels:
            parts.append(f"{_names(labels)} {'is' if len(labels) == 1 else 'are'} {rag.lower()}")
    if not parts:
        return None
    text = "; ".join(parts)
    return f"RAG position: {text}."


def change_sentence(headline: pd.DataFrame, wave: str, previous: str | None) -> str:
    """The headline changes unlikely to be chance, or that there are none."""
    if previous is None:
        return f"There is no survey wave before {wave} to compare with."
    moved = headline[headline["significant"].map(lambda v: not is_missing(v) and bool(v))]
    if moved.empty:
        return f"No headline measure changed since {previous} by more than chance would explain."
    parts = []
    for row in moved.itertuples(index=False):
        direction = "rose" if float(row.change) > 0 else "fell"
        parts.append(f"{row.label.lower()} {direction} from {_value_text(row.previous, row.kind)} to "
                     f"{_value_text(row.value, row.kind)}")
    text = _names(parts)
    return f"Since {previous}, {text}: {'a change' if len(parts) == 1 else 'changes'} unlikely to be chance."


def exceptions_sentence(report: BoardReport) -> str | None:
    found = report.exceptions
    if not found.has_hr or found.window_start is None:
        return None
    teams = len(found.low_leadership)
    falls = len(found.falls)
    first = (f"{_count(teams)} team{'s' if teams != 1 else ''} "
             f"combine{'s' if teams == 1 else ''} a low compassionate leadership score with high leaving or sickness "
             "absence")
    if found.previous_wave is None:
        return first + "."
    second = (f"{_count(falls)} team score{'s' if falls != 1 else ''} fell by more than chance "
              "would explain")
    return f"{first}, and {second}."


def behaviour_sentence(report: BoardReport) -> str | None:
    weakest = report.weakest
    if not weakest.behaviours:
        return None
    table = weakest.table[weakest.table["behaviour"].isin(weakest.behaviours)]
    names = _names([str(label).lower() for label in table["label"]])
    values = _names([fmt.format_pct(v) for v in table["pct_positive"]])
    return (f"Of the four behaviours of compassionate leadership, {names} had the lowest share of positive "
            f"answers ({values}).")


def relationship_sentence(frame: pd.DataFrame | None) -> str | None:
    """The clearest association between teams, in words; or that none is clear."""
    if frame is None or frame.empty:
        return None
    r = pd.to_numeric(frame["r"], errors="coerce").astype(float)
    clear = frame[frame["clear"].map(lambda v: v is True) & np.isfinite(r)]
    if clear.empty:
        return ("Across teams, no survey measure has a clear association with leaving, sickness absence or "
                "stability.")
    best = clear.loc[pd.to_numeric(clear["r"]).abs().idxmax()]
    outcome = OUTCOME_LABELS.get(str(best["y"]), str(best["outcome_label"])).lower()
    direction = "higher" if float(best["r"]) > 0 else "lower"
    return (f"Across teams, a higher {str(best['measure_label']).lower()} score is associated with a {direction} "
            f"{outcome} ({str(best['in_words']).split(':')[0]} association).")


def executive_summary(report: BoardReport | None, relationships: pd.DataFrame | None, *, wave: str | None,
                      previous: str | None) -> list[str]:
    """At most :data:`MAX_SUMMARY_SENTENCES` sentences: RAG position, changes, exceptions, the weakest
    behaviour, the clearest relationship (each only when it has figures)."""
    if report is None or wave is None:
        return ["There are no survey results, so there is nothing to summarise: add at least one survey file."]
    sentences = [rag_sentence(report.headline), change_sentence(report.headline, wave, previous),
                 exceptions_sentence(report), behaviour_sentence(report), relationship_sentence(relationships)]
    found = [s[0].upper() + s[1:] for s in sentences if s]
    return found[:MAX_SUMMARY_SENTENCES]


def board_asks(report: BoardReport | None, table_refs: dict[str, str]) -> list[str]:
    """What the board is asked to note or decide, pointing to the tables that support each."""
    if report is None:
        return ["Note that no survey results were available for this report."]
    headline = report.headline
    asks = [f"Note the RAG position of the headline measures ({table_refs.get('H', 'the RAG summary')})."]
    found = report.exceptions
    if found.has_hr and found.window_start is not None and len(found.low_leadership):
        teams = len(found.low_leadership)
        asks.append(f"Note the {_count(teams)} team{'s' if teams != 1 else ''} listed for attention "
                    f"({table_refs.get('E', 'Exceptions')}) and seek assurance that actions are in hand.")
    if report.weakest.behaviours:
        names = _names([str(label).lower() for label in
                        report.weakest.table.loc[report.weakest.table["behaviour"].isin(report.weakest.behaviours),
                                                 "label"]])
        asks.append(f"Support the actions on the weakest behaviour of compassionate leadership, {names}.")
    if headline["rag"].isin(_RAG_ORDER).any():
        asks.append(f"Decide whether the local RAG thresholds ({table_refs.get('T', 'Headline measures')}) remain "
                    "appropriate.")
    return asks


def build_cover(dataset: Dataset, report: BoardReport | None, relationships: pd.DataFrame | None,
                table_refs: dict[str, str], paper: PaperDetails, *, wave: str | None, previous: str | None,
                generated_at: dt.datetime) -> Cover:
    """The cover of the pack (see the module docstring)."""
    return Cover(meeting=paper.meeting.strip(), purpose=paper.purpose.strip() or DEFAULT_PURPOSE,
                 owner=paper.owner.strip(), author=paper.author.strip(),
                 paper_date=paper.paper_date or generated_at.date(),
                 summary=executive_summary(report, relationships, wave=wave, previous=previous),
                 asks=board_asks(report, table_refs), sources=sources_in_brief(dataset))

"""Published results of several organisations in one file: which one is "ours", and how it compares with
the others (the benchmark group).

A file of published results (one row per trust, e.g. the NSS People Promise scores by organisation)
holds many organisations at the organisation level. The Board describes one organisation, so the user
picks theirs — never the first row (domain.md §2a). :func:`for_organisation` gives the survey results
the Board then reads (only that organisation at the organisation level), and :func:`peer_comparison`
the median, best and worst of the other organisations of the same wave, which serve as the Board's
benchmarks. Comparator rows of the file (a median or an average row: :mod:`analytics.ingest.comparators`)
are never an organisation of their own and never counted among the peers.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from analytics import settings
from analytics.errors import InputError
from analytics.ingest.comparators import comparator_kind
from analytics.survey.pipeline import SurveyResults

#: Columns of :func:`peer_comparison`.
PEER_COLUMNS = ("measure", "value", "peers", "median", "best", "worst", "rank", "of", "group")
#: Unit property of an organisation's benchmark group (:mod:`analytics.ingest.published_workbook`).
BENCHMARK_GROUP_PROPERTY = "benchmark_group"


def benchmark_groups(survey: SurveyResults | None) -> dict[str, str]:
    """Organisation -> benchmark group, for published files that give one (an NSS benchmark workbook read
    whole: one sheet per group); empty otherwise. Organisations keyed by an ODS code carry their shown name
    ("Northfield Trust (R0A)"), as in the unit table."""
    out: dict[str, str] = {}
    for entry in (survey.files if survey is not None else []):
        properties = entry.get("unit_properties")
        if properties is None or not len(properties):
            continue
        labels = entry.get("unit_labels") or {}
        names = {code: f"{name} ({code})" for code, name in labels.items() if name and name != code}
        rows = properties[properties["property"] == BENCHMARK_GROUP_PROPERTY]
        for unit, group in zip(rows["unit"].astype(str), rows["value"].astype(str)):
            out[names.get(unit, unit)] = group
    return out


def _organisation_rows(survey: SurveyResults) -> pd.DataFrame:
    table = survey.unit_scores
    rows = table[table["level"] == settings.LEVEL_ORGANISATION]
    return rows[rows["unit"].map(comparator_kind).isna()]


def organisations(survey: SurveyResults | None) -> list[str]:
    """The organisations of the file at the organisation level (comparator rows left out), sorted."""
    if survey is None:
        return []
    return sorted(_organisation_rows(survey)["unit"].astype(str).unique().tolist())


def needs_our_organisation(survey: SurveyResults | None) -> bool:
    """True when the results hold several organisations, so the user must say which one is theirs."""
    return len(organisations(survey)) > 1


def for_organisation(survey: SurveyResults, organisation: str) -> SurveyResults:
    """The survey results with ``organisation`` as the only unit at the organisation level (the others
    and comparator rows are left out of that level; other levels are unchanged).

    Raises :class:`InputError` for a name the file does not hold.
    """
    names = organisations(survey)
    if organisation not in names:
        raise InputError(f"'{organisation}' is not an organisation of these results. Choose one of: "
                         + ", ".join(names[:10]) + (" …" if len(names) > 10 else "") + ".")
    table = survey.unit_scores
    keep = (table["level"] != settings.LEVEL_ORGANISATION) | (table["unit"].astype(str) == organisation)
    items = survey.item_results
    if "level" in items.columns and "unit" in items.columns:
        items = items[(items["level"] != settings.LEVEL_ORGANISATION) | (items["unit"].astype(str) == organisation)]
    return dataclasses.replace(survey, unit_scores=table[keep].reset_index(drop=True),
                               item_results=items.reset_index(drop=True))


def peer_comparison(survey: SurveyResults, organisation: str, wave: str) -> pd.DataFrame:
    """Our organisation against the other organisations of the same wave (of its benchmark group, when the
    file gives groups: :func:`benchmark_groups`), per measure.

    Returns
    -------
    pandas.DataFrame
        :data:`PEER_COLUMNS`: ``measure``; ``value`` (ours, 0–10; missing when suppressed or absent);
        ``peers`` (other organisations with a value); their ``median``, ``best`` (highest) and ``worst``
        (lowest) value; our ``rank`` (1 = highest, ties share the better rank) ``of`` the organisations
        with a value, ours included. Missing is never zero: a measure no other organisation has gets
        missing peer figures. ``group``: our benchmark group, "" when the file gives none (then every other
        organisation is a peer).
    """
    rows = _organisation_rows(survey)
    rows = rows[(rows["wave"].astype(str) == str(wave)) & ~rows["suppressed"].astype(bool)]
    groups = benchmark_groups(survey)
    group = groups.get(organisation, "")
    if group:
        rows = rows[rows["unit"].astype(str).map(groups).eq(group)]
    out = []
    for measure, part in rows.groupby("measure", sort=True):
        values = pd.to_numeric(part["mean"], errors="coerce")
        ours = values[part["unit"].astype(str) == organisation].dropna()
        others = values[part["unit"].astype(str) != organisation].dropna()
        value = float(ours.iloc[0]) if len(ours) else float("nan")
        everyone = values.dropna()
        rank = int((everyone > value).sum()) + 1 if len(ours) else pd.NA
        out.append({"measure": measure, "value": value, "peers": len(others),
                    "median": float(others.median()) if len(others) else float("nan"),
                    "best": float(others.max()) if len(others) else float("nan"),
                    "worst": float(others.min()) if len(others) else float("nan"),
                    "rank": rank, "of": len(everyone), "group": group})
    return pd.DataFrame(out, columns=list(PEER_COLUMNS))


def peer_benchmarks(survey: SurveyResults, organisation: str | None, wave: str,
                    given: dict[str, object] | None = None) -> dict[str, object]:
    """The Board's benchmarks: those the user gave, and for every other survey measure the median of the
    other organisations in the file (:func:`peer_comparison`), when the file holds several."""
    out = dict(given or {})
    if organisation is None or not needs_our_organisation(survey):
        return out
    peers = peer_comparison(survey, organisation, wave)
    for _, row in peers.iterrows():
        if out.get(row["measure"]) is None and row["peers"] > 0:
            out[row["measure"]] = float(row["median"])
    return out


def has_level(survey: SurveyResults | None, level: str) -> bool:
    """Whether the results hold any unit at ``level`` (published organisation-level files hold no teams)."""
    return survey is not None and bool((survey.unit_scores["level"] == level).any())


def organisation_table(survey: SurveyResults) -> pd.DataFrame:
    """The shown organisation-level results one row per organisation and wave, for relating them
    (:func:`analytics.relate.relate_units`): ``wave``, ``organisation`` and one column per measure (0–10
    scores; a question's % positive where the file gives that). Comparator rows and suppressed values are
    left out (missing, never zero)."""
    rows = _organisation_rows(survey)
    rows = rows[~rows["suppressed"].astype(bool)].copy()
    rows["value"] = pd.to_numeric(rows["mean"], errors="coerce").astype(float)
    pct = pd.to_numeric(rows["pct_positive"], errors="coerce").astype(float)
    rows["value"] = rows["value"].where(rows["value"].notna(), pct)
    wide = rows.pivot_table(index=["wave", "unit"], columns="measure", values="value", aggfunc="first")
    wide.columns.name = None
    return wide.reset_index().rename(columns={"unit": "organisation"})

"""The board pack's annexes: methods and statistics (every test and statistic named in the body's tables is
here, not in the body), the anonymity threshold, and the data sources and dates.

The body of the paper speaks plain English; the statistical detail behind each body table is collected while
the body is built (:class:`AnnexTables`) and printed in Annex A, numbered in document order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from analytics import settings
from analytics.dataset import Dataset
from analytics.hr import StaffRecords, TeamMonthRecords
from analytics.report.pack_model import SECTION_TITLES, Column, Refs, Section, Table, Text, dataset_codebook, \
    date_text, suppressed_text

#: Methods and caveats, in plain words (the Methods page of the app says the same).
METHODS_TEXT: tuple[str, ...] = (
    "Question scores. Each answer is scored from 0 to 10: on a five-option question the least favourable "
    "option scores 0 and the most favourable 10 (0, 2.5, 5, 7.5, 10). Negatively worded questions, such as "
    "'I often think about leaving this organisation', are reverse-scored, so a higher score is always better. "
    "'Don't know', 'not applicable' and blank answers are left out, never counted as zero.",
    "Measure scores. A respondent's measure score is the mean of the measure's questions they answered, when "
    "they answered at least half of them. Morale and staff engagement are themes: the mean of their sub-scores, "
    "when all of them are present. A unit's score is the mean of its respondents' scores, with a 95% confidence "
    "interval from the t distribution; n is the number of respondents with a score.",
    "% positive is the share of answers choosing one of the two most favourable options (the NHS Staff Survey's "
    "question-level figure).",
    "Scores computed from local data are unweighted. Published NHS Staff Survey benchmark scores are weighted by "
    "occupational group, so a comparison with published figures is approximate.",
    "Change since the previous wave. A change in a score is tested with Welch's t-test on respondents' scores "
    "(the waves are independent samples, because the survey is anonymous), with Cohen's d as its size; many "
    "changes read together are corrected for the false discovery rate (Benjamini-Hochberg). A change is called "
    "significant (in the body: 'unlikely to be chance') when its p-value, or its adjusted p-value where many are "
    "read together, is below 0.05. A change in the leaver rate is tested with an exact conditional Poisson test "
    "and a change in the sickness absence rate with a quasi-Poisson Wald test on monthly figures; their size is "
    "the rate ratio.",
    "HR outcomes follow NHS England and NHS Digital definitions: leaver rate = 100 x leavers in the period / "
    "mean of staff in post at the start and at the end (headcount); stability index = 100 x staff in post at "
    "the start still in post at the end / staff in post at the start; sickness absence rate = 100 x FTE days "
    "lost / FTE days available, over calendar days, summed over the period (never an average of monthly rates).",
    "Relationships. Survey responses are anonymous and cannot be linked to HR records person by person, so "
    "relationships are between teams: one point per team, its survey score against its HR outcome over the "
    "wave's HR window (12 months, or the part of them the HR data cover, as each caption states). Pearson's r comes with a Fisher-z 95% confidence interval and Spearman's rho with a "
    "Bonett-Wright interval; p-values are adjusted (Benjamini-Hochberg) across every survey measure paired with every HR "
    "outcome in the wave, so a pair carries the same adjusted p in the pack, on the Relationships page and in "
    "the command line. The ratio per "
    "point comes from a quasi-Poisson (sickness absence) or quasi-binomial (leaving) model of team counts. The "
    "body describes r in words: below 0.1 in size 'negligible', below 0.3 'weak', below 0.5 'moderate', "
    "otherwise 'strong' (Cohen's conventions). A relationship between teams says that the measures move "
    "together across teams: it is an association, not evidence that one causes the other, and it may not hold "
    "for individuals.",
    "The four behaviours of compassionate leadership (The King's Fund; Michael West) are read from four "
    "questions about the immediate manager: attending (q9g, listening), understanding (q9f), empathising (q9h) "
    "and helping (q9i). This mapping of questions to behaviours is an interpretation, not NHS method.",
    "RAG status compares each headline figure with thresholds set locally; they are not national standards.",
)


@dataclass
class PendingTable:
    """A statistics table for Annex A, numbered when the annex is written (so numbers follow the page order)."""

    title: str
    frame: pd.DataFrame
    columns: list[Column]
    caption: str = ""
    empty_text: str = "No rows."


@dataclass
class AnnexTables:
    """The statistical detail collected while the body is built, printed in Annex A."""

    tables: list[PendingTable] = field(default_factory=list)

    def add(self, table: PendingTable) -> None:
        self.tables.append(table)


def methods_section(annex: AnnexTables | None = None, refs: Refs | None = None) -> Section:
    """Annex A: how every figure is computed, then the statistics behind the body's tables."""
    section = Section("methods", SECTION_TITLES["methods"], [Text(t) for t in METHODS_TEXT])
    if annex is not None and refs is not None:
        for pending in annex.tables:
            section.blocks.append(Table(ref=refs.table(), title=pending.title, frame=pending.frame,
                                        columns=pending.columns, caption=pending.caption,
                                        empty_text=pending.empty_text))
    return section


def anonymity_section(dataset: Dataset, wave: str | None, refs: Refs) -> Section:
    """The threshold in use, the rule, and how many units it hides at each level in ``wave`` (counts only)."""
    k = dataset.min_group_size
    section = Section("anonymity", SECTION_TITLES["anonymity"])
    section.blocks.append(Text(
        f"Anonymity threshold used: {k} responses. No figure in this report rests on fewer than {k} people: a team, "
        f"directorate or organisation with fewer than {k} responses is shown as '{suppressed_text(k)}' or left out. "
        "When a small team is hidden, the next smallest team in the same directorate may be hidden too, so that no "
        "hidden figure can be worked out by subtraction from the directorate total (complementary suppression). "
        "No respondent-level data and no free-text comment is included.", "lead"))
    if k < settings.DEFAULT_MIN_GROUP_SIZE:
        section.blocks.append(Text(f"The threshold is below the NHS Staff Survey's {settings.DEFAULT_MIN_GROUP_SIZE} "
                                   "responses; small groups are easier to identify.", "caveat"))
    survey = dataset.survey
    if survey is None or wave is None:
        return section
    table = survey.unit_scores[survey.unit_scores["wave"].astype(str) == wave]
    rows = []
    for level in settings.LEVELS:
        at_level = table[table["level"] == level]
        if at_level.empty:
            continue
        units = at_level.groupby(["parent", "unit"], dropna=False, sort=False)["suppressed"].agg(
            lambda s: bool(s.fillna(True).astype(bool).all()))
        rows.append({"level": level.capitalize(), "units": int(len(units)), "hidden": int(units.sum()),
                     "shown": int((~units).sum())})
    if rows:
        frame = pd.DataFrame(rows)
        section.blocks.append(Table(
            ref=refs.table(), title=f"Units shown and hidden, wave {wave}", frame=frame,
            columns=[Column("level", "Level"), Column("units", "Units with responses", "n"),
                     Column("shown", "Shown (at least one measure)", "n"),
                     Column("hidden", "Hidden on every measure", "n")],
            caption=f"Staff survey wave {wave}. Counts of units; hidden units are not named."))
    return section


def data_sources_table(dataset: Dataset) -> pd.DataFrame:
    """The files behind the results and what they cover: one row per file.

    Columns ``source`` ("Staff survey", "HR staff records", "HR sickness absence"), ``file``, ``covers``
    (waves for a survey file; first to last date for HR files) and ``rows`` (respondents for a survey file,
    or "fewer than k responses" when the file holds fewer than the anonymity threshold; "" otherwise),
    ``notes`` (e.g. "published unit-level results").
    """
    k = dataset.min_group_size
    rows = []
    survey = dataset.survey
    if survey is not None:
        for info in survey.files:
            respondents = info.get("respondents")
            if respondents is None:
                count = ""
            elif respondents < k:
                count = suppressed_text(k)
            else:
                count = f"{int(respondents):,} respondents"
            rows.append({"source": "Staff survey", "file": info["file"]
                         + (f" (sheet '{info['sheet']}')" if info.get("sheet") else ""),
                         "covers": "wave " + ", ".join(info.get("waves") or []) if info.get("waves") else "",
                         "rows": count,
                         "notes": "published unit-level results" if info.get("unit_level") else ""})
    hr = dataset.hr
    if isinstance(hr, StaffRecords):
        rows.append({"source": "HR staff records", "file": hr.file_name,
                     "covers": f"{date_text(hr.coverage_start)} to {date_text(hr.coverage_end)}", "rows": "",
                     "notes": "employee level (identifiers replaced by codes when read)"})
        if hr.absence_file_name:
            rows.append({"source": "HR sickness absence", "file": hr.absence_file_name,
                         "covers": f"up to {date_text(hr.coverage_end)}", "rows": "", "notes": "absence episodes"})
    elif isinstance(hr, TeamMonthRecords):
        rows.append({"source": "HR team-month figures", "file": hr.file_name,
                     "covers": f"{date_text(hr.coverage_start)} to {date_text(hr.coverage_end)}", "rows": "",
                     "notes": "team totals per month"})
    return pd.DataFrame(rows, columns=["source", "file", "covers", "rows", "notes"])


def sources_section(dataset: Dataset, refs: Refs, generated_at: dt.datetime) -> Section:
    """Annex C: the files used, what they cover, and the codebook."""
    section = Section("sources", SECTION_TITLES["sources"])
    frame = data_sources_table(dataset)
    section.blocks.append(Text(f"Dataset: {dataset.label}. Report produced {generated_at:%d %B %Y at %H:%M}.", "lead"))
    if frame.empty:
        section.blocks.append(Text("No files were loaded.", "note"))
    else:
        section.blocks.append(Table(ref=refs.table(), title="Files used", frame=frame,
                                    columns=[Column("source", "Source", width=16), Column("file", "File", width=28),
                                             Column("covers", "Covers", width=18), Column("rows", "Responses", width=14),
                                             Column("notes", "Notes", width=24)],
                                    caption="Survey waves come from the wave column, the response dates, or a year in a sheet "
                                            "name, title row or file name (each file's source is in its notes); "
                                            "HR dates are the first and last day the records cover."))
    survey = dataset.survey
    if survey is not None and survey.codebook_id:
        codebook = dataset_codebook(dataset)
        section.blocks.append(Text(f"Question codebook: {codebook.name} ({codebook.id}).", "note"))
    return section


def sources_in_brief(dataset: Dataset) -> list[str]:
    """The data sources in one line each, for the cover: survey waves and respondents; HR files and dates."""
    frame = data_sources_table(dataset)
    lines = []
    survey = frame[frame["source"] == "Staff survey"]
    if len(survey):
        waves = ", ".join(str(w) for w in dataset.waves)
        lines.append(f"Staff survey: {len(survey)} file{'s' if len(survey) != 1 else ''}, "
                     f"wave{'s' if len(dataset.waves) != 1 else ''} {waves}.")
    for row in frame[frame["source"] != "Staff survey"].itertuples(index=False):
        lines.append(f"{row.source}: {row.covers}.")
    if not lines:
        lines.append("No files were loaded.")
    lines.append(f"Anonymity threshold: {dataset.min_group_size} responses. Details in "
                 f"{SECTION_TITLES['sources'].split('.')[0]}.")
    return lines

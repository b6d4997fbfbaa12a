"""The board pack's body sections from the board assurance analytics (:mod:`analytics.board`): summary and RAG
position, headline measures, exceptions, statements and the four behaviours.

Plain English in the body: each table keeps the figures a board member reads (value, change with its 95%
interval, whether the change is unlikely to be chance, RAG); the name of each test, its p-value and effect size
go to Annex A through :class:`~analytics.report.pack_annex.AnnexTables`. The frames are the board analytics'
own, unchanged (full precision; the renderer rounds).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics import settings
from analytics.board import HIGH_RATE_RULE, BoardReport
from analytics.dataset import Dataset, can_exclude_doctors_in_training
from analytics.errors import InputError
from analytics.ingest.codebook import Codebook, custom_item_code, load_codebook
from analytics.report.pack_annex import AnnexTables, PendingTable
from analytics.report.pack_model import SECTION_TITLES, Bullets, Column, Figure, Refs, Section, Table, Text, \
    date_text, measure_label, suppressed_text
from analytics.report.pack_relationships import DOCTORS_IN_TRAINING_CAVEAT

_VALUE_KINDS = (("score", "score"), ("pct", "pct"), ("count", "n"))
_CHANGE_KINDS = (("score", "change"), ("pct", "pp"), ("count", "change_n"))
_EFFECT_KINDS = (("Cohen's d", "r"), ("rate ratio", "ratio"))
BENCHMARK_NOTE = ("Local scores are unweighted; published NHS Staff Survey benchmark scores are weighted by "
                  "occupational group.")
#: A p-value in brackets in a statement ("(p = 0.604)", "(p < 0.001; effect size d = 0.31, small)"): the body
#: says whether a change is statistically significant; the p-value itself is in Annex A.
_P_IN_BRACKETS = re.compile(r"\s*\((?:adjusted )?p [=<][^)]*\)")
#: Technical wording in the statements (analytics.board.statements) and the plain words the body uses instead.
_PLAIN_WORDS = (("is not statistically significant", "is within what chance would explain"),
                ("is statistically significant", "is unlikely to be chance"),
                ("had a significant fall in", "had a fall beyond chance in"))


def plain_statement(text: str) -> str:
    """A statement in the body's plain words: its bracketed p-value and effect size removed (they are in
    Annex A) and "statistically significant" said as "unlikely to be chance", the wording of Table 1's
    "Unlikely to be chance" column and of the cover.

    >>> plain_statement("little changed; the change is not statistically significant (p = 0.604). RAG: Green.")
    'little changed; the change is within what chance would explain. RAG: Green.'
    >>> plain_statement("No team had a significant fall in morale between 2024 and 2025.")
    'No team had a fall beyond chance in morale between 2024 and 2025.'
    """
    text = _P_IN_BRACKETS.sub("", text)
    for technical, plain in _PLAIN_WORDS:
        text = text.replace(technical, plain)
    return text


def _label(measure: str) -> str:
    try:
        return measure_label(measure, load_codebook())
    except InputError:  # pragma: no cover - the shipped codebook always loads
        return measure


# --- Summary -----------------------------------------------------------------------------------------------
def summary_section(dataset: Dataset, report: BoardReport | None, refs: Refs, table_refs: dict[str, str], *,
                    wave: str | None, previous: str | None, directorate: str | None, exclusions_text: str,
                    generated_at: dt.datetime) -> Section:
    """The scope of the report in a few lines and the RAG position: the headline table (H1–H6), plain."""
    section = Section("summary", SECTION_TITLES["summary"])
    section.blocks.append(Text(
        "The position on staff wellbeing and compassionate leadership from the staff survey and HR records. The table "
        "gives each headline measure, its change since the previous survey and its RAG status against local "
        "thresholds; the sections that follow give the detail, the teams that may need attention and what to do.",
        "lead"))
    facts = [f"Survey wave reported: {wave}" + (f", compared with {previous}" if previous else "") if wave else
             "Survey wave reported: none (no survey results)",
             f"Anonymity threshold: {dataset.min_group_size} responses",
             f"Produced: {generated_at:%d %B %Y}"]
    if directorate:
        facts.append(f"Exceptions shown for: {directorate}")
    if dataset.hr is None:
        facts.append("HR data: none supplied")
    else:
        facts.append(f"HR exclusions: {exclusions_text or 'none: every record in the HR files is counted.'}")
    section.blocks.append(Bullets(items=facts))
    if can_exclude_doctors_in_training(dataset.hr):
        section.blocks.append(Text(DOCTORS_IN_TRAINING_CAVEAT, "caveat"))
    if report is None:
        return section
    ref = refs.table()
    table_refs["H"] = ref
    section.blocks.append(Table(
        ref=ref, title="RAG summary: headline measures and their change", frame=report.headline.reset_index(drop=True),
        columns=[Column("ref", "Ref", width=6), Column("label", "Measure", width=22),
                 Column("value", "Value", "number", "kind", _VALUE_KINDS, width=10),
                 Column("previous", "Previous", "number", "kind", _VALUE_KINDS, width=10),
                 Column("change", "Change (95% CI)", "change", "kind", _CHANGE_KINDS,
                        ci=("change_ci_low", "change_ci_high"), width=17),
                 Column("significant", "Unlikely to be chance", "bool", width=12),
                 Column("rag", "RAG", "rag", width=12), Column("n", "n", "n", width=11)],
        caption=(f"Staff survey wave {report.wave} (organisation; n = respondents with a score) and HR records "
                 "(organisation; n for the leaver rate = average staff in post). Survey scores run from 0 to 10, "
                 "higher is better; rates are percentages. 'Unlikely to be chance': the change passes the test "
                 "named in Annex A; a count is not tested. RAG thresholds are local choices (Table "
                 f"{int(ref.split()[-1]) + 1}).")))
    return section


# --- Headlines ---------------------------------------------------------------------------------------------
def headlines_section(report: BoardReport, codebook: Codebook, dataset: Dataset, refs: Refs,
                      annex: AnnexTables, table_refs: dict[str, str]) -> Section:
    """Periods, RAG thresholds and benchmarks of the headline measures; the trend figure; local measures."""
    section = Section("headlines", SECTION_TITLES["headlines"])
    headline = report.headline.reset_index(drop=True)
    previous = report.previous_wave
    section.blocks.append(Text(
        f"The organisation's headline measures in {report.wave}"
        + (f", compared with {previous}" if previous else " (there is no earlier wave to compare with)")
        + ". The RAG status of each uses the thresholds below, which are local choices, not national standards.",
        "lead"))
    table_refs["T"] = refs.table()
    section.blocks.append(Table(
        ref=table_refs["T"], title="Headline measures: periods, RAG thresholds and benchmarks", frame=headline,
        columns=[Column("ref", "Ref", width=6), Column("label", "Measure", width=22),
                 Column("period", "Period", width=18), Column("previous_period", "Compared with", width=16),
                 Column("green_at", "Green at", "number", "kind", _VALUE_KINDS, missing="none set", width=12),
                 Column("red_at", "Red at", "number", "kind", _VALUE_KINDS, missing="none set", width=12),
                 Column("benchmark", "Benchmark", "number", "kind", _VALUE_KINDS, missing="none set", width=14)],
        caption="Green at / red at: the value at which the RAG status turns green or red. " + BENCHMARK_NOTE))
    for note in _headline_notes(headline):
        section.blocks.append(Text(note, "note"))
    measures = [m for m in headline["measure"].astype(str) if m in codebook.measure_ids]
    figure = _trend_figure(dataset, measures, codebook, refs)
    if figure is not None:
        section.blocks.append(figure)
    local = local_measures_table(dataset, codebook, refs)
    if local is not None:
        section.blocks.append(local)
    if not headline["p"].notna().any():  # one wave (or nothing tested): no test to report
        return section
    annex.add(PendingTable(
        title="Headline measures: tests of change", frame=headline,
        columns=[Column("ref", "Ref", width=6), Column("label", "Measure", width=20), Column("test", "Test", width=34),
                 Column("p", "p", "p", missing="not tested", width=10),
                 Column("significant", "Significant", "bool", width=12),
                 Column("effect_size", "Effect size", "number", "effect_size_name", _EFFECT_KINDS,
                        missing="not tested", width=10),
                 Column("effect_size_name", "Effect size measure", missing="", width=12)],
        caption=("Score changes: Welch t-test on respondents' scores, effect size Cohen's d; rate changes: effect "
                 "size rate ratio. Significant: p < 0.05; a count is not tested.")))
    return section


def _headline_notes(headline: pd.DataFrame) -> list[str]:
    """Each distinct note of the headline rows once, with the rows it belongs to ("H4, H5: …")."""
    notes = headline["note"].fillna("").astype(str)
    out = []
    for note in [n for n in dict.fromkeys(notes) if n.strip()]:
        rows = ", ".join(headline.loc[notes == note, "ref"].astype(str))
        out.append(f"{rows}: {note}")
    return out


def _trend_figure(dataset: Dataset, measures: Sequence[str], codebook: Codebook, refs: Refs) -> Figure | None:
    """Organisation scores of the headline measures across every wave (shown rows only)."""
    table = dataset.board_survey.unit_scores
    rows = table[(table["level"] == settings.LEVEL_ORGANISATION) & table["measure"].isin(list(measures))
                 & ~table["suppressed"].fillna(True).astype(bool) & table["mean"].notna()]
    if rows.empty:
        return None
    data = pd.DataFrame({
        "wave": rows["wave"].astype(str).to_numpy(),
        "measure": rows["measure"].astype(str).to_numpy(),
        "label": [measure_label(m, codebook) for m in rows["measure"].astype(str)],
        "mean": rows["mean"].astype(float).to_numpy(),
        "ci_low": pd.to_numeric(rows["ci_low"], errors="coerce").astype(float).to_numpy(),
        "ci_high": pd.to_numeric(rows["ci_high"], errors="coerce").astype(float).to_numpy(),
        "n": pd.to_numeric(rows["n"], errors="coerce").astype(float).to_numpy(),
        "suppressed": False,
    }).sort_values(["measure", "wave"]).reset_index(drop=True)
    waves = sorted(data["wave"].unique())
    n_low, n_high = int(data["n"].min()), int(data["n"].max())
    n_text = f"n = {n_low:,}" if n_low == n_high else f"n = {n_low:,} to {n_high:,} respondents per measure and wave"
    drawn = "Bars" if len(waves) == 1 else "Points"
    return Figure(ref=refs.figure(), kind="trend",
                  title="Headline measures across survey waves" if len(waves) > 1 else f"Headline measures, {waves[0]}",
                  data=data,
                  caption=f"Staff survey, wave{'s' if len(waves) > 1 else ''} {', '.join(waves)}. Unit of analysis: "
                          f"organisation. {n_text}. {drawn}: mean score 0-10 (unweighted); lines: 95% confidence "
                          "interval.")


def local_measure_ids(codebook: Codebook) -> list[str]:
    """Ids of the user's local measures (pulse-survey questions, :meth:`Codebook.with_custom_measures`): the
    measures whose questions are all columns named by the user (item codes ``custom.<measure id>.<column>``)."""
    return [m.id for m in codebook.measures
            if m.items and all(code.startswith(custom_item_code(m.id, "")) for code in m.items)]


def local_measures_table(dataset: Dataset, codebook: Codebook, refs: Refs) -> Table | None:
    """The organisation's score on each local measure in every wave, with n; None without local measures.

    Rows come from the anonymised unit-score table (organisation level): a suppressed row keeps its place with
    no figure (score, CI and n blanked again here) and the words "fewer than k responses" in its note; a shown row
    without a score says "no data".
    """
    measures = local_measure_ids(codebook)
    table = dataset.board_survey.unit_scores if dataset.board_survey is not None else None
    if not measures or table is None:
        return None
    rows = table[(table["level"] == settings.LEVEL_ORGANISATION) & table["measure"].astype(str).isin(measures)]
    if rows.empty:
        return None
    hidden = rows["suppressed"].astype("boolean").fillna(True).astype(bool).to_numpy()
    number = {c: pd.to_numeric(rows[c], errors="coerce").astype(float).where(~hidden).to_numpy()
              for c in ("n", "mean", "ci_low", "ci_high")}
    frame = pd.DataFrame({
        "measure": rows["measure"].astype(str).to_numpy(),
        "label": [measure_label(m, codebook) for m in rows["measure"].astype(str)],
        "wave": rows["wave"].astype(str).to_numpy(), **number,
    })
    frame["note"] = np.where(hidden, suppressed_text(dataset.min_group_size),
                             np.where(np.isnan(number["mean"]), settings.NO_DATA_LABEL, ""))
    order = {m: i for i, m in enumerate(measures)}
    frame = (frame.assign(_o=frame["measure"].map(order)).sort_values(["_o", "wave"], kind="stable")
             .drop(columns="_o").reset_index(drop=True))
    return Table(
        ref=refs.table(), title="Local measures (the organisation's own survey questions)", frame=frame,
        columns=[Column("label", "Measure"), Column("wave", "Wave"),
                 Column("mean", "Score (95% CI)", "score", ci=("ci_low", "ci_high"), missing=""),
                 Column("n", "n", "n", missing=""), Column("note", "Note", missing="")],
        caption=("Local survey questions defined by the organisation, scored 0-10 like the national measures "
                 "(unweighted; no national benchmark). Unit of analysis: organisation; n = respondents with a "
                 f"score. Groups with fewer than {int(dataset.min_group_size)} responses are not shown."))


# --- Exceptions --------------------------------------------------------------------------------------------
def why_listed(row: pd.Series) -> str:
    """The reason a team is an exception, in a few words (the rule and its cut-offs are in the caption).

    >>> why_listed(pd.Series({"high_leaver_rate": False, "high_sickness_rate": True}))
    'low leadership score; high sickness absence'
    """
    reasons = ["low leadership score"]
    if bool(row.get("high_leaver_rate")) is True:
        reasons.append("high leaving")
    if bool(row.get("high_sickness_rate")) is True:
        reasons.append("high sickness absence")
    return "; ".join(reasons)


def exceptions_section(report: BoardReport, table_refs: dict[str, str], refs: Refs, min_group_size: int,
                       annex: AnnexTables) -> Section:
    """Teams low on compassionate leadership and high on leaving or sickness (E…); significant falls (F…)."""
    found = report.exceptions
    section = Section("exceptions", SECTION_TITLES["exceptions"])
    where = f" Only teams in {found.directorate} are listed." if found.directorate else ""
    section.blocks.append(Text(
        f"Teams that may need attention: teams shown in the survey (at least {min_group_size} responses) whose "
        "compassionate leadership score is among the lowest quarter and whose leaver or sickness absence rate is "
        "high for a team of its size, and teams whose scores fell by more than chance would explain since the "
        "previous wave." + where, "lead"))
    if not found.has_hr:
        section.blocks.append(Text("No HR data was supplied, so teams high on leaving or sickness cannot be "
                                   "identified.", "note"))
    elif found.window_start is None:
        # No "no team" claim over no data: say why the check could not be made.
        reason = found.notes[0] if found.notes else "The HR data do not cover this survey's HR window."
        section.blocks.append(Text("Teams high on leaving or sickness could not be identified for wave "
                                   f"{report.wave}: {reason}", "note"))
    else:
        section.blocks.append(_low_leadership_table(report, table_refs, refs))
    _falls(report, table_refs, refs, annex, section)
    for note in found.notes:
        section.blocks.append(Text(note, "note"))
    return section


def _low_leadership_table(report: BoardReport, table_refs: dict[str, str], refs: Refs) -> Table:
    found = report.exceptions
    low = found.low_leadership.reset_index(drop=True)
    low = low.assign(why=[why_listed(row) for _, row in low.iterrows()])
    window = f"{date_text(found.window_start)} to {date_text(found.window_end)}"
    cutoff = pd.to_numeric(low["score_cutoff"], errors="coerce").dropna() if "score_cutoff" in low else pd.Series()
    cutoff_text = f" (a score at or below {cutoff.iloc[0]:.1f})" if len(cutoff) else ""
    ref = refs.table()
    table_refs["E"] = ref
    return Table(
        ref=ref, title="Low compassionate leadership with high leaving or sickness", frame=low,
        empty_text="No team had both a low compassionate leadership score and a high leaver or sickness rate.",
        columns=[Column("ref", "Ref", width=5), Column("unit", "Team", width=16), Column("parent", "Directorate", width=16),
                 Column("score", "Leadership score", "score", width=12),
                 Column("responses", "Responses", "n", width=12),
                 Column("leaver_rate", "Leaver rate", "pct", width=9),
                 Column("sickness_rate", "Sickness absence", "pct", width=10),
                 Column("why", "Why listed", width=20)],
        caption=(f"Staff survey wave {report.wave} and HR records over {window}. Unit of analysis: team. Leadership "
                 "score: compassionate leadership, 0-10. "
                 f"{len(low)} of {found.teams_checked} teams checked are listed. 'Low' is the lowest quarter of the "
                 f"teams shown{cutoff_text}; 'high' is {HIGH_RATE_RULE}."))


def _falls(report: BoardReport, table_refs: dict[str, str], refs: Refs, annex: AnnexTables,
           section: Section) -> None:
    found = report.exceptions
    if found.previous_wave is None:
        section.blocks.append(Text(f"There is no survey wave before {found.wave}, so falls cannot be tested.", "note"))
        return
    falls = found.falls.reset_index(drop=True)
    ref = refs.table()
    table_refs["F"] = ref
    compared = ", ".join(f"{_label(m)}: {n}" for m, n in found.teams_compared.items())
    section.blocks.append(Table(
        ref=ref, title=f"Falls since {found.previous_wave} unlikely to be chance", frame=falls,
        empty_text=(f"No team's score fell between {found.previous_wave} and {found.wave} by more than chance "
                    "would explain."),
        columns=[Column("ref", "Ref", width=6), Column("unit", "Team", width=20),
                 Column("parent", "Directorate", width=20), Column("label", "Measure", width=18),
                 Column("mean_from", f"Score {found.previous_wave}", "score", width=9),
                 Column("mean_to", f"Score {found.wave}", "score", width=9),
                 Column("change", "Change", "change", width=8), Column("effect_size_magnitude", "Size", width=10)],
        caption=(f"Staff survey waves {found.previous_wave} and {found.wave}; teams shown in both waves "
                 f"(teams compared: {compared or 'none'}). Size: how large the fall is against the spread of "
                 "scores. The test and its adjustment for many teams are in Annex A.")))
    if len(falls):
        annex.add(PendingTable(
            title=f"Falls between {found.previous_wave} and {found.wave}: the statistics", frame=falls,
            columns=[Column("ref", "Ref"), Column("unit", "Team"), Column("label", "Measure"),
                     Column("change", "Change", "change"), Column("p_adj", "Adjusted p", "p"),
                     Column("cohens_d", "Cohen's d", "r"), Column("effect_size_magnitude", "Size")],
            caption="Welch t-test per team, Benjamini-Hochberg adjustment across teams; size in Cohen's words."))


# --- Statements --------------------------------------------------------------------------------------------
def statements_section(report: BoardReport, table_refs: dict[str, str]) -> Section:
    """The board's quotable statements, each followed by the table row(s) it quotes."""
    section = Section("statements", SECTION_TITLES["statements"])
    section.blocks.append(Text("Sentences this paper can quote. Each names the row it rests on (for example H1, "
                               "the first row of the RAG summary) and the table that holds it.", "lead"))
    items, cited = [], []
    for row in report.statements.itertuples(index=False):
        row_refs = [r.strip() for r in str(row.figure_ref or "").split(",") if r.strip()]
        tables = sorted({table_refs[r[0]] for r in row_refs if r[:1] in table_refs}, key=_ref_number)
        items.append(f"{row.ref}. {plain_statement(str(row.statement))}")
        where = ", ".join(row_refs)
        cited.append(f"Source: {where} in {', '.join(tables)}" if tables
                     else f"Source: {str(row.source).split(';')[0]}")
    section.blocks.append(Bullets(items=items, refs=cited))
    return section


def _ref_number(ref: str) -> int:
    try:
        return int(ref.split()[-1])
    except (ValueError, IndexError):
        return 0


# --- The four behaviours -------------------------------------------------------------------------------------
def _behaviour_figure(report: BoardReport, refs: Refs) -> Figure | None:
    weakest = report.weakest
    table = weakest.table
    shown = table[~table["suppressed"].astype(bool) & table["pct_positive"].notna()]
    if not len(shown):
        return None
    data = pd.concat([
        pd.DataFrame({"behaviour": shown["behaviour"], "label": shown["label"], "item": shown["item"],
                      "wave": shown["wave"].astype(str), "pct_positive": shown["pct_positive"].astype(float),
                      "n": shown["n"].astype(float)}),
        pd.DataFrame({"behaviour": shown["behaviour"], "label": shown["label"], "item": shown["item"],
                      "wave": shown["previous_wave"].astype(object).astype(str),
                      "pct_positive": shown["previous_pct_positive"].astype(float), "n": np.nan})
        .loc[shown["previous_pct_positive"].notna().to_numpy()],
    ], ignore_index=True)
    n_low, n_high = int(shown["n"].min()), int(shown["n"].max())
    return Figure(
        ref=refs.figure(), kind="behaviours", title="The four behaviours: % positive answers",
        data=data, options={"wave": report.wave, "previous_wave": report.previous_wave},
        caption=(f"Staff survey wave {report.wave}" + (f" and {report.previous_wave}" if report.previous_wave else "")
                 + f". Unit of analysis: organisation. n = {n_low:,} to {n_high:,} answers per question in "
                   f"{report.wave}. {weakest.note}"))


def behaviours_section(report: BoardReport, refs: Refs, table_refs: dict[str, str]) -> Section:
    """The four behaviours (% positive of q9g, q9f, q9h, q9i at organisation level), the weakest and what to do."""
    weakest = report.weakest
    section = Section("behaviours", SECTION_TITLES["behaviours"])
    table = weakest.table
    section.blocks.append(Text(
        "Compassionate leadership has four behaviours (The King's Fund; Michael West): attending, understanding, "
        "empathising and helping. Each is read here from one survey question about the immediate manager, as the "
        "share of staff answering positively.", "lead"))
    figure = _behaviour_figure(report, refs)
    if figure is not None:
        section.blocks.append(figure)
    ref = refs.table()
    table_refs["B"] = ref
    frame = table.reset_index(drop=True)
    frame = frame.assign(question=[f"{w} ({i})" for w, i in zip(frame["wording"].astype(str), frame["item"].astype(str))])
    section.blocks.append(Table(
        ref=ref, title="The four behaviours", frame=frame,
        columns=[Column("ref", "Ref", width=5), Column("label", "Behaviour", width=15),
                 Column("question", "Question", width=33),
                 Column("pct_positive", f"% positive {report.wave}", "pct", width=10), Column("n", "n", "n", width=8),
                 Column("previous_pct_positive", "% positive previous wave", "pct", width=10),
                 Column("change_points", "Change", "pp", width=9), Column("weakest", "Weakest", "bool", width=10)],
        caption=f"Staff survey wave {report.wave}, organisation level. {weakest.note}"))
    section.blocks.extend(_what_to_do(report))
    return section


def _what_to_do(report: BoardReport) -> list:
    weakest = report.weakest
    table, guidance = weakest.table, weakest.guidance
    blocks: list = []
    if weakest.behaviours:
        names = " and ".join(table.loc[table["behaviour"].isin(weakest.behaviours), "label"].astype(str))
        blocks.append(Text(f"What to do: the weakest behaviour is {names.lower()}.", "lead"))
        for behaviour in weakest.behaviours:
            if behaviour in weakest.summaries:
                blocks.append(Text(weakest.summaries[behaviour]))
        actions = guidance[guidance["section"] == "behaviour"]
        if len(actions):
            blocks.append(Bullets(items=actions["text"].astype(str).tolist()))
    support = guidance[guidance["section"] == "support"]
    if len(support):
        blocks.append(Text("Wellbeing support that puts the behaviours into practice:", "lead"))
        blocks.append(Bullets(items=[f"{h}: {t}" for h, t in zip(support["heading"], support["text"])]))
    cited = list(dict.fromkeys(guidance["source"].astype(str)))
    if cited:
        blocks.append(Text("Sources: " + " ".join(f"{c.rstrip('.')}." for c in cited), "note"))
    return blocks

"""The board pack: what a wellbeing guardian takes to a board or committee meeting, as a content model.

:func:`build_board_pack` assembles, from a loaded :class:`~analytics.dataset.Dataset`, every section of
the paper as plain data — text, tables (full-precision frames with a declared kind per column) and
figure data (small aggregate frames) — so that the same content can be rendered to one self-contained
HTML file and to PDF (``render.pack``), tested without a browser, and scripted from the command line
(``python -m analytics report``). Nothing here imports Plotly or Streamlit; rounding happens in the
renderer.

Sections, in order (:data:`SECTION_TITLES`)::

    summary         the organisation, wave, comparison wave, threshold, HR window; key statements
    headlines       headline measures, their change since the previous wave, RAG status; trend figure
    exceptions      teams low on compassionate leadership and high on leaving or sickness; teams whose
                    score fell significantly
    statements      plain-language statements a paper can quote, each naming the table or figure it rests on
    behaviours      the four behaviours of compassionate leadership; the weakest and what to do
    actions         (packs made from the workspace store) the action log with each unit's figures beside it
    relationships   team-level associations of survey measures with HR outcomes, r and rho with 95% CIs
    methods         how every figure is computed, and its caveats
    anonymity       the threshold in use and how many units it hides
    sources         the files used and the dates they cover

Anonymity (shared/design/domain.md §2)
--------------------------------------
Every table and figure is built from the suppressed tables of :class:`~analytics.survey.pipeline.SurveyResults`
or from functions that take them and return aggregates of shown units only
(:mod:`analytics.board`, :mod:`analytics.relate`). A suppressed unit is never listed by name with a
figure: exceptions and relationships use shown units only, and the anonymity section gives counts of
hidden units, never their names. No respondent-level row is in the model. Counts of respondents in a
data source below the threshold are replaced by "fewer than k responses".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics import board, relate, settings
from analytics.board import HIGH_RATE_RULE, BoardReport
from analytics.ingest.codebook import Codebook, custom_item_code, load_codebook
from analytics.dataset import Dataset, can_exclude_doctors_in_training
from analytics.errors import InputError
from analytics.hr import HRExclusions, StaffRecords, TeamMonthRecords
from analytics.survey import published
from analytics.wave_window import check_window_kind, WINDOW_CONCURRENT, WINDOW_LABELS

# --- Section titles (the PDF test looks for these) ------------------------------------------------------
SECTION_TITLES: dict[str, str] = {
    "summary": "Summary",
    "headlines": "Headline measures",
    "exceptions": "Exceptions",
    "statements": "Statements for the board paper",
    "behaviours": "The four behaviours of compassionate leadership",
    "relationships": "Relationships with staff outcomes",
    "methods": "Methods and caveats",
    "anonymity": "Anonymity threshold",
    "sources": "Data sources and dates",
}
PACK_TITLE = "Staff wellbeing and compassionate leadership: board assurance report"

#: Column kinds a renderer knows how to format: text as is; ``score`` (0–10, one decimal), ``pct``
#: (0–100, one decimal and %), ``pp`` (percentage points), ``n`` (whole number), ``number``, ``r``
#: (two decimals), ``p``, ``ratio`` (two decimals), ``change`` (signed, one decimal), ``change_n`` (signed
#: whole number), ``bool`` ("yes"/"no"; missing = "not tested"), ``rag`` (a RAG word: Green, Amber, Red,
#: No data, Not rated).
COLUMN_KINDS = ("text", "score", "pct", "pp", "n", "number", "r", "p", "ratio", "change", "change_n", "bool", "rag")

#: Survey measures related to HR outcomes in the pack, and the outcomes.
RELATIONSHIP_MEASURES = ("compassionate_leadership", "morale", "staff_engagement")
RELATIONSHIP_OUTCOMES = ("leaver_rate", "sickness_rate", "stability_index")

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
    "significant when its adjusted p is below 0.05.",
    "HR outcomes follow NHS England and NHS Digital definitions: leaver rate = 100 x leavers in the period / "
    "mean of staff in post at the start and at the end (headcount); stability index = 100 x staff in post at "
    "the start still in post at the end / staff in post at the start; sickness absence rate = 100 x FTE days "
    "lost / FTE days available, over calendar days, summed over the period (never an average of monthly rates).",
    "Relationships. Survey responses are anonymous and cannot be linked to HR records person by person, so "
    "relationships are between teams: one point per team, its survey score against its HR outcome over a "
    "12-month window. Pearson's r comes with a Fisher-z 95% confidence interval and Spearman's rho with a "
    "Bonett-Wright interval; p-values are adjusted for the number of pairs (Benjamini-Hochberg). A relationship "
    "between teams says that the measures move together across teams: it is an association, not evidence that "
    "one causes the other, and it may not hold for individuals.",
    "The four behaviours of compassionate leadership (The King's Fund; Michael West) are read from four "
    "questions about the immediate manager: attending (q9g, listening), understanding (q9f), empathising (q9h) "
    "and helping (q9i). This mapping of questions to behaviours is an interpretation, not NHS method.",
    "RAG status compares each headline figure with thresholds set locally; they are not national standards.",
)


# =================================================================================================
# Content model
# =================================================================================================
@dataclass(frozen=True)
class Column:
    """One column of a table: the frame column, its heading, and how to format it (:data:`COLUMN_KINDS`).

    When the kind differs by row (a headline table mixes scores, rates and counts), ``kind_from`` names the
    frame column holding each row's key and ``kind_map`` maps that key to a kind; ``kind`` is the fallback.
    ``ci`` names the frame columns of a 95% confidence interval shown in the same cell, after the value.
    ``missing`` is what a missing value shows (default "no data"), e.g. "not tested" for a p-value.
    """

    name: str
    label: str
    kind: str = "text"
    kind_from: str | None = None
    kind_map: tuple[tuple[str, str], ...] = ()
    ci: tuple[str, str] | None = None
    missing: str = settings.NO_DATA_LABEL

    def __post_init__(self) -> None:
        for kind in (self.kind, *(k for _, k in self.kind_map)):
            if kind not in COLUMN_KINDS:
                raise ValueError(f"unknown column kind {kind!r}")

    def kind_of(self, row: Mapping[str, object]) -> str:
        """The kind of this column's cell in ``row``."""
        if self.kind_from is None:
            return self.kind
        return dict(self.kind_map).get(str(row.get(self.kind_from)), self.kind)


@dataclass
class Text:
    """A paragraph. ``style``: ``"lead"`` (introduction), ``"paragraph"``, ``"note"`` (small print) or
    ``"caveat"`` (boxed warning)."""

    text: str
    style: str = "paragraph"


@dataclass
class Bullets:
    """A list of short texts; ``refs`` (same length, or empty) names the table or figure each rests on."""

    items: list[str]
    ordered: bool = False
    refs: list[str] = field(default_factory=list)


@dataclass
class Table:
    """A table: ``frame`` at full precision, shown through ``columns``.

    ``ref`` is the table's number ("Table 2") that statements cite; ``caption`` names the data, the wave,
    the unit of analysis and n. Cells that are missing are shown as "no data".
    """

    ref: str
    title: str
    frame: pd.DataFrame
    columns: list[Column]
    caption: str = ""
    empty_text: str = "No rows."


@dataclass
class Figure:
    """Figure data for the renderer. ``kind`` picks the drawing:

    * ``"trend"``: ``data`` has ``wave, measure, label, mean, ci_low, ci_high, n, suppressed`` (organisation
      scores, shown rows only);
    * ``"behaviours"``: ``data`` has ``behaviour, label, item, wave, pct_positive, n`` (organisation);
    * ``"forest"``: ``data`` has ``label, r, r_ci_low, r_ci_high, n`` (one row per pair).
    """

    ref: str
    kind: str
    title: str
    data: pd.DataFrame
    caption: str = ""
    options: dict = field(default_factory=dict)


Block = Text | Bullets | Table | Figure


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class BoardPack:
    """Everything the board pack shows, as data.

    ``wave`` is the wave reported and ``previous_wave`` the wave it is compared with (None when there is
    one wave only). ``generated_at`` is the time of building, printed on the pack.
    """

    title: str
    organisation: str
    wave: str | None
    previous_wave: str | None
    min_group_size: int
    generated_at: dt.datetime
    sections: list[Section]
    directorate: str | None = None
    notes: list[str] = field(default_factory=list)

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def blocks(self) -> Iterator[Block]:
        for section in self.sections:
            yield from section.blocks

    def tables(self) -> list[Table]:
        return [b for b in self.blocks() if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for b in self.blocks() if isinstance(b, Figure)]

    def texts(self) -> list[str]:
        """Every sentence the pack shows outside tables and figures (for checks and plain-text output)."""
        out = [self.title, self.organisation]
        for section in self.sections:
            out.append(section.title)
            for block in section.blocks:
                if isinstance(block, Text):
                    out.append(block.text)
                elif isinstance(block, Bullets):
                    out.extend(block.items)
                elif isinstance(block, (Table, Figure)):
                    out.extend([block.title, block.caption])
        return out


class _Refs:
    """Numbers tables and figures in the order they are created ("Table 1", "Figure 1", …)."""

    def __init__(self) -> None:
        self.tables = 0
        self.figures = 0

    def table(self) -> str:
        self.tables += 1
        return f"Table {self.tables}"

    def figure(self) -> str:
        self.figures += 1
        return f"Figure {self.figures}"


# =================================================================================================
# Helpers
# =================================================================================================
def suppressed_text(min_group_size: int) -> str:
    return settings.SUPPRESSED_LABEL.format(k=int(min_group_size))


def _codebook(dataset: Dataset) -> Codebook:
    survey = dataset.survey
    if survey is not None and survey.codebook is not None:
        return survey.codebook
    return load_codebook(survey.codebook_id if survey is not None and survey.codebook_id else None)


def measure_label(measure: str, codebook: Codebook) -> str:
    return codebook.measure(measure).label if measure in codebook.measure_ids else str(measure)


def _date(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d %b %Y}"


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
                     "covers": f"{_date(hr.coverage_start)} to {_date(hr.coverage_end)}", "rows": "",
                     "notes": "employee level (identifiers replaced by codes when read)"})
        if hr.absence_file_name:
            rows.append({"source": "HR sickness absence", "file": hr.absence_file_name,
                         "covers": f"up to {_date(hr.coverage_end)}", "rows": "", "notes": "absence episodes"})
    elif isinstance(hr, TeamMonthRecords):
        rows.append({"source": "HR team-month figures", "file": hr.file_name,
                     "covers": f"{_date(hr.coverage_start)} to {_date(hr.coverage_end)}", "rows": "",
                     "notes": "team totals per month"})
    return pd.DataFrame(rows, columns=["source", "file", "covers", "rows", "notes"])


def _pick_wave(dataset: Dataset, wave: str | None) -> tuple[str | None, str | None]:
    waves = [str(w) for w in dataset.waves]
    if not waves:
        return None, None
    if wave is None:
        wave = waves[-1]
    wave = str(wave)
    if wave not in waves:
        raise InputError(f"There is no wave '{wave}' in the survey results. Waves: {', '.join(waves)}.")
    position = waves.index(wave)
    return wave, (waves[position - 1] if position > 0 else None)


# =================================================================================================
# Sections that rest on the survey and HR tables directly
# =================================================================================================
def _trend_figure(dataset: Dataset, measures: Sequence[str], codebook: Codebook, refs: _Refs) -> Figure | None:
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
    return Figure(ref=refs.figure(), kind="trend", title="Headline measures across survey waves",
                  data=data,
                  caption=f"Staff survey, waves {', '.join(waves)}. Unit of analysis: organisation. {n_text}. "
                          "Points: mean score 0-10 (unweighted) with 95% confidence interval.")


def local_measure_ids(codebook: Codebook) -> list[str]:
    """Ids of the user's local measures (pulse-survey questions, :meth:`Codebook.with_custom_measures`): the
    measures whose questions are all columns named by the user (item codes ``custom.<measure id>.<column>``)."""
    return [m.id for m in codebook.measures
            if m.items and all(code.startswith(custom_item_code(m.id, "")) for code in m.items)]


def local_measures_table(dataset: Dataset, codebook: Codebook, refs: _Refs) -> Table | None:
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


def relationships_section(dataset: Dataset, wave: str | None, refs: _Refs, *,
                          window_kind: str = WINDOW_CONCURRENT, directorate: str | None = None,
                          exclusions: HRExclusions = HRExclusions()) -> Section:
    """Team-level associations of survey measures with HR outcomes for ``wave``: a table of r and rho with
    their 95% CIs, n, adjusted p and the count-model ratio, and a forest plot of r (organisation-wide
    unless ``directorate`` is given; HR figures without the staff of ``exclusions``)."""
    section = Section("relationships", SECTION_TITLES["relationships"])
    survey, records = dataset.survey, dataset.hr
    if survey is None or wave is None:
        section.blocks.append(Text("There are no survey results, so no relationship can be shown.", "note"))
        return section
    if records is None:
        section.blocks.append(Text("No HR data was supplied, so relationships between survey measures and leaver "
                                   "rate, sickness absence or stability cannot be shown. Add an HR staff file (with "
                                   "an absence file) or a team-month file.", "note"))
        return section
    codebook = _codebook(dataset)
    measures = [m for m in RELATIONSHIP_MEASURES if m in set(survey.unit_scores["measure"].astype(str))]
    try:
        result = relate.relate_survey_hr(survey, records, waves=[wave], window_kind=window_kind,
                                         measures=measures or None, directorate=directorate,
                                         exclusions=exclusions)
    except InputError as exc:
        section.blocks.append(Text(f"Relationships could not be worked out for wave {wave}: {exc.message}", "note"))
        return section
    table = result.table
    start, end = result.windows.get(str(wave), (None, None))
    window_text = (f"{WINDOW_LABELS.get(window_kind, window_kind)}: {_date(start)} to {_date(end)}"
                   if start is not None else "no HR window")
    frame = table.assign(
        measure_label=[measure_label(x, codebook) for x in table["x"]],
        outcome_label=[_OUTCOME_LABELS.get(y, measure_label(y, codebook)) for y in table["y"]],
    )
    columns = [Column("measure_label", "Survey measure"), Column("outcome_label", "Outcome"),
               Column("n", "Teams (n)", "n"), Column("r", "Pearson r (95% CI)", "r", ci=("r_ci_low", "r_ci_high")),
               Column("rho", "Spearman rho (95% CI)", "r", ci=("rho_ci_low", "rho_ci_high")),
               Column("p_adj", "Adjusted p", "p")]
    if "rate_ratio" in frame.columns:
        columns.append(Column("rate_ratio", "Ratio per point (95% CI)", "ratio", ci=("rr_ci_low", "rr_ci_high"),
                              missing="not modelled"))
    n_units = int(table["n"].max()) if len(table) else 0
    caption = (f"Staff survey wave {wave} and HR records, {window_text}. Unit of analysis: team. "
               f"Up to {n_units} teams shown in both sources (teams below the anonymity threshold are left out). "
               "Associations between teams, not causes.")
    section.blocks.append(Text(
        "How strongly team survey scores move together with team HR outcomes. A negative r for leaver rate or "
        "sickness absence means teams scoring higher tend to have lower rates. The ratio is the multiplicative "
        "change in the odds of leaving (leaver rate) or in the sickness absence rate for a team scoring one "
        "point higher.", "lead"))
    tref = refs.table()
    section.blocks.append(Table(ref=tref, title="Team-level associations with 95% confidence intervals",
                                frame=frame.reset_index(drop=True), columns=columns, caption=caption))
    forest = _forest_figure(frame, caption, refs)
    if forest is not None:
        section.blocks.append(forest)
    section.blocks.extend(_relationship_notes(frame, result.notes))
    if can_exclude_doctors_in_training(records):
        section.blocks.append(Text(DOCTORS_IN_TRAINING_CAVEAT, "caveat"))
    section.blocks.append(Text("Correlation between teams is not causation: teams differ in staff mix, workload "
                               "and setting, any of which may be associated with both measures.", "caveat"))
    return section


def _forest_figure(frame: pd.DataFrame, caption: str, refs: _Refs) -> Figure | None:
    """The forest plot of Pearson r with its 95% CI for every pair that has one (None when none has)."""
    shown = frame[np.isfinite(pd.to_numeric(frame["r"], errors="coerce").astype(float))]
    if not len(shown):
        return None
    data = pd.DataFrame({"label": (shown["measure_label"] + " vs " + shown["outcome_label"]).to_numpy(),
                         "r": shown["r"].astype(float).to_numpy(),
                         "r_ci_low": shown["r_ci_low"].astype(float).to_numpy(),
                         "r_ci_high": shown["r_ci_high"].astype(float).to_numpy(),
                         "n": shown["n"].astype(int).to_numpy()})
    return Figure(ref=refs.figure(), kind="forest", title="Pearson r between team scores and HR outcomes, with 95% CI",
                  data=data, caption=caption)


def _relationship_notes(frame: pd.DataFrame, notes: list[str]) -> list[Text]:
    """The notes of the relationships: one per distinct row note (naming its pairs), then the analysis notes."""
    blocks = []
    for note in [n for n in dict.fromkeys(frame["note"].astype(str)) if n]:
        pairs = frame.loc[frame["note"].astype(str) == note]
        which = "; ".join(f"{m} vs {o}" for m, o in zip(pairs["measure_label"], pairs["outcome_label"]))
        blocks.append(Text(f"{which}: {note}.", "note"))
    return blocks + [Text(note, "note") for note in notes]


#: Shown when the HR figures still count doctors in training.
DOCTORS_IN_TRAINING_CAVEAT = (
    "The HR figures include doctors in training, who rotate between employers: each rotation counts as a leaver, "
    "which raises leaver rates in teams that host them. NHS leaver statistics leave them out; exclude doctors in "
    "training (the sidebar choice in the dashboard; the default of the report command) to compare with them.")

_OUTCOME_LABELS = {"leaver_rate": "Leaver rate", "sickness_rate": "Sickness absence rate",
                   "stability_index": "Stability index"}


def methods_section() -> Section:
    return Section("methods", SECTION_TITLES["methods"], [Text(t) for t in METHODS_TEXT])


def anonymity_section(dataset: Dataset, wave: str | None, refs: _Refs) -> Section:
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


def sources_section(dataset: Dataset, refs: _Refs, generated_at: dt.datetime) -> Section:
    section = Section("sources", SECTION_TITLES["sources"])
    frame = data_sources_table(dataset)
    section.blocks.append(Text(f"Dataset: {dataset.label}. Report produced {generated_at:%d %B %Y at %H:%M}.", "lead"))
    if frame.empty:
        section.blocks.append(Text("No files were loaded.", "note"))
    else:
        section.blocks.append(Table(ref=refs.table(), title="Files used", frame=frame,
                                    columns=[Column("source", "Source"), Column("file", "File"),
                                             Column("covers", "Covers"), Column("rows", "Responses"),
                                             Column("notes", "Notes")],
                                    caption="Survey waves come from the wave column, the response dates, or a year in a sheet "
                                            "name, title row or file name (each file's source is in its notes); "
                                            "HR dates are the first and last day the records cover."))
    survey = dataset.survey
    if survey is not None and survey.codebook_id:
        codebook = _codebook(dataset)
        section.blocks.append(Text(f"Question codebook: {codebook.name} ({codebook.id}).", "note"))
    return section


# =================================================================================================
# Sections from the board assurance analytics (analytics.board)
# =================================================================================================
_VALUE_KINDS = (("score", "score"), ("pct", "pct"), ("count", "n"))
_CHANGE_KINDS = (("score", "change"), ("pct", "pp"), ("count", "change_n"))
_EFFECT_KINDS = (("Cohen's d", "r"), ("rate ratio", "ratio"))


def headlines_section(report: BoardReport, codebook: Codebook, dataset: Dataset, refs: _Refs,
                      table_refs: dict[str, str]) -> Section:
    """Headline measures (board H1–H6) with change, significance, effect size, benchmark and RAG; trend figure."""
    section = Section("headlines", SECTION_TITLES["headlines"])
    headline = report.headline
    previous = report.previous_wave
    section.blocks.append(Text(
        f"The organisation's headline measures in {report.wave}"
        + (f", compared with {previous}" if previous else " (there is no earlier wave to compare with)")
        + ". Survey scores run from 0 to 10 (higher is better); HR rates are over the 12 months shown. RAG status "
          "uses the thresholds listed, which are local choices.", "lead"))
    ref = refs.table()
    table_refs["H"] = ref
    frame = headline.reset_index(drop=True)
    columns = [
        Column("ref", "Ref"), Column("label", "Measure"),
        Column("value", "Value", "number", "kind", _VALUE_KINDS),
        Column("previous", "Previous", "number", "kind", _VALUE_KINDS),
        Column("change", "Change (95% CI)", "change", "kind", _CHANGE_KINDS, ci=("change_ci_low", "change_ci_high")),
        Column("p", "p", "p", missing="not tested"), Column("significant", "Significant", "bool"),
        Column("effect_size", "Effect size", "number", "effect_size_name", _EFFECT_KINDS, missing="not tested"),
        Column("rag", "RAG", "rag"), Column("n", "n", "n"),
    ]
    section.blocks.append(Table(
        ref=ref, title="Headline measures and their change", frame=frame, columns=columns,
        caption=(f"Staff survey wave {report.wave} (organisation; n = respondents with a score) and HR records "
                 "(organisation; n for the leaver rate = average staff in post). Score changes: Welch t-test, effect "
                 "size Cohen's d; rate changes: effect size rate ratio. Significant: p < 0.05; a count is not "
                 "tested.")))
    details = refs.table()
    table_refs.setdefault("H", ref)
    section.blocks.append(Table(
        ref=details, title="Headline details: periods, thresholds and benchmarks", frame=frame,
        columns=[Column("ref", "Ref"), Column("label", "Measure"), Column("period", "Period"),
                 Column("previous_period", "Compared with"), Column("test", "Test"),
                 Column("benchmark", "Benchmark", "number", "kind", _VALUE_KINDS, missing="none set"),
                 Column("rag_reason", "RAG reason"), Column("note", "Note")],
        caption="RAG thresholds are local choices, not national standards. " + BENCHMARK_NOTE))
    measures = [m for m in headline["measure"].astype(str) if m in codebook.measure_ids]
    figure = _trend_figure(dataset, measures, codebook, refs)
    if figure is not None:
        section.blocks.append(figure)
    local = local_measures_table(dataset, codebook, refs)
    if local is not None:
        section.blocks.append(local)
    return section


BENCHMARK_NOTE = ("Local scores are unweighted; published NHS Staff Survey benchmark scores are weighted by "
                  "occupational group.")


def exceptions_section(report: BoardReport, table_refs: dict[str, str], refs: _Refs, min_group_size: int) -> Section:
    """Teams low on compassionate leadership and high on leaving or sickness (E…); significant falls (F…)."""
    found = report.exceptions
    section = Section("exceptions", SECTION_TITLES["exceptions"])
    where = f" Only teams in {found.directorate} are listed." if found.directorate else ""
    section.blocks.append(Text(
        "Teams that may need attention: teams shown in the survey (at least "
        f"{min_group_size} responses) whose compassionate leadership score is among the lowest and whose leaver or "
        f"sickness absence rate is {HIGH_RATE_RULE}, and teams whose scores fell significantly since the previous "
        "wave." + where, "lead"))
    low = found.low_leadership
    window = (f"{_date(found.window_start)} to {_date(found.window_end)}"
              if found.window_start is not None and found.window_end is not None else "no HR window")
    if not found.has_hr:
        section.blocks.append(Text("No HR data was supplied, so teams high on leaving or sickness cannot be "
                                   "identified.", "note"))
    elif found.window_start is None:
        # No "no team" claim over no data: say why the check could not be made.
        reason = found.notes[0] if found.notes else "The HR data do not cover this survey's HR window."
        section.blocks.append(Text("Teams high on leaving or sickness could not be identified for wave "
                                   f"{report.wave}: {reason}", "note"))
    else:
        ref = refs.table()
        table_refs["E"] = ref
        section.blocks.append(Table(
            ref=ref, title="Low compassionate leadership with high leaving or sickness",
            frame=low.reset_index(drop=True),
            empty_text="No team had both a low compassionate leadership score and a high leaver or sickness rate.",
            columns=[Column("ref", "Ref"), Column("unit", "Team"), Column("parent", "Directorate"),
                     Column("score", "Compassionate leadership", "score"), Column("responses", "Responses", "n"),
                     Column("leaver_rate", "Leaver rate", "pct"),
                     Column("sickness_rate", "Sickness absence rate", "pct"),
                     Column("reason", "Why listed")],
            caption=(f"Staff survey wave {report.wave} and HR records over {window}. Unit of analysis: team. "
                     f"{len(low)} teams listed, of {found.teams_checked} checked. 'Lowest' is the lowest quarter of "
                     f"the teams shown; 'high' is {HIGH_RATE_RULE}.")))
    falls = found.falls
    if found.previous_wave is None:
        section.blocks.append(Text(f"There is no survey wave before {found.wave}, so falls cannot be tested.", "note"))
    else:
        ref = refs.table()
        table_refs["F"] = ref
        compared = ", ".join(f"{_label(m)}: {n}" for m, n in found.teams_compared.items())
        section.blocks.append(Table(
            ref=ref, title=f"Significant falls between {found.previous_wave} and {found.wave}",
            frame=falls.reset_index(drop=True),
            empty_text=f"No team's score fell significantly between {found.previous_wave} and {found.wave}.",
            columns=[Column("ref", "Ref"), Column("unit", "Team"), Column("parent", "Directorate"),
                     Column("label", "Measure"), Column("mean_from", f"Score {found.previous_wave}", "score"),
                     Column("mean_to", f"Score {found.wave}", "score"), Column("change", "Change", "change"),
                     Column("p_adj", "Adjusted p", "p"), Column("cohens_d", "Cohen's d", "r"),
                     Column("effect_size_magnitude", "Size")],
            caption=(f"Staff survey waves {found.previous_wave} and {found.wave}; teams shown in both waves "
                     f"(teams compared: {compared or 'none'}). Welch t-test per team, Benjamini-Hochberg adjustment "
                     "across teams.")))
    for note in found.notes:
        section.blocks.append(Text(note, "note"))
    return section


def _label(measure: str) -> str:
    try:
        return measure_label(measure, load_codebook())
    except InputError:  # pragma: no cover - the shipped codebook always loads
        return measure


def statements_section(report: BoardReport, table_refs: dict[str, str]) -> Section:
    """The board's quotable statements, each followed by the table row(s) it quotes."""
    section = Section("statements", SECTION_TITLES["statements"])
    section.blocks.append(Text("Sentences this paper can quote. Each names the row it rests on (for example H1, "
                               "the first row of the headline table) and the table that holds it.", "lead"))
    items, cited = [], []
    for row in report.statements.itertuples(index=False):
        row_refs = [r.strip() for r in str(row.figure_ref or "").split(",") if r.strip()]
        tables = sorted({table_refs[r[0]] for r in row_refs if r[:1] in table_refs}, key=_ref_number)
        items.append(f"{row.ref}. {row.statement}")
        where = ", ".join(row_refs)
        cited.append(f"Source: {where} in {', '.join(tables)}" if tables else f"Source: {row.source}")
    section.blocks.append(Bullets(items=items, refs=cited))
    return section


def _ref_number(ref: str) -> int:
    try:
        return int(ref.split()[-1])
    except (ValueError, IndexError):
        return 0


def behaviours_section(report: BoardReport, refs: _Refs, table_refs: dict[str, str]) -> Section:
    """The four behaviours (% positive of q9g, q9f, q9h, q9i at organisation level), the weakest and what to do."""
    weakest = report.weakest
    section = Section("behaviours", SECTION_TITLES["behaviours"])
    table = weakest.table
    section.blocks.append(Text(
        "Compassionate leadership has four behaviours (The King's Fund; Michael West): attending, understanding, "
        "empathising and helping. Each is read here from one survey question about the immediate manager, as the "
        "share of staff answering positively.", "lead"))
    shown = table[~table["suppressed"].astype(bool) & table["pct_positive"].notna()]
    if len(shown):
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
        section.blocks.append(Figure(
            ref=refs.figure(), kind="behaviours", title="The four behaviours: % positive answers",
            data=data, options={"wave": report.wave, "previous_wave": report.previous_wave},
            caption=(f"Staff survey wave {report.wave}"
                     + (f" and {report.previous_wave}" if report.previous_wave else "")
                     + f". Unit of analysis: organisation. n = {n_low:,} to {n_high:,} answers per question in "
                       f"{report.wave}. {weakest.note}")))
    ref = refs.table()
    table_refs["B"] = ref
    section.blocks.append(Table(
        ref=ref, title="The four behaviours", frame=table.reset_index(drop=True),
        columns=[Column("ref", "Ref"), Column("label", "Behaviour"), Column("item", "Question"),
                 Column("wording", "Wording"), Column("pct_positive", f"% positive {report.wave}", "pct"),
                 Column("n", "n", "n"), Column("previous_pct_positive", "% positive previous wave", "pct"),
                 Column("change_points", "Change", "pp"), Column("weakest", "Weakest", "bool")],
        caption=f"Staff survey wave {report.wave}, organisation level. {weakest.note}"))
    guidance = weakest.guidance
    if weakest.behaviours:
        names = " and ".join(table.loc[table["behaviour"].isin(weakest.behaviours), "label"].astype(str))
        section.blocks.append(Text(f"What to do: the weakest behaviour is {names.lower()}.", "lead"))
        for behaviour in weakest.behaviours:
            if behaviour in weakest.summaries:
                section.blocks.append(Text(weakest.summaries[behaviour]))
        actions = guidance[guidance["section"] == "behaviour"]
        if len(actions):
            section.blocks.append(Bullets(items=actions["text"].astype(str).tolist()))
    support = guidance[guidance["section"] == "support"]
    if len(support):
        section.blocks.append(Text("Wellbeing support that puts the behaviours into practice:", "lead"))
        section.blocks.append(Bullets(items=[f"{h}: {t}" for h, t in zip(support["heading"], support["text"])]))
    cited = list(dict.fromkeys(guidance["source"].astype(str)))
    if cited:
        section.blocks.append(Text("Sources: " + " ".join(f"{c.rstrip('.')}." for c in cited), "note"))
    return section


def summary_section(dataset: Dataset, report: BoardReport | None, *, wave: str | None, previous: str | None,
                    directorate: str | None,
                    exclusions_text: str, generated_at: dt.datetime) -> Section:
    section = Section("summary", SECTION_TITLES["summary"])
    section.blocks.append(Text(
        "This report gives the board assurance on staff wellbeing and compassionate leadership from the staff survey "
        "and HR records: headline measures and their change, exceptions, statements the paper can quote, the four "
        "behaviours of compassionate leadership with what to do, and how survey scores are associated with leaving "
        "and sickness absence across teams.", "lead"))
    facts = [f"Dataset: {dataset.label}",
             f"Survey wave reported: {wave}" + (f", compared with {previous}" if previous else "") if wave else
             "Survey wave reported: none (no survey results)",
             f"Anonymity threshold: {dataset.min_group_size} responses",
             f"Produced: {generated_at:%d %B %Y}"]
    if directorate:
        facts.append(f"Exceptions shown for: {directorate}")
    if dataset.hr is None:
        facts.append("HR data: none supplied")
    if dataset.hr is not None:
        facts.append(f"HR exclusions: {exclusions_text or 'none: every record in the HR files is counted.'}")
    section.blocks.append(Bullets(items=facts))
    if can_exclude_doctors_in_training(dataset.hr):
        section.blocks.append(Text(DOCTORS_IN_TRAINING_CAVEAT, "caveat"))
    if report is not None:
        rated = report.headline[["label", "rag"]]
        glance = [f"{label}: {rag}" for label, rag in zip(rated["label"], rated["rag"])]
        section.blocks.append(Text("RAG status at a glance (see the headline table):", "paragraph"))
        section.blocks.append(Bullets(items=glance))
    return section


# =================================================================================================
# The whole pack
# =================================================================================================
def build_board_pack(dataset: Dataset, *, wave: str | None = None, directorate: str | None = None,
                     thresholds: Mapping[str, object] | None = None, benchmarks: Mapping[str, object] | None = None,
                     exclusions: HRExclusions = HRExclusions(), low_score_below: float | None = None,
                     window_kind: str = WINDOW_CONCURRENT, generated_at: dt.datetime | None = None,
                     title: str = PACK_TITLE, actions: pd.DataFrame | None = None) -> BoardPack:
    """Every section of the board pack for one wave, as data (see the module docstring).

    Parameters
    ----------
    dataset
        A loaded dataset (:func:`analytics.dataset.load_dataset`); its ``min_group_size`` is the threshold
        used throughout and printed in the pack, and its HR records already carry the dataset-level
        exclusions (doctors in training; ``dataset.hr_exclusions`` says which), stated in the summary.
    wave
        The survey wave reported (default: the latest); it is compared with the wave before it.
    directorate
        Narrow the exception lists to one directorate (headlines and relationships stay organisation-wide).
    thresholds, benchmarks
        RAG thresholds and benchmarks per headline (:func:`analytics.board.apply_thresholds`); default the
        starting thresholds of :data:`analytics.settings.DEFAULT_RAG_THRESHOLDS`.
    exclusions
        Staff left out of every HR figure in the pack on top of the dataset's own exclusions
        (:class:`analytics.hr.HRExclusions`; the Board assurance page's staff groups).
    low_score_below
        The exception rule's fixed score cut-off (:func:`analytics.board.exceptions`; default: the lowest
        quarter of teams).
    window_kind
        HR window of the relationships: ``"concurrent"`` or ``"lagged"``.
    generated_at
        The time printed on the pack (default now).
    actions
        The workspace's action log (:func:`analytics.store.actions`); when given, an "Actions: you said, we
        did" section lists the actions about the dataset's units with their figures beside them.

    Returns
    -------
    BoardPack
        Sections in :data:`SECTION_TITLES` order. Without survey results only the methods, anonymity and
        sources sections have content; the others say why.

    Raises
    ------
    InputError
        An unknown wave or window; a staff group that is not in the HR data.
    """
    check_window_kind(window_kind)
    generated_at = generated_at or dt.datetime.now().replace(microsecond=0)
    wave, previous = _pick_wave(dataset, wave)
    records = dataset.hr
    groups = exclusions.staff_groups
    exclusion_texts = [dataset.hr_exclusions.strip()] if dataset.hr_exclusions.strip() else []
    if groups and records is not None:
        exclusion_texts.append("Staff groups left out of every HR figure: " + ", ".join(groups) + ".")
    refs = _Refs()
    table_refs: dict[str, str] = {}
    codebook = _codebook(dataset)
    report = None
    sections: list[Section] = []
    if dataset.needs_our_organisation:
        raise InputError(f"These results hold {len(dataset.organisations)} organisations. Say which is yours (on "
                         "the Board page, or --organisation NAME on the command line) before writing the board "
                         "pack. Organisations: " + ", ".join(dataset.organisations[:10])
                         + (" …" if len(dataset.organisations) > 10 else "") + ".")
    if dataset.board_survey is not None and wave is not None:
        benchmarks = published.peer_benchmarks(dataset.survey, dataset.spec.our_organisation, wave, benchmarks)
        report = board.board_report(dataset.board_survey, records, wave=wave,
                                    exclusions=exclusions, thresholds=thresholds, benchmarks=benchmarks,
                                    directorate=directorate, low_score_below=low_score_below,
                                    hr_description=dataset.hr_exclusions)
    sections.append(summary_section(dataset, report, wave=wave, previous=previous, directorate=directorate,
                                    exclusions_text=" ".join(exclusion_texts), generated_at=generated_at))
    if report is not None:
        sections.append(headlines_section(report, codebook, dataset, refs, table_refs))
        sections.append(exceptions_section(report, table_refs, refs, dataset.min_group_size))
        behaviours = behaviours_section(report, refs, table_refs)
        sections.append(statements_section(report, table_refs))
        sections.append(behaviours)
    else:
        for key in ("headlines", "exceptions", "statements", "behaviours"):
            sections.append(Section(key, SECTION_TITLES[key], [Text(
                "There are no survey results: add at least one survey file.", "note")]))
    from analytics.report.actions_section import actions_section  # it builds on this module's blocks
    action_log = actions_section(dataset, actions, refs.table)
    if action_log is not None:
        sections.append(action_log)
    sections.append(relationships_section(dataset, wave, refs, window_kind=window_kind, exclusions=exclusions))
    sections.append(methods_section())
    sections.append(anonymity_section(dataset, wave, refs))
    sections.append(sources_section(dataset, refs, generated_at))
    organisation = dataset.label
    return BoardPack(title=title, organisation=organisation, wave=wave, previous_wave=previous,
                     min_group_size=dataset.min_group_size, generated_at=generated_at, sections=sections,
                     directorate=directorate, notes=list(report.notes) if report is not None else [])

"""The board pack's relationships section: how team survey scores are associated with team HR outcomes.

The body shows each pair's correlation with its 95% confidence interval and says in words how strong it is and
which way it goes; Spearman's rho, the adjusted p-values and the count-model ratio go to Annex A
(:class:`~analytics.report.pack_annex.AnnexTables`). The figures are :func:`analytics.relate.relate_survey_hr`'s,
unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics import relate
from analytics.dataset import Dataset, can_exclude_doctors_in_training
from analytics.errors import InputError
from analytics.relate.common import RelateResult
from analytics.hr import HRExclusions
from analytics.report.pack_annex import AnnexTables, PendingTable
from analytics.report.pack_model import SECTION_TITLES, Column, Figure, Refs, Section, Table, Text, date_text, \
    dataset_codebook, measure_label
from analytics.wave_window import WINDOW_CONCURRENT, WINDOW_LABELS

#: Survey measures related to HR outcomes in the pack, and the outcomes.
RELATIONSHIP_MEASURES = ("compassionate_leadership", "morale", "staff_engagement")
RELATIONSHIP_OUTCOMES = ("leaver_rate", "sickness_rate", "stability_index")

OUTCOME_LABELS = {"leaver_rate": "Leaver rate", "sickness_rate": "Sickness absence rate",
                  "stability_index": "Stability index"}
#: Outcomes in words for "teams with higher scores tend to have … ".
_OUTCOME_WORDS = {"leaver_rate": "leaver rates", "sickness_rate": "sickness absence rates",
                  "stability_index": "stability"}
#: Size of a correlation in words: the largest bound |r| falls under (Cohen 1988: 0.1 small, 0.3 medium,
#: 0.5 large); a larger |r| is "strong".
R_WORDS = ((0.1, "negligible"), (0.3, "weak"), (0.5, "moderate"))
#: Adjusted p-value below which an association is called clear (the same 0.05 as the rest of the pack).
CLEAR_BELOW = 0.05

#: Shown when the HR figures still count doctors in training.
DOCTORS_IN_TRAINING_CAVEAT = (
    "The HR figures include doctors in training, who rotate between employers: each rotation counts as a leaver, "
    "which raises leaver rates in teams that host them. NHS leaver statistics leave them out; exclude doctors in "
    "training (the sidebar choice in the dashboard; the default of the report command) to compare with them.")


def r_in_words(r: float, outcome: str) -> str:
    """A correlation in words: its size (:data:`R_WORDS`) and, unless negligible, its direction.

    >>> r_in_words(-0.28, "leaver_rate")
    'weak: higher scores, lower leaver rates'
    >>> r_in_words(0.05, "sickness_rate")
    'negligible'
    """
    if not np.isfinite(r):
        return "not worked out"
    size = next((word for bound, word in R_WORDS if abs(r) < bound), "strong")
    if size == "negligible":
        return size
    return f"{size}: higher scores, {'higher' if r > 0 else 'lower'} {_OUTCOME_WORDS.get(outcome, outcome)}"


def _relate(dataset: Dataset, wave: str | None, *, window_kind: str, directorate: str | None,
            exclusions: HRExclusions) -> RelateResult | Text:
    """The relationships of ``wave``, or a note saying why there are none."""
    survey, records = dataset.survey, dataset.hr
    if survey is None or wave is None:
        return Text("There are no survey results, so no relationship can be shown.", "note")
    if records is None:
        return Text("No HR data was supplied, so relationships between survey measures and leaver rate, sickness "
                    "absence or stability cannot be shown. Add an HR staff file (with an absence file) or a "
                    "team-month file.", "note")
    measures = [m for m in RELATIONSHIP_MEASURES if m in set(survey.unit_scores["measure"].astype(str))]
    try:
        return relate.relate_survey_hr(survey, records, waves=[wave], window_kind=window_kind,
                                       measures=measures or None, directorate=directorate, exclusions=exclusions)
    except InputError as exc:
        return Text(f"Relationships could not be worked out for wave {wave}: {exc.message}", "note")


def relationships_frame(table: pd.DataFrame, codebook) -> pd.DataFrame:
    """The relationships table with labels, ``in_words`` (:func:`r_in_words`) and ``clear`` (adjusted p below
    :data:`CLEAR_BELOW`; None when not tested) added."""
    frame = table.assign(
        measure_label=[measure_label(x, codebook) for x in table["x"]],
        outcome_label=[OUTCOME_LABELS.get(y, measure_label(y, codebook)) for y in table["y"]],
    )
    return frame.assign(
        in_words=[r_in_words(float(r), str(y)) for r, y in zip(pd.to_numeric(frame["r"], errors="coerce"), frame["y"])],
        clear=[None if pd.isna(p) else bool(p < CLEAR_BELOW) for p in pd.to_numeric(frame["p_adj"], errors="coerce")],
    ).reset_index(drop=True)


def relationships_section(dataset: Dataset, wave: str | None, refs: Refs, *,
                          window_kind: str = WINDOW_CONCURRENT, directorate: str | None = None,
                          exclusions: HRExclusions = HRExclusions(), annex: AnnexTables | None = None,
                          facts: dict | None = None) -> Section:
    """Team-level associations of survey measures with HR outcomes for ``wave``: a table of r with its 95% CI
    and its meaning in words, and a forest plot of r (organisation-wide unless ``directorate`` is given; HR
    figures without the staff of ``exclusions``). Spearman's rho, adjusted p and the count-model ratio go to
    ``annex``; ``facts["relationships"]`` receives the table for the cover's summary."""
    section = Section("relationships", SECTION_TITLES["relationships"])
    result = _relate(dataset, wave, window_kind=window_kind, directorate=directorate, exclusions=exclusions)
    if isinstance(result, Text):
        section.blocks.append(result)
        return section
    frame = relationships_frame(result.table, dataset_codebook(dataset))
    if facts is not None:
        facts["relationships"] = frame
    start, end = result.windows.get(str(wave), (None, None))
    window_text = (f"{WINDOW_LABELS.get(window_kind, window_kind)}: {date_text(start)} to {date_text(end)}"
                   if start is not None else "no HR window")
    n_units = int(frame["n"].max()) if len(frame) else 0
    caption = (f"Staff survey wave {wave} and HR records, {window_text}. Unit of analysis: team. "
               f"Up to {n_units} teams shown in both sources (teams below the anonymity threshold are left out). "
               "Associations between teams are not evidence of cause.")
    section.blocks.append(Text(
        "Whether teams with higher survey scores tend to have lower leaving and sickness absence. Each figure runs "
        "from −1 to 1: 0 means no association, a negative figure for leaver rate or sickness absence means teams "
        "scoring higher tend to have lower rates. 'Clear' means unlikely to be chance once every pair tested for "
        "this wave is read together (Annex A gives the statistics).", "lead"))
    table_ref = refs.table()
    section.blocks.append(Table(
        ref=table_ref, title="How team scores are associated with HR outcomes", frame=frame,
        columns=[Column("measure_label", "Survey measure", width=20), Column("outcome_label", "Outcome", width=17),
                 Column("n", "Teams", "n", width=8),
                 Column("r", "Association (95% CI)", "r", ci=("r_ci_low", "r_ci_high"), width=17),
                 Column("in_words", "In words", width=28), Column("clear", "Clear", "bool", width=10)],
        caption=caption))
    forest = _forest_figure(frame, f"The associations of {table_ref}, as a chart: each square is one pair's "
                                   "association, the line its 95% confidence interval; 0 is no association.", refs)
    if forest is not None:
        section.blocks.append(forest)
    if annex is not None:
        annex.add(_statistics_table(frame, wave))
    section.blocks.extend(Text(note, "note") for note in result.notes)
    if can_exclude_doctors_in_training(dataset.hr):
        section.blocks.append(Text(DOCTORS_IN_TRAINING_CAVEAT, "caveat"))
    section.blocks.append(Text("An association between teams is not evidence of cause: teams differ in staff mix, "
                               "workload and setting, any of which may be associated with both measures.", "caveat"))
    return section


def _family_text(frame: pd.DataFrame) -> str:
    """The multiple-comparison family of the rows, as :func:`analytics.relate.family` states it ("" if none)."""
    if "p_adj_family" not in frame.columns:
        return ""
    families = [str(f) for f in frame["p_adj_family"].dropna().unique() if str(f)]
    return "; ".join(families)


def _statistics_table(frame: pd.DataFrame, wave: str) -> PendingTable:
    columns = [Column("measure_label", "Survey measure"), Column("outcome_label", "Outcome"),
               Column("n", "Teams (n)", "n"), Column("r", "Pearson r (95% CI)", "r", ci=("r_ci_low", "r_ci_high")),
               Column("rho", "Spearman rho (95% CI)", "r", ci=("rho_ci_low", "rho_ci_high")),
               Column("p_adj", "Adjusted p", "p")]
    if "rate_ratio" in frame.columns:
        columns.append(Column("rate_ratio", "Ratio per point (95% CI)", "ratio", ci=("rr_ci_low", "rr_ci_high"),
                              missing="not modelled"))
    return PendingTable(
        title="Relationships with staff outcomes: the statistics", frame=frame, columns=columns,
        caption=(f"Staff survey wave {wave} and HR records; unit of analysis: team. p-values adjusted with "
                 f"{_family_text(frame) or 'Benjamini-Hochberg across the pairs of this table'}. The ratio is the multiplicative change in the "
                 "odds of leaving (leaver rate) or in the sickness absence rate for a team scoring one point "
                 "higher." + "".join(f" {note}" for note in _row_notes(frame))))


def _forest_figure(frame: pd.DataFrame, caption: str, refs: Refs) -> Figure | None:
    """The forest plot of the correlation with its 95% CI for every pair that has one (None when none has)."""
    shown = frame[np.isfinite(pd.to_numeric(frame["r"], errors="coerce").astype(float))]
    if not len(shown):
        return None
    data = pd.DataFrame({"label": (shown["measure_label"] + " vs " + shown["outcome_label"]).to_numpy(),
                         "r": shown["r"].astype(float).to_numpy(),
                         "r_ci_low": shown["r_ci_low"].astype(float).to_numpy(),
                         "r_ci_high": shown["r_ci_high"].astype(float).to_numpy(),
                         "n": shown["n"].astype(int).to_numpy()})
    return Figure(ref=refs.figure(), kind="forest", title="Association of team scores with HR outcomes, with 95% CI",
                  data=data, caption=caption)


def _row_notes(frame: pd.DataFrame) -> list[str]:
    """One sentence per distinct row note of the statistics, naming its pairs."""
    out = []
    for note in [n for n in dict.fromkeys(frame["note"].astype(str)) if n]:
        pairs = frame.loc[frame["note"].astype(str) == note]
        which = "; ".join(f"{m} vs {o}" for m, o in zip(pairs["measure_label"], pairs["outcome_label"]))
        out.append(f"{which}: {note}.")
    return out

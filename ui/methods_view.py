"""Streamlit glue of the Methods & data quality page.

The long explanatory text lives in ``ui/methods.md`` (one ``## `` section per topic), with the few numbers
that depend on settings (the anonymity threshold, the HR window…) filled in from the modules that define
them, so the page never disagrees with the code. Tables come from :mod:`analytics.survey.reliability` (pooled,
organisation-level figures) through :mod:`analytics.survey.tables` and cached wrappers taking the dataset
(hashed by its ``cache_key``, :mod:`ui.cache`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from analytics import hr, settings, stats, wave_window
from analytics.survey import reliability
from analytics.survey import tables as survey_tables
from analytics.ingest.codebook import Codebook, load_codebook
from analytics.dataset import Dataset
from analytics import corrections
from ui import data_view
from ui.cache import cached_table

METHODS_TEXT_PATH = Path(__file__).with_name("methods.md")

ALPHA_BAR_TEXT = f"{reliability.ALPHA_ADEQUATE:.2f} or more is the usual bar for comparing groups."
ALPHA_HELP = f"Cronbach's α: do the questions of a measure hang together? {ALPHA_BAR_TEXT}"
ICC1_HELP = "ICC(1): the share of the variation in answers that lies between teams (0.05 to 0.20 is typical)."
ICC2_HELP = (f"ICC(2): how reliable a team's mean is; {reliability.ICC2_RELIABLE:.2f} or more means team means can be "
             "compared with confidence.")
RWG_HELP = (f"rwg(j): agreement within teams, against random answering; {reliability.RWG_STRONG_AGREEMENT:.2f} or "
            "more is strong agreement. Mean over teams.")
NO_SCORED_TEXT = ("Missing answers, reliability and team agreement need respondent-level survey files. The dataset "
                  "in use has none (no survey file, or only published results): upload survey exports on the Data "
                  "page.")


# --------------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------------
def _window_text(kind: str) -> str:
    first, last = wave_window.outcome_window("2025", kind)
    where = {wave_window.WINDOW_CONCURRENT: "around", wave_window.WINDOW_LAGGED: "after"}.get(kind, "before")
    return (f"the 12 whole months {where} the survey month (for a 2025 survey: {first:%d %B %Y} to "
            f"{last:%d %B %Y})")


def methods_values() -> dict[str, str]:
    """The numbers the methods text quotes, taken from the modules that define them."""
    month, day = wave_window.SURVEY_MONTH_DAY
    return {
        "k_default": str(settings.DEFAULT_MIN_GROUP_SIZE),
        "k_floor": str(settings.MIN_GROUP_SIZE_FLOOR),
        "standard_window_months": str(hr.STANDARD_WINDOW_MONTHS),
        "survey_date": f"{day} {pd.Timestamp(year=2000, month=month, day=day):%B}",
        "concurrent_text": _window_text(wave_window.WINDOW_CONCURRENT),
        "lagged_text": _window_text(wave_window.WINDOW_LAGGED),
        "previous_text": _window_text(wave_window.WINDOW_PREVIOUS),
        "min_window_months": str(settings.MIN_HR_WINDOW_MONTHS),
        "min_units": str(stats.MIN_UNITS),
        "alpha_adequate": f"{reliability.ALPHA_ADEQUATE:.2f}",
        "icc2_reliable": f"{reliability.ICC2_RELIABLE:.2f}",
        "rwg_strong": f"{reliability.RWG_STRONG_AGREEMENT:.2f}",
        "missing_rate_warning_pct": f"{settings.MISSING_RATE_WARNING * 100:.0f}",
        "straight_lining_min_items": str(settings.STRAIGHT_LINING_MIN_ITEMS),
    }


def methods_sections(path: Path = METHODS_TEXT_PATH) -> list[tuple[str, str]]:
    """``(title, markdown body)`` of each ``## `` section of the methods text, with the values filled in."""
    text = path.read_text(encoding="utf-8").format_map(methods_values())
    sections: list[tuple[str, str]] = []
    for block in text.split("\n## "):
        block = block.removeprefix("## ").strip()
        if not block:
            continue
        title, _, body = block.partition("\n")
        sections.append((title.strip(), body.strip()))
    return sections


# --------------------------------------------------------------------------------------------------
# Codebook
# --------------------------------------------------------------------------------------------------
CODEBOOK_COLUMNS = ("Measure", "Question", "Wording", "Scale", "Reverse-keyed")
#: Widths of the codebook table: the wording gets the room the other columns leave at a 1400-px window.
CODEBOOK_COLUMN_CONFIG = {
    "Measure": st.column_config.TextColumn(width=165),
    "Question": st.column_config.TextColumn(width=65),
    "Wording": st.column_config.TextColumn(width=450),
    "Scale": st.column_config.TextColumn(width=135),
    "Reverse-keyed": st.column_config.TextColumn(width=95),
}


def _question_name(code: str) -> str:
    # a local measure's item code is custom.<measure id>.<column>: show the column
    return code.split(".", 2)[2] if code.startswith("custom.") else code


def codebook_table(codebook: Codebook) -> pd.DataFrame:
    """The codebook as a table: one row per measure x question (themes: one row naming their sub-scores).

    Columns :data:`CODEBOOK_COLUMNS`: measure label, question code (a local measure's column), wording,
    scale (its label; :func:`scales_text` lists the options), and whether the question is reverse-keyed.
    """
    rows = []
    for measure in codebook.measures:
        if measure.is_theme:
            rows.append({"Measure": f"{measure.label} (theme)", "Question": "",
                         "Wording": theme_text(codebook, measure.id), "Scale": "", "Reverse-keyed": ""})
            continue
        for code in measure.items:
            item = codebook.items[code]
            scale = codebook.scales[item.scale]
            rows.append({"Measure": measure.label, "Question": _question_name(code), "Wording": item.wording,
                         "Scale": scale.label, "Reverse-keyed": "yes" if item.reverse else "no"})
    return pd.DataFrame(rows, columns=list(CODEBOOK_COLUMNS))


def theme_text(codebook: Codebook, measure_id: str) -> str:
    """A theme in words: what it is the mean of, and how many questions it rests on through its sub-scores.

    E.g. "Theme: mean of thinking about leaving, work pressure, stressors (a respondent needs all of them);
    13 questions through its sub-scores."
    """
    note = reliability.theme_note(codebook, measure_id)
    questions = len(codebook.items_of(measure_id))
    return (f"{note[0].upper()}{note[1:]} (a respondent needs all of them); {questions} questions through its "
            "sub-scores.")


def scales_text(codebook: Codebook) -> str:
    """The answer options of each scale the codebook's measures use, least to most favourable wording, and
    the answers read as missing."""
    used = {codebook.items[c].scale for m in codebook.measures if not m.is_theme for c in m.items}
    parts = [f"{scale.label}: {' / '.join(scale.options)}" for name, scale in codebook.scales.items() if name in used]
    missing = f" Read as missing: {', '.join(codebook.missing_options)}." if codebook.missing_options else ""
    return "Scales (options from first to last): " + "; ".join(parts) + "." + missing


def dataset_codebook(dataset: Dataset) -> Codebook:
    """The codebook in use: the survey's (with local measures) or the default one."""
    if dataset.survey is not None and dataset.survey.codebook is not None:
        return dataset.survey.codebook
    return load_codebook()


# --------------------------------------------------------------------------------------------------
# Cached analytics
# --------------------------------------------------------------------------------------------------
def has_respondent_data(dataset: Dataset) -> bool:
    return survey_tables.has_respondent_data(dataset.survey)


@cached_table()
def missingness(dataset: Dataset) -> pd.DataFrame:
    return survey_tables.item_missingness(dataset.survey)


@cached_table()
def alpha_table(dataset: Dataset) -> pd.DataFrame:
    return survey_tables.measure_reliability(dataset.survey)


@cached_table()
def item_total(dataset: Dataset, wave: str) -> pd.DataFrame:
    return survey_tables.item_total_table(dataset.survey, wave=wave)


@cached_table()
def aggregation(dataset: Dataset) -> pd.DataFrame:
    return survey_tables.aggregation_table(dataset.survey)


# --------------------------------------------------------------------------------------------------
# Display tables (rounding happens in column_config, not here)
# --------------------------------------------------------------------------------------------------
def _item_label(code: str, codebook: Codebook) -> str:
    return codebook.items[code].wording if code in codebook.items else ""


def missingness_display(table: pd.DataFrame, codebook: Codebook) -> tuple[pd.DataFrame, dict]:
    """% missing per question (rows) and wave (columns), with the question's wording and measures.

    A question's measures are its sub-scores, each followed by the theme it is part of, if any
    ("Thinking about leaving (in Morale)").
    """
    labels = {m.id: m.label for m in codebook.measures}
    in_theme = {sub: m.label for m in codebook.measures if m.is_theme for sub in m.sub_measures}

    def measure_text(measure_id: str) -> str:
        label = labels.get(measure_id, measure_id)
        return f"{label} (in {in_theme[measure_id]})" if measure_id in in_theme else label

    wide = table.pivot(index="item", columns="wave", values="pct_missing")
    order = list(dict.fromkeys(table["item"]))
    wide = wide.reindex(order)
    measures = table.drop_duplicates("item").set_index("item")["measures"]
    frame = pd.DataFrame({
        "Question": [_question_name(c) for c in wide.index],
        "Wording": [_item_label(c, codebook) for c in wide.index],
        "Measures": [", ".join(measure_text(m.strip()) for m in str(measures[c]).split(",") if m.strip())
                     for c in wide.index],
    })
    config = {"Question": st.column_config.TextColumn(width=70),
              "Wording": st.column_config.TextColumn(width=290),
              "Measures": st.column_config.TextColumn(width=220)}
    for wave in wide.columns:
        name = f"% missing {wave}"
        frame[name] = wide[wave].to_numpy()
        config[name] = st.column_config.NumberColumn(name, format="%.1f%%", width=105,
                                                     help=f"Respondents in wave {wave} without a scorable answer.")
    return frame, config


def interval_text(low: float, high: float) -> str:
    """A confidence interval as text, two decimals ("0.87 to 0.89"); empty when either end is missing."""
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return ""
    return f"{low:.2f} to {high:.2f}"


def alpha_display(table: pd.DataFrame, wave: str) -> tuple[pd.DataFrame, dict]:
    """Cronbach's α per measure of one wave. The interval is shown as text ("0.87 to 0.89"); its two ends
    stay in the table at full precision (hidden, in the CSV download)."""
    rows = table[table["wave"] == str(wave)]
    frame = pd.DataFrame({
        "Measure": rows["label"].to_numpy(), "Questions": rows["n_items"].to_numpy(),
        "Complete answers": rows["n"].to_numpy(), "α": rows["alpha"].to_numpy(),
        "95% CI": [interval_text(lo, hi) for lo, hi in zip(rows["ci_low"], rows["ci_high"])],
        "Note": rows["note"].to_numpy(),
        "95% CI low": rows["ci_low"].to_numpy(), "95% CI high": rows["ci_high"].to_numpy(),
    })
    config = {"Measure": st.column_config.TextColumn(width=165),
              "Questions": st.column_config.NumberColumn(
                  width=80, help="Questions of the measure answered in this wave's file; for a theme, the questions "
                                 "of its sub-scores."),
              "Complete answers": st.column_config.NumberColumn(
                  format="%,d", width=125, help="Respondents who answered every question of the measure (α uses "
                                                "these)."),
              "α": st.column_config.NumberColumn(format="%.2f", help=ALPHA_HELP, width=55),
              "95% CI": st.column_config.TextColumn(width=105, help="95% confidence interval of α (Feldt)."),
              "Note": st.column_config.TextColumn(width=395),
              "95% CI low": None, "95% CI high": None}
    return frame, config


def item_total_display(table: pd.DataFrame, codebook: Codebook) -> tuple[pd.DataFrame, dict]:
    labels = {m.id: m.label for m in codebook.measures}
    frame = pd.DataFrame({
        "Measure": [labels.get(m, m) for m in table["measure"]],
        "Question": [_question_name(c) for c in table["item"]],
        "Wording": [_item_label(c, codebook) for c in table["item"]],
        "Respondents": table["n"].to_numpy(),
        "Item–total r": table["item_total_r"].to_numpy(),
        "α without this question": table["alpha_if_deleted"].to_numpy(),
    })
    config = {"Item–total r": st.column_config.NumberColumn(
                  format="%.2f", help="Correlation of the question with the sum of the measure's other questions; "
                                      "below about 0.3 the question does not go with the rest."),
              "α without this question": st.column_config.NumberColumn(format="%.2f"),
              "Wording": st.column_config.TextColumn(width="large")}
    return frame, config


def aggregation_display(table: pd.DataFrame, wave: str) -> tuple[pd.DataFrame, dict]:
    rows = table[table["wave"] == str(wave)]
    verdicts = [row.note if row.note and pd.isna(row.icc2) else
                reliability.aggregation_verdict(row.icc2, None if pd.isna(row.rwg_j_mean) else row.rwg_j_mean)
                for row in rows.itertuples()]
    frame = pd.DataFrame({
        "Measure": rows["label"].to_numpy(), "Teams": rows["n_teams"].to_numpy(),
        "Respondents": rows["n_respondents"].to_numpy(), "ICC(1)": rows["icc1"].to_numpy(),
        "ICC(2)": rows["icc2"].to_numpy(), "rwg(j), mean": rows["rwg_j_mean"].to_numpy(),
        "Teams with strong agreement": rows["share_strong_agreement"].to_numpy() * 100,
        "In words": verdicts,
    })
    # "In words" stays in the table (and its CSV) but is not drawn: it is too long for a cell, and
    # :func:`aggregation_verdicts` lists it under the table instead.
    config = {"Measure": st.column_config.TextColumn(width=170),
              "Teams": st.column_config.NumberColumn(format="%,d", width=70),
              "Respondents": st.column_config.NumberColumn(format="%,d", width=100),
              "ICC(1)": st.column_config.NumberColumn(format="%.3f", help=ICC1_HELP, width=80),
              "ICC(2)": st.column_config.NumberColumn(format="%.2f", help=ICC2_HELP, width=80),
              "rwg(j), mean": st.column_config.NumberColumn(format="%.2f", help=RWG_HELP, width=100),
              "Teams with strong agreement": st.column_config.NumberColumn(
                  format="%.0f%%", width=190, help=f"Teams whose rwg(j) is {reliability.RWG_STRONG_AGREEMENT:.2f} "
                                                   "or more."),
              "In words": None}
    return frame, config


def aggregation_verdicts(frame: pd.DataFrame) -> str:
    """The "In words" column of :func:`aggregation_display` as a Markdown list: one bullet per verdict,
    naming the measures it applies to (in table order)."""
    groups: dict[str, list[str]] = {}
    for measure, verdict in zip(frame["Measure"], frame["In words"]):
        text = str(verdict).strip() if verdict is not None and not pd.isna(verdict) else ""
        if text:
            groups.setdefault(text, []).append(str(measure))
    return "\n".join(f"- **{text[0].upper()}{text[1:]}**: {', '.join(measures)}."
                     for text, measures in groups.items())


def findings_summary(findings: pd.DataFrame | None) -> pd.DataFrame:
    """Number of findings per file, severity and kind (most serious first)."""
    if findings is None or findings.empty:
        return pd.DataFrame(columns=["File", "Severity", "Kind", "Findings"])
    rank = {s: i for i, s in enumerate(settings.SEVERITIES)}
    counts = (findings.groupby(["file", "severity", "kind"], dropna=False).size().rename("Findings").reset_index())
    counts["_rank"] = counts["severity"].map(rank)
    counts = counts.sort_values(["_rank", "file", "kind"], kind="stable")
    return pd.DataFrame({"File": counts["file"].to_numpy(),
                         "Severity": counts["severity"].map(lambda s: corrections.SEVERITY_ICONS.get(s, s)).to_numpy(),
                         "Kind": counts["kind"].str.replace("_", " ").to_numpy(),
                         "Findings": counts["Findings"].to_numpy()})


show_table = data_view.show_table

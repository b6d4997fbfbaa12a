"""Relationships (analysts): survey measures against leaver rate, sickness absence, stability and morale,
one point per team, with effect sizes, confidence intervals, n, unit of analysis and window."""

import streamlit as st

from analytics import relate, settings
from analytics import format as fmt
from ui import relationships_view as view
from ui.state import current_dataset, ensure_frame, filters, published_note

ensure_frame()

st.title("Relationships")
st.caption("How survey measures and outcomes go together across teams: one point per team shown, correlations "
           "with 95% confidence intervals, and for leaving and sickness the ratio per point from a count model. "
           "Associations between teams, not causes.")

dataset = current_dataset()
published_note(dataset)
chosen = filters()
wave = view.current_wave(dataset, chosen.wave)
if dataset.survey is None or wave is None:
    st.info("No survey results yet: upload survey files (and HR files) on the Data page.", icon=":material/info:")
    st.stop()
if not view.published.has_level(dataset.survey, settings.LEVEL_TEAM) and dataset.survey.scored is None:
    view.render_published_units(dataset)
    st.stop()
has_hr = dataset.hr is not None
if not has_hr:
    st.info(view.NO_HR_TEXT, icon=":material/info:")

# --- Choices ----------------------------------------------------------------------------------------
measures = view.measures_present(dataset)
outcomes = view.outcome_choices(dataset)
left, middle, right = st.columns(3)
x = left.selectbox("Survey measure (x)", measures, index=view.default_index(measures, "compassionate_leadership"),
                   key="relationships_x", format_func=lambda m: view.name(dataset, m),
                   help="The team score on the horizontal axis (0–10, higher is more favourable).")
y = middle.selectbox("Outcome (y)", outcomes, index=0, key="relationships_y",
                     format_func=lambda m: view.name(dataset, m),
                     help="An HR outcome over the chosen window, or another survey measure of the same wave.")
window = right.radio("HR window", view.WINDOW_CHOICES, key="relationships_window", format_func=view.window_name,
                     help=view.WINDOW_HELP, disabled=not has_hr)
left, middle, right = st.columns(3)
level = left.radio("Unit of analysis", view.LEVEL_CHOICES, key="relationships_level", format_func=view.level_name,
                   horizontal=True, help="One point per team, or per directorate (few points: wide intervals).")
stratify_options = [None, relate.BY_DIRECTORATE] if level == settings.LEVEL_TEAM else [None]
if has_hr and getattr(dataset.hr, "has_staff_group", False):
    stratify_options.append(relate.BY_STAFF_MIX)
by = middle.selectbox("Stratify", stratify_options, key="relationships_by",
                      format_func=lambda b: view.STRATIFY_LABELS[b], help=view.STRATIFY_HELP)
adjust_options = list(view.COVARIATE_LABELS) if has_hr else []
if has_hr and not getattr(dataset.hr, "has_staff_group", False):
    adjust_options.remove(relate.COVARIATE_PCT_REGISTERED_NURSING)
covariates = right.multiselect("Adjust for", adjust_options, key="relationships_adjust",
                               format_func=lambda c: view.COVARIATE_LABELS[c], help=view.ADJUST_HELP,
                               disabled=not adjust_options)
weighted = right.checkbox("Weight r by responses", key="relationships_weighted", help=view.WEIGHT_HELP)
directorate = chosen.directorate if level == settings.LEVEL_TEAM else None
if chosen.directorate and level != settings.LEVEL_TEAM:
    st.caption(f"The sidebar's directorate ({chosen.directorate}) does not apply when directorates are the units.")

# --- The chosen pair ---------------------------------------------------------------------------------
st.subheader(view.pair_title(dataset, x, y))
if x == y:
    st.info("Choose two different measures.", icon=":material/info:")
else:
    with view.section_errors():
        result = view.pair_result(dataset, wave, x, y, window, level, by, weighted, tuple(covariates), directorate)
        pooled = result.table[result.table["group"] == ""].iloc[0]
        st.markdown(f"**{view.context_line(dataset, result, wave, pooled['n'])}**")
        view.show_figure(view.pair_figure(dataset, wave, x, y, window, level, by, weighted, tuple(covariates),
                                          directorate),
                         key="relationships_scatter")
        first, second, third = st.columns(3)
        first.metric("Pearson r", fmt.format_r(pooled["r"]), border=True,
                     help=fmt.format_ci(pooled["r_ci_low"], pooled["r_ci_high"], "r") + " (Fisher z)")
        second.metric("Spearman ρ", fmt.format_r(pooled["rho"]), border=True,
                      help=fmt.format_ci(pooled["rho_ci_low"], pooled["rho_ci_high"], "r") + " (Bonett–Wright)")
        third.metric(f"{view.level_name(level)}s (n)", fmt.format_n(pooled["n"]), border=True,
                     help="Shown units with both values. Units below the anonymity threshold never enter.")
        st.markdown(view.association_sentence(dataset, pooled, level=level))
        st.caption(view.correlation_text(pooled))
        sentence = view.rate_ratio_sentence(dataset, pooled, level=level)
        if sentence:
            st.markdown(sentence)
        shared = view.shared_items_text(dataset, x, y)
        if shared:
            st.warning(shared, icon=":material/warning:")
        note = view.extra_note(pooled)
        if note and not fmt.is_missing(pooled["r"]):
            st.caption(f"Note: {note}.")
        if by is not None:
            st.markdown(f"**Within each group** ({view.STRATIFY_LABELS[by].lower()})")
        display, config = view.result_display(dataset, result.table, with_pair=False)
        view.show_table(display, key="relationships_pair_table", file_name=f"relationship_{x}_{y}_{wave}.csv",
                        column_config=config, download=view.result_download(dataset, result.table))
        if result.notes:
            with st.expander("What was left out or adjusted"):
                for note in result.notes:
                    st.markdown(f"- {note}")

# --- Correlation matrix ------------------------------------------------------------------------------
st.subheader("All main measures and outcomes")
matrix_measures, matrix_outcomes = view.matrix_pairs(dataset)
if not matrix_measures or not (has_hr or matrix_outcomes):
    st.info("The matrix needs a survey measure and an outcome: add HR files on the Data page to relate your "
            "measures with leaver and sickness absence rates.", icon=":material/info:")
else:
    with view.section_errors():
        matrix = view.matrix_result(dataset, wave, window, level, directorate)
        view.show_figure(view.matrix_chart(dataset, wave, window, level, directorate), key="relationships_matrix")
        display, config = view.result_display(dataset, matrix.table)
        view.show_table(display, key="relationships_matrix_table", file_name=f"relationships_matrix_{wave}.csv",
                        column_config=config, download=view.result_download(dataset, matrix.table))

# --- Change between waves ----------------------------------------------------------------------------
# The three analyses below run only while their section is open (each opening reruns the page once).
earlier = view.earlier_waves(dataset, wave)
change_box = st.expander("Change between waves: Δ score against Δ outcome", key="relationships_change_open",
                         on_change="rerun")
with change_box:
    if not earlier or x == y:
        st.caption("Needs an earlier wave than the one chosen in the sidebar, and two different measures.")
    elif change_box.open:
        view.settle_wave_from(st.session_state, earlier)
        wave_from = st.selectbox("Compare with wave", earlier, key=view.WAVE_FROM_KEY,
                                 on_change=view.mark_wave_from_picked,
                                 help="Change = value in the sidebar's wave minus value in this wave, per team shown "
                                      "in both. Starts at the wave before the sidebar's. Changes remove stable "
                                      "differences between teams (case mix, staff mix), at the price of wider "
                                      "intervals.")
        with view.section_errors():
            change = view.change_result(dataset, str(wave_from), wave, x, y, window, level, directorate)
            row = change.table.iloc[0]
            st.markdown(view.association_sentence(dataset, row, level=level))
            st.caption(f"Waves {wave_from} to {wave} · {row['window']} · unit of analysis: {level} · "
                       f"n = {fmt.format_n(row['n'])}. {view.correlation_text(row)}")
            display, config = view.result_display(dataset, change.table, with_pair=False)
            view.show_table(display, key="relationships_change_table",
                            file_name=f"relationship_change_{x}_{y}_{wave_from}_{wave}.csv", column_config=config,
                            download=view.result_download(dataset, change.table))

# --- Key drivers ------------------------------------------------------------------------------------
scope_text = f"directorate {chosen.directorate}" if chosen.directorate else "the whole organisation"
drivers_box = st.expander("Key drivers: which behaviours go with morale or thinking about leaving",
                          key="relationships_drivers_open", on_change="rerun")
with drivers_box:
    survey_outcomes = [m for m in relate.SURVEY_OUTCOMES if m in measures]
    if drivers_box.open and survey_outcomes:
        left, right = st.columns(2)
        outcome = left.radio("Outcome", survey_outcomes, key="relationships_drivers_outcome", horizontal=True,
                             format_func=lambda m: view.name(dataset, m),
                             help="A survey outcome, at respondent level (pooled figures only are shown).")
        predictor_set = right.radio("Predictors", relate.DRIVER_SETS, key="relationships_drivers_set",
                                    format_func=lambda s: view.DRIVER_SET_LABELS[s],
                                    help="Predictors sharing a question with the outcome are left out.")
        with view.section_errors():
            drivers = view.drivers_result(dataset, wave, outcome, predictor_set, chosen.directorate)
            st.caption(f"Wave {wave} · {scope_text} · unit of analysis: respondent (only pooled figures leave the "
                       f"analysis) · n = {fmt.format_n(drivers.n)} respondents.")
            for note in drivers.notes:
                st.caption(note)
            if not drivers.table.empty:
                view.show_figure(view.drivers_figure(dataset, drivers), key="relationships_drivers_chart")
                display, config = view.drivers_display(dataset, drivers)
                view.show_table(display, key="relationships_drivers_table",
                                file_name=f"key_drivers_{outcome}_{wave}.csv", column_config=config,
                                download=view.drivers_download(dataset, drivers))
    elif not survey_outcomes:
        st.caption("Needs morale or thinking-about-leaving scores.")

# --- Within and between teams -----------------------------------------------------------------------
slopes_box = st.expander("Within and between teams: compassionate leadership and survey outcomes",
                         key="relationships_slopes_open", on_change="rerun")
with slopes_box:
    slope_outcomes = [m for m in relate.SURVEY_OUTCOMES if m in measures]
    if "compassionate_leadership" not in measures or not slope_outcomes:
        st.caption("Needs the compassionate-leadership questions (q9f–q9i) and morale or thinking about leaving.")
    elif slopes_box.open:
        slope_outcome = st.radio("Outcome", slope_outcomes, key="relationships_slopes_outcome", horizontal=True,
                                 format_func=lambda m: view.name(dataset, m),
                                 help="Random-intercept model with the team as the group (respondents of shown "
                                      "teams only).")
        with view.section_errors():
            slopes = view.slopes_result(dataset, wave, slope_outcome, chosen.directorate)
            st.markdown(view.slopes_sentence(dataset, slopes))
            st.caption(f"Wave {wave} · {scope_text} · unit of analysis: respondent within team · "
                       + " ".join(slopes.notes))
            display, config = view.slopes_display(dataset, slopes)
            view.show_table(display, key="relationships_slopes_table",
                            file_name=f"within_between_{slope_outcome}_{wave}.csv", column_config=config,
                            download=view.slopes_download(dataset, slopes))

# --- Caveats ----------------------------------------------------------------------------------------
st.subheader("Reading these results")
st.markdown("\n".join(f"- {text}" for text in view.CAVEATS))
if dataset.hr_exclusions and has_hr:
    st.caption(dataset.hr_exclusions)

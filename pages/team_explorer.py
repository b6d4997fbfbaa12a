"""Team explorer (OD teams): teams x measures, a sortable team table, and one team in depth."""

import streamlit as st

from analytics import settings
from ui import actions_view
from ui import explorer_view as view
from analytics import labels
from ui.downloads import scorecards_button
from ui.state import current_dataset, ensure_frame, filters, show_input_errors, published_note

ensure_frame()

st.title("Team explorer")
st.caption("How each team's staff answer the survey, and one team in depth. Groups with fewer responses than the "
           "anonymity threshold are never shown.")

dataset = current_dataset()
published_note(dataset)
chosen = filters()
wave = view.current_wave(dataset, chosen.wave)
if dataset.survey is None or wave is None:
    st.info("No survey results yet: upload survey files on the Data page.", icon=":material/info:")
    st.stop()
if not view.has_team_results(dataset):
    st.info(view.NO_TEAM_RESULTS_TEXT, icon=":material/info:")
    st.stop()
scope = chosen.directorate or "all directorates"
codebook = dataset.survey.codebook
measures = view.measures_present(dataset)
scorecards_button(dataset, chosen, csv=True)

# --- Heatmap --------------------------------------------------------------------------------------
st.subheader(f"Teams × measures, wave {wave} ({scope})")
sort_options = [None, *measures]
sort_by = st.selectbox("Order teams by", sort_options, key="team_explorer_sort",
                       format_func=lambda m: view.heatmap_order_label(dataset, m),
                       help="Rows of the heatmap: by directorate and name, or by one measure's score (grey teams "
                            "last).")
with show_input_errors():
    view.show_figure(view.heatmap_figure(dataset, wave, chosen.directorate, sort_by),
                     key="team_explorer_heatmap")

# --- Team table -----------------------------------------------------------------------------------
st.subheader("Team table")
measure = st.selectbox("Measure", measures, key="team_explorer_measure",
                       format_func=lambda m: view.measure_name(dataset, m),
                       help="The measure the table shows. Click a column heading to sort.")
st.caption(labels.measure_help(measure, codebook))
with show_input_errors():
    table = view.team_table(dataset, wave, measure, chosen.directorate)
display, config = view.team_table_display(table, measure_label=view.measure_name(dataset, measure), min_group_size=dataset.min_group_size)
st.caption(view.team_table_caption(dataset, table, wave=wave, scope=scope))
view.show_table(display, key="team_explorer_table", file_name=f"teams_{measure}_{wave}.csv", column_config=config)

# --- One team in depth ----------------------------------------------------------------------------
st.subheader("One team in depth")
with show_input_errors():
    options = view.unit_choices(dataset, settings.LEVEL_TEAM, wave, chosen.directorate)
if options.empty:
    st.info(f"No teams in wave {wave} ({scope}).", icon=":material/info:")
    st.stop()
team_label = st.selectbox("Team", options["label"].tolist(), index=view.first_shown(options), key="team_explorer_team",
                          help="Teams hidden for anonymity (fewer responses than the threshold, or hidden so that "
                               "a smaller team cannot be worked out by subtraction) are listed but show no "
                               "results.")
picked = options[options["label"] == team_label].iloc[0]
team, parent = str(picked["unit"]), str(picked["parent"])
if bool(picked["suppressed"]):
    why = view.unit_suppression_text(dataset, wave=wave, level=settings.LEVEL_TEAM, unit=team, parent=parent)
    st.info(f"{team_label}: {why} in wave {wave}. Nothing is shown for this team, so that no "
            "respondent can be identified.", icon=":material/visibility_off:")
    st.stop()

# The team's sections, one tab each; a tab runs only when open (Streamlit's lazy containers), so a click on the
# page draws the heatmap, the table and the open tab, not every section of the team.
behaviours_tab, trend_tab, hr_tab, actions_tab = st.tabs(list(view.TEAM_TABS), key=view.TEAM_TABS_KEY,
                                                         on_change="rerun")
with behaviours_tab:
    if behaviours_tab.open:
        st.markdown(f"#### Four behaviours: {team_label} against the organisation")
        with view.section_errors():
            view.show_figure(view.behaviours_figure(dataset, wave, team, parent), key="team_explorer_behaviours")

        st.markdown(f"#### Questions: % positive, wave {wave}")
        with view.section_errors():
            items = view.item_table(dataset, wave, settings.LEVEL_TEAM, team, parent)
            item_display, item_config = view.item_table_display(items, min_group_size=dataset.min_group_size)
            st.caption(view.item_table_caption(dataset, items, wave=wave, unit_name=team_label))
            view.show_question_table(item_display, key="team_explorer_items",
                                     file_name=f"questions_{team}_{wave}.csv", column_config=item_config)

with trend_tab:
    if trend_tab.open:
        st.markdown("#### Trend across waves")
        trend_measures = st.multiselect("Measures", measures, default=view.default_trend_measures(dataset),
                                        key="team_explorer_trend_measures",
                                        format_func=lambda m: view.measure_name(dataset, m),
                                        help="Measures drawn across all waves. Stars mark a significant change from "
                                             "the previous wave.")
        if trend_measures:
            with view.section_errors():
                view.show_figure(view.trend_figure(dataset, settings.LEVEL_TEAM, team, parent, tuple(trend_measures)),
                                 key="team_explorer_trend")
                trend = view.trend_table(dataset, settings.LEVEL_TEAM, team, parent, tuple(trend_measures))
                with st.expander("Table of the trend"):
                    trend_display, trend_config = view.trend_table_display(trend, dataset=dataset)
                    view.show_table(trend_display, key="team_explorer_trend_table", file_name=f"trend_{team}.csv",
                                    column_config=trend_config)
        else:
            st.caption("Choose at least one measure to draw the trend.")

with hr_tab:
    if hr_tab.open:
        st.markdown("#### HR outcomes")
        view.render_team_hr(dataset, wave=wave, team=team, parent=parent)
        st.caption("Survey scores and HR outcomes of the same team sit side by side here; any link between them is "
                   "an association, not a cause.")

with actions_tab:
    if actions_tab.open:
        st.markdown("#### Actions: you said, we did")
        actions_view.render_unit_actions(dataset, wave=str(wave), level=settings.LEVEL_TEAM, unit=team,
                                         parent=parent, unit_label=team_label)

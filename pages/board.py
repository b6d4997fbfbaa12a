"""Board assurance: what a wellbeing guardian needs — headlines, exceptions, quotable statements, what to do."""

import streamlit as st

from ui import actions_view
from ui import board_view as view
from ui.downloads import board_pack_buttons
from ui.state import current_dataset, ensure_frame, filters, show_input_errors, published_note

ensure_frame()

st.title("Board assurance")
st.caption("Headlines and the teams that need attention; below, in tabs: what to do, statements to quote, how "
           "each status was reached, and the action log.")

dataset = current_dataset()
published_note(dataset)
chosen = filters()
if dataset.survey is None or not dataset.waves:
    st.info(view.NO_SURVEY_TEXT, icon=":material/info:")
    st.stop()
wave = chosen.wave if chosen.wave in dataset.waves else dataset.waves[-1]
if not view.choose_our_organisation(dataset):
    st.stop()

# One row: the settings (collapsed) beside the board pack, the same figures as one file to print or circulate.
settings_column, pack_column = st.columns([3, 2], vertical_alignment="top")
with settings_column:
    settings_chosen = view.settings_controls(dataset)
with show_input_errors():
    report = view.board_for(dataset, wave, settings_chosen, chosen.directorate)
headline, found, statements, weakest = report.headline, report.exceptions, report.statements, report.weakest
k = report.min_group_size
funnels, behaviours_chart = view.board_charts(dataset, wave, settings_chosen)
with pack_column:
    board_pack_buttons(dataset, chosen, thresholds=settings_chosen.thresholds, benchmarks=settings_chosen.benchmarks,
                       exclusions=settings_chosen.exclusions,
                       low_score_below=settings_chosen.low_score_below)

# --- Headlines: one row of tiles ------------------------------------------------------------------
st.markdown(f"#### Headline measures, {wave}",
            help="Organisation level. The directorate filter does not change the headlines; it narrows the "
                  "exceptions below. Why each status was given, with the tests and counts, is in the tab "
                  "'How each status was reached'.")
view.render_tiles(headline, k)
if dataset.hr is None:
    st.info(view.NO_HR_TEXT, icon=":material/info:")

# --- Exceptions -----------------------------------------------------------------------------------
st.markdown("#### Exceptions")
where = f" in {chosen.directorate}" if chosen.directorate else ""
st.markdown(f"**Teams{where} low on compassionate leadership and high on leaving or sickness**")
if not found.has_hr:
    st.info(view.NO_HR_TEXT, icon=":material/info:")
elif found.window_start is None:
    st.info(" ".join(found.notes[:1]) or "The HR data do not cover this survey's window.", icon=":material/info:")
elif found.low_leadership.empty:
    st.success(f"No team{where} is both low on compassionate leadership and high on leaving or sickness.",
               icon=":material/check_circle:")
else:
    low_shown = view.low_leadership_display(found.low_leadership)
    st.dataframe(low_shown, hide_index=True, column_order=list(view.LOW_LEADERSHIP_CONFIG),
                 column_config=view.fitted_config(view.LOW_LEADERSHIP_CONFIG, low_shown), key="board_low_table")
st.markdown(f"**Teams{where} whose scores fell significantly since the previous survey**")
if found.previous_wave is None:
    st.info(f"No previous wave: {wave} is the first survey in the data, so falls cannot be tested.",
            icon=":material/info:")
elif found.falls.empty:
    st.success(f"No team{where} had a significant fall in compassionate leadership, morale or staff engagement "
               f"between {found.previous_wave} and {found.wave}.", icon=":material/check_circle:")
else:
    st.dataframe(found.falls, hide_index=True, column_order=list(view.FALLS_CONFIG),
                 column_config=view.fitted_config(view.FALLS_CONFIG, found.falls), key="board_falls_table")
# Expander and tabs below run only when open (Streamlit's lazy containers): a page switch draws the tiles, the
# exceptions and the first tab, not every tab's tables and charts.
with st.expander("How the exceptions were found, funnel plots and downloads", icon=":material/rule:",
                 key=view.EXCEPTIONS_DETAIL_KEY, on_change="rerun") as exceptions_detail:
    if exceptions_detail.open:
        if found.has_hr and found.window_start is not None:
            st.caption(view.low_leadership_caption(found, k))
            view.download_csv(found.low_leadership, file_name=f"board_low_leadership_{wave}.csv",
                              key="board_low_download")
            if funnels:
                st.markdown("**Funnel plots: each team's leaver and sickness rate against all teams**")
                st.caption("A team outside the dashed lines (95% control limits) differs from all teams by more "
                           "than chance would usually give for a team of its size; outside the dotted lines "
                           "(99.8%), by much more. Small teams sit to the left, where the limits are wide.")
                for rate, figure in funnels:
                    view.show_figure(figure, key=f"board_funnel_{rate}")
        if found.previous_wave is not None:
            st.caption(view.falls_caption(found, k))
            view.download_csv(found.falls, file_name=f"board_falls_{wave}.csv", key="board_falls_download")

# --- The rest, one tab each --------------------------------------------------------------------------
todo_tab, statements_tab, details_tab, actions_tab = st.tabs(list(view.BOARD_TABS), key=view.TABS_KEY,
                                                             on_change="rerun")

with todo_tab:
    if todo_tab.open:
        with show_input_errors():
            view.show_figure(behaviours_chart, key="board_behaviours_chart")
            view.download_csv(weakest.table, file_name=f"board_behaviours_{wave}.csv",
                              key="board_behaviours_download")
            view.render_guidance(weakest)

with statements_tab:
    if statements_tab.open:
        st.caption("Each statement names, in brackets, the row of the tables on this page that it quotes (H = "
                   "headline, E = low leadership and high leaving or sickness, F = significant fall, B = behaviour).")
        st.markdown(view.statements_markdown(statements))
        with st.expander("Copy all statements as plain text", icon=":material/content_copy:"):
            st.caption("The button at the top right of the box copies every statement at once, ready to paste "
                       "into a paper.")
            st.code(view.statements_text(statements), language=None, wrap_lines=True)
        st.caption(f"Generated from the {wave} figures above; thresholds and benchmarks as set on this page.")
        view.download_csv(statements, file_name=f"board_statements_{wave}.csv", key="board_statements_download")

with details_tab:
    if details_tab.open:
        view.render_tile_details(headline)
        with st.expander("Headline table: values, changes, tests and effect sizes"):
            st.dataframe(view.headline_display(headline), hide_index=True, key="board_headline_table")
            st.caption(view.headline_caption(headline))
            view.download_csv(headline, file_name=f"board_headlines_{wave}.csv", key="board_headline_download")
        if dataset.spec.our_organisation is not None and len(dataset.organisations) > 1:
            st.markdown(f"**{dataset.spec.our_organisation} against the other organisations in the file, {wave}**")
            st.dataframe(view.peer_table(dataset, wave), hide_index=True, key="board_peer_table",
                         column_config={c: st.column_config.NumberColumn(format="%.2f")
                                        for c in ("Ours", "Median of the others", "Best", "Worst")})
            st.caption("Published scores (0–10) of every organisation in the file for this wave; the median of "
                       "the others is each headline's benchmark unless you set one. Rank 1 is the highest score.")
        local_measures = view.local_measures_display(dataset, wave)
        if not local_measures.empty:
            st.markdown("**Your local measures** (organisation level; no national thresholds, so not rated)")
            st.dataframe(local_measures, hide_index=True, key="board_local_measures")

# The other waves' Boards, computed in the background once this one is drawn (the wave choice then shows at once).
view.prefetch_other_waves(dataset, wave, settings_chosen, chosen.directorate)

with actions_tab:
    if actions_tab.open:
        st.caption("What teams and directorates said they would do about their results, and the next wave's "
                   "figure beside each. Actions are added on the Team explorer.")
        actions_view.render_board_actions(dataset)

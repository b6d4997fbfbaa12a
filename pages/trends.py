"""Trends: survey measures across waves and HR rates month by month, for the organisation, a directorate or a team."""

import streamlit as st

from analytics import settings
from ui import explorer_view as ev
from analytics import labels
from ui import trends_view as view
from ui.state import current_dataset, ensure_frame, filters, show_input_errors, published_note

ensure_frame()

st.title("Trends")
st.caption("How a unit's survey measures moved from wave to wave, and its leaver and sickness absence rates month "
           "by month. Groups with fewer responses than the anonymity threshold are gaps, never values.")

dataset = current_dataset()
published_note(dataset)
chosen = filters()
if dataset.survey is None and dataset.hr is None:
    st.info("No data yet: upload survey or HR files on the Data page.", icon=":material/info:")
    st.stop()

# --- Which unit -----------------------------------------------------------------------------------
sidebar_changed = view.sidebar_directorate_changed(chosen.directorate)
left, right = st.columns([1, 2])
level = left.radio("Level", view.LEVEL_CHOICES, index=0, key="trends_level", format_func=view.level_name,
                   horizontal=True, help="The whole organisation, one directorate or one team.")
unit, parent, unit_label, suppressed_everywhere = settings.ORGANISATION_UNIT, None, settings.ORGANISATION_UNIT, False
organisations = dataset.organisations
if level == settings.LEVEL_ORGANISATION and len(organisations) > 1:
    # Published results of several organisations: follow one of them (yours, once chosen on the Board).
    ours = dataset.spec.our_organisation
    unit = unit_label = right.selectbox("Organisation", organisations,
                                        index=organisations.index(ours) if ours in organisations else 0,
                                        key="trends_organisation",
                                        help="These published results hold several organisations.")
if level != settings.LEVEL_ORGANISATION:
    with show_input_errors():
        options = view.unit_choices(dataset, level, chosen.directorate)
    if options.empty:
        right.info(f"There are no {labels.level_label(level, 2)} in the data"
                   + (f" for {chosen.directorate}." if chosen.directorate else "."), icon=":material/info:")
        st.stop()
    view.prime_unit_choice(options, level, chosen.directorate, follow_sidebar=sidebar_changed)
    unit_label = right.selectbox(view.level_name(level), options["label"].tolist(), key=view.unit_widget_key(level),
                                 help="Teams are those of the directorate chosen in the sidebar; the directorate "
                                      "follows the sidebar's when that changes. Units with fewer responses than the "
                                      "threshold in every wave are listed but show no survey results.")
    picked = options[options["label"] == unit_label].iloc[0]
    unit, parent, suppressed_everywhere = str(picked["unit"]), str(picked["parent"]), bool(picked["suppressed"])

# --- Survey measures across waves -----------------------------------------------------------------
st.subheader(f"Survey measures across waves: {unit_label}")
if dataset.survey is None:
    st.info("No survey results: upload survey files on the Data page.", icon=":material/info:")
elif suppressed_everywhere:
    st.info(view.unit_suppressed_everywhere_text(unit_label, dataset.min_group_size), icon=":material/visibility_off:")
else:
    measures = ev.measures_present(dataset)
    picked_measures = st.multiselect("Measures", measures, default=ev.default_trend_measures(dataset),
                                     key="trends_measures", format_func=lambda m: ev.measure_name(dataset, m),
                                     help="Each measure is a line with its 95% confidence interval; a star marks a "
                                          "significant change from the previous wave.")
    if not picked_measures:
        st.caption("Choose at least one measure.")
    else:
        with ev.section_errors():
            ev.show_figure(ev.trend_figure(dataset, level, unit, parent, tuple(picked_measures)),
                           key="trends_survey_chart")
            table = ev.trend_table(dataset, level, unit, parent, tuple(picked_measures))
            display, config = view.survey_table_display(table, dataset=dataset)
            ev.show_table(display, key="trends_survey_table", file_name=f"survey_trend_{unit}.csv",
                          column_config=config)

# --- HR rates month by month ----------------------------------------------------------------------
st.subheader(f"HR rates month by month: {unit_label}")
if dataset.hr is None:
    st.info(ev.NO_HR_TEXT, icon=":material/info:")
    st.stop()
with ev.section_errors():
    frame = view.hr_frame(dataset, level, unit, parent)
    if frame.empty:
        st.info(f"No HR data for {unit_label}: no unit of that name in the HR file, or fewer than 12 months of data. "
                "Unit names are matched ignoring case and spaces.", icon=":material/info:")
        st.stop()
    for rate in view.HR_RATES:
        fig = view.hr_rate_figure(dataset, level, unit, parent, rate)
        ev.show_figure(fig, key=f"trends_hr_{rate}")
    hr_display, hr_config = view.hr_table_display(frame)
    ev.show_table(hr_display, key="trends_hr_table", file_name=f"hr_rolling_{unit}.csv", column_config=hr_config)
st.caption("Survey scores and HR rates are shown side by side; any link between them is an association, not a cause.")

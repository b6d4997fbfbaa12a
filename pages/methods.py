"""Methods & data quality: every rule in plain words, the codebook in use, and how good the data are."""

import streamlit as st

from analytics import corrections
from ui import data_view
from ui import methods_view as view
from ui.state import current_dataset, ensure_frame, filters, show_input_errors

ensure_frame()

st.title("Methods & data quality")
st.caption("How every figure in the dashboard is made, the questions behind each measure, and checks of the survey "
           "data in use: missing answers, whether measures hang together, and whether team averages are justified.")

dataset = current_dataset()
chosen = filters()
k = dataset.min_group_size

# --- Rules in plain words -------------------------------------------------------------------------
st.header("How the figures are made")
for index, (title, body) in enumerate(view.methods_sections()):
    with st.expander(title, expanded=index == 0):
        st.markdown(body)

# --- Codebook ----------------------------------------------------------------------------------------
codebook = view.dataset_codebook(dataset)
st.header("The codebook in use")
st.caption(f"{codebook.name}: the questions behind each measure, their answer scale and reverse keying. Local "
           "measures defined on the Data page are listed after the national ones.")
view.show_table(view.codebook_table(codebook), key="methods_codebook", file_name="codebook.csv",
                column_config=view.CODEBOOK_COLUMN_CONFIG)
st.caption(view.scales_text(codebook))

# --- Data quality of the dataset in use -------------------------------------------------------------
st.header("Data quality of the survey in use")
st.caption(f"{dataset.label}. Organisation-level figures only; anonymity threshold {k}.")
if not view.has_respondent_data(dataset):
    st.info(view.NO_SCORED_TEXT, icon=":material/info:")
    st.stop()
wave = chosen.wave or dataset.waves[-1]

st.subheader("Missing answers per question")
with show_input_errors():
    missing = view.missingness(dataset)
frame, config = view.missingness_display(missing, codebook)
st.caption("Share of respondents in each wave without an answer that can be scored (blank, 'Don't know'-type, or "
           "outside the scale). Empty: no answers to that question in that wave (not in that year's file, or every "
           f"cell blank), or a wave with fewer than {k} respondents.")
view.show_table(frame, key="methods_missing", file_name="missing_answers_per_question.csv", column_config=config)

st.subheader(f"Do the questions of each measure hang together? (wave {wave})")
with show_input_errors():
    alphas = view.alpha_table(dataset)
frame, config = view.alpha_display(alphas, wave)
st.caption(f"Cronbach's α and its 95% confidence interval, from the respondents who answered every question of the "
           f"measure. {view.ALPHA_BAR_TEXT}")
view.show_table(frame, key="methods_alpha", file_name=f"cronbach_alpha_{wave}.csv", column_config=config)
with st.expander("Each question against the rest of its measure (item–total correlations)"):
    with show_input_errors():
        items = view.item_total(dataset, wave)
    frame, config = view.item_total_display(items, codebook)
    view.show_table(frame, key="methods_item_total", file_name=f"item_total_{wave}.csv", column_config=config)

st.subheader(f"Is averaging respondents into teams justified? (wave {wave})")
with show_input_errors():
    agreement = view.aggregation(dataset)
frame, config = view.aggregation_display(agreement, wave)
st.caption(f"Team scores are averages of their respondents. That is justified when teams differ from one another "
           f"(ICC(1)), when a team's average is reliable (ICC(2)) and when members of a team broadly agree (rwg(j)). "
           f"Only teams with at least {k} respondents with a score enter; no team's value is shown.")
view.show_table(frame, key="methods_aggregation", file_name=f"team_aggregation_{wave}.csv", column_config=config)
verdicts = view.aggregation_verdicts(frame)
if verdicts:
    st.markdown("**In words**\n\n" + verdicts)

st.subheader("Data-quality findings")
findings = dataset.survey.findings
summary = view.findings_summary(findings)
if summary.empty:
    st.success("No data-quality findings in the survey files in use.", icon=":material/check_circle:")
else:
    st.caption("Found when the survey files were read (all waves). Rows are spreadsheet rows as in Excel (the header "
               "is row 1). Values outside a question's scale are treated as missing, never as zero.")
    view.show_table(summary, key="methods_findings_summary", file_name="data_quality_summary.csv")
    with st.expander(f"All {len(findings)} findings"):
        shown = corrections.findings_view(findings, corrections.column_questions(dataset.survey.files))
        data_view.show_findings(shown, key="methods_findings", file_name="data_quality_findings.csv")

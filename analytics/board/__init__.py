"""Board assurance: headline measures, exceptions, quotable statements and what to do.

What a board wellbeing guardian needs (shared/design/domain.md §5), as tables a page, a board paper or a
spreadsheet can show unchanged:

* :func:`headline_measures` — the organisation's compassionate leadership, morale and staff engagement
  scores, its leaver and sickness absence rates and its response count, each against the previous
  survey wave (or the previous 12 months), with the change's significance and effect size, a benchmark
  the user enters and a RAG status against thresholds the user sets.
* :func:`exceptions` — teams low on compassionate leadership and high on leaving or sickness
  (:func:`low_leadership_exceptions`), and teams whose scores fell significantly
  (:func:`significant_falls`).
* :func:`board_statements` — plain-language sentences a board paper can quote, each naming the row of
  the table it quotes (``figure_ref``).
* :func:`weakest_behaviour` — the weakest of the four behaviours of compassionate leadership at
  organisation level, with what to do about it (:func:`guidance_table`, from ``guidance.json``).
* :func:`board_report` — all of the above in one :class:`BoardReport`, built in two stages:
  :func:`board_figures` (the costly part, which the page caches) and :func:`rate_board` (the user's
  thresholds, benchmarks and directorate). The page, the board pack and the command line all use them.

Modules: :mod:`~analytics.board.report` (the two stages), :mod:`~analytics.board.headlines`,
:mod:`~analytics.board.thresholds` (RAG and benchmarks; the rule is :mod:`analytics.rag`),
:mod:`~analytics.board.exceptions`, :mod:`~analytics.board.behaviours`, :mod:`~analytics.board.statements`
and :mod:`~analytics.board.common` (column contracts and labels). The rate tests of the HR headlines are
statistics: :mod:`analytics.stats.rates`. The package re-exports the public names of its modules.

Every row of every table carries a ``ref`` ("H1" … "H6" for headlines, "E1" … for low-leadership
exceptions, "F1" … for significant falls, "B1" … "B4" for behaviours); statements cite those refs.

Anonymity
---------
Only units the privacy layer shows are used: survey figures come from the suppressed unit and item
tables (a suppressed organisation, team or question gives no number); team comparisons between waves
are restricted to teams shown in both waves (complementary suppression included) and
:func:`analytics.stats.compare_waves` refuses any unit below the minimum group size; exception teams come
from :func:`analytics.outcomes.unit_outcomes`, which keeps shown survey teams only. Respondent-level
scores (``SurveyResults.scored``) are read for the wave tests and never returned.

Words
-----
Statements say "associated with", never "causes" or "drives": these are observational data.

Nothing here imports Streamlit or Plotly.
"""

from __future__ import annotations

from analytics.board.behaviours import (
    BEHAVIOURS_NOTE, GUIDANCE_FILE, WeakestBehaviour, behaviour_results, guidance_table, load_guidance,
    weakest_behaviour)
from analytics.board.common import (
    HIGH_RATE_RULE, ALPHA, AVAILABILITY_NOT_COVERED, AVAILABILITY_NO_ABSENCE, AVAILABILITY_NO_HR, AVAILABILITY_NO_PREVIOUS,
    AVAILABILITY_NO_SURVEY_DATA, AVAILABILITY_NOT_ASKED, AVAILABILITY_SUPPRESSED, AVAILABLE, BEHAVIOUR_COLUMNS, COHEN_D_BANDS, FALL_COLUMNS,
    GUIDANCE_COLUMNS, HEADLINE_COLUMNS, HEADLINE_HR_MEASURES, HEADLINE_LABELS, HEADLINE_ORDER,
    HEADLINE_SURVEY_MEASURES, HR_WINDOW_MONTHS, LOW_LEADERSHIP_COLUMNS, P_MISSING, RESPONSES, STATEMENT_COLUMNS,
    TEST_NONE, TEST_POISSON_EXACT, TEST_QUASI_POISSON, TEST_WELCH, effect_size_magnitude, previous_wave)
from analytics.board.exceptions import (
    EXCEPTION_MIN_TEAMS, EXCEPTION_QUANTILE, BoardExceptions, exceptions, exceptions_from_outcomes, team_funnels,
    low_leadership_exceptions, restrict_to_directorate, significant_falls)
from analytics.board.headlines import HRWindows, headline_figures, headline_hr_period, headline_measures, hr_windows
from analytics.board.report import BoardFigures, BoardReport, board_figures, board_report, hr_staff_groups, rate_board
from analytics.board.statements import board_statements
from analytics.board.thresholds import BENCHMARK_WEIGHTING_NOTE, apply_thresholds
from analytics.rag import RAG_AMBER, RAG_GREEN, RAG_NO_DATA, RAG_NOT_RATED, RAG_RED


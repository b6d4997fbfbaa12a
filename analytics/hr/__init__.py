"""HR outcomes: leaver rate, stability index and sickness absence rate (shared/design/domain.md §3).

Two shapes of HR data are accepted:

* **Employee-level** (ESR-style): one row per employee or assignment with team, staff group, start date,
  termination date (blank while in post) and FTE, plus an optional file of sickness episodes (employee,
  start date, end date, FTE days lost). Loaded with :func:`load_staff` and :func:`load_absence` into
  :class:`StaffRecords`.
* **Team-month aggregates**: team, month, staff in post, leavers, FTE days lost, FTE days available.
  Loaded with :func:`load_team_month` into :class:`TeamMonthRecords`.

Both are reduced to tables per unit (team, directorate, organisation): :func:`hr_metrics` over any
window, :func:`monthly_hr_table` per calendar month and :func:`rolling_hr_series` (12-month rolling rates
per month, for trend charts). Employee and assignment numbers are replaced by anonymous integer codes as
soon as a file is read and never appear in any table this module returns.

Definitions (NHS England / NHS Digital; the issue's wording)
-----------------------------------------------------------
* in post on day D  ⇔  start date ≤ D and (no termination date or termination date ≥ D);
* leaver  ⇔  termination date inside the window (first day to last day, both included): the default,
  spell-based count; NHS Digital's snapshot method (in post on the first day, not on the last) and an
  FTE basis are offered too (:class:`LeaverDefinition`, :mod:`~analytics.hr.leavers`), with the
  voluntary resignation rate from the leaving reason;
* staff_start / staff_end = headcount in post on the window's first / last day;
* ``leaver_rate = 100 × leavers ÷ mean(staff_start, staff_end)`` (headcount-based);
* ``stability_index = 100 × (staff in post on the first day who are not leavers) ÷ staff_start``;
* FTE days available = Σ FTE × calendar days in post inside the window;
* ``sickness_rate = 100 × Σ FTE days lost ÷ Σ FTE days available`` (calendar days, weekends included);
  an episode crossing the window's edge contributes ``FTE days lost × (its calendar days inside the
  window ÷ its calendar days)``.

Rates are never averaged: every level sums numerators and denominators. A zero denominator gives NA,
never 0 or infinity. Missing is never zero: without an FTE column, FTE days available are NA; without an
absence file, FTE days lost are NA (a team with an absence file but no episodes has 0 FTE days lost).

Counting people, not rows
-------------------------
A file may hold several rows for one person (concurrent assignments, or a move between teams). Headcount
and leavers count **people** within each unit at each level: the rows of one person within one unit are
joined into continuous spells (a new row starting the day after the previous one ends, or overlapping it,
continues the spell; a gap of one day or more is a break). So a move between two teams of one directorate
is a leaver from the first team and a joiner to the second, but neither a leaver from the directorate nor
from the organisation (NHS Digital counts leavers from the organisation), and a person with two
concurrent assignments in one team counts once. Directorate and organisation headcounts are therefore
computed from the records, not summed from teams; FTE days (available and lost) are summed, because FTE
is additive across assignments. The person is the employee number when the file has one, otherwise the
assignment number, otherwise each row. A row with a blank employee number is a person of its own.

Exclusions
----------
Staff can be left out of every figure, explicitly and visibly (domain.md §3), by staff group, job role
or assignment category, and with ``HRExclusions(doctors_in_training=True)`` (the job roles of
:data:`DOCTORS_IN_TRAINING_ROLES`: doctors in training rotate between trusts on national changeover days,
and NHS leaver statistics leave them out). See :func:`apply_exclusions`. Every table records what was
excluded in ``DataFrame.attrs``; :func:`exclusions_text` says it in plain words for pages. Team-month
figures hold no people, so only their staff groups can be excluded; the other exclusions are refused.

Anonymity
---------
HR rates are not survey responses and this module does not suppress small teams: trusts publish
team-level turnover internally. Small teams' leaver counts can still identify people, so every table
reports ``staff_start`` and ``staff_end`` and pages or exports can decide whether to show a unit
(e.g. against :data:`analytics.settings.DEFAULT_MIN_GROUP_SIZE`).

Modules
-------
:mod:`~analytics.hr.records` (the records and column contracts), :mod:`~analytics.hr.cells` (reading
cells: dates, numbers, identifiers), :mod:`~analytics.hr.loading` (the staff, absence and team-month
files), :mod:`~analytics.hr.windows` (months and reporting windows), :mod:`~analytics.hr.exclusions`
(:class:`HRExclusions`), :mod:`~analytics.hr.spells` (continuous time in a unit),
:mod:`~analytics.hr.leavers` (:class:`LeaverDefinition`), :mod:`~analytics.hr.overlaps` (overlapping
absence episodes), :mod:`~analytics.hr.metrics` (:func:`hr_metrics`), :mod:`~analytics.hr.monthly` (monthly
tables and rolling rates), :mod:`~analytics.hr.period` (the period an extract covers, inferred or set;
planned leavers) and :mod:`~analytics.hr.privacy` (no per-team HR figures for fewer than k staff). The
package re-exports their public names.
"""

from __future__ import annotations

from analytics.hr.exclusions import (
    DOCTORS_IN_TRAINING_ROLES, NOT_DOCTORS_IN_TRAINING_ROLES, HRExclusions, apply_exclusions,
    doctors_in_training_roles, exclusions_text, is_doctor_in_training_role)
from analytics.hr.loading import (
    load_absence, load_hr_table, load_staff, load_team_month, read_absence_file, read_staff_file)
from analytics.hr.leavers import LeaverDefinition, is_voluntary_resignation
from analytics.hr.metrics import hr_metrics
from analytics.hr.overlaps import AbsenceOverlaps
from analytics.hr.period import HRPeriod, infer_period, period_notes, set_period
from analytics.hr.privacy import drop_small_hr_series, small_hr_units, suppress_small_hr_units
from analytics.hr.monthly import monthly_hr_table, rolling_hr_series
from analytics.hr.records import (
    ABSENCE_HEADERS, EARLIEST_PLAUSIBLE_YEAR, HR_CLI_COLUMNS, HR_METRIC_COLUMNS, HR_MONTHLY_COLUMNS,
    LATEST_PLAUSIBLE_YEAR, MAX_FTE, OPEN_ENDED_FROM_YEAR, ROLE_LABELS, STAFF_HEADERS, STANDARD_WINDOW_MONTHS,
    TEAM_MONTH_HEADERS, HRRecords, StaffRecords, TeamMonthRecords)
from analytics.hr.windows import default_window, latest_complete_month, resolve_window


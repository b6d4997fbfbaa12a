"""Who is left out of HR figures (:class:`HRExclusions`): staff groups, job roles, assignment categories and
doctors in training, matched against the file's own spellings."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

from analytics.errors import InputError
from analytics.hr.records import HRRecords, TeamMonthRecords, _ASSIGNMENT_CATEGORY_HEADERS, _JOB_ROLE_HEADERS
from analytics.ingest.codebook import normalise_label


#: Job roles (or grades) of **doctors in training**, as regular expressions searched case-insensitively
#: anywhere in a job role's text (spaces collapsed). NHS Digital's workforce statistics group doctors in
#: training as Foundation Year 1 and 2, Core Training and Specialty Registrar (ESR job roles, staff group
#: "Medical and Dental"); the patterns also take the closed Specialist Registrar grade, GP registrars,
#: academic clinical fellows, the spelling "Speciality", and the grade codes FY1-FY2 (F1, F2), CT1-CT3,
#: DCT1-DCT3, ST1-ST8, GPST1-GPST3, StR and SpR. "Senior House Officer" and "House Officer" are not
#: taken: trust-grade (non-training) doctors carry those titles too; name them with
#: ``HRExclusions(job_roles=...)`` when they are trainees in your data.
DOCTORS_IN_TRAINING_ROLES: tuple[str, ...] = (
    r"\bfoundation (year|doctor|trainee|house officer)\b",       # Foundation Year 1, Foundation Doctor Year 2
    r"\bcore (\w+ )?(training|trainee)\b",                      # Core Training, Core Medical Training, Dental Core Trainee
    r"\bspecial(i?ty|ist) (registrar|trainee|training)\b",      # Specialty / Speciality / Specialist Registrar
    r"\bgp (special(i?ty) )?(registrar|trainee)\b",             # GP Registrar, GP Trainee, GP Specialty Registrar
    r"\bacademic clinical fellow\b",
    r"\b(fy ?[12]|f[12]|st ?[1-8]|gpst ?[1-3]|d?ct ?[1-3]|str|spr)\b",   # grade codes
)


#: A job role matching one of :data:`DOCTORS_IN_TRAINING_ROLES` is still **not** taken as a doctor in
#: training when it matches one of these: posts at a training grade's level that are not training posts
#: (trust grade, locally employed, non-training, "ST3 level", "FY2 equivalent", clinical fellows other
#: than academic clinical fellows) and staff who organise training ("Foundation Year Administrator").
NOT_DOCTORS_IN_TRAINING_ROLES: tuple[str, ...] = (
    r"\btrust (grade|doctor)\b", r"\bnon[- ]?training\b", r"\blocally employed\b", r"\bequivalent\b",
    r"\b(fy ?[12]|f[12]|st ?[1-8]|d?ct ?[1-3]|house officer|sho) (grade )?level\b",   # "ST3 level"
    r"\bregistrar (grade )?level\b(?! ?\d)",                 # "Specialist Registrar level", not "... Level 2"
    r"(?<!academic )\bclinical fellow\b",
    r"\b(administrator|co-?ordinator|manager|assistant|secretary|tutor|lead|director|facilitator|clerk)\b",
)


_DOCTORS_IN_TRAINING = re.compile("|".join(f"(?:{p})" for p in DOCTORS_IN_TRAINING_ROLES), re.IGNORECASE)


_NOT_DOCTORS_IN_TRAINING = re.compile("|".join(f"(?:{p})" for p in NOT_DOCTORS_IN_TRAINING_ROLES), re.IGNORECASE)


#: How many of a column's values a message lists before "and N more".
_VALUES_SHOWN = 40


def is_doctor_in_training_role(job_role: object) -> bool:
    """Whether a job role (or grade) text is one of doctors in training: it matches
    :data:`DOCTORS_IN_TRAINING_ROLES` and not :data:`NOT_DOCTORS_IN_TRAINING_ROLES`. Blank or missing
    roles are not.

    >>> [is_doctor_in_training_role(r) for r in ("Foundation Year 1", "Specialty Registrar (StR)", "ST3",
    ...                                           "Consultant", "Specialty Doctor", "Clinical Fellow (ST3 level)")]
    [True, True, True, False, False, False]
    """
    if not isinstance(job_role, str) or not job_role.strip():
        return False
    text = normalise_label(job_role)
    return bool(_DOCTORS_IN_TRAINING.search(text)) and not _NOT_DOCTORS_IN_TRAINING.search(text)


def doctors_in_training_roles(job_roles: Iterable[object]) -> list[str]:
    """The distinct values of ``job_roles`` that :func:`is_doctor_in_training_role` accepts, sorted (to
    show a user which roles ``HRExclusions(doctors_in_training=True)`` would leave out before applying it)."""
    values = pd.unique(pd.Series(list(job_roles), dtype=object).dropna())
    return sorted(str(v) for v in values if is_doctor_in_training_role(v))


@dataclass(frozen=True)
class HRExclusions:
    """Who is left out of HR figures: asked for, or as :func:`apply_exclusions` resolved it against the data.

    One value carries every exclusion through the analytics, the CLI and the dashboard (it is hashable, so
    it can key a cache). As a request, give the names to leave out, e.g.
    ``HRExclusions(staff_groups=("Students",), doctors_in_training=True)``; a single text is one name and
    blank names are dropped. :func:`apply_exclusions` returns the same kind of value resolved against the
    file: the names spelled as in the file, with the records counted.

    Attributes
    ----------
    staff_groups, job_roles, assignment_categories
        The values excluded by name: as given (a request), or spelled as in the file (all spellings that
        match a name given; a resolved value).
    doctors_in_training
        Whether doctors in training were excluded; ``doctors_in_training_roles`` are the job roles of the
        file that :func:`is_doctor_in_training_role` accepted.
    records_excluded, records_total
        Rows of the staff file (or team-month file) left out, and all its rows.
    record_kind
        ``"staff records"`` or ``"team-month rows"``, for :meth:`text`.
    """

    staff_groups: tuple[str, ...] = ()
    job_roles: tuple[str, ...] = ()
    assignment_categories: tuple[str, ...] = ()
    doctors_in_training: bool = False
    doctors_in_training_roles: tuple[str, ...] = ()
    records_excluded: int = 0
    records_total: int = 0
    record_kind: str = "staff records"

    def __post_init__(self) -> None:
        for name in ("staff_groups", "job_roles", "assignment_categories", "doctors_in_training_roles"):
            object.__setattr__(self, name, tuple(_names(getattr(self, name))))
        object.__setattr__(self, "doctors_in_training", bool(self.doctors_in_training))

    @property
    def any(self) -> bool:
        """Whether anything was excluded."""
        return bool(self.staff_groups or self.job_roles or self.assignment_categories or self.doctors_in_training)

    def text(self) -> str:
        """The exclusions in plain words, for pages, exports and the CLI (see :func:`exclusions_text`)."""
        if not self.any:
            return "No staff are excluded: every record in the file is counted."
        return (f"Excluded from every figure (leavers, staff in post and sickness absence): {self.what()}. "
                f"{self.records_excluded:,} of {self.records_total:,} {self.record_kind} are left out.")

    def what(self) -> str:
        """What is excluded, as a phrase: "staff group 'Students'; assignment category 'Bank'" ("" for
        nothing)."""

        def listed(values: tuple[str, ...]) -> str:
            return ", ".join(f"'{v}'" for v in values)

        parts = []
        if self.doctors_in_training:
            parts.append("doctors in training, who rotate between employers on national changeover days "
                         f"(job role{'s' if len(self.doctors_in_training_roles) != 1 else ''} "
                         f"{listed(self.doctors_in_training_roles)})")
        for values, one, many in ((self.staff_groups, "staff group", "staff groups"),
                                  (self.job_roles, "job role", "job roles"),
                                  (self.assignment_categories, "assignment category", "assignment categories")):
            if values:
                parts.append(f"{one if len(values) == 1 else many} {listed(values)}")
        return "; ".join(parts)


def exclusions_text(source: pd.DataFrame | HRExclusions | None) -> str:
    """The exclusions behind a table in plain words, e.g. "Excluded from every figure (leavers, staff in
    post and sickness absence): doctors in training, who rotate between employers on national changeover
    days (job roles 'Foundation Year 1', 'Specialty Registrar'). 2,797 of 9,530 staff records are left
    out." or "No staff are excluded: every record in the file is counted."

    ``source`` is a table from :func:`hr_metrics`, :func:`monthly_hr_table` or :func:`rolling_hr_series`
    (read from its ``attrs["exclusions"]``), an :class:`HRExclusions`, or None (nothing excluded).
    """
    if isinstance(source, pd.DataFrame):
        source = source.attrs.get("exclusions")
    return (source if isinstance(source, HRExclusions) else HRExclusions()).text()


def _names(values: Iterable[str] | str | None) -> list[str]:
    """The names given for an exclusion, blanks dropped; a single text is one name, not its letters."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [str(v) for v in values if str(v).strip()]


def _label_codes(series: pd.Series) -> tuple[np.ndarray, list[str], np.ndarray]:
    """``series`` factorised: per-row codes (-1 for NA), the distinct values, and their normalised
    labels (so a column is normalised once per distinct value, not per row)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = [str(u) for u in uniques]
    return codes, values, np.array([normalise_label(v) for v in values], dtype=object)


def _label_mask(series: pd.Series, labels: set[str]) -> np.ndarray:
    """Rows of ``series`` whose normalised value is in ``labels``."""
    if not labels or len(series) == 0:
        return np.zeros(len(series), dtype=bool)
    codes, _, normalised = _label_codes(series)
    hit = np.flatnonzero(np.isin(normalised, list(labels)))
    return np.isin(codes, hit)


def _shown_values(values: Iterable[str]) -> str:
    values = sorted(set(values))
    shown = ", ".join(f"'{v}'" for v in values[:_VALUES_SHOWN]) or "none"
    return shown + (f" and {len(values) - _VALUES_SHOWN} more" if len(values) > _VALUES_SHOWN else "")


def _resolve_names(records: HRRecords, series: pd.Series, names: list[str], *, one: str,
                   many: str) -> tuple[set[str], tuple[str, ...]]:
    """The normalised labels of ``names`` and the file's spellings they match; a name that matches no
    value is refused with the values present."""
    _, values, normalised = _label_codes(series)
    known = set(normalised)
    labels = set()
    for name in names:
        label = normalise_label(name)
        if label not in known:
            raise InputError(f"There is no {one} '{name}' to exclude. The {many} in the file are: "
                             f"{_shown_values(values)}.", file=records.file_name)
        labels.add(label)
    spellings = tuple(sorted(v for v, n in zip(values, normalised) if n in labels))
    return labels, spellings


def _headers_hint(headers: tuple[str, ...]) -> str:
    return ", ".join(f"'{h}'" for h in headers)


def apply_exclusions(records: HRRecords, exclusions: HRExclusions = HRExclusions()) -> tuple[HRRecords, HRExclusions]:
    """Leave staff out of HR figures, explicitly (shared/design/domain.md §3: "Exclusions are explicit,
    visible parameters").

    Parameters
    ----------
    records
        Employee-level or team-month records.
    exclusions
        What to leave out (:class:`HRExclusions`): ``staff_groups`` (the "Staff Group" column, e.g.
        ``("Students",)``), ``job_roles`` (the job-role column: "Job Role", "Occupation", "Grade", ...),
        ``assignment_categories`` (the "Assignment Category" column, e.g. ``("Bank",)``) and
        ``doctors_in_training``: leave out every row whose job role is a doctor-in-training role (:data:`DOCTORS_IN_TRAINING_ROLES`;
        :func:`is_doctor_in_training_role`). Doctors in training rotate between trusts on national
        changeover days, so each rotation would otherwise count as a leaver; NHS leaver statistics
        leave them out. In ESR they share the staff group "Medical and Dental" with consultants and
        specialty doctors, so a staff-group exclusion cannot separate them: the job role can.

    Names are matched case- and space-insensitively against the values in the file. An excluded row is
    left out of every figure (numerators and denominators: leavers, staff in post, FTE days available)
    together with its share of sickness absence, as if it were not in the file. Blank cells never match.

    Returns
    -------
    (HRRecords, HRExclusions)
        The records without the excluded rows (the same object when nothing is excluded), and what was
        excluded (:meth:`HRExclusions.text` says it in plain words).

    Raises
    ------
    InputError
        A name not in the file (the message lists the values present); the column needed is missing (no
        staff group column for staff groups; no job-role column for job roles or doctors in training; no
        assignment category column for categories); ``exclude_doctors_in_training`` when no job role in
        the file is a doctor-in-training role (the message lists the roles, so they can be named with
        ``job_roles``); job-role, category or doctors-in-training exclusions on team-month
        records, which hold no people (refused rather than ignored: the user asked for them, and the
        figures cannot honour it); nobody left.
    """
    team_month = isinstance(records, TeamMonthRecords)
    if team_month:
        _refuse_people_exclusions(records, exclusions)
    frame = records.table if team_month else records.assignments
    labels, spellings = _resolve_exclusions(records, frame, exclusions)
    trainee_roles: tuple[str, ...] = ()
    if exclusions.doctors_in_training:
        trainee_roles, normalised_roles = _trainee_roles(records, frame)
        labels["job_role"] |= normalised_roles

    def dropped(table: pd.DataFrame) -> np.ndarray:
        drop = np.zeros(len(table), dtype=bool)
        for column, wanted in labels.items():
            if wanted:
                drop |= _label_mask(table[column], wanted)
        return drop

    drop = dropped(frame)
    resolved = HRExclusions(
        staff_groups=spellings.get("staff_group", ()), job_roles=spellings.get("job_role", ()),
        assignment_categories=spellings.get("assignment_category", ()),
        doctors_in_training=exclusions.doctors_in_training, doctors_in_training_roles=trainee_roles,
        records_excluded=int(drop.sum()), records_total=len(frame),
        record_kind="team-month rows" if team_month else "staff records")
    if not drop.any():
        return records, resolved
    if drop.all():
        raise InputError(f"Nobody is left once these are excluded: {resolved.what()} (all {len(frame):,} "
                         f"{resolved.record_kind}). Exclude less.", file=records.file_name)
    if team_month:
        return dataclasses.replace(records, table=records.table[~drop]), resolved
    absence = records.absence
    if absence is not None:
        absence = absence[~dropped(absence)]
    return dataclasses.replace(records, assignments=records.assignments[~drop], absence=absence), resolved


def _refuse_people_exclusions(records: TeamMonthRecords, exclusions: HRExclusions) -> None:
    """Team-month figures hold totals, not people: refuse doctors-in-training, job-role and assignment
    category exclusions on them (rather than ignore what the user asked for)."""
    if exclusions.doctors_in_training:
        raise InputError(
            "Doctors in training cannot be excluded from team-month figures: they hold totals per team and "
            "month, not people with job roles. Check whether the figures already leave doctors in training "
            "out (NHS turnover figures usually do), or use the employee-level staff file (with a 'Job Role' "
            "column) instead.", file=records.file_name)
    asked = ([f"job roles ({', '.join(exclusions.job_roles)})"] if exclusions.job_roles else []) + (
        [f"assignment categories ({', '.join(exclusions.assignment_categories)})"]
        if exclusions.assignment_categories else [])
    if asked:
        joined = " and ".join(asked)
        raise InputError(
            f"{joined[:1].upper() + joined[1:]} cannot be excluded from team-month figures: they hold totals "
            "per team and month, not people. Use the employee-level staff file instead, or exclude them "
            "when the figures are made.", file=records.file_name)


def _resolve_exclusions(records: HRRecords, frame: pd.DataFrame, exclusions: HRExclusions
                        ) -> tuple[dict[str, set[str]], dict[str, tuple[str, ...]]]:
    """The normalised labels to drop per column and their spellings in the file, for the staff groups,
    job roles and assignment categories named (:func:`_resolve_names`); refuses a name for a column the file
    lacks (and doctors in training without a job-role column)."""
    labels: dict[str, set[str]] = {"staff_group": set(), "job_role": set(), "assignment_category": set()}
    spellings: dict[str, tuple[str, ...]] = {}
    if exclusions.staff_groups:
        if not records.has_staff_group:
            raise InputError("Staff groups cannot be excluded: the file has no 'Staff Group' column.",
                             file=records.file_name)
        labels["staff_group"], spellings["staff_group"] = _resolve_names(
            records, frame["staff_group"], list(exclusions.staff_groups), one="staff group", many="staff groups")
    if (exclusions.job_roles or exclusions.doctors_in_training) and not records.has_job_role:
        _refuse_without_job_roles(records, exclusions.doctors_in_training)
    if exclusions.job_roles:
        labels["job_role"], spellings["job_role"] = _resolve_names(
            records, frame["job_role"], list(exclusions.job_roles), one="job role", many="job roles")
    if exclusions.assignment_categories:
        if not records.has_assignment_category:
            raise InputError("Assignment categories cannot be excluded: the staff file has no assignment "
                             f"category column (a header such as {_headers_hint(_ASSIGNMENT_CATEGORY_HEADERS)}).",
                             file=records.file_name)
        labels["assignment_category"], spellings["assignment_category"] = _resolve_names(
            records, frame["assignment_category"], list(exclusions.assignment_categories),
            one="assignment category", many="assignment categories")
    return labels, spellings


def _refuse_without_job_roles(records: HRRecords, doctors_in_training: bool) -> None:
    """Job roles (or doctors in training, told apart by job role) asked for on a file without job roles."""
    what = "Doctors in training" if doctors_in_training else "Job roles"
    why = (" Doctors in training share the staff group 'Medical and Dental' with consultants and are told "
           "apart by their job role or grade (e.g. 'Foundation Year 1', 'Specialty Registrar')."
           if doctors_in_training else "")
    raise InputError(f"{what} cannot be excluded: the staff file has no job-role column.{why} Add a column "
                     f"headed {_headers_hint(_JOB_ROLE_HEADERS)} to the file, or name the column holding "
                     "job roles.", file=records.file_name)


def _trainee_roles(records: HRRecords, frame: pd.DataFrame) -> tuple[tuple[str, ...], set[str]]:
    """The file's doctor-in-training job roles (:func:`is_doctor_in_training_role`) as spelled and normalised;
    refused when there are none (the message lists the roles, so they can be named instead)."""
    _, values, normalised = _label_codes(frame["job_role"])
    hit = [i for i, v in enumerate(values) if is_doctor_in_training_role(v)]
    if not hit:
        raise InputError(
            "No job role in the file is one of doctors in training (Foundation Year, Core Training, "
            "Specialty Registrar, GP Registrar, or grade codes such as FY1, CT2, ST3), so none can be "
            f"excluded. The job roles in the file are: {_shown_values(values)}. If some of them are doctors "
            "in training, name them as job roles to exclude; otherwise leave this exclusion off.",
            file=records.file_name)
    return tuple(sorted(values[i] for i in hit)), {normalised[i] for i in hit}


def _record_exclusions(table: pd.DataFrame, asked: HRExclusions, resolved: HRExclusions) -> None:
    """Write the exclusions into ``table.attrs``: as asked for, and what they resolved to."""
    table.attrs["excluded_staff_groups"] = asked.staff_groups
    table.attrs["excluded_job_roles"] = asked.job_roles
    table.attrs["excluded_assignment_categories"] = asked.assignment_categories
    table.attrs["exclude_doctors_in_training"] = asked.doctors_in_training
    table.attrs["exclusions"] = resolved
    table.attrs["exclusions_text"] = resolved.text()

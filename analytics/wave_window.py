"""The one HR window of a survey wave, used by every page, the board pack and the command line.

Survey date and windows (the project's choice, stated on the Methods page)
-------------------------------------------------------------------------
* The NHS Staff Survey's fieldwork runs from September to late November; a wave labelled with a year
  (``"2025"``) is dated **1 October** of that year (mid-fieldwork) unless the caller gives a date.
* **Concurrent** window (the default): the 12 whole months around the survey — from the first day of
  the month six months before the survey month to the last day of the month five months after it (a
  2025 survey: 1 April 2025 to 31 March 2026, the NHS financial year the survey falls in).
* **Lagged** window: the 12 whole months after the survey month (2025: November 2025 to October 2026).
* **Previous** window: the 12 whole months before the survey month (2025: October 2024 to September 2025).

The window is cut to the whole months of the HR period (:mod:`analytics.hr.period`). A window cut to
fewer than :data:`~analytics.settings.HR_WINDOW_MONTHS` months is labelled with its length on every
figure; a leaver rate over it is annualised (× 12 ÷ months) wherever it is compared with a 12-month rate
(a benchmark, a threshold, the same months a year before); the sickness rate (days lost ÷ days
available) needs no annualising. A window cut to fewer than
:data:`~analytics.settings.MIN_HR_WINDOW_MONTHS` months is not used, and says so in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from analytics import settings
from analytics.errors import InputError
from analytics.hr import HRExclusions, LeaverDefinition, hr_metrics
from analytics.hr.privacy import suppress_small_hr_units

WINDOW_CONCURRENT = "concurrent"
WINDOW_LAGGED = "lagged"
WINDOW_PREVIOUS = "previous"
WINDOW_KINDS = (WINDOW_CONCURRENT, WINDOW_LAGGED, WINDOW_PREVIOUS)
WINDOW_LABELS = {
    WINDOW_CONCURRENT: "concurrent (the 12 months around the survey)",
    WINDOW_LAGGED: "lagged (the 12 months after the survey)",
    WINDOW_PREVIOUS: "previous (the 12 months before the survey)",
}
#: Survey month and day used to date a wave labelled by its year (mid-fieldwork of the NHS Staff Survey).
SURVEY_MONTH_DAY = (10, 1)
#: Months from the survey month to the window's first month, per kind.
_OFFSET_MONTHS = {WINDOW_CONCURRENT: -6, WINDOW_LAGGED: 1, WINDOW_PREVIOUS: -12}


class HRWindowUnavailable(InputError):
    """A wave's HR window cannot be used: the HR data do not cover enough of it (the message says why)."""


def survey_date(wave: str, override: object = None) -> pd.Timestamp:
    """The date a wave stands for: ``override`` if given, else 1 October of the year in the wave label."""
    if override is not None:
        return pd.Timestamp(override).normalize()
    years = re.findall(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", str(wave))
    if not years:
        raise InputError(f"The survey wave '{wave}' has no year in its label, so its date is unknown. Give the "
                         "survey date.")
    month, day = SURVEY_MONTH_DAY
    return pd.Timestamp(year=int(years[-1]), month=month, day=day)


def check_window_kind(kind: str) -> str:
    if kind not in WINDOW_KINDS:
        raise InputError(f"The window must be one of: {', '.join(WINDOW_KINDS)} (got '{kind}').")
    return kind


def outcome_window(wave: str, kind: str = WINDOW_CONCURRENT, *, date: object = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day (both included) of a wave's full 12-month window of ``kind`` (not cut to data)."""
    check_window_kind(kind)
    month_start = survey_date(wave, date).to_period("M").to_timestamp()
    first = month_start + pd.DateOffset(months=_OFFSET_MONTHS[kind])
    last = first + pd.DateOffset(months=settings.HR_WINDOW_MONTHS) - pd.Timedelta(days=1)
    return pd.Timestamp(first), pd.Timestamp(last)


def period_text(first: pd.Timestamp, last: pd.Timestamp) -> str:
    """"Apr 2025 to Dec 2025": a span of months in words (the one wording of HR periods)."""
    return f"{first:%b %Y} to {last:%b %Y}"


def _whole_months(first: pd.Timestamp, last: pd.Timestamp) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


@dataclass(frozen=True)
class HRWindow:
    """A survey wave's HR window: the full window asked for and the part of it the HR data cover.

    ``start``/``end`` (first and last day, both included) are None when the window cannot be used, and
    ``reason`` says why in words. ``months`` is the number of whole months used.
    """

    wave: str | None
    kind: str
    nominal_start: pd.Timestamp
    nominal_end: pd.Timestamp
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.start is not None

    @property
    def months(self) -> int:
        return _whole_months(self.start, self.end) if self.available else 0

    @property
    def is_short(self) -> bool:
        return self.available and self.months < settings.HR_WINDOW_MONTHS

    @property
    def annual_factor(self) -> float:
        """What turns a leaver rate over this window into an annual one: 12 ÷ months."""
        return settings.HR_WINDOW_MONTHS / self.months

    @property
    def text(self) -> str:
        """The window in words, for every figure: "Apr 2025 to Dec 2025 (9 months: the HR data end in Dec
        2025)", or the reason it is not used."""
        if not self.available:
            return self.reason
        text = period_text(self.start, self.end)
        if self.is_short:
            text += (f" ({self.months} months of the {self.kind} window {period_text(self.nominal_start, self.nominal_end)}"
                     ": the HR data cover no more of it)")
        return text

    @property
    def short_text(self) -> str:
        """"Apr 2025 to Dec 2025" or "Apr 2025 to Dec 2025, 9 months"; "no HR window" when not used."""
        if not self.available:
            return "no HR window"
        return period_text(self.start, self.end) + (f", {self.months} months" if self.is_short else "")

    def shifted_back(self) -> "HRWindow":
        """The same months one year earlier (what a rate over this window is compared with)."""
        back = pd.DateOffset(years=1)

        def earlier(day: pd.Timestamp | None) -> pd.Timestamp | None:
            if day is None:
                return None
            return (day - back) + pd.offsets.MonthEnd(0) if day.is_month_end else day - back

        return HRWindow(self.wave, self.kind, self.nominal_start - back, earlier(self.nominal_end),
                        None if self.start is None else self.start - back, earlier(self.end), self.reason)


def _covered_part(first: pd.Timestamp, last: pd.Timestamp, coverage_start: pd.Timestamp,
                  coverage_end: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The whole months of ``first``..``last`` inside the HR period (a month counts when the period holds
    all of it), or None."""
    start = max(first, pd.Timestamp(coverage_start).normalize())
    end = min(last, pd.Timestamp(coverage_end).normalize())
    if start.day != 1:
        start = (start + pd.offsets.MonthBegin(1)).normalize()
    if (end + pd.Timedelta(days=1)).day != 1:
        end = (end.to_period("M").to_timestamp() - pd.Timedelta(days=1)).normalize()
    return (start, end) if end >= start else None


def window_within(records: object, first: pd.Timestamp, last: pd.Timestamp, *, wave: str | None = None,
                  kind: str = WINDOW_CONCURRENT) -> HRWindow:
    """The part of the window ``first``..``last`` the HR ``records`` cover (their ``coverage_start`` and
    ``coverage_end``), as an :class:`HRWindow`: not used when under
    :data:`~analytics.settings.MIN_HR_WINDOW_MONTHS` whole months remain."""
    first, last = pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize()
    coverage = period_text(pd.Timestamp(records.coverage_start), pd.Timestamp(records.coverage_end))
    what = f"the {kind} window of the {wave} survey" if wave is not None else "the window"
    covered = _covered_part(first, last, records.coverage_start, records.coverage_end)
    if covered is None:
        return HRWindow(wave, kind, first, last, None, None,
                        f"The HR data ({coverage}) do not cover {what} ({period_text(first, last)}).")
    months = _whole_months(*covered)
    if months < settings.MIN_HR_WINDOW_MONTHS:
        return HRWindow(wave, kind, first, last, None, None,
                        f"The HR data ({coverage}) cover only {months} month(s) of {what} "
                        f"({period_text(first, last)}); at least {settings.MIN_HR_WINDOW_MONTHS} are needed for "
                        "HR figures.")
    return HRWindow(wave, kind, first, last, covered[0].as_unit("s"), covered[1].as_unit("s"))


def wave_window(records: object, wave: str, kind: str = WINDOW_CONCURRENT, *, date: object = None) -> HRWindow:
    """The HR window of survey ``wave``: its ``kind`` window (:func:`outcome_window`) cut to the HR
    period of ``records``. Every page, the board pack and the CLI use this for a wave."""
    first, last = outcome_window(str(wave), kind, date=date)
    return window_within(records, first, last, wave=str(wave), kind=kind)


def latest_window(records: object) -> HRWindow:
    """The latest 12 whole months of the HR period (the ``hr`` command's default, with no wave)."""
    end = pd.Timestamp(records.coverage_end).normalize()
    if (end + pd.Timedelta(days=1)).day != 1:
        end = end.to_period("M").to_timestamp() - pd.Timedelta(days=1)
    first = (end.to_period("M").to_timestamp() - pd.DateOffset(months=settings.HR_WINDOW_MONTHS - 1))
    return window_within(records, first, end, kind="latest")


def window_metrics(records: object, window: HRWindow, *, exclusions: HRExclusions | None = None,
                   levels: tuple[str, ...] = settings.LEVELS, min_group_size: int | None = None,
                   definition: LeaverDefinition | None = None) -> pd.DataFrame:
    """:func:`analytics.hr.hr_metrics` over an :class:`HRWindow`, with two more columns and small units
    hidden.

    Added columns: ``window_months`` (whole months of the window) and ``leaver_rate_annualised`` =
    leaver_rate × 12 ÷ window_months (equal to ``leaver_rate`` over 12 months; what is compared with an
    annual rate). With ``min_group_size`` (k), units with fewer than k staff in post are hidden
    (:func:`analytics.hr.privacy.suppress_small_hr_units`). ``attrs['window_text']`` names the window.

    Raises :class:`InputError` with the window's reason when the window cannot be used.
    """
    if not window.available:
        raise HRWindowUnavailable(window.reason)
    table = hr_metrics(records, start=window.start, end=window.end,
                       exclusions=exclusions if exclusions is not None else HRExclusions(), levels=levels,
                       definition=definition)
    attrs = dict(table.attrs)
    table["window_months"] = window.months
    table["leaver_rate_annualised"] = table["leaver_rate"] * window.annual_factor
    if min_group_size is not None:
        table = suppress_small_hr_units(table, min_group_size)
    table.attrs.update(attrs, window_text=window.text, window_months=window.months)
    return table

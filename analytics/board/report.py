"""The Board in two stages for the page, the board pack and the command line: :func:`board_figures`
(the costly, cacheable part) and :func:`rate_board` (thresholds, benchmarks, directorate, statements)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from analytics.board.behaviours import WeakestBehaviour, weakest_behaviour
from analytics.board.exceptions import BoardExceptions, EXCEPTION_QUANTILE, exceptions, restrict_to_directorate
from analytics.board.headlines import headline_figures
from analytics.board.statements import board_statements
from analytics.board.thresholds import apply_thresholds
from analytics.errors import InputError
from analytics.hr import HRExclusions, HRRecords, StaffRecords
from analytics.survey.pipeline import SurveyResults


@dataclass
class BoardReport:
    """Everything the Board assurance page and a board paper show, for one wave.

    ``headline`` (:data:`HEADLINE_COLUMNS`), ``exceptions`` (:class:`BoardExceptions`), ``weakest``
    (:class:`WeakestBehaviour`, whose ``table`` has :data:`BEHAVIOUR_COLUMNS`), ``statements``
    (:data:`STATEMENT_COLUMNS`). ``notes`` collect what could not be computed.
    """

    wave: str
    previous_wave: str | None
    min_group_size: int
    headline: pd.DataFrame
    exceptions: BoardExceptions
    weakest: WeakestBehaviour
    statements: pd.DataFrame
    notes: list[str] = field(default_factory=list)


@dataclass
class BoardFigures:
    """The organisation's board figures for one wave before anyone's RAG thresholds, benchmarks or
    directorate filter: ``headline`` (:func:`headline_figures`, not rated), ``exceptions`` (the whole
    organisation, :func:`exceptions`) and ``weakest`` (:func:`weakest_behaviour`). The costly part of the
    Board, computed once per wave and exclusion choice; :func:`rate_board` finishes it cheaply."""

    wave: str
    min_group_size: int
    headline: pd.DataFrame
    exceptions: BoardExceptions
    weakest: WeakestBehaviour


def board_figures(survey: SurveyResults, records: HRRecords | None, *, wave: str,
                  exclusions: HRExclusions = HRExclusions(), low_score_below: float | None = None,
                  quantile: float = EXCEPTION_QUANTILE,
                  hr_description: str = "") -> BoardFigures:
    """The first stage of the Board (see :class:`BoardFigures`); k is the one ``survey`` was suppressed with.

    Raises :class:`InputError` without survey results or for a wave the survey does not have.
    """
    if survey is None:
        raise InputError("No survey results: upload at least one survey file on the Data page.")
    headline = headline_figures(survey, records, wave=wave, exclusions=exclusions,
                                hr_description=hr_description)
    found = exceptions(survey, records, wave=wave, exclusions=exclusions, low_score_below=low_score_below,
                       quantile=quantile)
    weakest = weakest_behaviour(survey.item_results, wave, survey.codebook)
    return BoardFigures(wave=str(wave), min_group_size=int(survey.min_group_size), headline=headline,
                        exceptions=found, weakest=weakest)


def rate_board(figures: BoardFigures, *, thresholds: Mapping[str, object] | None = None,
               benchmarks: Mapping[str, object] | None = None, directorate: str | None = None) -> BoardReport:
    """The second stage of the Board: RAG and benchmarks on the headlines (:func:`apply_thresholds`), the
    exceptions narrowed to ``directorate`` (:func:`restrict_to_directorate`) and the statements quoting
    them (:func:`board_statements`)."""
    headline = apply_thresholds(figures.headline, thresholds, benchmarks)
    found = restrict_to_directorate(figures.exceptions, directorate)
    statements = board_statements(headline, found, figures.weakest)
    notes = [n for n in headline["note"].dropna().unique() if n] + found.notes
    return BoardReport(wave=figures.wave, previous_wave=headline.attrs.get("previous_wave"),
                       min_group_size=figures.min_group_size, headline=headline, exceptions=found,
                       weakest=figures.weakest, statements=statements, notes=notes)


def board_report(survey: SurveyResults, records: HRRecords | None, *, wave: str,
                 exclusions: HRExclusions = HRExclusions(),
                 thresholds: Mapping[str, object] | None = None, benchmarks: Mapping[str, object] | None = None,
                 directorate: str | None = None, low_score_below: float | None = None,
                 quantile: float = EXCEPTION_QUANTILE, hr_description: str = ""
                 ) -> BoardReport:
    """The whole board assurance content for one wave: :func:`rate_board` of :func:`board_figures`.

    The Board assurance page (which keeps the first stage between reruns), the board pack and the
    command line all build the Board through these two functions.
    """
    figures = board_figures(survey, records, wave=wave, exclusions=exclusions, low_score_below=low_score_below,
                            quantile=quantile, hr_description=hr_description)
    return rate_board(figures, thresholds=thresholds, benchmarks=benchmarks, directorate=directorate)


def hr_staff_groups(records: HRRecords | None) -> list[str]:
    """The staff groups named in the HR data (for an exclusion picker); empty without a staff group column."""
    if records is None or not records.has_staff_group:
        return []
    frame = records.assignments if isinstance(records, StaffRecords) else records.table
    return sorted(str(g) for g in frame["staff_group"].dropna().unique())

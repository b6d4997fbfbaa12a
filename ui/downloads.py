"""Download buttons for the papers a wellbeing guardian takes to the board: one line in a page.

::

    from ui.downloads import board_pack_buttons, scorecards_button

    board_pack_buttons(dataset, filters, thresholds=thresholds, benchmarks=benchmarks,
                       exclusions=HRExclusions(staff_groups=groups), low_score_below=cut_off)  # Board assurance
    scorecards_button(dataset, filters)                                                   # Team explorer

``dataset`` is :func:`ui.state.current_dataset` and ``filters`` :func:`ui.state.filters` (wave, directorate,
anonymity threshold). The files are made only when a button is clicked (Streamlit's deferred download
data), so drawing the buttons costs nothing on a rerun; a made file is kept in a small in-memory cache
keyed by the dataset, the threshold and the options, so a second click is instant.

What each file holds: :mod:`analytics.report.pack` / :mod:`render.pack` (board pack, HTML and PDF) and
:mod:`analytics.report.scorecards` (XLSX workbook; CSV of one sheet). Every CSV or XLSX cell is neutralised against
spreadsheet formula injection; nothing below the anonymity threshold and no respondent-level row is in
any file. If a file cannot be made (for example the HR data do not cover the survey's window), the
download holds a short document saying why instead of failing silently (a deferred download cannot show
``st.error``). The PDF button is disabled, with the reason in its help text, when Chromium is not installed.
"""

from __future__ import annotations

import hashlib
import html
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping

import pandas as pd
import streamlit as st

from analytics.dataset import Dataset
from analytics.errors import InputError
from analytics.hr import HRExclusions
from ui.state import Filters

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML_MIME = "text/html"
PDF_MIME = "application/pdf"
CSV_MIME = "text/csv"

BOARD_PACK_HELP = ("The board paper: headline measures and their change, RAG status, exceptions, statements to "
                   "quote, the four behaviours, relationships with HR outcomes, methods, the anonymity threshold "
                   "and the data sources. One self-contained file that opens offline and prints to A4.")
PDF_HELP = "The same board pack as a PDF (A4)."
SCORECARDS_HELP = ("Team scorecards workbook: one sheet per level (organisation, directorates, teams) with every "
                   "measure's score, 95% CI, responses and % positive and the HR figures, a question sheet, one "
                   "printable page per team and a README explaining every column. Figure columns hold numbers "
                   "only: a figure not shown (e.g. fewer than k responses) is empty and its status column says why.")

_CACHE_SIZE = 6
_cache: OrderedDict[tuple, bytes] = OrderedDict()
_lock = threading.Lock()


def _cached(key: tuple, make: Callable[[], bytes]) -> bytes:
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    data = make()
    with _lock:
        _cache[key] = data
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return data


def clear_cache() -> None:
    """Forget every file made (tests; a new upload makes new keys anyway)."""
    with _lock:
        _cache.clear()


def _freeze(options: Mapping[str, object] | None) -> tuple:
    """A hashable, order-independent form of thresholds or benchmarks (any value type)."""
    if not options:
        return ()
    frozen = []
    for name, value in sorted(options.items(), key=lambda item: str(item[0])):
        if hasattr(value, "green_at"):
            value = (value.green_at, value.red_at, getattr(value, "higher_is_better", True))
        elif isinstance(value, Mapping):
            value = tuple(sorted(value.items()))
        elif isinstance(value, list):
            value = tuple(value)
        frozen.append((str(name), value))
    return tuple(frozen)


def _slug(text: object) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", str(text)).strip("-").lower() or "all"


def _error_html(message: str, what: str) -> str:
    return ("<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>" + html.escape(what)
            + "</title></head><body style=\"font-family: sans-serif; max-width: 40em; margin: 2em auto\"><h1>"
            + html.escape(what) + " could not be made</h1><p>" + html.escape(message) + "</p></body></html>")


# --------------------------------------------------------------------------------------------------
# The files (pure: callable without a running app)
# --------------------------------------------------------------------------------------------------
def _pack(dataset: Dataset, filters: Filters, options: dict):
    from analytics.report.pack import build_board_pack

    return build_board_pack(dataset, wave=filters.wave, directorate=filters.directorate, **options)


def _action_log() -> pd.DataFrame | None:
    """The workspace's action log for the pack (None when the store cannot be read: the pack is made without it)."""
    from analytics import store
    from ui import auth

    try:
        return store.actions(auth.workspace_store())
    except InputError:
        return None


def _audited(what: str, make):
    """A download's bytes, made when the user clicks, with a line in the workspace's audit log (who took which
    pack or scorecards). The store is opened lazily, so the pure builders above stay callable without an app."""
    def made() -> bytes:
        content = make()
        from ui import auth

        user = auth.current_user()
        auth.record(user.email if user is not None else None, f"download: {what}")
        return content
    return made


def board_pack_html(dataset: Dataset, filters: Filters, **options) -> bytes:
    """The board pack as HTML bytes (UTF-8); ``options`` go to :func:`analytics.report.pack.build_board_pack`
    (``thresholds``, ``benchmarks``, ``exclusions``, ``low_score_below``, ``window_kind``). An :class:`InputError` gives a short HTML page that states it."""
    from render.pack import render_html

    def make() -> bytes:
        try:
            return render_html(_pack(dataset, filters, options)).encode("utf-8")
        except InputError as exc:
            return _error_html(str(exc), "The board pack").encode("utf-8")
    return _cached(_key("html", dataset, filters, options), make)


def board_pack_pdf(dataset: Dataset, filters: Filters, **options) -> bytes:
    """The board pack as PDF bytes (headless Chromium); an :class:`InputError` while building the pack
    gives a one-page PDF that states it. Raises :class:`InputError` when Chromium is not installed."""
    from render.pack import html_to_pdf, render_html

    def make() -> bytes:
        try:
            document = render_html(_pack(dataset, filters, options))
        except InputError as exc:
            document = _error_html(str(exc), "The board pack")
        return html_to_pdf(document)
    return _cached(_key("pdf", dataset, filters, options), make)


def scorecards(dataset: Dataset, filters: Filters, actions: pd.DataFrame | None = None):
    """The scorecards content (:class:`analytics.report.scorecards.Scorecards`) for the dataset and directorate,
    with the dataset's HR figures and, on the team sheets (wave ``filters.wave``, default the latest), the
    ``actions`` of the action log."""
    from analytics.report.pack import data_sources_table
    from analytics.report.scorecards import build_scorecards

    if dataset.survey is None:
        raise InputError("There are no survey results: upload at least one survey file on the Data page.")
    return build_scorecards(dataset.survey, directorate=filters.directorate, sources=data_sources_table(dataset),
                            dataset_label=dataset.label, hr=dataset.hr, actions=actions, wave=filters.wave)


def scorecards_xlsx(dataset: Dataset, filters: Filters, actions: pd.DataFrame | None = None) -> bytes:
    """The team scorecards workbook as XLSX bytes (``actions``: the action log for the team sheets)."""
    return _cached(_key("xlsx", dataset, filters, {"actions": actions}),
                   lambda: scorecards(dataset, filters, actions).to_xlsx())


def scorecards_csv(dataset: Dataset, filters: Filters, sheet: str = "Teams") -> bytes:
    """One sheet of the scorecards (default the teams) as CSV bytes, formula injection neutralised."""
    return _cached(_key("csv", dataset, filters, {"sheet": sheet}), lambda: scorecards(dataset, filters).to_csv(sheet))


def _frozen(value: object) -> object:
    if isinstance(value, Mapping):
        return _freeze(value)
    if isinstance(value, (list, tuple)):
        return tuple(value)
    if isinstance(value, pd.DataFrame):   # the action log: its content decides the pack
        return hashlib.sha256(value.to_csv(index=False).encode("utf-8")).hexdigest()
    return value


def _key(kind: str, dataset: Dataset, filters: Filters, options: Mapping[str, object]) -> tuple:
    frozen = tuple((name, _frozen(value)) for name, value in sorted(options.items()))
    return (kind, dataset.cache_key, filters.wave, filters.directorate, frozen)


# --------------------------------------------------------------------------------------------------
# Buttons
# --------------------------------------------------------------------------------------------------
def board_pack_buttons(dataset: Dataset, filters: Filters, *,
                       thresholds: Mapping[str, object] | None = None, benchmarks: Mapping[str, object] | None = None,
                       exclusions: HRExclusions = HRExclusions(), low_score_below: float | None = None,
                       key: str = "board_pack") -> None:
    """Two buttons side by side: the board pack as HTML and as PDF, for the wave and directorate in
    ``filters`` and the same RAG thresholds, benchmarks, staff-group exclusions and exception cut-off the
    page shows (doctors in training follow the dataset, i.e. the sidebar choice).

    The PDF button is disabled (its help says why) when Chromium is not installed; the HTML always works.
    """
    from render.pack import PDF_NEEDS_CHROMIUM, chromium_path

    if dataset.survey is None:
        st.caption("The board pack needs survey results: upload at least one survey file on the Data page.")
        return
    options = {"thresholds": dict(thresholds) if thresholds else None,
               "benchmarks": dict(benchmarks) if benchmarks else None,
               "exclusions": exclusions,
               "low_score_below": None if low_score_below is None else float(low_score_below),
               "actions": _action_log()}
    stem = f"board-pack-{_slug(filters.wave or 'latest')}" + (
        f"-{_slug(filters.directorate)}" if filters.directorate else "")
    # Side by side at the left, as one group: a horizontal container sizes each button to its label.
    with st.container(horizontal=True, horizontal_alignment="left", gap="small"):
        st.download_button("Board pack (HTML)", data=_audited("board pack (HTML)",
                                                              lambda: board_pack_html(dataset, filters, **options)),
                           file_name=f"{stem}.html", mime=HTML_MIME, on_click="ignore", help=BOARD_PACK_HELP,
                           icon=":material/description:", key=f"{key}_html")
        has_chromium = chromium_path() is not None
        st.download_button("Board pack (PDF)", data=_audited("board pack (PDF)",
                                                             lambda: board_pack_pdf(dataset, filters, **options))
                           if has_chromium else b"", file_name=f"{stem}.pdf", mime=PDF_MIME, on_click="ignore",
                           disabled=not has_chromium, help=PDF_HELP if has_chromium else PDF_NEEDS_CHROMIUM,
                           icon=":material/picture_as_pdf:", key=f"{key}_pdf")


def scorecards_button(dataset: Dataset, filters: Filters, *, csv: bool = False, key: str = "scorecards") -> None:
    """The team scorecards workbook (XLSX) for the directorate in ``filters``; with ``csv=True`` also the
    teams sheet as CSV."""
    if dataset.survey is None:
        st.caption("The scorecards need survey results: upload at least one survey file on the Data page.")
        return
    stem = "team-scorecards" + (f"-{_slug(filters.directorate)}" if filters.directorate else "")
    st.download_button("Team scorecards (XLSX)", data=_audited("team scorecards (XLSX)",
                                                               lambda: scorecards_xlsx(dataset, filters, _action_log())),
                       file_name=f"{stem}.xlsx", mime=XLSX_MIME, on_click="ignore", help=SCORECARDS_HELP,
                       icon=":material/table_view:", key=f"{key}_xlsx")
    if csv:
        st.download_button("Team scorecards (CSV)", data=_audited("team scorecards (CSV)",
                                                                  lambda: scorecards_csv(dataset, filters)),
                           file_name=f"{stem}.csv", mime=CSV_MIME, on_click="ignore",
                           help="The teams sheet of the scorecards as CSV.", icon=":material/download:",
                           key=f"{key}_csv")

"""Streamlit glue: the dataset in use, the shared sidebar filters, and showing user errors.

Pages call :func:`current_dataset` and :func:`filters`; they never load files or compute scores
themselves. The dataset is the shipped sample trust until the user uploads files on the Data page
(:func:`use_uploaded`), which replaces it for this session only.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import streamlit as st

from analytics import access, labels, settings
from analytics import store as workspace
from analytics.ingest.published_table import PUBLISHED_NOTE
from analytics.dataset import (Dataset, DatasetSpec, can_exclude_doctors_in_training, exclude_from_hr, load_hr,
                               load_survey, sample_spec)
from analytics.errors import InputError
from analytics.hr import HRExclusions
from ui import auth
from ui.cache import per_audience

SPEC_KEY = "dataset_spec"
MIN_GROUP_KEY = "min_group_size"
WAVE_KEY = "wave"
DIRECTORATE_KEY = "directorate"
EXCLUDE_TRAINEES_KEY = "exclude_doctors_in_training"
ALL_DIRECTORATES = "All directorates"

MIN_GROUP_HELP = (
    "Anonymity threshold: a team, directorate or organisation with fewer responses than this is not shown "
    f"anywhere. The NHS Staff Survey uses {settings.DEFAULT_MIN_GROUP_SIZE}; it can never be set below "
    f"{settings.MIN_GROUP_SIZE_FLOOR}."
)


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices, shared by every page."""

    wave: str | None
    directorate: str | None  # None = all directorates (the anonymity threshold is the dataset's own)


#: Page configuration shared by app.py and by a page run on its own (see :func:`ensure_frame`).
PAGE_CONFIG = dict(page_title="Compassionate leadership dashboard", page_icon=":material/diversity_1:",
                   layout="wide")
SAMPLE_BANNER = ("**Sample data.** You are looking at a fictional trust shipped with the dashboard. "
                 "Upload your own survey and HR files on the Data page.")
#: The banner for roles without the Data page.
SAMPLE_BANNER_VIEWER = ("**Sample data.** You are looking at a fictional trust shipped with the dashboard, until "
                        "an administrator publishes your organisation's survey.")

# True while app.py runs a page inside its frame (sidebar and banner already drawn).
_IN_APP_FRAME: ContextVar[bool] = ContextVar("in_app_frame", default=False)


def draw_frame() -> Filters:
    """The parts every page shares: sign-in (or the local-mode notice), the sidebar, and the banner when the
    sample data is in use."""
    user = auth.require_user()
    auth.local_mode_notice(user)
    chosen = render_sidebar(user)
    if current_spec().is_sample:
        st.info(SAMPLE_BANNER if access.may_upload(user.role) else SAMPLE_BANNER_VIEWER, icon=":material/science:")
    return chosen


@contextmanager
def app_frame() -> Iterator[None]:
    """Used by app.py around ``page.run()``: the page then knows the frame is drawn."""
    token = _IN_APP_FRAME.set(True)
    try:
        yield
    finally:
        _IN_APP_FRAME.reset(token)


def ensure_frame() -> None:
    """Called first by every page: draws the shared frame when the page runs without app.py.

    Because the pages live in ``pages/`` beside app.py, Streamlit runs a page file on its own for the
    first request of a fresh server when that request is a deep link (e.g. ``/trends``): its old
    "pages folder" navigation is still on until app.py has called ``st.navigation`` once. The page then
    draws the page configuration, sidebar and banner itself, so it looks and behaves the same.
    """
    if not _IN_APP_FRAME.get():
        st.set_page_config(**PAGE_CONFIG)
        draw_frame()
        # A deep link runs the page file itself, outside app.py's navigation: check the role here too.
        page = Path(sys._getframe(1).f_code.co_filename).stem
        user = auth.current_user()
        if page in access.ALL_PAGES and user is not None and not access.may_open(user.role, page):
            st.warning(labels.PAGE_NOT_ALLOWED_TEXT.format(role=user.role.value), icon=":material/block:")
            st.stop()


@contextmanager
def show_input_errors() -> Iterator[None]:
    """Show an :class:`InputError` as a plain message and stop the page (never a traceback)."""
    try:
        yield
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()


@contextmanager
def section_errors() -> Iterator[None]:
    """Show an :class:`InputError` in one section with ``st.error`` and carry on with the rest of the page."""
    try:
        yield
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")


@st.cache_resource(max_entries=1, show_spinner=False)
def _sample_spec() -> DatasetSpec:
    return sample_spec()


# ``key`` (a digest of the files and column choices) identifies ``_spec``, which is not hashed. The
# results are shared objects (st.cache_resource: no copy per rerun, which keeps filter changes fast):
# nothing may mutate them. Each cache is server-wide for the sample and published waves and session-scoped
# for a session's preview of its uploads (ui.cache.per_audience): an upload's rows never sit in a cache
# another session can reach, and they go when the session ends.
#: Session-state key: survey results just computed with a progress bar (:func:`load_with_progress`), handed
#: to the cache below so that they are not computed twice. Streamlit cannot run a progress bar inside a
#: cached function (it would replay the element), hence the hand-over.
_HANDED_OVER_KEY = "state_scored_with_progress"
#: Session-state key: (spec key, threshold) pairs the survey cache has computed for this session, so that the
#: Data page's "Check the files" then "Preview these files" do not score the same files twice.
_SCORED_KEYS_KEY = "state_scored_keys"


def _last_spec(*args, **kwargs) -> DatasetSpec:
    return kwargs["_spec"] if "_spec" in kwargs else args[-1]


def _by_audience(max_entries: int, spinner: str | bool = False):
    return per_audience(st.cache_resource, max_entries=max_entries, preview_entries=2, spec_of=_last_spec,
                        show_spinner=spinner)


@_by_audience(6, "Scoring the survey…")
def _survey(key: str, min_group_size: int, _spec: DatasetSpec):
    st.session_state.setdefault(_SCORED_KEYS_KEY, set()).add((key, min_group_size))
    handed_over = st.session_state.get(_HANDED_OVER_KEY, {}).pop((key, min_group_size), None)
    if handed_over is not None:
        return handed_over
    return load_survey(_spec, min_group_size=min_group_size)


@_by_audience(3, "Reading the HR files…")
def _hr_raw(key: str, _spec: DatasetSpec):
    return load_hr(_spec)


@_by_audience(3)
def _hr_has_trainees(key: str, _spec: DatasetSpec) -> bool:
    """:func:`analytics.dataset.can_exclude_doctors_in_training` of the raw HR records, once per files (it scans
    every job role; the sidebar asks on every rerun)."""
    return can_exclude_doctors_in_training(_hr_raw(key, _spec))


@_by_audience(6)
def _hr(key: str, exclusions: HRExclusions, _spec: DatasetSpec):
    return exclude_from_hr(_hr_raw(key, _spec), exclusions)


@_by_audience(12)
def _dataset(key: str, min_group_size: int, exclusions: HRExclusions, _spec: DatasetSpec) -> Dataset:
    hr, text = _hr(key, exclusions, _spec)
    # The survey is cached on the survey files' own key: choices about HR or the Board do not score it again.
    return Dataset(spec=_spec, min_group_size=min_group_size,
                   survey=_survey(_spec.survey_key, min_group_size, _spec), hr=hr,
                   hr_exclusions=text, exclusions=exclusions)


def published_note(dataset: Dataset) -> None:
    """Under a page's title: when the survey results are published figures without response counts, say so
    (they are shown as published; no k suppression could be applied to them)."""
    if dataset.survey is not None and getattr(dataset.survey, "published_without_counts", False):
        st.caption(":material/public: " + PUBLISHED_NOTE)


@st.cache_data(ttl=settings.PUBLISHED_CHECK_SECONDS, show_spinner=False, max_entries=4)
def _published_versions(url: str | None) -> tuple[tuple[str, int, str], ...]:
    """(wave, version, status) of every version in the store: what decides which published spec is current.
    Read again at most every ``PUBLISHED_CHECK_SECONDS`` (a wave published on another replica shows within
    that time); the Data page clears it after publishing."""
    table = workspace.published_waves(auth.workspace_store())
    return tuple((str(w), int(v), str(s)) for w, v, s in zip(table["wave"], table["version"], table["status"]))


@st.cache_resource(max_entries=2, show_spinner="Opening the published waves…")
def _published_spec(url: str | None, versions: tuple[tuple[str, int, str], ...]) -> DatasetSpec:
    return workspace.load_published(auth.workspace_store())


def published_spec() -> DatasetSpec | None:
    """The latest published version of every wave not withdrawn, as a spec (shared by every session of the
    server), or None when the store holds none."""
    url = auth.store_url()
    versions = _published_versions(url)
    if not any(status == settings.WAVE_PUBLISHED for _, _, status in versions):
        return None
    return _published_spec(url, versions)


def forget_published() -> None:
    """After publishing or withdrawing: read the store again on the next run."""
    _published_versions.clear()


def current_spec() -> DatasetSpec:
    """The spec in use: the session's preview of uploaded files; else the published waves of the workspace;
    else (an empty store) the sample trust."""
    spec = st.session_state.get(SPEC_KEY)
    if spec is not None:
        return spec
    with show_input_errors():
        published = published_spec()
    return published if published is not None else _sample_spec()


def use_uploaded(spec: DatasetSpec) -> None:
    """Replace the dataset for this session (the Data page calls this after a successful load)."""
    st.session_state[SPEC_KEY] = spec
    st.session_state.pop(WAVE_KEY, None)
    st.session_state.pop(DIRECTORATE_KEY, None)


def use_sample() -> None:
    st.session_state.pop(SPEC_KEY, None)
    st.session_state.pop(WAVE_KEY, None)
    st.session_state.pop(DIRECTORATE_KEY, None)


def min_group_size() -> int:
    """The anonymity threshold in use: the administrator's sidebar choice; for every other role the default, or
    the threshold the wave in use was published with (they cannot change it: :func:`analytics.access.may_change_k`)."""
    user = auth.current_user()
    published = getattr(current_spec(), "published", None)
    if published is not None:   # a published wave keeps the k it was published with, for every role
        return published.k
    if user is None or not access.may_change_k(user.role):
        return settings.DEFAULT_MIN_GROUP_SIZE
    return int(st.session_state.get(MIN_GROUP_KEY, settings.DEFAULT_MIN_GROUP_SIZE))


def hr_exclusions() -> HRExclusions:
    """The HR exclusions of the session: doctors in training unless the sidebar box is cleared."""
    return HRExclusions(doctors_in_training=bool(st.session_state.get(EXCLUDE_TRAINEES_KEY, True)))


def load_with_progress(spec: DatasetSpec, progress) -> Dataset:
    """Load ``spec`` into the same caches the pages use, reporting ``progress(fraction, message)``.

    The Data page calls this, so files scored with a progress bar are not scored again when the pages
    use them. Raises :class:`InputError` for bad files.
    """
    handed_over = st.session_state[_HANDED_OVER_KEY] = {}
    if (spec.survey_key, min_group_size()) not in st.session_state.get(_SCORED_KEYS_KEY, set()):
        handed_over[(spec.survey_key, min_group_size())] = load_survey(
            spec, min_group_size=min_group_size(), progress=lambda f, m: progress(0.8 * f, m))
    progress(0.85, "Reading HR files")
    dataset = _dataset(spec.key, min_group_size(), hr_exclusions(), spec)
    progress(1.0, "Done")
    return dataset


@st.cache_resource(max_entries=12, show_spinner=False)
def _scoped(dataset_key: str, scope: str, _dataset: Dataset, _user: access.User) -> Dataset:
    return access.scope_dataset(_dataset, _user)


def current_dataset() -> Dataset:
    """The scored, anonymised dataset for the current spec, anonymity threshold and HR exclusions (cached),
    scoped to the session's user (:func:`analytics.access.scope_dataset`: a manager's pages receive only
    their units' rows). Every page's data passes here."""
    spec = current_spec()
    with show_input_errors():
        dataset = _dataset(spec.key, min_group_size(), hr_exclusions(), spec)
    user = auth.current_user()
    if user is None:  # not signed in: require_user() has stopped the page before any data is asked for
        st.stop()
    if not user.is_scoped:
        return dataset
    return _scoped(dataset.cache_key, access.scope_key(user), dataset, user)


def filters() -> Filters:
    """The sidebar's current choices (the sidebar itself is drawn by :func:`render_sidebar`)."""
    directorate = st.session_state.get(DIRECTORATE_KEY)
    return Filters(wave=st.session_state.get(WAVE_KEY),
                   directorate=None if directorate in (None, ALL_DIRECTORATES) else directorate)


def render_sidebar(user: access.User | None = None) -> Filters:
    """The shared sidebar: the signed-in user, dataset in use, wave, directorate filter and anonymity threshold
    (the threshold control for administrators only)."""
    spec = current_spec()
    user = user or auth.current_user() or access.LOCAL_USER
    with st.sidebar:
        auth.render_user_box(user)
        st.markdown("**Dataset in use**")
        if spec.is_sample or spec.published is not None:
            st.caption(spec.label)
        else:
            st.caption("Preview of your uploads: " + ", ".join(spec.file_names))
        if spec.published is not None:
            st.caption(labels.K_PUBLISHED_TEXT.format(k=spec.published.k), help=MIN_GROUP_HELP)
        elif access.may_change_k(user.role):
            st.number_input("Minimum responses to show a group", min_value=settings.MIN_GROUP_SIZE_FLOOR,
                            max_value=100, value=settings.DEFAULT_MIN_GROUP_SIZE, step=1, key=MIN_GROUP_KEY,
                            help=MIN_GROUP_HELP)
        else:
            st.caption(labels.K_FIXED_TEXT.format(k=min_group_size()), help=MIN_GROUP_HELP)
        dataset = current_dataset()
        waves = dataset.waves
        if waves:
            if st.session_state.get(WAVE_KEY) not in waves:
                st.session_state[WAVE_KEY] = waves[-1]
            st.selectbox("Survey wave", waves, key=WAVE_KEY, help="The survey year shown on every page.")
        directorates = directorate_names(dataset)
        if directorates:
            options = [ALL_DIRECTORATES, *directorates]
            if st.session_state.get(DIRECTORATE_KEY) not in options:
                st.session_state[DIRECTORATE_KEY] = ALL_DIRECTORATES
            st.selectbox("Directorate", options, key=DIRECTORATE_KEY,
                         help="Show the teams of one directorate. Groups below the anonymity threshold stay hidden.")
        with show_input_errors():
            has_trainees = _hr_has_trainees(spec.key, spec)
        if has_trainees:
            st.checkbox("Exclude doctors in training from HR figures", value=True, key=EXCLUDE_TRAINEES_KEY,
                        help="Doctors in training rotate between employers on national changeover days, so each "
                             "rotation would count as a leaver. NHS leaver statistics leave them out.")
        if dataset.hr is not None and dataset.hr_exclusions:
            st.caption(dataset.hr_exclusions)
    return filters()


def directorate_names(dataset: Dataset) -> list[str]:
    """Directorates present in the survey results (shown or suppressed) or, failing that, the HR data."""
    if dataset.survey is not None:
        table = dataset.survey.unit_scores
        names = table.loc[table["level"] == settings.LEVEL_DIRECTORATE, "unit"].dropna().unique().tolist()
        if names:
            return sorted(names)
    return []

"""Streamlit glue: the dataset in use, the shared sidebar filters, and showing user errors.

Pages call :func:`current_dataset` and :func:`filters`; they never load files or compute scores
themselves. The dataset is the shipped sample trust until the user uploads files on the Data page
(:func:`use_uploaded`), which replaces it for this session only.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import streamlit as st

from analytics import settings
from analytics.dataset import Dataset, DatasetSpec, load_dataset, sample_spec
from analytics.errors import InputError

SPEC_KEY = "dataset_spec"
MIN_GROUP_KEY = "min_group_size"
WAVE_KEY = "wave"
DIRECTORATE_KEY = "directorate"
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
    directorate: str | None  # None = all directorates
    min_group_size: int


@contextmanager
def show_input_errors() -> Iterator[None]:
    """Show an :class:`InputError` as a plain message and stop the page (never a traceback)."""
    try:
        yield
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()


@st.cache_resource(max_entries=1, show_spinner=False)
def _sample_spec() -> DatasetSpec:
    return sample_spec()


@st.cache_resource(max_entries=6, show_spinner="Scoring the survey and reading the HR files…")
def _dataset(key: str, min_group_size: int, _spec: DatasetSpec) -> Dataset:
    # ``key`` (a digest of the files and column choices) identifies ``_spec``, which is not hashed.
    return load_dataset(_spec, min_group_size=min_group_size)


def current_spec() -> DatasetSpec:
    """The spec in use: the user's uploads, or the sample trust."""
    spec = st.session_state.get(SPEC_KEY)
    return spec if spec is not None else _sample_spec()


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
    return int(st.session_state.get(MIN_GROUP_KEY, settings.DEFAULT_MIN_GROUP_SIZE))


def current_dataset() -> Dataset:
    """The scored, anonymised dataset for the current spec and anonymity threshold (cached)."""
    spec = current_spec()
    with show_input_errors():
        return _dataset(spec.key, min_group_size(), spec)


def filters() -> Filters:
    """The sidebar's current choices (the sidebar itself is drawn by :func:`render_sidebar`)."""
    directorate = st.session_state.get(DIRECTORATE_KEY)
    return Filters(wave=st.session_state.get(WAVE_KEY),
                   directorate=None if directorate in (None, ALL_DIRECTORATES) else directorate,
                   min_group_size=min_group_size())


def render_sidebar() -> Filters:
    """The shared sidebar: dataset in use, wave, directorate filter and anonymity threshold."""
    spec = current_spec()
    with st.sidebar:
        st.markdown("**Dataset in use**")
        if spec.is_sample:
            st.caption(spec.label)
        else:
            st.caption("Uploaded: " + ", ".join(spec.file_names))
        st.number_input("Minimum responses to show a group", min_value=settings.MIN_GROUP_SIZE_FLOOR,
                        max_value=100, value=settings.DEFAULT_MIN_GROUP_SIZE, step=1, key=MIN_GROUP_KEY,
                        help=MIN_GROUP_HELP)
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
    return filters()


def directorate_names(dataset: Dataset) -> list[str]:
    """Directorates present in the survey results (shown or suppressed) or, failing that, the HR data."""
    if dataset.survey is not None:
        table = dataset.survey.unit_scores
        names = table.loc[table["level"] == settings.LEVEL_DIRECTORATE, "unit"].dropna().unique().tolist()
        if names:
            return sorted(names)
    return []

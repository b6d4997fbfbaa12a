"""Reading in a child process (analytics.ingest.isolated): a child that dies, runs out of memory or takes too
long gives the caller an InputError and the caller lives on; errors and figures are the same as in-process.

The hooks below are module-level functions (the child finds them by name); the limits are set through
``settings`` or run_isolated's parameters, never by replacing the code under test.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analytics import settings
from analytics.errors import InputError
from analytics.ingest import isolated
from analytics.ingest.io import list_sheets, read_table
from analytics.ingest.source import open_source
from survey_fixtures import codes_csv, question_text_xlsx

pytestmark = pytest.mark.skipif(not isolated.ISOLATION_AVAILABLE, reason="files are read in a child only on "
                                "POSIX with Python 3.11 (analytics/ingest/isolated.py)")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ["survey_2023.csv", "survey_2024.xlsx", "survey_2025.csv", "hr_staff_esr.csv", "hr_absence_esr.csv",
           "hr_team_month.csv"]


# --- hooks run in the child ------------------------------------------------------------------------
def abort_hook():
    os.abort()


def allocate_hook(n_bytes: int):
    block = bytearray(n_bytes)
    return len(block)


def sleep_hook(seconds: float):
    time.sleep(seconds)
    return "woke"


def refuse_hook():
    raise InputError("The value 7 is outside the 1-5 scale.", file="staff.csv", sheet="Data", column="q9f", row=12)


def bug_hook():
    return {}["missing"]


@pytest.fixture
def isolate_everything(monkeypatch):
    monkeypatch.setattr(settings, "ISOLATE_READS_ABOVE_BYTES", 0)


def _read_in_process(monkeypatch, *args, **kwargs):
    monkeypatch.setattr(settings, "ISOLATE_READS_ABOVE_BYTES", None)
    try:
        return read_table(*args, **kwargs)
    finally:
        monkeypatch.setattr(settings, "ISOLATE_READS_ABOVE_BYTES", 0)


# --- a child that dies ----------------------------------------------------------------------------------
def test_a_child_that_aborts_gives_an_input_error_and_the_next_file_still_reads(isolate_everything):
    with pytest.raises(InputError) as caught:
        isolated.run_isolated(abort_hook, file_name="notes.xlsx")
    assert caught.value.file == "notes.xlsx"
    assert "SIGABRT" in caught.value.message and "stray cells" in caught.value.message
    raw = read_table(question_text_xlsx(), "pulse_2025.xlsx")
    assert len(raw.frame) == 48  # 4 teams x 12 respondents (survey_fixtures)


def test_an_allocation_beyond_the_memory_limit_is_reported_in_words(isolate_everything):
    baseline = isolated.run_isolated(isolated.address_space, file_name="x.csv", memory_limit=0)
    with pytest.raises(InputError) as caught:
        isolated.run_isolated(allocate_hook, 2 * 1024**3, file_name="big.csv", memory_limit=baseline + 256 * 1024**2)
    assert caught.value.file == "big.csv"
    assert "more memory than allowed" in caught.value.message
    # The same allocation within the limit succeeds: the limit, not the hook, refused it.
    assert isolated.run_isolated(allocate_hook, 64 * 1024**2, file_name="x.csv",
                                 memory_limit=baseline + 256 * 1024**2) == 64 * 1024**2


def test_a_real_read_beyond_the_memory_limit_names_the_file_and_the_next_read_works(isolate_everything, monkeypatch):
    baseline = isolated.run_isolated(isolated.address_space, file_name="x.csv", memory_limit=0)
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.integers(1, 6, size=(200_000, 40)), columns=[f"Q{i}" for i in range(40)])
    content = frame.to_csv(index=False).encode()  # 16 MB of text; pandas needs far more than 8 MB to read it
    monkeypatch.setattr(settings, "READ_MEMORY_LIMIT_BYTES", baseline + 8 * 1024**2)
    with pytest.raises(InputError) as caught:
        read_table(content, "huge.csv")
    assert caught.value.file == "huge.csv"
    assert "memory" in caught.value.message
    monkeypatch.setattr(settings, "READ_MEMORY_LIMIT_BYTES", 3 * 1024**3)
    assert len(read_table(content, "huge.csv").frame) == 200_000


def test_a_read_that_takes_too_long_is_stopped_and_reported():
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        isolated.run_isolated(sleep_hook, 30, file_name="slow.xlsx", time_limit=0.5)
    assert time.perf_counter() - started < 10
    assert caught.value.file == "slow.xlsx"
    assert "longer than 0.5 seconds" in caught.value.message
    assert isolated.run_isolated(sleep_hook, 0, file_name="quick.xlsx", time_limit=30) == "woke"


def test_the_time_limit_comes_from_settings(monkeypatch):
    monkeypatch.setattr(settings, "READ_TIME_LIMIT_SECONDS", 0.5)
    with pytest.raises(InputError, match="longer than 0.5 seconds"):
        isolated.run_isolated(sleep_hook, 30, file_name="slow.xlsx")


# --- errors cross the process boundary unchanged ------------------------------------------------------
def test_an_input_error_in_the_child_keeps_its_message_and_location():
    with pytest.raises(InputError) as caught:
        isolated.run_isolated(refuse_hook, file_name="staff.csv")
    error = caught.value
    assert (error.message, error.file, error.sheet, error.column, error.row) == (
        "The value 7 is outside the 1-5 scale.", "staff.csv", "Data", "q9f", 12)
    assert str(error) == "staff.csv, sheet 'Data', column 'q9f', row 12: The value 7 is outside the 1-5 scale."


def _error_of(call) -> tuple:
    with pytest.raises(InputError) as caught:
        call()
    error = caught.value
    return error.message, error.file, error.sheet, error.column, error.row


def test_a_reader_refusal_is_the_same_through_the_child_as_in_process(isolate_everything, monkeypatch):
    workbook = question_text_xlsx()
    through_child = _error_of(lambda: read_table(workbook, "pulse.xlsx", sheet="Nope"))
    in_process = _error_of(lambda: _read_in_process(monkeypatch, workbook, "pulse.xlsx", sheet="Nope"))
    assert through_child == in_process
    assert "There is no sheet called 'Nope'" in through_child[0]
    long_row = b"a,b\n1,2\n3,4,5\n"
    through_child = _error_of(lambda: read_table(long_row, "rows.csv"))
    in_process = _error_of(lambda: _read_in_process(monkeypatch, long_row, "rows.csv"))
    assert through_child == in_process
    assert through_child[4] == 3  # the third line holds three values under a two-column header


def test_a_bug_in_the_child_is_raised_as_an_error_with_its_traceback():
    with pytest.raises(RuntimeError, match="KeyError: 'missing'"):
        isolated.run_isolated(bug_hook, file_name="x.csv")


# --- same figures -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SAMPLES)
def test_sample_files_read_through_the_child_equal_in_process(name, isolate_everything, monkeypatch):
    path = ROOT / "sample_data" / name
    assert isolated.should_isolate(open_source(path, None))
    child = read_table(path)
    local = _read_in_process(monkeypatch, path)
    pd.testing.assert_frame_equal(child.frame, local.frame)
    assert (child.header_texts, child.notes, child.header_row, child.sheet, child.title_texts) == (
        local.header_texts, local.notes, local.header_row, local.sheet, local.title_texts)


def test_sheet_names_through_the_child(isolate_everything):
    book = openpyxl.Workbook()
    book.active.title = "Read me"
    book.create_sheet("Responses")
    hidden = book.create_sheet("Lookup")
    hidden.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    assert list_sheets(buffer.getvalue(), "book.xlsx") == ["Read me", "Responses", "Lookup"]


def test_small_csv_files_are_read_in_process_and_workbooks_always_in_a_child(monkeypatch):
    monkeypatch.setattr(settings, "ISOLATE_READS_ABOVE_BYTES", 1024**2)
    small_csv = open_source(codes_csv(), "pulse.csv")
    assert small_csv.size < 1024**2 and not isolated.should_isolate(small_csv)
    assert isolated.should_isolate(open_source(question_text_xlsx(), "pulse.xlsx"))
    big_csv = open_source(b"a,b\n" + b"1,2\n" * 300_000, "big.csv")
    assert isolated.should_isolate(big_csv)
    monkeypatch.setattr(settings, "ISOLATE_READS_ABOVE_BYTES", None)
    assert not isolated.should_isolate(open_source(question_text_xlsx(), "pulse.xlsx"))

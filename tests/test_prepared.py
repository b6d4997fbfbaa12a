"""The sample's prepared files on disk (analytics.prepared): used when whole and current, rebuilt when stale
or damaged, never for uploads."""

import dataclasses
from types import SimpleNamespace

import pytest

from analytics import dataset as dataset_module
from analytics import prepared
from analytics.dataset import load_hr, sample_spec


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(prepared.CACHE_DIR_ENV, str(tmp_path / "prepared"))
    return tmp_path / "prepared"


class Builder:
    """A build function that counts its calls and returns a fresh list each time."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return ["table", self.calls]


SAMPLE = SimpleNamespace(is_sample=True, key="files-digest")


def test_built_once_then_read_from_disk(cache_dir):
    build = Builder()
    assert prepared.on_disk("survey", SAMPLE, (11,), build) == ["table", 1]
    assert prepared.on_disk("survey", SAMPLE, (11,), build) == ["table", 1]
    assert build.calls == 1
    assert len(list(cache_dir.glob("survey-*.pkl"))) == 1


def test_other_key_parts_are_other_files():
    build = Builder()
    prepared.on_disk("survey", SAMPLE, (11,), build)
    prepared.on_disk("survey", SAMPLE, (5,), build)
    prepared.on_disk("survey", SimpleNamespace(is_sample=True, key="other-files"), (11,), build)
    assert build.calls == 3
    assert prepared.on_disk("survey", SAMPLE, (11,), build) == ["table", 1]


def test_stale_after_a_code_change_is_rebuilt_and_removed(cache_dir, monkeypatch):
    build = Builder()
    prepared.on_disk("hr", SAMPLE, (), build)
    old_files = set(cache_dir.glob("hr-*.pkl"))
    monkeypatch.setattr(prepared, "code_version", lambda: "f" * 64)
    assert prepared.on_disk("hr", SAMPLE, (), build) == ["table", 2]
    new_files = set(cache_dir.glob("hr-*.pkl"))
    assert build.calls == 2 and len(new_files) == 1 and not (new_files & old_files)


@pytest.mark.parametrize("damage", ["flip a payload byte", "truncate", "empty", "other key's header"])
def test_damaged_file_is_rebuilt(cache_dir, damage):
    build = Builder()
    prepared.on_disk("board", SAMPLE, ("2025",), build)
    (path,) = cache_dir.glob("board-*.pkl")
    data = bytearray(path.read_bytes())
    if damage == "flip a payload byte":
        data[-3] ^= 0xFF
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "empty":
        data = bytearray()
    else:
        data[len(prepared.MAGIC)] ^= 0xFF
    path.write_bytes(bytes(data))
    assert prepared.on_disk("board", SAMPLE, ("2025",), build) == ["table", 2]
    assert prepared.read("board", (SAMPLE.key, "2025")) == (True, ["table", 2])    # replaced by a whole file


def test_uploads_are_never_kept_on_disk(cache_dir):
    build = Builder()
    upload = SimpleNamespace(is_sample=False, key="files-digest")
    prepared.on_disk("survey", upload, (11,), build)
    prepared.on_disk("survey", upload, (11,), build)
    assert build.calls == 2
    assert not cache_dir.exists() or not list(cache_dir.iterdir())


def test_unwritable_directory_still_builds(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(prepared.CACHE_DIR_ENV, str(blocker / "prepared"))
    build = Builder()
    assert prepared.on_disk("survey", SAMPLE, (), build) == ["table", 1]
    assert prepared.on_disk("survey", SAMPLE, (), build) == ["table", 2]


def test_load_hr_keeps_the_sample_but_not_the_same_files_uploaded(cache_dir, monkeypatch):
    reads = []
    monkeypatch.setattr(dataset_module, "_read_hr_here_or_in_child", lambda spec: reads.append(spec.is_sample) or "records")
    spec = sample_spec()
    assert load_hr(spec) == "records" and load_hr(spec) == "records"
    assert reads == [True]
    uploaded = dataclasses.replace(spec, is_sample=False)      # the same bytes, given by a user
    assert load_hr(uploaded) == "records" and load_hr(uploaded) == "records"
    assert reads == [True, False, False]

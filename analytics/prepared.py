"""The shipped sample trust's scored tables, prepared once and kept on disk (issue 15, fast cold start).

Scoring the sample and reading its HR files takes seconds on a small server; every start of the dashboard
would do it again before the first chart. :func:`on_disk` keeps such a result in one file per result under
:func:`cache_dir` and reads it back on the next start.

Rules:

- **Only the sample.** A spec whose ``is_sample`` is false (every upload, every published wave) is never
  read from or written to disk: :func:`on_disk` just calls ``build``.
- **Keyed by content and code.** The file name holds a SHA-256 digest of :data:`FORMAT_VERSION`, the
  source of the ``analytics``, ``render`` and ``ui`` packages (:func:`code_version`: any change to the code
  that computes the tables or draws the figures makes a new key), the result's name and the caller's key parts (the spec's key is a digest of the files'
  bytes and choices). A stale file is therefore never found; files of older code are removed when a new one
  is written.
- **Checked before use.** Each file starts with a header (magic, the key digest, the payload's SHA-256);
  a file that is short, altered, or of another key is rebuilt (and replaced), never trusted.
- **Safe with several processes.** A file is written to a temporary name in the same directory and renamed
  over the final name (``os.replace``, atomic on POSIX and Windows): two processes starting at once both
  build, and each reader sees a whole file or none.
- **Never fatal.** A cache directory that cannot be written leaves the dashboard working (it builds each
  time).

The files are Python pickles: the cache directory must be writable only by the account the dashboard runs
as (the default is inside the installation; ``DASHBOARD_CACHE_DIR`` moves it).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: Environment variable naming the directory of prepared files (default :data:`DEFAULT_CACHE_DIR`).
CACHE_DIR_ENV = "DASHBOARD_CACHE_DIR"
#: Default directory: ``.cache/prepared`` beside the ``analytics`` package.
DEFAULT_CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache" / "prepared"
#: Bumped when the file layout changes.
FORMAT_VERSION = "1"
MAGIC = b"DASHPREP"
_DIGEST_BYTES = 32
_HEADER_BYTES = len(MAGIC) + 2 * _DIGEST_BYTES


def cache_dir() -> Path:
    """Where prepared files live: ``$DASHBOARD_CACHE_DIR`` when set, else :data:`DEFAULT_CACHE_DIR`."""
    return Path(os.environ.get(CACHE_DIR_ENV) or DEFAULT_CACHE_DIR)


#: Packages (beside ``analytics``) whose source makes up :func:`code_version`: the tables come from
#: ``analytics``, the Board's prepared figures from ``render`` and ``ui``.
CODE_PACKAGES = ("analytics", "render", "ui")


@lru_cache(maxsize=1)
def code_version() -> str:
    """SHA-256 of every ``.py`` file of :data:`CODE_PACKAGES` (relative path and bytes, in path order)."""
    base = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for package in CODE_PACKAGES:
        for path in sorted((base / package).rglob("*.py")):
            digest.update(str(path.relative_to(base)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def key_digest(name: str, parts: tuple) -> bytes:
    """The 32-byte key of result ``name`` with key ``parts`` (their ``repr``) under this code version."""
    text = "\x1f".join([FORMAT_VERSION, code_version(), name, *(repr(p) for p in parts)])
    return hashlib.sha256(text.encode()).digest()


def path_for(name: str, digest: bytes) -> Path:
    """``<cache_dir>/<name>-<code version>-<key digest>.pkl`` (both shortened)."""
    return cache_dir() / f"{name}-{code_version()[:12]}-{digest.hex()[:32]}.pkl"


def read(name: str, parts: tuple) -> tuple[bool, object]:
    """``(True, value)`` from a whole, matching file of ``name``/``parts``; ``(False, None)`` otherwise."""
    digest = key_digest(name, parts)
    try:
        data = path_for(name, digest).read_bytes()
    except OSError:
        return False, None
    header, payload = data[:_HEADER_BYTES], data[_HEADER_BYTES:]
    if (len(header) != _HEADER_BYTES or not header.startswith(MAGIC)
            or header[len(MAGIC):len(MAGIC) + _DIGEST_BYTES] != digest
            or header[len(MAGIC) + _DIGEST_BYTES:] != hashlib.sha256(payload).digest()):
        return False, None
    try:
        return True, pickle.loads(payload)
    except Exception:   # a file that passed its checksum but does not load (e.g. a class since renamed)
        return False, None


def write(name: str, parts: tuple, value: object) -> Path | None:
    """Write ``value`` atomically (temporary file, then rename) and remove ``name``'s files of other code
    versions; the path, or None when the directory cannot be written."""
    digest = key_digest(name, parts)
    target = path_for(name, digest)
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{name}-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(MAGIC + digest + hashlib.sha256(payload).digest() + payload)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return None
    current = f"{name}-{code_version()[:12]}-"
    for old in target.parent.glob(f"{name}-*.pkl"):
        if not old.name.startswith(current):
            old.unlink(missing_ok=True)
    return target


def on_disk(name: str, spec, parts: tuple, build: Callable[[], T]) -> T:
    """``build()``, kept on disk under ``name`` and ``(spec.key, *parts)`` when ``spec.is_sample``; for any
    other spec (uploads, published waves) just ``build()``. ``name`` must be a plain word (a file name part)."""
    if not getattr(spec, "is_sample", False):
        return build()
    key = (spec.key, *parts)
    found, value = read(name, key)
    if found:
        return value  # type: ignore[return-value]
    value = build()
    write(name, key, value)
    return value

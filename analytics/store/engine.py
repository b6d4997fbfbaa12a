"""Opening the store: an SQLAlchemy engine on SQLite (embedded, the default) or PostgreSQL (several users and
app replicas), with its schema created or migrated by the Alembic revisions kept in ``migrations/``."""

from __future__ import annotations

import datetime as dt
import json
import contextlib
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from analytics import settings
from analytics.errors import InputError
from analytics.store import schema

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


@dataclass(eq=False)
class Store:
    """An open store: the engine, and the installation's salt (read once)."""

    engine: Engine
    url: str
    _salt: bytes | None = field(default=None, repr=False)

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def salt(self) -> bytes:
        """The installation's random salt (made on first run; keys the pseudonymised employee numbers)."""
        if self._salt is None:
            with self.engine.connect() as conn:
                value = conn.execute(sa.select(schema.installation.c.salt)).scalar_one()
            self._salt = bytes.fromhex(value)
        return self._salt

    def close(self) -> None:
        self.engine.dispose()


def now() -> dt.datetime:
    """The current UTC time, naive (the store's time columns hold UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def dumps(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def make_sqlite_folder(url: "str | sa.engine.URL") -> None:
    """Create the folder of an SQLite file URL (the embedded store's ``.workspace/`` on first run)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _engine(url: str) -> Engine:
    try:
        parsed = sa.engine.make_url(url)
    except (SQLAlchemyError, ValueError):
        raise InputError(f"The store address {url!r} is not a database URL (for example "
                         "sqlite:///path/store.sqlite or postgresql+psycopg://user@host/db).") from None
    make_sqlite_folder(parsed)
    try:
        engine = sa.create_engine(parsed, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError) as exc:
        raise InputError(f"The store at {parsed.render_as_string(hide_password=True)} cannot be used: "
                         f"{type(exc).__name__}.") from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@contextlib.contextmanager
def _sqlite_file_lock(engine: Engine):
    """Hold an exclusive lock on ``<database>.lock`` beside an SQLite store file while its tables are created
    or migrated, so that two processes opening a brand-new store at the same instant migrate one after the
    other (SQLite has no advisory lock of its own). ``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows;
    in-memory databases need no lock. Gives up after :data:`settings.STORE_LOCK_SECONDS` with an
    :class:`InputError` naming the lock file."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    lock_path = Path(f"{database}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as handle:
        _acquire(handle, lock_path)
        try:
            yield
        finally:
            _release(handle)


def _acquire(handle, lock_path: Path) -> None:
    deadline = time.monotonic() + settings.STORE_LOCK_SECONDS
    while True:
        try:
            if os.name == "nt":
                import msvcrt
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise InputError(f"The store is being set up by another process and did not finish within "
                                 f"{settings.STORE_LOCK_SECONDS} seconds. If no other copy of the dashboard "
                                 f"or command is running, delete {lock_path} and try again.") from None
            time.sleep(0.05)


def _release(handle) -> None:
    if os.name == "nt":
        import msvcrt
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _migrate(conn: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def _ensure_salt(conn: Connection) -> None:
    if conn.execute(sa.select(schema.installation.c.id)).first() is None:
        try:
            with conn.begin_nested():
                conn.execute(schema.installation.insert().values(id=1, salt=secrets.token_hex(32), created_at=now()))
        except IntegrityError:  # another process made it first
            pass


def open_store(url: str | None = None, *, engine: Engine | None = None) -> Store:
    """Open the store at ``url`` (default: the environment variable :data:`analytics.settings.STORE_URL_ENV`
    when set, else :data:`analytics.settings.DEFAULT_STORE_URL`, an embedded SQLite file whose folder is created
    on first use), creating or migrating its tables and making the installation's
    salt on first run.

    On PostgreSQL the migration runs under an advisory lock (:data:`settings.STORE_MIGRATION_LOCK`), on an
    SQLite file under a lock file beside it, so two app processes starting at once migrate one after the other.

    ``engine``: an engine made elsewhere (the dashboard passes the one of ``st.connection("store", type="sql")``)
    instead of a URL; the store then uses it as it is (tables created or migrated the same way).

    Raises :class:`InputError` when the URL is not a database URL or the database cannot be reached.
    """
    if engine is None:
        engine = _engine(url or os.environ.get(settings.STORE_URL_ENV) or settings.DEFAULT_STORE_URL)
    elif engine.dialect.name == "sqlite":   # an engine made elsewhere (the app's st.connection)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    shown = engine.url.render_as_string(hide_password=True)
    try:
        with _sqlite_file_lock(engine), engine.connect() as conn:
            locked = engine.dialect.name == "postgresql"
            if locked:
                conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": settings.STORE_MIGRATION_LOCK})
                conn.commit()
            try:
                _migrate(conn)
                conn.commit()
                with conn.begin():
                    _ensure_salt(conn)
            finally:
                if locked:
                    conn.rollback()
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": settings.STORE_MIGRATION_LOCK})
                    conn.commit()
    except sa.exc.OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise InputError(f"The store at {shown} cannot be reached or opened: {reason}") from None
    return Store(engine=engine, url=shown)

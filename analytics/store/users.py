"""Users and their roles, and the audit log.

A user is an e-mail address (kept lower-case, as sign-in providers differ in case) with one role of
:data:`analytics.settings.ROLES` and, for a manager, the directorates and/or teams they may see. Every change
of a user or role writes an audit row (:func:`record_audit`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from analytics import settings
from analytics.errors import InputError
from analytics.store import schema
from analytics.store.engine import Store, dumps, now

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: Columns of :func:`list_users` and :func:`audit_log`.
USER_COLUMNS = ("email", "role", "directorates", "teams")
AUDIT_COLUMNS = ("at", "user", "action", "wave", "detail")


@dataclass(frozen=True)
class StoredUser:
    """One user of the shared workspace."""

    email: str
    role: str
    directorates: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()


def normalise_email(email: str) -> str:
    """The address trimmed and lower-cased; :class:`InputError` when it is not an e-mail address."""
    text = str(email or "").strip().lower()
    if not _EMAIL.match(text):
        raise InputError(f"{email!r} is not an e-mail address (for example name@trust.nhs.uk).")
    return text


def check_role(role: str) -> str:
    text = str(role or "").strip().lower()
    if text not in settings.ROLES:
        raise InputError(f"The role {role!r} does not exist; choose one of: {', '.join(settings.ROLES)}.")
    return text


def _scope(directorates, teams) -> dict:
    def names(values) -> list[str]:
        values = [values] if isinstance(values, str) else list(values or ())
        return sorted({str(v).strip() for v in values if str(v).strip()})
    return {"directorates": names(directorates), "teams": names(teams)}


def _user(row) -> StoredUser:
    scope = json.loads(row.scope)
    return StoredUser(email=row.email, role=row.role, directorates=tuple(scope.get("directorates", ())),
                      teams=tuple(scope.get("teams", ())))


def get_user(store: Store, email: str) -> StoredUser | None:
    """The user with this address (any case), or None."""
    text = str(email or "").strip().lower()
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(schema.users).where(schema.users.c.email == text)).first()
    return _user(row) if row is not None else None


def add_user(store: Store, email: str, role: str, *, directorates=(), teams=(), by: str | None = None) -> StoredUser:
    """Add a user with a role (and, for a manager, the directorates/teams they may see); audited as
    ``user added``. :class:`InputError` for a bad address or role, or an address already added."""
    email, role = normalise_email(email), check_role(role)
    scope = _scope(directorates, teams)
    with store.engine.begin() as conn:
        if conn.execute(sa.select(schema.users.c.email).where(schema.users.c.email == email)).first():
            raise InputError(f"{email} is already a user; change their role instead.")
        conn.execute(schema.users.insert().values(email=email, role=role, scope=dumps(scope)))
        _audit(conn, by, "user added", None, {"email": email, "role": role, **scope})
    return StoredUser(email, role, tuple(scope["directorates"]), tuple(scope["teams"]))


def set_role(store: Store, email: str, role: str, *, directorates=(), teams=(), by: str | None = None) -> StoredUser:
    """Change a user's role and scope; audited as ``role changed`` (with the old role)."""
    email, role = normalise_email(email), check_role(role)
    scope = _scope(directorates, teams)
    with store.engine.begin() as conn:
        old = conn.execute(sa.select(schema.users).where(schema.users.c.email == email)).first()
        if old is None:
            raise InputError(f"There is no user {email}; add them first.")
        conn.execute(schema.users.update().where(schema.users.c.email == email).values(role=role, scope=dumps(scope)))
        _audit(conn, by, "role changed", None, {"email": email, "role": role, "old_role": old.role, **scope})
    return StoredUser(email, role, tuple(scope["directorates"]), tuple(scope["teams"]))


def remove_user(store: Store, email: str, *, by: str | None = None) -> None:
    """Remove a user; audited as ``user removed``. :class:`InputError` for an unknown address."""
    email = str(email or "").strip().lower()
    with store.engine.begin() as conn:
        gone = conn.execute(schema.users.delete().where(schema.users.c.email == email)).rowcount
        if not gone:
            raise InputError(f"There is no user {email or '(blank)'}.")
        _audit(conn, by, "user removed", None, {"email": email})


def list_users(store: Store) -> pd.DataFrame:
    """Every user: columns :data:`USER_COLUMNS` (directorates and teams as tuples), sorted by address."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.users).order_by(schema.users.c.email)).all()
    users = [_user(row) for row in rows]
    return pd.DataFrame([(u.email, u.role, u.directorates, u.teams) for u in users], columns=list(USER_COLUMNS))


def _audit(conn: sa.Connection, user_email: str | None, action: str, wave: str | None, detail: dict) -> None:
    conn.execute(schema.audit_log.insert().values(at=now(), user_email=user_email, action=action, wave=wave,
                                                  detail=dumps(detail)))


def record_audit(store: Store, user_email: str | None, action: str, *, wave: str | None = None, **detail) -> None:
    """Write one audit row: now (UTC), who, what (``"sign-in"``, ``"pack downloaded"``…), the wave, and any
    detail (kept as JSON)."""
    if not str(action or "").strip():
        raise InputError("An audit entry needs an action.")
    with store.engine.begin() as conn:
        _audit(conn, user_email, str(action).strip(), wave, detail)


def audit_log(store: Store) -> pd.DataFrame:
    """The audit log, oldest first: columns :data:`AUDIT_COLUMNS` (``detail`` as a dict)."""
    table = schema.audit_log
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.at, table.c.id)).all()
    return pd.DataFrame([(r.at, r.user_email, r.action, r.wave, json.loads(r.detail)) for r in rows],
                        columns=list(AUDIT_COLUMNS))

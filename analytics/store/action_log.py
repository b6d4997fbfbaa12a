"""The action log in the store ("you said, we did"). The fields and their checks are those of
:mod:`analytics.actions` (:data:`~analytics.actions.ACTION_FIELDS`, :func:`~analytics.actions.check_action`);
this module keeps them, with who made and last changed each action and when, and audits every change.

An action is checked against the units of the published waves (their fixed hierarchy) and the codebook of
its wave, unless the caller passes ``units``/``codebook`` (a session previewing unpublished files).
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import sqlalchemy as sa

from analytics import settings
from analytics.actions import ACTION_FIELDS, check_action
from analytics.errors import InputError
from analytics.ingest.codebook import Codebook, load_codebook
from analytics.store import schema
from analytics.store.engine import Store, now
from analytics.store.users import _audit

#: Columns of :func:`actions`.
ACTION_COLUMNS = ("id", *ACTION_FIELDS, "created_by", "created_at", "updated_by", "updated_at")


def hierarchy_units(pairs) -> pd.DataFrame:
    """The unit table (``level``, ``unit``, ``parent``) of a hierarchy given as (directorate, team) pairs:
    each team under its directorate, each directorate, and the organisation."""
    pairs = [(d or "", t) for d, t in pairs]
    rows = [{"level": settings.LEVEL_ORGANISATION, "unit": settings.ORGANISATION_UNIT, "parent": ""}]
    rows += [{"level": settings.LEVEL_DIRECTORATE, "unit": d, "parent": settings.ORGANISATION_UNIT}
             for d in sorted({d for d, _ in pairs if d})]
    rows += [{"level": settings.LEVEL_TEAM, "unit": t, "parent": d} for d, t in sorted(set(pairs))]
    return pd.DataFrame(rows, columns=["level", "unit", "parent"])


def _published_context(conn: sa.Connection, wave: str) -> tuple[pd.DataFrame, Codebook]:
    """The units of the wave's latest published version (every published wave's when the wave is not
    published) and its codebook."""
    v, w = schema.wave_versions, schema.waves
    rows = conn.execute(sa.select(w.c.label, v.c.version, v.c.hierarchy, v.c.codebook_id)
                        .join(w, v.c.wave_id == w.c.id).where(v.c.status == settings.WAVE_PUBLISHED)
                        .order_by(w.c.label, v.c.version)).all()
    if not rows:
        raise InputError("No wave is published yet, so there is no team or directorate to attach an action to. "
                         "Publish a wave first.")
    latest = {row.label: row for row in rows}
    chosen = [latest[wave]] if wave in latest else list(latest.values())
    pairs = [tuple(pair) for row in chosen for pair in json.loads(row.hierarchy)]
    return hierarchy_units(pairs), load_codebook(chosen[-1].codebook_id)


def _checked(conn: sa.Connection, fields: dict, codebook: Codebook | None, units: pd.DataFrame | None) -> dict:
    if codebook is None or units is None:
        found_units, found_book = _published_context(conn, str(fields.get("wave") or "").strip())
        units = found_units if units is None else units
        codebook = found_book if codebook is None else codebook
    out = check_action(fields, codebook, units)
    if not out["wave"]:
        raise InputError("Say which wave's results the action answers.", column="wave")
    out["due"] = dt.date.fromisoformat(out["due"]) if out["due"] else None
    return out


def _by(by: str | None) -> str:
    text = str(by or "").strip().lower()
    if not text:
        raise InputError("Say who is making the change (the signed-in user).")
    return text


def add_action(store: Store, fields: dict, *, by: str, codebook: Codebook | None = None,
               units: pd.DataFrame | None = None) -> int:
    """Add an action (fields :data:`~analytics.actions.ACTION_FIELDS`, checked by
    :func:`~analytics.actions.check_action`); returns its id. Audited as ``action added``."""
    by = _by(by)
    with store.engine.begin() as conn:
        values = _checked(conn, fields, codebook, units)
        at = now()
        new_id = conn.execute(schema.actions.insert().values(
            **values, created_by=by, created_at=at, updated_by=by, updated_at=at)).inserted_primary_key[0]
        _audit(conn, by, "action added", values["wave"], {"action_id": int(new_id), "unit": values["unit"],
                                                           "title": values["title"]})
    return int(new_id)


def _existing(conn: sa.Connection, action_id: int):
    row = conn.execute(sa.select(schema.actions).where(schema.actions.c.id == int(action_id))).first()
    if row is None:
        raise InputError(f"There is no action number {action_id}.")
    return row


def update_action(store: Store, action_id: int, fields: dict, *, by: str, codebook: Codebook | None = None,
                  units: pd.DataFrame | None = None) -> None:
    """Change some fields of an action (the others keep their values; the whole action is checked again).
    Audited as ``action updated`` with the fields changed."""
    by = _by(by)
    with store.engine.begin() as conn:
        row = _existing(conn, action_id)
        current = {name: getattr(row, name) for name in ACTION_FIELDS}
        merged = {**current, **{k: v for k, v in fields.items() if k in ACTION_FIELDS}}
        values = _checked(conn, merged, codebook, units)
        changed = sorted(name for name in ACTION_FIELDS if values[name] != current[name])
        conn.execute(schema.actions.update().where(schema.actions.c.id == int(action_id))
                     .values(**values, updated_by=by, updated_at=now()))
        _audit(conn, by, "action updated", values["wave"], {"action_id": int(action_id), "changed": changed})


def delete_action(store: Store, action_id: int, *, by: str) -> None:
    """Delete an action; audited as ``action deleted`` with its title."""
    by = _by(by)
    with store.engine.begin() as conn:
        row = _existing(conn, action_id)
        conn.execute(schema.actions.delete().where(schema.actions.c.id == int(action_id)))
        _audit(conn, by, "action deleted", row.wave, {"action_id": int(action_id), "unit": row.unit,
                                                       "title": row.title})


def actions(store: Store, *, level: str | None = None, unit: str | None = None,
            parent: str | None = None) -> pd.DataFrame:
    """The actions (all, or of one level / unit / parent): columns :data:`ACTION_COLUMNS`, ``due`` an ISO
    date text or None, sorted by unit, wave and id."""
    table = schema.actions
    query = sa.select(*[table.c[name] for name in ACTION_COLUMNS])
    for column, value in (("level", level), ("unit", unit), ("parent", parent)):
        if value is not None:
            query = query.where(table.c[column] == value)
    with store.engine.connect() as conn:
        rows = conn.execute(query.order_by(table.c.unit, table.c.wave, table.c.id)).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(ACTION_COLUMNS))
    frame["due"] = [d.isoformat() if isinstance(d, dt.date) else None for d in frame["due"]]
    return frame

"""Publishing waves to the store, and reading them back as a :class:`~analytics.dataset.DatasetSpec`.

A publication stores, per survey wave of the files, a new *version* of that wave: the canonical files of
:mod:`analytics.store.canonical` (gzip), its canonical mappings and codebook, the digests of the files
published, the threshold k, the unit hierarchy, who published it and when. The HR files (canonical too)
are stored with the version of the latest wave of the publication. Users see, for each wave, its latest
version unless the wave is withdrawn; older versions stay readable by number (for audit). Deleting a wave
removes every version with its data. Every publish, withdrawal and deletion is audited.

:func:`load_published` rebuilds a spec whose :func:`~analytics.dataset.load_dataset` gives exactly the figures
of the files published (tests/test_store_waves.py), marked :class:`~analytics.dataset.PublishedWave` so that
k cannot be lowered below the published k.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import pandas as pd
import sqlalchemy as sa

from analytics import settings
from analytics.dataset import DatasetSpec, FilePayload, PublishedWave
from analytics.errors import InputError
from analytics.hr import HRPeriod, LeaverDefinition
from analytics.survey.privacy import check_min_group_size
from analytics.store import schema
from analytics.store.canonical import (CanonicalFile, canonical_hr, canonical_survey, check_publishable, gunzip_bytes,
                                       gzip_bytes)
from analytics.store.engine import Store, dumps, now
from analytics.store.users import _audit

#: Columns of :func:`published_waves`.
WAVE_COLUMNS = ("wave", "version", "status", "k", "published_by", "published_at", "respondents")


# ------------------------------------------------------------------------------------------------
# Organisations
# ------------------------------------------------------------------------------------------------
def _organisation(conn: sa.Connection, name: str) -> sa.Row | None:
    table = schema.organisations
    return conn.execute(sa.select(table).where(table.c.name == name)).first()


def set_organisation_k(store: Store, name: str, k: int, *, by: str | None = None) -> int:
    """Set an organisation's anonymity threshold (made if new); every later publication uses at least this.
    Audited as ``threshold set``. :class:`InputError` when k is below 5."""
    k = check_min_group_size(k)
    name = str(name or "").strip() or settings.DEFAULT_ORGANISATION_NAME
    with store.engine.begin() as conn:
        row = _organisation(conn, name)
        if row is None:
            conn.execute(schema.organisations.insert().values(name=name, k=k))
        else:
            conn.execute(schema.organisations.update().where(schema.organisations.c.id == row.id).values(k=k))
        _audit(conn, by, "threshold set", None, {"organisation": name, "k": k, "old_k": row.k if row else None})
    return k


def _publication_k(conn: sa.Connection, name: str, k: int | None) -> tuple[int, int]:
    """(organisation id, k): the organisation's threshold unless a higher k is asked for; made if new."""
    row = _organisation(conn, name)
    if row is None:
        k = check_min_group_size(settings.DEFAULT_MIN_GROUP_SIZE if k is None else k)
        new_id = conn.execute(schema.organisations.insert().values(name=name, k=k)).inserted_primary_key[0]
        return int(new_id), k
    k = row.k if k is None else check_min_group_size(k)
    if k < row.k:
        raise InputError(f"{name}'s anonymity threshold is {row.k}; a wave cannot be published with a lower one "
                         f"({k}).")
    return int(row.id), k


# ------------------------------------------------------------------------------------------------
# Publishing
# ------------------------------------------------------------------------------------------------
def _options(spec: DatasetSpec) -> dict:
    """The HR choices the stored HR files are read with."""
    return {"hr_team_col": spec.hr_team_col,
            "hr_period": {k: (None if v is None else str(v.date())) for k, v in asdict(spec.hr_period).items()},
            "leaver_definition": asdict(spec.leaver_definition),
            "unit_map_csv": spec.unit_map_csv.decode("utf-8") if spec.unit_map_csv is not None else None}


def _new_version(conn: sa.Connection, label: str, organisation_id: int, k: int) -> int:
    w, v = schema.waves, schema.wave_versions
    row = conn.execute(sa.select(w).where(w.c.label == label)).first()
    if row is None:
        return int(conn.execute(w.insert().values(label=label, organisation_id=organisation_id))
                   .inserted_primary_key[0]), 1
    if row.organisation_id != organisation_id:
        raise InputError(f"Wave {label} is already published for another organisation; delete it there first.")
    last = conn.execute(sa.select(v.c.version, v.c.k).where(v.c.wave_id == row.id).order_by(v.c.version.desc())).first()
    if last is not None and k < last.k:
        raise InputError(f"Wave {label} was published with an anonymity threshold of {last.k}; it cannot be lowered "
                         f"(asked for {k}).")
    return int(row.id), (last.version + 1 if last is not None else 1)


def publish(store: Store, spec: DatasetSpec, *, by: str, k: int | None = None,
            organisation: str | None = None) -> list[PublishedWave]:
    """Publish the spec's survey waves (and HR files): one new version per wave (module docstring).

    ``k`` defaults to the organisation's threshold (:func:`set_organisation_k`; 11 for a new organisation);
    a lower k, or one below 5, is refused, as is a k lower than the wave's previous version's. Published
    results files (one row per unit) cannot be published. Returns the versions made, oldest wave first.
    """
    by = str(by or "").strip().lower()
    if not by:
        raise InputError("Say who publishes the wave (an e-mail address).")
    check_publishable(spec)
    if k is not None:
        k = check_min_group_size(k)
    name = str(organisation or "").strip() or settings.DEFAULT_ORGANISATION_NAME
    parts = canonical_survey(spec)
    hr = canonical_hr(spec, store.salt)
    digests = {p.name: p.digest for p in (*spec.survey_files, spec.staff_file, spec.absence_file) if p is not None}
    options = _options(spec)
    by_wave: dict[str, list[CanonicalFile]] = {}
    for part in parts:
        by_wave.setdefault(part.wave, []).append(part)
    made = []
    with store.engine.begin() as conn:
        organisation_id, k = _publication_k(conn, name, k)
        latest = sorted(by_wave)[-1]
        for label in sorted(by_wave):
            files = by_wave[label] + (hr if label == latest else [])
            made.append(_store_version(conn, label, files, organisation_id, k, name, by, digests, options))
    return made


def _store_version(conn, label, files, organisation_id, k, organisation, by, digests, options) -> PublishedWave:
    wave_id, number = _new_version(conn, label, organisation_id, k)
    surveys = [f for f in files if f.role == "survey"]
    hierarchy = tuple(sorted({pair for f in surveys for pair in f.hierarchy}))
    respondents = sum(f.respondents for f in surveys)
    version_id = conn.execute(schema.wave_versions.insert().values(
        wave_id=wave_id, version=number, status=settings.WAVE_PUBLISHED, k=k, hierarchy=dumps(hierarchy),
        mapping=dumps({f.name: f.mapping_json for f in surveys}), codebook_id=_codebook_id(surveys),
        digests=dumps(digests), options=dumps(options), respondents=respondents,
        published_by=by, published_at=now())).inserted_primary_key[0]
    conn.execute(schema.wave_files.insert(), [
        {"version_id": version_id, "role": f.role, "name": f.name, "content": gzip_bytes(f.content),
         "digest": f.digest} for f in files])
    _audit(conn, by, "wave published", label, {"version": number, "k": k, "organisation": organisation,
                                                "respondents": respondents, "files": sorted(digests)})
    return PublishedWave(wave=label, version=number, k=k, organisation=organisation, hierarchy=hierarchy,
                         waves=((label, number),))


def _codebook_id(surveys: list[CanonicalFile]) -> str:
    return json.loads(surveys[0].mapping_json).get("codebook", "") if surveys else ""


# ------------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------------
def _versions(conn: sa.Connection) -> pd.DataFrame:
    w, v, o = schema.waves, schema.wave_versions, schema.organisations
    query = (sa.select(v.c.id, w.c.label.label("wave"), v.c.version, v.c.status, v.c.k, v.c.published_by,
                       v.c.published_at, v.c.respondents, v.c.hierarchy, v.c.mapping, v.c.options,
                       o.c.name.label("organisation"))
             .join(w, v.c.wave_id == w.c.id).join(o, w.c.organisation_id == o.c.id).order_by(w.c.label, v.c.version))
    rows = conn.execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=[c.name for c in query.selected_columns])


def published_waves(store: Store) -> pd.DataFrame:
    """Every version of every wave: columns :data:`WAVE_COLUMNS` (``respondents``: survey rows stored),
    sorted by wave and version."""
    with store.engine.connect() as conn:
        return _versions(conn)[list(WAVE_COLUMNS)].reset_index(drop=True)


def _visible(versions: pd.DataFrame) -> pd.DataFrame:
    """Each wave's latest version, for waves not withdrawn."""
    latest = versions.groupby("wave", sort=True).tail(1)
    return latest[latest["status"] == settings.WAVE_PUBLISHED]


def _chosen(versions: pd.DataFrame, wave: str | None, version: int | None) -> pd.DataFrame:
    if versions.empty:
        raise InputError("No wave is published yet. Publish one first (python -m analytics publish ...).")
    if wave is None:
        if version is not None:
            raise InputError("Name the wave whose version you want (--wave).")
        chosen = _visible(versions)
        if chosen.empty:
            raise InputError("Every published wave is withdrawn; publish a wave again to show it.")
        return chosen
    wave = str(wave).strip()
    rows = versions[versions["wave"] == wave]
    if rows.empty:
        known = ", ".join(sorted(versions["wave"].unique()))
        raise InputError(f"There is no published wave {wave!r}; the store holds: {known}.")
    if version is None:
        rows = rows.tail(1)
        if rows.iloc[0]["status"] != settings.WAVE_PUBLISHED:
            raise InputError(f"Wave {wave} is withdrawn; publish it again, or name an old version for audit.")
        return rows
    rows = rows[rows["version"] == int(version)]
    if rows.empty:
        raise InputError(f"Wave {wave} has no version {version}.")
    return rows


def _files(conn: sa.Connection, version_ids: list[int]) -> pd.DataFrame:
    f = schema.wave_files
    rows = conn.execute(sa.select(f.c.version_id, f.c.role, f.c.name, f.c.content)
                        .where(f.c.version_id.in_(version_ids)).order_by(f.c.version_id, f.c.id)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["version_id", "role", "name", "content"])


def _hr_version(versions: pd.DataFrame, chosen: pd.DataFrame, conn: sa.Connection) -> pd.DataFrame:
    """The version whose HR files are read: the latest chosen version that has some, else the most recently
    published visible version that has some (none: an empty frame)."""
    f = schema.wave_files
    with_hr = {r.version_id for r in conn.execute(sa.select(f.c.version_id).where(f.c.role == "staff")).all()}
    for candidates in (chosen, _visible(versions).sort_values("published_at", kind="stable")):
        rows = candidates[candidates["id"].isin(with_hr)]
        if len(rows):
            return rows.tail(1)
    return chosen.iloc[0:0]


def _marker(chosen: pd.DataFrame) -> PublishedWave:
    """The spec's marker: the latest chosen wave and version, the highest k, the union of the hierarchies."""
    last = chosen.iloc[-1]
    return PublishedWave(
        wave=str(last["wave"]), version=int(last["version"]), k=int(chosen["k"].max()),
        organisation=str(last["organisation"]),
        hierarchy=tuple(sorted({tuple(p) for h in chosen["hierarchy"] for p in json.loads(h)})),
        waves=tuple((str(r.wave), int(r.version)) for r in chosen.itertuples()))


def _hr_choices(options: dict) -> dict:
    """The DatasetSpec fields of the HR choices stored with a version."""
    unit_map = options.get("unit_map_csv")
    return {"hr_team_col": options.get("hr_team_col"), "hr_period": HRPeriod.of(**options.get("hr_period", {})),
            "leaver_definition": LeaverDefinition(**options.get("leaver_definition", {})),
            "unit_map_csv": unit_map.encode("utf-8") if unit_map is not None else None}


def _survey_mappings(chosen: pd.DataFrame, names: list[str]) -> dict:
    """One mapping for every part when they are the same (the usual case: one pass of the pipeline), else
    each part's own."""
    mappings = {name: text for m in chosen["mapping"] for name, text in json.loads(m).items()}
    own = tuple(mappings[name] for name in names)
    shared = own[0] if own and len(set(own)) == 1 else None
    return {"mapping_json": shared, "mappings_json": () if shared else own}


def load_published(store: Store, wave: str | None = None, version: int | None = None) -> DatasetSpec:
    """A spec of the published data: every visible wave (each its latest version) or one wave (its latest
    version, or ``version``), with the HR files published with them (else with the latest publication that
    had some). ``load_dataset(spec, min_group_size=k)`` gives the figures of the files published; a k below the
    published one is refused. :class:`InputError` for an empty store, an unknown or withdrawn wave."""
    with store.engine.connect() as conn:
        versions = _versions(conn)
        chosen = _chosen(versions, wave, version)
        hr_row = _hr_version(versions, chosen, conn)
        files = _files(conn, sorted({int(i) for i in (*chosen["id"], *hr_row["id"])}))
    surveys = files[(files["role"] == "survey") & files["version_id"].isin(chosen["id"])]
    hr_files = files[files["role"].isin(["staff", "absence"]) & files["version_id"].isin(hr_row["id"])]
    payload = {r.role: FilePayload(r.name, gunzip_bytes(r.content)) for r in hr_files.itertuples()}
    options = json.loads((hr_row if len(hr_row) else chosen).iloc[-1]["options"])
    marker = _marker(chosen)
    waves_text = ", ".join(f"{w} (version {v})" for w, v in marker.waves)
    return DatasetSpec(
        label=f"{marker.organisation}: published {waves_text}",
        survey_files=tuple(FilePayload(r.name, gunzip_bytes(r.content)) for r in surveys.itertuples()),
        **_survey_mappings(chosen, surveys["name"].tolist()),
        staff_file=payload.get("staff"), absence_file=payload.get("absence"), **_hr_choices(options),
        published=marker)


# ------------------------------------------------------------------------------------------------
# Withdrawing and deleting
# ------------------------------------------------------------------------------------------------
def _wave_id(conn: sa.Connection, wave: str) -> int:
    row = conn.execute(sa.select(schema.waves.c.id).where(schema.waves.c.label == str(wave).strip())).first()
    if row is None:
        raise InputError(f"There is no published wave {wave!r}.")
    return int(row.id)


def withdraw_wave(store: Store, wave: str, *, by: str | None = None) -> None:
    """Hide a wave from users: every published version of it becomes withdrawn (kept for audit; publishing
    it again makes a new, visible version). Audited as ``wave withdrawn``."""
    v = schema.wave_versions
    with store.engine.begin() as conn:
        wave_id = _wave_id(conn, wave)
        changed = conn.execute(v.update().where(v.c.wave_id == wave_id, v.c.status == settings.WAVE_PUBLISHED)
                               .values(status=settings.WAVE_WITHDRAWN, withdrawn_by=by, withdrawn_at=now())).rowcount
        if not changed:
            raise InputError(f"Wave {wave} is already withdrawn.")
        _audit(conn, by, "wave withdrawn", str(wave).strip(), {"versions": int(changed)})


def delete_wave(store: Store, wave: str, *, by: str | None = None) -> None:
    """Delete a wave, every version and all its stored data. Audited as ``wave deleted``."""
    v, f = schema.wave_versions, schema.wave_files
    with store.engine.begin() as conn:
        wave_id = _wave_id(conn, wave)
        ids = sa.select(v.c.id).where(v.c.wave_id == wave_id)
        files = conn.execute(f.delete().where(f.c.version_id.in_(ids))).rowcount
        versions = conn.execute(v.delete().where(v.c.wave_id == wave_id)).rowcount
        conn.execute(schema.waves.delete().where(schema.waves.c.id == wave_id))
        _audit(conn, by, "wave deleted", str(wave).strip(), {"versions": int(versions), "files": int(files)})

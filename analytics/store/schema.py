"""The tables of the store (SQLAlchemy Core). The Alembic revisions in ``migrations/versions`` create and change
them; this module describes the current shape for queries.

Times are UTC (naive ``DateTime`` columns hold UTC: SQLite has no time zones). JSON is kept as text, the
same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (Column, Date, DateTime, ForeignKey, Integer, LargeBinary, MetaData, String, Table, Text,
                        UniqueConstraint)

metadata = MetaData()

#: An organisation and its anonymity threshold (k, never below 5).
organisations = Table(
    "organisations", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("k", Integer, nullable=False),
)

#: A survey wave of an organisation ("2025"); its versions hold the data.
waves = Table(
    "waves", metadata,
    Column("id", Integer, primary_key=True),
    Column("label", String(100), nullable=False, unique=True),
    Column("organisation_id", Integer, ForeignKey("organisations.id"), nullable=False),
)

#: One publication of a wave. The latest published version is what users see; older versions stay readable.
wave_versions = Table(
    "wave_versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("wave_id", Integer, ForeignKey("waves.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("k", Integer, nullable=False),
    #: JSON: [[directorate, team], ...] — the unit hierarchy fixed at publication.
    Column("hierarchy", Text, nullable=False),
    #: JSON: the canonical mapping of the stored answers file.
    Column("mapping", Text, nullable=False),
    Column("codebook_id", String(100), nullable=False),
    #: JSON: {original file name: sha256} of the files published.
    Column("digests", Text, nullable=False),
    #: JSON: the HR choices (team column, period, leaver definition) that the stored HR files are read with.
    Column("options", Text, nullable=False),
    Column("respondents", Integer, nullable=False),
    Column("published_by", String(320), nullable=False),
    Column("published_at", DateTime, nullable=False),
    Column("withdrawn_by", String(320)),
    Column("withdrawn_at", DateTime),
    UniqueConstraint("wave_id", "version", name="uq_wave_version"),
)

#: The stored data of a version: canonical files, gzip-compressed.
wave_files = Table(
    "wave_files", metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", Integer, ForeignKey("wave_versions.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("digest", String(64), nullable=False),
)

#: Who may sign in, and what they may see. ``scope``: JSON {"directorates": [...], "teams": [...]}.
users = Table(
    "users", metadata,
    Column("email", String(320), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("scope", Text, nullable=False),
)

#: Who did what and when. ``detail``: JSON.
audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("user_email", String(320)),
    Column("action", String(100), nullable=False),
    Column("wave", String(100)),
    Column("detail", Text, nullable=False),
)

#: The action log ("you said, we did"): fields as :data:`analytics.actions.ACTION_FIELDS`.
actions = Table(
    "actions", metadata,
    Column("id", Integer, primary_key=True),
    Column("level", String(20), nullable=False),
    Column("parent", String(200), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("wave", String(100), nullable=False),
    Column("addresses", String(100), nullable=False),
    Column("title", String(200), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("due", Date),
    Column("status", String(20), nullable=False),
    Column("notes", Text, nullable=False),
    Column("created_by", String(320), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_by", String(320), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

#: One row: this installation's random salt (pseudonymised employee numbers are HMACs keyed by it).
installation = Table(
    "installation", metadata,
    Column("id", Integer, primary_key=True),
    Column("salt", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

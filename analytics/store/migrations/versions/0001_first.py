"""The first shape of the store: organisations, waves and their versions and files, users, the audit log,
the action log and the installation's salt.

Revision ID: 0001_first
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_first"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("k", sa.Integer, nullable=False),
    )
    op.create_table(
        "waves",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("label", sa.String(100), nullable=False, unique=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
    )
    op.create_table(
        "wave_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("wave_id", sa.Integer, sa.ForeignKey("waves.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("k", sa.Integer, nullable=False),
        sa.Column("hierarchy", sa.Text, nullable=False),
        sa.Column("mapping", sa.Text, nullable=False),
        sa.Column("codebook_id", sa.String(100), nullable=False),
        sa.Column("digests", sa.Text, nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("respondents", sa.Integer, nullable=False),
        sa.Column("published_by", sa.String(320), nullable=False),
        sa.Column("published_at", sa.DateTime, nullable=False),
        sa.Column("withdrawn_by", sa.String(320)),
        sa.Column("withdrawn_at", sa.DateTime),
        sa.UniqueConstraint("wave_id", "version", name="uq_wave_version"),
    )
    op.create_table(
        "wave_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("wave_versions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
    )
    op.create_index("ix_wave_files_version", "wave_files", ["version_id"])
    op.create_table(
        "users",
        sa.Column("email", sa.String(320), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("user_email", sa.String(320)),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("wave", sa.String(100)),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("parent", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("wave", sa.String(100), nullable=False),
        sa.Column("addresses", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("due", sa.Date),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(320), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "installation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("installation", "actions", "audit_log", "users", "wave_files", "wave_versions", "waves",
                  "organisations"):
        op.drop_table(table)

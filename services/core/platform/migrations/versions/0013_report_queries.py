"""report_queries: the conversation about a queried report (the official's query, the company's answers with
their documents) and the earlier versions of a corrected report

Revision ID: 0013_report_queries
Revises: 0001
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import services.core.platform.tables

revision = "0013_report_queries"
down_revision = "0001"
branch_labels = None
depends_on = "0002_follow_up"


def upgrade() -> None:
    op.create_table(
        "report_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("report_kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("corrected", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("attachment_ids", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_report_messages_application_id_applications")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_report_messages_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_messages")),
    )
    with op.batch_alter_table("report_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_messages_application_id"), ["application_id"], unique=False)
        batch_op.create_index("ix_report_messages_report", ["report_kind", "report_id"], unique=False)
    op.create_table(
        "report_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("report_kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("replaced_by", sa.Integer(), nullable=False),
        sa.Column("replaced_at", services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_report_versions_application_id_applications")),
        sa.ForeignKeyConstraint(["replaced_by"], ["users.id"], name=op.f("fk_report_versions_replaced_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_versions")),
        sa.UniqueConstraint("report_kind", "report_id", "version", name="uq_report_versions_version"),
    )
    with op.batch_alter_table("report_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_versions_application_id"), ["application_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_versions_application_id"))
    op.drop_table("report_versions")
    with op.batch_alter_table("report_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_report_messages_report")
        batch_op.drop_index(batch_op.f("ix_report_messages_application_id"))
    op.drop_table("report_messages")

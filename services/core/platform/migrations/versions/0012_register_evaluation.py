"""register_evaluation: each government's confirmation of its applications in a joint filing round, and the
yearly evaluation's figures entered by the secretariat (the public register itself reads the event log)

Revision ID: 0012_register_evaluation
Revises: 0001
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import services.core.platform.tables

revision = "0012_register_evaluation"
down_revision = "0001"
branch_labels = None
depends_on = "0003_documents"  # filing_rounds comes from there


def upgrade() -> None:
    op.create_table(
        "filing_round_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("government", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("application_ids", sa.JSON(), nullable=False),
        sa.Column("confirmed_by", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["confirmed_by"], ["users.id"],
                                name=op.f("fk_filing_round_confirmations_confirmed_by_users")),
        sa.ForeignKeyConstraint(["round_id"], ["filing_rounds.id"],
                                name=op.f("fk_filing_round_confirmations_round_id_filing_rounds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filing_round_confirmations")),
        sa.UniqueConstraint("round_id", "government", name="uq_filing_round_confirmations_round_gov"),
    )
    with op.batch_alter_table("filing_round_confirmations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_filing_round_confirmations_round_id"), ["round_id"], unique=False)
    op.create_table(
        "evaluation_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("target_no", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("entered_by", sa.Integer(), nullable=False),
        sa.Column("entered_at", services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entered_by"], ["users.id"], name=op.f("fk_evaluation_figures_entered_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_figures")),
        sa.UniqueConstraint("fiscal_year", "label", name="uq_evaluation_figures_fiscal_year_label"),
    )
    with op.batch_alter_table("evaluation_figures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_figures_fiscal_year"), ["fiscal_year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evaluation_figures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_figures_fiscal_year"))
    op.drop_table("evaluation_figures")
    with op.batch_alter_table("filing_round_confirmations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_filing_round_confirmations_round_id"))
    op.drop_table("filing_round_confirmations")

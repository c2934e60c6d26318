"""recorded submission: the API may record a submission in its own transaction and then start the workflow
from it (TOKKU_INTAKE_MODE=api_transaction, issue 16); the status row keeps the workflow's start input and
whether its start is still to be confirmed, so the worker's sweep can start what the API did not

Revision ID: 0014_recorded_submission
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_recorded_submission"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("application_status", schema=None) as batch_op:
        batch_op.add_column(sa.Column("start_input", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("start_pending", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f("ix_application_status_start_pending"), ["start_pending"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("application_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_status_start_pending"))
        batch_op.drop_column("start_pending")
        batch_op.drop_column("start_input")

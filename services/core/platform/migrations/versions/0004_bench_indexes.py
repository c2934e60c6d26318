"""bench indexes: the inbox reads each step's rows in due order, so its pages cost the same at any size

Revision ID: 0004_bench_indexes
Revises: 0001
"""
from alembic import op

revision = "0004_bench_indexes"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("application_status", schema=None) as batch_op:
        batch_op.create_index("ix_application_status_status_due", ["status", "step_due_at", "application_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("application_status", schema=None) as batch_op:
        batch_op.drop_index("ix_application_status_status_due")

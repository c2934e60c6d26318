"""acquisition reports name the building they belong to (the tax measure's ¥100M minimum applies to one
building with its attachments and structures together)

Revision ID: 0007_acquisition_building
Revises: 0002_follow_up
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007_acquisition_building"
down_revision = "0002_follow_up"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("acquisition_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("building_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("acquisition_reports", schema=None) as batch_op:
        batch_op.drop_column("building_name")

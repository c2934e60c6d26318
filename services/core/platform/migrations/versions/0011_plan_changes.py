"""plan changes: versions in force, changes proposed after designation, the events of a change's workflow

Revision ID: 0011_plan_changes
Revises: 0001

docs/plan-changes.md. plan_change_events is the audit trail of a change's workflow: append-only in the
database itself, like events.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import services.core.platform.tables

revision = "0011_plan_changes"
down_revision = "0001"
branch_labels = None
depends_on = None

EVENTS = "plan_change_events"


def upgrade() -> None:
    op.create_table(
        "plan_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=False),
        sa.Column("proposed", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("field_changes", sa.JSON(), nullable=False),
        sa.Column("classification", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("minor", sa.Boolean(), nullable=True),
        sa.Column("classified_by", sa.Integer(), nullable=True),
        sa.Column("classification_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("current_step", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("returned_from", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("workflow_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_plan_changes_application_id_applications")),
        sa.ForeignKeyConstraint(["classified_by"], ["users.id"], name=op.f("fk_plan_changes_classified_by_users")),
        sa.ForeignKeyConstraint(["proposed_by"], ["users.id"], name=op.f("fk_plan_changes_proposed_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_changes")),
        sa.UniqueConstraint("proposed_by", "idempotency_key", name="uq_plan_changes_proposed_by_idempotency_key"),
    )
    with op.batch_alter_table("plan_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_changes_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_changes_status"), ["status"], unique=False)

    op.create_table(
        EVENTS,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_change_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_username", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("actor_role", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status_after", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("occurred_at", services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_change_id"], ["plan_changes.id"],
                                name=op.f("fk_plan_change_events_plan_change_id_plan_changes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_change_events")),
        sa.UniqueConstraint("plan_change_id", "seq", name="uq_plan_change_events_change_seq"),
    )
    with op.batch_alter_table(EVENTS, schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_change_events_plan_change_id"), ["plan_change_id"], unique=False)

    op.create_table(
        "versions_in_force",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("basis", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("plan_change_id", sa.Integer(), nullable=True),
        sa.Column("designation", sa.JSON(), nullable=False),
        sa.Column("in_force_from", services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_versions_in_force_application_id_applications")),
        sa.ForeignKeyConstraint(["plan_change_id"], ["plan_changes.id"],
                                name=op.f("fk_versions_in_force_plan_change_id_plan_changes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions_in_force")),
        sa.UniqueConstraint("application_id", "version", name="uq_versions_in_force_app_version"),
    )
    with op.batch_alter_table("versions_in_force", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_versions_in_force_application_id"), ["application_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {EVENTS}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{EVENTS} is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
            END $$""")
        op.execute(f"CREATE TRIGGER {EVENTS}_append_only BEFORE UPDATE OR DELETE ON {EVENTS} "
                   f"FOR EACH ROW EXECUTE FUNCTION {EVENTS}_append_only()")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {EVENTS}_no_{action.lower()} BEFORE {action} ON {EVENTS} "
                       f"BEGIN SELECT RAISE(ABORT, '{EVENTS} is append-only: {action} refused'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {EVENTS}_append_only ON {EVENTS}")
        op.execute(f"DROP FUNCTION IF EXISTS {EVENTS}_append_only()")
    with op.batch_alter_table("versions_in_force", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_versions_in_force_application_id"))
    op.drop_table("versions_in_force")
    with op.batch_alter_table(EVENTS, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_change_events_plan_change_id"))
    op.drop_table(EVENTS)
    with op.batch_alter_table("plan_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_changes_status"))
        batch_op.drop_index(batch_op.f("ix_plan_changes_application_id"))
    op.drop_table("plan_changes")

"""accounts: company sign-up, invitations, password reset, second factor, sessions that can be ended, audit

Revision ID: 0009_accounts
Revises: 0006_reliability

Organisations get an address and can be disabled; users get the company-administrator flag, the token
version that ends their sessions, a TOTP second factor and an OpenID Connect subject. New tables: the
single-use links sent by mail, recovery codes, and the account events, which the database keeps append-only
as it does the application events (0006_reliability).
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import services.core.platform.tables

revision = "0009_accounts"
down_revision = "0006_reliability"
branch_labels = None
depends_on = None

APPEND_ONLY = "account_events"


def upgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_company_admin", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("totp_secret", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("totp_last_counter", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("oidc_subject", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_oidc_subject"), ["oidc_subject"])
    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("payload", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("totp_secret", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("expires_at", services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", services.core.platform.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_account_links_created_by_users")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_account_links_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_links_token_hash")),
    )
    with op.batch_alter_table("account_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_links_user_id"), ["user_id"], unique=False)
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("used_at", services.core.platform.tables.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_codes_user_id"), ["user_id"], unique=False)
    op.create_table(
        "account_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("client_ip", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_events")),
    )
    with op.batch_alter_table("account_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_events_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_events_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_events_user_id"), ["user_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {APPEND_ONLY}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{APPEND_ONLY} is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
            END $$""")
        op.execute(f"CREATE TRIGGER {APPEND_ONLY}_append_only BEFORE UPDATE OR DELETE ON {APPEND_ONLY} "
                   f"FOR EACH ROW EXECUTE FUNCTION {APPEND_ONLY}_append_only()")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {APPEND_ONLY}_no_{action.lower()} BEFORE {action} ON {APPEND_ONLY} "
                       f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY} is append-only: {action} refused'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {APPEND_ONLY}_append_only ON {APPEND_ONLY}")
        op.execute(f"DROP FUNCTION IF EXISTS {APPEND_ONLY}_append_only()")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {APPEND_ONLY}_no_{action}")
    with op.batch_alter_table("account_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_events_user_id"))
        batch_op.drop_index(batch_op.f("ix_account_events_organization_id"))
        batch_op.drop_index(batch_op.f("ix_account_events_kind"))
    op.drop_table("account_events")
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_codes_user_id"))
    op.drop_table("recovery_codes")
    with op.batch_alter_table("account_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_links_user_id"))
    op.drop_table("account_links")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_oidc_subject"), type_="unique")
        batch_op.drop_column("oidc_subject")
        batch_op.drop_column("totp_last_counter")
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("token_version")
        batch_op.drop_column("is_company_admin")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("is_active")
        batch_op.drop_column("address")

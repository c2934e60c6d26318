"""loans: subsidised loans (国際戦略総合特区支援利子補給金), their append-only event log and the ledger per
fiscal year; notifications may concern a loan instead of an application

Revision ID: 0010_loans
Revises: 0006_reliability

loan_events refuses UPDATE and DELETE in the database itself, like events (0006_reliability).
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import services.core.platform.tables

revision = "0010_loans"
down_revision = "0006_reliability"
branch_labels = None
depends_on = "0002_follow_up"  # notifications comes from there (one dependency: alembic merges on two)

APPEND_ONLY = ("loan_events",)


def upgrade() -> None:
    op.create_table('loans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lender_organization_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('borrower_corporate_number', sqlmodel.sql.sqltypes.AutoString(length=13), nullable=False),
    sa.Column('borrower_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('plan_project', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('principal_jpy', sa.BigInteger(), nullable=False),
    sa.Column('first_drawdown_on', sa.Date(), nullable=False),
    sa.Column('interest_rate_millipercent', sa.Integer(), nullable=False),
    sa.Column('subsidy_rate_millipercent', sa.Integer(), nullable=False),
    sa.Column('business_area', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('zone_area_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('government', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('current_step', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('reached_cabinet_office', sa.Boolean(), nullable=False),
    sa.Column('contracted_on', sa.Date(), nullable=True),
    sa.Column('contract_fiscal_year', sa.Integer(), nullable=True),
    sa.Column('contract_total_jpy', sa.BigInteger(), nullable=True),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_loans_created_by_users')),
    sa.ForeignKeyConstraint(['lender_organization_id'], ['organizations.id'], name=op.f('fk_loans_lender_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loans'))
    )
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loans_government'), ['government'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_lender_organization_id'), ['lender_organization_id'], unique=False)
        batch_op.create_index('ix_loans_status_step', ['status', 'current_step'], unique=False)

    op.create_table('loan_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_username', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('actor_role', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status_after', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('occurred_at', services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_events_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_events')),
    sa.UniqueConstraint('loan_id', 'seq', name='uq_loan_events_loan_seq')
    )
    with op.batch_alter_table('loan_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_events_loan_id'), ['loan_id'], unique=False)

    op.create_table('loan_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('claim_due_at', services.core.platform.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deadline_state', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('eligible_days', sa.Integer(), nullable=True),
    sa.Column('average_balance_jpy', sa.BigInteger(), nullable=True),
    sa.Column('interest_paid_jpy', sa.BigInteger(), nullable=True),
    sa.Column('subsidy_rate_millipercent', sa.Integer(), nullable=True),
    sa.Column('subsidy_due_jpy', sa.BigInteger(), nullable=True),
    sa.Column('claimed_jpy', sa.BigInteger(), nullable=True),
    sa.Column('claimed_at', services.core.platform.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_jpy', sa.BigInteger(), nullable=True),
    sa.Column('approved_at', services.core.platform.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_jpy', sa.BigInteger(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('rule_findings', sa.JSON(), nullable=False),
    sa.Column('updated_at', services.core.platform.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_ledger_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_ledger')),
    sa.UniqueConstraint('loan_id', 'fiscal_year', name='uq_loan_ledger_loan_year')
    )
    with op.batch_alter_table('loan_ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_ledger_loan_id'), ['loan_id'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('loan_id', sa.Integer(), nullable=True))
        batch_op.alter_column('application_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_notifications_loan_id'), ['loan_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_loan_id_loans'), 'loans', ['loan_id'], ['id'])
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "postgresql":
            op.execute(f"""
                CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
                END $$""")
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
        else:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
        else:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_loan_id_loans'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notifications_loan_id'))
        batch_op.alter_column('application_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('loan_id')

    with op.batch_alter_table('loan_ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_ledger_loan_id'))

    op.drop_table('loan_ledger')
    with op.batch_alter_table('loan_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_events_loan_id'))

    op.drop_table('loan_events')
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_index('ix_loans_status_step')
        batch_op.drop_index(batch_op.f('ix_loans_lender_organization_id'))
        batch_op.drop_index(batch_op.f('ix_loans_government'))

    op.drop_table('loans')

"""Initial schema: every table of the service as `create_all` made it before migrations existed.

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-05 07:26:05.678020
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agent',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('team', sa.String(), nullable=False),
    sa.Column('skills', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('languages', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('channels', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('refund_limit', sa.Float(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('apikey',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('key_hash', sa.String(), nullable=False),
    sa.Column('scopes', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('auditentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.String(), nullable=False),
    sa.Column('actor_role', sa.String(), nullable=False),
    sa.Column('customer_id', sa.String(), nullable=True),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('purpose', sa.String(), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('request_id', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditentry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditentry_customer_id'), ['customer_id'], unique=False)

    op.create_table('customer',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(), nullable=True),
    sa.Column('email', sa.String(), nullable=True),
    sa.Column('phone', sa.String(), nullable=True),
    sa.Column('date_of_birth', sa.String(), nullable=True),
    sa.Column('address', sa.String(), nullable=True),
    sa.Column('account_number', sa.String(), nullable=True),
    sa.Column('segment', sa.String(), nullable=False),
    sa.Column('tenure_months', sa.Integer(), nullable=False),
    sa.Column('lifetime_value', sa.Float(), nullable=False),
    sa.Column('churn_risk', sa.Float(), nullable=False),
    sa.Column('vulnerable', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(), nullable=False),
    sa.Column('preferred_channel', sa.String(), nullable=False),
    sa.Column('consent', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('model_promotion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=96), nullable=False),
    sa.Column('previous', sa.String(length=96), nullable=True),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('model_promotion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_promotion_version'), ['version'], unique=False)

    op.create_table('model_version',
    sa.Column('version', sa.String(length=96), nullable=False),
    sa.Column('path', sa.String(), nullable=False),
    sa.Column('data_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('features', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('metrics', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('version')
    )
    with op.batch_alter_table('model_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_version_status'), ['status'], unique=False)

    op.create_table('practice_run',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('scenarios', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('prompt',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('journey_id', sa.String(), nullable=True),
    sa.Column('agent_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('model_version', sa.String(), nullable=True),
    sa.Column('guardrails', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('reasons', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('degraded', sa.Boolean(), nullable=False),
    sa.Column('practice', sa.Boolean(), nullable=False),
    sa.Column('shown_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('prompt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prompt_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prompt_journey_id'), ['journey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prompt_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prompt_shown_at'), ['shown_at'], unique=False)

    op.create_table('customeridentifier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=256), nullable=False),
    sa.Column('customer_id', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'value', 'customer_id', name='uq_identifier_owner')
    )
    with op.batch_alter_table('customeridentifier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customeridentifier_customer_id'), ['customer_id'], unique=False)

    op.create_table('interaction',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(), nullable=False),
    sa.Column('journey_id', sa.String(), nullable=True),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('agent_id', sa.String(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('intent', sa.String(), nullable=False),
    sa.Column('outcome', sa.String(), nullable=True),
    sa.Column('csat', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(), nullable=False),
    sa.Column('practice', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interaction_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interaction_journey_id'), ['journey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interaction_started_at'), ['started_at'], unique=False)

    op.create_table('journey',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('owner_agent_id', sa.String(), nullable=True),
    sa.Column('channels', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('state', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('practice', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('journey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journey_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journey_status'), ['status'], unique=False)

    op.create_table('practice_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('run_id', sa.String(length=64), nullable=False),
    sa.Column('trainee_id', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('scenario', sa.String(length=64), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('refund_limit', sa.Float(), nullable=False),
    sa.Column('opened_at', sa.Float(), nullable=True),
    sa.Column('offer_expires_at', sa.Float(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('debrief', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['practice_run.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id')
    )
    with op.batch_alter_table('practice_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_session_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_session_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_session_trainee_id'), ['trainee_id'], unique=False)

    op.create_table('promptfeedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prompt_id', sa.String(), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=False),
    sa.Column('verdict', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seconds_to_act', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['prompt_id'], ['prompt.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('promptfeedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_promptfeedback_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_promptfeedback_prompt_id'), ['prompt_id'], unique=False)

    op.create_table('practice_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_session_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=True),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('verdict', sa.String(length=16), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('mood', sa.Float(), nullable=True),
    sa.Column('moment', sa.String(length=32), nullable=True),
    sa.Column('reply_to', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['practice_session_id'], ['practice_session.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('practice_session_id', 'reply_to', name='uq_practice_event_reply'),
    sa.UniqueConstraint('practice_session_id', 'seq', name='uq_practice_event_seq')
    )
    with op.batch_alter_table('practice_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_event_practice_session_id'), ['practice_session_id'],
                              unique=False)



def downgrade() -> None:
    with op.batch_alter_table('practice_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_event_practice_session_id'))

    op.drop_table('practice_event')
    with op.batch_alter_table('promptfeedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_promptfeedback_prompt_id'))
        batch_op.drop_index(batch_op.f('ix_promptfeedback_agent_id'))

    op.drop_table('promptfeedback')
    with op.batch_alter_table('practice_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_session_trainee_id'))
        batch_op.drop_index(batch_op.f('ix_practice_session_status'))
        batch_op.drop_index(batch_op.f('ix_practice_session_run_id'))

    op.drop_table('practice_session')
    with op.batch_alter_table('journey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_status'))
        batch_op.drop_index(batch_op.f('ix_journey_customer_id'))

    op.drop_table('journey')
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interaction_started_at'))
        batch_op.drop_index(batch_op.f('ix_interaction_journey_id'))
        batch_op.drop_index(batch_op.f('ix_interaction_customer_id'))

    op.drop_table('interaction')
    with op.batch_alter_table('customeridentifier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customeridentifier_customer_id'))

    op.drop_table('customeridentifier')
    with op.batch_alter_table('prompt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prompt_shown_at'))
        batch_op.drop_index(batch_op.f('ix_prompt_session_id'))
        batch_op.drop_index(batch_op.f('ix_prompt_journey_id'))
        batch_op.drop_index(batch_op.f('ix_prompt_agent_id'))

    op.drop_table('prompt')
    op.drop_table('practice_run')
    with op.batch_alter_table('model_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_version_status'))

    op.drop_table('model_version')
    with op.batch_alter_table('model_promotion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_promotion_version'))

    op.drop_table('model_promotion')
    op.drop_table('customer')
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditentry_customer_id'))
        batch_op.drop_index(batch_op.f('ix_auditentry_at'))

    op.drop_table('auditentry')
    op.drop_table('apikey')
    op.drop_table('agent')

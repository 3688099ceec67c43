"""experiments: the experiment table, and the arm each prompt and each closed contact was served under

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 12:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


EXPERIMENT_ROWS = sa.text('experiment_id IS NOT NULL')
"""The two indexes are partial: only rows served under an experiment, covering what its results read."""


def upgrade() -> None:
    op.create_table('experiment',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('queue', sa.String(length=64), nullable=True),
    sa.Column('arms', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stopped_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('experiment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_experiment_status'), ['status'], unique=False)
    with op.batch_alter_table('prompt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('experiment_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('arm', sa.String(length=64), nullable=True))
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('experiment_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('arm', sa.String(length=64), nullable=True))

    op.create_index('ix_interaction_experiment', 'interaction',
                    ['experiment_id', 'arm', 'practice', 'outcome', 'csat', 'started_at', 'ended_at'], unique=False,
                    sqlite_where=EXPERIMENT_ROWS, postgresql_where=EXPERIMENT_ROWS)
    op.create_index('ix_prompt_experiment', 'prompt', ['experiment_id', 'arm'], unique=False,
                    sqlite_where=EXPERIMENT_ROWS, postgresql_where=EXPERIMENT_ROWS)


def downgrade() -> None:
    op.drop_index('ix_prompt_experiment', table_name='prompt')
    op.drop_index('ix_interaction_experiment', table_name='interaction')
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_column('arm')
        batch_op.drop_column('experiment_id')
    with op.batch_alter_table('prompt', schema=None) as batch_op:
        batch_op.drop_column('arm')
        batch_op.drop_column('experiment_id')
    with op.batch_alter_table('experiment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_experiment_status'))
    op.drop_table('experiment')

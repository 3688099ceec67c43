"""panel use events

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 12:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('panel_event',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('queue', sa.String(length=64), nullable=False),
    sa.Column('model_version', sa.String(length=64), nullable=True),
    sa.Column('practice', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('panel_event', schema=None) as batch_op:
        batch_op.create_index('ix_panel_event_session_at', ['session_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_event_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_event_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('panel_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_event_at'))
        batch_op.drop_index(batch_op.f('ix_panel_event_agent_id'))
        batch_op.drop_index('ix_panel_event_session_at')
    op.drop_table('panel_event')

"""panel use daily roll-up

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-05 13:50:00.000000

The table starts empty with no watermark row of its own: the next roll-up pass rolls panel use from the first
contact on (``assist.panel_use.rollup``), and reports read raw meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('panel_use_day',
    sa.Column('day', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=False),
    sa.Column('practice', sa.Boolean(), nullable=False),
    sa.Column('team', sa.String(length=64), nullable=False),
    sa.Column('contacts', sa.Integer(), nullable=False),
    sa.Column('handle_seconds', sa.Float(), nullable=False),
    sa.Column('contacts_with_panel', sa.Integer(), nullable=False),
    sa.Column('panel_seconds', sa.Float(), nullable=False),
    sa.Column('card_views', sa.Integer(), nullable=False),
    sa.Column('article_views', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'agent_id', 'practice')
    )
    with op.batch_alter_table('panel_use_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_use_day_team'), ['team'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('panel_use_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_use_day_team'))
    op.drop_table('panel_use_day')

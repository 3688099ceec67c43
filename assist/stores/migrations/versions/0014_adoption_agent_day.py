"""adoption_agent_day: the funnel's sums per agent and day, over every action, queue and channel

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 16:20:00.000000

Since 0012 ``adoption_day`` keeps a row per agent, action, queue and channel a day: about one per prompt at 10 M
prompts a year, so the summary and the funnel by agent, which sum it per agent, read nearly as many rows as a
scan. The new table keeps a row per agent a day. The days already rolled up are filled from ``adoption_day``
(their sums over actions, queues and channels, under the team their rows carry), which is what rolling them
again would give, so no re-roll is needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMS = ['shown', 'accepted', 'dismissed', 'ignored', 'open', 'followed', 'overridden', 'closed', 'resolved',
        'transferred', 'followed_closed', 'followed_resolved', 'csat_sum', 'csat_n', 'handle_sum', 'handle_n',
        'act_sum', 'act_n']
FLOATS = {'csat_sum', 'handle_sum', 'act_sum'}


def upgrade() -> None:
    op.create_table('adoption_agent_day',
    *(sa.Column(name, sa.Float() if name in FLOATS else sa.Integer(), nullable=False) for name in SUMS),
    sa.Column('day', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=False),
    sa.Column('practice', sa.Boolean(), nullable=False),
    sa.Column('team', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('day', 'agent_id', 'practice')
    )
    with op.batch_alter_table('adoption_agent_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adoption_agent_day_team'), ['team'], unique=False)
    sums = ', '.join(SUMS)
    op.execute(sa.text(  # one roll writes all of an agent's rows of a day, so they carry one team: MAX is it
        f"INSERT INTO adoption_agent_day (day, agent_id, practice, team, {sums}) "
        f"SELECT day, agent_id, practice, MAX(team), {', '.join(f'SUM({s})' for s in SUMS)} "
        "FROM adoption_day GROUP BY day, agent_id, practice"))


def downgrade() -> None:
    with op.batch_alter_table('adoption_agent_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adoption_agent_day_team'))
    op.drop_table('adoption_agent_day')

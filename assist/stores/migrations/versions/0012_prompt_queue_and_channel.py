"""prompt queue and channel, and both as keys of the adoption roll-up

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 15:20:00.000000

Prompts recorded before this revision keep a null queue and channel (reports show them as ``unknown``). The
days already rolled up keep their figures: ``adoption_day``'s rows get the queue and channel ``unknown``, and
the new ``adoption_queue_day`` is filled for them from ``adoption_team_day`` under ``unknown`` too, which is
what rolling them again would give (every prompt they count has neither), so no re-roll is needed. The two
columns join ``adoption_day``'s primary key (SQLite rebuilds the table for that; PostgreSQL swaps the
constraint).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNKNOWN = 'unknown'
KEY = ['day', 'agent_id', 'action', 'practice']
SUMS = ['shown', 'accepted', 'dismissed', 'ignored', 'open', 'followed', 'overridden', 'closed', 'resolved',
        'transferred', 'followed_closed', 'followed_resolved', 'csat_sum', 'csat_n', 'handle_sum', 'handle_n',
        'act_sum', 'act_n']
FLOATS = {'csat_sum', 'handle_sum', 'act_sum'}


def _drop_primary_key(batch_op: Any, table: str) -> None:
    """PostgreSQL named the key ``<table>_pkey``; SQLite's has no name, and its rebuild takes the new key in its
    place without being told to drop the old one."""
    if op.get_bind().dialect.name != 'sqlite':
        batch_op.drop_constraint(f'{table}_pkey', type_='primary')


def upgrade() -> None:
    with op.batch_alter_table('prompt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=True))
    with warnings.catch_warnings(), op.batch_alter_table('adoption_day', schema=None) as batch_op:
        # SQLite's rebuild warns that the reflected key columns are not the new key: the new key is meant
        warnings.filterwarnings('ignore', r"Table '_alembic_tmp_.*primary_key", sa.exc.SAWarning)
        batch_op.add_column(sa.Column('queue', sa.String(length=64), nullable=False, server_default=UNKNOWN))
        batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=False, server_default=UNKNOWN))
        _drop_primary_key(batch_op, 'adoption_day')
        batch_op.create_primary_key('adoption_day_pkey', [*KEY, 'queue', 'channel'])
    with op.batch_alter_table('adoption_day', schema=None) as batch_op:  # the model has no default: rows say theirs
        batch_op.alter_column('queue', server_default=None)
        batch_op.alter_column('channel', server_default=None)
    op.create_table('adoption_queue_day',
    *(sa.Column(name, sa.Float() if name in FLOATS else sa.Integer(), nullable=False) for name in SUMS),
    sa.Column('day', sa.DateTime(timezone=True), nullable=False),
    sa.Column('queue', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('practice', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'queue', 'channel', 'action', 'practice')
    )
    sums = ', '.join(SUMS)
    op.execute(sa.text(
        f"INSERT INTO adoption_queue_day (day, queue, channel, action, practice, {sums}) "
        f"SELECT day, '{UNKNOWN}', '{UNKNOWN}', action, practice, {', '.join(f'SUM({s})' for s in SUMS)} "
        "FROM adoption_team_day GROUP BY day, action, practice"))


def downgrade() -> None:
    """The roll-up is emptied and its watermark dropped rather than summed over queues and channels: the next
    roll rebuilds it from the first prompt (a few days a pass), and reports read raw prompts meanwhile."""
    op.drop_table('adoption_queue_day')
    op.execute(sa.text("DELETE FROM adoption_rollup WHERE name = 'prompts'"))
    op.execute(sa.text('DELETE FROM adoption_day'))
    op.execute(sa.text('DELETE FROM adoption_team_day'))
    with op.batch_alter_table('adoption_day', schema=None) as batch_op:
        _drop_primary_key(batch_op, 'adoption_day')
        batch_op.create_primary_key('adoption_day_pkey', KEY)
        batch_op.drop_column('channel')
        batch_op.drop_column('queue')
    with op.batch_alter_table('prompt', schema=None) as batch_op:
        batch_op.drop_column('channel')
        batch_op.drop_column('queue')

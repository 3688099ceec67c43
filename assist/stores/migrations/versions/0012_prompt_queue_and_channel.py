"""prompt queue and channel, and both as keys of the adoption roll-up

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 15:20:00.000000

Prompts recorded before this revision keep a null queue and channel (reports show them as ``unknown``). The
days already rolled up keep their figures: their rows get the queue and channel ``unknown``, which is what
rolling them again would give (every prompt they count has neither), so no re-roll is needed. The two columns
join each roll-up table's primary key (SQLite rebuilds the table for that; PostgreSQL swaps the constraint).
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
KEYS = {'adoption_day': ['day', 'agent_id', 'action', 'practice'],
        'adoption_team_day': ['day', 'team', 'action', 'practice']}


def _drop_primary_key(batch_op: Any, table: str) -> None:
    """PostgreSQL named the key ``<table>_pkey``; SQLite's has no name, and its rebuild takes the new key in its
    place without being told to drop the old one."""
    if op.get_bind().dialect.name != 'sqlite':
        batch_op.drop_constraint(f'{table}_pkey', type_='primary')


def upgrade() -> None:
    with op.batch_alter_table('prompt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=True))
    for table, keys in KEYS.items():
        with warnings.catch_warnings(), op.batch_alter_table(table, schema=None) as batch_op:
            # SQLite's rebuild warns that the reflected key columns are not the new key: the new key is meant
            warnings.filterwarnings('ignore', r"Table '_alembic_tmp_.*primary_key", sa.exc.SAWarning)
            batch_op.add_column(sa.Column('queue', sa.String(length=64), nullable=False, server_default=UNKNOWN))
            batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=False,
                                          server_default=UNKNOWN))
            _drop_primary_key(batch_op, table)
            batch_op.create_primary_key(f'{table}_pkey', [*keys, 'queue', 'channel'])
        with op.batch_alter_table(table, schema=None) as batch_op:  # the models have no default: rows say theirs
            batch_op.alter_column('queue', server_default=None)
            batch_op.alter_column('channel', server_default=None)


def downgrade() -> None:
    """The roll-up is emptied and its watermark dropped rather than summed over queues and channels: the next
    roll rebuilds it from the first prompt (a few days a pass), and reports read raw prompts meanwhile."""
    op.execute(sa.text("DELETE FROM adoption_rollup WHERE name = 'prompts'"))
    for table, keys in KEYS.items():
        op.execute(sa.text(f'DELETE FROM {table}'))
        with op.batch_alter_table(table, schema=None) as batch_op:
            _drop_primary_key(batch_op, table)
            batch_op.create_primary_key(f'{table}_pkey', keys)
            batch_op.drop_column('channel')
            batch_op.drop_column('queue')
    with op.batch_alter_table('prompt', schema=None) as batch_op:
        batch_op.drop_column('channel')
        batch_op.drop_column('queue')
